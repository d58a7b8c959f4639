"""The teacher's logits on a list of texts: computed once, kept on disk in shards, resumable.

Scoring plenty of unlabelled text with a large teacher is the slow part of distillation, and
the student may be trained many times on the same scores. So the texts are cut into shards
of `shard_size`; each shard's logits ([texts, classes] float32, a `.npy` file) are written
under a temporary name and renamed when complete. A killed run leaves whole shards only, and
the next run scores just the missing ones.

One folder per (teacher, texts) pair, `CACHE/<name>-<key>/`, `key` hashing the teacher's
files (its config and weights), the texts and the shard size: another teacher, another text
file or another sentence split gets a folder of its own, and stale folders of the same name
are removed once the new one is complete.
"""

import hashlib
import json
import os
import shutil

import numpy as np

from keras_bert.data.labelled import trim_batch_padding
from keras_bert.tasks.task import DEFAULT_SEQ_LENGTH

_TEACHER_FILES = ("config.json", "model.weights.h5")
_SHARD_NAME = "shard-{:05d}.npy"
_SOURCE_FILE = "source.json"


def teacher_fingerprint(folder):
    """A hash of the teacher folder's Keras config and weights (its identity for the cache)."""
    digest = hashlib.sha256()
    for name in _TEACHER_FILES:
        path = os.path.join(folder, name)
        digest.update(name.encode())
        with open(path, "rb") as file:
            for block in iter(lambda: file.read(1 << 20), b""):
                digest.update(block)
    return digest.hexdigest()


def cache_folder(cache_dir, name, texts, teacher_key, shard_size):
    """CACHE/<name>-<key> for these texts scored by this teacher in shards of this size."""
    digest = hashlib.sha256(f"{teacher_key}\n{shard_size}\n".encode())
    for text in texts:
        digest.update(text.encode("utf-8", "surrogatepass") + b"\0")
    return os.path.join(cache_dir, f"{name}-{digest.hexdigest()[:16]}")


def cached_teacher_logits(
    teacher, texts, *, cache_dir, name, teacher_key, shard_size=4096, batch_size=64, log=print,
    progress=True,
):
    """The teacher's logits [len(texts), classes] float32, reading the shards already scored.

    Returns (logits, {"shards": total, "reused_shards": read from disk}).
    """
    folder = cache_folder(cache_dir, name, texts, teacher_key, shard_size)
    os.makedirs(folder, exist_ok=True)
    starts = list(range(0, len(texts), shard_size))
    shards, missing = [None] * len(starts), []
    for index, start in enumerate(starts):
        shards[index] = _read_shard(folder, index, min(shard_size, len(texts) - start))
        if shards[index] is None:
            missing.append(index)
    reused = len(starts) - len(missing)
    if missing:
        done = sum(len(shard) for shard in shards if shard is not None)
        log(
            f"teacher scoring {name}: {len(texts):,} texts in {len(starts)} shard(s) of "
            f"{shard_size:,}; {reused} already scored in {folder}",
            flush=True,
        )
        bar = None
        if progress:
            import keras

            bar = keras.utils.Progbar(len(texts), unit_name="text")
            bar.update(done)
        for index in missing:
            start = starts[index]
            logits = teacher_logits(teacher, texts[start : start + shard_size], batch_size, bar)
            _write_shard(folder, index, logits)
            shards[index] = logits
    else:
        log(f"teacher scores of {name} ({len(texts):,} texts) read from {folder}", flush=True)
    with open(os.path.join(folder, _SOURCE_FILE), "w", encoding="utf-8") as file:
        json.dump({"name": name, "texts": len(texts), "shard_size": shard_size,
                   "teacher": teacher_key}, file, indent=2)
        file.write("\n")
    _remove_stale(cache_dir, name, folder)
    return np.concatenate(shards) if shards else np.zeros((0, teacher.num_classes), "float32"), {
        "shards": len(starts), "reused_shards": reused
    }


def teacher_logits(teacher, texts, batch_size=64, progress=None):
    """The classifier `teacher`'s logits on `texts` (at its own seq_length), in their order.

    Texts are batched by length (sorted, then put back), so little work goes to padding.
    """
    seq_length = teacher.seq_length or DEFAULT_SEQ_LENGTH
    order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
    logits = np.zeros((len(texts), teacher.num_classes), "float32")
    for start in range(0, len(order), batch_size):
        rows = order[start : start + batch_size]
        features = trim_batch_padding(
            teacher.tokenizer.encode([texts[i] for i in rows], seq_length=seq_length)
        )
        logits[rows] = np.asarray(teacher.predict_on_batch(features), "float32")
        if progress is not None:
            progress.add(len(rows))
    return logits


def _shard_path(folder, index):
    return os.path.join(folder, _SHARD_NAME.format(index))


def _read_shard(folder, index, rows):
    """A complete shard's logits, or None (absent, or not `rows` long: scored again)."""
    path = _shard_path(folder, index)
    if not os.path.isfile(path):
        return None
    try:
        logits = np.load(path, allow_pickle=False)
    except (OSError, ValueError):
        return None
    return logits if logits.ndim == 2 and len(logits) == rows else None


def _write_shard(folder, index, logits):
    path = _shard_path(folder, index)
    temporary = path + ".partial"
    with open(temporary, "wb") as file:
        np.save(file, np.asarray(logits, "float32"), allow_pickle=False)
    os.replace(temporary, path)


def _remove_stale(cache_dir, name, keep):
    """Remove CACHE/<name>-* folders other than `keep` (scores of another teacher or text)."""
    for entry in os.listdir(cache_dir):
        path = os.path.join(cache_dir, entry)
        if entry.startswith(f"{name}-") and path != keep and os.path.isdir(path):
            shutil.rmtree(path, ignore_errors=True)
