"""`BertQuestionAnswerer`: span logits, the loss, decoding over windows (answers cut from the
context), the no-answer rule, and learning a toy reading task from random weights."""

import keras
import numpy as np
import pytest

from keras_bert import BertConfig, BertEncoder, BertTokenizer
from keras_bert.data.squad import QaExample, encode_qa_examples, qa_dataset
from keras_bert.errors import KerasBertError
from keras_bert.tasks.answer_decoding import SpanPrediction, choose_no_answer_threshold
from keras_bert.tasks.answer_decoding import decode_spans
from keras_bert.tasks.question_answerer import BertQuestionAnswerer
from keras_bert.tasks.squad_metrics import score_answers
from tests.qa_toy_data import VOCABULARY as TOY_VOCABULARY
from tests.qa_toy_data import toy_questions

VOCABULARY = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", ".", ",", "?"] + (
    "who where is the capital of france paris john smith lives in city ##s river seine "
    "flows through 北 京 是 中 国 的 首 都 哪 里".split()
)


def answerer(tiny_config, seed=0, **kwargs):
    keras.utils.set_random_seed(seed)
    config = BertConfig(**{**tiny_config.__dict__, "vocab_size": len(VOCABULARY),
                           "max_position_embeddings": 64})
    kwargs = {"seq_length": 40, "max_query_length": 12, "doc_stride": 8, **kwargs}
    return BertQuestionAnswerer(BertEncoder(config), tokenizer=BertTokenizer(VOCABULARY), **kwargs)


def test_span_logits_and_the_loss(tiny_config):
    model = answerer(tiny_config)
    features = model.encode_examples(
        [QaExample("q", "Who lives in Paris?", "John Smith lives in Paris.", [("John Smith", 0)])]
    )
    logits = np.asarray(model(features.inputs))
    assert logits.shape == (1, 2, 40) and logits.dtype == np.float32
    model.compile()
    positions = features.positions
    loss = float(model.compute_loss(y=positions, y_pred=logits))
    log_softmax = logits - np.log(np.exp(logits).sum(axis=-1, keepdims=True))
    start, end = positions[0]
    assert loss == pytest.approx(-(log_softmax[0, 0, start] + log_softmax[0, 1, end]) / 2, rel=1e-5)


CONTEXTS = [
    "  John   SMITH lives in Paris,\tthe capital of France.",
    "北京是中国的首都。",
    " ".join(["The river Seine flows through the city."] * 700) + " John Smith lives in Paris.",
]


def test_answers_are_cut_from_the_context_of_any_length(tiny_config):
    model = answerer(tiny_config, seed=3)
    questions = ["Who lives in Paris?", "北京是哪里的首都？", "Who lives in Paris?"]
    answers = model.predict_answers(questions, CONTEXTS)
    for context, answer in zip(CONTEXTS, answers):
        assert set(answer) == {"answer", "start", "end", "score"}
        assert answer["answer"] and context[answer["start"]:answer["end"]] == answer["answer"]
        assert 0.0 < answer["score"] <= 1.0
    alone = model.predict_answers(questions[0], CONTEXTS[0])
    # The same answer; its score equal to float32 rounding (a batch of one multiplies in
    # other blocks than a batch of many on some CPUs).
    assert alone == answers[0] | {"score": pytest.approx(answers[0]["score"], rel=1e-5)}
    assert len(model.encode_examples(
        [QaExample("q", questions[2], CONTEXTS[2])]
    )) > 100  # the 5,000-word context is read in many windows


def test_prediction_needs_a_tokenizer_and_matching_lists(tiny_config):
    model = answerer(tiny_config)
    with pytest.raises(KerasBertError, match="2 questions but 1 contexts"):
        model.predict_answers(["a", "b"], ["c"])
    with pytest.raises(KerasBertError, match="one question and one context"):
        model.predict_answers("a", ["c"])
    bare = BertQuestionAnswerer(model.encoder, seq_length=40, max_query_length=12)
    with pytest.raises(KerasBertError, match="has no tokenizer"):
        bare.predict_answers("a", "c")
    with pytest.raises(KerasBertError, match="n_best must be a positive integer"):
        BertQuestionAnswerer(model.encoder, seq_length=40, max_query_length=12, n_best=0)
    with pytest.raises(KerasBertError, match="seq_length 40 leaves no room"):
        BertQuestionAnswerer(model.encoder, seq_length=40)  # max_query_length 64


