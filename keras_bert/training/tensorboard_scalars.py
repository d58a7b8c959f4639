"""TensorBoard scalars by optimizer step, written with TensorFlow alone.

Keras's `TensorBoard` callback needs the `tensorboard` package for `tf.summary.scalar` and
counts batches from 0 in every `fit`, so a resumed run would overwrite its own first steps.
This writes the same scalar summaries (plugin "scalars") with `tf.summary.write`, at the
global step, to `log_dir/train` and `log_dir/validation`.
"""

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

    def _write(self, split, logs):
        writer = self._writers.get(split)
        if writer is None:
            writer = self._writers[split] = tf.summary.create_file_writer(f"{self.log_dir}/{split}")
        with writer.as_default():
            for name, value in logs.items():
                tf.summary.write(name, tf.constant(float(value)), step=self.step, metadata=_SCALAR_METADATA)
            if split == "train" and self.model.optimizer is not None:
                learning_rate = float(keras.ops.convert_to_numpy(self.model.optimizer.learning_rate))
                tf.summary.write("learning_rate", tf.constant(learning_rate), step=self.step, metadata=_SCALAR_METADATA)

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
