"""Google's TF1 checkpoints: written here with tf.compat.v1 variables as Google's code did,
checked against the numpy forward of the same source weights."""

import dataclasses
import json
import os

import numpy as np
import pytest

import keras_bert
from keras_bert.errors import KerasBertError
from keras_bert.interop import google
from keras_bert.tasks.pretrainer import BertPretrainer
from tests.interop import reference_bert as ref

CONFIG = {
    key: value
    for key, value in ref.TINY_HF_CONFIG.items()
    if key not in ("model_type", "architectures", "layer_norm_eps")
}
CONFIG["hidden_act"] = "gelu"  # Google's name for the tanh form
CONFIG["type_vocab_size"] = 2


def make_google_folder(tmp_path, name="uncased_L-2_H-16_A-4", weights=None, config=None,
                       optimizer_slots=True, vocabulary=None):
    config = dict(config or CONFIG)
    weights = weights if weights is not None else ref.random_google_weights(config, seed=3)
    folder = tmp_path / name
    folder.mkdir()
    with open(folder / "bert_config.json", "w") as file:
        json.dump(config, file)
    vocabulary = vocabulary or ref.tiny_vocabulary(config["vocab_size"])
    (folder / "vocab.txt").write_text("\n".join(vocabulary) + "\n")
    ref.write_tf1_checkpoint(str(folder / "bert_model.ckpt"), weights, optimizer_slots)
    return str(folder), config, weights


def test_pretraining_checkpoint_masked_token_predictions_match_the_source(tmp_path):
    folder, config, weights = make_google_folder(tmp_path)
    loaded = keras_bert.load_checkpoint(folder)
    assert loaded.format == "google"
    assert loaded.config.hidden_act == "gelu_approx"
    assert any("tanh approximation" in note for note in loaded.metadata["notes"])
    assert loaded.lowercase is True  # "uncased" in the folder name
    assert loaded.pretrainer is not None and loaded.pretrainer.next_sentence_head is not None

    inputs = ref.example_inputs(config["vocab_size"], seed=5)
    positions = np.array([[1, 4, 7], [0, 2, 5], [3, 3, 1]], np.int32)
    outputs = loaded.pretrainer({**inputs, "masked_lm_positions": positions})
    act = ref.activation("gelu_approx")
    sequence, pooled = ref.numpy_bert(weights, config, act, **inputs)
    expected_mlm = ref.numpy_masked_lm_logits(weights, config, act, sequence, positions)
    mlm = np.asarray(outputs["mlm_logits"])
    np.testing.assert_allclose(mlm, expected_mlm, atol=1e-4, rtol=1e-5)
    np.testing.assert_array_equal(mlm.argmax(-1), expected_mlm.argmax(-1))
    np.testing.assert_allclose(
        np.asarray(outputs["nsp_logits"]), ref.numpy_next_sentence_logits(weights, pooled),
        atol=1e-5,
    )


def test_hidden_act_override_and_cased_folder_name(tmp_path):
    folder, config, weights = make_google_folder(tmp_path, name="cased_L-2_H-16")
    loaded = keras_bert.load_checkpoint(folder, hidden_act="gelu")
    assert loaded.config.hidden_act == "gelu"
    assert loaded.lowercase is False
    inputs = ref.example_inputs(config["vocab_size"])
    expected, _ = ref.numpy_bert(weights, config, ref.activation("gelu"), **inputs)
    sequence = np.asarray(loaded.encoder(inputs)["sequence_output"])
    mask = inputs["input_mask"].astype(bool)
    assert np.max(np.abs(sequence - expected)[mask]) <= 1e-5


def test_encoder_only_checkpoint_and_unrelated_variables(tmp_path):
    weights = ref.random_google_weights(CONFIG, heads=False)
    weights["output_weights"] = np.zeros((3, 16), np.float32)  # run_classifier.py's head
    folder, _, _ = make_google_folder(tmp_path, name="model", weights=weights,
                                      optimizer_slots=False)
    loaded = keras_bert.load_checkpoint(folder)
    assert loaded.pretrainer is None
    assert any("output_weights" in note for note in loaded.metadata["notes"])
    # Neither "cased" nor "uncased" in "model": guessed from the lower-case vocabulary.
    assert loaded.lowercase is True


