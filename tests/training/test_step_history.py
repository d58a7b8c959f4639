"""StepHistory turns Keras's per-epoch running means into per-window means, kept by step."""

import json

import numpy as np
import pytest

from keras_bert.training.step_history import StepHistory


def drive(history, epochs):
    """Call the callback as `fit` would, with Keras-style running means of per-batch losses."""
    for epoch, losses in enumerate(epochs):
        history.on_epoch_begin(epoch)
        for batch in range(len(losses)):
            history.on_train_batch_end(batch, {"loss": float(np.mean(losses[: batch + 1]))})
        history.on_epoch_end(epoch, {"loss": float(np.mean(losses)), "val_loss": 0.5})


def test_records_are_window_means_and_restart_cleanly_at_each_epoch(tmp_path):
    path = str(tmp_path / "history.json")
    epochs = [[9.0, 7.0, 5.0, 3.0, 1.0], [4.0, 2.0, 0.0, 2.0, 1.0]]
    history = StepHistory(path, log_every=2)
    drive(history, epochs)
    recorded = [(r["step"], r["loss"]) for r in history.history["train"]]
    # Windows: steps 1-2, 3-4, 5 (epoch end), 6, 7-8, 9-10. Step 6 ends a log window but not
    # the epoch's first: epoch 2 restarts Keras's means, and the window holds batch 6 alone.
    expected = [(2, 8.0), (4, 4.0), (5, 1.0), (6, 4.0), (8, 1.0), (10, 1.5)]
    assert [step for step, _ in recorded] == [step for step, _ in expected]
    np.testing.assert_allclose([loss for _, loss in recorded], [loss for _, loss in expected])
    saved = json.loads(open(path).read())
    assert [r["step"] for r in saved["validation"]] == [5, 10]


def test_resumed_history_drops_records_after_the_checkpoint(tmp_path):
    path = str(tmp_path / "history.json")
    drive(StepHistory(path, log_every=2), [[1.0] * 6])
    resumed = StepHistory(path, log_every=2, initial_step=4)
    assert [r["step"] for r in resumed.history["train"]] == [2, 4]
    assert resumed.history["validation"] == []
    drive(resumed, [[2.0, 2.0]])
    assert [r["step"] for r in resumed.history["train"]] == [2, 4, 6]
    assert resumed.history["train"][-1]["loss"] == pytest.approx(2.0)
