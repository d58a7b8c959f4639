"""`fit_resumable`: `model.fit` for a fixed number of optimizer steps that survives being killed.

Run the same call again after a crash and it restores the last checkpoint (weights, optimizer
slots, iteration counter and so the learning-rate schedule) and trains only the remaining
steps. One Keras epoch is one checkpoint interval, so every epoch ends on a checkpoint, a
validation pass and a history record, and a resumed run starts at an epoch boundary.

What the killed run recorded after its last checkpoint is dropped on resume (history.json,
the TensorBoard event files), so every step is recorded once. A loss or weights that become
NaN or infinite stop the run with a `TrainingDivergedError` before that step is checkpointed,
so the last finite checkpoint survives (`divergence.py`).
"""

import dataclasses
import math
import os
import time

import keras

from keras_bert.training.checkpoints import StepCheckpoint, restore_latest_checkpoint
from keras_bert.training.curves import plot_training_curves
from keras_bert.training.divergence import StopOnNonFiniteLoss
from keras_bert.training.step_history import StepHistory
from keras_bert.training.tensorboard_scalars import StepTensorBoard, purge_events_after
from keras_bert.errors import KerasBertError

CHECKPOINT_DIR = "checkpoints"
LOG_DIR = "logs"
HISTORY_FILE = "history.json"
CURVES_FILE = "training_curves.png"
# Batches not timed for throughput: the first traces the train step.
WARMUP_BATCHES = 3


class _BatchTimer(keras.callbacks.Callback):
    """Times training batches after the first WARMUP_BATCHES, for a tracing-free throughput."""

    def __init__(self):
        super().__init__()
        self.seen, self.batches, self.seconds, self._start = 0, 0, 0.0, None

    def on_train_batch_begin(self, batch, logs=None):
        self._start = time.perf_counter()

    def on_train_batch_end(self, batch, logs=None):
        self.seen += 1
        if self.seen > WARMUP_BATCHES:
            self.batches += 1
            self.seconds += time.perf_counter() - self._start


@dataclasses.dataclass
class FitResult:
    initial_step: int  # restored from a checkpoint (0 for a fresh run)
    final_step: int
    seconds: float  # wall time of this process's training (tracing included)
    steady_batches: int  # training batches timed after the first WARMUP_BATCHES
    steady_seconds: float  # their time alone (no tracing, no validation)
    history: dict  # {"train": [...], "validation": [...]} by step, over all resumed runs
    curves_path: str


def accumulation_steps_of(optimizer):
    inner = getattr(optimizer, "inner_optimizer", optimizer)  # LossScaleOptimizer wraps
    return getattr(inner, "gradient_accumulation_steps", None) or 1


def fit_resumable(
    model,
    dataset,
    total_steps,
    out_dir,
    checkpoint_every=1000,
    validation_data=None,
    validation_steps=None,
    log_every=None,
    callbacks=(),
    verbose="auto",
    baselines=None,
    title=None,
):
    """Train the compiled `model` on `dataset` (repeated) until `total_steps` optimizer steps.

    Writes under `out_dir`: `checkpoints/` (the last two), `logs/` (TensorBoard),
    `history.json` and `training_curves.png` (with `baselines`, {name: accuracy}, drawn as
    lines). Returns a `FitResult`.
    """
    if not isinstance(total_steps, int) or total_steps <= 0:
        raise KerasBertError(f"total_steps must be a positive integer, got {total_steps!r}.")
    if not isinstance(checkpoint_every, int) or checkpoint_every <= 0:
        raise KerasBertError(f"checkpoint_every must be a positive integer, got {checkpoint_every!r}.")
    checkpoint_every = min(checkpoint_every, total_steps)
    log_every = log_every or max(1, min(50, checkpoint_every // 4))
    os.makedirs(out_dir, exist_ok=True)
    checkpoint_dir = os.path.join(out_dir, CHECKPOINT_DIR)
    history_path = os.path.join(out_dir, HISTORY_FILE)

    initial_step = restore_latest_checkpoint(model, checkpoint_dir)
    accumulation = accumulation_steps_of(model.optimizer)
    counters = dict(initial_step=initial_step, accumulation_steps=accumulation)
    checkpointer = StepCheckpoint(checkpoint_dir, checkpoint_every, total_steps, **counters)
    history = StepHistory(history_path, log_every, **counters)
    # The killed run's events after the checkpoint are trained again: drop them first.
    purge_events_after(os.path.join(out_dir, LOG_DIR), initial_step)
    tensorboard = StepTensorBoard(os.path.join(out_dir, LOG_DIR), log_every, **counters)
    # First in the list: a non-finite loss stops the run before that step is checkpointed.
    stop_on_divergence = StopOnNonFiniteLoss(checkpoint_dir=checkpoint_dir, **counters)

    if initial_step and validation_data is not None and not history.has_validation_at(initial_step):
        # Killed between the checkpoint and its validation: validate the restored state now,
        # so the curves have a point at every checkpoint.
        logs = model.evaluate(validation_data, steps=validation_steps, verbose=0, return_dict=True)
        history.add_validation(initial_step, logs)
        tensorboard.write_validation(initial_step, logs)
    timer = _BatchTimer()
    start = time.perf_counter()
    if initial_step < total_steps:
        _fit_explaining_data_loss(
            model,
            dataset.repeat(),
            epochs=math.ceil(total_steps / checkpoint_every),
            initial_epoch=initial_step // checkpoint_every,
            steps_per_epoch=checkpoint_every * accumulation,
            shuffle=False,  # tf.data input: the pipeline shuffles (Keras would only warn)
            validation_data=validation_data,
            validation_steps=validation_steps,
            callbacks=[stop_on_divergence, checkpointer, history, tensorboard, timer, *callbacks],
            verbose=verbose,
        )
    seconds = time.perf_counter() - start
    records = dict(history.history)
    if baselines:
        records["baselines"] = dict(baselines)
    curves_path = plot_training_curves(records, os.path.join(out_dir, CURVES_FILE), title=title)
    return FitResult(
        initial_step, checkpointer.step, seconds, timer.batches, timer.seconds, history.history, curves_path
    )


def _fit_explaining_data_loss(model, *args, **kwargs):
    """`model.fit`; a corrupt input file (TensorFlow's DataLossError, e.g. a TFRecord cut
    short) becomes one line instead of a trace from inside tf.data."""
    import re

    import tensorflow as tf

    try:
        return model.fit(*args, **kwargs)
    except tf.errors.DataLossError as error:
        found = re.search(r"(corrupted|truncated) record at \d+", str(error.message))
        detail = found.group(0) if found else str(error.message).strip().splitlines()[0]
        raise KerasBertError(
            f"The training data could not be read: a file is corrupt or cut short ({detail}); "
            "check its files or write them again."
        ) from None
