"""The two shortcuts of the tokenizer give Google's ids, checked against the paths they skip.

1. Texts of printable ASCII skip the Unicode-wide normalisation (`normalization.normalize_text`):
   checked against the pure-Python Google reference on every ASCII character and on random
   ASCII strings (those with control characters take the full path).
2. `wordpiece_implementation="fast"` hands normalised text to one FastWordpieceTokenizer op
   that splits words itself: checked against the word path (normalise, `split_words`,
   WordPiece), which tests/tokenization/test_unicode_coverage.py holds to Google's reference,
   on code points with a vocabulary under which no piece is unknown (so the one op, not the
   redo of rows holding [UNK], produces what is compared), and on words over 200 characters
   or 200 bytes.
"""

import sys

import numpy as np
import pytest
import tensorflow as tf

import google_reference
from keras_bert import BertTokenizer
from keras_bert.tokenization import normalization

SPECIAL = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
_ALL_CODE_POINTS = [c for c in range(sys.maxunicode + 1) if not 0xD800 <= c <= 0xDFFF]


def _ascii_texts():
    characters = [chr(c) for c in range(128)]
    texts = [f"A{c}b {c}Z\t{c}{c}x\r\n" for c in characters]
    rng = np.random.default_rng(0)
    texts += ["".join(rng.choice(characters, size=rng.integers(0, 40))) for _ in range(2000)]
    return texts


@pytest.mark.parametrize("lowercase", [True, False])
def test_ascii_texts_normalise_as_google_does(lowercase):
    texts = _ascii_texts()
    ours = normalization.basic_tokenize(tf.constant(texts), lowercase=lowercase).to_list()
    for text, words in zip(texts, ours):
        assert [w.decode() for w in words] == google_reference.basic_tokenize(text, lowercase), text


def test_ascii_and_other_texts_keep_their_places_in_a_mixed_batch():
    texts = ["Ünïcödé ONE", "plain two", "", "中文 three", "four\x00", "Σ five"]
    together = normalization.normalize_text(tf.constant(texts)).numpy().tolist()
    alone = [normalization.normalize_text(tf.constant([t])).numpy()[0] for t in texts]
    assert together == alone
    assert together[1] == b"plain two" and together[4] == b"four"
    # The shortcut keeps whitespace runs (the full path leaves one space); the words agree.
    assert normalization.basic_tokenize(tf.constant(["A \t b\n\nc", "A \t b\n\nc\x00"])
                                        ).to_list() == [[b"a", b"b", b"c"]] * 2
    # Any shape, as before the shortcut: a scalar stays a scalar, a matrix a matrix.
    assert normalization.normalize_text(tf.constant("Ab C")).numpy() == b"ab c"
    assert normalization.normalize_text(tf.constant([["A"], ["É"]])).shape == (2, 1)


def _vocabulary_without_unknowns(texts):
    """Every character the reference's words contain, alone and as a continuation, plus a
    few longer pieces so that greedy longest-match has choices to make."""
    pieces = set()
    for text in texts:
        for word in google_reference.basic_tokenize(text, True):
            pieces.add(word[0])
            pieces.update("##" + ch for ch in word[1:])
    return SPECIAL + ["ab", "##cd", "cd", "##xy", "straße"] + sorted(pieces)


def _texts(code_points):
    return [f"Ab{chr(c)}cD {chr(c)}xy ab{chr(c)}" for c in code_points]


def _compare_fast_with_word_path(code_points):
    texts = _texts(code_points)
    vocabulary = _vocabulary_without_unknowns(texts)
    word_path = BertTokenizer(vocabulary, wordpiece_implementation="lookup_table")
    fast = BertTokenizer(vocabulary, wordpiece_implementation="fast")
    batch = tf.constant([t.encode("utf-8") for t in texts])
    expected = word_path.tokenize_batch(batch).to_list()
    got = fast.tokenize_batch(batch).to_list()
    assert [c for c, a, b in zip(code_points, expected, got) if a != b] == []
    with_unknown = sum(word_path.unk_id in row for row in expected)
    assert with_unknown <= 0.01 * len(texts), with_unknown  # the one op did the work


def test_fast_wordpiece_equals_the_word_path_on_sampled_code_points():
    interesting = list(range(0x300)) + [0x2028, 0x2029, 0x3000, 0xFEFF, 0xFFFD, 0xF900, 0x2F800]
    _compare_fast_with_word_path(sorted(set(_ALL_CODE_POINTS[::97] + interesting)))


@pytest.mark.slow
def test_fast_wordpiece_equals_the_word_path_on_every_code_point():
    for start in range(0, len(_ALL_CODE_POINTS), 100_000):
        _compare_fast_with_word_path(_ALL_CODE_POINTS[start:start + 100_000])


def test_long_words_follow_googles_character_limit():
    """Google makes a word of over 200 characters [UNK]; the op counts bytes (redone rows)."""
    vocabulary = SPECIAL + ["a", "##a", "д", "##д", "x", "中"]
    texts = ["д" * 150, "д" * 200, "д" * 201, "a" * 200, "a" * 201, "x " + "д" * 120 + " x",
             "中" * 300, "x " * 300, "x @ x", "@ " * 150 + "x"]  # "@" is unknown
    fast = BertTokenizer(vocabulary, wordpiece_implementation="fast")
    got = fast.tokenize_to_strings(texts).to_list()
    for text, pieces in zip(texts, got):
        expected = google_reference.full_tokenize(text, {t: i for i, t in enumerate(vocabulary)})
        assert [p.decode() for p in pieces] == expected, text[:20]


def test_a_repeated_token_keeps_its_last_id_as_in_googles_load_vocab():
    vocabulary = SPECIAL + ["the", "cat", "the", "[UNK]", "##s"]  # "the" 7, "[UNK]" 8
    fast = BertTokenizer(vocabulary, wordpiece_implementation="fast")
    assert fast.tokenize(["the cats", "dog the", "thes"]).to_list() == [[7, 6, 9], [8, 7], [7, 9]]
