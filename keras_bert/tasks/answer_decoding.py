"""Start and end logits over the windows of a question → its answer, cut from the context.

BERT's SQuAD decoding (`run_squad.py`'s `write_predictions`), over every window of a question:
a span runs from a start position to an end position at or after it, at most
`max_answer_length` pieces long, both inside the context, starting where its first piece has
its most context (`QaFeatures.owned`); its score is start logit + end logit. The `n_best`
highest starts and ends of each window are paired, the best `n_best` spans over all windows
kept (one per character span), and the answer is the best one's characters of the ORIGINAL
context (the first piece's start to the last piece's end, from the tokenizer's offsets), so
spacing, case and accents are the context's own and `context[start:end] == answer`.

Its `score` is BERT's n-best "probability": the softmax of the kept spans' scores (and, for a
model that may answer nothing, of the null score too).

No answer (SQuAD v2.0): the null score is start + end logit at [CLS], the lowest over the
windows; the question gets no answer when null score − best span score > `no_answer_threshold`
(chosen on dev by `choose_no_answer_threshold`, as the official v2.0 evaluation does).
"""

import dataclasses

import numpy as np

DEFAULT_N_BEST = 20
DEFAULT_MAX_ANSWER_LENGTH = 30


@dataclasses.dataclass
class SpanPrediction:
    """The best span of one question, with the scores that decide between it and no answer.

    `text`, `start`, `end`: the span (characters of the context; "" and 0, 0 when no span
    fits). `probability`: its share of the n-best softmax. `span_score` and `null_score`:
    start + end logits of the span and of [CLS] (−inf when the question had no span).
    """

    text: str
    start: int
    end: int
    probability: float
    span_score: float
    null_score: float
    null_probability: float

    @property
    def no_answer_margin(self):
        """null score − best span score: the larger, the surer that there is no answer."""
        return self.null_score - self.span_score

    def has_answer(self, allow_no_answer=False, no_answer_threshold=0.0):
        if not np.isfinite(self.span_score):
            return False
        return not (allow_no_answer and self.no_answer_margin > no_answer_threshold)

    def as_answer(self, allow_no_answer=False, no_answer_threshold=0.0):
        """{"answer", "start", "end", "score"} (+ "has_answer" when no answer is allowed)."""
        if self.has_answer(allow_no_answer, no_answer_threshold):
            result = {"answer": self.text, "start": self.start, "end": self.end,
                      "score": self.probability}
        else:
            result = {"answer": "", "start": 0, "end": 0,
                      "score": self.null_probability if allow_no_answer else 0.0}
        if allow_no_answer:
            result["has_answer"] = bool(result["answer"])
        return result


def decode_spans(features, start_logits, end_logits, *, n_best=DEFAULT_N_BEST,
                 max_answer_length=DEFAULT_MAX_ANSWER_LENGTH, with_null=False):
    """`QaFeatures` and the model's logits ([windows, ≥ positions used]) → a `SpanPrediction`
    per question of `features.examples`, in order.

    `with_null`: the n-best softmax includes the null score (models that may answer nothing).
    """
    start_logits = np.asarray(start_logits, np.float64)
    end_logits = np.asarray(end_logits, np.float64)
    windows_of = [[] for _ in features.examples]
    for window, example in enumerate(features.example):
        windows_of[example].append(window)
    return [
        _best_span(features, rows, start_logits, end_logits, n_best, max_answer_length,
                   with_null)
        for rows in windows_of
    ]


