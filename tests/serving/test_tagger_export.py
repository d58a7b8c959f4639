"""An exported tagger: `tag` over raw English and Chinese strings in a fresh interpreter
(TensorFlow and tf-text only), entities cut from the text by character offsets, the same as
the in-memory tagger's Python path (`predict_entities`) and as Keras's `load_model(...).tag`."""

import json
import subprocess
import sys

import keras
import numpy as np
import pytest

from keras_bert import BertConfig, BertEncoder, BertTokenizer
from keras_bert.cli.main import main
from keras_bert.data.tag_schemes import bio_tag_names
from keras_bert.interop.native import write_model_folder
from keras_bert.tasks.token_tagger import BertTokenTagger
from tests.serving.exported_model import VOCABULARY, subprocess_environment

TAGS = bio_tag_names(["LOC", "ORG", "PER"])
TEXTS = [
    "The movie was good.",
    "这是一个示例文本。",
    "  Unbelievable\tplot,  电影 很好 😀 actors!",
    "",
    # Far longer than one window (seq_length 16): windows inside the graph.
    "the movie was not very good and 这部电影很好 " * 12,
]

PROBE = r"""
import json, sys
import tensorflow as tf
import tensorflow_text  # noqa: F401
bert = tf.saved_model.load(sys.argv[1])
texts = json.loads(open(sys.argv[2], encoding="utf-8").read())
batch = tf.constant(texts, tf.string, shape=[len(texts)])
def decoded(value):
    if isinstance(value, list):
        return [decoded(item) for item in value]
    return value.decode("utf-8") if isinstance(value, bytes) else value
def plain(outputs):
    return {k: decoded(v.numpy().tolist()) for k, v in outputs.items()}
result = {
    "signature": plain(bert.signatures["tag"](text=batch)),
    "default": plain(bert.signatures["serving_default"](text=batch)),
    "method": plain(bert.tag(batch)),
    "one": plain(bert.tag(tf.constant(texts[1]))),
    "keras_bert_imported": any(m.startswith("keras_bert") for m in sys.modules),
}
open(sys.argv[3], "w", encoding="utf-8").write(json.dumps(result, ensure_ascii=False))
"""


def randomized_tagger(crf):
    """A tiny tagger whose head (and CRF) weights are random: entities of every length."""
    keras.utils.set_random_seed(3)
    config = BertConfig(
        vocab_size=len(VOCABULARY), hidden_size=16, num_hidden_layers=1, num_attention_heads=2,
        intermediate_size=32, max_position_embeddings=64,
    )
    tagger = BertTokenTagger(
        BertEncoder(config), tags=TAGS, seq_length=16, crf=crf,
        tokenizer=BertTokenizer(VOCABULARY, lowercase=True),
    )
    rng = np.random.default_rng(5)
    layers = [tagger.tagger_dense] + ([tagger.crf_layer] if crf else [])
    for layer in layers:
        for weight in layer.weights:
            weight.assign(rng.normal(scale=2.0, size=weight.shape).astype("float32"))
    return tagger


def as_entities(outputs):
    return [
        [
            {
                "type": outputs["entity_types"][row][i],
                "start": int(outputs["entity_starts"][row][i]),
                "end": int(outputs["entity_ends"][row][i]),
                "text": outputs["entity_texts"][row][i],
            }
            for i in range(count)
        ]
        for row, count in enumerate(outputs["num_entities"])
    ]


# The CRF export runs in the slow step: the softmax one covers the graph on every run.
@pytest.fixture(scope="module", params=[False, pytest.param(True, marks=pytest.mark.slow)],
                ids=["softmax", "crf"])
def exported(request, tmp_path_factory):
    tagger = randomized_tagger(request.param)
    root = tmp_path_factory.mktemp("tagger")
    write_model_folder(root / "model", tagger, {"run": "test"})
    assert main(["export", "--model", str(root / "model"), "--out", str(root / "export")]) == 0
    texts_file = root / "texts.json"
    texts_file.write_text(json.dumps(TEXTS, ensure_ascii=False), encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-c", PROBE, str(root / "export"), str(texts_file), str(root / "out.json")],
        capture_output=True, text=True, env=subprocess_environment(), cwd=root, timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return tagger, root / "export", json.loads((root / "out.json").read_text(encoding="utf-8"))


def test_fresh_process_tag_cuts_entities_from_the_text(exported):
    tagger, _, probe = exported
    assert not probe["keras_bert_imported"]
    found = as_entities(probe["signature"])
    assert sum(map(len, found)) > 20 and any(
        any("\u4e00" <= ch <= "\u9fff" for ch in e["text"]) for e in sum(found, [])
    )
    for text, entities in zip(TEXTS, found):
        for entity in entities:
            assert text[entity["start"]:entity["end"]] == entity["text"]
            assert entity["type"] in ("LOC", "ORG", "PER")
    # The graph finds what the Python path (tokenize with offsets, windows in numpy) finds.
    assert found == tagger.predict_entities(TEXTS)
    assert probe["default"] == probe["signature"] == probe["method"]
    one = probe["one"]
    assert one["num_entities"] == probe["signature"]["num_entities"][1]
    assert as_entities({k: [v] for k, v in one.items()}) == [found[1]]
    scores = np.asarray(probe["signature"]["entity_scores"])
    assert ((scores > 0) & (scores <= 1)).sum() == sum(map(len, found))


def test_keras_load_model_tag_matches_the_saved_model(exported):
    _, export, probe = exported
    loaded = keras.models.load_model(export)
    assert isinstance(loaded, BertTokenTagger)
    outputs = loaded.tag(TEXTS)
    assert as_entities(outputs) == as_entities(probe["signature"])
    info = json.loads((export / "assets" / "keras_bert_export.json").read_text())
    assert info["task"] == "tagger" and "tag" in info["signatures"]
    assert info["labels"] == TAGS
    from keras_bert.workflows.tagging_evaluation import is_tagger_folder

    assert is_tagger_folder(export)  # evaluate / predict read the export as a tagger
