"""`evaluate_qa` and `predict_qa`: a fine-tuned question answerer on a file of questions, as
`keras-bert evaluate` and `keras-bert predict` run it for a question answering model folder.

`evaluate_qa` scores a SQuAD-format file (exact match and F1: SQuAD's, or CMRC 2018's for
Chinese); `predict_qa` answers the questions of a SQuAD-format file (answers not needed) or of
a JSON lines file of {"id", "question", "context"} objects, writing JSON lines
{"id", "answer", "start", "end", "score"} (start / end: characters of the context).
"""

import dataclasses
import json
import os

from keras_bert.errors import KerasBertError
from keras_bert.output_paths import check_output
from keras_bert.workflows.checks import check_choice, check_file, check_int
from keras_bert.workflows.evaluation_files import (
    check_evaluation_files,
    check_json_lines,
    is_task_folder,
    load_task_folder,
    write_json_lines,
    write_scores,
)
from keras_bert.workflows.question_answering import METRIC_CHOICES, resolve_metric, score_spans

QA_TASK = "question_answerer"


def is_question_answerer_folder(path):
    """Whether `path` is a keras_bert model folder holding a question answerer."""
    return is_task_folder(path, QA_TASK)


def load_question_answerer(path, name="model"):
    return load_task_folder(path, QA_TASK, "a question answerer", name)


@dataclasses.dataclass
class QaEvaluateSettings:
    """Scoring a question answerer on a SQuAD-format file (`keras-bert evaluate`)."""

    model: str  # question answerer model folder (from finetune --task qa)
    input: str  # SQuAD-format file with gold answers
    out: str = None  # also write the scores as JSON here
    predictions: str = None  # also write each question's answer and scores (.jsonl)
    metric: str = "auto"  # "squad", "cmrc" (Chinese), or "auto" (by the text)
    batch_size: int = 64

    def validate(self):
        check_evaluation_files(self)
        check_choice("metric", self.metric, METRIC_CHOICES)
        check_int("batch_size", self.batch_size)


def evaluate_qa(settings, verbose=1):
    """Exact match and F1 of the model on `settings.input` (`score_answers`, with "metric",
    "data_file" and "no_answer_threshold"); writes the optional files."""
    from keras_bert.data.squad import read_squad_file
    from keras_bert.tasks.squad_metrics import (
        CMRC,
        cmrc_exact_match,
        cmrc_f1,
        squad_exact_match,
        squad_f1,
    )

    settings.validate()
    log = print if verbose else (lambda *args, **kwargs: None)
    model = load_question_answerer(settings.model)
    qa_file = read_squad_file(settings.input)
    log(qa_file.report())
    if not any(example.answers or example.is_impossible for example in qa_file):
        raise KerasBertError(
            f"input {settings.input}: no question has gold answers to score against; "
            "`keras-bert predict` answers questions without them."
        )
    metric = resolve_metric(settings.metric, qa_file)
    spans = model.predict_spans(qa_file.examples, settings.batch_size)
    scores, answers = score_spans(model, qa_file, spans, metric)
    scores.update(data_file=os.path.abspath(settings.input))
    if model.allow_no_answer:
        scores["no_answer_threshold"] = model.no_answer_threshold
    if settings.predictions:
        exact, f1 = (
            (cmrc_exact_match, cmrc_f1) if metric == CMRC else (squad_exact_match, squad_f1)
        )
        rows = []
        for example in qa_file:
            answer = answers[example.id]
            rows.append(dict(
                {"id": example.id}, **answer,
                exact_match=exact(answer["answer"], example.answer_texts),
                f1=round(f1(answer["answer"], example.answer_texts), 6),
                gold_answers=example.answer_texts,
            ))
        write_json_lines("predictions", settings.predictions, rows)
    if settings.out:
        write_scores(settings.out, scores)
    return scores


@dataclasses.dataclass
class QaPredictSettings:
    """Answering the questions of a file with a question answerer (`keras-bert predict`)."""

    model: str  # question answerer model folder
    input: str  # SQuAD-format .json, or .jsonl of {"id", "question", "context"}
    out: str  # answers: JSON lines {"id", "answer", "start", "end", "score"}
    batch_size: int = 64

    def validate(self):
        if not self.model or not os.path.isdir(self.model):
            raise KerasBertError(f"model {self.model}: no such folder.")
        check_file("input", self.input)
        check_int("batch_size", self.batch_size)
        check_json_lines("out", self.out)
        check_output("out", self.out, [("input", self.input), ("model", self.model)],
                     kind="file")


def predict_qa(settings, verbose=1):
    """Answer every question of `settings.input`; write `settings.out`; return a summary:
    `out`, `predictions` (their number) and `answered` (how many got a non-empty answer)."""
    settings.validate()
    log = print if verbose else (lambda *args, **kwargs: None)
    model = load_question_answerer(settings.model)
    examples = read_questions(settings.input, log)
    spans = model.predict_spans(examples, settings.batch_size)
    rows = [
        dict({"id": example.id},
             **span.as_answer(model.allow_no_answer, model.no_answer_threshold))
        for example, span in zip(examples, spans)
    ]
    write_json_lines("out", settings.out, rows)
    return {
        "out": settings.out,
        "predictions": len(rows),
        "answered": sum(1 for row in rows if row["answer"]),
    }


def read_questions(path, log=print):
    """`QaExample`s from a SQuAD-format .json, or a .jsonl of {"id", "question", "context"}
    objects (id defaults to the line number)."""
    from keras_bert.data.squad import QaExample, read_squad_file

    if not path.lower().endswith(".jsonl"):
        qa_file = read_squad_file(path)
        log(qa_file.report())
        return qa_file.examples
    from keras_bert.text_files import read_text

    examples, seen = [], set()
    for number, line in enumerate(read_text(path, "questions file").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as error:
            raise KerasBertError(f"{path}:{number}: not JSON ({error.msg}).") from None
        if not isinstance(row, dict):
            raise KerasBertError(f"{path}:{number}: expected a JSON object, got {line[:60]!r}.")
        for key in ("question", "context"):
            if not isinstance(row.get(key), str):
                raise KerasBertError(f"{path}:{number}: needs a string {key!r}.")
        identifier = str(row.get("id", number))
        if identifier in seen:
            raise KerasBertError(f"{path}:{number}: the id {identifier!r} repeats.")
        seen.add(identifier)
        examples.append(QaExample(identifier, row["question"], row["context"]))
    log(f"{os.path.basename(path)}: {len(examples):,} questions")
    return examples
