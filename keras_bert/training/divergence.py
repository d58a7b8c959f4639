"""A run that diverges stops with an error, and non-finite weights are never saved or loaded.

Too high a learning rate sends the loss to infinity and then NaN within a few steps; Keras
trains on regardless, and the checkpoint rotation would then replace the last good checkpoint
with NaN weights. So: `StopOnNonFiniteLoss` ends training at the first non-finite loss (before
the checkpoint callback can save that step), `save_checkpoint` refuses non-finite weights, and
loading a checkpoint or model folder whose weights are not finite is an error naming the file.
Each message is one line: the step, what was kept, and to lower the learning rate.
"""

import math
import os

import keras
import numpy as np

from keras_bert.errors import KerasBertError


class TrainingDivergedError(KerasBertError):
    """The loss or the weights became NaN or infinite (or a file holds such weights)."""


def first_non_finite(variables):
    """(variable path, "NaN" or "infinite values") for the first variable holding a value
    that is not finite, or None."""
    for variable in variables:
        value = np.asarray(keras.ops.convert_to_numpy(variable))
        if not np.issubdtype(value.dtype, np.floating) or np.isfinite(value).all():
            continue
        return getattr(variable, "path", variable.name), "NaN" if np.isnan(value).any() else "infinite values"
    return None


def check_finite_weights(model, source):
    """Raise `TrainingDivergedError` naming the file `source` if a weight of `model` is NaN
    or infinite (its run diverged)."""
    found = first_non_finite(model.weights)
    if found:
        raise TrainingDivergedError(
            f"{source} holds non-finite weights ({found[1]} in {found[0]}): the run that wrote "
            "it diverged. Train again with a lower learning rate (--learning-rate)."
        )


def peak_learning_rate(optimizer):
    """The schedule's peak learning rate (or the constant one) of `optimizer`, or None."""
    inner = getattr(optimizer, "inner_optimizer", optimizer)  # LossScaleOptimizer wraps
    try:
        rate = inner.get_config()["learning_rate"]
    except (AttributeError, KeyError, TypeError):
        return None
    if isinstance(rate, dict):
        rate = rate.get("config", {}).get("peak_learning_rate")
    return float(rate) if isinstance(rate, (int, float)) else None


def diverged_message(what, step, checkpoint_dir=None, learning_rate=None):
    """One line: what became non-finite at which step, what is kept, and what to do."""
    kept = ""
    if checkpoint_dir is not None:
        from keras_bert.training.checkpoints import read_checkpoint_state

        state = read_checkpoint_state(checkpoint_dir)
        if state is None:
            kept = "; no checkpoint had been written yet"
        else:
            path = os.path.join(checkpoint_dir, state["file"])
            kept = f"; the last finite checkpoint (step {state['step']}, {path}) is kept"
    now = f", now {learning_rate:g}" if learning_rate else ""
    return (
        f"{what} at step {step}: training diverged and was stopped{kept}. Lower the learning "
        f"rate (--learning-rate{now})."
    )


class StopOnNonFiniteLoss(keras.callbacks.Callback):
    """Raise `TrainingDivergedError` at the first batch whose loss is NaN or infinite.

    Put it before the checkpoint callback: callbacks run in order, so the step is never
    saved. Unlike Keras's `TerminateOnNaN`, which ends `fit` quietly, this makes the run fail.
    """

    def __init__(self, initial_step=0, accumulation_steps=1, checkpoint_dir=None):
        super().__init__()
        self.accumulation_steps = accumulation_steps
        self.checkpoint_dir = checkpoint_dir
        self.batches = initial_step * accumulation_steps

    def on_train_batch_end(self, batch, logs=None):
        self.batches += 1
        for name, value in (logs or {}).items():
            if name != "loss" and not name.endswith("_loss"):
                continue
            value = float(value)
            if not math.isfinite(value):
                step = -(-self.batches // self.accumulation_steps)  # the step being computed
                kind = "NaN" if math.isnan(value) else "infinite"
                raise TrainingDivergedError(
                    diverged_message(
                        f"The training {name} became {kind}", step, self.checkpoint_dir,
                        peak_learning_rate(self.model.optimizer),
                    )
                )
