"""fit_resumable: an interrupted run, resumed, ends where an uninterrupted run ends (same
weights, same optimizer step); checkpoints, history, TensorBoard logs and curves are written."""

import json
import os

import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_bert import BertEncoder
from keras_bert.tasks.pretrainer import BertPretrainer
from keras_bert.training.optimizers import create_optimizer
from keras_bert.training.resumable_fit import fit_resumable

TOTAL, EVERY = 6, 3


def build_model(config):
    keras.utils.set_random_seed(11)
    model = BertPretrainer(BertEncoder(config))
    model.compile(optimizer=create_optimizer(total_steps=TOTAL, learning_rate=1e-2, warmup_steps=2))
    return model


def dataset():
    rng = np.random.default_rng(0)
    x = {
        "input_word_ids": rng.integers(0, 30, (4, 8)).astype("int32"),
        "input_mask": np.ones((4, 8), "int32"),
        "input_type_ids": np.zeros((4, 8), "int32"),
        "masked_lm_positions": rng.integers(0, 8, (4, 2)).astype("int32"),
    }
    y = {
        "masked_lm_ids": rng.integers(0, 30, (4, 2)).astype("int32"),
        "masked_lm_weights": np.ones((4, 2), "float32"),
        "next_sentence_labels": rng.integers(0, 2, 4).astype("int32"),
    }
    return tf.data.Dataset.from_tensors((x, y))


class Crash(keras.callbacks.Callback):
    def __init__(self, after_batches):
        super().__init__()
        self.after_batches, self.seen = after_batches, 0

    def on_train_batch_end(self, batch, logs=None):
        self.seen += 1
        if self.seen == self.after_batches:
            raise RuntimeError("simulated crash")


@pytest.mark.slow  # about 100 s: two tiny training runs, one killed and resumed
def test_interrupted_then_resumed_run_equals_uninterrupted_run(tmp_path, tiny_config):
    straight = build_model(tiny_config)
    result = fit_resumable(straight, dataset(), TOTAL, str(tmp_path / "straight"), checkpoint_every=EVERY, verbose=0)
    assert (result.initial_step, result.final_step) == (0, TOTAL)
    assert int(straight.optimizer.iterations) == TOTAL

    out = str(tmp_path / "resumed")
    crashing = build_model(tiny_config)
    with pytest.raises(RuntimeError, match="simulated crash"):
        fit_resumable(crashing, dataset(), TOTAL, out, checkpoint_every=EVERY, callbacks=[Crash(5)], verbose=0)
    with open(os.path.join(out, "checkpoints", "checkpoint.json")) as file:
        assert json.load(file)["step"] == EVERY  # step 5 was lost; step 3 was saved

    resumed = build_model(tiny_config)  # a fresh process would start from these fresh weights
    result = fit_resumable(resumed, dataset(), TOTAL, out, checkpoint_every=EVERY, verbose=0)
    assert (result.initial_step, result.final_step) == (EVERY, TOTAL)
    assert int(resumed.optimizer.iterations) == TOTAL
    assert float(resumed.optimizer.learning_rate) == pytest.approx(0.0)  # schedule ran out at TOTAL
    for a, b in zip(straight.get_weights(), resumed.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)

    steps = [record["step"] for record in result.history["train"]]
    assert steps == sorted(set(steps)) and steps[-1] == TOTAL
    assert os.path.getsize(os.path.join(out, "training_curves.png")) > 10_000
    assert os.listdir(os.path.join(out, "logs", "train"))
    saved = sorted(f for f in os.listdir(os.path.join(out, "checkpoints")) if f.endswith(".weights.h5"))
    assert saved == ["ckpt-00000003.weights.h5", "ckpt-00000006.weights.h5"]

    # Running the finished command again trains nothing.
    again = build_model(tiny_config)
    result = fit_resumable(again, dataset(), TOTAL, out, checkpoint_every=EVERY, verbose=0)
    assert (result.initial_step, result.final_step) == (TOTAL, TOTAL)
