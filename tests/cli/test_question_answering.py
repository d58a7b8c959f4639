"""`keras-bert finetune --task qa`, `evaluate` and `predict` on a question answerer: flags ↔
`QaSettings`, one-line errors, a whole run on a toy SQuAD v2.0 task (with unanswerable
questions) written here, and a short run on the shared SQuAD v1.1 files."""

import dataclasses
import json

import pytest

from keras_bert.cli.main import build_parser, main
from keras_bert.errors import KerasBertError
from keras_bert.interop.native import load_model
from keras_bert.workflows.question_answering import QaSettings
from tests.qa_toy_data import toy_questions, write_squad, write_vocabulary


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    root = tmp_path_factory.mktemp("qa")
    write_vocabulary(root / "vocab.txt")
    write_squad(root / "train.json", toy_questions(640, seed=1, unanswerable=0.25))
    write_squad(root / "dev.json", toy_questions(120, seed=2, unanswerable=0.25))
    return root


def settings(files, tmp_path, **changes):
    values = dict(train=str(files / "train.json"), out=str(tmp_path / "qa"), init="random",
                  preset="bert_tiny", vocab=str(files / "vocab.txt"))
    return QaSettings(**dict(values, **changes))


def test_the_flags_are_the_settings_one_to_one():
    from keras_bert.cli.finetune import _CLASSIFICATION_ONLY, _TAGGING_ONLY, fill_task_defaults

    args = build_parser().parse_args(
        ["finetune", "--task", "qa", "--train", "t", "--init", "i", "--out", "o"]
    )
    fill_task_defaults(args, QaSettings)
    flags = vars(args)
    for not_a_setting in ("command", "func", "quiet", "task", "format", "quoting", "encoding",
                          "skip_bad_rows", "drop_labels", "pooling", "tag_format",
                          "tag_scheme") + _TAGGING_ONLY + _CLASSIFICATION_ONLY:
        if not_a_setting != "max_train_examples":  # shared by classification and qa
            flags.pop(not_a_setting)
    assert flags == dataclasses.asdict(QaSettings(train="t", out="o", init="i"))
    assert flags["seq_length"] == 384 and flags["doc_stride"] == 128


@pytest.mark.parametrize(
    "changes, message",
    [
        (dict(train="missing.json"), "train missing.json: no such file"),
        (dict(preset=None), "init 'random' needs preset"),
        (dict(seq_length=64), "seq_length 64 leaves no room for the context"),
        (dict(doc_stride=0), "doc_stride must be a positive integer"),
        (dict(max_answer_length=0), "max_answer_length must be an integer >= 1"),
        (dict(metric="bleu"), "metric must be one of auto, squad, cmrc"),
        (dict(max_train_examples=0), "max_train_examples must be an integer >= 1"),
    ],
)
def test_bad_settings_name_the_setting(files, tmp_path, changes, message):
    with pytest.raises(KerasBertError, match=message):
        settings(files, tmp_path, **changes).validate()


def test_flags_of_other_tasks_are_refused(files, tmp_path, capsys):
    common = ["finetune", "--train", str(files / "train.json"), "--init", "random",
              "--preset", "bert_tiny", "--vocab", str(files / "vocab.txt"),
              "--out", str(tmp_path / "x")]
    assert main(common + ["--task", "qa", "--crf"]) == 2
    assert "--crf does not apply to --task qa" in capsys.readouterr().err
    assert main(common + ["--task", "qa", "--label-column", "y"]) == 2
    assert "--label-column does not apply to --task qa" in capsys.readouterr().err
    assert main(common + ["--task", "tagging", "--doc-stride", "64"]) == 2
    assert "--doc-stride does not apply to --task tagging" in capsys.readouterr().err
    assert not (tmp_path / "x").exists()


