"""What `evaluate` and `predict` share across task models (tagger, question answerer): which
task a model folder holds, the checks on their files before any work, and their outputs (a
scores JSON, JSON lines), each written whole or not at all."""

import json
import os

from keras_bert.errors import KerasBertError
from keras_bert.output_paths import check_output, staged_file
from keras_bert.workflows.checks import check_file

JSON_LINES = (".jsonl",)


def is_task_folder(path, task):
    """Whether `path` is a keras_bert model folder (or export) holding a `task` model."""
    from keras_bert.interop.native import is_model_folder, read_metadata

    return bool(path) and os.path.isdir(path) and is_model_folder(path) and (
        read_metadata(path).get("task") == task
    )


def load_task_folder(path, task, what, name="model"):
    """The `task` model of the folder at `path`; a one-line error naming `name` otherwise
    (`what`: how the message calls such a model, e.g. "a tagger")."""
    from keras_bert.interop.native import load_model, read_metadata

    if not path or not os.path.isdir(path):
        raise KerasBertError(f"{name} {path}: no such folder.")
    found = read_metadata(path).get("task")
    if found != task:
        raise KerasBertError(f"{name} {path}: holds a {found}, not {what}.")
    return load_model(path)


def check_evaluation_files(settings):
    """`settings.model` a folder, `settings.input` a file, and the optional `out` (scores
    JSON) and `predictions` (.jsonl) writable outputs distinct from the inputs and each other."""
    if not settings.model or not os.path.isdir(settings.model):
        raise KerasBertError(f"model {settings.model}: no such folder.")
    check_file("input", settings.input)
    if settings.predictions is not None:
        check_json_lines("predictions", settings.predictions)
    inputs = [("input", settings.input), ("model", settings.model)]
    for name in ("out", "predictions"):
        path = getattr(settings, name)
        if path is not None:
            check_output(name, path, inputs, kind="file")
            inputs.append((name, path))


def write_scores(path, scores):
    """The scores as indented JSON at `path` (the `out` setting)."""
    with staged_file("out", path) as temporary, open(temporary, "w", encoding="utf-8") as file:
        json.dump(scores, file, indent=2, ensure_ascii=False)
        file.write("\n")


def check_json_lines(name, path):
    """A one-line error unless `path` ends in .jsonl (`name`: the setting, for the message)."""
    if not path or os.path.splitext(path)[1].lower() not in JSON_LINES:
        raise KerasBertError(f"{name} {path}: use a .jsonl file name (JSON lines).")


def write_json_lines(name, path, rows):
    """Write `rows` (dicts), one per line, through a temporary file renamed when complete."""
    with staged_file(name, path) as temporary, open(temporary, "w", encoding="utf-8") as file:
        for row in rows:
            file.write(json.dumps(row, ensure_ascii=False) + "\n")
