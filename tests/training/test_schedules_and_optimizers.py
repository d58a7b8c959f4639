"""The warm-up/decay schedule against its formula, and which weights the optimizers decay."""

import keras
import numpy as np
import pytest

from keras_bert import BertEncoder
from keras_bert.tasks.pretrainer import BertPretrainer
from keras_bert.training.optimizers import create_optimizer
from keras_bert.training.schedules import WarmupLinearDecay


def test_schedule_values_at_given_steps():
    schedule = WarmupLinearDecay(1e-3, warmup_steps=10, total_steps=110)
    # Linear from 0 to 1e-3 over 10 steps, then linear from 1e-3 at step 10 to 0 at step 110.
    expected = {0: 0.0, 1: 1e-4, 5: 5e-4, 9: 9e-4, 10: 1e-3, 35: 7.5e-4, 60: 5e-4, 109: 1e-5, 110: 0.0, 500: 0.0}
    for step, value in expected.items():
        assert float(schedule(step)) == pytest.approx(value, abs=1e-9), step
    no_warmup = WarmupLinearDecay(2.0, warmup_steps=0, total_steps=4)
    assert [float(no_warmup(s)) for s in range(5)] == pytest.approx([2.0, 1.5, 1.0, 0.5, 0.0])


def test_schedule_serialises_and_rejects_bad_settings():
    schedule = WarmupLinearDecay(3e-4, warmup_steps=7, total_steps=70)
    restored = keras.saving.deserialize_keras_object(keras.saving.serialize_keras_object(schedule))
    assert restored.get_config() == schedule.get_config() == {
        "peak_learning_rate": 3e-4, "warmup_steps": 7, "total_steps": 70, "accumulation_steps": 1
    }
    with pytest.raises(ValueError, match="warmup_steps"):
        WarmupLinearDecay(1e-3, warmup_steps=10, total_steps=10)
    with pytest.raises(ValueError, match="total_steps"):
        WarmupLinearDecay(1e-3, warmup_steps=0, total_steps=0)


@pytest.mark.parametrize("name", ["adamw", "lamb"])
def test_weight_decay_skips_layer_norm_and_biases(name, tiny_config):
    model = BertPretrainer(BertEncoder(tiny_config))
    optimizer = create_optimizer(total_steps=10, learning_rate=0.1, warmup_steps=0, name=name, weight_decay=0.5)
    assert isinstance(optimizer, keras.optimizers.AdamW if name == "adamw" else keras.optimizers.Lamb)
    variables = model.trainable_variables
    for variable in variables:
        variable.assign(np.ones(variable.shape, "float32"))
    # With zero gradients Adam's and LAMB's own steps are 0, so only weight decay moves a
    # weight: w ← w · (1 − lr · decay) = 0.95.
    optimizer.apply_gradients([(np.zeros(v.shape, "float32"), v) for v in variables])
    decayed = {v.path for v in variables if np.allclose(np.asarray(v), 0.95)}
    kept = {v.path for v in variables if np.allclose(np.asarray(v), 1.0)}
    assert decayed | kept == {v.path for v in variables}
    leaf = lambda path: path.rsplit("/", 1)[-1]  # noqa: E731
    expected_kept = {v.path for v in variables if leaf(v.path) in ("gamma", "beta") or leaf(v.path).endswith("bias")}
    assert kept == expected_kept
    assert any("word_embeddings" in p for p in decayed) and any(p.endswith("kernel") for p in decayed)
    assert any(p.endswith("output_bias") for p in kept) and any("layer_norm" in p for p in kept)


def test_gradient_accumulation_counts_updates_and_keeps_schedule_in_updates():
    variable = keras.Variable(np.ones(3, "float32"))
    optimizer = create_optimizer(total_steps=10, learning_rate=1.0, warmup_steps=2, accumulation_steps=4)
    for _ in range(12):  # 12 batches = 3 updates of 4 accumulated batches
        optimizer.apply_gradients([(np.ones(3, "float32"), variable)])
    assert int(optimizer.iterations) == 3
    # After 3 of 10 updates (warm-up 2): rate = (10 - 3) / (10 - 2).
    assert float(optimizer.learning_rate) == pytest.approx(7 / 8)
    assert optimizer.global_clipnorm == 1.0


def test_unknown_optimizer_is_refused():
    with pytest.raises(ValueError, match="adamw, lamb"):
        create_optimizer(total_steps=10, name="sgd")
