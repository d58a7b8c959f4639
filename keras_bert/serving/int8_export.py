"""`export_int8`: a classifier or encoder as an int8 LiteRT model behind the float export's
tokenizer, in one folder that takes raw strings.

    keras_bert_int8.json   the manifest: task, labels, seq_length, pooling, files, versions
    preprocess/            a SavedModel: raw strings → token ids (tokenizer and packer as the
                           float export runs them: `pack(text)`, `pack_pair(text_a, text_b)`)
    model_int8.tflite      the encoder (and head) over token ids, LiteRT built-in ops only,
                           dynamic-range int8: int8 weights, activations quantized on the fly

Why two parts: tf-text's tokenizer ops are not LiteRT built-ins, so tokenization stays in
TensorFlow, and the encoder, where the time goes, runs in LiteRT. Why dynamic-range: it needs
no calibration data and keeps accuracy (benchmarks/README.md, "int8"), while Keras's own
`quantize("int8")` runs slower than float32 under TensorFlow on the CPUs measured.
`keras_bert.serving.int8_runtime.load_int8_export` loads the folder and serves `classify` and
`encode` with the float export's output names. It is not a TF Serving SavedModel.
"""

import json
import os
import tempfile

import tensorflow as tf

from keras_bert.data.labelled import trim_batch_padding
from keras_bert.errors import KerasBertError
from keras_bert.modeling.encoder import INPUT_NAMES
from keras_bert.output_paths import staged_folder
from keras_bert.serving import export as float_export
from keras_bert.tasks.sentence_encoder import check_pooling, pool_sentences
from keras_bert.tokenization.bert_tokenizer import BertTokenizer

MANIFEST_FILE = "keras_bert_int8.json"
PREPROCESS_FOLDER = "preprocess"
MODEL_FILE = "model_int8.tflite"
FORMAT = "keras_bert_int8"
FORMAT_VERSION = 1
# LiteRT signatures of the .tflite: the same token ids in, these outputs out.
CLASSIFY_OUTPUTS = ("probabilities",)
ENCODE_OUTPUTS = ("sentence_embedding", "pooled_output", "sequence_output")


def export_int8(
    model_or_folder, out, seq_length=None, pooling=None, normalize=None, tokenizer=None,
    overwrite=False,
):
    """Write the int8 export of a classifier or encoder to folder `out`; returns the manifest.

    Args:
        model_or_folder: a model folder (what pretrain, finetune, distill or convert wrote, or
            a Google / Hugging Face checkpoint folder), or what `keras_bert.load_model` /
            `load_checkpoint` returns: a classifier, a sentence encoder, a pretrainer or a
            `BertEncoder` (pass `tokenizer=`). Taggers and question answerers are refused.
        out: the folder to write.
        seq_length: longest packed input (longer texts are truncated); each batch is padded to
            its longest text, rounded up to a multiple of 8. Default: the fine-tuned length,
            else 128.
        pooling, normalize: the `sentence_embedding` of `encode`, as in `export_saved_model`.
        tokenizer: a `BertTokenizer` replacing the model's own.
        overwrite: write into an existing non-empty folder.
    """
    model = _load(model_or_folder)
    parts = float_export._model_parts(model, tokenizer)
    for name in ("tagger", "answerer"):
        if parts[name] is not None:
            raise KerasBertError(
                f"model_or_folder is a {name.replace('answerer', 'question answerer')}: the int8 "
                "export serves classifiers and encoders only (classify, encode); export it "
                "without --quantize."
            )
    config = parts["encoder"].config
    seq_length = float_export._check_seq_length(
        seq_length or parts["seq_length"] or float_export.DEFAULT_SEQ_LENGTH, config,
        parts["text_pair"],
    )
    tokenizer = _fast_tokenizer(
        float_export._prepare_tokenizer(parts["tokenizer"], config, serving_compatible=False)
    )
    pooling = check_pooling(pooling or parts["pooling"])
    normalize = parts["normalize"] if normalize is None else bool(normalize)
    final_path = float_export._prepare_output_folder(out, overwrite)
    with staged_folder("out", final_path) as path:
        return _write(parts, path, seq_length, tokenizer, pooling, normalize, config)


def _load(model_or_folder):
    if not isinstance(model_or_folder, (str, os.PathLike)):
        return model_or_folder
    from keras_bert.interop import native
    from keras_bert.interop.loader import load_checkpoint

    folder = os.fspath(model_or_folder)
    if not os.path.isdir(folder):
        raise KerasBertError(f"model_or_folder {folder} is not a folder.")
    if native.is_model_folder(folder):
        return native.load_model(folder)  # the task as saved: its pooling included
    return load_checkpoint(folder)


def _fast_tokenizer(tokenizer):
    """The same tokenization with tf-text's fast WordPiece op: this preprocessing never goes to
    TF Serving, whose tf-text lacks it, so nothing holds it to the slower lookup table."""
    if tokenizer.wordpiece_implementation == "fast":
        return tokenizer
    return BertTokenizer(
        tokenizer.vocabulary, lowercase=tokenizer.lowercase, wordpiece_implementation="fast",
        name=tokenizer.name,
    )


