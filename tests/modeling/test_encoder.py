import dataclasses

import keras
import numpy as np
import pytest

from keras_bert import BertConfig, BertEncoder

# `tiny_config` is the shared fixture of tests/conftest.py.


def random_inputs(config, batch=3, seq=10, seed=0, pad_lengths=(10, 6, 1)):
    rng = np.random.default_rng(seed)
    mask = np.zeros((batch, seq), "int32")
    for row, length in enumerate(pad_lengths[:batch]):
        mask[row, :length] = 1
    return {
        "input_word_ids": (rng.integers(1, config.vocab_size, (batch, seq)) * mask).astype("int32"),
        "input_mask": mask,
        "input_type_ids": (rng.integers(0, 2, (batch, seq)) * mask).astype("int32"),
    }


def test_output_names_and_shapes(tiny_config):
    encoder = BertEncoder(tiny_config)
    outputs = encoder(random_inputs(tiny_config))
    hidden = tiny_config.hidden_size
    assert outputs["sequence_output"].shape == (3, 10, hidden)
    assert outputs["pooled_output"].shape == (3, hidden)
    assert len(outputs["encoder_outputs"]) == tiny_config.num_hidden_layers
    np.testing.assert_array_equal(outputs["encoder_outputs"][-1], outputs["sequence_output"])
    assert {i.name for i in encoder.inputs} == {"input_word_ids", "input_mask", "input_type_ids"}


@pytest.mark.parametrize("batch, seq", [(1, 1), (5, "max_position_embeddings"), (2, 7)])
def test_any_batch_and_sequence_length_up_to_max_positions(batch, seq, tiny_config):
    seq = getattr(tiny_config, seq) if isinstance(seq, str) else seq
    encoder = BertEncoder(tiny_config)
    inputs = random_inputs(tiny_config, batch=batch, seq=seq, pad_lengths=[seq] * batch)
    assert encoder(inputs)["sequence_output"].shape == (batch, seq, tiny_config.hidden_size)


def test_sequence_longer_than_max_positions_is_a_clear_error(tiny_config):
    encoder = BertEncoder(tiny_config)
    limit = tiny_config.max_position_embeddings
    too_long = limit + 1
    with pytest.raises(ValueError, match=f"exceeds max_position_embeddings \\({limit}\\)"):
        encoder(random_inputs(tiny_config, batch=1, seq=too_long, pad_lengths=[too_long]))


def test_attention_probabilities_option(tiny_config):
    encoder = BertEncoder(tiny_config, output_attention_probs=True)
    inputs = random_inputs(tiny_config)
    probs = encoder(inputs)["attention_probs"]
    assert len(probs) == tiny_config.num_hidden_layers
    assert probs[0].shape == (3, tiny_config.num_attention_heads, 10, 10)
    probs = np.asarray(probs[0])
    np.testing.assert_allclose(probs.sum(-1), 1.0, atol=1e-5)
    # Row 1 has 6 real tokens: no query may attend to its 4 padded keys.
    assert np.all(probs[1, :, :, 6:] == 0.0)


def test_padding_never_changes_real_positions(tiny_config):
    encoder = BertEncoder(tiny_config)
    inputs = random_inputs(tiny_config, batch=1, seq=6, pad_lengths=[6])
    short = encoder(inputs)
    # The same 6 tokens followed by 12 padded positions holding arbitrary ids and types.
    rng = np.random.default_rng(7)
    padding_ids = rng.integers(0, tiny_config.vocab_size, (1, 12)).astype("int32")
    padded = {
        "input_word_ids": np.concatenate([inputs["input_word_ids"], padding_ids], 1),
        "input_mask": np.concatenate([inputs["input_mask"], np.zeros((1, 12), "int32")], 1),
        "input_type_ids": np.concatenate(
            [inputs["input_type_ids"], rng.integers(0, 2, (1, 12)).astype("int32")], 1
        ),
    }
    long = encoder(padded)
    np.testing.assert_allclose(long["sequence_output"][:, :6], short["sequence_output"], atol=1e-6)
    np.testing.assert_allclose(long["pooled_output"], short["pooled_output"], atol=1e-6)


