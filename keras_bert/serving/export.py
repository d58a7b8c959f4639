"""`export_saved_model` and `export_preprocessor`: the whole text-to-answer path as a SavedModel.

The result loads with `tf.saved_model.load` in a process that has only TensorFlow and
tf-text (`import tensorflow_text` registers the tokenizer's ops), serves in TF Serving, and
is reusable in Keras through `keras.layers.TFSMLayer` and in TF Hub code through `__call__`.
The vocabulary, `bert_config.json`, the label names and a description of the export
(`keras_bert_export.json`) are attached as assets, so the SavedModel explains itself.
"""

import json
import os
import tempfile

from keras_bert.data.label_vocabulary import LabelVocabulary
from keras_bert.errors import KerasBertError
from keras_bert.interop.native import save_task_files
from keras_bert.output_paths import staged_folder
from keras_bert.tasks.sentence_encoder import BertSentenceEncoder, check_pooling
from keras_bert.tokenization.vocabulary_file import write_vocabulary

DEFAULT_SEQ_LENGTH = 128
EXPORT_INFO_FILE = "keras_bert_export.json"
EXPORT_FORMAT = "keras_bert_saved_model"
EXPORT_FORMAT_VERSION = 1


def export_saved_model(
    model,
    path,
    seq_length=None,
    serving_compatible=True,
    tokenizer=None,
    overwrite=False,
    pooling=None,
    normalize=None,
    jit_compile=False,
):
    """Export `model` with its tokenizer as one SavedModel at `path`; returns the export info.

    The folder is also a keras_bert model folder: `keras.models.load_model(path)` (after
    `import keras_bert`) returns the task model, whose `encode` matches the SavedModel's.

    Args:
        model: what `keras_bert.load_checkpoint` or `keras_bert.load_model` returns (a
            classifier is exported with its head), any task model (its tokenizer travels
            with it), or a `BertEncoder` (pass `tokenizer=`).
        path: the SavedModel folder to write.
        seq_length: packed length of every input (longer texts are truncated, shorter ones
            padded). Default: the length the classifier was fine-tuned with, else 128.
        serving_compatible: restrict the graph to ops the stock TensorFlow Serving model
            server has (the lookup-table WordPiece tokenizer, no Fast* tf-text ops); the
            written graph is checked and a ValueError names any op outside that set.
        tokenizer: a `BertTokenizer`, replacing the model's own.
        overwrite: replace an existing non-empty folder at `path`.
        pooling: the `sentence_embedding` that `encode` returns: "cls", "mean" or "max".
            Default: the task's own (a classifier's pooling, a sentence encoder's), else
            what a sentence-transformers checkpoint was trained with, else "cls".
        normalize: L2-normalise `sentence_embedding` (default: a sentence encoder's setting,
            else no).
        jit_compile: run the encoder and head of `encode`, `encode_pair` and `classify` as
            one XLA computation, compiled on the first call for each [batch, padded length]
            (lengths are multiples of 8) and then reused: faster in TensorFlow or Keras
            processes (`benchmarks/serving.py`), but the first call of each shape waits for
            the compiler. Needs `serving_compatible=False`: TF Serving's XLA JIT is off by
            default (its `--xla_cpu_compilation_enabled`).

    Signatures: `encode`, `encode_pair`, `encode_ids` (TF Hub encoder contract over token
    ids), `classify` for classifiers, `tag` for taggers with BIO tags (entities with
    character offsets, any text length), `answer` for question answerers (question and
    context → the answer's text and characters, any context length), and `serving_default`
    (`classify`, `tag` or `answer`, else `encode`).
    Methods: the same names plus `__call__` (TF Hub's reusable encoder API). TF Hub's
    `tokenize` / `bert_pack_inputs` live in a separate SavedModel: `export_preprocessor`.
    """


    if jit_compile and serving_compatible:
        raise KerasBertError(
            "export_saved_model: jit_compile=True needs serving_compatible=False (TF Serving "
            "runs XLA only with --xla_cpu_compilation_enabled); pass serving_compatible=False "
            "for a model served from TensorFlow or Keras."
        )
    parts = _model_parts(model, tokenizer)
    config = parts["encoder"].config
    seq_length = _check_seq_length(
        seq_length or parts["seq_length"] or DEFAULT_SEQ_LENGTH, config, parts["text_pair"]
    )
    tokenizer = _prepare_tokenizer(parts["tokenizer"], config, serving_compatible)
    pooling = check_pooling(pooling or parts["pooling"])
    normalize = parts["normalize"] if normalize is None else bool(normalize)
    final_path = _prepare_output_folder(path, overwrite)
    with staged_folder("path", final_path) as path:
        return _export_saved_model(
            parts, path, seq_length, serving_compatible, tokenizer, pooling, normalize, config,
            jit_compile,
        )