@pytest.mark.slow  # fine-tunes, evaluates and predicts through the CLI (about 40 s)
def test_finetune_evaluate_and_predict_on_squad_v2_data(files, tmp_path, capsys):
    out = tmp_path / "qa"
    code = main([
        "finetune", "--task", "qa", "--train", str(files / "train.json"),
        "--dev", str(files / "dev.json"), "--init", "random", "--preset", "bert_tiny",
        "--vocab", str(files / "vocab.txt"), "--seq-length", "48", "--doc-stride", "16",
        "--max-query-length", "16", "--epochs", "5", "--batch-size", "16",
        "--learning-rate", "1e-3", "--out", str(out), "--quiet",
    ])
    assert code == 0
    printed = capsys.readouterr().out
    assert "fine-tuned question answerer written to" in printed and "exact match" in printed
    summary = json.loads((out / "summary.json").read_text())
    assert summary["allow_no_answer"] and "no_answer_threshold" in summary
    dev = summary["dev"]
    assert dev["metric"] == "squad" and dev["questions"] == 120
    # about a quarter unanswerable: answering every question, even rightly, stays under 80
    assert dev["exact_match"] > 80, dev
    assert dev["no_answer"]["questions"] > 10 and dev["no_answer"]["exact_match"] > 50, dev
    official = json.loads((out / "dev_predictions.json").read_text())
    assert len(official) == 120 and all(isinstance(text, str) for text in official.values())
    model = load_model(out)
    assert model.allow_no_answer and model.seq_length == 48 and model.doc_stride == 16
    assert model.no_answer_threshold == pytest.approx(summary["no_answer_threshold"])

    # evaluate: the same scores from the folder alone
    scores_file, rows_file = tmp_path / "scores.json", tmp_path / "rows.jsonl"
    assert main(["evaluate", "--model", str(out), "--input", str(files / "dev.json"),
                 "--out", str(scores_file), "--predictions", str(rows_file)]) == 0
    assert "exact match" in capsys.readouterr().out
    scores = json.loads(scores_file.read_text())
    assert scores["exact_match"] == pytest.approx(dev["exact_match"])
    rows = [json.loads(line) for line in rows_file.read_text().splitlines()]
    assert len(rows) == 120 and {"id", "answer", "start", "end", "score", "has_answer",
                                 "exact_match", "f1", "gold_answers"} <= set(rows[0])
    assert main(["evaluate", "--model", str(out), "--input", str(files / "dev.json"),
                 "--metric", "cmrc", "--out", str(scores_file)]) == 0
    assert json.loads(scores_file.read_text())["metric"] == "cmrc"
    assert main(["evaluate", "--model", str(out), "--input", str(files / "dev.json"),
                 "--text-column", "x"]) == 2
    assert "--text-column does not apply to a question answerer" in capsys.readouterr().err

    # predict: JSON lines of {id, answer, start, end, score}, from SQuAD JSON or JSON lines
    questions = tmp_path / "questions.jsonl"
    context = "Anna lives in Oslo. Anna works as a pilot."
    questions.write_text(json.dumps({"id": "x1", "question": "Where does Anna live?",
                                     "context": context}) + "\n"
                         + json.dumps({"question": "What is Anna's job?", "context": context})
                         + "\n", encoding="utf-8")
    answers_file = tmp_path / "answers.jsonl"
    assert main(["predict", "--model", str(out), "--input", str(questions),
                 "--out", str(answers_file)]) == 0
    answers = [json.loads(line) for line in answers_file.read_text().splitlines()]
    assert [row["id"] for row in answers] == ["x1", "2"]
    assert [row["answer"] for row in answers] == ["Oslo", "pilot"]
    for row in answers:
        assert context[row["start"]:row["end"]] == row["answer"]
        assert set(row) == {"id", "answer", "start", "end", "score", "has_answer"}
    assert main(["predict", "--model", str(out), "--input", str(files / "dev.json"),
                 "--out", str(answers_file)]) == 0
    assert len(answers_file.read_text().splitlines()) == 120
    assert main(["predict", "--model", str(out), "--input", str(questions),
                 "--out", str(tmp_path / "answers.csv")]) == 2
    assert "use a .jsonl file name" in capsys.readouterr().err


@pytest.mark.slow  # reads and windows the real SQuAD files
def test_a_short_run_on_the_shared_squad_files(shared_path, tmp_path, capsys):
    """Real SQuAD v1.1 text end to end (a random bert_tiny on 48 questions learns nothing; the
    run checks reading, windowing, decoding and scoring on real data)."""
    train = shared_path("data", "squad_v1", "train.json")
    dev_full = json.loads(shared_path("data", "squad_v1", "dev.json").read_text())
    vocab = shared_path("data", "vocab", "google_uncased_en_vocab.txt")
    dev_full["data"] = dev_full["data"][:1]
    dev_full["data"][0]["paragraphs"] = dev_full["data"][0]["paragraphs"][:6]
    dev = tmp_path / "dev.json"
    dev.write_text(json.dumps(dev_full), encoding="utf-8")
    out = tmp_path / "qa"
    assert main([
        "finetune", "--task", "qa", "--train", str(train), "--dev", str(dev), "--init", "random",
        "--preset", "bert_tiny", "--vocab", str(vocab), "--seq-length", "128",
        "--doc-stride", "64", "--max-train-examples", "48", "--epochs", "1",
        "--batch-size", "16", "--out", str(out), "--quiet",
    ]) == 0
    capsys.readouterr()
    summary = json.loads((out / "summary.json").read_text())
    assert summary["train_questions"] == 48 and summary["windows"]["train"] > 48
    assert summary["dev"]["questions"] == sum(
        len(paragraph["qas"]) for paragraph in dev_full["data"][0]["paragraphs"]
    )
    assert 0.0 <= summary["dev"]["f1"] <= 100.0
    answers_file = tmp_path / "answers.jsonl"
    assert main(["predict", "--model", str(out), "--input", str(dev),
                 "--out", str(answers_file)]) == 0
    contexts = {qa["id"]: paragraph["context"] for paragraph in dev_full["data"][0]["paragraphs"]
                for qa in paragraph["qas"]}
    for line in answers_file.read_text().splitlines():
        row = json.loads(line)
        assert contexts[row["id"]][row["start"]:row["end"]] == row["answer"]
