"""The article's three lines, verbatim, on an exported classifier and an exported plain encoder.

    import tensorflow as tf
    bert_model = tf.keras.models.load_model('bert_model')
    encoded_text = bert_model.encode("这是一个示例文本。")

Each runs in a fresh interpreter (plus `import keras_bert`, which registers the classes), in a
folder holding the export as `bert_model`. The same folder loaded as a bare SavedModel, in a
process with only TensorFlow and tf-text, must give the same vectors; so must the in-memory
model the export came from (the oracle: another code path).
"""

import json
import subprocess
import sys

import numpy as np
import pytest

from keras_bert import BertSentenceEncoder, export_saved_model
from tests.serving.exported_model import SEQ_LENGTH, subprocess_environment

TEXT = "这是一个示例文本。"
SNIPPET = """
import keras_bert
import tensorflow as tf
bert_model = tf.keras.models.load_model('bert_model')
encoded_text = bert_model.encode("这是一个示例文本。")

import json, numpy as np
batch = bert_model.encode(["这是一个示例文本。", "The movie was good."])
json.dump({
    "class": type(bert_model).__name__,
    "single": {k: np.asarray(v).tolist() for k, v in encoded_text.items()},
    "batch_sentence": np.asarray(batch["sentence_embedding"]).tolist(),
}, open("keras.json", "w"))
"""
SAVED_MODEL_PROBE = """
import json, sys
import tensorflow as tf
import tensorflow_text  # noqa: F401  (the tokenizer's ops)
assert "keras_bert" not in sys.modules
bert = tf.saved_model.load("bert_model")
one = bert.encode("这是一个示例文本。")
batch = bert.signatures["encode"](text=tf.constant(["这是一个示例文本。", "The movie was good."]))
json.dump({
    "single": {k: v.numpy().tolist() for k, v in one.items()},
    "batch_sentence": batch["sentence_embedding"].numpy().tolist(),
}, open("saved_model.json", "w"))
"""


def run_in(folder, code, output):
    subprocess.run([sys.executable, "-c", code], cwd=folder, check=True, timeout=300,
                   env=subprocess_environment())
    return json.loads((folder / output).read_text())


@pytest.mark.parametrize("kind", ["classifier", "encoder"])
def test_the_seed_snippet_runs_verbatim(exported, tmp_path, kind):
    _, classifier, _ = exported
    if kind == "classifier":
        model = classifier
    else:  # a plain encoder with mean pooling and normalisation, chosen at export
        model = BertSentenceEncoder(classifier.encoder, seq_length=SEQ_LENGTH, tokenizer=classifier.tokenizer)
    info = export_saved_model(
        model, tmp_path / "bert_model", **({} if kind == "classifier" else {"pooling": "mean", "normalize": True})
    )
    assert info["sentence_pooling"] == ("cls" if kind == "classifier" else "mean")

    keras_side = run_in(tmp_path, SNIPPET, "keras.json")
    saved_model_side = run_in(tmp_path, SAVED_MODEL_PROBE, "saved_model.json")
    assert keras_side["class"] == ("BertClassifier" if kind == "classifier" else "BertSentenceEncoder")

    # The oracle: the in-memory encoder on the tokenizer's ids, pooled by hand in numpy.
    features = classifier.tokenizer.encode([TEXT], seq_length=SEQ_LENGTH)
    outputs = classifier.encoder(features, training=False)
    mask = np.asarray(features["input_mask"][0], bool)
    tokens = np.asarray(outputs["sequence_output"][0])[mask]
    if kind == "classifier":
        sentence = np.asarray(outputs["pooled_output"][0])
    else:
        sentence = tokens.mean(axis=0)
        sentence = sentence / np.linalg.norm(sentence)

    for side in (keras_side, saved_model_side):
        single = side["single"]
        assert np.asarray(single["sentence_embedding"]).shape == sentence.shape  # no batch axis
        np.testing.assert_allclose(single["sentence_embedding"], sentence, atol=1e-5)
        np.testing.assert_allclose(single["sequence_output"], tokens, atol=1e-5)
        np.testing.assert_allclose(side["batch_sentence"][0], sentence, atol=1e-5)
    np.testing.assert_allclose(keras_side["batch_sentence"], saved_model_side["batch_sentence"], atol=1e-5)


def test_export_command_keeps_a_sentence_encoders_pooling_unless_told(exported, tmp_path):
    from keras_bert.cli.main import main
    from keras_bert.interop.native import write_model_folder

    _, classifier, _ = exported
    folder = tmp_path / "sentence_encoder"
    write_model_folder(str(folder), BertSentenceEncoder(
        classifier.encoder, pooling="max", normalize=True, seq_length=SEQ_LENGTH,
        tokenizer=classifier.tokenizer,
    ))
    for flags, expected in (([], ("max", True)), (["--pooling", "mean", "--no-normalize"], ("mean", False))):
        out = tmp_path / f"export{len(flags)}"
        assert main(["export", "--model", str(folder), "--out", str(out), *flags]) == 0
        info = json.loads((out / "assets" / "keras_bert_export.json").read_text())
        assert (info["sentence_pooling"], info["normalize"]) == expected
