"""A fine-tuned classifier as a model folder, and back.

The folder is the shared keras_bert format (`keras_bert.interop.native`): the classifier's
Keras serialisation, its label names and tokenizer included, plus provenance in
keras_bert.json.
"""

from keras_bert.errors import KerasBertError
from keras_bert.interop.native import load_model, read_metadata, write_model_folder


def save_classifier_folder(path, classifier, metadata=None):
    """Write `classifier` (which must have its `tokenizer`) as a model folder; returns metadata."""
    return write_model_folder(path, classifier, metadata=metadata)


def load_classifier(path):
    """The `BertClassifier` in model folder `path`, with its tokenizer."""
    task = read_metadata(path)["task"]
    if task != "classifier":
        raise KerasBertError(
            f"{path} holds no fine-tuned classifier (task: {task}); fine-tune one with "
            f"`keras-bert finetune --init {path} ...`."
        )
    return load_model(path)