def _export_saved_model(
    parts, path, seq_length, serving_compatible, tokenizer, pooling, normalize, config, jit_compile
):
    import tensorflow as tf

    from keras_bert.serving.bert_module import BertServingModule
    from keras_bert.serving.serving_ops import check_tf_serving_ops

    label_names = parts["label_names"]
    info = {
        "format": EXPORT_FORMAT,
        "format_version": EXPORT_FORMAT_VERSION,
        "task": _task_name(parts),
        "seq_length": seq_length,
        "lowercase": bool(tokenizer.lowercase),
        "text_pair": parts["text_pair"],
        "labels": label_names,
        "hidden_size": config.hidden_size,
        "num_hidden_layers": config.num_hidden_layers,
        "serving_compatible": bool(serving_compatible),
        "sentence_pooling": pooling,
        "normalize": normalize,
        "jit_compile": bool(jit_compile),
    }
    answerer = parts["answerer"]
    if answerer is not None:
        info["question_answering"] = {
            name: getattr(answerer, name) for name in (
                "doc_stride", "max_query_length", "max_answer_length", "n_best",
                "allow_no_answer", "no_answer_threshold",
            )
        }
    module = BertServingModule(
        tokenizer,
        parts["encoder"],
        seq_length,
        classifier=parts["classifier"],
        label_names=label_names,
        text_pair=parts["text_pair"],
        sentence_pooling=pooling,
        normalize=normalize,
        tagger=parts["tagger"],
        answerer=parts["answerer"],
        jit_compile=jit_compile,
    )
    module.trace_for_export()
    signatures = module.signatures()
    info["signatures"] = sorted(signatures)
    with tempfile.TemporaryDirectory() as asset_folder:
        _attach_assets(module, asset_folder, tokenizer, config=config, info=info)
        tf.saved_model.save(module, path, signatures=signatures)
    if serving_compatible:
        check_tf_serving_ops(path)
    # The same folder as a Keras model folder: the task, with the tokenizer just exported.
    head = parts["classifier"] or parts["tagger"] or parts["answerer"]
    if head is not None:
        task = _with_tokenizer(head, tokenizer, seq_length)
    else:
        task = BertSentenceEncoder(
            parts["encoder"], pooling=pooling, normalize=normalize, seq_length=seq_length,
            tokenizer=tokenizer,
        )
    save_task_files(path, task, metadata={"export": info})
    return info


def _task_name(parts):
    for name in ("classifier", "tagger", "answerer"):
        if parts[name] is not None:
            return {"answerer": "question_answerer"}.get(name, name)
    return "encoder"


def _with_tokenizer(task, tokenizer, seq_length):
    """A classifier or tagger as exported: with the export's tokenizer and sequence length."""
    if task.tokenizer is tokenizer and task.seq_length == seq_length:
        return task
    config = task.get_config()
    config.update(tokenizer=tokenizer, seq_length=seq_length)
    copy = type(task).from_config(config)
    copy.set_weights(task.get_weights())
    return copy