def _write(parts, path, seq_length, tokenizer, pooling, normalize, config):
    import keras
    import tensorflow_text

    import keras_bert

    manifest = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "task": "classifier" if parts["classifier"] is not None else "encoder",
        "labels": parts["label_names"],
        "text_pair": parts["text_pair"],
        "seq_length": seq_length,
        "lowercase": bool(tokenizer.lowercase),
        "sentence_pooling": pooling,
        "normalize": normalize,
        "hidden_size": config.hidden_size,
        "num_hidden_layers": config.num_hidden_layers,
        "vocab_size": config.vocab_size,
        "quantization": "dynamic-range int8 (tf.lite.Optimize.DEFAULT)",
        "litert_ops": "TFLITE_BUILTINS",
        "files": {"preprocess": PREPROCESS_FOLDER, "model": MODEL_FILE},
        "versions": {
            "keras_bert": keras_bert.__version__,
            "tensorflow": tf.__version__,
            "tensorflow_text": tensorflow_text.__version__,
            "keras": keras.__version__,
        },
    }
    tf.saved_model.save(
        _PackModule(tokenizer, seq_length), os.path.join(path, PREPROCESS_FOLDER)
    )
    flatbuffer = convert_to_int8_tflite(
        parts["encoder"], parts["classifier"], pooling, normalize
    )
    with open(os.path.join(path, MODEL_FILE), "wb") as file:
        file.write(flatbuffer)
    manifest["model_bytes"] = len(flatbuffer)
    with open(os.path.join(path, MANIFEST_FILE), "w", encoding="utf-8") as file:
        json.dump(manifest, file, indent=2, sort_keys=True, ensure_ascii=False)
        file.write("\n")
    return manifest


def convert_to_int8_tflite(encoder, classifier=None, pooling="cls", normalize=False):
    """The encoder (and classifier) over token ids [batch, seq] (both dimensions dynamic) as a
    dynamic-range int8 LiteRT flatbuffer of built-in ops: signature `encode` (ENCODE_OUTPUTS)
    and, with a classifier, `classify` (CLASSIFY_OUTPUTS). Both share one copy of the weights.

    Converted from a SavedModel, so the converter freezes the variables itself.
    """
    module = _IdsModule(encoder, classifier, pooling, normalize)
    signatures = {"encode": module.encode.get_concrete_function()}
    if classifier is not None:
        signatures["classify"] = module.classify.get_concrete_function()
    with tempfile.TemporaryDirectory() as folder:
        tf.saved_model.save(module, folder, signatures=signatures)
        converter = tf.lite.TFLiteConverter.from_saved_model(
            folder, signature_keys=sorted(signatures)
        )
        converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS]
        converter.optimizations = [tf.lite.Optimize.DEFAULT]
        return converter.convert()


def _ids_spec():
    return {name: tf.TensorSpec([None, None], tf.int32, name=name) for name in INPUT_NAMES}


class _PackModule(tf.Module):
    """Raw strings → token ids, packed as the float export packs them: truncated to
    `seq_length`, each batch padded to its longest text rounded up to a multiple of 8."""

    def __init__(self, tokenizer, seq_length):
        super().__init__(name="bert_int8_preprocess")
        self.tokenizer = tokenizer
        self.seq_length = int(seq_length)
        text = tf.TensorSpec([None], tf.string, name="text")
        self.pack = tf.function(self._pack, input_signature=[text])
        self.pack_pair = tf.function(
            self._pack_pair,
            input_signature=[
                tf.TensorSpec([None], tf.string, name="text_a"),
                tf.TensorSpec([None], tf.string, name="text_b"),
            ],
        )

    def _pack(self, text):
        return self._trimmed(self.tokenizer.encode(text, seq_length=self.seq_length))

    def _pack_pair(self, text_a, text_b):
        return self._trimmed(self.tokenizer.encode(text_a, text_b, seq_length=self.seq_length))

    @staticmethod
    def _trimmed(inputs):
        return trim_batch_padding({name: tf.cast(value, tf.int32) for name, value in inputs.items()})


class _IdsModule(tf.Module):
    """Token ids → the float export's outputs, for conversion (the Keras models are held
    untracked, their variables listed, as in `BertServingModule`)."""

    def __init__(self, encoder, classifier, pooling, normalize):
        super().__init__(name="bert_int8_ids")
        object.__setattr__(self, "_encoder", encoder)
        object.__setattr__(self, "_classifier", classifier)
        self.pooling = pooling
        self.normalize = bool(normalize)
        model = classifier if classifier is not None else encoder
        self.model_variables = [variable.value for variable in model.variables]
        self.encode = tf.function(self._encode, input_signature=[_ids_spec()])
        if classifier is not None:  # saving traces every tf.function attribute
            self.classify = tf.function(self._classify, input_signature=[_ids_spec()])

    def _encode(self, inputs):
        outputs = self._encoder(inputs, training=False)
        sentence = pool_sentences(
            outputs["pooled_output"], outputs["sequence_output"], inputs["input_mask"],
            self.pooling, self.normalize,
        )
        return {
            "sentence_embedding": tf.cast(sentence, tf.float32),
            "pooled_output": tf.cast(outputs["pooled_output"], tf.float32),
            "sequence_output": tf.cast(outputs["sequence_output"], tf.float32),
        }

    def _classify(self, inputs):
        logits = tf.cast(self._classifier(inputs, training=False), tf.float32)
        return {"probabilities": tf.nn.softmax(logits, axis=-1)}
