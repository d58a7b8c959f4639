"""export → distill → evaluate / predict / export through the command line.

The fast test distils an untrained tiny teacher's export (what is checked is the command, its
files, and that the student is an ordinary classifier folder). The slow one fine-tunes a bert_tiny teacher on a task only the sentiment word decides
(see tests/workflows/test_distillation.py) and checks the distilled student's dev accuracy.
"""

import json
import os

import numpy as np
import pytest

from keras_bert.cli.main import main

FILLER = "the movie film plot acting story was is really very quite a and of this that".split()
POSITIVE = ["good", "great"]
NEGATIVE = ["bad", "awful"]
SPECIAL = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]


def sentences(count, seed):
    rng = np.random.default_rng(seed)
    rows = []
    for index in range(count):
        label = ["neg", "pos"][index % 2]
        words = list(rng.choice(FILLER, size=rng.integers(3, 8)))
        words.insert(rng.integers(0, len(words) + 1),
                     rng.choice(POSITIVE if label == "pos" else NEGATIVE))
        rows.append((" ".join(words).capitalize() + ".", label))
    return rows


def write_labelled(path, rows):
    path.write_text("sentence\tlabel\n" + "".join(f"{t}\t{label}\n" for t, label in rows),
                    encoding="utf-8")
    return str(path)


@pytest.fixture(scope="module")
def task(tmp_path_factory):
    root = tmp_path_factory.mktemp("distill_cli")
    (root / "vocab.txt").write_text("\n".join(SPECIAL + FILLER + POSITIVE + NEGATIVE + ["."]) + "\n",
                                    encoding="utf-8")
    files = {
        "train": write_labelled(root / "train.tsv", sentences(320, seed=1)),
        "dev": write_labelled(root / "dev.tsv", sentences(64, seed=2)),
        "test": write_labelled(root / "test.tsv", sentences(64, seed=3)),
        "gold": write_labelled(root / "gold.tsv", sentences(32, seed=5)),
    }
    # Two sentences per line: --split-sentences makes them 600 texts.
    texts = [text for text, _ in sentences(600, seed=4)]
    (root / "reviews.txt").write_text(
        "".join(f"{a[:-1]}! {b}\n" for a, b in zip(texts[::2], texts[1::2])), encoding="utf-8")
    files["unlabelled"] = str(root / "reviews.txt")
    untrained_teacher(root / "vocab.txt", root / "teacher")
    assert main(["export", "--model", str(root / "teacher"), "--out",
                 str(root / "teacher_export")]) == 0
    return root, files


def untrained_teacher(vocab, out):
    """A one-layer, 16-wide classifier from random weights, as a model folder."""
    from keras_bert import BertConfig, BertEncoder, BertTokenizer
    from keras_bert.tasks.classifier import BertClassifier
    from keras_bert.workflows.classifier_folder import save_classifier_folder

    tokenizer = BertTokenizer.from_vocab_file(str(vocab))
    config = BertConfig(vocab_size=tokenizer.vocab_size, hidden_size=16, num_hidden_layers=1,
                        num_attention_heads=2, intermediate_size=32, max_position_embeddings=32)
    classifier = BertClassifier(BertEncoder(config), 2, labels=["neg", "pos"], seq_length=16,
                                tokenizer=tokenizer)
    save_classifier_folder(out, classifier)


@pytest.fixture(scope="module")
def trained_teacher(task):
    root, files = task
    assert main([
        "finetune", "--train", files["train"], "--text-column", "sentence",
        "--label-column", "label", "--init", "random", "--preset", "bert_tiny",
        "--vocab", str(root / "vocab.txt"), "--epochs", "2", "--seq-length", "16",
        "--batch-size", "16", "--out", str(root / "trained_teacher"), "--dropout", "0.3",
        "--quiet",
    ]) == 0
    return root / "trained_teacher"


