"""Every case of data/tokenizer_oracle.json: Google's own tokenizer tests (`official`) and
outputs of Google's tokenization.py on harder inputs (`derived`). See data/NOTICE.

`must_run`: on CI a skip of these tests is a failure (tests/conftest.py)."""

import json
import re

import pytest

from keras_bert.tokenization import SPECIAL_TOKENS, BertTokenizer
from tokenization_data import ORACLE_FILE

pytestmark = pytest.mark.must_run("tests/tokenization/data/tokenizer_oracle.json")


def _oracle():
    return json.loads(ORACLE_FILE.read_text(encoding="utf-8"))


_TOKENIZERS = {}


def _tokenizer(vocab, lowercase, wordpiece_implementation="lookup_table"):
    """Google's test vocabularies lack [PAD] and [MASK]; appending them keeps every id.

    Cached: the oracle uses three vocabularies, and each tokenizer traces its graph once.
    """
    key = (tuple(vocab), lowercase, wordpiece_implementation)
    if key not in _TOKENIZERS:
        vocab = list(vocab) + [token for token in SPECIAL_TOKENS if token not in vocab]
        _TOKENIZERS[key] = BertTokenizer(
            vocab, lowercase=lowercase, wordpiece_implementation=wordpiece_implementation
        )
    return _TOKENIZERS[key]


def _strings(tensor):
    return [value.decode("utf-8") for value in tensor.numpy().tolist()]


def _named_vocabularies(official_cases):
    """The oracle refers to its vocabularies by description; map descriptions to lists."""
    full = next(c["vocab"] for c in official_cases if c["test"] == "test_full_tokenizer")
    wordpiece = next(
        c["vocab"] for c in official_cases
        if c["test"] == "test_wordpiece_tokenizer" and isinstance(c["vocab"], list)
    )
    return {"test_full_tokenizer": full, "test_wordpiece_tokenizer": wordpiece}


def _resolve_vocab(description, named):
    if isinstance(description, list):
        return description
    for name, vocab in named.items():
        if description.startswith(name) or description == "same as above":
            return vocab if description != "same as above" else named["test_wordpiece_tokenizer"]
    raise AssertionError(f"unknown oracle vocabulary {description!r}")


def _resolve_repeated(text):
    """"a*200 (200 chars)" → "a" * 200, the oracle's shorthand for long words."""
    match = re.fullmatch(r"(\S)\*(\d+) \(.*\)", text)
    return match.group(1) * int(match.group(2)) if match else text


def _resolve_expected(expected):
    if isinstance(expected, list):
        return expected
    match = re.fullmatch(r"\['(.+)'\] \+ \['(.+)'\]\*(\d+)", expected)
    assert match, f"unknown oracle shorthand {expected!r}"
    return [match.group(1)] + [match.group(2)] * int(match.group(3))


def test_official_cases():
    cases = _oracle()["official"]["cases"]
    named = _named_vocabularies(cases)
    checked = 0
    for case in cases:
        test = case["test"]
        if test == "test_full_tokenizer":
            tokenizer = _tokenizer(case["vocab"], lowercase=True)
            assert _strings(tokenizer.tokenize_to_strings(case["input"])) == case["expected_tokens"]
            assert tokenizer.tokenize(case["input"]).numpy().tolist() == case["expected_ids"]
        elif test in ("test_chinese", "test_basic_tokenizer_lower", "test_basic_tokenizer_no_lower"):
            tokenizer = _tokenizer(named["test_full_tokenizer"], lowercase=test != "test_basic_tokenizer_no_lower")
            assert _strings(tokenizer.basic_tokenize(case["input"])) == case["expected"], case
        elif test == "test_wordpiece_tokenizer":
            tokenizer = _tokenizer(_resolve_vocab(case["vocab"], named), lowercase=False)
            ids = tokenizer.words_to_ids([case["input"].split()])
            assert _strings(tokenizer.ids_to_tokens(ids)[0]) == case["expected"], case
        elif test == "test_convert_tokens_to_ids":
            tokenizer = _tokenizer(_resolve_vocab(case["vocab"], named), lowercase=False)
            assert tokenizer.tokens_to_ids(case["input"]).numpy().tolist() == case["expected"]
        elif test in ("test_is_whitespace", "test_is_control", "test_is_punctuation"):
            tokenizer = _tokenizer(named["test_full_tokenizer"], lowercase=False)
            for char in case["true"] + case["false"]:
                words = _strings(tokenizer.basic_tokenize(f"a{char}b"))
                behaves = {
                    "test_is_whitespace": words == ["a", "b"],
                    "test_is_control": words == ["ab"],
                    "test_is_punctuation": words == ["a", char, "b"],
                }[test]
                assert behaves == (char in case["true"]), (test, char, words)
        else:
            raise AssertionError(f"oracle case not handled: {test}")
        checked += 1
    assert checked == len(cases)


def test_derived_basic_tokenizer_cases():
    cases = _oracle()["derived"]["basic_tokenizer"]
    vocab = _named_vocabularies(_oracle()["official"]["cases"])["test_full_tokenizer"]
    lower, cased = _tokenizer(vocab, True), _tokenizer(vocab, False)
    for case in cases:
        assert _strings(lower.basic_tokenize(case["input"])) == case["lower"], case
        assert _strings(cased.basic_tokenize(case["input"])) == case["cased"], case


def test_derived_wordpiece_cases():
    named = _named_vocabularies(_oracle()["official"]["cases"])
    for case in _oracle()["derived"]["wordpiece"]:
        tokenizer = _tokenizer(_resolve_vocab(case["vocab"], named), lowercase=False)
        words = _resolve_repeated(case["input"]).split()
        pieces = _strings(tokenizer.ids_to_tokens(tokenizer.words_to_ids([words]))[0])
        assert pieces == _resolve_expected(case["expected"]), case["input"]


def test_derived_full_tokenizer_cases():
    named = _named_vocabularies(_oracle()["official"]["cases"])
    for case in _oracle()["derived"]["full_tokenizer"]:
        vocab = _resolve_vocab(case["vocab"], named)
        lower, cased = _tokenizer(vocab, True), _tokenizer(vocab, False)
        assert _strings(lower.tokenize_to_strings(case["input"])) == case["lower_tokens"], case
        assert lower.tokenize(case["input"]).numpy().tolist() == case["lower_ids"], case
        assert _strings(cased.tokenize_to_strings(case["input"])) == case["cased_tokens"], case


@pytest.mark.parametrize("wordpiece_implementation", ["lookup_table", "fast"])
def test_derived_full_tokenizer_cases_both_wordpiece_implementations(wordpiece_implementation):
    named = _named_vocabularies(_oracle()["official"]["cases"])
    for case in _oracle()["derived"]["full_tokenizer"]:
        vocab = _resolve_vocab(case["vocab"], named)
        tokenizer = _tokenizer(vocab, True, wordpiece_implementation)
        assert tokenizer.tokenize(case["input"]).numpy().tolist() == case["lower_ids"], case