# Decoding, with logits set by hand. --------------------------------------------------------


def hand_features(context, seq_length=40, doc_stride=8):
    tokenizer = BertTokenizer(VOCABULARY)
    example = QaExample("q", "Who lives in Paris?", context)
    return encode_qa_examples(
        [example], tokenizer, seq_length=seq_length, doc_stride=doc_stride, max_query_length=12
    )


def logits_for(features, starts=(), ends=(), null=(0.0, 0.0)):
    """Start / end logits: -5 everywhere, [CLS] at `null`, the given (window, position, value)."""
    start_logits = np.full((len(features), features.seq_length), -5.0)
    end_logits = np.full_like(start_logits, -5.0)
    start_logits[:, 0], end_logits[:, 0] = null
    for window, position, value in starts:
        start_logits[window, position] = value
    for window, position, value in ends:
        end_logits[window, position] = value
    return start_logits, end_logits


def test_the_answer_keeps_the_contexts_own_spacing_and_case():
    context = "  John   SMITH lives in Paris."
    features = hand_features(context)
    offset = features.context_offset[0]  # pieces: john smith lives in paris .
    start_logits, end_logits = logits_for(features, [(0, offset, 4.0)], [(0, offset + 1, 3.0)])
    (span,) = decode_spans(features, start_logits, end_logits)
    assert (span.text, span.start, span.end) == ("John   SMITH", 2, 14)
    assert span.span_score == 7.0


def test_spans_longer_than_max_answer_length_are_skipped():
    context = "John Smith lives in Paris."
    features = hand_features(context)
    offset = features.context_offset[0]
    start_logits, end_logits = logits_for(
        features, [(0, offset, 5.0), (0, offset + 3, 1.0)], [(0, offset + 4, 5.0)]
    )
    (longest,) = decode_spans(features, start_logits, end_logits, max_answer_length=5)
    assert longest.text == "John Smith lives in Paris"
    (shorter,) = decode_spans(features, start_logits, end_logits, max_answer_length=2)
    assert shorter.text == "in Paris" and shorter.span_score == 6.0


def test_a_start_counts_only_in_the_window_where_it_has_most_context():
    context = " ".join(["the river seine flows through the city ."] * 6)
    features = hand_features(context)
    assert len(features) >= 3
    piece = 20  # a piece held by two windows, owned by one of them
    holders = [w for w in range(len(features))
               if features.piece_start[w] <= piece < features.piece_start[w] + features.piece_count[w]]
    owner = [w for w in holders if features.owned[w, features.context_offset[w] + piece
                                                  - features.piece_start[w]]]
    other = [w for w in holders if w not in owner]
    assert len(owner) == 1 and other

    def position(window):
        return features.context_offset[window] + piece - features.piece_start[window]

    # huge where it is not owned, modest where it is: the owned one decides
    starts = [(other[0], position(other[0]), 50.0), (owner[0], position(owner[0]), 2.0)]
    ends = [(w, position(w), 1.0) for w in holders]
    (span,) = decode_spans(features, *logits_for(features, starts, ends))
    pieces = features.context_pieces[0]
    assert (span.start, span.end) == (pieces.starts[piece], pieces.ends[piece])
    assert span.span_score == 3.0


