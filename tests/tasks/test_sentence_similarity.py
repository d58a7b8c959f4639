"""Sentence-pair fine-tuning: both objectives learn a rule a random encoder does not know.

The rule: two texts are similar when they use the same letters (in any order). A freshly
initialised encoder's cosine similarities barely separate similar from dissimilar pairs;
after fitting, they must (the cosine objective), and each text must pick its own partner out
of the batch (the ranking objective).
"""

import keras
import numpy as np
import pytest

from keras_bert import BertConfig, BertEncoder, BertSentenceEncoder, BertTokenizer
from keras_bert.errors import KerasBertError
from keras_bert.tasks.sentence_similarity import (
    MultipleNegativesRankingLoss,
    finetune_sentence_encoder,
    sentence_pair_model,
)

LETTERS = list("abcdefghijklmnop")
VOCABULARY = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"] + LETTERS


def encoder(seed=0):
    keras.utils.set_random_seed(seed)
    config = BertConfig(vocab_size=len(VOCABULARY), hidden_size=32, num_hidden_layers=1,
                        num_attention_heads=2, intermediate_size=64, max_position_embeddings=16,
                        hidden_dropout_prob=0.0, attention_probs_dropout_prob=0.0)
    return BertSentenceEncoder(BertEncoder(config), pooling="mean", tokenizer=BertTokenizer(VOCABULARY))


def pairs(count, seed):
    """(first, second, score): score 1 for the same letter set reshuffled, 0 for another set."""
    rng = np.random.default_rng(seed)
    first, second, scores = [], [], []
    for index in range(count):
        letters = rng.choice(LETTERS, 4, replace=False)
        first.append(" ".join(letters))
        if index % 2:
            second.append(" ".join(rng.permutation(letters)))
            scores.append(1.0)
        else:
            other = rng.choice([x for x in LETTERS if x not in letters], 4, replace=False)
            second.append(" ".join(other))
            scores.append(0.0)
    return first, second, np.asarray(scores, "float32")


def cosine(model, first, second):
    a = model.encode(first)["sentence_embedding"]
    b = model.encode(second)["sentence_embedding"]
    return (a * b).sum(-1) / np.linalg.norm(a, axis=-1) / np.linalg.norm(b, axis=-1)


def separation(model, first, second, scores):
    similarity = cosine(model, first, second)
    return similarity[scores == 1].mean() - similarity[scores == 0].mean()


def test_cosine_objective_learns_to_separate_similar_pairs():
    model = encoder()
    train, held_out = pairs(256, seed=1), pairs(64, seed=2)
    before = separation(model, *held_out)
    finetune_sentence_encoder(model, *train, objective="cosine", epochs=6, batch_size=16,
                              seq_length=8, learning_rate=3e-3, verbose=0)
    after = separation(model, *held_out)
    assert after > before + 0.3, (before, after)


def translated_pairs(count, seed):
    """Positive pairs only: a text and its "translation", each letter moved 8 along the alphabet.

    Nothing in a random encoder relates a letter to its translation, so it cannot pair them.
    """
    rng = np.random.default_rng(seed)
    first = [rng.choice(8, 3, replace=False) for _ in range(count)]
    return (
        [" ".join(LETTERS[i] for i in row) for row in first],
        [" ".join(LETTERS[i + 8] for i in rng.permutation(row)) for row in first],
    )


def test_ranking_objective_picks_the_partner_out_of_the_batch():
    model = encoder()
    first, second = translated_pairs(512, seed=3)
    held_first, held_second = translated_pairs(32, seed=4)

    def top1():
        a = model.encode(held_first)["sentence_embedding"]
        b = model.encode(held_second)["sentence_embedding"]
        a, b = a / np.linalg.norm(a, axis=-1, keepdims=True), b / np.linalg.norm(b, axis=-1, keepdims=True)
        return float(np.mean((a @ b.T).argmax(axis=1) == np.arange(len(a))))

    before = top1()
    finetune_sentence_encoder(model, first, second, objective="ranking", epochs=6, batch_size=16,
                              seq_length=8, learning_rate=3e-3, verbose=0)
    after = top1()
    assert after > max(0.5, before + 0.2), (before, after)


def test_ranking_loss_is_the_cross_entropy_of_the_diagonal():
    scores = np.array([[2.0, 0.5, -1.0], [0.1, 0.3, 0.2], [1.0, 1.0, 1.0]], "float32")
    expected = np.mean([
        -np.log(np.exp(scores[i, i]) / np.exp(scores[i]).sum()) for i in range(3)
    ])
    loss = MultipleNegativesRankingLoss()(np.zeros(3, "float32"), scores)
    np.testing.assert_allclose(float(loss), expected, rtol=1e-5)


def test_pair_model_shares_the_encoder_and_checks_its_arguments():
    model = encoder()
    pair = sentence_pair_model(model, "cosine")
    assert {id(w) for w in model.weights} <= {id(w) for w in pair.weights}
    with pytest.raises(KerasBertError, match="objective must be one of cosine, ranking"):
        sentence_pair_model(model, "triplet")
    with pytest.raises(KerasBertError, match="needs scores"):
        finetune_sentence_encoder(model, ["a"], ["b"], objective="cosine")