def export_preprocessor(
    tokenizer, path, seq_length=DEFAULT_SEQ_LENGTH, serving_compatible=True, overwrite=False
):
    """Export `tokenizer` alone as a TF Hub style BERT preprocessor SavedModel.

    Methods: `__call__(text)` (also the `serving_default` signature), `tokenize(text)` and
    `bert_pack_inputs(segments, seq_length)`, as TF Hub's BERT preprocess models have them.
    """


    seq_length = int(seq_length)
    if seq_length < 2:
        raise KerasBertError(f"seq_length must be at least 2 ([CLS] and [SEP]), got {seq_length}.")
    tokenizer = _prepare_tokenizer(tokenizer, None, serving_compatible)
    final_path = _prepare_output_folder(path, overwrite)
    with staged_folder("path", final_path) as path:
        return _export_preprocessor(tokenizer, path, seq_length, serving_compatible)


def _export_preprocessor(tokenizer, path, seq_length, serving_compatible):
    import tensorflow as tf

    from keras_bert.serving.preprocessor_module import BertPreprocessorModule
    from keras_bert.serving.serving_ops import check_tf_serving_ops

    module = BertPreprocessorModule(tokenizer, seq_length)
    module.trace_for_export()
    info = {
        "format": EXPORT_FORMAT,
        "format_version": EXPORT_FORMAT_VERSION,
        "task": "preprocessor",
        "seq_length": seq_length,
        "lowercase": bool(tokenizer.lowercase),
        "serving_compatible": bool(serving_compatible),
        "signatures": ["serving_default"],
    }
    with tempfile.TemporaryDirectory() as asset_folder:
        _attach_assets(module, asset_folder, tokenizer, config=None, info=info)
        tf.saved_model.save(
            module, path, signatures={"serving_default": module.__call__.get_concrete_function()}
        )
    if serving_compatible:
        check_tf_serving_ops(path)
    return info


def _model_parts(model, tokenizer):
    """Encoder, classifier, tokenizer, labels, pairing and fine-tuned length of `model`."""
    parts = {
        "classifier": None, "tagger": None, "answerer": None, "label_names": None,
        "text_pair": False, "seq_length": None, "pooling": "cls", "normalize": False,
    }
    if hasattr(model, "max_answer_length") and hasattr(model, "encoder"):
        # A BertQuestionAnswerer: `answer` over raw questions and contexts.
        parts.update(answerer=model, encoder=model.encoder, seq_length=model.window_length)
        parts["tokenizer"] = tokenizer or model.tokenizer
    elif hasattr(model, "tag_names") and hasattr(model, "encoder"):
        # A BertTokenTagger: `tag` over raw strings, `encode` over its fine-tuned encoder.
        if not model.has_entity_tags():
            raise KerasBertError(
                f"Only taggers with BIO tags (O, B-X, I-X) export a tag signature; this one "
                f"has {model.tag_names!r}."
            )
        parts.update(
            tagger=model, encoder=model.encoder, label_names=list(model.tag_names),
            seq_length=model.seq_length,
        )
        parts["tokenizer"] = tokenizer or model.tokenizer
    elif hasattr(model, "encoder") and hasattr(model, "metadata") and hasattr(model, "classifier"):
        # A LoadedBert (load_checkpoint's result): export its classifier when it has one.
        metadata = model.metadata or {}
        if model.classifier is not None:
            parts.update(_classifier_parts(model.classifier))
            parts["seq_length"] = parts["seq_length"] or metadata.get("seq_length")
        parts["encoder"] = model.encoder
        parts["tokenizer"] = tokenizer or model.tokenizer
        if model.classifier is None:
            parts["pooling"] = metadata.get("sentence_pooling") or "cls"
    elif hasattr(model, "encoder") and hasattr(model, "num_classes"):
        parts.update(_classifier_parts(model))
        parts["encoder"] = model.encoder
        parts["tokenizer"] = tokenizer or getattr(model, "tokenizer", None)
    elif hasattr(model, "encoder") and hasattr(model, "tokenizer"):
        # A BertPretrainer or BertSentenceEncoder: its encoder, with the model's tokenizer.
        parts["encoder"] = model.encoder
        parts["tokenizer"] = tokenizer or model.tokenizer
        parts["seq_length"] = getattr(model, "seq_length", None)
        parts["pooling"] = model.sentence_pooling
        parts["normalize"] = model.normalize_sentences
    elif hasattr(model, "transformer_blocks"):
        parts["encoder"] = model
        parts["tokenizer"] = tokenizer
    else:
        raise TypeError(
            "export_saved_model takes what keras_bert.load_checkpoint returns, a task model "
            f"(BertClassifier, BertTokenTagger, BertQuestionAnswerer, BertPretrainer, "
            f"BertSentenceEncoder) or a BertEncoder; got "
            f"{type(model).__name__}."
        )
    if parts["tokenizer"] is None:
        raise KerasBertError(
            "export_saved_model needs a tokenizer: this model has none, so pass "
            "tokenizer=keras_bert.BertTokenizer.from_vocab_file(...)."
        )
    return parts


