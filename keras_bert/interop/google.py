"""Google's original BERT checkpoints (google-research/bert): read and write.

A Google folder holds `bert_config.json`, `vocab.txt` and a TF1 name-based checkpoint
(`bert_model.ckpt.index` + `bert_model.ckpt.data-*`). Reading uses `tf.train.load_checkpoint`
only (no TF1 graph); writing uses the `SaveV2` op with Google's exact variable names, so
`tf.train.load_checkpoint(...).get_variable_to_shape_map()` and Google's own
`init_from_checkpoint` see `bert/...` and `cls/...` as they expect.

Activation: Google's code names the tanh approximation of GELU "gelu", so "gelu" in a Google
`bert_config.json` reads as our "gelu_approx" (override with `hidden_act=`).
"""

import glob
import json
import logging
import os
import re

import numpy as np
import tensorflow as tf

from keras_bert.config import BertConfig
from keras_bert.errors import KerasBertError, MissingFileError
from keras_bert.interop import weight_mapping
from keras_bert.interop.loaded_bert import LoadedBert, as_loaded_bert
from keras_bert.interop.lowercase_guess import lowercase_from_folder_name, lowercase_from_vocabulary
from keras_bert.text_files import read_json
from keras_bert.tokenization.vocabulary_file import (
    check_vocabulary_size,
    read_vocabulary,
    write_vocabulary,
)

logger = logging.getLogger("keras_bert")

FORMAT_NAME = "google"
CONFIG_FILE = "bert_config.json"
VOCAB_FILE = "vocab.txt"
CHECKPOINT_NAME = "bert_model.ckpt"
CONFIG_WHAT = "BERT config file"

# Keys of ours that Google's `bert_config.json` does not have; Google's `BertConfig.from_dict`
# copies every key into attributes, so extra keys are harmless to its code.
HIDDEN_ACT_KEY = "keras_bert_hidden_act"
LOWERCASE_KEY = "keras_bert_lowercase"
# Keys found in Google's published configs that describe nothing our encoder has
# (bert-base-chinese / multilingual configs carry these).
IGNORED_CONFIG_KEYS = (
    "directionality",
    "pooler_fc_size",
    "pooler_num_attention_heads",
    "pooler_num_fc_layers",
    "pooler_size_per_head",
    "pooler_type",
)
# Our hidden_act -> the name Google's code computes it under.
GOOGLE_ACTIVATION_NAMES = {
    "gelu_approx": "gelu",
    "gelu": "gelu",  # Google's code would compute the tanh form; HIDDEN_ACT_KEY keeps ours.
    "relu": "relu",
    "tanh": "tanh",
    "linear": "linear",
    "silu": "silu",  # unknown to Google's code, which then fails loudly rather than silently
}
# Optimizer state saved beside the model by Google's `run_pretraining.py` / `run_classifier.py`
# (AdamWeightDecayOptimizer's adam_m / adam_v), Keras/TF1 optimizers and mixed precision.
OPTIMIZER_SLOT_SUFFIXES = (
    "/adam_m", "/adam_v", "/Adam", "/Adam_1", "/Momentum", "/RMSProp", "/RMSProp_1",
    "/Adagrad", "/lamb_m", "/lamb_v", "/ExponentialMovingAverage",
)
NON_MODEL_VARIABLES = ("global_step", "good_steps", "loss_scale", "current_loss_scale")


def find_checkpoint_prefixes(path):
    """Checkpoint prefixes (paths without `.index`) in `path`, `bert_model.ckpt*` first."""
    indexes = sorted(glob.glob(os.path.join(glob.escape(path), "*.ckpt*.index")))
    prefixes = [index[: -len(".index")] for index in indexes]
    preferred = os.path.join(path, CHECKPOINT_NAME)
    prefixes.sort(key=lambda prefix: (prefix != preferred, _step_of(prefix) * -1, prefix))
    return prefixes


def is_google_folder(path):
    return (
        os.path.isfile(os.path.join(path, CONFIG_FILE))
        and os.path.isfile(os.path.join(path, VOCAB_FILE))
        and bool(find_checkpoint_prefixes(path))
    )


