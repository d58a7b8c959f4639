"""Labelled text files (CSV, TSV, JSON lines) → examples → tf.data for fine-tuning.

Real task files are messy: SST-2 and MRPC hold unbalanced double quotes and must be read
without quoting, MRPC starts with a UTF-8 byte-order mark, OCNLI marks pairs that annotators
did not agree on with the label "-". A row that cannot be a training example (missing label,
empty text, too few columns, a label the model does not know) is an error naming the file
and line: by default reading stops there; with `skip_bad_rows=True` the row is skipped and
listed in `LabelledExamples.skipped`. Labels the caller chose to drop (`drop_labels`) are
counted in `LabelledExamples.dropped`. Nothing is ever left out without a record.
"""

import csv
import io
import dataclasses
import json
import os

import numpy as np
from keras_bert.errors import KerasBertError, MissingFileError

FORMATS = ("csv", "tsv", "jsonl")

# File name endings and the format they imply; anything else needs an explicit format.
_FORMAT_BY_EXTENSION = {
    ".csv": "csv",
    ".tsv": "tsv",
    ".txt": "tsv",
    ".jsonl": "jsonl",
    ".json": "jsonl",
    ".ndjson": "jsonl",
}


class BadRowError(KerasBertError):
    """A row that cannot be an example; the message starts with `file:line:`."""


@dataclasses.dataclass
class LabelledExamples:
    """Examples read from one file, with a record of every row that was not used.

    Attributes:
        path: the file read.
        texts: the first text of each example.
        text_pairs: the second text of each example, or None for single-text tasks.
        labels: label names (strings), or None when the file was read without labels.
        line_numbers: the line each example starts on (1 = the header of CSV/TSV files).
        dropped: {label: [lines]} for rows removed by `drop_labels`.
        skipped: [(line, reason)] for bad rows skipped by `skip_bad_rows`.
    """

    path: str
    texts: list
    text_pairs: list = None
    labels: list = None
    line_numbers: list = dataclasses.field(default_factory=list)
    dropped: dict = dataclasses.field(default_factory=dict)
    skipped: list = dataclasses.field(default_factory=list)

    def __len__(self):
        return len(self.texts)

    def subsample(self, count, seed=0):
        """`count` examples drawn without replacement (file order kept); all if fewer."""
        if count is None or count >= len(self):
            return self
        rng = np.random.default_rng(seed)
        chosen = np.sort(rng.choice(len(self), size=count, replace=False))
        def pick(values):
            return None if values is None else [values[i] for i in chosen]
        return dataclasses.replace(
            self,
            texts=pick(self.texts),
            text_pairs=pick(self.text_pairs),
            labels=pick(self.labels),
            line_numbers=pick(self.line_numbers),
        )

    def report(self):
        """One paragraph saying what was read and what was not, for logs and the CLI."""
        name = os.path.basename(self.path)
        lines = [f"{name}: {len(self):,} examples"]
        for label, label_lines in sorted(self.dropped.items()):
            lines.append(
                f"{name}: dropped {len(label_lines):,} row(s) with label {label!r} "
                f"(lines {_abbreviate(label_lines)})"
            )
        if self.skipped:
            details = "; ".join(f"line {line}: {reason}" for line, reason in self.skipped[:5])
            more = f"; … {len(self.skipped) - 5} more" if len(self.skipped) > 5 else ""
            lines.append(f"{name}: skipped {len(self.skipped):,} bad row(s) ({details}{more})")
        return "\n".join(lines)


def detect_format(path):
    """The format implied by `path`'s extension (.csv, .tsv/.txt, .jsonl/.json)."""
    extension = os.path.splitext(path)[1].lower()
    if extension not in _FORMAT_BY_EXTENSION:
        raise KerasBertError(
            f"Cannot tell the format of {path} from its extension; give one of "
            f"{', '.join(FORMATS)}."
        )
    return _FORMAT_BY_EXTENSION[extension]


