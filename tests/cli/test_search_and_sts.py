"""`keras-bert search` and `keras-bert evaluate-sts` on a tiny sentence encoder folder."""

import json
import os
import time

import pytest

from keras_bert.cli.main import main
from tests.embeddings import write_tiny_model_folder

CORPUS = ["the cat sat on the mat", "a dog ran in the house", "the bird flew over the sea",
          "a good movie and a great plot", "an awful film , very bad acting"]
STS_ROWS = [
    "g\tf\t2012\t0\t5.0\tthe cat sat on the mat\tthe cat sat on a mat",
    "g\tf\t2012\t1\t0.2\ta dog ran in the house\tthe sea",
    "g\tf\t2012\t2\t3.1\ta good movie\ta great film",
    "g\tf\t2012\t3\t1.0\tthe bird flew\tbad acting",
]


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    root = tmp_path_factory.mktemp("search")
    (root / "corpus.txt").write_text("\n".join(CORPUS) + "\n", encoding="utf-8")
    (root / "sts.csv").write_text("\n".join(STS_ROWS) + "\n", encoding="utf-8")
    return root, write_tiny_model_folder(root / "model")


def search(root, model, query="the bird flew over the sea"):
    return main(["search", "--model", model, "--corpus", str(root / "corpus.txt"),
                 "--query", query, "-k", "2", "--index", str(root / "index"), "--quiet"])


def test_search_builds_the_index_once_then_reuses_it(files, capsys):
    root, model = files
    assert search(root, model) == 0
    out = capsys.readouterr().out
    assert f"index {root / 'index'}: 5 texts, built in" in out
    lines = out.splitlines()
    first = lines.index("query: the bird flew over the sea") + 1
    assert lines[first].startswith("  1. 1.0000  the bird flew over the sea  (line 3)")
    assert lines[first + 1].startswith("  2. ") and len(lines) == first + 2

    assert search(root, model, query="a cat") == 0
    assert ": 5 texts, reused" in capsys.readouterr().out


def test_a_changed_corpus_is_indexed_again_another_is_refused(files, capsys, tmp_path):
    _, model = files
    corpus = tmp_path / "corpus.txt"
    corpus.write_text("\n".join(CORPUS) + "\n", encoding="utf-8")
    index = str(tmp_path / "index")
    args = ["search", "--model", model, "--query", "red", "--index", index]
    assert main(args + ["--corpus", str(corpus), "--quiet"]) == 0
    capsys.readouterr()
    corpus.write_text("\n".join(CORPUS + ["the red house"]) + "\n", encoding="utf-8")
    os.utime(corpus, ns=(time.time_ns(), time.time_ns() + 10**9))
    assert main(args + ["--corpus", str(corpus)]) == 0
    out = capsys.readouterr().out
    assert f"rebuilding the index: the corpus {corpus} changed" in out
    assert ": 6 texts, built in" in out

    other = tmp_path / "other.txt"
    other.write_text("a cat\n", encoding="utf-8")
    assert main(args + ["--corpus", str(other), "--quiet"]) == 2
    error = capsys.readouterr().err
    assert error.startswith(f"keras-bert search: error: index {index} does not fit")
    assert f"built from corpus {corpus}, not {other}" in error and len(error.splitlines()) == 1
    assert main(args + ["--corpus", str(other), "--quiet", "--rebuild"]) == 0
    assert ": 1 texts, built in" in capsys.readouterr().out


def test_without_index_the_cache_keeps_it(files, capsys, tmp_path, monkeypatch):
    root, model = files
    monkeypatch.setenv("KERAS_BERT_CACHE", str(tmp_path / "cache"))
    args = ["search", "--model", model, "--corpus", str(root / "corpus.txt"), "--query", "a cat",
            "--quiet"]
    assert main(args) == 0
    assert f"index {tmp_path / 'cache' / 'search_indexes'}" in capsys.readouterr().out
    assert main(args) == 0
    assert "reused" in capsys.readouterr().out


@pytest.mark.parametrize(
    "args, message",
    [
        (["--model", "no/such/model"], "model no/such/model: no such folder."),
        (["--corpus", "no/such.txt"], "corpus no/such.txt: no such file."),
        (["-k", "0"], "k must be an integer >= 1, got 0."),
        (["--pooling", "sum"], "pooling must be one of cls, mean, max, got 'sum'."),
        (["--index", "{model}/index"], "index {model}/index lies inside the model folder {model}; "
         "give a folder outside it."),
        (["--index", "{corpus}"], "index {corpus} is a file; give a folder."),
    ],
)
def test_search_mistakes_are_one_line(files, capsys, args, message):
    root, model = files
    paths = {"model": model, "corpus": str(root / "corpus.txt")}
    base = {"--model": model, "--corpus": paths["corpus"], "--query": "cat"}
    base.update({flag: value.format(**paths) for flag, value in zip(args[::2], args[1::2])})
    assert main(["search", *[item for pair in base.items() for item in pair]]) == 2
    assert capsys.readouterr().err == f"keras-bert search: error: {message.format(**paths)}\n"


def test_evaluate_sts_prints_spearman_and_pearson(files, capsys, tmp_path):
    root, model = files
    out = tmp_path / "scores.json"
    assert main(["evaluate-sts", "--model", model, "--input", str(root / "sts.csv"),
                 "--out", str(out), "--quiet"]) == 0
    printed = capsys.readouterr().out.splitlines()
    assert printed[0] == "sts.csv: 4 pairs, mean pooling"
    assert printed[1].startswith("  Spearman x100  ") and printed[2].startswith("  Pearson  x100  ")
    scores = json.loads(out.read_text(encoding="utf-8"))
    assert scores["pairs"] == 4 and f"{scores['spearman']:.2f}" in printed[1]
    assert -100 <= scores["spearman"] <= 100 and scores["pooling"] == "mean"


def test_evaluate_sts_names_a_bad_line(files, capsys, tmp_path):
    root, model = files
    data = str(root / "sts.csv")
    assert main(["evaluate-sts", "--model", model, "--input", data, "--out", data]) == 2
    assert capsys.readouterr().err == (
        f"keras-bert evaluate-sts: error: out {data} is the data file; give another path.\n"
    )
    bad = tmp_path / "bad.csv"
    bad.write_text(STS_ROWS[0] + "\ng\tf\t2012\t1\tfour\ta\tb\n", encoding="utf-8")
    assert main(["evaluate-sts", "--model", model, "--input", str(bad)]) == 2
    assert capsys.readouterr().err == (
        f"keras-bert evaluate-sts: error: {bad}:2: the score (field 5) is 'four', not a number.\n"
    )
