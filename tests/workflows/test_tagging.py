"""`keras-bert finetune --task tagging`: flags ↔ `TaggingSettings`, checks, and a whole run.

The toy task: person names and city names among filler words, tagged IOB1 as CoNLL-2003 is,
so a randomly initialised bert_tiny must learn which words are entities, in a few epochs.
"""

import dataclasses
import json

import numpy as np
import pytest

from keras_bert.cli.main import build_parser, main
from keras_bert.errors import KerasBertError
from keras_bert.interop.native import load_model
from keras_bert.workflows.tagging import TaggingSettings

FILLER = "the a visited met said that in from with and today people".split()
PEOPLE = [["john", "smith"], ["mary"], ["anna", "lee"]]
CITIES = [["paris"], ["new", "york"], ["rome"]]
SPECIAL = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]


def write_conll(path, count, seed):
    rng = np.random.default_rng(seed)
    lines = ["-DOCSTART- -X- O O", ""]
    for _ in range(count):
        words = []
        for _ in range(rng.integers(3, 7)):
            choice = rng.random()
            if choice < 0.2:
                name = PEOPLE[rng.integers(len(PEOPLE))]
                words += [(word.capitalize(), "I-PER") for word in name]
            elif choice < 0.35:
                city = CITIES[rng.integers(len(CITIES))]
                words += [(word.capitalize(), "I-LOC") for word in city]
            else:
                words.append((FILLER[rng.integers(len(FILLER))], "O"))
        lines += [f"{word} X X {tag}" for word, tag in words] + [""]
    path.write_text("\n".join(lines), encoding="utf-8")


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    root = tmp_path_factory.mktemp("tagging")
    vocab = SPECIAL + FILLER + [w for name in PEOPLE + CITIES for w in name] + ["."]
    (root / "vocab.txt").write_text("\n".join(vocab) + "\n", encoding="utf-8")
    write_conll(root / "train.txt", 240, seed=1)
    write_conll(root / "dev.txt", 60, seed=2)
    return root


def settings(files, tmp_path, **changes):
    values = dict(train=str(files / "train.txt"), out=str(tmp_path / "tagger"), init="random",
                  preset="bert_tiny", vocab=str(files / "vocab.txt"))
    return TaggingSettings(**dict(values, **changes))


def test_the_flags_are_the_settings_one_to_one():
    from keras_bert.cli.finetune import _CLASSIFICATION_ONLY, _QA_ONLY, fill_task_defaults

    args = build_parser().parse_args(
        ["finetune", "--task", "tagging", "--train", "t", "--init", "i", "--out", "o"]
    )
    fill_task_defaults(args, TaggingSettings)
    flags = vars(args)
    for not_a_setting in ("command", "func", "quiet", "task", "format", "quoting",
                          "skip_bad_rows", "drop_labels", "pooling") + (
                              _CLASSIFICATION_ONLY + _QA_ONLY):
        flags.pop(not_a_setting)
    assert flags == dataclasses.asdict(TaggingSettings(train="t", out="o", init="i"))


@pytest.mark.parametrize(
    "changes, message",
    [
        (dict(train="missing.txt"), "train missing.txt: no such file"),
        (dict(preset=None), "init 'random' needs preset"),
        (dict(tag_format="xml"), "tag_format must be one of auto, conll, chars"),
        (dict(tag_scheme="iob3"), "tag_scheme must be one of"),
        (dict(seq_length=2), "seq_length must be an integer >= 3"),
        (dict(max_train_sentences=0), "max_train_sentences must be an integer >= 1"),
    ],
)
def test_bad_settings_name_the_setting(files, tmp_path, changes, message):
    with pytest.raises(KerasBertError, match=message):
        settings(files, tmp_path, **changes).validate()


def test_flags_of_the_other_task_are_refused(files, tmp_path, capsys):
    common = ["finetune", "--train", str(files / "train.txt"), "--init", "random",
              "--preset", "bert_tiny", "--vocab", str(files / "vocab.txt"),
              "--out", str(tmp_path / "x")]
    assert main(common + ["--task", "tagging", "--text-column", "s"]) == 2
    assert "--text-column does not apply to --task tagging" in capsys.readouterr().err
    assert main(common + ["--crf"]) == 2
    assert "--crf does not apply to --task classification" in capsys.readouterr().err
    assert main(common) == 2
    assert "--text-column is required for --task classification" in capsys.readouterr().err
    assert not (tmp_path / "x").exists()


def test_finetune_tagging_end_to_end(files, tmp_path, capsys):
    out = tmp_path / "tagger"
    code = main([
        "finetune", "--task", "tagging", "--train", str(files / "train.txt"),
        "--dev", str(files / "dev.txt"), "--init", "random", "--preset", "bert_tiny",
        "--vocab", str(files / "vocab.txt"), "--epochs", "4", "--seq-length", "16",
        "--batch-size", "16", "--crf", "--out", str(out), "--quiet",
    ])
    assert code == 0
    printed = capsys.readouterr().out
    assert "fine-tuned tagger written to" in printed and "PER: precision" in printed
    summary = json.loads((out / "summary.json").read_text())
    assert summary["tags"] == ["O", "B-LOC", "I-LOC", "B-PER", "I-PER"]
    assert summary["dev"]["f1"] > 0.8, summary["dev"]
    assert json.loads((out / "keras_bert.json").read_text())["task"] == "tagger"
    tagger = load_model(out)
    assert tagger.crf and tagger.seq_length == 16
    entities = tagger.predict_entities("We met Anna Lee in New York .")
    assert [(e["type"], e["text"]) for e in entities] == [("PER", "Anna Lee"), ("LOC", "New York")]
