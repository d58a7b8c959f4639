"""`FinetuneSettings`: the `keras-bert finetune` flags one to one, checked before any work.

The whole job runs end to end through the command line in tests/cli/test_finetune.py.
"""

import dataclasses

import pytest

from keras_bert.cli.main import build_parser
from keras_bert.errors import KerasBertError
from keras_bert.workflows import FinetuneSettings


@pytest.fixture
def files(tmp_path):
    train = tmp_path / "train.tsv"
    train.write_text("sentence\tlabel\nGood.\tpos\nBad.\tneg\n", encoding="utf-8")
    vocab = tmp_path / "vocab.txt"
    vocab.write_text("[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\ngood\nbad\n.\n", encoding="utf-8")
    return train, vocab


def settings(files, tmp_path, **changes):
    train, vocab = files
    values = dict(
        train=str(train),
        out=str(tmp_path / "model"),
        init="random",
        text_column="sentence",
        label_column="label",
        preset="bert_tiny",
        vocab=str(vocab),
    )
    return FinetuneSettings(**dict(values, **changes))


def test_the_flags_are_the_settings_one_to_one():
    args = build_parser().parse_args(
        [
            "finetune",
            "--train",
            "t",
            "--text-column",
            "x",
            "--label-column",
            "y",
            "--init",
            "i",
            "--out",
            "o",
        ]
    )
    from keras_bert.cli.finetune import _QA_ONLY, fill_task_defaults

    fill_task_defaults(args, FinetuneSettings)
    flags = vars(args)
    for not_a_setting in ("command", "func", "quiet", "task"):
        flags.pop(not_a_setting)
    # --task tagging's and --task qa's own flags (tests/workflows/test_tagging.py and
    # tests/cli/test_question_answering.py map them).
    for other_task_only in ("tag_format", "tag_scheme", "crf", "max_train_sentences") + _QA_ONLY:
        flags.pop(other_task_only)
    defaults = FinetuneSettings(train="t", out="o", init="i", text_column="x", label_column="y")
    assert flags == dataclasses.asdict(defaults)


def test_good_settings_pass(files, tmp_path):
    settings(files, tmp_path).validate()


@pytest.mark.parametrize(
    "changes, message",
    [
        (dict(train="missing.tsv"), "train missing.tsv: no such file"),
        (dict(preset=None), "init 'random' needs preset"),
        (dict(preset="bert_huge"), "Unknown preset 'bert_huge'"),
        (dict(init="no/such/folder", preset=None), "init no/such/folder: no such folder"),
        (dict(text_column=""), "text_column is required"),
        (dict(format="xml"), "format must be one of csv, tsv, jsonl"),
        (dict(pooling="max"), "pooling must be one of auto, cls, mean"),
        (dict(epochs=0), "epochs must be an integer >= 1"),
        (dict(seq_length=1), "seq_length must be an integer >= 2"),
        (dict(batch_size=2.5), "batch_size must be an integer >= 1"),
        (dict(learning_rate=0.0), "learning_rate must be positive"),
        (dict(warmup_fraction=1.0), r"warmup_fraction must be in \[0, 1\)"),
        (dict(dropout=-0.1), r"dropout must be in \[0, 1\)"),
        (dict(max_train_examples=0), "max_train_examples must be an integer >= 1"),
    ],
)
def test_bad_settings_name_the_setting(files, tmp_path, changes, message):
    with pytest.raises(KerasBertError, match=message):
        settings(files, tmp_path, **changes).validate()
