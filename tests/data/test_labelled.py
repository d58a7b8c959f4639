"""Labelled file readers (formats, column choice, label vocabulary, every bad-row case) and batching."""

import json

import numpy as np
import pytest

from keras_bert.data.label_vocabulary import LabelVocabulary
from keras_bert import BertTokenizer
from keras_bert.data.labelled import BadRowError, LabelledExamples, classification_dataset, detect_format, read_labelled_file


def write(path, text, encoding="utf-8"):
    path.write_text(text, encoding=encoding)
    return str(path)


def test_tsv_single_text_with_header_columns_by_name(tmp_path):
    path = write(tmp_path / "train.tsv", "id\tlabel\tsentence\n7\tpos\tgood film\n8\tneg\tbad film\n")
    examples = read_labelled_file(path, text_column="sentence", label_column="label")
    assert examples.texts == ["good film", "bad film"]
    assert examples.labels == ["pos", "neg"]
    assert examples.text_pairs is None
    assert examples.line_numbers == [2, 3]


def test_csv_with_quoted_commas_and_multiline_field(tmp_path):
    path = write(
        tmp_path / "d.csv",
        'text,other,label\n"fine, really",x,1\n"two\nlines",y,0\n',
    )
    examples = read_labelled_file(path, text_column="text", label_column="label")
    assert examples.texts == ["fine, really", "two\nlines"]
    assert examples.labels == ["1", "0"]
    assert examples.line_numbers == [2, 3]


def test_tsv_without_quoting_keeps_double_quotes_and_utf8_bom(tmp_path):
    # MRPC: a UTF-8 byte-order mark, and unbalanced double quotes inside the texts.
    text = (
        "Quality\t#1 ID\t#2 ID\t#1 String\t#2 String\n"
        '1\t1\t2\tHe said "the pie.\t"The pie" fits.\n'
        "0\t3\t4\tA b.\tC d.\n"
    )
    path = write(tmp_path / "mrpc.tsv", text, encoding="utf-8-sig")
    examples = read_labelled_file(
        path,
        text_column="#1 String",
        text_pair_column="#2 String",
        label_column="Quality",
        quoting=False,
    )
    assert examples.texts == ['He said "the pie.', "A b."]
    assert examples.text_pairs == ['"The pie" fits.', "C d."]
    assert examples.labels == ["1", "0"]


def test_tsv_with_quoting_on_unbalanced_quotes_is_an_error_that_suggests_no_quoting(tmp_path):
    path = write(tmp_path / "sst.tsv", 'sentence\tlabel\n"a quote starts\t1\nhere\t0\n')
    with pytest.raises(BadRowError, match=r"sst\.tsv:2: .*--no-quoting"):
        read_labelled_file(path, text_column="sentence", label_column="label")


def test_json_lines_with_integer_labels_and_pairs(tmp_path):
    rows = [
        {"sentence1": "s1", "sentence2": "t1", "label": 2},
        {"sentence1": "s2", "sentence2": "t2", "label": 10},
    ]
    path = write(tmp_path / "d.jsonl", "".join(json.dumps(r) + "\n" for r in rows) + "\n")
    examples = read_labelled_file(
        path, text_column="sentence1", text_pair_column="sentence2", label_column="label"
    )
    assert examples.labels == ["2", "10"]
    assert examples.text_pairs == ["t1", "t2"]
    # Integer names sort as numbers: "2" is class 0, "10" class 1.
    assert LabelVocabulary.from_labels(examples.labels).names == ["2", "10"]


def test_drop_labels_are_counted_with_their_lines(tmp_path):
    rows = [
        {"s": "a", "t": "b", "label": "neutral"},
        {"s": "c", "t": "d", "label": "-"},
        {"s": "e", "t": "f", "label": "entailment"},
        {"s": "g", "t": "h", "label": "-"},
    ]
    path = write(tmp_path / "ocnli.json", "".join(json.dumps(r) + "\n" for r in rows))
    examples = read_labelled_file(
        path, text_column="s", text_pair_column="t", label_column="label", drop_labels=["-"]
    )
    assert examples.labels == ["neutral", "entailment"]
    assert examples.dropped == {"-": [2, 4]}
    assert "dropped 2 row(s) with label '-' (lines 2, 4)" in examples.report()


BAD_ROWS = [
    ("missing label", "text\tlabel\ngood\t1\nfine\t\n", r"d\.tsv:3: empty or missing label"),
    ("empty text", "text\tlabel\ngood\t1\n   \t0\n", r"d\.tsv:3: empty or missing text"),
    ("too few columns", "text\tlabel\ngood\t1\nonly one column\n", r"d\.tsv:3: 1 column\(s\), but 2"),
]


