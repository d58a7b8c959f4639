"""Our model folder: a task model saved the Keras way, unzipped, plus where it came from.

    config.json                   the task's Keras serialisation: its constructor arguments,
                                  the encoder's BertConfig and the tokenizer's settings inside
    metadata.json                 Keras's own (its version, the date)
    model.weights.h5              every weight of the task: encoder and heads
    assets/tokenizer/vocab.txt    the tokenizer's vocabulary, one token per line
    keras_bert.json               provenance: format marker and version, the task's name, and
                                  what the run that wrote it recorded (data columns, learning
                                  rate, ...). Never read to rebuild the model.

The first four are exactly what `keras.saving.save_model(task, path, zipped=False)` writes, so
`keras.models.load_model(path)` reads the folder after `import keras_bert`; `load_model` here
adds the checks and errors a user needs (weights that are NaN or infinite, from a run that
diverged, are refused both ways). There is no second description of the model: every
constructor argument lives in config.json, through the task's `get_config`.
"""

import json
import os
import shutil
import tempfile

import keras
import numpy as np

from keras_bert.errors import KerasBertError, MissingFileError
from keras_bert.interop.loaded_bert import LoadedBert
from keras_bert.output_paths import staged_folder
from keras_bert.tasks.classifier import BertClassifier
from keras_bert.tasks.pretrainer import BertPretrainer
from keras_bert.tasks.question_answerer import BertQuestionAnswerer
from keras_bert.tasks.sentence_encoder import BertSentenceEncoder
from keras_bert.tasks.token_tagger import BertTokenTagger
from keras_bert.tokenization.bert_tokenizer import VOCAB_ASSET
from keras_bert.training.divergence import (
    TrainingDivergedError,
    check_finite_weights,
    first_non_finite,
)
from keras_bert.text_files import read_json

FORMAT_NAME = "keras_bert"
FORMAT_VERSION = 2

METADATA_FILE = "keras_bert.json"
KERAS_CONFIG_FILE = "config.json"
KERAS_METADATA_FILE = "metadata.json"
WEIGHTS_FILE = "model.weights.h5"
ASSETS_DIR = "assets"
# Where Keras's saving puts the tokenizer's assets: the task's `tokenizer` attribute.
VOCAB_PATH = os.path.join(ASSETS_DIR, "tokenizer", VOCAB_ASSET)

# The task models a folder can hold, by the name keras_bert.json gives them.
TASKS = {
    "pretrainer": BertPretrainer,
    "classifier": BertClassifier,
    "sentence_encoder": BertSentenceEncoder,
    "tagger": BertTokenTagger,
    "question_answerer": BertQuestionAnswerer,
}
# Files of format 1 folders, removed when a folder is written again so none is left stale.
_FORMAT_1_FILES = (
    "bert_config.json", "vocab.txt", "encoder.weights.h5", "pretrainer.weights.h5",
    "classifier.weights.h5", "labels.txt",
)


def task_name(model):
    """The name keras_bert.json gives `model`'s class ("classifier", ...)."""
    for name, cls in TASKS.items():
        if isinstance(model, cls):
            return name
    raise KerasBertError(
        f"A model folder holds a task model ({', '.join(c.__name__ for c in TASKS.values())}), "
        f"not a {type(model).__name__}; wrap an encoder in BertSentenceEncoder(encoder, tokenizer=...)."
    )


def write_model_folder(path, model, metadata=None):
    """Write task `model` (with its tokenizer) as a model folder at `path`; returns keras_bert.json's content.

    Args:
        model: a `BertPretrainer`, `BertClassifier` or `BertSentenceEncoder`. Its tokenizer
            must be set: a folder without its vocabulary cannot be used.
        metadata: provenance for keras_bert.json (JSON-serialisable; may not set "format").
    """
    task = task_name(model)
    if model.tokenizer is None:
        raise KerasBertError(f"write_model_folder: the {task} has no tokenizer; build it with tokenizer=... .")
    if len(model.tokenizer.vocabulary) != model.encoder.config.vocab_size:
        raise KerasBertError(
            f"write_model_folder: the tokenizer has {model.tokenizer.vocab_size} tokens but the "
            f"encoder's vocab_size is {model.encoder.config.vocab_size}; they must be equal."
        )
    path = os.fspath(path)
    if os.path.exists(path) and not os.path.isdir(path):
        raise KerasBertError(f"write_model_folder: {path} is a file; give a folder.")
    found = first_non_finite(model.weights)
    if found:
        raise TrainingDivergedError(
            f"write_model_folder: the {task}'s weights are not finite ({found[1]} in {found[0]}); "
            f"not writing {path}. Train again with a lower learning rate (--learning-rate)."
        )
    # Written beside `path` first, then moved in: an interrupted write leaves `path` as it was.
    with staged_folder("path", path, lock=False) as staging:
        written = save_task_files(staging, model, metadata)
        for stale in _FORMAT_1_FILES:
            stale_path = os.path.join(path, stale)
            if os.path.isfile(stale_path):
                os.remove(stale_path)
    return written


