"""Reading the small text files that travel with a model: one-item-per-line lists and JSON.

`read_lines` is the one line reader for `vocab.txt` and `labels.txt`, and follows Google's
BERT (`tokenization.load_vocab`), the reference every published vocabulary was made for:

- lines are split on "\\n" only. "\\r", "\\x85", "\\u2028" and the other characters that
  Python's universal newlines or `str.splitlines` would also split on stay inside a line (a
  vocabulary may hold such a character as a token);
- each line is stripped of surrounding whitespace ("\\r\\n" files therefore read like "\\n"
  files);
- a final "\\n" ends the last line; it does not start an empty one;
- every other line counts, blank ones included: a blank line in the middle is an empty item,
  and so is each extra blank line at the end ("a\\nb\\n\\n" is "a", "b", ""), exactly as
  Google's reader gives them ids.

`read_json` is the one JSON reader: a missing file is a `MissingFileError` and a syntax error
a `KerasBertError` that names the file as path:line:column.
"""

import json
import os

from keras_bert.errors import KerasBertError, MissingFileError

LINE_BREAKS = ("\n", "\r")
JSON_TYPE_NAMES = {dict: "object", list: "array", str: "string", bool: "boolean",
                   int: "number", float: "number", type(None): "null"}


def read_text(path, what="file"):
    """The whole of a UTF-8 text file, exactly as stored (no newline translation).

    Args:
        what: how messages name the file, e.g. "vocabulary file".
    """
    path = os.fspath(path)
    if os.path.isdir(path):
        raise KerasBertError(f"{_capitalized(what)} {path} is a folder, not a file.")
    if not os.path.isfile(path):
        raise MissingFileError(f"{_capitalized(what)} not found: {path}")
    try:
        with open(path, encoding="utf-8", newline="") as file:
            return file.read()
    except UnicodeDecodeError as error:
        raise KerasBertError(
            f"{_capitalized(what)} {path} is not UTF-8 text (byte {error.start}: {error.reason})."
        ) from None


def read_lines(path, what="file"):
    """The stripped lines of a text file, by Google's `load_vocab` rules (see the module doc)."""
    lines = read_text(path, what).split("\n")
    if lines[-1] == "":  # the text ends with "\n" (or is empty): no line after it
        lines.pop()
    return [line.strip() for line in lines]


def write_lines(path, items, what="item"):
    """Write one item per line, UTF-8 with "\\n" line ends, the format `read_lines` reads.

    An item holding a line break is refused: it would shift every later line, which for a
    vocabulary means every later token id (transformers reads vocab.txt with universal
    newlines, so "\\r" breaks a line there too).

    Args:
        what: how messages name one item, e.g. "token".
    """
    items = [str(item) for item in items]
    for index, item in enumerate(items):
        if any(character in item for character in LINE_BREAKS):
            raise KerasBertError(
                f"{_capitalized(what)} {index} ({item!r}) contains a line break; "
                f"{os.path.basename(os.fspath(path))} holds one {what} per line and cannot hold it."
            )
    with open(os.fspath(path), "w", encoding="utf-8", newline="") as file:
        file.write("".join(item + "\n" for item in items))


def read_json(path, what="JSON file", expect=None):
    """The value stored in a JSON file.

    Args:
        what: how messages name the file, e.g. "BERT config file".
        expect: `dict` or `list` when the file must hold a JSON object or array.

    Raises:
        MissingFileError: no such file.
        KerasBertError: not UTF-8, not JSON (the message names path:line:column), or not
            the `expect`ed kind of value.
    """
    path = os.fspath(path)
    text = read_text(path, what)
    try:
        value = json.loads(text)
    except json.JSONDecodeError as error:
        raise KerasBertError(
            f"{_capitalized(what)} is not valid JSON at {path}:{error.lineno}:{error.colno}: "
            f"{error.msg}."
        ) from None
    if expect is not None and not isinstance(value, expect):
        raise KerasBertError(
            f"{_capitalized(what)} {path} must hold a JSON {JSON_TYPE_NAMES[expect]} "
            f"(it holds a JSON {_json_type_name(value)})."
        )
    return value


def _json_type_name(value):
    return JSON_TYPE_NAMES.get(type(value), type(value).__name__)


def _capitalized(what):
    return what[:1].upper() + what[1:]
