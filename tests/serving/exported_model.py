"""The tiny classifier the serving tests export, the texts they feed it, and the oracle.

Expected values come from the original in-memory classifier and its tokenizer (another code
path), never from the SavedModel itself.
"""

import json
import os

import numpy as np

SEQ_LENGTH = 16
LABELS = ["negative", "neutral", "positive"]

# A small vocabulary with English words and pieces, punctuation and Chinese characters.
VOCABULARY = (
    ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    + list(".,!?'-")
    + "the a an movie film was is good bad great boring plot actors it not very and".split()
    + ["##s", "##ly", "##ing", "##ed", "un", "##believ", "##able"]
    + list("这是一个示例文本很好不电影。")
)

# Texts of every kind the tests feed the exported model.
TEXTS = [
    "The movie was good.",
    "Unbelievable plot, boring actors!",
    "这是一个示例文本。",
    "这部电影很好",
    "it is not very good and not very bad and the plot is boring and the actors are bad",
]

# Bad input, one case per test: name → list of byte strings.
BAD_INPUTS = {
    "empty_strings": [b"", b""],
    "whitespace_only": [b"   ", b"\t\n\r \xe3\x80\x80"],
    "control_characters": [b"\x00\x01\x07good\x1b\x7f", b"\xc2\x85\xe2\x80\x8b"],
    "invalid_utf8": [b"\xff\xfe good \xc3\x28 movie", b"\xed\xa0\x80\x80"],
    "long_text": [("good movie " * 9_091)[:100_000].encode("utf-8")],
    "empty_batch": [],
}


def build_classifier(vocab_file):
    """The in-memory classifier every expected value comes from."""
    import keras

    from keras_bert import BertClassifier, BertConfig, BertEncoder, BertTokenizer

    keras.utils.set_random_seed(7)
    config = BertConfig(
        vocab_size=len(VOCABULARY),
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=64,
        max_position_embeddings=64,
    )
    classifier = BertClassifier(
        BertEncoder(config), num_classes=len(LABELS), labels=LABELS, seq_length=SEQ_LENGTH,
        tokenizer=BertTokenizer.from_vocab_file(vocab_file),
    )
    # A head with large weights: classes far apart, so the predicted ids are unambiguous.
    kernel = classifier.classifier_dense.kernel
    kernel.assign(np.random.default_rng(0).normal(0, 2.0, kernel.shape).astype("float32"))
    return classifier


def expected_outputs(classifier, texts):
    """What the in-memory model gives for `texts` (bytes or str): the parity oracle."""
    import tensorflow as tf

    texts = tf.constant(texts, tf.string, shape=[len(texts)])
    inputs = classifier.tokenizer.encode(texts, seq_length=SEQ_LENGTH)
    encoded = classifier.encoder(inputs, training=False)
    probabilities = tf.nn.softmax(classifier(inputs, training=False), axis=-1).numpy()
    label_ids = probabilities.argmax(axis=-1)
    return {
        "input_word_ids": inputs["input_word_ids"].numpy(),
        "input_mask": inputs["input_mask"].numpy(),
        "input_type_ids": inputs["input_type_ids"].numpy(),
        "pooled_output": encoded["pooled_output"].numpy(),
        "sequence_output": encoded["sequence_output"].numpy(),
        "encoder_outputs": np.stack([layer.numpy() for layer in encoded["encoder_outputs"]], 1),
        "probabilities": probabilities,
        "label_ids": label_ids,
        "labels": [LABELS[index] for index in label_ids],
    }


def write_cases(path, cases):
    """Texts (bytes, possibly invalid UTF-8) to JSON as hex, for a subprocess to read."""
    path.write_text(json.dumps({name: [text.hex() for text in texts] for name, texts in cases.items()}))
    return path


def as_bytes(texts):
    return [text.encode("utf-8") if isinstance(text, str) else text for text in texts]


def subprocess_environment():
    """The environment for a fresh interpreter: quiet TensorFlow, nothing of the repository."""
    env = dict(os.environ)
    env["TF_CPP_MIN_LOG_LEVEL"] = "2"
    env.pop("PYTHONPATH", None)
    return env
