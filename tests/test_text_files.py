"""`read_json`: one JSON reader whose errors name the file (and line:column of a syntax error)."""

import pytest

from keras_bert.errors import KerasBertError, MissingFileError
from keras_bert.text_files import read_json


def test_read_json_values_and_errors(tmp_path):
    path = tmp_path / "config.json"
    path.write_text('{"a": [1, 2]}\n', encoding="utf-8")
    assert read_json(path, "BERT config file", expect=dict) == {"a": [1, 2]}

    missing = tmp_path / "missing.json"
    with pytest.raises(MissingFileError, match=f"BERT config file not found: {missing}"):
        read_json(missing, "BERT config file")
    with pytest.raises(FileNotFoundError):  # MissingFileError is one
        read_json(missing)

    path.write_text('{\n  "a": 1,\n  "b": 2,,\n}\n', encoding="utf-8")
    expected = f"BERT config file is not valid JSON at {path}:3:10: Expecting property name"
    with pytest.raises(KerasBertError, match=expected):
        read_json(path, "BERT config file")
    path.write_text("", encoding="utf-8")
    with pytest.raises(KerasBertError, match=f"at {path}:1:1: Expecting value"):
        read_json(path)

    path.write_text("[1, 2]", encoding="utf-8")
    assert read_json(path, expect=list) == [1, 2]
    with pytest.raises(KerasBertError, match=f"Tokenizer file {path} must hold a JSON object "
                                             r"\(it holds a JSON array\)"):
        read_json(path, "tokenizer file", expect=dict)
    with pytest.raises(KerasBertError, match="is a folder"):
        read_json(tmp_path)
