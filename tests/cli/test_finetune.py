"""finetune → evaluate → predict through the command line, on a task a tiny model can learn.

Sentences carry "good"/"great" (positive) or "bad"/"awful" (negative) among shared filler
words, so only the sentiment word decides the label: a randomly initialised bert_tiny must
learn it in a few epochs, and accuracy far above chance shows that it did.
"""

import csv
import json
import os

import numpy as np
import pytest

from keras_bert.cli.main import main
from keras_bert.training.learning_rates import default_finetuning_rate

FILLER = "the movie film plot acting story was is really very quite a and of this that".split()
POSITIVE = ["good", "great"]
NEGATIVE = ["bad", "awful"]
SPECIAL = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]


def sentence(rng, label):
    words = list(rng.choice(FILLER, size=rng.integers(3, 8)))
    words.insert(rng.integers(0, len(words) + 1), rng.choice(POSITIVE if label == "pos" else NEGATIVE))
    return " ".join(words).capitalize() + "."


def write_task(path, count, seed, with_labels=True):
    rng = np.random.default_rng(seed)
    labels = [["neg", "pos"][i % 2] for i in range(count)]
    with open(path, "w", encoding="utf-8") as file:
        file.write("sentence\tlabel\n" if with_labels else "sentence\n")
        for label in labels:
            file.write(f"{sentence(rng, label)}\t{label}\n" if with_labels else f"{sentence(rng, label)}\n")
    return labels


@pytest.fixture(scope="module")
def task(tmp_path_factory):
    root = tmp_path_factory.mktemp("task")
    vocab = root / "vocab.txt"
    vocab.write_text("\n".join(SPECIAL + FILLER + POSITIVE + NEGATIVE + ["."]) + "\n", encoding="utf-8")
    write_task(root / "train.tsv", 320, seed=1)
    write_task(root / "dev.tsv", 64, seed=2)
    test_labels = write_task(root / "test.tsv", 64, seed=3)
    write_task(root / "unlabelled.tsv", 20, seed=4, with_labels=False)
    return root, test_labels


@pytest.fixture(scope="module")
def finetuned(task):
    root, _ = task
    out = root / "model"
    code = main([
        "finetune", "--train", str(root / "train.tsv"), "--dev", str(root / "dev.tsv"),
        "--text-column", "sentence", "--label-column", "label",
        "--init", "random", "--preset", "bert_tiny", "--vocab", str(root / "vocab.txt"),
        "--epochs", "3", "--seq-length", "16", "--batch-size", "16",
        "--no-quoting", "--out", str(out), "--seed", "0", "--dropout", "0.3",
    ])
    assert code == 0
    return out


def test_finetune_writes_a_classifier_folder_that_learned(finetuned):
    from keras_bert.interop.native import read_metadata
    from keras_bert.workflows.classifier_folder import load_classifier

    # The model's own files are the model format's business (tests/tasks); these are the job's.
    assert {"keras_bert.json", "history.json", "training_curves.png", "summary.json", "logs"} <= set(
        os.listdir(finetuned)
    )
    classifier = load_classifier(str(finetuned))
    assert classifier.label_names == ["neg", "pos"] and classifier.seq_length == 16 and not classifier.text_pair
    assert classifier.pooling == "cls"  # --pooling auto, random init: BERT's pooled [CLS] output
    # Every constructor argument comes back from the folder: --dropout was once lost.
    assert classifier.dropout == 0.3 and classifier.classifier_dropout.rate == 0.3
    metadata = read_metadata(str(finetuned))
    assert metadata["task"] == "classifier"
    assert metadata["data"]["text_column"] == "sentence" and metadata["data"]["quoting"] is False
    # No --learning-rate: the rate for bert_tiny's width was used and recorded.
    assert metadata["finetuning"]["learning_rate"] == default_finetuning_rate(128)
    summary = json.loads((finetuned / "summary.json").read_text())
    assert summary["train_examples"] == 320
    assert summary["dev"]["accuracy"] > 0.9  # chance is 0.5
    assert summary["dev"]["majority_class_accuracy"] == 0.5
    history = json.loads((finetuned / "history.json").read_text())
    assert len(history["validation"]) == 3


