"""TFRecord shards that are either complete or refused, even when the writer is killed.

Writing (`ShardSet`): every shard is written under a hidden partial name
(`.pretraining-00000-of-00004.tfrecord.partial`, which no reader picks up) and renamed to its
final name only when all shards are complete. The manifest, `pretraining_data.json`, which
lists every shard with its record count and size in bytes, is removed first and written last.
So a killed `keras-bert prepare` leaves either no shard under a final name, or, in the instant
of the renames, shards without a manifest, which the reader refuses. The next run over the
same folder removes the partial files the killed one left.

Reading (`verified_tfrecord_paths`): a folder with a manifest is read through it (every
listed shard must be there, with its recorded size; an unlisted .tfrecord beside them is
refused, so no shard is read twice or missed); `pretraining-*-of-*` shards without a manifest
are an unfinished prepare. Files without a manifest (Google's `create_pretraining_data.py`
output) have their record framing walked: a file that ends inside a record was cut short.
Every problem is a `KerasBertError` naming the file.
"""

import json
import os
import re
import struct

from keras_bert.errors import KerasBertError, MissingFileError

MANIFEST_FILE = "pretraining_data.json"
SHARD_PREFIX = "pretraining"
TFRECORD_SUFFIXES = (".tfrecord", ".tfrecords")
_SHARD_NAME = re.compile(r".+-\d{5}-of-\d{5}\.tfrecord")
_PARTIAL_NAME = re.compile(r"\..+-\d{5}-of-\d{5}\.tfrecord\.partial")
# TFRecord framing: uint64 length, uint32 masked CRC of the length, data, uint32 CRC of data.
_HEADER_BYTES, _FOOTER_BYTES = 12, 4


def shard_paths(out_dir, num_shards, prefix=SHARD_PREFIX):
    return [
        os.path.join(out_dir, f"{prefix}-{index:05d}-of-{num_shards:05d}.tfrecord")
        for index in range(num_shards)
    ]


def _partial_path(path):
    folder, name = os.path.split(path)
    return os.path.join(folder, f".{name}.partial")


def _fsync(path):
    with open(path, "rb") as file:
        os.fsync(file.fileno())


def _write_json_atomically(path, value):
    partial = os.path.join(os.path.dirname(path), f".{os.path.basename(path)}.partial")
    with open(partial, "w", encoding="utf-8") as file:
        json.dump(value, file, indent=2, ensure_ascii=False)
        file.write("\n")
        file.flush()
        os.fsync(file.fileno())
    os.replace(partial, path)


class ShardSet:
    """`num_shards` TFRecord files in `out_dir`, published all at once by `commit`.

    Use as a context manager: `write(index, record)` any number of times, then
    `commit(manifest)`; leaving the block without a commit (an error) removes the partial
    files. Shards of another run already in `out_dir` under other names are refused (they
    would be read together with these); same-named ones are replaced at the commit.
    """

    def __init__(self, out_dir, num_shards, prefix=SHARD_PREFIX):
        import tensorflow as tf

        if isinstance(num_shards, bool) or not isinstance(num_shards, int) or num_shards <= 0:
            raise KerasBertError(
                f"The number of shards must be a positive integer, got {num_shards!r}."
            )
        self.out_dir = os.fspath(out_dir)
        self.paths = shard_paths(self.out_dir, num_shards, prefix)
        if os.path.isdir(self.out_dir):
            names = os.listdir(self.out_dir)
            stale = sorted(
                name for name in names
                if name.endswith(TFRECORD_SUFFIXES)
                and os.path.join(self.out_dir, name) not in self.paths
            )
            if stale:
                raise KerasBertError(
                    f"{self.out_dir} already holds other TFRecord files ({', '.join(stale[:3])}"
                    f"{', ...' if len(stale) > 3 else ''}); write to an empty directory or "
                    "remove them."
                )
            for name in names:  # left by a run that was killed
                if _PARTIAL_NAME.fullmatch(name):
                    os.remove(os.path.join(self.out_dir, name))
        os.makedirs(self.out_dir, exist_ok=True)
        self.records = [0] * num_shards
        self._committed = False
        self._writers = [tf.io.TFRecordWriter(_partial_path(path)) for path in self.paths]

    def __enter__(self):
        return self

    def write(self, index, record):
        self._writers[index].write(record)
        self.records[index] += 1

    def _close(self):
        for writer in self._writers:
            writer.close()
        self._writers = []

    def commit(self, manifest=None):
        """Publish the shards, then the manifest (`manifest` plus "files", "shards" and
        "instances"); returns the manifest written."""
        self._close()
        shards = []
        for path, records in zip(self.paths, self.records):
            partial = _partial_path(path)
            _fsync(partial)
            shards.append(
                {"file": os.path.basename(path), "records": records,
                 "bytes": os.path.getsize(partial)}
            )
        manifest_path = os.path.join(self.out_dir, MANIFEST_FILE)
        if os.path.lexists(manifest_path):
            os.remove(manifest_path)  # until the new one is written, the folder is unfinished
        for path in self.paths:
            os.replace(_partial_path(path), path)
        written = dict(manifest or {})
        written.update(
            files=[shard["file"] for shard in shards],
            shards=shards,
            instances=sum(self.records),
        )
        _write_json_atomically(manifest_path, written)
        self._committed = True
        return written

    def __exit__(self, kind, error, traceback):
        if not self._committed:
            self._close()
            for path in self.paths:
                if os.path.exists(_partial_path(path)):
                    os.remove(_partial_path(path))
        return False


