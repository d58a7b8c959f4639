"""Step checkpoints of the full training state, and restoring the latest one to resume.

A checkpoint is the model's `.weights.h5` (Keras stores the compiled optimizer's variables,
its iteration counter included, in the same file) plus `checkpoint.json` naming the file and
the step. The learning-rate schedule is a function of the optimizer's iterations, so restoring
the optimizer restores the schedule too. Files are written under a temporary name and renamed,
so a process killed mid-write leaves the previous checkpoint intact (the next save removes the
partial file). A checkpoint is never written from non-finite weights, so the rotation cannot
replace the last finite checkpoint with a diverged one (`divergence.py`); restoring one that
holds NaN (written by an older version) is an error naming it.
"""

import json
import os
import time

import keras
from keras_bert.errors import KerasBertError
from keras_bert.training.divergence import (
    TrainingDivergedError,
    diverged_message,
    first_non_finite,
    peak_learning_rate,
)
from keras_bert.text_files import read_json

STATE_FILE = "checkpoint.json"


def checkpoint_name(step):
    return f"ckpt-{step:08d}.weights.h5"


def read_checkpoint_state(directory):
    """The {"step", "file", ...} record of the latest checkpoint in `directory`, or None."""
    path = os.path.join(directory, STATE_FILE)
    if not os.path.isfile(path):
        return None
    state = read_json(path, "checkpoint state", expect=dict)
    if not os.path.isfile(os.path.join(directory, state["file"])):
        raise KerasBertError(f"{path} names {state['file']}, which is missing; delete {directory} to start over.")
    return state


def save_checkpoint(model, directory, step, keep=2):
    """Write the model + optimizer state at `step`; keep the `keep` newest checkpoints.

    Raises `TrainingDivergedError` (and writes nothing) when a weight is not finite.
    """
    found = first_non_finite(model.weights)
    if found:
        raise TrainingDivergedError(
            diverged_message(
                f"The weights became non-finite ({found[1]} in {found[0]})", step, directory,
                peak_learning_rate(model.optimizer),
            )
        )
    os.makedirs(directory, exist_ok=True)
    for name in os.listdir(directory):  # left by a run killed while saving
        if name.startswith("partial-ckpt-") or name == STATE_FILE + ".partial":
            os.remove(os.path.join(directory, name))
    name = checkpoint_name(step)
    partial = os.path.join(directory, f"partial-{name}")
    model.save_weights(partial)
    os.replace(partial, os.path.join(directory, name))
    _write_json_atomically(
        os.path.join(directory, STATE_FILE), {"step": int(step), "file": name, "time": time.time()}
    )
    saved = sorted(f for f in os.listdir(directory) if f.startswith("ckpt-") and f.endswith(".weights.h5"))
    for stale in saved[:-keep]:
        os.remove(os.path.join(directory, stale))


def restore_latest_checkpoint(model, directory):
    """Load the newest checkpoint into the compiled `model`; return its step (0 if none)."""
    state = read_checkpoint_state(directory)
    if state is None:
        return 0
    if model.optimizer is None:
        raise KerasBertError("Compile the model before restoring a checkpoint (it holds optimizer state).")
    with model.distribute_strategy.scope():
        # The optimizer's slots must exist before its saved values can be loaded into them.
        model.optimizer.build(model.trainable_variables)
    path = os.path.join(directory, state["file"])
    model.load_weights(path)
    found = first_non_finite(model.weights)
    if found:
        raise TrainingDivergedError(
            f"{path} holds non-finite weights ({found[1]} in {found[0]}): the run that wrote it "
            f"diverged. Delete {directory} to start over, with a lower learning rate "
            "(--learning-rate)."
        )
    return int(state["step"])


def _write_json_atomically(path, value):
    partial = path + ".partial"
    with open(partial, "w", encoding="utf-8") as file:
        json.dump(value, file, indent=2)
        file.write("\n")
    os.replace(partial, path)


class StepCheckpoint(keras.callbacks.Callback):
    """Checkpoint every `every_steps` optimizer steps and at `total_steps`, where it stops
    training (the last epoch of a resumable run may be cut short).

    Steps are counted from batches (`initial_step` + batches seen) // `accumulation_steps`,
    so counting needs no read of the optimizer's variables on every batch.
    """

    def __init__(self, directory, every_steps, total_steps, initial_step=0, accumulation_steps=1, keep=2):
        super().__init__()
        self.directory = directory
        self.every_steps = every_steps
        self.total_steps = total_steps
        self.accumulation_steps = accumulation_steps
        self.keep = keep
        self.batches = initial_step * accumulation_steps
        self.last_saved_step = initial_step

    @property
    def step(self):
        return self.batches // self.accumulation_steps

    def on_train_batch_end(self, batch, logs=None):
        self.batches += 1
        step = self.step
        if self.batches % self.accumulation_steps:
            return
        if step >= self.total_steps:
            self.model.stop_training = True
        if step != self.last_saved_step and (step % self.every_steps == 0 or step >= self.total_steps):
            save_checkpoint(self.model, self.directory, step, keep=self.keep)
            self.last_saved_step = step
