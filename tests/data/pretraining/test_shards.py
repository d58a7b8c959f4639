"""Pretraining shards are published whole or not at all, and a shard that is cut short,
missing, extra or unfinished is refused with an error naming it."""

import json
import os

import numpy as np
import pytest
import tensorflow as tf

from keras_bert.data.pretraining.shards import MANIFEST_FILE, ShardSet, count_records
from keras_bert.data.pretraining.tfrecords import (
    read_pretraining_tfrecords,
    save_instances_as_tfrecords,
)
from keras_bert.errors import KerasBertError

SEQ, PREDICTIONS = 8, 2


def instances(count, seed=0):
    rng = np.random.default_rng(seed)
    return {
        "input_word_ids": rng.integers(5, 40, size=(count, SEQ)),
        "input_mask": np.ones((count, SEQ), np.int64),
        "input_type_ids": np.zeros((count, SEQ), np.int64),
        "masked_lm_positions": rng.integers(1, SEQ, size=(count, PREDICTIONS)),
        "masked_lm_ids": rng.integers(5, 40, size=(count, PREDICTIONS)),
        "masked_lm_weights": np.ones((count, PREDICTIONS), np.float32),
        "next_sentence_labels": rng.integers(0, 2, size=count),
    }


def records_read(files_or_dir):
    dataset = read_pretraining_tfrecords(files_or_dir, batch_size=4, shuffle=False)
    return sum(int(x["input_word_ids"].shape[0]) for x, _ in dataset)


def tf_record_count(path):
    """The oracle: TensorFlow's own reader."""
    return sum(1 for _ in tf.data.TFRecordDataset(str(path)))


def test_manifest_records_every_shard_and_is_written_last(tmp_path):
    paths = save_instances_as_tfrecords(instances(25), tmp_path, num_shards=3, verbose=0,
                                        manifest={"seed": 7})
    manifest = json.loads((tmp_path / MANIFEST_FILE).read_text())
    assert manifest["seed"] == 7 and manifest["instances"] == 25
    assert [shard["file"] for shard in manifest["shards"]] == [os.path.basename(p) for p in paths]
    for path, shard in zip(paths, manifest["shards"]):
        assert shard["records"] == tf_record_count(path) == count_records(path)
        assert shard["bytes"] == os.path.getsize(path)
    assert [shard["records"] for shard in manifest["shards"]] == [9, 8, 8]  # round robin
    assert os.path.getmtime(tmp_path / MANIFEST_FILE) >= max(map(os.path.getmtime, paths))
    assert sorted(os.listdir(tmp_path)) == sorted([MANIFEST_FILE] + [os.path.basename(p) for p in paths])
    assert records_read(tmp_path) == 25


@pytest.mark.parametrize("cut", ["inside a record", "at a record boundary"])
def test_a_truncated_shard_is_refused_naming_it(tmp_path, cut):
    paths = save_instances_as_tfrecords(instances(20), tmp_path, num_shards=2, verbose=0)
    data = open(paths[1], "rb").read()
    record_bytes = len(data) // 10
    keep = len(data) - 7 if cut == "inside a record" else len(data) - record_bytes
    with open(paths[1], "wb") as file:
        file.write(data[:keep])
    if cut == "at a record boundary":
        assert tf_record_count(paths[1]) == 9  # TensorFlow reads it without a word
    with pytest.raises(KerasBertError, match=f"{paths[1]} has {keep} bytes but .*records {len(data)}"):
        read_pretraining_tfrecords(tmp_path, batch_size=4)
    with pytest.raises(KerasBertError, match="truncated"):  # named one by one, too
        read_pretraining_tfrecords([paths[1]], batch_size=4)


def test_a_file_without_manifest_is_walked_and_a_cut_record_named(tmp_path):
    path = tmp_path / "google.tfrecord"  # not our naming: as Google's files are
    with tf.io.TFRecordWriter(str(path)) as writer:
        for index in range(5):
            writer.write(b"x" * (10 + index))
    assert count_records(path) == 5
    data = path.read_bytes()
    path.write_bytes(data[:-3])
    with pytest.raises(KerasBertError, match=f"{path} is cut short: its record at byte"):
        read_pretraining_tfrecords(tmp_path, batch_size=2)


def test_missing_extra_and_unfinished_shards_are_refused(tmp_path):
    paths = save_instances_as_tfrecords(instances(12), tmp_path, num_shards=3, verbose=0)
    os.rename(paths[2], tmp_path / "elsewhere.bin")
    with pytest.raises(KerasBertError, match="lacks pretraining-00002-of-00003.tfrecord, listed in"):
        read_pretraining_tfrecords(tmp_path, batch_size=4)
    os.rename(tmp_path / "elsewhere.bin", paths[2])
    extra = tmp_path / "pretraining-00000-of-00002.tfrecord"
    extra.write_bytes(open(paths[0], "rb").read())
    with pytest.raises(KerasBertError, match=f"{extra} is not listed in"):
        read_pretraining_tfrecords(tmp_path, batch_size=4)
    extra.unlink()
    with pytest.raises(KerasBertError, match="given twice"):
        read_pretraining_tfrecords([paths[0], paths[0]], batch_size=4)
    (tmp_path / MANIFEST_FILE).unlink()
    for files in (tmp_path, paths[:1], str(tmp_path / "*.tfrecord")):
        with pytest.raises(KerasBertError, match=f"no {MANIFEST_FILE}.*did not finish"):
            read_pretraining_tfrecords(files, batch_size=4)


def test_an_interrupted_write_leaves_no_shard_and_the_next_one_cleans_up(tmp_path):
    old = save_instances_as_tfrecords(instances(10, seed=1), tmp_path, num_shards=2, verbose=0)
    old_bytes = [open(path, "rb").read() for path in old]
    # A second run over the same folder, "killed" while writing: nothing is committed and
    # the block is never left (no clean-up ran).
    interrupted = ShardSet(tmp_path, 2)
    for index in range(6):
        interrupted.write(index % 2, b"partial record")
    interrupted._close()
    names = sorted(os.listdir(tmp_path))
    assert ".pretraining-00000-of-00002.tfrecord.partial" in names
    # The earlier complete shards are untouched and still read as they were.
    assert [open(path, "rb").read() for path in old] == old_bytes
    assert records_read(tmp_path) == 10
    # The next run removes the leftovers and publishes its own shards.
    new = save_instances_as_tfrecords(instances(14, seed=2), tmp_path, num_shards=2, verbose=0)
    assert new == old
    assert not [name for name in os.listdir(tmp_path) if name.endswith(".partial")]
    assert records_read(tmp_path) == 14


def test_an_error_while_writing_removes_the_partial_files(tmp_path):
    with pytest.raises(RuntimeError):
        with ShardSet(tmp_path, 2) as shards:
            shards.write(0, b"record")
            raise RuntimeError("stop")
    assert os.listdir(tmp_path) == []
