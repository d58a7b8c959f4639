"""Exact match and F1 of predicted answers against gold answers: SQuAD's and CMRC 2018's.

SQuAD v1.1 (the official `evaluate-v1.1.py`, Rajpurkar et al. 2016): both texts are
normalised (lowercased; ASCII punctuation removed; the articles a / an / the removed as whole
words; whitespace collapsed); exact match is equality of the normalised texts, F1 the harmonic
mean of precision and recall of their whitespace tokens counted as a multiset. A question
scores the best over its gold answers. A question without gold answers (SQuAD v2.0's
unanswerable ones) has the empty string as its one gold answer, and then, as in
`evaluate-v2.0.py`, F1 is 1 exactly when the prediction normalises to nothing too.

CMRC 2018 (the official `cmrc2018_evaluate.py`, Cui et al. 2019), for Chinese: texts are
lowercased and stripped; F1 splits them into segments: every CJK character (U+4E00 … U+9FA5)
its own segment, the text between them cut into English words and numbers, the script's
punctuation list removed; the overlap is the LONGEST COMMON SUBSTRING of the two segment lists
(not a multiset), precision and recall are that length over each list's length. Exact match
removes the punctuation list's characters (nothing else: spaces and ASCII punctuation stay) and
compares strings. Best over the gold answers, as for SQuAD. The script cuts English with
`nltk.word_tokenize`; here a run of letters or digits (a number may hold "." or "," between
digits) is one segment and any other character its own, which differs from NLTK only on
English contractions and abbreviations ("don't", "U.S.").

Both report percentages over every question of the gold file; a question without a
prediction scores 0 (as both official scripts count it).
"""

import collections
import re
import string

SQUAD = "squad"
CMRC = "cmrc"
METRICS = (SQUAD, CMRC)

_ARTICLES = re.compile(r"\b(a|an|the)\b")
_ASCII_PUNCTUATION = set(string.punctuation)
# cmrc2018_evaluate.py's `sp_char`. Its entry "……" is two characters and never equals the one
# character it is compared with, so it is left out; "…" is therefore kept, as there.
_CMRC_PUNCTUATION = set(
    "-:_*^/\\~`+=" "，。：？！“”；’《》·、「」（）－～『』"
)
_CJK = re.compile("[\u4e00-\u9fa5]")
_ENGLISH_SEGMENT = re.compile(r"\d+(?:[.,]\d+)+|\w+|\S")


# SQuAD. -------------------------------------------------------------------------------------


def normalize_squad_answer(text):
    """SQuAD's normalisation: lowercase, drop ASCII punctuation, articles, extra whitespace."""
    text = "".join(ch for ch in text.lower() if ch not in _ASCII_PUNCTUATION)
    return " ".join(_ARTICLES.sub(" ", text).split())


def squad_exact_match(prediction, gold_answers):
    """1.0 when `prediction` equals one of `gold_answers` after normalisation, else 0.0."""
    golds = _gold_or_empty(gold_answers)
    prediction = normalize_squad_answer(prediction)
    return float(any(prediction == normalize_squad_answer(gold) for gold in golds))


def squad_f1(prediction, gold_answers):
    """The best token-level F1 of `prediction` against any of `gold_answers`."""
    golds = _gold_or_empty(gold_answers)
    predicted = normalize_squad_answer(prediction).split()
    return max(_token_f1(predicted, normalize_squad_answer(gold).split(), not gold_answers)
               for gold in golds)


def _token_f1(predicted, gold, unanswerable):
    if unanswerable:  # SQuAD v2.0: right exactly when the prediction is empty too
        return float(predicted == gold)
    same = sum((collections.Counter(predicted) & collections.Counter(gold)).values())
    if same == 0:
        return 0.0
    precision, recall = same / len(predicted), same / len(gold)
    return 2 * precision * recall / (precision + recall)


def _gold_or_empty(gold_answers):
    golds = list(gold_answers)
    return golds if golds else [""]


# CMRC 2018. ---------------------------------------------------------------------------------


def cmrc_segments(text):
    """CMRC 2018's segments of `text` for F1: CJK characters one by one, English words and
    numbers whole, the script's punctuation list removed."""
    segments, pending = [], []

    def flush():
        if pending:
            segments.extend(_ENGLISH_SEGMENT.findall("".join(pending)))
            pending.clear()

    for character in text.lower().strip():
        if character in _CMRC_PUNCTUATION:
            continue
        if _CJK.match(character):
            flush()
            segments.append(character)
        else:
            pending.append(character)
    flush()
    return segments


