"""After a resume, the TensorBoard event files hold every step once: what the killed run
logged after its last checkpoint is dropped before the resumed run logs those steps again."""

import os

import tensorflow as tf
from tensorflow.core.util import event_pb2

from keras_bert.training.tensorboard_scalars import purge_events_after


def log_steps(log_dir, steps):
    """What a run writes: a fresh event file with a `loss` scalar at each step."""
    writer = tf.summary.create_file_writer(str(log_dir))
    with writer.as_default():
        for step in steps:
            tf.summary.write("loss", tf.constant(float(step)), step=step)
    writer.close()


def logged(log_dir):
    """[(step, value)] of the `loss` scalar over every event file, in reading order."""
    found = []
    for name in sorted(os.listdir(log_dir)):
        if "tfevents" not in name:
            continue
        for record in tf.data.TFRecordDataset(str(log_dir / name)):
            event = event_pb2.Event.FromString(record.numpy())
            for value in event.summary.value:
                if value.tag == "loss":
                    found.append((event.step, float(tf.make_ndarray(value.tensor))))
    return found


def test_a_resumed_run_logs_each_step_once(tmp_path):
    log_dir = tmp_path / "logs" / "train"
    log_steps(log_dir, range(1, 16))  # killed at step 15, last checkpoint at 10
    log_steps(log_dir, [])  # a second file with nothing past the checkpoint is left alone
    untouched = {name: os.path.getmtime(log_dir / name) for name in os.listdir(log_dir)}
    purge_events_after(tmp_path / "logs", 10)
    assert [step for step, _ in logged(log_dir)] == list(range(1, 11))
    log_steps(log_dir, range(11, 21))  # the resumed run
    steps = [step for step, _ in logged(log_dir)]
    assert steps == list(range(1, 21))  # once each, in order
    assert len(os.listdir(log_dir)) == 3 and not [n for n in os.listdir(log_dir) if "partial" in n]
    assert sum(os.path.getmtime(log_dir / n) == t for n, t in untouched.items()) == 1


def test_a_record_cut_short_by_the_kill_is_dropped_too(tmp_path):
    log_dir = tmp_path / "logs" / "train"
    log_steps(log_dir, range(1, 6))
    (name,) = os.listdir(log_dir)
    with open(log_dir / name, "ab") as file:
        file.write(b"\x40\x00\x00\x00\x00\x00\x00\x00\x01\x02")  # half a record header
    purge_events_after(tmp_path / "logs", 5)
    assert [step for step, _ in logged(log_dir)] == [1, 2, 3, 4, 5]  # and readable again
    purge_events_after(tmp_path / "no such folder", 0)  # nothing logged yet: nothing to do
