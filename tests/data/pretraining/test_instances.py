"""Sequence instances as Google builds them: pairs, labels, packing, truncation, determinism.

Token ids encode their origin (document * 10000 + sentence * 100 + position), so a test can
tell where every token of an instance came from.
"""

import random

import numpy as np
import pytest

from keras_bert.data.pretraining import create_sequence_instances
from keras_bert.data.pretraining.instances import truncate_seq_pair

CLS, SEP, PAD = 3, 4, 0


def synthetic_documents(count=60, seed=0, max_sentence=30, sentences=(2, 12)):
    rng = random.Random(seed)
    documents = []
    for d in range(1, count + 1):
        document = []
        for s in range(rng.randint(*sentences)):
            length = rng.randint(3, max_sentence)
            document.append(np.array([d * 10000 + s * 100 + k for k in range(length)], np.int32))
        documents.append(document)
    return documents


def segments(row, length):
    tokens = list(row[:length])
    assert tokens[0] == CLS and tokens[-1] == SEP
    first_sep = tokens.index(SEP)
    return tokens[1:first_sep], tokens[first_sep + 1 : -1]


def test_pairs_structure_labels_and_origin():
    documents = synthetic_documents()
    result = create_sequence_instances(documents, 64, CLS, SEP, PAD, dupe_factor=3, seed=1)
    labels = result.next_sentence_labels
    assert len(result) > 500
    assert 0.45 < labels.mean() < 0.55  # balanced next-sentence labels
    for row, type_ids, length, label in zip(
        result.input_word_ids, result.input_type_ids, result.lengths, labels
    ):
        assert length <= 64 and np.all(row[length:] == PAD)
        tokens_a, tokens_b = segments(row, length)
        assert tokens_a and tokens_b
        assert list(type_ids[:length]) == [0] * (len(tokens_a) + 2) + [1] * (len(tokens_b) + 1)
        doc_a = {t // 10000 for t in tokens_a}
        assert len(doc_a) == 1
        if label == 1:  # random next: B comes from another document
            assert not doc_a & {t // 10000 for t in tokens_b}
        else:  # actual next: same document, B's sentences follow A's
            assert {t // 10000 for t in tokens_b} == doc_a
            assert max(t % 10000 // 100 for t in tokens_a) < min(t % 10000 // 100 for t in tokens_b)


def test_short_sequences_appear_with_short_seq_prob():
    documents = synthetic_documents(sentences=(40, 60))
    lengths = create_sequence_instances(documents, 128, CLS, SEP, PAD, short_seq_prob=0.3, seed=2).lengths
    never = create_sequence_instances(documents, 128, CLS, SEP, PAD, short_seq_prob=0.0, seed=2).lengths
    assert np.mean(never < 60) < 0.05
    assert 0.15 < np.mean(lengths < 60) < 0.3


def test_deterministic_for_a_seed_and_different_across_seeds():
    documents = synthetic_documents()
    first = create_sequence_instances(documents, 64, CLS, SEP, PAD, seed=5)
    again = create_sequence_instances(documents, 64, CLS, SEP, PAD, seed=5)
    other = create_sequence_instances(documents, 64, CLS, SEP, PAD, seed=6)
    np.testing.assert_array_equal(first.input_word_ids, again.input_word_ids)
    np.testing.assert_array_equal(first.next_sentence_labels, again.next_sentence_labels)
    assert first.input_word_ids.shape != other.input_word_ids.shape or np.any(
        first.input_word_ids != other.input_word_ids
    )


def test_mlm_only_packs_whole_contiguous_sentences():
    documents = synthetic_documents()
    result = create_sequence_instances(documents, 64, CLS, SEP, PAD, next_sentence=False, seed=3)
    assert result.next_sentence_labels is None
    assert not result.input_type_ids.any()
    sentence_lengths = {(t // 10000, t % 10000 // 100): len(s) for doc in documents for s in doc for t in s[:1]}
    covered = 0
    for row, length in zip(result.input_word_ids, result.lengths):
        tokens = list(row[1 : length - 1])
        assert row[0] == CLS and row[length - 1] == SEP and SEP not in tokens
        assert len({t // 10000 for t in tokens}) == 1  # one document
        keys = [(t // 10000, t % 10000 // 100) for t in tokens]
        sentences = sorted(set(keys))
        for key in sentences:  # whole sentences only
            assert keys.count(key) == sentence_lengths[key]
        numbers = [key[1] for key in sentences]
        assert numbers == list(range(numbers[0], numbers[0] + len(numbers)))  # contiguous
        covered += len(tokens)
    assert covered == sum(len(s) for doc in documents for s in doc)  # nothing dropped


def test_one_document_cannot_make_pairs():
    documents = synthetic_documents(count=1)
    with pytest.raises(ValueError, match="needs at least 2 documents.*--no-next-sentence"):
        create_sequence_instances(documents, 64, CLS, SEP, PAD)
    single_sentences = [[np.arange(5, dtype=np.int32) + 10 * d] for d in range(1, 4)]
    with pytest.raises(ValueError, match="every one of the 3 documents holds a single sentence"):
        create_sequence_instances(single_sentences, 64, CLS, SEP, PAD)
    assert len(create_sequence_instances(documents, 64, CLS, SEP, PAD, next_sentence=False)) > 0


def test_truncate_seq_pair_trims_the_longer_side_at_random_ends():
    rng = random.Random(0)
    fronts = backs = 0
    for _ in range(200):
        a, b = list(range(10)), list(range(100, 103))
        cut = truncate_seq_pair(a, b, 8, rng)
        assert cut == 5 and len(a) == 5 and b == [100, 101, 102]
        assert a == list(range(a[0], a[0] + 5))  # still contiguous
        fronts += a[0] > 0
        backs += a[-1] < 9
    assert fronts > 50 and backs > 50
