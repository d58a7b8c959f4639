"""Gradient accumulation equals one large batch: 4 batches of 8 accumulated into each update
train the tiny pretrainer exactly as batches of 32 do, through `fit_resumable` as pretraining
runs it, for Keras's SGD and for the library's AdamW and LAMB (schedule with warm-up and decay,
weight decay, clipping at global norm 1.0).

Every sequence has the same number of masked positions here. The masked-LM loss of a batch is
Σ w·nll / Σ w (Google's), and accumulation averages the batches' losses, so when the batches
hold different numbers of masked tokens each token weighs 1 / (its batch's count) instead of
1 / (the update's count): a small, deliberate difference, the same one a batch split over TPU
cores or replicas has.
"""

import numpy as np
import pytest

BATCH, ACCUMULATION, UPDATES, SEQ, PREDICTIONS = 8, 4, 3, 12, 3


def _data(vocab_size):
    rng = np.random.default_rng(0)
    count = BATCH * ACCUMULATION * UPDATES
    lengths = rng.integers(6, SEQ + 1, count)
    mask = (np.arange(SEQ)[None, :] < lengths[:, None]).astype("int32")
    x = {
        "input_word_ids": (rng.integers(5, vocab_size, (count, SEQ)) * mask).astype("int32"),
        "input_mask": mask,
        "input_type_ids": ((np.arange(SEQ)[None, :] >= lengths[:, None] // 2) * mask).astype("int32"),
        "masked_lm_positions": np.sort(
            np.stack([rng.choice(np.arange(1, n - 1), PREDICTIONS, replace=False) for n in lengths]), axis=1
        ).astype("int32"),
    }
    y = {
        "masked_lm_ids": rng.integers(5, vocab_size, (count, PREDICTIONS)).astype("int32"),
        "masked_lm_weights": np.ones((count, PREDICTIONS), "float32"),
        "next_sentence_labels": rng.integers(0, 2, count).astype("int32"),
    }
    return x, y


def _optimizer(kind, accumulation):
    import keras

    from keras_bert.training.optimizers import create_optimizer

    if kind == "sgd":
        return keras.optimizers.SGD(0.5, gradient_accumulation_steps=accumulation if accumulation > 1 else None)
    # Warm-up over the first update, then decay: every update sees a different rate.
    return create_optimizer(UPDATES, learning_rate=1e-2, warmup_steps=1, name=kind, accumulation_steps=accumulation)


def _train(tiny_config, kind, batch_size, accumulation, out_dir):
    """(initial weights, weights after UPDATES optimizer updates) as numpy arrays."""
    import keras
    import tensorflow as tf

    from keras_bert import BertEncoder
    from keras_bert.tasks.pretrainer import BertPretrainer
    from keras_bert.training.resumable_fit import fit_resumable

    keras.utils.set_random_seed(0)
    x, y = _data(tiny_config.vocab_size)
    model = BertPretrainer(BertEncoder(tiny_config))
    model({name: value[:1] for name, value in x.items()})  # build, to read the initial weights
    initial = [keras.ops.convert_to_numpy(weight) for weight in model.weights]
    model.compile(optimizer=_optimizer(kind, accumulation), jit_compile=False)
    dataset = tf.data.Dataset.from_tensor_slices((x, y)).batch(batch_size)
    result = fit_resumable(model, dataset, UPDATES, str(out_dir), checkpoint_every=UPDATES, verbose=0)
    assert result.final_step == UPDATES
    assert int(keras.ops.convert_to_numpy(model.optimizer.iterations)) == UPDATES
    return initial, [keras.ops.convert_to_numpy(weight) for weight in model.weights]


@pytest.mark.parametrize("kind", ["sgd", pytest.param("adamw", marks=pytest.mark.slow), pytest.param("lamb", marks=pytest.mark.slow)])
def test_accumulating_four_batches_of_8_equals_batches_of_32(tiny_config, tmp_path, kind):
    initial, accumulated = _train(tiny_config, kind, BATCH, ACCUMULATION, tmp_path / "accumulated")
    initial_again, large = _train(tiny_config, kind, BATCH * ACCUMULATION, 1, tmp_path / "large")
    for index, (a, b) in enumerate(zip(initial, initial_again)):
        np.testing.assert_array_equal(a, b, err_msg=f"initial weight {index}")
    # The updates move the weights far beyond the tolerance.
    assert max(np.abs(a - b).max() for a, b in zip(large, initial)) > 5e-3
    for index, (a, b) in enumerate(zip(accumulated, large)):
        np.testing.assert_allclose(a, b, rtol=0, atol=2e-6, err_msg=f"weight {index}")


@pytest.mark.parametrize("name", ["adamw", "lamb"])
def test_library_optimizers_accumulate_like_one_large_batch(name):
    """The optimizer alone, in a second: per-example loss ½‖w − c‖², so a batch's gradient is
    w − mean(c); gradients large enough to be clipped, and a weight that decays."""
    import keras

    from keras_bert.training.optimizers import create_optimizer

    targets = np.random.default_rng(1).normal(0, 3, (BATCH * ACCUMULATION * UPDATES, 4)).astype("float32")

    def train(batch_size, accumulation):
        kernel = keras.Variable(np.ones(4, "float32"), name="kernel")
        optimizer = create_optimizer(UPDATES, learning_rate=0.1, warmup_steps=1, name=name,
                                     accumulation_steps=accumulation)
        for start in range(0, len(targets), batch_size):
            gradient = keras.ops.convert_to_numpy(kernel) - targets[start : start + batch_size].mean(axis=0)
            optimizer.apply_gradients([(gradient, kernel)])
        return keras.ops.convert_to_numpy(kernel)

    large = train(BATCH * ACCUMULATION, 1)
    assert np.abs(large - 1.0).max() > 0.05
    np.testing.assert_allclose(train(BATCH, ACCUMULATION), large, rtol=0, atol=1e-6)