def _classifier_parts(classifier):
    label_names = getattr(classifier, "label_names", None) or [
        str(index) for index in range(classifier.num_classes)
    ]
    return {
        "classifier": classifier,
        "label_names": [str(name) for name in label_names],
        "text_pair": bool(getattr(classifier, "text_pair", False)),
        "seq_length": getattr(classifier, "seq_length", None),
        "pooling": getattr(classifier, "pooling", "cls"),
        "normalize": False,
    }


def _check_seq_length(seq_length, config, text_pair):
    seq_length = int(seq_length)
    needed = 3 if text_pair else 2
    if seq_length < needed:
        raise KerasBertError(
            f"seq_length must be at least {needed} (room for the special tokens), got {seq_length}."
        )
    if seq_length > config.max_position_embeddings:
        raise KerasBertError(
            f"seq_length {seq_length} exceeds the model's max_position_embeddings "
            f"({config.max_position_embeddings})."
        )
    return seq_length


def _prepare_tokenizer(tokenizer, config, serving_compatible):
    """The tokenizer to export: checked against the encoder, restricted for TF Serving."""
    if config is not None and tokenizer.vocab_size > config.vocab_size:
        raise KerasBertError(
            f"The tokenizer's vocabulary has {tokenizer.vocab_size} tokens but the encoder "
            f"embeds only {config.vocab_size} (vocab_size in bert_config.json)."
        )
    if serving_compatible:
        tokenizer = tokenizer.serving_compatible()
    return tokenizer


def _prepare_output_folder(path, overwrite):
    """Check the export folder: never a file, never a non-empty folder without `overwrite`.

    Nothing is deleted: the export is written to a temporary sibling and its files then
    replace their namesakes (`keras_bert.output_paths.staged_folder`).
    """
    path = os.fspath(path)
    if os.path.exists(path) and not os.path.isdir(path):
        raise KerasBertError(f"Export path {path} is a file; give a folder for the SavedModel.")
    if os.path.isdir(path) and os.listdir(path) and not overwrite:
        raise KerasBertError(
            f"Export folder {path} already exists and is not empty; choose another path "
            "or pass overwrite=True (--overwrite)."
        )
    return path


def _attach_assets(module, folder, tokenizer, config, info):
    """Write vocabulary, config, labels and export info to `folder`, attached as assets."""
    import tensorflow as tf

    vocab_file = os.path.join(folder, "vocab.txt")
    write_vocabulary(tokenizer.vocabulary, vocab_file)
    module.vocab_file = tf.saved_model.Asset(vocab_file)
    if config is not None:
        config_file = os.path.join(folder, "bert_config.json")
        config.to_json(config_file)
        module.bert_config_file = tf.saved_model.Asset(config_file)
    if info.get("labels"):
        labels_file = os.path.join(folder, "labels.txt")
        LabelVocabulary(info["labels"]).save(labels_file)
        module.labels_file = tf.saved_model.Asset(labels_file)
    info_file = os.path.join(folder, EXPORT_INFO_FILE)
    with open(info_file, "w", encoding="utf-8") as file:
        json.dump(info, file, indent=2, sort_keys=True, ensure_ascii=False)
        file.write("\n")
    module.export_info_file = tf.saved_model.Asset(info_file)
