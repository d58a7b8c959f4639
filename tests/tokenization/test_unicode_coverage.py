"""The normaliser against the pure-Python Google reference, code point by code point.

Each code point is tested inside "A{c}b {c}Σ" so that cleaning, whitespace, CJK splitting,
lowercasing (with the final-sigma rule), accent stripping and punctuation all show.
Known and accepted: lowercasing and NFD use ICU's tables, which differ from Python's
`unicodedata` (the tables Google's code uses) on 61 code points assigned in Unicode 14 or
later, changing the lowercased words around 112 code points (new letters that ICU does
not know as cased, so a following capital sigma is not made final). All other code points agree.
"""

import sys
import unicodedata

import pytest
import tensorflow as tf
import tensorflow_text as tf_text

import google_reference
from keras_bert.tokenization import normalization

_ALL_CODE_POINTS = [c for c in range(sys.maxunicode + 1) if not 0xD800 <= c <= 0xDFFF]


def _python_and_icu_case_tables_differ(code_points):
    """Code points whose lowercasing or NFD differs between ICU and Python, alone or as the
    letter before a capital sigma (which is lowercased to a final sigma after a cased letter)."""
    alone = tf.constant([chr(c).encode("utf-8") for c in code_points])
    before_sigma = tf.constant([f"{chr(c)}\u03a3".encode("utf-8") for c in code_points])
    lowered = tf.strings.lower(alone, encoding="utf-8").numpy()
    lowered_before_sigma = tf.strings.lower(before_sigma, encoding="utf-8").numpy()
    decomposed = tf_text.normalize_utf8(alone, "NFD").numpy()
    return {
        c for c, low, sigma, nfd in zip(code_points, lowered, lowered_before_sigma, decomposed)
        if low.decode() != chr(c).lower()
        or sigma.decode() != f"{chr(c)}\u03a3".lower()
        or nfd.decode() != unicodedata.normalize("NFD", chr(c))
    }


def _mismatches(code_points, lowercase):
    texts = [f"A{chr(c)}b {chr(c)}\u03a3" for c in code_points]
    ours = normalization.basic_tokenize(
        tf.constant([t.encode("utf-8") for t in texts]), lowercase=lowercase
    ).to_list()
    bad = []
    for code_point, text, words in zip(code_points, texts, ours):
        if [w.decode("utf-8") for w in words] != google_reference.basic_tokenize(text, lowercase):
            bad.append(code_point)
    return bad


def _check(code_points):
    assert _mismatches(code_points, lowercase=False) == []
    bad = _mismatches(code_points, lowercase=True)
    unknown_to_icu = _python_and_icu_case_tables_differ(code_points)
    # A mismatch is accepted only where ICU's and Python's tables differ.
    assert [c for c in bad if c not in unknown_to_icu] == []


def test_every_fifty_third_code_point_and_the_interesting_ones():
    interesting = list(range(0x300)) + [0x2028, 0x2029, 0x3000, 0xFEFF, 0xFFFD, 0xF900, 0x2F800]
    _check(sorted(set(_ALL_CODE_POINTS[::53] + interesting)))


@pytest.mark.slow
def test_every_code_point():
    _check(_ALL_CODE_POINTS)