def read_manifest(folder):
    """The manifest of shard folder `folder` as a dict, or None when it has none."""
    from keras_bert.text_files import read_json

    path = os.path.join(folder, MANIFEST_FILE)
    if not os.path.isfile(path):
        return None
    manifest = read_json(path, "pretraining data manifest", expect=dict)
    if not isinstance(manifest.get("files", []), list):
        raise KerasBertError(f"{path}: \"files\" must be a list of shard file names.")
    return manifest


def _listed_sizes(manifest):
    """{file name: bytes} for the shards the manifest records sizes of."""
    return {
        shard["file"]: shard["bytes"]
        for shard in manifest.get("shards", [])
        if isinstance(shard, dict) and "file" in shard and "bytes" in shard
    }


def _unfinished(folder):
    return KerasBertError(
        f"{folder} holds pretraining shards but no {MANIFEST_FILE}, which `keras-bert "
        "prepare` writes after its last shard: that run did not finish (killed?). Run it "
        "again; if you copied the shards, copy the manifest with them."
    )


def _folder_paths(folder):
    """The shard paths of `folder`: its manifest's list, checked against what is there."""
    found = sorted(name for name in os.listdir(folder) if name.endswith(TFRECORD_SUFFIXES))
    manifest = read_manifest(folder)
    if manifest is None:
        if any(_SHARD_NAME.fullmatch(name) for name in found):
            raise _unfinished(folder)
        if not found:
            raise MissingFileError(f"No .tfrecord files in {folder}.")
        return [os.path.join(folder, name) for name in found]
    listed = [os.fspath(name) for name in manifest.get("files", [])]
    manifest_path = os.path.join(folder, MANIFEST_FILE)
    missing = [name for name in listed if not os.path.isfile(os.path.join(folder, name))]
    if missing:
        raise KerasBertError(
            f"{folder} lacks {missing[0]}"
            f"{f' (and {len(missing) - 1} more)' if len(missing) > 1 else ''}, listed in "
            f"{manifest_path}: the shards are incomplete; write them again."
        )
    unlisted = [name for name in found if name not in listed]
    if unlisted:
        raise KerasBertError(
            f"{os.path.join(folder, unlisted[0])} is not listed in {manifest_path} (left by "
            "another run?); remove it, or pass the files to read explicitly."
        )
    if not listed:
        raise MissingFileError(f"No .tfrecord files in {folder} ({manifest_path} lists none).")
    return [os.path.join(folder, name) for name in listed]


def verified_tfrecord_paths(files_or_dir):
    """The TFRecord files named by `files_or_dir` (files, folders, glob patterns), each
    checked to be complete; a `KerasBertError` naming the file otherwise."""
    import tensorflow as tf

    if isinstance(files_or_dir, (str, os.PathLike)):
        files_or_dir = [files_or_dir]
    paths = []
    for path in map(os.fspath, files_or_dir):
        if os.path.isdir(path):
            paths.extend(_folder_paths(path))
        elif any(char in path for char in "*?["):
            found = sorted(tf.io.gfile.glob(path))
            if not found:
                raise MissingFileError(f"No files match {path}.")
            paths.extend(found)
        elif os.path.isfile(path):
            paths.append(path)
        else:
            raise MissingFileError(f"Pretraining TFRecord file not found: {path}")
    duplicated = sorted({path for path in paths if paths.count(path) > 1})
    if duplicated:
        raise KerasBertError(f"{duplicated[0]} is given twice; each shard must be read once.")
    manifests = {}
    for path in paths:
        if "://" not in path:  # a remote file (gs://...) is not checked
            check_complete(path, manifests)
    return paths


def check_complete(path, manifests=None):
    """Raise a `KerasBertError` naming `path` unless the TFRecord file is complete.

    With a manifest beside it that records its size, the size must match (cheap); else the
    record framing is walked to the end.
    """
    folder, name = os.path.split(os.path.abspath(path))
    manifests = {} if manifests is None else manifests
    if folder not in manifests:
        manifests[folder] = read_manifest(folder) if os.path.isdir(folder) else None
    manifest = manifests[folder]
    if manifest is None and _SHARD_NAME.fullmatch(name):
        raise _unfinished(folder)
    expected = _listed_sizes(manifest or {}).get(name)
    if expected is not None:
        size = os.path.getsize(path)
        if size != expected:
            raise KerasBertError(
                f"{path} has {size} bytes but {os.path.join(folder, MANIFEST_FILE)} records "
                f"{expected}: the shard is truncated or was changed; write the shards again."
            )
        return
    count_records(path)


def count_records(path):
    """The number of records in TFRecord file `path`, from its framing alone (no data is
    read); a `KerasBertError` naming the file when it ends inside a record."""
    size = os.path.getsize(path)
    count, offset = 0, 0
    with open(path, "rb") as file:
        while offset < size:
            file.seek(offset)
            header = file.read(8)
            end = offset + _HEADER_BYTES + _FOOTER_BYTES
            if len(header) == 8:
                end += struct.unpack("<Q", header)[0]
            if end > size:
                raise KerasBertError(
                    f"{path} is cut short: its record at byte {offset} runs past the end of the "
                    f"file ({size} bytes), as when the writer is killed; write the file again."
                )
            offset, count = end, count + 1
    return count
