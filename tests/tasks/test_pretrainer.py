"""BertPretrainer: losses and metrics against numpy, the head at masked positions only, the
tie to the word embeddings, serialisation, MLM-only mode, mixed precision, and fitting."""

import math

import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_bert import BertConfig, BertEncoder
from keras_bert.tasks.pretrainer import BertPretrainer

VOCAB, SEQ, PREDICTIONS, BATCH = 40, 12, 4, 6


def tiny_config(**overrides):
    values = dict(
        vocab_size=VOCAB,
        hidden_size=16,
        num_hidden_layers=1,
        num_attention_heads=2,
        intermediate_size=32,
        max_position_embeddings=SEQ,
        hidden_dropout_prob=0.0,
        attention_probs_dropout_prob=0.0,
    )
    values.update(overrides)
    return BertConfig(**values)


def synthetic_batch(seed=0, next_sentence=True):
    rng = np.random.default_rng(seed)
    lengths = rng.integers(6, SEQ + 1, BATCH)
    mask = (np.arange(SEQ)[None, :] < lengths[:, None]).astype("int32")
    x = {
        "input_word_ids": (rng.integers(5, VOCAB, (BATCH, SEQ)) * mask).astype("int32"),
        "input_mask": mask,
        "input_type_ids": (np.arange(SEQ)[None, :] >= (lengths[:, None] // 2)).astype("int32") * mask,
        "masked_lm_positions": np.stack(
            [np.sort(rng.choice(np.arange(1, n - 1), PREDICTIONS, replace=False)) for n in lengths]
        ).astype("int32"),
    }
    # Between 1 and PREDICTIONS real predictions per row; the rest are padding (weight 0).
    real = rng.integers(1, PREDICTIONS + 1, BATCH)
    weights = (np.arange(PREDICTIONS)[None, :] < real[:, None]).astype("float32")
    x["masked_lm_positions"] = (x["masked_lm_positions"] * weights).astype("int32")
    y = {
        "masked_lm_ids": (rng.integers(5, VOCAB, (BATCH, PREDICTIONS)) * weights).astype("int32"),
        "masked_lm_weights": weights,
    }
    if next_sentence:
        y["next_sentence_labels"] = rng.integers(0, 2, BATCH).astype("int32")
    return x, y


def log_softmax(logits):
    shifted = logits - logits.max(-1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(-1, keepdims=True))


def test_losses_and_metrics_match_numpy():
    keras.utils.set_random_seed(1)
    model = BertPretrainer(BertEncoder(tiny_config()))
    model.compile(optimizer="adamw")
    x, y = synthetic_batch()
    outputs = model(x, training=False)
    mlm_logits = np.asarray(outputs["mlm_logits"], dtype="float64")
    nsp_logits = np.asarray(outputs["nsp_logits"], dtype="float64")
    assert mlm_logits.shape == (BATCH, PREDICTIONS, VOCAB) and nsp_logits.shape == (BATCH, 2)

    weights = y["masked_lm_weights"]
    nll = -np.take_along_axis(log_softmax(mlm_logits), y["masked_lm_ids"][..., None], -1)[..., 0]
    expected_mlm = (nll * weights).sum() / weights.sum()
    nsp_nll = -log_softmax(nsp_logits)[np.arange(BATCH), y["next_sentence_labels"]]
    expected_nsp = nsp_nll.mean()
    expected_mlm_accuracy = ((mlm_logits.argmax(-1) == y["masked_lm_ids"]) * weights).sum() / weights.sum()
    expected_nsp_accuracy = (nsp_logits.argmax(-1) == y["next_sentence_labels"]).mean()

    results = model.evaluate(x, y, batch_size=BATCH, verbose=0, return_dict=True)
    assert results["mlm_loss"] == pytest.approx(expected_mlm, rel=1e-5)
    assert results["nsp_loss"] == pytest.approx(expected_nsp, rel=1e-5)
    assert results["loss"] == pytest.approx(expected_mlm + expected_nsp, rel=1e-5)
    assert results["mlm_accuracy"] == pytest.approx(expected_mlm_accuracy, abs=1e-6)
    assert results["nsp_accuracy"] == pytest.approx(expected_nsp_accuracy, abs=1e-6)
    # Padding predictions must not count: changing their labels changes nothing.
    y_padding_changed = dict(y, masked_lm_ids=np.where(weights > 0, y["masked_lm_ids"], 7).astype("int32"))
    again = model.evaluate(x, y_padding_changed, batch_size=BATCH, verbose=0, return_dict=True)
    assert again["mlm_loss"] == pytest.approx(results["mlm_loss"], rel=1e-6)


def gelu(x):
    return 0.5 * x * (1.0 + np.vectorize(math.erf)(x / math.sqrt(2.0)))


def test_masked_lm_head_is_applied_at_masked_positions_with_tied_embeddings():
    keras.utils.set_random_seed(2)
    encoder = BertEncoder(tiny_config())
    model = BertPretrainer(encoder)
    x, _ = synthetic_batch(seed=3)
    sequence_output = np.asarray(encoder({k: x[k] for k in ("input_word_ids", "input_mask", "input_type_ids")})["sequence_output"])
    head = model.masked_lm_head
    gathered = sequence_output[np.arange(BATCH)[:, None], x["masked_lm_positions"]]
    hidden = gelu(gathered @ np.asarray(head.transform_dense.kernel) + np.asarray(head.transform_dense.bias))
    mean = hidden.mean(-1, keepdims=True)
    variance = hidden.var(-1, keepdims=True)
    normed = (hidden - mean) / np.sqrt(variance + 1e-12)
    normed = normed * np.asarray(head.transform_layer_norm.gamma) + np.asarray(head.transform_layer_norm.beta)
    word_embeddings = np.asarray(encoder.embeddings.word_embeddings.embeddings)
    expected = normed @ word_embeddings.T + np.asarray(head.output_bias)
    np.testing.assert_allclose(np.asarray(model(x)["mlm_logits"]), expected, atol=2e-4)

    # The projection is the encoder's matrix itself, not a copy, and is trained once.
    assert head.word_embeddings is encoder.embeddings.word_embeddings
    paths = [v.path for v in model.trainable_variables]
    assert len(paths) == len(set(paths))
    assert sum(v is encoder.embeddings.word_embeddings.embeddings for v in model.trainable_variables) == 1
    assert tuple(model.next_sentence_head.kernel.shape) == (16, 2)


def test_config_round_trip_and_keras_file(tmp_path):
    keras.utils.set_random_seed(4)
    model = BertPretrainer(BertEncoder(tiny_config()), next_sentence=True, name="pretrainer")
    config = model.get_config()
    assert set(config) == {"encoder", "next_sentence", "tokenizer", "name", "trainable", "dtype"}
    rebuilt = BertPretrainer.from_config(config)
    assert rebuilt.masked_lm_head.word_embeddings is rebuilt.encoder.embeddings.word_embeddings

    model.compile(optimizer=keras.optimizers.AdamW(1e-3))
    x, y = synthetic_batch(seed=5)
    model.fit(x, y, batch_size=BATCH, epochs=1, verbose=0)
    path = tmp_path / "pretrainer.keras"
    model.save(path)
    loaded = keras.models.load_model(path, safe_mode=True)
    assert isinstance(loaded, BertPretrainer)
    assert loaded.masked_lm_head.word_embeddings is loaded.encoder.embeddings.word_embeddings
    for name in ("mlm_logits", "nsp_logits"):
        np.testing.assert_allclose(np.asarray(loaded(x)[name]), np.asarray(model(x)[name]), atol=1e-6)
    # The optimizer comes back with its state, so training can go on.
    assert int(loaded.optimizer.iterations) == int(model.optimizer.iterations) == 1


def test_mlm_only_mode_and_missing_labels_are_explained():
    model = BertPretrainer(BertEncoder(tiny_config()), next_sentence=False)
    assert model.next_sentence_head is None
    x, y = synthetic_batch(seed=6, next_sentence=False)
    assert set(model(x)) == {"mlm_logits"}
    model.compile(optimizer="adamw")
    results = model.evaluate(x, y, verbose=0, return_dict=True)
    assert "nsp_loss" not in results and results["loss"] == pytest.approx(results["mlm_loss"])

    with_nsp = BertPretrainer(BertEncoder(tiny_config()), next_sentence=True)
    with_nsp.compile(optimizer="adamw")
    with pytest.raises(ValueError, match="next_sentence=False"):
        with_nsp.evaluate(x, y, verbose=0)
    with pytest.raises(ValueError, match="computes its own losses"):
        with_nsp.compile(optimizer="adamw", loss="mse")


def test_fit_memorises_a_batch():
    keras.utils.set_random_seed(7)
    model = BertPretrainer(BertEncoder(tiny_config()))
    model.compile(optimizer=keras.optimizers.AdamW(3e-3))
    x, y = synthetic_batch(seed=8)
    dataset = tf.data.Dataset.from_tensors((x, y)).repeat()
    history = model.fit(dataset, steps_per_epoch=40, epochs=2, verbose=0).history
    assert history["loss"][-1] < 0.5 * history["loss"][0]
    assert history["mlm_accuracy"][-1] > 0.6


@pytest.mark.parametrize("policy", ["mixed_bfloat16", "mixed_float16"])
def test_mixed_precision_keeps_logits_and_losses_in_float32(policy):
    keras.mixed_precision.set_global_policy(policy)
    try:
        model = BertPretrainer(BertEncoder(tiny_config()))
        model.compile(optimizer="adamw")
        x, y = synthetic_batch(seed=9)
        outputs = model(x)
        assert outputs["mlm_logits"].dtype == "float32" and outputs["nsp_logits"].dtype == "float32"
        assert model.encoder.embeddings.word_embeddings.embeddings.dtype == "float32"
        if policy == "mixed_float16":
            assert isinstance(model.optimizer, keras.optimizers.LossScaleOptimizer)
        history = model.fit(x, y, batch_size=BATCH, epochs=2, verbose=0).history
        assert all(np.isfinite(history["loss"]))
    finally:
        keras.mixed_precision.set_global_policy("float32")
