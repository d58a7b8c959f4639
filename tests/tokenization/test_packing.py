"""Packing and Google's longest-first truncation of pairs."""

import itertools

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