def test_evaluate_prints_scores_and_plots(task, finetuned, capsys, tmp_path):
    root, _ = task
    plot, scores_file = tmp_path / "confusion.png", tmp_path / "scores.json"
    code = main(["evaluate", "--model", str(finetuned), "--input", str(root / "test.tsv"),
                 "--plot", str(plot), "--out", str(scores_file)])
    assert code == 0
    printed = capsys.readouterr().out
    assert "accuracy:" in printed and "confusion matrix" in printed and "f1 (binary)" in printed
    scores = json.loads(scores_file.read_text())
    assert scores["accuracy"] > 0.9 and scores["examples"] == 64
    confusion = np.array(scores["confusion_matrix"])
    assert confusion.sum() == 64 and confusion.sum(axis=1).tolist() == [32, 32]
    assert os.path.getsize(plot) > 1000


def test_evaluate_writes_each_rows_prediction_beside_its_true_label(task, finetuned, tmp_path, capsys):
    root, test_labels = task
    scores_file, jsonl_out, csv_out = tmp_path / "scores.json", tmp_path / "rows.jsonl", tmp_path / "rows.csv"
    evaluate = ["evaluate", "--model", str(finetuned), "--input", str(root / "test.tsv")]
    assert main(evaluate + ["--out", str(scores_file), "--predictions", str(jsonl_out)]) == 0
    records = [json.loads(line) for line in jsonl_out.read_text(encoding="utf-8").splitlines()]
    assert [r["line"] for r in records] == list(range(2, 66))
    assert [r["true_label"] for r in records] == test_labels
    assert all(r["correct"] == (r["label"] == r["true_label"]) for r in records)
    scores = json.loads(scores_file.read_text())
    assert np.mean([r["correct"] for r in records]) == pytest.approx(scores["accuracy"])
    # The same rows as `keras-bert predict` on the file, plus the two columns.
    predicted = tmp_path / "predicted.jsonl"
    assert main(["predict", "--model", str(finetuned), "--input", str(root / "test.tsv"), "--out", str(predicted)]) == 0
    plain = [json.loads(line) for line in predicted.read_text(encoding="utf-8").splitlines()]
    assert [r["label"] for r in plain] == [r["label"] for r in records]
    assert main(evaluate + ["--predictions", str(csv_out)]) == 0
    with open(csv_out, encoding="utf-8", newline="") as file:
        rows = list(csv.DictReader(file))
    assert list(rows[0]) == ["line", "text", "label", "true_label", "correct", "probability_neg", "probability_pos"]
    capsys.readouterr()
    assert main(evaluate + ["--predictions", str(tmp_path / "rows.txt")]) == 2
    assert "predictions" in capsys.readouterr().err


def test_predict_csv_and_jsonl_agree_with_the_true_labels(task, finetuned, tmp_path):
    root, test_labels = task
    csv_out, jsonl_out = tmp_path / "p.csv", tmp_path / "p.jsonl"
    assert main(["predict", "--model", str(finetuned), "--input", str(root / "test.tsv"), "--out", str(csv_out)]) == 0
    assert main(["predict", "--model", str(finetuned), "--input", str(root / "test.tsv"), "--out", str(jsonl_out)]) == 0
    with open(csv_out, encoding="utf-8", newline="") as file:
        rows = list(csv.DictReader(file))
    assert list(rows[0]) == ["line", "text", "label", "probability_neg", "probability_pos"]
    assert [int(r["line"]) for r in rows] == list(range(2, 66))
    predicted = [r["label"] for r in rows]
    assert np.mean([p == t for p, t in zip(predicted, test_labels)]) > 0.9
    records = [json.loads(line) for line in jsonl_out.read_text(encoding="utf-8").splitlines()]
    assert [r["label"] for r in records] == predicted
    for record in records:
        assert sum(record["probabilities"].values()) == pytest.approx(1.0, abs=1e-4)
        assert record["label"] == max(record["probabilities"], key=record["probabilities"].get)


