"""LinearChainCrf: likelihood and Viterbi against brute-force enumeration of every tag path."""

import itertools

import keras
import numpy as np
import pytest

from keras_bert.modeling.crf import LinearChainCrf


def random_crf(num_tags, seed):
    crf = LinearChainCrf(num_tags)
    rng = np.random.default_rng(seed)
    crf.transitions.assign(rng.normal(size=(num_tags, num_tags)).astype("float32"))
    crf.start_transitions.assign(rng.normal(size=num_tags).astype("float32"))
    crf.end_transitions.assign(rng.normal(size=num_tags).astype("float32"))
    return crf


def path_score(crf, emissions, path):
    """score(path) straight from the definition, over the kept positions only."""
    transitions, start, end = (np.asarray(w) for w in (
        crf.transitions, crf.start_transitions, crf.end_transitions))
    score = start[path[0]] + end[path[-1]]
    score += sum(emissions[i, tag] for i, tag in enumerate(path))
    score += sum(transitions[a, b] for a, b in zip(path, path[1:]))
    return score


@pytest.mark.parametrize("seed", [0, 1])
def test_likelihood_and_viterbi_against_enumeration(seed):
    num_tags, length = 3, 6
    crf = random_crf(num_tags, seed)
    rng = np.random.default_rng(seed + 10)
    emissions = rng.normal(size=(4, length, num_tags)).astype("float32")
    mask = rng.random((4, length)) < 0.7
    mask[3] = False  # a row without any position
    tags = rng.integers(0, num_tags, (4, length)).astype("int32")
    log_likelihood = np.asarray(crf.log_likelihood(emissions, tags, mask))
    decoded = np.asarray(crf.decode(emissions, mask))
    for row in range(4):
        kept = np.flatnonzero(mask[row])
        if not len(kept):
            assert log_likelihood[row] == 0.0
            assert decoded[row].tolist() == [0] * length
            continue
        scores = {
            path: path_score(crf, emissions[row, kept], path)
            for path in itertools.product(range(num_tags), repeat=len(kept))
        }
        log_partition = np.logaddexp.reduce(list(scores.values()))
        gold = tuple(tags[row, kept])
        assert log_likelihood[row] == pytest.approx(scores[gold] - log_partition, abs=1e-4)
        assert tuple(decoded[row, kept]) == max(scores, key=scores.get)
        assert np.all(decoded[row, ~mask[row]] == 0)


def test_untrained_crf_decodes_as_argmax_and_serialises():
    crf = LinearChainCrf(4)
    emissions = np.random.default_rng(0).normal(size=(2, 5, 4)).astype("float32")
    mask = np.ones((2, 5), bool)
    np.testing.assert_array_equal(crf.decode(emissions, mask), emissions.argmax(-1))
    # In a model, a pass-through that holds the weights.
    np.testing.assert_array_equal(crf(emissions), emissions)
    again = keras.layers.deserialize(keras.layers.serialize(crf))
    assert again.num_tags == 4 and len(again.weights) == 3


def test_gradients_reach_the_transitions():
    import tensorflow as tf

    crf = random_crf(3, 2)
    emissions = tf.constant(np.random.default_rng(1).normal(size=(2, 4, 3)), tf.float32)
    tags = tf.constant([[0, 1, 2, 0], [2, 2, 1, 0]])
    with tf.GradientTape() as tape:
        tape.watch(emissions)
        loss = -tf.reduce_sum(crf.log_likelihood(emissions, tags, tf.ones([2, 4], tf.bool)))
    gradients = tape.gradient(loss, [emissions] + crf.trainable_weights)
    assert all(g is not None and np.any(np.asarray(g) != 0) for g in gradients)
