"""TensorBoard scalars by optimizer step, written with TensorFlow alone.

Keras's `TensorBoard` callback needs the `tensorboard` package for `tf.summary.scalar` and
counts batches from 0 in every `fit`, so a resumed run would overwrite its own first steps.
This writes the same scalar summaries (plugin "scalars") with `tf.summary.write`, at the
global step, to `log_dir/train` and `log_dir/validation`.

A run killed between two checkpoints has logged steps that its resumption trains again.
Left in the event files, those steps are drawn twice, or dropped only by reader heuristics
(TensorBoard's purge on a `SessionLog.START` event, which TF2's writers do not emit, unlike
TF1's and PyTorch's `purge_step`, or on steps going backwards) that not every reader of
event files applies. So before a resumed run writes, `purge_events_after(log_dir, step)` rewrites each
event file without the events past the restored step (the same rule `history.json` follows):
every step appears once. Each file is rewritten under another name and renamed over the
original, so a kill during the purge leaves either version, both valid.
"""

import os

import keras
import tensorflow as tf
from tensorflow.core.framework import summary_pb2

_SCALAR_METADATA = summary_pb2.SummaryMetadata(
    plugin_data=summary_pb2.SummaryMetadata.PluginData(plugin_name="scalars")
)


class StepTensorBoard(keras.callbacks.Callback):
    """Write train logs every `log_every` steps and validation logs at each epoch end."""

    def __init__(self, log_dir, log_every, initial_step=0, accumulation_steps=1):
        super().__init__()
        self.log_dir = log_dir
        self.log_every = max(1, int(log_every))
        self.accumulation_steps = accumulation_steps
        self.batches = initial_step * accumulation_steps
        self._writers = {}

    @property
    def step(self):
        return self.batches // self.accumulation_steps

    def _write(self, split, logs, step=None):
        step = self.step if step is None else step
        writer = self._writers.get(split)
        if writer is None:
            writer = self._writers[split] = tf.summary.create_file_writer(f"{self.log_dir}/{split}")
        with writer.as_default():
            for name, value in logs.items():
                tf.summary.write(name, tf.constant(float(value)), step=step, metadata=_SCALAR_METADATA)
            if split == "train" and self.model.optimizer is not None:
                learning_rate = float(keras.ops.convert_to_numpy(self.model.optimizer.learning_rate))
                tf.summary.write("learning_rate", tf.constant(learning_rate), step=step, metadata=_SCALAR_METADATA)

    def write_validation(self, step, logs):
        """Log a validation made outside `fit` (at the step a run resumed from)."""
        self._write("validation", logs, step=step)
        self._writers["validation"].flush()

    def on_train_batch_end(self, batch, logs=None):
        self.batches += 1
        if logs and self.batches % self.accumulation_steps == 0 and self.step % self.log_every == 0:
            self._write("train", logs)

    def on_epoch_end(self, epoch, logs=None):
        validation = {k[len("val_"):]: v for k, v in (logs or {}).items() if k.startswith("val_")}
        if validation:
            self._write("validation", validation)
        for writer in self._writers.values():
            writer.flush()

    def on_train_end(self, logs=None):
        for writer in self._writers.values():
            writer.close()
        self._writers = {}


def purge_events_after(log_dir, step):
    """Remove the events past `step` from every TensorBoard event file under `log_dir`
    (and a record cut short by a kill at a file's end); files with none are left as they are."""
    if not os.path.isdir(log_dir):
        return
    for folder, _, names in os.walk(log_dir):
        for name in sorted(names):
            if "tfevents" in name:
                _drop_events_after(os.path.join(folder, name), step)


def _drop_events_after(path, step):
    from tensorflow.core.util import event_pb2

    kept, changed = [], False
    records = iter(tf.data.TFRecordDataset(path))
    while True:
        try:
            record = next(records).numpy()
        except StopIteration:
            break
        except tf.errors.DataLossError:  # the last record, cut short by a kill
            changed = True
            break
        if event_pb2.Event.FromString(record).step > step:
            changed = True
        else:
            kept.append(record)
    if not changed:
        return
    partial = os.path.join(os.path.dirname(path), ".purging.partial")  # no "tfevents": unread
    with tf.io.TFRecordWriter(partial) as writer:
        for record in kept:
            writer.write(record)
    os.replace(partial, path)