@pytest.mark.parametrize("case, content, message", BAD_ROWS, ids=[c[0] for c in BAD_ROWS])
def test_bad_row_is_an_error_with_file_and_line(tmp_path, case, content, message):
    path = write(tmp_path / "d.tsv", content)
    with pytest.raises(BadRowError, match=message):
        read_labelled_file(path, text_column="text", label_column="label")


@pytest.mark.parametrize("case, content, message", BAD_ROWS, ids=[c[0] for c in BAD_ROWS])
def test_skip_bad_rows_reports_count_and_lines(tmp_path, case, content, message):
    path = write(tmp_path / "d.tsv", content + "more\t0\n")
    examples = read_labelled_file(
        path, text_column="text", label_column="label", skip_bad_rows=True
    )
    assert examples.texts == ["good", "more"]
    assert [line for line, _ in examples.skipped] == [3]
    assert "skipped 1 bad row(s) (line 3:" in examples.report()


def test_json_lines_bad_rows(tmp_path):
    path = write(tmp_path / "d.jsonl", '{"text": "a", "label": "x"}\n{"text": "b"}\n')
    with pytest.raises(BadRowError, match=r"d\.jsonl:2: empty or missing label"):
        read_labelled_file(path, text_column="text", label_column="label")
    path = write(tmp_path / "e.jsonl", '{"text": "a", "label": "x"}\n{"text": "b", "label": \n')
    with pytest.raises(BadRowError, match=r"e\.jsonl:2: not valid JSON"):
        read_labelled_file(path, text_column="text", label_column="label")


def test_dev_label_that_train_never_had(tmp_path):
    train = write(tmp_path / "train.csv", "text,label\na,pos\nb,neg\n")
    dev = write(tmp_path / "dev.csv", "text,label\nc,pos\nd,neutral\ne,neg\n")
    vocabulary = LabelVocabulary.from_labels(
        read_labelled_file(train, text_column="text", label_column="label").labels
    )
    with pytest.raises(BadRowError, match=r"dev\.csv:3: label 'neutral' is not one the model"):
        read_labelled_file(dev, text_column="text", label_column="label", label_vocabulary=vocabulary)
    examples = read_labelled_file(
        dev, text_column="text", label_column="label", label_vocabulary=vocabulary, skip_bad_rows=True
    )
    assert examples.labels == ["pos", "neg"] and examples.skipped[0][0] == 3


def test_unknown_column_names_the_file_and_the_columns(tmp_path):
    path = write(tmp_path / "d.tsv", "sentence\tlabel\na\t1\n")
    with pytest.raises(ValueError, match=r"d\.tsv:1: no column 'text'.*'sentence', 'label'"):
        read_labelled_file(path, text_column="text", label_column="label")


def test_unlabelled_reading_for_prediction(tmp_path):
    path = write(tmp_path / "d.tsv", "sentence\na\nb\n")
    examples = read_labelled_file(path, text_column="sentence")
    assert examples.labels is None and examples.texts == ["a", "b"]


def test_format_detection_and_unknown_extension(tmp_path):
    assert detect_format("x/train.tsv") == "tsv"
    assert detect_format("dev.json") == "jsonl"
    with pytest.raises(ValueError, match="Cannot tell the format"):
        detect_format("data.parquet")


def test_subsample_is_deterministic_and_keeps_file_order(tmp_path):
    path = write(tmp_path / "d.tsv", "text\tlabel\n" + "".join(f"t{i}\t{i % 2}\n" for i in range(50)))
    examples = read_labelled_file(path, text_column="text", label_column="label")
    first = examples.subsample(10, seed=3)
    second = examples.subsample(10, seed=3)
    assert first.texts == second.texts and len(first) == 10
    assert first.line_numbers == sorted(first.line_numbers)
    assert all(int(t[1:]) % 2 == int(label) for t, label in zip(first.texts, first.labels))


def test_label_vocabulary_sorted_saved_and_loaded(tmp_path):
    vocabulary = LabelVocabulary.from_labels(["pos", "neg", "pos", "neutral"])
    assert vocabulary.names == ["neg", "neutral", "pos"]
    assert vocabulary.ids(["pos", "neg"]) == [2, 0]
    vocabulary.save(tmp_path / "labels.txt")
    assert (tmp_path / "labels.txt").read_text() == "neg\nneutral\npos\n"
    assert LabelVocabulary.load(tmp_path / "labels.txt") == vocabulary
    with pytest.raises(ValueError, match="at least 2 labels"):
        LabelVocabulary.from_labels(["only"])


