"""Packing and Google's longest-first truncation of pairs."""

import itertools

import numpy as np
import pytest
import tensorflow as tf

from keras_bert.tokenization import BertInputPacker
from keras_bert.tokenization.packing import truncated_lengths


def google_truncate_seq_pair(first, second, budget):
    """Google's `_truncate_seq_pair` on lengths: drop from the longer, the second on a tie."""
    while first + second > budget:
        if first > second:
            first -= 1
        else:
            second -= 1
    return first, second


def test_closed_form_matches_googles_loop_everywhere_small():
    cases = list(itertools.product(range(25), range(25), range(1, 30)))
    firsts, seconds, budgets = (tf.constant(column, tf.int64) for column in zip(*cases))
    kept_first, kept_second = truncated_lengths(firsts, seconds, budgets)
    got = list(zip(kept_first.numpy().tolist(), kept_second.numpy().tolist()))
    assert got == [google_truncate_seq_pair(*case) for case in cases]


def test_pack_pairs_with_truncation_flags():
    packer = BertInputPacker(cls_id=101, sep_id=102, pad_id=0)
    first = tf.ragged.constant([[1, 2, 3, 4, 5], [1], []])
    second = tf.ragged.constant([[6, 7], [6, 7, 8, 9, 10, 11], []])
    features, truncated = packer.pack_with_truncation([first, second], seq_length=8)
    assert features["input_word_ids"].numpy().tolist() == [
        [101, 1, 2, 3, 102, 6, 7, 102],
        [101, 1, 102, 6, 7, 8, 9, 102],
        [101, 102, 102, 0, 0, 0, 0, 0],
    ]
    assert features["input_type_ids"].numpy().tolist() == [
        [0, 0, 0, 0, 0, 1, 1, 1],
        [0, 0, 0, 1, 1, 1, 1, 1],
        [0, 0, 1, 0, 0, 0, 0, 0],
    ]
    assert features["input_mask"].numpy().tolist() == [[1] * 8, [1] * 8, [1, 1, 1, 0, 0, 0, 0, 0]]
    assert truncated.numpy().tolist() == [True, True, False]


def test_pack_accepts_words_by_wordpieces_and_rejects_three_segments():
    packer = BertInputPacker(cls_id=2, sep_id=3, pad_id=0)
    nested = tf.ragged.constant([[[7, 8], [9]]])
    assert packer([nested], seq_length=6)["input_word_ids"].numpy().tolist() == [[2, 7, 8, 9, 3, 0]]
    with pytest.raises(ValueError, match="one or two"):
        packer([nested, nested, nested], seq_length=8)
    with pytest.raises(ValueError, match="no room"):
        packer([nested, nested], seq_length=4)


def google_pack(first, second, seq_length, cls_id=101, sep_id=102, pad_id=0):
    """Google's run_classifier.convert_single_example on ids: truncate, add [CLS]/[SEP], pad."""
    if second is None:
        first = first[: seq_length - 2]
        ids, types = [cls_id] + first + [sep_id], [0] * (len(first) + 2)
    else:
        kept_first, kept_second = google_truncate_seq_pair(len(first), len(second), seq_length - 3)
        first, second = first[:kept_first], second[:kept_second]
        ids = [cls_id] + first + [sep_id] + second + [sep_id]
        types = [0] * (len(first) + 2) + [1] * (len(second) + 1)
    mask = [1] * len(ids)
    padding = seq_length - len(ids)
    return ids + [pad_id] * padding, mask + [0] * padding, types + [0] * padding


@pytest.mark.parametrize("pairs", [False, True])
def test_packing_matches_googles_example_conversion_on_random_lengths(pairs):
    rng = np.random.default_rng(0)
    packer = BertInputPacker(cls_id=101, sep_id=102, pad_id=0)
    for seq_length in (5, 8, 13, 32):
        rows = 40
        firsts = [rng.integers(1000, 2000, rng.integers(0, 40)).tolist() for _ in range(rows)]
        seconds = [rng.integers(2000, 3000, rng.integers(0, 40)).tolist() for _ in range(rows)]
        segments = [tf.ragged.constant(firsts, dtype=tf.int64, ragged_rank=1)]
        if pairs:
            segments.append(tf.ragged.constant(seconds, dtype=tf.int64, ragged_rank=1))
        features, truncated = packer.pack_with_truncation(segments, seq_length=seq_length)
        expected = [google_pack(a, b if pairs else None, seq_length) for a, b in zip(firsts, seconds)]
        assert features["input_word_ids"].numpy().tolist() == [e[0] for e in expected]
        assert features["input_mask"].numpy().tolist() == [e[1] for e in expected]
        assert features["input_type_ids"].numpy().tolist() == [e[2] for e in expected]
        budget = seq_length - (3 if pairs else 2)
        assert truncated.numpy().tolist() == [
            len(a) + (len(b) if pairs else 0) > budget for a, b in zip(firsts, seconds)
        ]