@pytest.mark.slow  # export traces and saves the whole model (over a minute on 2 shared cores)
def test_predict_through_an_exported_saved_model_matches_the_folder(task, finetuned, tmp_path):
    root, _ = task
    from keras_bert.serving.export import export_saved_model
    from keras_bert.workflows.classifier_folder import load_classifier

    exported = tmp_path / "saved_model"
    export_saved_model(load_classifier(str(finetuned)), str(exported))
    out_folder, out_saved = tmp_path / "folder.jsonl", tmp_path / "saved.jsonl"
    unlabelled = str(root / "unlabelled.tsv")
    assert main(["predict", "--model", str(finetuned), "--input", unlabelled, "--out", str(out_folder)]) == 0
    assert main(["predict", "--model", str(exported), "--input", unlabelled, "--text-column", "sentence",
                 "--out", str(out_saved)]) == 0
    folder = [json.loads(line) for line in out_folder.read_text().splitlines()]
    saved = [json.loads(line) for line in out_saved.read_text().splitlines()]
    assert [r["label"] for r in saved] == [r["label"] for r in folder]
    for a, b in zip(folder, saved):
        assert a["probabilities"] == pytest.approx(b["probabilities"], abs=1e-4)


def test_user_mistakes_are_one_line_errors_with_file_and_line(task, tmp_path, capsys):
    root, _ = task
    bad = tmp_path / "bad.tsv"
    bad.write_text("sentence\tlabel\nGood movie.\tpos\nBad movie.\t\n", encoding="utf-8")
    common = ["--text-column", "sentence", "--label-column", "label", "--init", "random",
              "--preset", "bert_tiny", "--vocab", str(root / "vocab.txt"), "--out", str(tmp_path / "m")]
    assert main(["finetune", "--train", str(bad), *common]) == 2
    error = capsys.readouterr().err.strip()
    assert error.endswith(f"{bad}:3: empty or missing label ('label')") and "\n" not in error
    assert main(["finetune", "--train", str(root / "train.tsv"), *common[:1], "text", *common[2:]]) == 2
    assert "no column 'text'" in capsys.readouterr().err
    assert main(["finetune", "--train", str(root / "train.tsv"), *common[:4], "--init", "random",
                 "--out", str(tmp_path / "m")]) == 2
    assert "init 'random' needs preset" in capsys.readouterr().err
    assert main(["evaluate", "--model", str(tmp_path), "--input", str(root / "test.tsv")]) == 2
    assert "not a keras_bert model folder" in capsys.readouterr().err


def test_start_from_a_model_folder_keeps_its_encoder_weights(task, tmp_path):
    root, _ = task
    import keras

    from keras_bert import BertConfig, BertEncoder, BertTokenizer
    from keras_bert.interop.native import write_model_folder
    from keras_bert.workflows.classifier_start import start_classifier
    from keras_bert.tasks.sentence_encoder import BertSentenceEncoder

    tokenizer = BertTokenizer.from_vocab_file(str(root / "vocab.txt"), lowercase=True)
    encoder = BertEncoder(BertConfig.from_preset("bert_tiny", vocab_size=int(tokenizer.vocab_size), max_position_embeddings=32))
    folder = tmp_path / "pretrained"
    write_model_folder(str(folder), BertSentenceEncoder(encoder, tokenizer=tokenizer))
    classifier = start_classifier(str(folder), num_classes=3, labels=["a", "b", "c"], text_pair=True, seq_length=24)
    for mine, theirs in zip(classifier.encoder.weights, encoder.weights):
        np.testing.assert_array_equal(keras.ops.convert_to_numpy(mine), keras.ops.convert_to_numpy(theirs))
    # Pairs are packed with segment ids 0 and 1, and predict_texts names the classes.
    packed = classifier.tokenizer.encode(["good movie"], ["bad plot"], seq_length=24)
    assert set(np.unique(packed["input_type_ids"])) == {0, 1}
    probabilities, names = classifier.predict_texts(["good movie", "bad"], ["bad plot", "good"], verbose=0)
    assert probabilities.shape == (2, 3) and set(names) <= {"a", "b", "c"}
    with pytest.raises(ValueError, match="exceeds the encoder's max_position_embeddings"):
        start_classifier(str(folder), num_classes=2, seq_length=64)
    assert classifier.pooling == "cls"
    # The same folder saved by sentence-transformers with mean pooling: "auto" follows it.
    from tests.interop.test_sentence_transformers import write_sentence_transformers_folder

    write_sentence_transformers_folder(folder, pooling_mode_mean_tokens=True)
    assert start_classifier(str(folder), num_classes=2, seq_length=24).pooling == "mean"
    assert start_classifier(str(folder), num_classes=2, seq_length=24, pooling="cls").pooling == "cls"
