"""The model behind sentence vectors, and the texts → vectors loop that every use shares.

`load_sentence_model` accepts what a user has at hand: a keras_bert model folder or export
folder (loaded with `keras_bert.load_model`, so a sentence encoder keeps its pooling and
normalisation, a classifier its pooling), any other checkpoint `load_checkpoint` reads (Google,
Hugging Face, hf://ORG/NAME), wrapped in a `BertSentenceEncoder` with the pooling the checkpoint
was trained with (a sentence-transformers folder says; else [CLS]), or a model already loaded.

`embed_texts` keeps only the sentence vectors, so a large corpus costs [n, hidden] floats, not
the token vectors `encode` also returns; it batches texts of similar length together, which
keeps padding (trimmed per batch) and so the work small.
"""

import hashlib
import os

import numpy as np

from keras_bert.errors import KerasBertError, MissingFileError

DEFAULT_BATCH_SIZE = 64


def load_sentence_model(model, pooling=None):
    """A task model whose `encode(texts)["sentence_embedding"]` is the sentence vector.

    Args:
        model: a folder path or published name (module docstring), a `LoadedBert`, or a task
            model with `encode` (returned as is unless `pooling` changes it).
        pooling: "cls", "mean" or "max" to replace the model's own sentence pooling.
    """
    from keras_bert.interop.loaded_bert import LoadedBert
    from keras_bert.tasks.sentence_encoder import BertSentenceEncoder, check_pooling

    if pooling is not None:
        check_pooling(pooling)
    if isinstance(model, (str, os.PathLike)):
        task = _load_path(os.fspath(model))
    elif isinstance(model, LoadedBert):
        task = _sentence_encoder(model)
    elif hasattr(model, "encode") and hasattr(model, "encoder"):
        task = model
    else:
        raise KerasBertError(
            "model must be a model folder or checkpoint path, a LoadedBert or a task model with "
            f"encode(); got {type(model).__name__}."
        )
    if pooling is not None and pooling != task.sentence_pooling:
        task = BertSentenceEncoder(
            task.encoder, pooling=pooling, normalize=task.normalize_sentences,
            seq_length=getattr(task, "seq_length", None), tokenizer=task.tokenizer,
        )
    return task


def _load_path(path):
    from keras_bert.interop import native, remote
    from keras_bert.interop.loader import load_checkpoint

    if not remote.is_remote(path) and not os.path.exists(path):
        raise MissingFileError(f"model {path}: no such folder.")
    if not remote.is_remote(path) and native.is_model_folder(path):
        return native.load_model(path)  # ours or an export: the task exactly as saved
    return _sentence_encoder(load_checkpoint(path))


def _sentence_encoder(loaded):
    from keras_bert.tasks.sentence_encoder import BertSentenceEncoder

    if loaded.classifier is not None:
        return loaded.classifier
    pooling = (loaded.metadata or {}).get("sentence_pooling") or "cls"
    return BertSentenceEncoder(loaded.encoder, pooling=pooling, tokenizer=loaded.tokenizer)


def describe_model(model, task):
    """What identifies the vectors `task` makes: its source, pooling and a file fingerprint.

    `model` is what the user passed (a path, a name or an object); the fingerprint (sizes and
    modification times of a local folder's files) changes when the folder is written again.
    """
    if isinstance(model, (str, os.PathLike)):
        name = os.fspath(model)
        local = os.path.exists(name)
        source = os.path.abspath(name) if local else name
        fingerprint = folder_fingerprint(name) if local else None
    else:
        source, fingerprint = f"<{type(model).__name__} object>", None
    return {
        "model": source,
        "model_fingerprint": fingerprint,
        "task": type(task).__name__,
        "pooling": task.sentence_pooling,
        "normalize": bool(task.normalize_sentences),
        "seq_length": getattr(task, "seq_length", None),
        "hidden_size": int(task.encoder.config.hidden_size),
    }


def folder_fingerprint(path):
    """A short hash of the names, sizes and modification times of every file under `path`."""
    digest = hashlib.sha256()
    if os.path.isfile(path):
        entries = [(os.path.basename(path), os.stat(path))]
    else:
        entries = []
        for root, folders, files in os.walk(path):
            folders.sort()
            for name in sorted(files):
                full = os.path.join(root, name)
                entries.append((os.path.relpath(full, path), os.stat(full)))
    for name, stat in entries:
        digest.update(f"{name}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode("utf-8"))
    return digest.hexdigest()[:16]


def embed_texts(model, texts, batch_size=DEFAULT_BATCH_SIZE, verbose=0):
    """[n, hidden] float32 sentence vectors of `texts` (a list of strings), in their order.

    Args:
        model: a task model with `encode` (see `load_sentence_model`).
        verbose: 1 shows a progress bar (texts embedded so far, texts per second).
    """
    from keras.utils import Progbar

    if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
        raise KerasBertError(f"batch_size must be an integer >= 1, got {batch_size!r}.")
    texts = list(texts)
    hidden = int(model.encoder.config.hidden_size)
    vectors = np.zeros((len(texts), hidden), np.float32)
    # Similar lengths together: each batch is trimmed to its longest text.
    order = np.argsort([len(text) for text in texts], kind="stable")
    progress = Progbar(len(texts), unit_name="text") if verbose and texts else None
    for start in range(0, len(texts), batch_size):
        rows = order[start : start + batch_size]
        encoded = model.encode([texts[row] for row in rows], batch_size=len(rows))
        vectors[rows] = encoded["sentence_embedding"]
        if progress is not None:
            progress.update(start + len(rows))
    return vectors


def l2_normalize(vectors):
    """`vectors` (float32, last axis) scaled to unit length; zero vectors stay zero."""
    vectors = np.asarray(vectors, np.float32)
    norms = np.linalg.norm(vectors, axis=-1, keepdims=True)
    return vectors / np.maximum(norms, 1e-12)