def save_task_files(path, model, metadata=None):
    """Add the Keras files of task `model` and keras_bert.json to the existing folder `path`.

    `write_model_folder` without the clean-up: an export adds these beside its SavedModel, so
    one folder is both. Returns keras_bert.json's content.
    """
    written = dict(metadata or {})
    if written.get("format", FORMAT_NAME) != FORMAT_NAME:
        raise KerasBertError(f"metadata['format'] must be {FORMAT_NAME!r} (or left out).")
    written.update(format=FORMAT_NAME, format_version=FORMAT_VERSION, task=task_name(model))
    written = json.loads(json.dumps(written, default=_json_default))
    if getattr(model, "optimizer", None) is not None:
        # Keras would store the optimizer's state too: save a clean copy of the weights.
        model = _uncompiled_copy(model)
    _save_keras_files(model, path)
    # keras_bert.json last: a folder that has it was written completely.
    with open(os.path.join(path, METADATA_FILE), "w", encoding="utf-8") as file:
        json.dump(written, file, indent=2, sort_keys=True, ensure_ascii=False)
        file.write("\n")
    return written


def _save_keras_files(model, path):
    """`keras.saving.save_model(model, path, zipped=False)`, into a folder that may hold files.

    Keras writes into a new folder here, whose files are then moved in: it refuses an existing
    assets/ folder (a SavedModel's), and writes the assets of a relative path elsewhere.
    """
    staging = tempfile.mkdtemp(prefix=".keras-", dir=path)
    try:
        keras.saving.save_model(model, os.path.abspath(staging), zipped=False)
        for name in os.listdir(staging):
            source, target = os.path.join(staging, name), os.path.join(path, name)
            if name == ASSETS_DIR and os.path.isdir(target):
                for asset in os.listdir(source):
                    if os.path.exists(os.path.join(target, asset)):
                        shutil.rmtree(os.path.join(target, asset))
                    os.replace(os.path.join(source, asset), os.path.join(target, asset))
            else:
                os.replace(source, target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def is_model_folder(path):
    return os.path.isfile(os.path.join(path, METADATA_FILE))


def read_metadata(path):
    """keras_bert.json of the folder at `path`, checked (format, version, task)."""
    metadata_path = os.path.join(path, METADATA_FILE)
    if not os.path.isfile(metadata_path):
        raise MissingFileError(f"{path} is not a keras_bert model folder: no {METADATA_FILE}.")
    metadata = read_json(metadata_path, "model folder metadata", expect=dict)
    if metadata.get("format") != FORMAT_NAME:
        raise KerasBertError(f"{metadata_path} does not say format {FORMAT_NAME!r}.")
    if metadata.get("format_version") != FORMAT_VERSION:
        raise KerasBertError(
            f"{metadata_path} has format_version {metadata.get('format_version')!r}; this "
            f"keras_bert reads version {FORMAT_VERSION}. Write the model again with this "
            f"keras_bert (e.g. convert its weights with `keras-bert convert`)."
        )
    if metadata.get("task") not in TASKS:
        raise KerasBertError(f"{metadata_path}: task must be one of {', '.join(TASKS)}.")
    return metadata


def load_model(path):
    """The task model in the folder at `path`, with its tokenizer (uncompiled)."""
    read_metadata(path)
    for needed in (KERAS_CONFIG_FILE, WEIGHTS_FILE, VOCAB_PATH):
        if not os.path.isfile(os.path.join(path, needed)):
            raise MissingFileError(f"The model folder {path} lacks {needed}; write it again.")
    try:
        model = keras.saving.load_model(path, compile=False, safe_mode=True)
    except ValueError as error:
        raise KerasBertError(f"{path} could not be loaded as a keras_bert model: {error}") from None
    # Weights of a run that diverged are refused here, not found out in NaN predictions.
    check_finite_weights(model, os.path.join(path, WEIGHTS_FILE))
    return model


def read_model_folder(path, hidden_act=None, lowercase=None):
    """A folder written by `write_model_folder`, as a `LoadedBert` (as every format loads).

    `hidden_act` and `lowercase` override what the folder says (the model is rebuilt).
    """
    metadata = read_metadata(path)
    model = load_model(path)
    if hidden_act or (lowercase is not None and bool(lowercase) != model.tokenizer.lowercase):
        model = _with_overrides(model, hidden_act, lowercase)
    tokenizer = model.tokenizer
    return LoadedBert(
        config=model.encoder.config,
        vocabulary=tokenizer.vocabulary,
        lowercase=tokenizer.lowercase,
        encoder=model.encoder,
        pretrainer=model if isinstance(model, BertPretrainer) else None,
        classifier=model if isinstance(model, BertClassifier) else None,
        metadata=metadata,
        format=FORMAT_NAME,
        vocab_file=os.path.join(path, VOCAB_PATH),
        _tokenizer=tokenizer,
    )


def _with_overrides(model, hidden_act, lowercase):
    """`model` rebuilt with another activation or lowercasing, its weights copied."""
    config = model.get_config()
    if hidden_act:
        config["encoder"]["config"]["config"]["hidden_act"] = hidden_act
    tokenizer = model.tokenizer
    config["tokenizer"] = type(tokenizer)(
        tokenizer.vocabulary,
        lowercase=tokenizer.lowercase if lowercase is None else bool(lowercase),
        wordpiece_implementation=tokenizer.wordpiece_implementation,
    )
    rebuilt = type(model).from_config(config)
    rebuilt.set_weights(model.get_weights())
    return rebuilt


def _uncompiled_copy(model):
    config = model.get_config()
    config["tokenizer"] = model.tokenizer  # the same object: from_config passes it through
    copy = type(model).from_config(config)
    copy.set_weights(model.get_weights())
    return copy


def _json_default(value):
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    raise TypeError(f"{type(value).__name__} in model metadata is not JSON-serialisable.")