def read_labelled_file(
    path,
    *,
    text_column,
    label_column=None,
    text_pair_column=None,
    file_format=None,
    quoting=True,
    encoding="utf-8-sig",
    drop_labels=(),
    label_vocabulary=None,
    skip_bad_rows=False,
):
    """Read `path` into `LabelledExamples`.

    Args:
        text_column, text_pair_column, label_column: column (CSV/TSV header) or field (JSON
            lines) names. `label_column=None` reads unlabelled text (for prediction).
        file_format: "csv", "tsv" or "jsonl"; by default from the extension.
        quoting: False reads CSV/TSV with `csv.QUOTE_NONE`: a double quote is an ordinary
            character (needed for SST-2 and MRPC, whose texts hold unbalanced quotes).
        encoding: "utf-8-sig" (the default) reads UTF-8 and ignores a leading byte-order mark.
        drop_labels: label names whose rows are removed and counted (OCNLI's "-").
        label_vocabulary: when given, a label outside it is a bad row (a dev label that
            training never had).
        skip_bad_rows: skip and record bad rows instead of raising `BadRowError`.
    """
    if not os.path.exists(path):
        raise MissingFileError(f"Data file not found: {path}")
    file_format = file_format or detect_format(path)
    if file_format not in FORMATS:
        raise KerasBertError(f"Unknown data format {file_format!r}; use one of {', '.join(FORMATS)}.")
    columns = [("text", text_column)]
    if text_pair_column:
        columns.append(("text_pair", text_pair_column))
    if label_column:
        columns.append(("label", label_column))
    drop_labels = {str(label) for label in drop_labels}

    examples = LabelledExamples(
        path=path,
        texts=[],
        text_pairs=[] if text_pair_column else None,
        labels=[] if label_column else None,
    )

    def bad_row(line, reason):
        if not skip_bad_rows:
            raise BadRowError(f"{path}:{line}: {reason}")
        examples.skipped.append((line, reason))

    if file_format == "jsonl":
        records = _json_lines_records(path, encoding, columns, bad_row)
    else:
        records = _delimited_records(path, encoding, file_format, quoting, columns, bad_row)

    for line, values in records:
        missing = [
            f"{role.replace('_', ' ')} ({column!r})"
            for role, column in columns
            if values[role] is None or not values[role].strip()
        ]
        if missing:
            bad_row(line, f"empty or missing {', '.join(missing)}")
            continue
        if label_column:
            label = values["label"].strip()
            if label in drop_labels:
                examples.dropped.setdefault(label, []).append(line)
                continue
            if label_vocabulary is not None and label not in label_vocabulary:
                bad_row(
                    line,
                    f"label {label!r} is not one the model was trained on "
                    f"({', '.join(label_vocabulary.names)})",
                )
                continue
            examples.labels.append(label)
        examples.texts.append(values["text"])
        if text_pair_column:
            examples.text_pairs.append(values["text_pair"])
        examples.line_numbers.append(line)
    if not len(examples):
        raise KerasBertError(f"{path}: no usable examples.\n{examples.report()}")
    return examples


def _decoded_text(path, encoding):
    """The whole file decoded; a decoding error names the line and byte and `encoding`."""
    with open(path, "rb") as file:
        data = file.read()
    try:
        return data.decode(encoding)
    except UnicodeError as error:
        start = getattr(error, "start", 0)
        line = data.count(b"\n", 0, start) + 1
        line_start = data.rfind(b"\n", 0, start) + 1
        byte = f"byte 0x{data[start]:02x} at byte {start - line_start + 1} of the line"
        raise KerasBertError(
            f"{path}:{line}: not {encoding} text ({byte}: {getattr(error, 'reason', error)}); "
            "pass the file's encoding with --encoding (e.g. --encoding latin-1)."
        ) from None


def _delimited_records(path, encoding, file_format, quoting, columns, bad_row):
    """Yield (line, {role: value or None}) for each CSV/TSV row after the header."""
    delimiter = "\t" if file_format == "tsv" else ","
    with io.StringIO(_decoded_text(path, encoding), newline="") as file:
        reader = csv.reader(
            file,
            delimiter=delimiter,
            quoting=csv.QUOTE_MINIMAL if quoting else csv.QUOTE_NONE,
            strict=False,
        )
        try:
            header = next(reader)
        except StopIteration:
            raise KerasBertError(f"{path}: the file is empty (a header row is expected).") from None
        except csv.Error as error:
            raise KerasBertError(f"{path}:1: {error}") from None
        indices = {}
        for role, column in columns:
            if column not in header:
                raise KerasBertError(
                    f"{path}:1: no column {column!r} in the header "
                    f"(columns: {', '.join(repr(name) for name in header)})."
                )
            indices[role] = header.index(column)
        needed = max(indices.values()) + 1
        previous_end = reader.line_num
        while True:
            try:
                row = next(reader)
            except StopIteration:
                return
            except csv.Error as error:
                raise KerasBertError(f"{path}:{reader.line_num}: {error}") from None
            line, previous_end = previous_end + 1, reader.line_num
            if not row:
                continue  # a blank line holds no row
            if file_format == "tsv" and quoting and reader.line_num > line:
                bad_row(
                    line,
                    f"a quoted field runs from line {line} to line {reader.line_num}; if "
                    "double quotes are ordinary characters in this file, read it without "
                    "quoting (quoting=False, --no-quoting)",
                )
                continue
            if len(row) < needed:
                bad_row(line, f"{len(row)} column(s), but {needed} are needed ({len(header)} in the header)")
                continue
            if len(row) > len(header):
                separator = "tab" if file_format == "tsv" else "comma"
                bad_row(
                    line,
                    f"{len(row)} columns, but the header has {len(header)} (a stray {separator} "
                    "in a text?)",
                )
                continue
            yield line, {role: row[index] for role, index in indices.items()}


def _json_lines_records(path, encoding, columns, bad_row):
    with io.StringIO(_decoded_text(path, encoding), newline="") as file:
        line = 0
        while True:
            line += 1
            text = file.readline()
            if not text:
                return
            if not text.strip():
                continue  # a blank line holds no record
            try:
                record = json.loads(text)
            except json.JSONDecodeError as error:
                bad_row(line, f"not valid JSON ({error.msg})")
                continue
            if not isinstance(record, dict):
                bad_row(line, "not a JSON object")
                continue
            values = {}
            for role, column in columns:
                value = record.get(column)
                if value is not None and not isinstance(value, str):
                    value = json.dumps(value) if isinstance(value, (dict, list)) else str(value)
                values[role] = value
            yield line, values