@pytest.mark.slow  # ~1 min on 2 cores: the whole path through the CLI
def test_distil_from_an_export_then_evaluate_predict_and_export_the_student(task, capsys):
    root, files = task
    out = root / "student"
    code = main([
        "distill", "--teacher", str(root / "teacher_export"), "--student-preset", "bert_tiny",
        "--unlabelled", files["unlabelled"], "--split-sentences",
        "--train", files["gold"], "--dev", files["dev"], "--text-column", "sentence",
        "--label-column", "label", "--out", str(out), "--epochs", "1", "--seq-length", "16",
        "--batch-size", "32", "--shard-size", "256", "--quiet",
    ])
    printed = capsys.readouterr().out
    assert code == 0
    assert "teacher scores: 5 shard(s), 0 read from the cache" in printed  # 600/256 → 3, 1, 1
    assert "student written to" in printed
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["unlabelled_texts"] == 600 and summary["train_examples"] == 32
    assert {"history.json", "training_curves.png", "logs", "teacher_logits"} <= set(os.listdir(out))

    # An ordinary classifier folder: evaluate and predict read it (columns recorded), export too.
    scores = root / "scores.json"
    assert main(["evaluate", "--model", str(out), "--input", files["test"], "--out",
                 str(scores)]) == 0
    assert json.loads(scores.read_text(encoding="utf-8"))["examples"] == 64
    predictions = root / "predictions.jsonl"
    assert main(["predict", "--model", str(out), "--input", files["test"], "--out",
                 str(predictions)]) == 0
    assert len(predictions.read_text(encoding="utf-8").splitlines()) == 64
    assert main(["export", "--model", str(out), "--out", str(root / "student_export")]) == 0

    # (Run again, the teacher's scores come from the cache: tests/workflows/test_distillation.py.)


@pytest.mark.slow
def test_a_distilled_student_nearly_matches_a_trained_teacher(task, trained_teacher, capsys):
    root, files = task
    out = root / "trained_student"
    assert main([
        "distill", "--teacher", str(trained_teacher), "--student-preset", "bert_tiny",
        "--unlabelled", files["unlabelled"], "--split-sentences",
        "--train", files["gold"], "--dev", files["dev"], "--text-column", "sentence",
        "--label-column", "label", "--out", str(out), "--epochs", "6", "--seq-length", "16",
        "--batch-size", "32", "--temperature", "2", "--alpha", "0.3", "--quiet",
    ]) == 0
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["dev_teacher"]["accuracy"] > 0.9
    assert summary["dev"]["accuracy"] > 0.85 and summary["dev_agreement"] > 0.85
    scores = root / "trained_scores.json"
    assert main(["evaluate", "--model", str(out), "--input", files["test"], "--out",
                 str(scores)]) == 0
    assert json.loads(scores.read_text(encoding="utf-8"))["accuracy"] > 0.85


@pytest.mark.parametrize(
    "flags, message",
    [
        (["--teacher", "{vocab}"], "teacher {vocab}: no such folder"),
        (["--teacher", "{root}"], "not a keras_bert classifier folder"),
        (["--teacher", "{teacher}", "--train", "{train}"], "text_column is required"),
        (["--teacher", "{teacher}", "--alpha", "2"], r"alpha must be in [0, 1]"),
    ],
)
def test_mistakes_are_one_line_errors(task, capsys, flags, message):
    root, files = task
    names = dict(vocab=str(root / "vocab.txt"), root=str(root), teacher=str(root / "teacher"),
                 train=files["train"])
    flags = [flag.format(**names) for flag in flags]
    code = main(["distill", *flags, "--student-preset", "bert_tiny", "--unlabelled",
                 files["unlabelled"], "--out", str(root / "never")])
    error = capsys.readouterr().err
    assert code == 2
    assert error.startswith("keras-bert distill: error: ") and error.count("\n") == 1
    assert message.format(**names) in error
    assert not (root / "never").exists()


def test_the_student_is_one_of_two_flags(task, capsys):
    root, files = task
    with pytest.raises(SystemExit) as raised:
        main(["distill", "--teacher", str(root / "teacher"), "--unlabelled", files["unlabelled"],
              "--out", str(root / "never")])
    assert raised.value.code == 2
    assert "one of the arguments --student-preset --student is required" in capsys.readouterr().err
