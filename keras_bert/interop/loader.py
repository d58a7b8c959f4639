"""`load_checkpoint` and `save_checkpoint`: one entry point for every checkpoint format.

The format of a folder is recognised by its files:
    keras_bert   keras_bert.json + a task saved by Keras (config.json, model.weights.h5, assets/)
    google       bert_config.json + a *.ckpt*.index TF checkpoint + vocab.txt
    huggingface  config.json + model.safetensors / model.safetensors.index.json /
                 pytorch_model.bin (+ vocab.txt or tokenizer.json)

A published checkpoint's name (hf://ORG/NAME[@REVISION], or the https:// URL of a zip or a
folder) is first downloaded into the cache and resolved to its local folder (`remote`).
"""

import os

from keras_bert.interop import google, hugging_face, native, remote
from keras_bert.interop.sentence_transformers import sentence_pooling
from keras_bert.tasks.sentence_encoder import BertSentenceEncoder
from keras_bert.errors import KerasBertError, MissingFileError

FORMATS = ("keras_bert", "google", "huggingface")

FORMAT_NEEDS = {
    "keras_bert": "keras_bert.json, config.json, model.weights.h5, assets/tokenizer/vocab.txt",
    "google": "bert_config.json, vocab.txt and a TF checkpoint (bert_model.ckpt.index + .data-*)",
    "huggingface": "config.json and model.safetensors (or model.safetensors.index.json, or "
    "pytorch_model.bin) plus vocab.txt or tokenizer.json",
}


def detect_format(path):
    """"keras_bert", "google" or "huggingface"; a clear error for anything else."""
    path = os.fspath(path)
    if not os.path.exists(path):
        raise MissingFileError(f"Checkpoint folder not found: {path}")
    if not os.path.isdir(path):
        raise KerasBertError(
            f"{path} is a file; load_checkpoint takes the folder that holds a checkpoint "
            f"(for a Google checkpoint prefix such as .../bert_model.ckpt, pass its folder)."
        )
    if native.is_model_folder(path):
        return "keras_bert"
    if google.is_google_folder(path):
        return "google"
    if hugging_face.is_hugging_face_folder(path):
        return "huggingface"
    found = sorted(os.listdir(path))
    listing = ", ".join(found[:20]) + (" ..." if len(found) > 20 else "") if found else "nothing"
    needs = "; ".join(f"{name}: {files}" for name, files in FORMAT_NEEDS.items())
    raise KerasBertError(
        f"{path} is not a checkpoint folder keras_bert recognises. Found: {listing}. "
        f"Each format needs: {needs}."
    )


def load_checkpoint(path, hidden_act=None, lowercase=None, format=None, offline=None):
    """Load a BERT checkpoint folder of any supported format into a `LoadedBert`.

    Args:
        path: the folder, or a published checkpoint: hf://ORG/NAME[@REVISION] (Hugging Face),
            or the https:// URL of a zip (as Google released its BERTs) or of a folder;
            downloaded once into $KERAS_BERT_CACHE (default ~/.cache/keras_bert).
        hidden_act: our activation name, replacing the checkpoint's (Google's "gelu" is read
            as "gelu_approx", the tanh form it is in Google's code).
        lowercase: whether the tokenizer lowercases, replacing what the folder says or
            what is guessed from it (see `LoadedBert.metadata["notes"]`).
        format: "keras_bert", "google" or "huggingface" to insist on one; default: detected.
        offline: for a published name, never use the network (an error when it is not
            cached); default: KERAS_BERT_OFFLINE / HF_HUB_OFFLINE.

    Returns a `LoadedBert` with `.config`, `.tokenizer`, `.encoder`, `.pretrainer` (when the
    pretraining heads are in the checkpoint), `.classifier` (our format), `.metadata`,
    `.format`.
    """
    name = os.fspath(path)
    path = remote.resolve(name, offline=offline)
    detected = detect_format(path)
    if format is not None and format != detected:
        if format not in FORMATS:
            raise KerasBertError(f"Unknown checkpoint format {format!r}; use one of {FORMATS}.")
        raise KerasBertError(
            f"{path} looks like a {detected!r} folder, not {format!r} ({format} needs "
            f"{FORMAT_NEEDS[format]})."
        )
    if detected == "keras_bert":
        loaded = native.read_model_folder(path, hidden_act=hidden_act, lowercase=lowercase)
    elif detected == "google":
        loaded = google.read_google_checkpoint(path, hidden_act=hidden_act, lowercase=lowercase)
    else:
        loaded = hugging_face.read_hugging_face(path, hidden_act=hidden_act, lowercase=lowercase)
        loaded.metadata.setdefault("sentence_pooling", sentence_pooling(path))
    if name != path:
        loaded.metadata["remote"] = name  # "source" is the cached folder
    return loaded


def save_checkpoint(loaded, path, format):
    """Write a `LoadedBert` to `path` in `format` ("keras_bert", "google" or "huggingface").

    Our format keeps the task model: the classifier or pretrainer when there is one, else the
    encoder as a `BertSentenceEncoder` (pooling as the checkpoint's sentence-transformers
    configuration says, else [CLS]). Provenance from a keras_bert source folder is kept.
    """
    if format == "keras_bert":
        metadata = {
            key: value
            for key, value in (loaded.metadata or {}).items()
            if loaded.format == "keras_bert" and key not in ("task", "format", "format_version")
        }
        return native.write_model_folder(path, task_model(loaded), metadata=metadata)
    if format == "google":
        return google.save_google_checkpoint(loaded, path)
    if format == "huggingface":
        return hugging_face.save_hugging_face(loaded, path)
    raise KerasBertError(f"Unknown checkpoint format {format!r}; use one of {FORMATS}.")


def task_model(loaded):
    """The task model of a `LoadedBert`, holding its tokenizer, for a keras_bert folder."""
    if loaded.classifier is not None or loaded.pretrainer is not None:
        model = loaded.classifier if loaded.classifier is not None else loaded.pretrainer
        if model.tokenizer is None:
            model.tokenizer = loaded.tokenizer
        return model
    pooling = loaded.metadata.get("sentence_pooling") or "cls"
    return BertSentenceEncoder(loaded.encoder, pooling=pooling, tokenizer=loaded.tokenizer)
