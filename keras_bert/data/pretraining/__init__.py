"""Pretraining data: plain-text corpus → masked-LM (+ next-sentence) examples as tf.data.

Every dataset yields batched `(x, y)`:
    x = {"input_word_ids", "input_mask", "input_type_ids": int32 [b, seq_length],
         "masked_lm_positions": int32 [b, max_predictions_per_seq]}
    y = {"masked_lm_ids": int32 [b, p], "masked_lm_weights": float32 [b, p] (1.0 real, 0.0 pad),
         "next_sentence_labels": int32 [b] (0 = B is the actual next, 1 = B is random;
                                            absent in masked-LM-only mode)}

Entry points:
- `pretraining_dataset(corpus, tokenizer, seq_length, batch_size, max_predictions_per_seq,
  mode="dynamic"|"static", next_sentence=True, whole_word_masking=False, masked_lm_prob=0.15,
  short_seq_prob=0.1, dupe_factor=1, seed=0, max_position_embeddings=512, ...)`: from raw
  text. Dynamic mode redraws masks on every iteration (each epoch), static masks once.
- `write_pretraining_tfrecords(corpus, tokenizer, out_dir, seq_length, max_predictions_per_seq,
  num_shards=1, dupe_factor=10, seed=12345, ...)`: static shards + `pretraining_data.json`
  (`keras-bert prepare`).
- `read_pretraining_tfrecords(files_or_dir, batch_size, shuffle=True, seed=None, ...)`: those
  shards (or Google's `create_pretraining_data.py` output) back as `(x, y)`.
Lower level: `read_corpus` / `Corpus`, `split_sentences`, `build_sequence_instances`,
`MaskedLMMasker`, `mask_instances`, `validate_pretraining_settings`.
"""

from keras_bert.data.pretraining.corpus import Corpus, CorpusStats, read_corpus
from keras_bert.data.pretraining.instances import SequenceInstances, create_sequence_instances
from keras_bert.data.pretraining.masking import MaskedLMMasker
from keras_bert.data.pretraining.pipeline import (
    build_sequence_instances,
    dynamic_masking_dataset,
    mask_instances,
    pretraining_dataset,
    split_features,
    write_pretraining_tfrecords,
)
from keras_bert.data.pretraining.sentences import split_sentences
from keras_bert.data.pretraining.settings import validate_pretraining_settings
from keras_bert.data.pretraining.tfrecords import read_pretraining_tfrecords, save_instances_as_tfrecords
