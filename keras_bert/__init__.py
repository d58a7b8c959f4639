"""keras_bert: build, pretrain, fine-tune and serve BERT in Keras 3 and TensorFlow.

The public API is re-exported here, its names loaded on first use (PEP 562). Importing
keras_bert registers its Keras classes (tokenizer, encoder, tasks), so that
`keras.models.load_model(folder)` reads a keras_bert model folder or export after nothing more
than `import keras_bert`. That imports TensorFlow, except in the `keras-bert` command, which
imports what each subcommand needs itself, after setting TensorFlow's log level: so `--help`
is instant and the output is the user's, not TensorFlow's start-up chatter.
"""

import os
import sys

from keras_bert.lazy_exports import lazy_exports

__version__ = "0.1.0"

# Public name -> module that defines it.
_PUBLIC_API = {
    "export_saved_model": "keras_bert.serving.export",
    "export_preprocessor": "keras_bert.serving.export",
    "export_int8": "keras_bert.serving.int8_export",
    "load_int8_export": "keras_bert.serving.int8_runtime",
    "BertConfig": "keras_bert.config",
    "BertEncoder": "keras_bert.modeling.encoder",
    "BertTokenizer": "keras_bert.tokenization.bert_tokenizer",
    "train_vocabulary": "keras_bert.tokenization.vocabulary",
    "MaskedLMHead": "keras_bert.modeling.masked_lm_head",
    "BertClassifier": "keras_bert.tasks.classifier",
    "BertTokenTagger": "keras_bert.tasks.token_tagger",
    "BertQuestionAnswerer": "keras_bert.tasks.question_answerer",
    "read_squad_file": "keras_bert.data.squad",
    "qa_dataset": "keras_bert.data.squad",
    "read_tagged_file": "keras_bert.data.tagging",
    "tagging_dataset": "keras_bert.data.tagging",
    "entity_scores": "keras_bert.tasks.entity_scores",
    "EntityF1": "keras_bert.tasks.entity_scores",
    "BertSentenceEncoder": "keras_bert.tasks.sentence_encoder",
    "finetune_sentence_encoder": "keras_bert.tasks.sentence_similarity",
    "KerasBertError": "keras_bert.errors",
    "load_model": "keras_bert.interop.native",
    "ClassificationF1": "keras_bert.tasks.classification_f1",
    "finetune_classifier": "keras_bert.tasks.classifier_training",
    "LabelVocabulary": "keras_bert.data.label_vocabulary",
    "read_labelled_file": "keras_bert.data.labelled",
    "classification_dataset": "keras_bert.data.labelled",
    "LoadedBert": "keras_bert.interop.loaded_bert",
    "load_checkpoint": "keras_bert.interop.loader",
    "save_checkpoint": "keras_bert.interop.loader",
    "save_google_checkpoint": "keras_bert.interop.google",
    "save_hugging_face": "keras_bert.interop.hugging_face",
    "write_model_folder": "keras_bert.interop.native",
    "Corpus": "keras_bert.data.pretraining.corpus",
    "read_corpus": "keras_bert.data.pretraining.corpus",
    "pretraining_dataset": "keras_bert.data.pretraining.pipeline",
    "write_pretraining_tfrecords": "keras_bert.data.pretraining.pipeline",
    "read_pretraining_tfrecords": "keras_bert.data.pretraining.tfrecords",
    "BertPretrainer": "keras_bert.tasks.pretrainer",
    "pretrain": "keras_bert.workflows",
    "PretrainingSettings": "keras_bert.workflows",
    "finetune": "keras_bert.workflows",
    "FinetuneSettings": "keras_bert.workflows",
    "distill": "keras_bert.workflows",
    "DistillSettings": "keras_bert.workflows",
    "create_optimizer": "keras_bert.training.optimizers",
    "WarmupLinearDecay": "keras_bert.training.schedules",
    "fit_resumable": "keras_bert.training.resumable_fit",
    "resolve_strategy": "keras_bert.training.distribution",
    "similarity": "keras_bert.embeddings.similarity",
    "SearchIndex": "keras_bert.embeddings.index",
    "read_sts": "keras_bert.embeddings.sts",
    "score_sts": "keras_bert.embeddings.sts",
}

__getattr__, __dir__, __all__ = lazy_exports(__name__, _PUBLIC_API)

# The modules whose import registers keras_bert's serialisable Keras classes.
_KERAS_CLASSES = (
    "keras_bert.tasks.classifier",
    "keras_bert.tasks.pretrainer",
    "keras_bert.tasks.sentence_encoder",
    "keras_bert.tasks.token_tagger",
    "keras_bert.tasks.question_answerer",
)


def register_keras_classes():
    """Import the modules that register keras_bert's classes with Keras (idempotent)."""
    import importlib

    for module in _KERAS_CLASSES:
        importlib.import_module(module)


if os.path.basename(sys.argv[0] if sys.argv else "") != "keras-bert":
    register_keras_classes()
