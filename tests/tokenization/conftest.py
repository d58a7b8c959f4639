"""Tokenizers shared by the tokenization tests (a 30k-token table takes a moment to build)."""

import sys
from pathlib import Path

import pytest

# The helpers beside this file (the Google reference, the shared-data readers) import by name.
sys.path.insert(0, str(Path(__file__).resolve().parent))

from tokenization_data import EN_VOCAB, ZH_VOCAB, require

TINY_VOCAB = [
    "[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]",
    "the", "cat", "sat", "un", "##want", "##ed", "runn", "##ing", ",", ".", "!",
    "a", "##a", "猫", "坐",
]


@pytest.fixture(scope="session")
def tiny_tokenizer():
    from keras_bert.tokenization import BertTokenizer

    return BertTokenizer(TINY_VOCAB, lowercase=True)


@pytest.fixture(scope="session")
def english_tokenizer():
    from keras_bert.tokenization import BertTokenizer

    return BertTokenizer.from_vocab_file(require(EN_VOCAB), lowercase=True)


@pytest.fixture(scope="session")
def chinese_tokenizer():
    from keras_bert.tokenization import BertTokenizer

    return BertTokenizer.from_vocab_file(require(ZH_VOCAB), lowercase=True)
