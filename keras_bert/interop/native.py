"""Our own model folder: what `keras-bert pretrain`, `finetune` and `convert --to keras_bert` write.

    bert_config.json           BertConfig.to_json (Google's keys, so Google's code reads it too)
    vocab.txt                  one token per line
    keras_bert.json            metadata: format, format_version, lowercase, task and, for
                               classifiers, labels, text_pair, seq_length, num_classes,
                               pooling
    encoder.weights.h5         BertEncoder.save_weights
    pretrainer.weights.h5      BertPretrainer.save_weights (task "pretrainer" only)
    classifier.weights.h5      BertClassifier.save_weights (task "classifier" only)

Weights are Keras `.weights.h5` files: exact, and loaded by model structure, so a folder
round-trips without any name mapping. The task model's file holds the encoder's weights too;
`encoder.weights.h5` is there so an encoder alone can be loaded without the task's code.
"""

import json
import os

import numpy as np

from keras_bert.config import BertConfig
from keras_bert.interop.loaded_bert import LoadedBert
from keras_bert.interop.vocab_file import check_vocabulary_size, read_vocab_file, write_vocab_file

FORMAT_NAME = "keras_bert"
FORMAT_VERSION = 1

METADATA_FILE = "keras_bert.json"
CONFIG_FILE = "bert_config.json"
VOCAB_FILE = "vocab.txt"
ENCODER_WEIGHTS_FILE = "encoder.weights.h5"
PRETRAINER_WEIGHTS_FILE = "pretrainer.weights.h5"
CLASSIFIER_WEIGHTS_FILE = "classifier.weights.h5"

TASKS = ("encoder", "pretrainer", "classifier")
CLASSIFIER_KEYS = ("labels", "text_pair", "seq_length", "num_classes", "pooling")


def write_model_folder(
    path,
    *,
    config,
    vocabulary,
    lowercase,
    encoder,
    pretrainer=None,
    classifier=None,
    metadata=None,
):
    """Write a model folder at `path` (created if needed) and return the metadata written.

    Args:
        config: the `BertConfig` of `encoder`.
        vocabulary: list of tokens (or a path to a vocab.txt), `config.vocab_size` long.
        lowercase: whether the tokenizer lowercases.
        encoder: the `BertEncoder`.
        pretrainer: a `BertPretrainer` over `encoder`, to save its heads too.
        classifier: a `BertClassifier` over `encoder`. `labels`, `text_pair`, `seq_length`
            and `num_classes` come from `metadata` or, when absent there, from the
            classifier's attributes of those names.
        metadata: extra keys for keras_bert.json (they may not change `format`).
    """
    if pretrainer is not None and classifier is not None:
        raise ValueError("A model folder holds one task model: pass pretrainer or classifier.")
    if isinstance(vocabulary, (str, os.PathLike)):
        vocabulary = read_vocab_file(vocabulary)
    vocabulary = list(vocabulary)
    check_vocabulary_size(vocabulary, config, "write_model_folder")
    if encoder.config.to_dict() != config.to_dict():
        raise ValueError("write_model_folder: `config` is not the encoder's config.")

    if classifier is not None:
        task = "classifier"
    elif pretrainer is not None:
        task = "pretrainer"
    else:
        task = "encoder"
    written = dict(metadata or {})
    if written.get("format", FORMAT_NAME) != FORMAT_NAME:
        raise ValueError(f"metadata['format'] must be {FORMAT_NAME!r} (or left out).")
    written.update(
        format=FORMAT_NAME, format_version=FORMAT_VERSION, lowercase=bool(lowercase), task=task
    )
    if pretrainer is not None:
        written.setdefault(
            "next_sentence", getattr(pretrainer, "next_sentence_head", None) is not None
        )
    if classifier is not None:
        for key in CLASSIFIER_KEYS:
            if key not in written and hasattr(classifier, key):
                written[key] = getattr(classifier, key)
        if written.get("num_classes") is None and written.get("labels"):
            written["num_classes"] = len(written["labels"])
        if written.get("num_classes") is None:
            raise ValueError("A classifier folder needs num_classes (in metadata or labels).")
        written["labels"] = list(written["labels"]) if written.get("labels") else None
        written.setdefault("text_pair", False)
        written.setdefault("seq_length", None)
        written.setdefault("pooling", "cls")
    written = json.loads(json.dumps(written, default=_json_default))

    os.makedirs(path, exist_ok=True)
    config.to_json(os.path.join(path, CONFIG_FILE))
    write_vocab_file(os.path.join(path, VOCAB_FILE), vocabulary)
    encoder.save_weights(os.path.join(path, ENCODER_WEIGHTS_FILE))
    # A folder written twice must not keep a stale task model from the first time.
    for stale in (PRETRAINER_WEIGHTS_FILE, CLASSIFIER_WEIGHTS_FILE):
        if os.path.exists(os.path.join(path, stale)):
            os.remove(os.path.join(path, stale))
    if pretrainer is not None:
        pretrainer.save_weights(os.path.join(path, PRETRAINER_WEIGHTS_FILE))
    if classifier is not None:
        classifier.save_weights(os.path.join(path, CLASSIFIER_WEIGHTS_FILE))
    # Metadata last: a folder whose keras_bert.json exists was written completely.
    with open(os.path.join(path, METADATA_FILE), "w", encoding="utf-8") as file:
        json.dump(written, file, indent=2, sort_keys=True, ensure_ascii=False)
        file.write("\n")
    return written


