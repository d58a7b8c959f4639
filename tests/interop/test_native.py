"""Our model folder: every task model, saved and loaded back (in a fresh process) exactly.

A folder is the task's Keras serialisation, so "every constructor argument survives" is checked
two ways: each argument of each task's `__init__` must appear in its `get_config`, and a model
built with non-default values for all of them must come back from its folder, in a new Python
process, with the same config and the same outputs.
"""

import inspect
import json
import os
import subprocess
import sys
import textwrap

import keras
import numpy as np
import pytest

from keras_bert.config import BertConfig
from keras_bert.errors import KerasBertError
from keras_bert.interop import native
from keras_bert.modeling.encoder import BertEncoder
from keras_bert.tasks.classifier import BertClassifier
from keras_bert.tasks.pretrainer import BertPretrainer
from keras_bert.tasks.sentence_encoder import BertSentenceEncoder
from keras_bert.tokenization.bert_tokenizer import BertTokenizer

VOCABULARY = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"] + [f"tok{i}" for i in range(35)]
# Keras's own entries of a config, not constructor arguments of ours.
KERAS_KEYS = {"name", "trainable", "dtype"}


def config(**overrides):
    values = dict(vocab_size=len(VOCABULARY), hidden_size=16, num_hidden_layers=2,
                  num_attention_heads=4, intermediate_size=24, max_position_embeddings=32,
                  hidden_act="gelu_approx", hidden_dropout_prob=0.2)
    values.update(overrides)
    return BertConfig(**values)


def tokenizer():
    # Not the defaults: cased, and the Fast WordPiece implementation.
    return BertTokenizer(VOCABULARY, lowercase=False, wordpiece_implementation="fast")


def non_default_models():
    """One model per task, every constructor argument set to something other than its default."""
    return {
        "classifier": BertClassifier(
            BertEncoder(config(), output_attention_probs=True), num_classes=3, dropout=0.3,
            labels=["neg", "neu", "pos"], text_pair=True, seq_length=24, pooling="mean",
            tokenizer=tokenizer(), name="my_classifier",
        ),
        "pretrainer": BertPretrainer(
            BertEncoder(config()), next_sentence=False, tokenizer=tokenizer(), name="my_pretrainer"
        ),
        "sentence_encoder": BertSentenceEncoder(
            BertEncoder(config()), pooling="max", normalize=True, seq_length=20,
            tokenizer=tokenizer(), name="my_sentence_encoder",
        ),
    }


def inputs(task):
    rng = np.random.default_rng(0)
    mask = np.ones((2, 7), "int32")
    mask[1, 5:] = 0
    x = {
        "input_word_ids": rng.integers(0, len(VOCABULARY), (2, 7)).astype("int32"),
        "input_mask": mask,
        "input_type_ids": (np.arange(7)[None, :] >= 3).repeat(2, 0).astype("int32"),
    }
    if task == "pretrainer":
        x["masked_lm_positions"] = np.array([[1, 2], [3, 0]], "int32")
    return x


def outputs(model, task):
    result = model({k: keras.ops.convert_to_tensor(v) for k, v in inputs(task).items()}, training=False)
    flat = keras.tree.flatten(result)
    return [np.asarray(value) for value in flat]


@pytest.mark.parametrize("cls", [BertEncoder, BertClassifier, BertPretrainer, BertSentenceEncoder])
def test_every_constructor_argument_is_in_get_config(cls):
    arguments = {
        name for name, parameter in inspect.signature(cls.__init__).parameters.items()
        if name != "self" and parameter.kind is not parameter.VAR_KEYWORD
    }
    models = non_default_models()
    model = models["classifier"].encoder if cls is BertEncoder else next(
        m for m in models.values() if type(m) is cls
    )
    assert arguments == set(model.get_config()) - KERAS_KEYS


PROBE = textwrap.dedent("""
    import json, sys
    import keras
    import numpy as np
    import keras_bert  # registers the classes; nothing else is imported before loading
    from keras_bert.interop.native import load_model
    folder, out = sys.argv[1], sys.argv[2]
    model = load_model(folder)
    again = keras.models.load_model(folder)  # Keras's own loader reads the same folder
    x = {k: keras.ops.convert_to_tensor(v) for k, v in np.load(folder + "/../inputs.npz").items()}
    flat = [np.asarray(v) for v in keras.tree.flatten(model(x, training=False))]
    again_flat = [np.asarray(v) for v in keras.tree.flatten(again(x, training=False))]
    np.savez(out + ".npz", *flat)
    tokenizer = model.tokenizer
    json.dump({
        "class": type(model).__name__,
        "config": model.get_config(),
        "tokenizer": {**tokenizer.get_config(), "vocabulary": tokenizer.vocabulary},
        "same_with_keras_loader": all(np.array_equal(a, b) for a, b in zip(flat, again_flat)),
    }, open(out + ".json", "w"))
""")


