"""A training file that is corrupt in the middle (a checksum TensorFlow's reader rejects while
`fit` runs) ends the run with one line, not a trace from inside tf.data."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_bert.errors import KerasBertError
from keras_bert.training.resumable_fit import fit_resumable


def test_a_corrupt_record_met_during_fit_is_one_line(tmp_path):
    path = tmp_path / "data.tfrecord"
    with tf.io.TFRecordWriter(str(path)) as writer:
        for value in range(64):
            writer.write(np.float32([value, 1.0]).tobytes())
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF  # one flipped byte: a record's checksum no longer matches
    path.write_bytes(bytes(data))

    def parse(record):
        values = tf.io.decode_raw(record, tf.float32)
        return values[:1], values[1:]

    dataset = tf.data.TFRecordDataset(str(path)).map(parse).batch(4)
    model = keras.Sequential([keras.Input((1,)), keras.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    with pytest.raises(KerasBertError, match=r"The training data could not be read: a file is "
                       r"corrupt or cut short \(corrupted record at \d+\)"):
        fit_resumable(model, dataset, total_steps=40, out_dir=str(tmp_path / "run"),
                      checkpoint_every=20, verbose=0)
