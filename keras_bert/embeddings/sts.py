"""Semantic textual similarity: how well cosine similarity ranks sentence pairs as people do.

The STS Benchmark files (sts-train.csv, sts-dev.csv, sts-test.csv) are tab-separated despite
the name, with no header and no quoting (a `"` is an ordinary character):

    genre  file  year  id  score  sentence1  sentence2  [source1  source2]

`score` is the mean human rating from 0 (unrelated) to 5 (same meaning); some rows carry two
trailing fields naming their sources, which are ignored. The STS literature reports Spearman's
rank correlation ×100 between the cosine similarity of the two sentence vectors and `score`
(Reimers & Gurevych 2019, Sentence-BERT); Pearson's is given beside it.
"""

import dataclasses
import math

import numpy as np

from keras_bert.embeddings.sentence_model import DEFAULT_BATCH_SIZE, embed_texts, l2_normalize
from keras_bert.errors import KerasBertError
from keras_bert.text_files import read_text

STS_FIELDS = ("genre", "file", "year", "id", "score", "sentence1", "sentence2")
SCORE, FIRST, SECOND = 4, 5, 6


@dataclasses.dataclass
class StsPairs:
    """Sentence pairs with gold similarity scores, and the file line of each pair."""

    first: list
    second: list
    scores: np.ndarray
    lines: list
    path: str = None

    def __len__(self):
        return len(self.scores)


def read_sts(path):
    """The pairs of an STS Benchmark file (module docstring); a bad row is an error naming
    the file and line. Blank lines are skipped."""
    path = str(path)
    first, second, scores, lines = [], [], [], []
    for number, line in enumerate(read_text(path, "STS file").split("\n"), 1):
        line = line.rstrip("\r")
        if not line.strip():
            continue
        fields = line.split("\t")
        if len(fields) < len(STS_FIELDS):
            raise KerasBertError(
                f"{path}:{number}: {len(fields)} tab-separated field(s); an STS row has "
                f"{len(STS_FIELDS)} ({', '.join(STS_FIELDS)})."
            )
        try:
            score = float(fields[SCORE])
        except ValueError:
            score = math.nan
        if not math.isfinite(score):
            raise KerasBertError(
                f"{path}:{number}: the score (field 5) is {fields[SCORE]!r}, not a number."
            )
        for index, name in ((FIRST, "sentence1"), (SECOND, "sentence2")):
            if not fields[index].strip():
                raise KerasBertError(f"{path}:{number}: {name} (field {index + 1}) is empty.")
        first.append(fields[FIRST].strip())
        second.append(fields[SECOND].strip())
        scores.append(score)
        lines.append(number)
    if not scores:
        raise KerasBertError(f"STS file {path} holds no sentence pairs.")
    return StsPairs(first, second, np.asarray(scores, np.float64), lines, path)


def pearson(x, y):
    """Pearson's correlation of two equal-length sequences (nan when either is constant)."""
    x = np.asarray(x, np.float64)
    y = np.asarray(y, np.float64)
    if x.shape != y.shape or x.ndim != 1 or len(x) < 2:
        raise KerasBertError(
            f"Correlation needs two sequences of equal length >= 2, got shapes "
            f"{list(x.shape)} and {list(y.shape)}."
        )
    x = x - x.mean()
    y = y - y.mean()
    denominator = math.sqrt(float(x @ x) * float(y @ y))
    return float(x @ y) / denominator if denominator > 0 else math.nan


def ranks(values):
    """1-based ranks of `values`; tied values share the mean of their ranks."""
    values = np.asarray(values, np.float64)
    order = np.argsort(values, kind="stable")
    sorted_values = values[order]
    result = np.empty(len(values), np.float64)
    start = 0
    while start < len(values):
        end = start
        while end + 1 < len(values) and sorted_values[end + 1] == sorted_values[start]:
            end += 1
        result[order[start : end + 1]] = (start + end) / 2 + 1
        start = end + 1
    return result


def spearman(x, y):
    """Spearman's rank correlation: Pearson's over the ranks (ties take their mean rank)."""
    return pearson(ranks(x), ranks(y))


def pair_similarities(model, pairs, batch_size=DEFAULT_BATCH_SIZE, verbose=0):
    """Cosine similarity of each pair's two sentence vectors ([n] float32).

    Each distinct sentence is embedded once.
    """
    unique = list(dict.fromkeys(pairs.first + pairs.second))
    position = {text: row for row, text in enumerate(unique)}
    vectors = l2_normalize(embed_texts(model, unique, batch_size=batch_size, verbose=verbose))
    a = vectors[[position[text] for text in pairs.first]]
    b = vectors[[position[text] for text in pairs.second]]
    return np.sum(a * b, axis=-1)


def score_sts(model, pairs, batch_size=DEFAULT_BATCH_SIZE, verbose=0):
    """{"spearman", "pearson" (both ×100), "pairs"} of `model` on `pairs` (`read_sts`).

    Args:
        model: a task model with `encode` (see `keras_bert.embeddings.sentence_model`).
    """
    if len(pairs) < 2:
        raise KerasBertError(f"STS scoring needs at least 2 pairs, got {len(pairs)}.")
    if np.all(pairs.scores == pairs.scores[0]):
        raise KerasBertError(
            f"Every gold score{' in ' + pairs.path if pairs.path else ''} is "
            f"{pairs.scores[0]}: a correlation with them is undefined."
        )
    similarities = pair_similarities(model, pairs, batch_size=batch_size, verbose=verbose)
    return {
        "spearman": 100 * spearman(similarities, pairs.scores),
        "pearson": 100 * pearson(similarities, pairs.scores),
        "pairs": len(pairs),
    }
