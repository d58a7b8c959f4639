"""Masked pretraining instances ⇄ sharded TFRecord files (static mode).

Each record is a `tf.train.Example` with the contract's feature names: int64 lists
`input_word_ids`, `input_mask`, `input_type_ids` [seq_length], `masked_lm_positions`,
`masked_lm_ids` [max_predictions], a float list `masked_lm_weights`, and, unless the
data is masked-LM only, an int64 `next_sentence_labels` [1] (0 = actual next, 1 = random).
Files written by Google's `create_pretraining_data.py` (`input_ids`, `segment_ids`) are read too:
the reader looks at the first record to learn the names, sequence length and prediction count.
Shards are published only when complete and checked before reading (`shards.py`): a killed
writer never leaves a shard that is read as if it were whole.
"""

import numpy as np
import tensorflow as tf
from keras.utils import Progbar
from keras_bert.data.pretraining.shards import ShardSet, verified_tfrecord_paths
from keras_bert.errors import KerasBertError

_GOOGLE_NAMES = {"input_ids": "input_word_ids", "segment_ids": "input_type_ids"}
_INT_FEATURES = ("input_word_ids", "input_mask", "input_type_ids", "masked_lm_positions", "masked_lm_ids")
X_FEATURES = ("input_word_ids", "input_mask", "input_type_ids", "masked_lm_positions")


def _example(values):
    """A `tf.train.Example` from one instance's features given as Python lists."""
    feature = {name: tf.train.Feature(int64_list=tf.train.Int64List(value=values[name])) for name in _INT_FEATURES}
    feature["masked_lm_weights"] = tf.train.Feature(float_list=tf.train.FloatList(value=values["masked_lm_weights"]))
    if "next_sentence_labels" in values:
        feature["next_sentence_labels"] = tf.train.Feature(
            int64_list=tf.train.Int64List(value=[values["next_sentence_labels"]])
        )
    return tf.train.Example(features=tf.train.Features(feature=feature))


# Rows converted to Python lists at a time: protobuf fills far faster from lists than from numpy.
_WRITE_CHUNK = 1000


def save_instances_as_tfrecords(instances, out_dir, num_shards, verbose=1, manifest=None):
    """Write a dict of masked-instance arrays round-robin over `num_shards` files; return paths.

    The shards appear under their final names only when all are complete, followed by
    `pretraining_data.json` (`manifest` plus each shard's record count and size), which the
    reader checks (`keras_bert.data.pretraining.shards`).
    """
    if isinstance(num_shards, bool) or not isinstance(num_shards, int) or num_shards <= 0:
        raise KerasBertError(f"The number of shards must be a positive integer, got {num_shards!r}.")
    count = len(instances["input_word_ids"])
    if num_shards > count:
        raise KerasBertError(f"Cannot spread {count} instances over {num_shards} shards; use fewer shards.")
    progress = Progbar(count, unit_name="instance") if verbose else None
    with ShardSet(out_dir, num_shards) as shards:
        for written, record in enumerate(serialized_examples(instances), start=1):
            shards.write((written - 1) % num_shards, record)
            if progress and (written % _WRITE_CHUNK == 0 or written == count):
                progress.update(written)
        shards.commit(manifest)
    return shards.paths


def serialized_examples(instances):
    """Each row of a dict of masked-instance arrays as a serialized `tf.train.Example`."""
    count = len(instances["input_word_ids"])
    for start in range(0, count, _WRITE_CHUNK):
        stop = min(count, start + _WRITE_CHUNK)
        chunk = {name: np.asarray(values[start:stop]).tolist() for name, values in instances.items()}
        for offset in range(stop - start):
            yield _example({name: values[offset] for name, values in chunk.items()}).SerializeToString()


def expand_tfrecord_paths(files_or_dir):
    """The files to read, each checked to be complete (`shards.verified_tfrecord_paths`)."""
    return verified_tfrecord_paths(files_or_dir)