def is_model_folder(path):
    return os.path.isfile(os.path.join(path, METADATA_FILE))


def read_metadata(path):
    metadata_path = os.path.join(path, METADATA_FILE)
    if not os.path.isfile(metadata_path):
        raise FileNotFoundError(f"{path} is not a keras_bert model folder: no {METADATA_FILE}.")
    with open(metadata_path, encoding="utf-8") as file:
        try:
            metadata = json.load(file)
        except json.JSONDecodeError as error:
            raise ValueError(f"{metadata_path} is not valid JSON: {error}") from None
    if not isinstance(metadata, dict) or metadata.get("format") != FORMAT_NAME:
        raise ValueError(f"{metadata_path} does not say format {FORMAT_NAME!r}.")
    if metadata.get("format_version") != FORMAT_VERSION:
        raise ValueError(
            f"{metadata_path} has format_version {metadata.get('format_version')!r}; this "
            f"keras_bert reads version {FORMAT_VERSION}."
        )
    if metadata.get("task") not in TASKS:
        raise ValueError(f"{metadata_path}: task must be one of {', '.join(TASKS)}.")
    return metadata


def read_model_folder(path, hidden_act=None, lowercase=None, load_task_model=True):
    """Load a folder written by `write_model_folder` into a `LoadedBert`.

    `hidden_act` and `lowercase` override what the folder says. With
    `load_task_model=False` only the encoder is loaded (no task code is imported).
    """
    from keras_bert.modeling.encoder import BertEncoder

    metadata = read_metadata(path)
    overrides = {"hidden_act": hidden_act} if hidden_act else {}
    config = BertConfig.from_json(os.path.join(path, CONFIG_FILE), **overrides)
    vocab_path = os.path.join(path, VOCAB_FILE)
    vocabulary = read_vocab_file(vocab_path)
    check_vocabulary_size(vocabulary, config, path)
    if lowercase is None:
        lowercase = bool(metadata.get("lowercase", True))

    encoder = BertEncoder(config)
    _load_weights(encoder, os.path.join(path, ENCODER_WEIGHTS_FILE))
    pretrainer = classifier = None
    task = metadata["task"]
    if load_task_model and task == "pretrainer":
        from keras_bert.tasks.pretrainer import BertPretrainer

        pretrainer = BertPretrainer(encoder, next_sentence=metadata.get("next_sentence", True))
        _build_by_calling(pretrainer, masked_positions=True)
        _load_weights(pretrainer, os.path.join(path, PRETRAINER_WEIGHTS_FILE))
    elif load_task_model and task == "classifier":
        from keras_bert.tasks.classifier import BertClassifier

        classifier = BertClassifier(
            encoder,
            metadata["num_classes"],
            labels=metadata.get("labels"),
            text_pair=metadata.get("text_pair", False),
            seq_length=metadata.get("seq_length"),
            pooling=metadata.get("pooling", "cls"),
        )
        _build_by_calling(classifier, masked_positions=False)
        _load_weights(classifier, os.path.join(path, CLASSIFIER_WEIGHTS_FILE))
    return LoadedBert(
        config=config,
        vocabulary=vocabulary,
        lowercase=lowercase,
        encoder=encoder,
        pretrainer=pretrainer,
        classifier=classifier,
        metadata=metadata,
        format=FORMAT_NAME,
        vocab_file=vocab_path,
    )


def _load_weights(model, weights_path):
    if not os.path.isfile(weights_path):
        raise FileNotFoundError(f"Weights file missing from the model folder: {weights_path}")
    try:
        model.load_weights(weights_path)
    except ValueError as error:
        raise ValueError(
            f"{weights_path} does not fit this model (built from bert_config.json): {error}"
        ) from None


def _build_by_calling(model, masked_positions):
    """Create a task model's head weights so `load_weights` has variables to fill."""
    inputs = {
        "input_word_ids": np.zeros((1, 2), "int32"),
        "input_mask": np.ones((1, 2), "int32"),
        "input_type_ids": np.zeros((1, 2), "int32"),
    }
    if masked_positions:
        inputs["masked_lm_positions"] = np.zeros((1, 1), "int32")
    model(inputs, training=False)


def _json_default(value):
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    raise TypeError(f"{type(value).__name__} in model metadata is not JSON-serialisable.")
