"""The in-graph answer decoder (`tasks.answer_graph`): the same answers as the Python path
(`BertQuestionAnswerer.predict_answers`), cut from the context by character offsets, for
short, long (many windows), Chinese and empty contexts, with and without "no answer"."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_bert import BertConfig, BertEncoder, BertTokenizer
from keras_bert.tasks.answer_graph import answer_texts
from keras_bert.tasks.question_answerer import BertQuestionAnswerer

VOCAB = (
    ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"] + list(".,?!'")
    + "who what where when is was the a of in city capital france paris john smith lives born"
      " ##s ##ed ##ing river seine flows through 1900 year".split()
    + list("谁在哪里北京是中国的首都。")
)
QUESTIONS = [
    "What is the capital of France?",
    "Who lives in Paris?",
    "北京是哪里的首都？",
    "Where?",
    "What flows through the city?",
]
CONTEXTS = [
    "Paris is the capital of France. The Seine flows through the city.",
    "  John  Smith lives in Paris,\tborn in 1900 . " * 15,  # many windows
    "北京是中国的首都。北京在中国。",
    "",
    "The river Seine flows through Paris, the capital city of France, " * 6 + "the end.",
]


def model(seed, **kwargs):
    keras.utils.set_random_seed(seed)
    config = BertConfig(
        vocab_size=len(VOCAB), hidden_size=16, num_hidden_layers=1, num_attention_heads=2,
        intermediate_size=32, max_position_embeddings=64,
    )
    qa = BertQuestionAnswerer(
        BertEncoder(config), seq_length=40, doc_stride=9, max_query_length=8,
        max_answer_length=6, n_best=5, tokenizer=BertTokenizer(VOCAB), **kwargs,
    )
    rng = np.random.default_rng(seed)
    for weight in qa.span_dense.weights:
        weight.assign(rng.normal(scale=2.0, size=weight.shape).astype("float32"))
    return qa


def graph_answers(qa):
    function = tf.function(lambda q, c: answer_texts(qa, qa.tokenizer, q, c))
    outputs = function(tf.constant(QUESTIONS), tf.constant(CONTEXTS))
    return {name: value.numpy() for name, value in outputs.items()}


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_graph_answers_match_the_python_path(seed):
    qa = model(seed)
    outputs = graph_answers(qa)
    expected = qa.predict_answers(QUESTIONS, CONTEXTS)
    for row, (context, answer) in enumerate(zip(CONTEXTS, expected)):
        text = outputs["answer_text"][row].decode("utf-8")
        start, end = int(outputs["answer_start"][row]), int(outputs["answer_end"][row])
        assert (text, start, end) == (answer["answer"], answer["start"], answer["end"]), row
        assert context[start:end] == text
        assert outputs["score"][row] == pytest.approx(answer["score"], rel=1e-4, abs=1e-6)
    assert outputs["answer_text"][3] == b""  # an empty context has no span
    assert all(outputs["answer_text"][row] for row in (0, 1, 2, 4))


@pytest.mark.parametrize("threshold", [-1e9, 0.0, 1e9])
def test_no_answer_models_answer_nothing_past_the_threshold(threshold):
    qa = model(5, allow_no_answer=True, no_answer_threshold=threshold)
    outputs = graph_answers(qa)
    expected = qa.predict_answers(QUESTIONS, CONTEXTS)
    assert outputs["has_answer"].tolist() == [answer["has_answer"] for answer in expected]
    for row, answer in enumerate(expected):
        assert outputs["answer_text"][row].decode("utf-8") == answer["answer"]
        assert outputs["score"][row] == pytest.approx(answer["score"], rel=1e-4, abs=1e-6)
    if threshold == 1e9:  # never past the threshold: every question with a span answered
        assert outputs["has_answer"].tolist() == [True, True, True, False, True]
    if threshold == -1e9:
        assert not outputs["has_answer"].any()
