"""Guessing whether a checkpoint lowercases, from its folder name or its vocabulary."""

import pytest

from keras_bert.interop.lowercase_guess import lowercase_from_folder_name, lowercase_from_vocabulary
from keras_bert.tokenization.vocabulary_file import read_vocabulary
from tests.conftest import SHARED_DIR


@pytest.mark.parametrize("name, expected", [
    ("uncased_L-12_H-768_A-12", True),
    ("/x/cased_L-12_H-768_A-12/", False),
    ("multi_cased_L-12_H-768_A-12", False),
    ("chinese_L-12_H-768_A-12", None),
])
def test_folder_names(name, expected):
    assert lowercase_from_folder_name(name) is expected


def test_synthetic_vocabularies():
    specials = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "<S>"]
    assert lowercase_from_vocabulary(specials + ["the", "##s", "ℝ", "é"]) is True
    capitalised = [f"Word{index}" for index in range(10)]
    assert lowercase_from_vocabulary(specials + ["the"] + capitalised) is False


@pytest.mark.parametrize("file_name, expected", [
    ("google_uncased_en_vocab.txt", True),
    ("google_zh_vocab.txt", True),  # bert-base-chinese is uncased
])
def test_google_vocabularies(file_name, expected):
    path = SHARED_DIR / "data" / "vocab" / file_name
    if not path.exists():
        pytest.skip(f"shared data not present: {path}")
    assert lowercase_from_vocabulary(read_vocabulary(path)) is expected
