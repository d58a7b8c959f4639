"""JSON lines outputs of `evaluate` and `predict` (one JSON object per line, UTF-8): the file
name is checked before any work, and the file appears whole or not at all."""

import json
import os

from keras_bert.errors import KerasBertError
from keras_bert.output_paths import staged_file

JSON_LINES = (".jsonl",)


def check_json_lines(name, path):
    """A one-line error unless `path` ends in .jsonl (`name`: the setting, for the message)."""
    if not path or os.path.splitext(path)[1].lower() not in JSON_LINES:
        raise KerasBertError(f"{name} {path}: use a .jsonl file name (JSON lines).")


def write_json_lines(name, path, rows):
    """Write `rows` (dicts), one per line, through a temporary file renamed when complete."""
    with staged_file(name, path) as temporary, open(temporary, "w", encoding="utf-8") as file:
        for row in rows:
            file.write(json.dumps(row, ensure_ascii=False) + "\n")
