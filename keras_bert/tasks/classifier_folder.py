"""A fine-tuned classifier as a model folder, and back, with its tokenizer and label names.

The folder is the shared keras_bert format (`keras_bert.interop.native`) with task
"classifier"; labels.txt (one name per line, line i = class i) is written beside it so the
label vocabulary can be read without keras_bert.
"""

import os

from keras_bert.data.label_vocabulary import LabelVocabulary

LABELS_FILE = "labels.txt"


def save_classifier_folder(path, classifier, metadata=None):
    """Write `classifier` (which must have its `tokenizer`) as a model folder; returns metadata."""
    from keras_bert.interop.native import write_model_folder

    tokenizer = classifier.tokenizer
    if tokenizer is None:
        raise ValueError("save_classifier_folder needs classifier.tokenizer (its vocabulary goes in the folder).")
    written = write_model_folder(
        path,
        config=classifier.encoder.config,
        vocabulary=list(tokenizer.vocabulary),
        lowercase=tokenizer.lowercase,
        encoder=classifier.encoder,
        classifier=classifier,
        metadata=metadata,
    )
    LabelVocabulary(classifier.label_names).save(os.path.join(path, LABELS_FILE))
    return written


def load_classifier(path):
    """The `BertClassifier` in model folder `path`, with `tokenizer` and `seq_length` set."""
    from keras_bert.interop.loader import load_checkpoint

    loaded = load_checkpoint(path)
    if loaded.classifier is None:
        task = loaded.metadata.get("task", loaded.format)
        raise ValueError(
            f"{path} holds no fine-tuned classifier (task: {task}); fine-tune one with "
            f"`keras-bert finetune --init {path} ...`."
        )
    classifier = loaded.classifier
    classifier.tokenizer = loaded.tokenizer
    if classifier.seq_length is None:
        classifier.seq_length = loaded.metadata.get("seq_length")
    return classifier