@pytest.mark.parametrize("task", ["classifier", "pretrainer", "sentence_encoder"])
def test_folder_round_trip_in_a_fresh_process(tmp_path, task):
    model = non_default_models()[task]
    expected = outputs(model, task)
    folder = str(tmp_path / "model")
    written = native.write_model_folder(folder, model, metadata={"note": "provenance only"})
    assert written == {"format": "keras_bert", "format_version": 2, "task": task, "note": "provenance only"}
    assert sorted(os.listdir(folder)) == [
        "assets", "config.json", "keras_bert.json", "metadata.json", "model.weights.h5"
    ]
    with open(os.path.join(folder, "assets", "tokenizer", "vocab.txt"), encoding="utf-8") as file:
        assert file.read().split("\n")[:-1] == VOCABULARY
    np.savez(str(tmp_path / "inputs.npz"), **inputs(task))

    probe = tmp_path / "probe.py"
    probe.write_text(PROBE)
    out = str(tmp_path / "loaded")
    subprocess.run([sys.executable, str(probe), folder, out], check=True, timeout=300,
                   env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"})
    with open(out + ".json") as file:
        loaded = json.load(file)
    assert loaded["class"] == type(model).__name__
    assert loaded["config"] == json.loads(json.dumps(model.get_config()))
    assert loaded["tokenizer"]["vocabulary"] == VOCABULARY
    assert loaded["tokenizer"]["lowercase"] is False
    assert loaded["tokenizer"]["wordpiece_implementation"] == "fast"
    assert loaded["same_with_keras_loader"]
    arrays = np.load(out + ".npz")
    assert len(arrays.files) == len(expected)
    for index, value in enumerate(expected):
        np.testing.assert_array_equal(arrays[f"arr_{index}"], value)


def test_read_model_folder_gives_a_loaded_bert_and_overrides(tmp_path):
    model = non_default_models()["pretrainer"]
    folder = str(tmp_path / "model")
    native.write_model_folder(folder, model)
    loaded = native.read_model_folder(folder)
    assert loaded.format == "keras_bert" and loaded.pretrainer is not None and loaded.classifier is None
    assert loaded.config == config() and loaded.vocabulary == VOCABULARY and loaded.lowercase is False
    assert loaded.tokenizer is loaded.pretrainer.tokenizer
    overridden = native.read_model_folder(folder, hidden_act="gelu", lowercase=True)
    assert overridden.config.hidden_act == "gelu" and overridden.lowercase is True
    for a, b in zip(overridden.encoder.get_weights(), loaded.encoder.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_a_compiled_model_is_written_without_its_optimizer_state(tmp_path):
    model = non_default_models()["sentence_encoder"]
    model.compile(optimizer="adam", loss="mse")
    folder = str(tmp_path / "model")
    native.write_model_folder(folder, model)
    reloaded = native.load_model(folder)
    assert getattr(reloaded, "optimizer", None) is None
    for a, b in zip(reloaded.get_weights(), model.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_rewriting_a_folder_replaces_the_task_and_leaves_nothing_stale(tmp_path):
    models = non_default_models()
    folder = str(tmp_path / "model")
    native.write_model_folder(folder, models["classifier"])
    (tmp_path / "model" / "labels.txt").write_text("stale format-1 file\n")
    native.write_model_folder(folder, models["sentence_encoder"])
    assert "labels.txt" not in os.listdir(folder)
    assert native.read_metadata(folder)["task"] == "sentence_encoder"
    assert isinstance(native.load_model(folder), BertSentenceEncoder)


def test_writer_refuses_a_model_without_tokenizer_or_with_a_mismatched_one(tmp_path):
    with pytest.raises(KerasBertError, match="no tokenizer"):
        native.write_model_folder(str(tmp_path / "a"), BertSentenceEncoder(BertEncoder(config())))
    small = BertTokenizer(VOCABULARY[:20])
    with pytest.raises(KerasBertError, match="20 tokens but the encoder's vocab_size is 40"):
        native.write_model_folder(str(tmp_path / "b"), BertSentenceEncoder(BertEncoder(config()), tokenizer=small))
    with pytest.raises(KerasBertError, match="not a BertEncoder"):
        native.write_model_folder(str(tmp_path / "c"), BertEncoder(config()))


def test_reader_rejects_missing_files_other_formats_and_versions(tmp_path):
    with pytest.raises(FileNotFoundError, match="no keras_bert.json"):
        native.read_model_folder(str(tmp_path))
    (tmp_path / "keras_bert.json").write_text(json.dumps({"format": "keras_bert", "format_version": 1}))
    with pytest.raises(KerasBertError, match="format_version 1"):
        native.read_model_folder(str(tmp_path))
    (tmp_path / "keras_bert.json").write_text(
        json.dumps({"format": "keras_bert", "format_version": 2, "task": "classifier"})
    )
    with pytest.raises(FileNotFoundError, match="lacks config.json"):
        native.load_model(str(tmp_path))


def test_a_relative_folder_path_keeps_its_assets(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # Keras alone would write a relative path's assets elsewhere
    native.write_model_folder("runs/model", non_default_models()["pretrainer"])
    assert (tmp_path / "runs" / "model" / "assets" / "tokenizer" / "vocab.txt").is_file()
    assert native.load_model("runs/model").tokenizer.vocabulary == VOCABULARY