def count_truncated(tokenizer, examples, seq_length, chunk=4096):
    """How many of `examples` lose tokens at `seq_length` (None when `tokenizer` cannot say),
    so that truncation is reported, not silent."""
    if not hasattr(tokenizer, "count_truncated"):
        return None
    total = 0
    for start in range(0, len(examples), chunk):
        pairs = examples.text_pairs[start : start + chunk] if examples.text_pairs is not None else None
        total += int(tokenizer.count_truncated(examples.texts[start : start + chunk], pairs, seq_length))
    return total


def _abbreviate(numbers, limit=8):
    shown = ", ".join(str(number) for number in numbers[:limit])
    return shown + (", …" if len(numbers) > limit else "")


def classification_dataset(
    examples,
    tokenizer,
    label_vocabulary=None,
    *,
    seq_length=128,
    batch_size=32,
    shuffle=False,
    seed=None,
    tokenize_batch_size=512,
    trim_padding=True,
    group_by_length=50,
):
    """A tf.data.Dataset of (encoder inputs, label ids) batches; (encoder inputs,) if unlabelled.

    Texts are tokenized in the input pipeline by `tokenizer.encode` (in-graph), once: the
    packed ids are cached, so later epochs only shuffle and batch. With `trim_padding`, each
    batch is cut to its longest row (rounded up to a multiple of 8, so only a few shapes are
    traced): short texts (SST-2 averages about 13 WordPieces) then cost what they hold, not
    `seq_length`. Padded positions are masked, so the results are the same.

    With `shuffle` and `group_by_length=K` (K > 1), each run of K shuffled batches is re-cut
    so that every batch holds examples of similar length (the batches are then shuffled among
    themselves): trimming then saves far more. On SST-2 (13 WordPieces on average, but a
    random batch of 32 usually holds one of 40 or more) a fine-tuning epoch is about twice
    as fast. The epoch still holds every example once, in ceil(n / batch_size) batches.
    """
    import tensorflow as tf

    texts = tf.constant(examples.texts, tf.string)
    if examples.text_pairs is not None:
        strings = tf.data.Dataset.from_tensor_slices((texts, tf.constant(examples.text_pairs)))
        def encode(first, second):
            return tokenizer.encode(first, second, seq_length=seq_length)
    else:
        strings = tf.data.Dataset.from_tensor_slices((texts,))
        def encode(first):
            return tokenizer.encode(first, seq_length=seq_length)
    features = (
        strings.batch(tokenize_batch_size)
        .map(encode, num_parallel_calls=tf.data.AUTOTUNE)
        .unbatch()
    )
    if label_vocabulary is not None and examples.labels is not None:
        label_ids = tf.data.Dataset.from_tensor_slices(
            np.asarray(label_vocabulary.ids(examples.labels), "int32")
        )
        dataset = tf.data.Dataset.zip((features, label_ids))
    else:
        dataset = features.map(lambda inputs: (inputs,))
    # Unbatching hides the length; state it, so Keras and the schedule know the epoch size.
    dataset = dataset.cache().apply(tf.data.experimental.assert_cardinality(len(examples)))
    if shuffle:
        dataset = dataset.shuffle(len(examples), seed=seed, reshuffle_each_iteration=True)
    if shuffle and group_by_length and group_by_length > 1:
        dataset = (
            dataset.batch(batch_size * group_by_length)
            .map(_sort_by_length)
            .unbatch()
            .batch(batch_size)
            .shuffle(group_by_length, seed=seed, reshuffle_each_iteration=True)
            .apply(tf.data.experimental.assert_cardinality(-(-len(examples) // batch_size)))
        )
    else:
        dataset = dataset.batch(batch_size)
    if trim_padding:
        dataset = dataset.map(lambda inputs, *labels: (trim_batch_padding(inputs), *labels))
    return dataset.prefetch(tf.data.AUTOTUNE)


def _sort_by_length(inputs, *labels):
    """Reorder a batch of examples by their number of real tokens."""
    import tensorflow as tf

    order = tf.argsort(tf.reduce_sum(inputs["input_mask"], axis=-1), stable=True)
    def gather(value):
        return tf.gather(value, order)
    return ({name: gather(value) for name, value in inputs.items()}, *[gather(label) for label in labels])


def trim_batch_padding(inputs, multiple=8):
    """Cut a batch of encoder inputs to its longest row, rounded up to `multiple` positions."""
    import tensorflow as tf

    # At least one position: an empty batch's maximum is the int32 minimum.
    longest = tf.maximum(tf.reduce_max(tf.reduce_sum(inputs["input_mask"], axis=-1)), 1)
    length = tf.minimum(
        (longest + multiple - 1) // multiple * multiple, tf.shape(inputs["input_mask"])[-1]
    )
    return {name: value[:, :length] for name, value in inputs.items()}
