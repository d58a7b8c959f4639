"""`keras-bert export` errors and defaults, and `keras-bert encode` on the exported model."""

import json
import os

import numpy as np
import pytest

from keras_bert.cli.main import main
from tests.serving.exported_model import TEXTS, expected_outputs


@pytest.fixture(scope="module")
def input_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("encode") / "texts.txt"
    path.write_text("".join(text + "\n" for text in TEXTS), encoding="utf-8")
    return path


def test_encode_writes_npy_equal_to_in_memory_pooled_output(exported, input_file, tmp_path):
    saved_model, classifier, _ = exported
    output = tmp_path / "out.npy"
    args = ["encode", "--model", str(saved_model), "--input", str(input_file), "--out", str(output)]
    assert main(args + ["--batch-size", "2"]) == 0
    embeddings = np.load(output)
    expected = expected_outputs(classifier, TEXTS)["pooled_output"]
    np.testing.assert_allclose(embeddings, expected, atol=1e-5)


def test_encode_writes_json_lines(exported, input_file, tmp_path):
    saved_model, classifier, _ = exported
    output = tmp_path / "out.jsonl"
    args = ["encode", "--model", str(saved_model), "--input", str(input_file), "--out", str(output)]
    assert main(args) == 0
    records = [json.loads(line) for line in output.read_text(encoding="utf-8").splitlines()]
    assert [record["text"] for record in records] == TEXTS
    expected = expected_outputs(classifier, TEXTS)["pooled_output"]
    np.testing.assert_allclose([record["embedding"] for record in records], expected, atol=1e-5)


def test_encode_refuses_a_folder_that_is_not_a_saved_model(exported, input_file, tmp_path, capsys):
    _, _, folder = exported
    args = ["encode", "--model", str(folder), "--input", str(input_file), "--out", str(tmp_path / "o.npy")]
    assert main(args) == 2
    assert "not a SavedModel" in capsys.readouterr().err


def test_encode_refuses_an_unknown_output_format(exported, input_file, capsys):
    saved_model, _, _ = exported
    args = ["encode", "--model", str(saved_model), "--input", str(input_file), "--out", "o.csv"]
    assert main(args) == 2
    assert ".npy or .jsonl" in capsys.readouterr().err


def test_export_refuses_to_overwrite(exported, capsys):
    saved_model, _, folder = exported
    assert main(["export", "--model", str(folder), "--out", str(saved_model)]) == 2
    assert "--overwrite" in capsys.readouterr().err


def test_export_of_a_missing_folder_is_a_usage_error(tmp_path, capsys):
    assert main(["export", "--model", str(tmp_path / "missing")]) == 2
    assert "is not a folder" in capsys.readouterr().err


def test_export_default_output_is_under_export(tmp_path):
    from keras_bert.cli.export import default_output_path

    assert default_output_path(str(tmp_path / "runs" / "sst2") + os.sep) == os.path.join(
        "export", "sst2", "1"
    )


def test_export_rejects_seq_length_beyond_the_position_table(exported, tmp_path, capsys):
    _, _, folder = exported
    args = ["export", "--model", str(folder), "--out", str(tmp_path / "x"), "--seq-length", "65"]
    assert main(args) == 2
    assert "max_position_embeddings" in capsys.readouterr().err