def inspect_tfrecord(path):
    """(feature name map file→contract, seq_length, max_predictions, has NSP labels) of a file."""
    try:
        first = next(iter(tf.data.TFRecordDataset(path).take(1)), None)
    except tf.errors.OpError as error:
        raise KerasBertError(f"{path} is not a readable TFRecord file: {error.message}") from None
    if first is None:
        raise KerasBertError(f"{path} holds no records.")
    example = tf.train.Example.FromString(first.numpy())
    stored = example.features.feature
    names = {}
    for name in list(_INT_FEATURES) + ["masked_lm_weights", "next_sentence_labels"]:
        google = next((g for g, ours in _GOOGLE_NAMES.items() if ours == name), None)
        if name in stored:
            names[name] = name
        elif google is not None and google in stored:  # None: no Google name (MLM-only: no labels)
            names[google] = name
    missing = set(_INT_FEATURES) | {"masked_lm_weights"}
    missing -= set(names.values())
    if missing:
        raise KerasBertError(f"{path} is not a pretraining file: features {', '.join(sorted(missing))} are missing.")
    ids_name = next(key for key, value in names.items() if value == "input_word_ids")
    seq_length = len(stored[ids_name].int64_list.value)
    max_predictions = len(stored["masked_lm_positions"].int64_list.value)
    return names, seq_length, max_predictions, "next_sentence_labels" in stored


def read_pretraining_tfrecords(
    files_or_dir,
    batch_size,
    shuffle=True,
    shuffle_buffer=10000,
    seed=None,
    drop_remainder=False,
    num_parallel_reads=tf.data.AUTOTUNE,
):
    """A batched, prefetched dataset of `(x, y)` in the contract's layout from TFRecord shards.

    Shapes come from the first record; all files must agree (a mismatch fails when parsing).
    Shards are read `num_parallel_reads` at a time (AUTOTUNE: up to 16), a record from each in
    turn, in a shuffled file order when `shuffle`: each shard of `keras-bert prepare` holds one
    part of the corpus, so batches mix several parts.
    """
    paths = expand_tfrecord_paths(files_or_dir)
    names, seq_length, max_predictions, has_labels = inspect_tfrecord(paths[0])
    spec = {}
    for stored_name, name in names.items():
        if name == "next_sentence_labels":
            spec[stored_name] = tf.io.FixedLenFeature([1], tf.int64)
        elif name == "masked_lm_weights":
            spec[stored_name] = tf.io.FixedLenFeature([max_predictions], tf.float32)
        elif name in ("masked_lm_positions", "masked_lm_ids"):
            spec[stored_name] = tf.io.FixedLenFeature([max_predictions], tf.int64)
        else:
            spec[stored_name] = tf.io.FixedLenFeature([seq_length], tf.int64)

    files = tf.data.Dataset.from_tensor_slices(paths)
    if shuffle:
        files = files.shuffle(len(paths), seed=seed)
    # Interleaved explicitly: TFRecordDataset's own AUTOTUNE may read one file after another.
    cycle_length = min(len(paths), 16) if num_parallel_reads == tf.data.AUTOTUNE else (num_parallel_reads or 1)
    dataset = files.interleave(
        tf.data.TFRecordDataset, cycle_length=cycle_length, block_length=1, num_parallel_calls=tf.data.AUTOTUNE
    )
    if shuffle:
        dataset = dataset.shuffle(shuffle_buffer, seed=seed)
    dataset = dataset.batch(batch_size, drop_remainder=drop_remainder)

    def parse(serialized):
        parsed = tf.io.parse_example(serialized, spec)
        features = {names[key]: value for key, value in parsed.items()}
        x = {name: tf.cast(features[name], tf.int32) for name in X_FEATURES}
        y = {
            "masked_lm_ids": tf.cast(features["masked_lm_ids"], tf.int32),
            "masked_lm_weights": features["masked_lm_weights"],
        }
        if has_labels:
            y["next_sentence_labels"] = tf.cast(features["next_sentence_labels"][:, 0], tf.int32)
        return x, y

    return dataset.map(parse, num_parallel_calls=tf.data.AUTOTUNE).prefetch(tf.data.AUTOTUNE)