def _best_span(features, rows, start_logits, end_logits, n_best, max_answer_length, with_null):
    candidates = []  # (score, window, first position, last position), positions in the context
    null_score = np.inf
    for window in rows:
        offset, count = features.context_offset[window], features.piece_count[window]
        null_score = min(null_score, start_logits[window, 0] + end_logits[window, 0])
        starts = start_logits[window, offset:offset + count]
        ends = end_logits[window, offset:offset + count]
        allowed = np.flatnonzero(features.owned[window, offset:offset + count])
        if not len(allowed):
            continue
        top_starts = allowed[np.argsort(-starts[allowed], kind="stable")[:n_best]]
        top_ends = np.argsort(-ends, kind="stable")[:n_best]
        first, last = np.meshgrid(top_starts, top_ends, indexing="ij")
        length = last - first + 1
        fits = (length >= 1) & (length <= max_answer_length)
        scores = starts[first[fits]] + ends[last[fits]]
        candidates.extend(zip(scores, [window] * len(scores), first[fits], last[fits]))
    if not np.isfinite(null_score):
        null_score = -np.inf

    candidates.sort(key=lambda candidate: -candidate[0])
    kept, seen = [], set()
    for score, window, first, last in candidates:
        pieces = features.pieces_of(window)
        base = features.piece_start[window]
        span = (int(pieces.starts[base + first]), int(pieces.ends[base + last]))
        if span in seen:
            continue
        seen.add(span)
        kept.append((float(score), span))
        if len(kept) == n_best:
            break
    scores = [score for score, _ in kept] + ([null_score] if with_null and kept else [])
    probabilities = _softmax(scores) if scores else []
    null_probability = float(probabilities[-1]) if with_null and kept else 1.0
    if not kept:
        return SpanPrediction("", 0, 0, 0.0, -np.inf, float(null_score), null_probability)
    context = features.examples[features.example[rows[0]]].context
    (span_score, (start, end)) = kept[0]
    return SpanPrediction(
        context[start:end], start, end, float(probabilities[0]), span_score,
        float(null_score), null_probability,
    )


def _softmax(scores):
    scores = np.asarray(scores, np.float64)
    finite = np.isfinite(scores)
    shifted = np.where(finite, scores - scores[finite].max(), -np.inf)
    weights = np.exp(shifted)
    return weights / weights.sum()


def choose_no_answer_threshold(predictions, gold_answers, metric="squad"):
    """The no-answer threshold that maximises F1 on questions with known answers.

    Args:
        predictions: {question id: `SpanPrediction`}.
        gold_answers: {question id: [gold texts]} ([] for unanswerable questions).
    Returns:
        (threshold, F1 in percent at that threshold). A question gets no answer when its
        `no_answer_margin` exceeds the threshold. Ties go to the largest threshold (fewest
        questions left unanswered).
    """
    from keras_bert.tasks.squad_metrics import CMRC, cmrc_f1, squad_f1

    f1 = cmrc_f1 if metric == CMRC else squad_f1
    ids = [qid for qid in gold_answers if qid in predictions]
    if not ids:
        return 0.0, 0.0
    margins = np.asarray([predictions[qid].no_answer_margin for qid in ids], np.float64)
    span_f1 = np.asarray([f1(predictions[qid].text, gold_answers[qid])
                          if np.isfinite(predictions[qid].span_score) else
                          f1("", gold_answers[qid]) for qid in ids])
    null_f1 = np.asarray([f1("", gold_answers[qid]) for qid in ids])
    margins = np.clip(margins, -1e9, 1e9)  # a question without any span: always no answer
    order = np.argsort(-margins, kind="stable")
    margins, span_f1, null_f1 = margins[order], span_f1[order], null_f1[order]
    # The first k questions (largest margins) get no answer: total F1 for each k.
    totals = span_f1.sum() + np.concatenate([[0.0], np.cumsum(null_f1 - span_f1)])
    best_k, best_total = 0, -1.0
    for k, total in enumerate(totals):
        # Only splits between different margins can be made by a threshold.
        if 0 < k < len(margins) and margins[k - 1] == margins[k]:
            continue
        if total > best_total + 1e-12:
            best_k, best_total = k, total
    if best_k == 0:
        threshold = margins[0]
    elif best_k == len(margins):
        threshold = margins[-1] - 1.0
    else:
        threshold = (margins[best_k - 1] + margins[best_k]) / 2
    return float(threshold), 100.0 * best_total / len(ids)