def read_google_checkpoint(path, hidden_act=None, lowercase=None, checkpoint=None):
    """Load a Google BERT folder into a `LoadedBert` (with `.pretrainer` when `cls/*` is there).

    Args:
        hidden_act: our activation name, replacing what bert_config.json implies.
        lowercase: replaces the guess from the folder name / vocabulary.
        checkpoint: a checkpoint prefix inside or outside `path`; default: `bert_model.ckpt`
            or, failing that, the `*.ckpt*` with the highest step number.
    """
    notes = []
    config = read_google_config(os.path.join(path, CONFIG_FILE), hidden_act, notes)
    vocab_path = os.path.join(path, VOCAB_FILE)
    vocabulary = read_vocabulary(vocab_path)
    check_vocabulary_size(vocabulary, config, path)
    lowercase = _resolve_lowercase(path, lowercase, vocabulary, notes)

    if checkpoint is None:
        prefixes = find_checkpoint_prefixes(path)
        if not prefixes:
            raise MissingFileError(f"No TF checkpoint (*.ckpt*.index) in {path}.")
        checkpoint = prefixes[0]
        if len(prefixes) > 1:
            notes.append(f"several checkpoints in the folder; read {os.path.basename(checkpoint)}")
    reader = tf.train.load_checkpoint(checkpoint)
    shapes = reader.get_variable_to_shape_map()
    model_names = [name for name in shapes if not _is_optimizer_state(name)]

    encoder, pretrainer = weight_mapping.build_models(config, model_names)
    slots = (
        weight_mapping.pretrainer_slots(pretrainer)
        if pretrainer is not None
        else weight_mapping.encoder_slots(encoder)
    )
    expected = {slot.name for slot in slots}
    unused = sorted(name for name in model_names if name not in expected)
    unused_in_encoder = [name for name in unused if name.startswith("bert/")]
    if unused_in_encoder:
        raise KerasBertError(
            f"Checkpoint {checkpoint} has encoder variables this config has no place for "
            f"(is bert_config.json the checkpoint's own?): {', '.join(unused_in_encoder[:10])}"
            + (" ..." if len(unused_in_encoder) > 10 else "")
        )
    if unused:
        notes.append(f"ignored variables outside BERT's encoder and heads: {', '.join(unused)}")
    arrays = {
        name: _read_array(reader, name) for name in expected if name in shapes
    }
    weight_mapping.assign_slots(slots, arrays, checkpoint)
    for note in notes:
        logger.info("load_checkpoint(%s): %s", path, note)
    return LoadedBert(
        config=config,
        vocabulary=vocabulary,
        lowercase=lowercase,
        encoder=encoder,
        pretrainer=pretrainer,
        metadata={"source": os.path.abspath(path), "checkpoint": checkpoint, "notes": notes},
        format=FORMAT_NAME,
        vocab_file=vocab_path,
    )


def read_google_config(config_path, hidden_act=None, notes=None):
    """A Google `bert_config.json` as our BertConfig, Google's "gelu" read as the tanh form."""
    notes = notes if notes is not None else []
    values = read_json(config_path, CONFIG_WHAT, expect=dict)
    values.pop(LOWERCASE_KEY, None)
    ours = values.pop(HIDDEN_ACT_KEY, None)
    ignored = sorted(key for key in values if key in IGNORED_CONFIG_KEYS)
    for key in ignored:
        values.pop(key)
    if ignored:
        notes.append(f"ignored bert_config.json keys: {', '.join(ignored)}")
    written = values.get("hidden_act", "gelu")
    if hidden_act:
        values["hidden_act"] = hidden_act
        notes.append(f"hidden_act {hidden_act!r} as asked (bert_config.json says {written!r})")
    elif ours:
        values["hidden_act"] = ours
    elif written == "gelu":
        values["hidden_act"] = "gelu_approx"
        note = (
            "hidden_act 'gelu' in Google's config is the tanh approximation in Google's code: "
            "using 'gelu_approx' (pass hidden_act='gelu' for the exact erf form)"
        )
        # Said once at WARNING level: the choice changes every output slightly.
        logger.warning("%s: %s", config_path, note)
        notes.append(note)
    try:
        return BertConfig.from_dict(values)
    except (TypeError, ValueError) as error:
        raise KerasBertError(f"{config_path}: {error}") from None


