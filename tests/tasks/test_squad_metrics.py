"""Exact match and F1 against cases worked by hand from the official definitions:
SQuAD v1.1's `evaluate-v1.1.py` (with v2.0's rule for unanswerable questions) and CMRC 2018's
`cmrc2018_evaluate.py`. Every expected value below is computed in the comment beside it, from
those scripts' rules, not from our output."""

import pytest

from keras_bert.tasks.squad_metrics import (
    cmrc_exact_match,
    cmrc_f1,
    cmrc_segments,
    longest_common_substring,
    looks_chinese,
    normalize_squad_answer,
    score_answers,
    squad_exact_match,
    squad_f1,
)


@pytest.mark.parametrize("text, normalized", [
    ("The  Denver Broncos!", "denver broncos"),  # lowercase, punctuation, "the", spaces
    ("an apple, another apple", "apple another apple"),  # articles only as whole words
    ("U.S. Army's", "us armys"),  # ASCII punctuation removed inside words too
    ("A", ""),
])
def test_squad_normalisation(text, normalized):
    assert normalize_squad_answer(text) == normalized


@pytest.mark.parametrize("prediction, golds, exact, f1", [
    ("the Denver Broncos", ["Denver Broncos"], 1.0, 1.0),
    # tokens {denver, broncos, won} vs {denver, broncos}: P 2/3, R 1 → F1 0.8
    ("Denver Broncos won", ["Denver Broncos"], 0.0, 0.8),
    # multiset overlap: x y y vs x y z → x, y shared (2): P 2/3, R 2/3 → 2/3
    ("x y y", ["x y z"], 0.0, 2 / 3),
    # the best gold answer counts: exact on the second, F1 1 there too
    ("Broncos", ["Denver Broncos", "Broncos"], 1.0, 1.0),
    # no shared token
    ("Carolina Panthers", ["Denver Broncos"], 0.0, 0.0),
    ("", ["Denver Broncos"], 0.0, 0.0),
    # unanswerable (no gold answers): right exactly when the prediction is empty (v2.0)
    ("", [], 1.0, 1.0),
    ("the", [], 1.0, 1.0),  # normalises to nothing
    ("Denver", [], 0.0, 0.0),
])
def test_squad_exact_match_and_f1(prediction, golds, exact, f1):
    assert squad_exact_match(prediction, golds) == exact
    assert squad_f1(prediction, golds) == pytest.approx(f1)


@pytest.mark.parametrize("text, segments", [
    ("北京是中国的首都。", list("北京是中国的首都")),  # "。" is in the punctuation list
    ("1990年在Beijing", ["1990", "年", "在", "beijing"]),  # lowercased, English kept whole
    ("3.14和hello world", ["3.14", "和", "hello", "world"]),
    ("「四聪」", ["四", "聪"]),
    ("四聪.", ["四", "聪", "."]),  # ASCII "." is not in the list: it stays a segment
    ("  好……", ["好", "…", "…"]),  # the list's "……" never matches one character
])
def test_cmrc_segments(text, segments):
    assert cmrc_segments(text) == segments


def test_longest_common_substring_is_contiguous():
    assert longest_common_substring(list("甲乙丙丁"), list("甲丙丁")) == 2
    assert longest_common_substring(list("abc"), list("xyz")) == 0
    assert longest_common_substring([], list("abc")) == 0


@pytest.mark.parametrize("prediction, golds, exact, f1", [
    ("南阳新野", ["南阳新野", "南阳"], 1.0, 1.0),
    # 5 predicted characters, 4 gold, common run 4: P 4/5, R 1 → F1 8/9
    ("南阳新野人", ["南阳新野"], 0.0, 8 / 9),
    # common RUN "丙丁" (2), not the 3 shared characters: P 2/3, R 2/4 → F1 4/7
    ("甲丙丁", ["甲乙丙丁"], 0.0, 4 / 7),
    # exact match drops the list's punctuation only: 「」 go, ASCII "." stays
    ("四聪", ["「四聪」"], 1.0, 1.0),
    # segments 四 聪 vs 四 聪 . : common 2: P 1, R 2/3 → F1 0.8
    ("四聪", ["四聪."], 0.0, 0.8),
    # case folded; spaces kept for exact match
    ("new york", ["New York"], 1.0, 1.0),
    ("newyork", ["New York"], 0.0, 0.0),
    # the best gold answer counts
    ("1990年", ["1991年", "1990年"], 1.0, 1.0),
    ("", ["北京"], 0.0, 0.0),
])
def test_cmrc_exact_match_and_f1(prediction, golds, exact, f1):
    assert cmrc_exact_match(prediction, golds) == exact
    assert cmrc_f1(prediction, golds) == pytest.approx(f1)


def test_scores_over_a_file_count_missing_predictions_as_zero():
    golds = {"a": ["Denver Broncos"], "b": ["Paris"], "c": ["x y z"], "d": ["Rome"]}
    predictions = {"a": "the Denver Broncos", "b": "Paris France", "c": "x y y"}
    scores = score_answers(predictions, golds)
    # EM: a only → 1/4. F1: a 1, b (P 1/2, R 1) 2/3, c 2/3, d 0 → (1 + 4/3) / 4
    assert scores["exact_match"] == pytest.approx(25.0)
    assert scores["f1"] == pytest.approx(100 * (1 + 4 / 3) / 4)
    assert scores["questions"] == 4 and scores["unanswered"] == 1
    assert "has_answer" not in scores


def test_scores_split_answerable_and_unanswerable_questions():
    golds = {"a": ["Paris"], "b": [], "c": []}
    scores = score_answers({"a": "Paris", "b": "", "c": "Rome"}, golds)
    assert scores["exact_match"] == pytest.approx(200 / 3)
    assert scores["has_answer"] == {"exact_match": 100.0, "f1": 100.0, "questions": 1}
    assert scores["no_answer"] == {"exact_match": 50.0, "f1": 50.0, "questions": 2}


def test_cmrc_metric_over_a_file():
    scores = score_answers({"q": "南阳新野人"}, {"q": ["南阳新野"]}, metric="cmrc")
    assert scores["exact_match"] == 0.0
    assert scores["f1"] == pytest.approx(100 * 8 / 9)


def test_chinese_is_detected_by_its_characters():
    assert looks_chinese(["邓飏（），字玄茂，南阳新野人。"])
    assert not looks_chinese(["The Denver Broncos won Super Bowl 50."])
    assert not looks_chinese([""])