def test_initialisation_is_truncated_normal_with_initializer_range():
    config = BertConfig.from_preset("bert_tiny", vocab_size=2000, initializer_range=0.05)
    encoder = BertEncoder(config)
    kernels = np.concatenate(
        [
            np.asarray(encoder.word_embeddings).ravel(),
            np.asarray(encoder.transformer_blocks[0].intermediate_dense.kernel).ravel(),
            np.asarray(encoder.transformer_blocks[1].attention.query_dense.kernel).ravel(),
        ]
    )
    # A normal truncated at 2 stddev: nothing beyond 2 * 0.05, std = 0.05 * 0.8796.
    assert np.abs(kernels).max() <= 2 * 0.05 + 1e-7
    assert abs(kernels.std() - 0.05 * 0.8796) < 0.002
    assert abs(kernels.mean()) < 0.001
    np.testing.assert_array_equal(encoder.transformer_blocks[0].intermediate_dense.bias, 0.0)
    np.testing.assert_array_equal(encoder.embeddings.layer_norm.gamma, 1.0)


def test_gelu_forms_differ_and_are_selected_by_config(tiny_config):
    inputs = random_inputs(tiny_config)
    exact = BertEncoder(dataclasses.replace(tiny_config, hidden_act="gelu"))
    approx = BertEncoder(dataclasses.replace(tiny_config, hidden_act="gelu_approx"))
    approx.set_weights(exact.get_weights())
    difference = np.abs(
        exact(inputs)["sequence_output"] - approx(inputs)["sequence_output"]
    ).max()
    assert 0 < difference < 1e-2


def test_dropout_only_in_training(tiny_config):
    encoder = BertEncoder(dataclasses.replace(tiny_config, hidden_dropout_prob=0.5))
    inputs = random_inputs(tiny_config)
    a = encoder(inputs, training=False)["sequence_output"]
    b = encoder(inputs, training=False)["sequence_output"]
    c = encoder(inputs, training=True)["sequence_output"]
    np.testing.assert_array_equal(a, b)
    assert np.abs(a - c).max() > 1e-3


def test_keras_file_round_trip_with_safe_mode(tmp_path, tiny_config):
    encoder = BertEncoder(
        dataclasses.replace(tiny_config, hidden_act="gelu_approx"), output_attention_probs=True
    )
    inputs = random_inputs(tiny_config)
    expected = encoder(inputs)
    path = tmp_path / "encoder.keras"
    encoder.save(path)
    restored = keras.saving.load_model(path, safe_mode=True)
    assert isinstance(restored, BertEncoder)
    assert restored.config == encoder.config
    actual = restored(inputs)
    for key in ("sequence_output", "pooled_output"):
        np.testing.assert_array_equal(actual[key], expected[key])
    np.testing.assert_array_equal(actual["attention_probs"][1], expected["attention_probs"][1])


def test_weights_only_save_and_load(tmp_path, tiny_config):
    encoder = BertEncoder(tiny_config)
    path = tmp_path / "encoder.weights.h5"
    encoder.save_weights(path)
    other = BertEncoder(tiny_config)
    inputs = random_inputs(tiny_config)
    assert np.abs(other(inputs)["pooled_output"] - encoder(inputs)["pooled_output"]).max() > 0
    other.load_weights(path)
    np.testing.assert_array_equal(other(inputs)["pooled_output"], encoder(inputs)["pooled_output"])


def test_get_config_round_trip_for_model_and_every_layer(tiny_config):
    encoder = BertEncoder(tiny_config)
    config = encoder.get_config()
    assert set(config) == {"config", "output_attention_probs", "name", "trainable", "dtype"}
    rebuilt = BertEncoder.from_config(config)
    assert rebuilt.config == encoder.config
    for layer in [encoder.embeddings, encoder.pooler, *encoder.transformer_blocks]:
        clone = type(layer).from_config(layer.get_config())
        assert clone.get_config() == layer.get_config()


def test_mixed_precision_policy_keeps_float32_variables(tiny_config):
    encoder = BertEncoder(tiny_config, dtype="mixed_float16")
    outputs = encoder(random_inputs(tiny_config))
    assert outputs["sequence_output"].dtype == "float16"
    assert all(w.dtype == "float32" for w in encoder.weights)
