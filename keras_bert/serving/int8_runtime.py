"""`load_int8_export`: serve a folder from `keras-bert export --quantize int8`.

Needs only `tensorflow`, `tensorflow-text` and, when installed, `ai-edge-litert` (else
TensorFlow's deprecated `tf.lite.Interpreter` runs the model); it imports nothing of keras_bert,
so this file also works copied beside a client. Raw strings go through the folder's
`preprocess` SavedModel (TensorFlow: tokenizer and packer) into the int8 LiteRT model:

    bert = load_int8_export("export/sst2_int8")
    bert.classify(["a great film", "这部电影很好"])   # probabilities, label_ids, labels
    bert.encode(["a great film"])                     # sentence_embedding, pooled_output,
                                                      # sequence_output, input_mask

Outputs are NumPy arrays with the names and meaning of the float SavedModel's `classify` and
`encode` signatures (`labels` as str, not bytes). Each batch is padded to its longest text
rounded up to a multiple of 8, as there. One string instead of a list gives the outputs of one
text without the batch axis (`encode`: `sequence_output` and `input_mask` cut to its tokens).
Calls are serialised by a lock: one LiteRT interpreter serves one call at a time.
"""

import json
import os
import threading

import numpy as np
import tensorflow as tf
import tensorflow_text  # noqa: F401  (registers the tokenizer's ops)

MANIFEST_FILE = "keras_bert_int8.json"
FORMAT = "keras_bert_int8"
FORMAT_VERSION = 1


def load_int8_export(path, num_threads=None):
    """The int8 export in folder `path`, ready to `classify` / `encode` raw strings.

    Args:
        path: a folder written by `export_int8` (`keras-bert export --quantize int8`).
        num_threads: LiteRT threads (default: the CPUs this process may use). Tokenization
            runs in TensorFlow with its own thread settings.
    """
    return Int8Bert(path, num_threads=num_threads)


def litert_interpreter_class():
    """ai-edge-litert's Interpreter when installed, else TensorFlow's (deprecated) one."""
    try:
        from ai_edge_litert.interpreter import Interpreter
    except ImportError:
        Interpreter = tf.lite.Interpreter
    return Interpreter


class Int8Bert:
    """A loaded int8 export: `classify(text)` or `classify(text_a, text_b)`, `encode(text)`,
    `encode_pair(text_a, text_b)`; `manifest` is its keras_bert_int8.json."""

    def __init__(self, path, num_threads=None):
        path = os.fspath(path)
        manifest_file = os.path.join(path, MANIFEST_FILE)
        if not os.path.isfile(manifest_file):
            raise ValueError(
                f"{path} has no {MANIFEST_FILE}: give a folder written by "
                "`keras-bert export --quantize int8`."
            )
        with open(manifest_file, encoding="utf-8") as file:
            self.manifest = json.load(file)
        if (self.manifest.get("format"), self.manifest.get("format_version")) != (
            FORMAT, FORMAT_VERSION
        ):
            raise ValueError(
                f"{manifest_file}: format {self.manifest.get('format')!r} version "
                f"{self.manifest.get('format_version')!r}; this loader reads {FORMAT!r} "
                f"version {FORMAT_VERSION}."
            )
        files = self.manifest["files"]
        self._preprocess = tf.saved_model.load(os.path.join(path, files["preprocess"]))
        if num_threads is None:
            num_threads = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (
                os.cpu_count() or 1
            )
        self.num_threads = int(num_threads)
        self._interpreter = litert_interpreter_class()(
            model_path=os.path.join(path, files["model"]), num_threads=self.num_threads
        )
        self._runners = {
            name: self._interpreter.get_signature_runner(name)
            for name in self._interpreter.get_signature_list()
        }
        self._labels = np.asarray(self.manifest.get("labels") or [], dtype=str)
        self._lock = threading.Lock()

    @property
    def is_classifier(self):
        return "classify" in self._runners

    @property
    def text_pair(self):
        return bool(self.manifest.get("text_pair"))

    def classify(self, text, text_b=None):
        """Texts (pair classifiers: `text_a`, `text_b`) → probabilities [batch, classes],
        label_ids int32 [batch], labels str [batch]."""
        if not self.is_classifier:
            raise ValueError("This int8 export is an encoder: it has encode, not classify.")
        if self.text_pair != (text_b is not None):
            raise ValueError(
                "This classifier takes text pairs: classify(text_a, text_b)." if self.text_pair
                else "This classifier takes single texts: classify(text), without text_b."
            )
        ids, single = self._pack(text, text_b)
        probabilities = self._run("classify", ids)["probabilities"]
        label_ids = probabilities.argmax(axis=-1).astype(np.int32)
        outputs = {
            "probabilities": probabilities,
            "label_ids": label_ids,
            "labels": self._labels[label_ids] if len(label_ids) else self._labels[:0],
        }
        return {name: value[0] for name, value in outputs.items()} if single else outputs

    def encode(self, text):
        """Texts → sentence_embedding [batch, hidden], pooled_output [batch, hidden],
        sequence_output [batch, seq, hidden], input_mask int32 [batch, seq]."""
        return self._encode(text, None)

    def encode_pair(self, text_a, text_b):
        """Text pairs, packed `[CLS] a [SEP] b [SEP]` → the outputs of `encode`."""
        return self._encode(text_a, text_b)

    def _encode(self, text, text_b):
        ids, single = self._pack(text, text_b)
        outputs = dict(self._run("encode", ids), input_mask=ids["input_mask"])
        if not single:
            return outputs
        real = outputs["input_mask"][0].astype(bool)
        outputs = {name: value[0] for name, value in outputs.items()}
        outputs["sequence_output"] = outputs["sequence_output"][real]
        outputs["input_mask"] = outputs["input_mask"][real]
        return outputs

    def _pack(self, text, text_b):
        """Token ids of the texts (NumPy int32 [batch, seq]) and whether one text was given."""
        single = isinstance(text, (str, bytes))
        if text_b is not None and single != isinstance(text_b, (str, bytes)):
            raise ValueError("Give both texts of a pair as strings, or both as lists.")
        texts = _strings(text)
        if text_b is None:
            packed = self._preprocess.pack(texts)
        else:
            texts_b = _strings(text_b)
            if texts.shape[0] != texts_b.shape[0]:
                raise ValueError(
                    f"text_a has {texts.shape[0]} texts but text_b has {texts_b.shape[0]}."
                )
            packed = self._preprocess.pack_pair(texts, texts_b)
        return {name: value.numpy() for name, value in packed.items()}, single

    def _run(self, signature, ids):
        with self._lock:
            return self._runners[signature](**ids)


def _strings(texts):
    """One string or a list / array of strings → a [batch] string tensor."""
    if isinstance(texts, (str, bytes)):
        texts = [texts]
    texts = [text.encode("utf-8") if isinstance(text, str) else bytes(text) for text in texts]
    return tf.constant(texts, tf.string, shape=[len(texts)])