def test_the_score_is_the_n_best_softmax_with_the_null_score_when_allowed():
    features = hand_features("Paris")  # one piece: one possible span
    offset = features.context_offset[0]
    logits = logits_for(features, [(0, offset, 2.0)], [(0, offset, 1.0)], null=(0.5, 0.5))
    (span,) = decode_spans(features, *logits)
    assert span.probability == pytest.approx(1.0)
    (span,) = decode_spans(features, *logits, with_null=True)
    # softmax over {span 3.0, null 1.0}
    assert span.probability == pytest.approx(np.exp(3.0) / (np.exp(3.0) + np.exp(1.0)))
    assert span.null_probability == pytest.approx(np.exp(1.0) / (np.exp(3.0) + np.exp(1.0)))
    assert span.no_answer_margin == pytest.approx(-2.0)
    assert span.as_answer(True, no_answer_threshold=-2.5) == {
        "answer": "", "start": 0, "end": 0, "score": span.null_probability, "has_answer": False
    }
    assert span.as_answer(True, no_answer_threshold=-1.5)["answer"] == "Paris"
    assert "has_answer" not in span.as_answer(False, no_answer_threshold=-2.5)


def test_the_null_score_is_the_lowest_over_windows():
    features = hand_features(" ".join(["the river seine flows ."] * 8))
    start_logits, end_logits = logits_for(features)
    start_logits[:, 0] = np.arange(len(features)) + 1.0
    (span,) = decode_spans(features, start_logits, end_logits)
    assert span.null_score == 1.0  # window 0: 1 + 0


def test_no_answer_threshold_is_chosen_for_the_best_f1():
    def prediction(text, margin):
        return SpanPrediction(text, 0, len(text), 0.5, 1.0, 1.0 + margin, 0.5)

    predictions = {
        "a": prediction("Paris", -3.0),  # right, sure of a span
        "b": prediction("Rome", 2.0),  # unanswerable: wrong unless left empty
        "c": prediction("Oslo", 1.0),  # unanswerable
        "d": prediction("Lima", 0.5),  # right
    }
    golds = {"a": ["Paris"], "b": [], "c": [], "d": ["Lima"]}
    threshold, f1 = choose_no_answer_threshold(predictions, golds)
    # margins 2.0, 1.0 must be over the threshold and 0.5 under it: between 0.5 and 1.0
    assert 0.5 < threshold < 1.0 and f1 == pytest.approx(100.0)
    answers = {qid: p.as_answer(True, threshold)["answer"] for qid, p in predictions.items()}
    assert answers == {"a": "Paris", "b": "", "c": "", "d": "Lima"}
    # all answerable: no threshold should leave any question without its answer
    threshold, _ = choose_no_answer_threshold(predictions, {k: ["x"] for k in predictions})
    assert threshold >= 2.0


# Learning. ------------------------------------------------------------------------------------


def test_learns_a_toy_reading_task_from_random_weights():
    """200 steps from random weights: exact match far above reading off the first fact."""
    keras.utils.set_random_seed(0)
    config = BertConfig.from_preset("bert_tiny", vocab_size=len(TOY_VOCABULARY))
    model = BertQuestionAnswerer(
        BertEncoder(config), seq_length=48, max_query_length=16, doc_stride=16,
        tokenizer=BertTokenizer(TOY_VOCABULARY),
    )
    train, dev = toy_questions(640, seed=1), toy_questions(200, seed=2)
    examples = [QaExample(q["id"], q["question"], q["context"], [(q["answer"], q["answer_start"])])
                for q in train]
    model.compile(optimizer=keras.optimizers.Adam(1e-3))
    data = qa_dataset(model.encode_examples(examples), batch_size=16, shuffle=True, seed=0)
    model.fit(data, epochs=5, shuffle=False, verbose=0)  # 40 steps an epoch
    answers = model.predict_answers([q["question"] for q in dev], [q["context"] for q in dev])
    golds = {q["id"]: [q["answer"]] for q in dev}
    scores = score_answers({q["id"]: a["answer"] for q, a in zip(dev, answers)}, golds)
    baseline = score_answers({q["id"]: q["first_fact"] for q in dev}, golds)
    assert baseline["exact_match"] < 45
    assert scores["exact_match"] > 90, scores
    assert all(q["context"][a["start"]:a["end"]] == a["answer"] for q, a in zip(dev, answers))