def save_google_checkpoint(model, path, *, vocabulary=None, lowercase=None):
    """Write `model` as a Google BERT folder: bert_config.json, vocab.txt, bert_model.ckpt.*.

    Args:
        model: a `LoadedBert`, a `BertPretrainer` (heads written as `cls/*`) or a
            `BertEncoder`.
        vocabulary, lowercase: needed unless `model` is a `LoadedBert`.

    Returns the list of variable names written.
    """
    loaded = as_loaded_bert(model, vocabulary, lowercase)
    os.makedirs(path, exist_ok=True)
    write_google_config(loaded.config, os.path.join(path, CONFIG_FILE), loaded.lowercase)
    write_vocabulary(loaded.vocabulary, os.path.join(path, VOCAB_FILE))

    slots = (
        weight_mapping.pretrainer_slots(loaded.pretrainer)
        if loaded.pretrainer is not None
        else weight_mapping.encoder_slots(loaded.encoder)
    )
    names = [slot.name for slot in slots]
    prefix = os.path.join(path, CHECKPOINT_NAME)
    for stale in glob.glob(glob.escape(prefix) + ".*"):
        os.remove(stale)
    tf.raw_ops.SaveV2(
        prefix=prefix,
        tensor_names=names,
        shape_and_slices=[""] * len(names),
        tensors=[tf.constant(slot.to_google()) for slot in slots],
    )
    # The `checkpoint` state file lets `tf.train.latest_checkpoint(path)` find it.
    tf.compat.v1.train.update_checkpoint_state(path, CHECKPOINT_NAME)
    return names


def write_google_config(config, config_path, lowercase):
    values = config.to_dict()
    values["hidden_act"] = GOOGLE_ACTIVATION_NAMES[config.hidden_act]
    if config.hidden_act != "gelu_approx" and values["hidden_act"] == "gelu":
        values[HIDDEN_ACT_KEY] = config.hidden_act
        logger.warning(
            "Writing hidden_act 'gelu' (exact erf form) to a Google checkpoint: Google's own "
            "code computes 'gelu' with the tanh approximation (differences ~1e-3); keras_bert "
            "reads %r back as the exact form.", HIDDEN_ACT_KEY
        )
    values[LOWERCASE_KEY] = bool(lowercase)
    with open(config_path, "w", encoding="utf-8") as file:
        json.dump(values, file, indent=2, sort_keys=True)
        file.write("\n")


def _resolve_lowercase(path, lowercase, vocabulary, notes):
    if lowercase is not None:
        return bool(lowercase)
    values = read_json(os.path.join(path, CONFIG_FILE), CONFIG_WHAT, expect=dict)
    written = values.get(LOWERCASE_KEY)
    if written is not None:
        return bool(written)
    from_name = lowercase_from_folder_name(path)
    if from_name is not None:
        notes.append(f"lowercase={from_name} from the folder name")
        return from_name
    guess = lowercase_from_vocabulary(vocabulary)
    notes.append(
        f"lowercase={guess}: the folder name says neither 'uncased' nor 'cased', and the "
        f"vocabulary {'has no' if guess else 'has'} upper-case word pieces (pass lowercase= "
        "to choose)"
    )
    return guess


def _is_optimizer_state(name):
    return name in NON_MODEL_VARIABLES or name.endswith(OPTIMIZER_SLOT_SUFFIXES)


def _read_array(reader, name):
    array = np.asarray(reader.get_tensor(name))
    if array.dtype != np.float32:
        array = array.astype(np.float32)
    return array


def _step_of(prefix):
    match = re.search(r"ckpt-(\d+)$", prefix)
    return int(match.group(1)) if match else -1
