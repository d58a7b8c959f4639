"""Pretraining data: plain-text corpus → masked-LM (+ next-sentence) examples as tf.data.

Every dataset yields batched `(x, y)`:
    x = {"input_word_ids", "input_mask", "input_type_ids": int32 [b, seq_length],
         "masked_lm_positions": int32 [b, max_predictions]}
    y = {"masked_lm_ids": int32 [b, p], "masked_lm_weights": float32 [b, p] (1.0 real, 0.0 pad),
         "next_sentence_labels": int32 [b] (0 = B is the actual next, 1 = B is random;
                                            absent in masked-LM-only mode)}

Entry points:
- `pretraining_dataset(corpus, tokenizer, seq_length, batch_size, max_predictions,
  mode="dynamic"|"static", next_sentence=True, whole_word_masking=False, masked_lm_prob=0.15,
  short_seq_prob=0.1, dupe_factor=1, seed=0, max_position_embeddings=512, ...)`: from raw
  text. Dynamic mode redraws masks on every iteration (each epoch), static masks once.
- `write_pretraining_tfrecords(corpus, tokenizer, out_dir, seq_length, max_predictions,
  num_shards=1, dupe_factor=10, seed=12345, ...)`: static shards + `pretraining_data.json`
  (`keras-bert prepare`), published only when complete (`shards.py`).
- `read_pretraining_tfrecords(files_or_dir, batch_size, shuffle=True, seed=None, ...)`: those
  shards (or Google's `create_pretraining_data.py` output) back as `(x, y)`; a truncated,
  missing or extra shard is an error naming it.
Lower level: `read_corpus` / `Corpus`, `split_sentences`, `build_sequence_instances`,
`MaskedLMMasker`, `mask_instances`, `validate_pretraining_settings`.

Names load on first use, so reading and checking a corpus does not wait for TensorFlow.
"""

from keras_bert.lazy_exports import lazy_exports

_EXPORTS = {
    "Corpus": "corpus",
    "CorpusStats": "corpus",
    "read_corpus": "corpus",
    "SequenceInstances": "instances",
    "create_sequence_instances": "instances",
    "MaskedLMMasker": "masking",
    "build_sequence_instances": "pipeline",
    "dynamic_masking_dataset": "pipeline",
    "mask_instances": "pipeline",
    "pretraining_dataset": "pipeline",
    "split_features": "pipeline",
    "write_pretraining_tfrecords": "pipeline",
    "split_sentences": "sentences",
    "validate_pretraining_settings": "settings",
    "read_pretraining_tfrecords": "tfrecords",
    "save_instances_as_tfrecords": "tfrecords",
}

__getattr__, __dir__, __all__ = lazy_exports(__name__, _EXPORTS)