def _cmrc_without_punctuation(text):
    return "".join(ch for ch in text.lower().strip() if ch not in _CMRC_PUNCTUATION)


def longest_common_substring(first, second):
    """Length of the longest run of consecutive items that `first` and `second` share."""
    best, previous = 0, [0] * (len(second) + 1)
    for item in first:
        current = [0] * (len(second) + 1)
        for j, other in enumerate(second):
            if item == other:
                current[j + 1] = previous[j] + 1
                best = max(best, current[j + 1])
        previous = current
    return best


def cmrc_exact_match(prediction, gold_answers):
    """1.0 when `prediction` equals a gold answer once the punctuation list is removed."""
    prediction = _cmrc_without_punctuation(prediction)
    return float(any(prediction == _cmrc_without_punctuation(gold) for gold in gold_answers))


def cmrc_f1(prediction, gold_answers):
    """The best longest-common-substring F1 over CMRC segments against any gold answer."""
    predicted = cmrc_segments(prediction)
    scores = [0.0]
    for gold in gold_answers:
        gold_segments = cmrc_segments(gold)
        common = longest_common_substring(gold_segments, predicted)
        if common:
            precision, recall = common / len(predicted), common / len(gold_segments)
            scores.append(2 * precision * recall / (precision + recall))
    return max(scores)


# Over a file. -------------------------------------------------------------------------------

_SCORERS = {SQUAD: (squad_exact_match, squad_f1), CMRC: (cmrc_exact_match, cmrc_f1)}


def score_answers(predictions, gold_answers, metric=SQUAD):
    """Exact match and F1 (percentages) of predicted answer texts against the gold ones.

    Args:
        predictions: {question id: predicted answer text} ("" for no answer).
        gold_answers: {question id: [gold answer texts]} of every question scored; an empty
            list marks an unanswerable question.
        metric: "squad" or "cmrc".
    Returns:
        {"exact_match", "f1", "questions", "unanswered"} ("unanswered": questions without a
        prediction, scored 0), plus for files with unanswerable questions the same scores
        over the answerable ("has_answer") and unanswerable ("no_answer") ones.
    """
    if metric not in _SCORERS:
        raise ValueError(f"metric must be one of {', '.join(METRICS)}, got {metric!r}.")
    exact_fn, f1_fn = _SCORERS[metric]
    exact, f1, unanswered = {}, {}, 0
    for question_id, golds in gold_answers.items():
        if question_id not in predictions:
            unanswered += 1
            exact[question_id] = f1[question_id] = 0.0
            continue
        prediction = str(predictions[question_id])
        exact[question_id] = exact_fn(prediction, golds)
        f1[question_id] = f1_fn(prediction, golds)
    scores = _percentages(exact, f1, list(gold_answers))
    scores["unanswered"] = unanswered
    impossible = [qid for qid, golds in gold_answers.items() if not golds]
    if impossible:
        possible = [qid for qid, golds in gold_answers.items() if golds]
        scores["has_answer"] = _percentages(exact, f1, possible)
        scores["no_answer"] = _percentages(exact, f1, impossible)
    return scores


def _percentages(exact, f1, ids):
    count = len(ids)
    return {
        "exact_match": 100.0 * sum(exact[i] for i in ids) / count if count else 0.0,
        "f1": 100.0 * sum(f1[i] for i in ids) / count if count else 0.0,
        "questions": count,
    }


def looks_chinese(texts, share=0.3):
    """Whether CJK characters make up at least `share` of the non-space characters."""
    total = cjk = 0
    for text in texts:
        total += sum(1 for ch in text if not ch.isspace())
        cjk += len(_CJK.findall(text))
    return total > 0 and cjk / total >= share


def format_qa_scores(scores):
    """Scores from `score_answers` as a few lines of text."""
    lines = [
        f"exact match {scores['exact_match']:.2f}  F1 {scores['f1']:.2f}  "
        f"({scores['questions']:,} questions, {scores.get('metric', SQUAD)} metric)"
    ]
    for part in ("has_answer", "no_answer"):
        if part in scores:
            lines.append(
                f"  {part}: exact match {scores[part]['exact_match']:.2f}  "
                f"F1 {scores[part]['f1']:.2f}  ({scores[part]['questions']:,} questions)"
            )
    if scores.get("unanswered"):
        lines.append(f"  {scores['unanswered']:,} question(s) without a prediction scored 0")
    return "\n".join(lines)
