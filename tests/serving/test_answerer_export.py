"""An exported question answerer: `answer(question, context)` over raw strings in a fresh
interpreter (TensorFlow and tf-text only), the answer cut from the context by character
offsets, on English, Chinese and a 5,000-word context whose answer lies near its end.

The model's weights are set so that it answers with one marker token wherever it stands (the
transformer blocks pass their input through; the marker's embedding points along the span
head's weights), which makes "the answer near the end of a long context" a fact known before
the test runs instead of a property of training.
"""

import json
import subprocess
import sys

import keras
import numpy as np
import pytest

from keras_bert import BertConfig, BertEncoder, BertTokenizer
from keras_bert.cli.main import main
from keras_bert.interop.native import write_model_folder
from keras_bert.tasks.question_answerer import BertQuestionAnswerer
from tests.serving.exported_model import subprocess_environment

WORDS = "the a of in river city capital france paris john smith lives born year flows".split()
MARKERS = ["seine", "首"]
VOCAB = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"] + list(".,?") + WORDS + MARKERS + list(
    "北京是中国的都。哪里"
)
LONG = " ".join(np.random.default_rng(0).choice(WORDS, 5_000))
CASES = [
    ("Which river flows through Paris?", "Paris is the capital of France. The Seine flows "
     "through the city.", "Seine"),
    ("北京是哪里的首都？", "北京是中国的首都。", "首"),
    ("Which river?", LONG[:-300] + " Seine " + LONG[-300:], "Seine"),
]
PROBE = r"""
import json, sys
import tensorflow as tf
import tensorflow_text  # noqa: F401
bert = tf.saved_model.load(sys.argv[1])
cases = json.loads(open(sys.argv[2], encoding="utf-8").read())
questions = tf.constant([q for q, _ in cases]); contexts = tf.constant([c for _, c in cases])
def plain(outputs):
    return {k: [x.decode("utf-8") if isinstance(x, bytes) else x for x in v.numpy().tolist()]
            for k, v in outputs.items()}
result = {
    "signature": plain(bert.signatures["answer"](question=questions, context=contexts)),
    "default": plain(bert.signatures["serving_default"](question=questions, context=contexts)),
    "method": plain(bert.answer(questions, contexts)),
    "keras_bert_imported": any(m.startswith("keras_bert") for m in sys.modules),
}
open(sys.argv[3], "w", encoding="utf-8").write(json.dumps(result, ensure_ascii=False))
"""


def marker_answerer():
    """A tiny answerer that answers with a marker token: transformer blocks add nothing to
    their input (zero output projections), and only the markers' embeddings have weight on
    the four dimensions the span head reads."""
    keras.utils.set_random_seed(0)
    config = BertConfig(
        vocab_size=len(VOCAB), hidden_size=16, num_hidden_layers=2, num_attention_heads=2,
        intermediate_size=32, max_position_embeddings=64,
    )
    model = BertQuestionAnswerer(
        BertEncoder(config), seq_length=64, doc_stride=24, max_query_length=16,
        tokenizer=BertTokenizer(VOCAB, lowercase=True),
    )
    rng = np.random.default_rng(1)
    for weight in model.encoder.weights:
        path = weight.path
        if "attention_output" in path or "output_dense" in path or "position" in path or (
            "token_type" in path
        ):
            weight.assign(np.zeros(weight.shape, "float32"))
        elif path.endswith("word_embeddings/embeddings"):
            table = rng.normal(size=weight.shape).astype("float32")
            table[:, :4] = 0.0
            for marker in MARKERS:
                table[VOCAB.index(marker)] = 0.0
                table[VOCAB.index(marker), :4] = 5.0
            weight.assign(table)
    kernel, bias = model.span_dense.weights
    values = np.zeros(kernel.shape, "float32")
    values[:4, :] = 5.0
    kernel.assign(values)
    bias.assign(np.zeros(bias.shape, "float32"))
    return model


@pytest.fixture(scope="module")
def probe(tmp_path_factory):
    model = marker_answerer()
    root = tmp_path_factory.mktemp("answerer")
    write_model_folder(root / "model", model, {"run": "test"})
    assert main(["export", "--model", str(root / "model"), "--out", str(root / "export")]) == 0
    cases_file = root / "cases.json"
    cases_file.write_text(json.dumps([c[:2] for c in CASES], ensure_ascii=False), "utf-8")
    result = subprocess.run(
        [sys.executable, "-c", PROBE, str(root / "export"), str(cases_file), str(root / "o.json")],
        capture_output=True, text=True, env=subprocess_environment(), cwd=root, timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return model, root / "export", json.loads((root / "o.json").read_text("utf-8"))


def test_fresh_process_answers_are_cut_from_the_context(probe):
    model, _, outputs = probe
    assert not outputs["keras_bert_imported"]
    found = outputs["signature"]
    for row, (_, context, expected) in enumerate(CASES):
        start, end = found["answer_start"][row], found["answer_end"][row]
        assert context[start:end] == found["answer_text"][row] == expected
        assert 0 < found["score"][row] <= 1
    long_context = CASES[2][1]
    assert found["answer_start"][2] > len(long_context) - 310  # near the end of 5,000 words
    assert outputs["default"] == found == outputs["method"]
    # The Python path (numpy windows and decoding) agrees.
    python = model.predict_answers([q for q, _, _ in CASES], [c for _, c, _ in CASES])
    assert [(a["answer"], a["start"], a["end"]) for a in python] == list(
        zip(found["answer_text"], found["answer_start"], found["answer_end"])
    )


def test_keras_load_model_answers_as_the_saved_model(probe):
    _, export, outputs = probe
    loaded = keras.models.load_model(export)
    assert isinstance(loaded, BertQuestionAnswerer)
    info = json.loads((export / "assets" / "keras_bert_export.json").read_text())
    assert info["task"] == "question_answerer" and "answer" in info["signatures"]
    assert info["question_answering"]["doc_stride"] == 24
    answers = loaded.answer([q for q, _, _ in CASES], [c for _, c, _ in CASES])
    for name in ("answer_text", "answer_start", "answer_end"):
        assert answers[name].tolist() == outputs["signature"][name]
    np.testing.assert_allclose(answers["score"], outputs["signature"]["score"], rtol=1e-5)
    one = loaded.answer(CASES[1][0], CASES[1][1])
    assert one["answer_text"] == "首" and one["answer_start"] == 6
