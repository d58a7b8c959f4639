"""`keras-bert evaluate` and `predict` on a tagger folder (and its export): conlleval scores
worked out by hand for a tagger whose every word gets one tag, entities as JSON lines with
character offsets, and one-line errors."""

import json

import numpy as np
import pytest

from keras_bert.cli.main import main
from keras_bert.interop.native import write_model_folder
from tests.tasks.test_token_tagger import forced, tagger

from keras_bert.tokenization import BertTokenizer
from tests.tasks.test_token_tagger import VOCAB


@pytest.fixture(scope="module")
def folders(tmp_path_factory):
    """A tagger that tags every word I-PER (so each sentence is one PER entity), and one that
    tags every word B-PER (each word its own entity)."""
    root = tmp_path_factory.mktemp("taggers")
    tokenizer = BertTokenizer(VOCAB, lowercase=True)
    paths = {}
    for tag in ("I-PER", "B-PER"):
        paths[tag] = root / tag
        write_model_folder(paths[tag], forced(tagger(tokenizer, seq_length=16), tag))
    return paths


def test_evaluate_scores_by_conlleval(folders, tmp_path, capsys):
    data = tmp_path / "dev.conll"
    data.write_text("-DOCSTART- O\n\nJohn B-PER\nSmith I-PER\n\nParis B-LOC\n\n", "utf-8")
    out, rows = tmp_path / "scores.json", tmp_path / "rows.jsonl"
    assert main(["evaluate", "--model", str(folders["I-PER"]), "--input", str(data),
                 "--out", str(out), "--predictions", str(rows)]) == 0
    scores = json.loads(out.read_text())
    # Predicted: PER "John Smith" (right) and PER "Paris" (wrong); true: that PER and a LOC.
    assert (scores["precision"], scores["recall"], scores["f1"]) == (0.5, 0.5, 0.5)
    assert scores["per_type"]["PER"]["precision"] == 0.5
    assert scores["per_type"]["PER"]["recall"] == 1.0
    assert scores["per_type"]["LOC"]["recall"] == 0.0
    lines = [json.loads(line) for line in rows.read_text("utf-8").splitlines()]
    assert lines[0]["words"] == ["John", "Smith"] and lines[1]["predicted"] == ["I-PER"]
    assert "PER" in capsys.readouterr().out


def test_predict_writes_entities_with_character_offsets(folders, tmp_path, capsys):
    texts = tmp_path / "texts.txt"
    lines = ["\ufeffJohn  Smith lives in Paris", "", "北京 cats\r"]
    texts.write_text("\n".join(lines), "utf-8")
    out = tmp_path / "entities.jsonl"
    assert main(["predict", "--model", str(folders["B-PER"]), "--input", str(texts),
                 "--out", str(out)]) == 0
    rows = [json.loads(line) for line in out.read_text("utf-8").splitlines()]
    assert [row["line"] for row in rows] == [1, 3]
    assert rows[0]["text"] == "John  Smith lives in Paris" and rows[1]["text"] == "北京 cats"
    assert [e["text"] for e in rows[0]["entities"]] == ["John", "Smith", "lives", "in", "Paris"]
    for row in rows:
        for entity in row["entities"]:
            assert row["text"][entity["start"]:entity["end"]] == entity["text"]
            assert entity["type"] == "PER"
    assert "8 entities in 2 texts" in capsys.readouterr().out


def test_predict_reads_json_lines_with_ids(folders, tmp_path):
    texts = tmp_path / "texts.jsonl"
    texts.write_text('{"id": "a", "text": "John"}\n{"text": "Paris"}\n', "utf-8")
    out = tmp_path / "entities.jsonl"
    assert main(["predict", "--model", str(folders["B-PER"]), "--input", str(texts),
                 "--out", str(out)]) == 0
    rows = [json.loads(line) for line in out.read_text("utf-8").splitlines()]
    assert [row.get("id", row.get("line")) for row in rows] == ["a", 2]


@pytest.mark.parametrize("argv,message", [
    (["predict", "--out", "x.csv"], "use a .jsonl file name"),
    (["predict", "--out", "x.jsonl", "--text-column", "t"], "--text-column does not apply"),
    (["evaluate", "--metric", "squad"], "--metric does not apply to a tagger"),
    (["evaluate", "--predictions", "p.csv"], "use a .jsonl file name"),
])
def test_mistakes_are_one_line(folders, tmp_path, capsys, argv, message):
    data = tmp_path / "dev.conll"
    data.write_text("John B-PER\n", "utf-8")
    argv = argv[:1] + ["--model", str(folders["B-PER"]), "--input", str(data)] + [
        str(tmp_path / arg) if arg.endswith((".csv", ".jsonl")) else arg for arg in argv[1:]
    ]
    assert main(argv) == 2
    error = capsys.readouterr().err
    assert message in error and len(error.strip().splitlines()) == 1
    assert np.all([not (tmp_path / name).exists() for name in ("x.csv", "x.jsonl", "p.csv")])