def test_missing_and_mis_shaped_variables_are_named(tmp_path):
    weights = ref.random_google_weights(CONFIG)
    del weights["bert/encoder/layer_1/output/LayerNorm/beta"]
    weights["cls/predictions/output_bias"] = np.zeros(47, np.float32)
    folder, _, _ = make_google_folder(tmp_path, weights=weights, optimizer_slots=False)
    with pytest.raises(ValueError) as error:
        keras_bert.load_checkpoint(folder)
    message = str(error.value)
    assert "missing variable(s): bert/encoder/layer_1/output/LayerNorm/beta" in message
    assert "cls/predictions/output_bias: expected shape [48], found [47]" in message


def test_bad_config_json_and_vocab_txt_are_named(tmp_path):
    folder, _, _ = make_google_folder(tmp_path, optimizer_slots=False)
    config_path = os.path.join(folder, "bert_config.json")
    with open(config_path) as file:
        text = file.read()
    with open(config_path, "w") as file:
        file.write(text.replace(",", ",\n", 1) + "}")  # an extra "}" on line 2
    with pytest.raises(KerasBertError, match=f"BERT config file is not valid JSON at "
                                             f"{config_path}:2:"):
        keras_bert.load_checkpoint(folder)
    with open(config_path, "w") as file:
        file.write(text)
    vocab_path = os.path.join(folder, "vocab.txt")
    with open(vocab_path, "a") as file:
        file.write("\n\n")  # two extra blank lines: two (empty) tokens, as Google counts them
    with pytest.raises(KerasBertError, match="50 tokens .* vocab_size is 48; .* last 2 line"):
        keras_bert.load_checkpoint(folder)


def test_round_trip_ours_google_ours_is_exact(tmp_path, tiny_config):
    # The exact GELU, which Google's code does not have (its "gelu" is the tanh form).
    config = dataclasses.replace(tiny_config, hidden_act="gelu")
    pretrainer = BertPretrainer(keras_bert.BertEncoder(config))
    rng = np.random.default_rng(0)
    for weight in pretrainer.weights:
        weight.assign(rng.normal(size=weight.shape).astype("float32"))
    vocabulary = ref.tiny_vocabulary(config.vocab_size)
    folder = str(tmp_path / "google")
    written = keras_bert.save_google_checkpoint(
        pretrainer, folder, vocabulary=vocabulary, lowercase=False
    )

    import tensorflow as tf

    reader = tf.train.load_checkpoint(os.path.join(folder, "bert_model.ckpt"))
    shapes = reader.get_variable_to_shape_map()
    assert sorted(shapes) == sorted(written)
    hidden, vocab_size = config.hidden_size, config.vocab_size
    assert shapes["bert/encoder/layer_1/attention/self/query/kernel"] == [hidden, hidden]
    assert shapes["bert/encoder/layer_0/attention/output/dense/kernel"] == [hidden, hidden]
    assert shapes["bert/encoder/layer_1/intermediate/dense/kernel"] == [
        hidden, config.intermediate_size
    ]
    assert shapes["cls/seq_relationship/output_weights"] == [2, hidden]
    assert shapes["cls/predictions/output_bias"] == [vocab_size]
    assert tf.train.latest_checkpoint(folder).endswith("bert_model.ckpt")
    with open(os.path.join(folder, "bert_config.json")) as file:
        assert json.load(file)["hidden_act"] == "gelu"

    loaded = keras_bert.load_checkpoint(folder)
    assert loaded.config == config  # exact gelu survives (keras_bert_hidden_act)
    assert loaded.lowercase is False and loaded.vocabulary == vocabulary
    for original, reloaded in zip(pretrainer.weights, loaded.pretrainer.weights):
        np.testing.assert_array_equal(original.numpy(), reloaded.numpy())


def test_google_written_checkpoint_matches_numpy_under_google_names(tmp_path):
    """What we write is Google's layout: the numpy oracle reads it by Google's names."""
    import tensorflow as tf

    folder, config, weights = make_google_folder(tmp_path)
    loaded = keras_bert.load_checkpoint(folder)
    out = str(tmp_path / "rewritten")
    google.save_google_checkpoint(loaded, out)
    reader = tf.train.load_checkpoint(os.path.join(out, "bert_model.ckpt"))
    for name, array in weights.items():
        np.testing.assert_array_equal(reader.get_tensor(name), array)
    assert "global_step" not in reader.get_variable_to_shape_map()