REAL_FILES = [
    ("sst2/alps_test.tsv", dict(text_column="sentence", label_column="label"), 872, {"0", "1"}),
    ("mrpc/dev.tsv", dict(text_column="#1 String", text_pair_column="#2 String", label_column="Quality"), 408, {"0", "1"}),
    ("chnsenticorp_uer/dev.tsv", dict(text_column="text_a", label_column="label"), 1200, {"0", "1"}),
]


@pytest.mark.parametrize("name, columns, count, labels", REAL_FILES, ids=[r[0] for r in REAL_FILES])
def test_real_task_files_read_completely(shared_path, name, columns, count, labels):
    path = shared_path("data", *name.split("/"))
    examples = read_labelled_file(str(path), quoting=False, **columns)
    assert len(examples) == count and set(examples.labels) == labels
    assert not examples.skipped and not examples.dropped


def test_real_ocnli_drops_dash_labels(shared_path):
    path = shared_path("data", "ocnli", "dev.json")
    examples = read_labelled_file(
        str(path), text_column="sentence1", text_pair_column="sentence2", label_column="label",
        drop_labels=["-"],
    )
    # Independent count: every JSON line whose label is not "-".
    with open(path, encoding="utf-8") as file:
        labels = [json.loads(line)["label"] for line in file if line.strip()]
    assert len(examples) == sum(label != "-" for label in labels)
    assert len(examples.dropped["-"]) == labels.count("-")
    assert np.unique(examples.labels).tolist() == ["contradiction", "entailment", "neutral"]


def test_length_grouping_keeps_every_example_once_and_makes_batches_of_similar_length():

    vocabulary = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"] + [f"w{i}" for i in range(20)]
    rng = np.random.default_rng(0)
    lengths = rng.integers(1, 30, 203)
    texts = [" ".join(f"w{(i + j) % 20}" for j in range(n)) for i, n in enumerate(lengths)]
    labels = [str(i % 2) for i in range(len(texts))]
    examples = LabelledExamples(path="generated", texts=texts, text_pairs=None, labels=labels)
    label_vocabulary = LabelVocabulary.from_labels(labels)
    tokenizer = BertTokenizer(vocabulary)
    options = dict(seq_length=32, batch_size=8, shuffle=True, seed=1)
    grouped = classification_dataset(examples, tokenizer, label_vocabulary, group_by_length=10, **options)
    plain = classification_dataset(examples, tokenizer, label_vocabulary, group_by_length=0, **options)
    assert int(grouped.cardinality()) == int(plain.cardinality()) == 26  # ceil(203 / 8)

    def epoch(dataset):
        rows, widths = [], []
        for x, y in dataset.as_numpy_iterator():
            widths.append(x["input_word_ids"].shape[1])
            rows += [tuple(r[m > 0]) + (int(label),) for r, m, label in zip(x["input_word_ids"], x["input_mask"], y)]
        return sorted(rows), widths

    grouped_rows, grouped_widths = epoch(grouped)
    plain_rows, plain_widths = epoch(plain)
    assert grouped_rows == plain_rows and len(grouped_rows) == 203  # the same examples, once each
    assert sum(grouped_widths) < 0.75 * sum(plain_widths)  # far less padding


def test_labels_file_is_read_by_the_vocab_txt_rules(tmp_path):
    from keras_bert.errors import KerasBertError, MissingFileError

    path = tmp_path / "labels.txt"
    path.write_bytes(b"neg \r\n\tpos\r\nneutral")  # stripped lines, \r\n, no final newline
    assert LabelVocabulary.load(path).names == ["neg", "pos", "neutral"]
    for text, lines in (("neg\n\npos\n", "2"), ("neg\npos\n\n", "3"), ("neg\npos\n\n \n", "3, 4")):
        path.write_text(text, encoding="utf-8")
        with pytest.raises(KerasBertError, match=f"Label file {path}: line\\(s\\) {lines} blank"):
            LabelVocabulary.load(path)
    with pytest.raises(MissingFileError, match=f"Label file not found: {tmp_path / 'nope.txt'}"):
        LabelVocabulary.load(tmp_path / "nope.txt")


@pytest.mark.parametrize("name, message", [
    ("a\nb", "contains a line break"),
    ("a\rb", "contains a line break"),
    (" pos", "starts or ends with whitespace"),
    ("", "is empty"),
])
def test_label_names_labels_txt_cannot_hold_are_refused(tmp_path, name, message):
    from keras_bert.errors import KerasBertError

    with pytest.raises(KerasBertError, match=message):
        LabelVocabulary(["neg", name]).save(tmp_path / "labels.txt")
    assert not (tmp_path / "labels.txt").exists()
