"""The training history by optimizer step, kept in `history.json` across resumed runs.

Keras's `History` restarts at every `fit` and counts epochs; a resumed pretraining run needs
one record by step, where the records made after the last checkpoint (lost work, redone on
resume) are dropped so the curves show each step once.
"""

import json
import os

import keras
from keras_bert.text_files import read_json


def load_history(path):
    if not os.path.isfile(path):
        return {"train": [], "validation": []}
    return read_json(path, "training history", expect=dict)


class StepHistory(keras.callbacks.Callback):
    """Record training logs every `log_every` steps and validation logs at each epoch end.

    Keras logs running means since the epoch began (what the progress bar shows); plotted
    as they are, every epoch would restart the curve with a jump. Each train record instead
    holds the mean over the batches since the previous record, recovered from two running
    means: (n2 * mean2 - n1 * mean1) / (n2 - n1). That is exact for the losses (means over
    batches) and weights each batch equally for the accuracies.
    """

    def __init__(self, path, log_every, initial_step=0, accumulation_steps=1):
        super().__init__()
        self.path = path
        self.log_every = max(1, int(log_every))
        self.accumulation_steps = accumulation_steps
        self.batches = initial_step * accumulation_steps
        self._epoch_batches = 0  # batches since the epoch began
        self._recorded = (0, {})  # (epoch batches, running means) at the last train record
        history = load_history(path)
        self.history = {
            split: [record for record in history.get(split, []) if record["step"] <= initial_step]
            for split in ("train", "validation")
        }

    @property
    def step(self):
        return self.batches // self.accumulation_steps

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch_batches = 0
        self._recorded = (0, {})

    def on_train_batch_end(self, batch, logs=None):
        self.batches += 1
        self._epoch_batches += 1
        if self.batches % self.accumulation_steps == 0 and self.step % self.log_every == 0:
            self.history["train"].append(_record(self.step, self._window_means(logs)))

    def _window_means(self, running_means):
        """Means over the batches since the last record, from Keras's running means."""
        previous_batches, previous_means = self._recorded
        batches = self._epoch_batches
        means = {}
        for name, value in (running_means or {}).items():
            value = float(value)
            if name in previous_means and batches > previous_batches:
                value = (batches * value - previous_batches * previous_means[name]) / (batches - previous_batches)
            means[name] = value
        self._recorded = (batches, {name: float(value) for name, value in (running_means or {}).items()})
        return means

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        train = {k: v for k, v in logs.items() if not k.startswith("val_")}
        if train and self._epoch_batches > self._recorded[0]:
            self.history["train"].append(_record(self.step, self._window_means(train)))
        validation = {k[len("val_"):]: v for k, v in logs.items() if k.startswith("val_")}
        if validation:
            self.history["validation"].append(_record(self.step, validation))
        self.save()

    def add_validation(self, step, logs):
        """Record a validation made outside `fit` (e.g. at the step a run resumed from)."""
        self.history["validation"].append(_record(step, logs))
        self.history["validation"].sort(key=lambda record: record["step"])
        self.save()

    def has_validation_at(self, step):
        return any(record["step"] == step for record in self.history["validation"])

    def on_train_end(self, logs=None):
        self.save()

    def save(self):
        partial = self.path + ".partial"
        with open(partial, "w", encoding="utf-8") as file:
            json.dump(self.history, file, indent=1)
        os.replace(partial, self.path)


def _record(step, logs):
    record = {"step": int(step)}
    record.update({name: float(value) for name, value in (logs or {}).items()})
    return record
