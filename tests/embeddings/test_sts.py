"""STS: the file reader, Spearman and Pearson (by hand and against scipy), and scoring."""

import numpy as np
import pytest

from keras_bert.embeddings.sts import (
    StsPairs,
    pair_similarities,
    pearson,
    ranks,
    read_sts,
    score_sts,
    spearman,
)
from keras_bert.errors import KerasBertError
from tests.embeddings import tiny_sentence_encoder

ROWS = [
    "main-captions\tMSRvid\t2012test\t0000\t5.000\tA cat sat on the mat.\tThe cat sat on a mat.",
    'main-news\theadlines\t2013\t0001\t0.500\tA "quoted\tA dog ran.\tsource-a\tsource-b',
    "main-forums\tanswers\t2015\t0002\t2.25\tthe bird flew\tthe fish swam",
]


def write(path, lines):
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_ranks_share_the_mean_rank_of_ties():
    np.testing.assert_array_equal(ranks([10, 30, 20, 30, 5]), [2, 4.5, 3, 4.5, 1])


def test_spearman_by_hand():
    # Ranks of y: 1, 2, 3.5, 5, 3.5; deviations from the mean rank 3: x -2 -1 0 1 2,
    # y -2 -1 .5 2 .5, so rho = 8 / sqrt(10 * 9.5).
    assert spearman([1, 2, 3, 4, 5], [5, 6, 7, 8, 7]) == pytest.approx(8 / np.sqrt(95))
    assert spearman([1, 2, 3], [30, 20, 10]) == pytest.approx(-1.0)
    assert pearson([1, 2, 3], [2, 4, 6]) == pytest.approx(1.0)
    assert np.isnan(pearson([1, 1, 1], [1, 2, 3]))
    with pytest.raises(KerasBertError, match="equal length"):
        spearman([1, 2, 3], [1, 2])


def test_correlations_match_scipy():
    stats = pytest.importorskip("scipy.stats")
    rng = np.random.default_rng(0)
    x = rng.normal(size=300)
    y = np.round(x + rng.normal(size=300), 1)  # rounded: many ties
    assert spearman(x, y) == pytest.approx(stats.spearmanr(x, y).statistic, abs=1e-12)
    assert pearson(x, y) == pytest.approx(stats.pearsonr(x, y).statistic, abs=1e-12)


def test_reader_takes_the_first_seven_fields_without_quoting(tmp_path):
    pairs = read_sts(write(tmp_path / "sts.csv", ROWS[:1] + [""] + ROWS[1:]))
    assert pairs.first == ["A cat sat on the mat.", 'A "quoted', "the bird flew"]
    assert pairs.second == ["The cat sat on a mat.", "A dog ran.", "the fish swam"]
    np.testing.assert_array_equal(pairs.scores, [5.0, 0.5, 2.25])
    assert pairs.lines == [1, 3, 4]  # the blank line 2 is skipped
    assert len(pairs) == 3


@pytest.mark.parametrize(
    "bad_row, message",
    [
        ("genre\tfile\t2012\t0003\t4.0\tonly one sentence", r":2: 6 tab-separated field\(s\)"),
        ("genre\tfile\t2012\t0003\tfive\ta\tb", r":2: the score \(field 5\) is 'five'"),
        ("genre\tfile\t2012\t0003\tnan\ta\tb", r":2: the score \(field 5\) is 'nan'"),
        ("genre\tfile\t2012\t0003\t4.0\ta\t ", r":2: sentence2 \(field 7\) is empty"),
    ],
)
def test_a_bad_row_is_named_by_file_and_line(tmp_path, bad_row, message):
    path = write(tmp_path / "bad.csv", [ROWS[0], bad_row])
    with pytest.raises(KerasBertError, match=f"bad.csv{message}"):
        read_sts(path)


def test_an_empty_or_missing_file_is_an_error(tmp_path):
    with pytest.raises(KerasBertError, match="holds no sentence pairs"):
        read_sts(write(tmp_path / "empty.csv", [""]))
    with pytest.raises(FileNotFoundError):
        read_sts(tmp_path / "missing.csv")


def test_scores_are_correlations_of_cosine_similarity():
    model = tiny_sentence_encoder()
    pairs = StsPairs(
        first=["the cat sat", "a dog ran", "the bird flew", "the cat sat"],
        second=["the cat sat", "the sea", "a big tree", "a cat sat"],
        scores=np.array([5.0, 0.0, 1.0, 4.0]),
        lines=[1, 2, 3, 4],
    )
    vectors = model.encode(pairs.first + pairs.second)["sentence_embedding"]
    a, b = vectors[:4], vectors[4:]
    expected = np.sum(a * b, 1) / (np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1))
    similarities = pair_similarities(model, pairs)
    np.testing.assert_allclose(similarities, expected, atol=1e-5)
    assert similarities[0] == pytest.approx(1.0, abs=1e-5)
    scores = score_sts(model, pairs)
    assert scores["pairs"] == 4
    assert scores["spearman"] == pytest.approx(100 * spearman(expected, pairs.scores), abs=1e-3)
    assert scores["pearson"] == pytest.approx(100 * pearson(expected, pairs.scores), abs=1e-3)
    constant = StsPairs(pairs.first, pairs.second, np.full(4, 3.0), pairs.lines)
    with pytest.raises(KerasBertError, match="correlation with them is undefined"):
        score_sts(model, constant)


def test_the_real_dev_file_reads_whole(shared_path):
    pairs = read_sts(shared_path("data", "stsb", "sts-dev.csv"))
    assert len(pairs) == 1500
    assert pairs.scores.min() >= 0.0 and pairs.scores.max() <= 5.0
    assert pairs.first[0] == "A man with a hard hat is dancing."
