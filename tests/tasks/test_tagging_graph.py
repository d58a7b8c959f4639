"""`BertTokenTagger.tag`, the in-graph entity tagger: the same entities as the Python path
(`predict_entities`), windows and ownership as `data.tagging`'s, offsets into the text."""

import numpy as np
import pytest
import tensorflow as tf

from keras_bert.data.tagging import owning_window, windows
from keras_bert.tasks import graph_windows
from tests.tasks.test_token_tagger import VOCAB, tagger

from keras_bert.tokenization import BertTokenizer

TEXTS = [
    "John Smith lives in Paris .",
    "",
    "  \t ",
    "\tJöhn  Smith,北京 cats\u00a0 😀 dog",
    " ".join(["john", "smith", "lives", "in", "paris", "cats", "北京"] * 9),
    "the cat sat on the mat , a dog in paris",
]


@pytest.fixture(scope="module")
def tokenizer():
    return BertTokenizer(VOCAB, lowercase=True)


def randomized(model, seed):
    """Random head (and CRF) weights, so that tags vary from word to word."""
    rng = np.random.default_rng(seed)
    for weight in model.tagger_dense.weights:
        weight.assign(rng.normal(scale=3.0, size=weight.shape).astype("float32"))
    if model.crf_layer is not None:
        for weight in model.crf_layer.weights:
            weight.assign(rng.normal(scale=2.0, size=weight.shape).astype("float32"))
    return model


def as_entities(outputs):
    """The padded `tag` outputs as predict_entities' lists of dicts."""
    results = []
    for row, count in enumerate(outputs["num_entities"]):
        results.append([
            {
                "type": outputs["entity_types"][row, i],
                "start": int(outputs["entity_starts"][row, i]),
                "end": int(outputs["entity_ends"][row, i]),
                "text": outputs["entity_texts"][row, i],
            }
            for i in range(count)
        ])
    return results


@pytest.mark.parametrize("crf", [False, True], ids=["softmax", "crf"])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_tag_finds_what_predict_entities_finds(tokenizer, crf, seed):
    model = randomized(tagger(tokenizer, crf=crf, seq_length=10), seed)
    outputs = model.tag(TEXTS)
    assert outputs["entity_starts"].shape == outputs["entity_types"].shape
    assert outputs["num_entities"].shape == (len(TEXTS),)
    found = as_entities(outputs)
    assert found == model.predict_entities(TEXTS)
    assert sum(len(entities) for entities in found) > 10  # the test exercises something
    for text, entities in zip(TEXTS, found):
        for entity in entities:
            assert text[entity["start"]:entity["end"]] == entity["text"]
    # Padding past num_entities.
    row = int(np.argmin(outputs["num_entities"]))
    count = outputs["num_entities"][row]
    assert (outputs["entity_starts"][row, count:] == -1).all()
    assert (outputs["entity_texts"][row, count:] == "").all()


def test_scores_are_mean_word_probabilities(tokenizer):
    model = tagger(tokenizer, seq_length=16)
    kernel, bias = model.tagger_dense.weights
    kernel.assign(np.zeros(kernel.shape, "float32"))
    bias.assign(np.array([0.0, 0.0, 0.0, 2.0, 0.0], "float32"))  # B-PER everywhere
    outputs = model.tag("John Smith")
    assert list(outputs["entity_texts"]) == ["John", "Smith"]
    expected = np.exp(2.0) / (np.exp(2.0) + 4.0)
    np.testing.assert_allclose(outputs["entity_scores"], [expected, expected], rtol=1e-5)
    assert outputs["num_entities"] == 2  # one string: no batch axis


def test_tag_accepts_string_tensors_and_empty_batches(tokenizer):
    model = randomized(tagger(tokenizer, seq_length=10), 0)
    from_tensor = model.tag(tf.constant(TEXTS[:2]))
    assert as_entities(from_tensor) == model.predict_entities(TEXTS[:2])
    empty = model.tag([])
    assert empty["num_entities"].shape == (0,)


def test_words_only_taggers_have_no_tag(tokenizer):
    from keras_bert.errors import KerasBertError

    with pytest.raises(KerasBertError, match="tag needs BIO tags"):
        tagger(tokenizer, tags=["NN", "VB"]).tag("the cat")


@pytest.mark.parametrize("room,stride", [(1, 1), (4, 2), (6, 3), (5, 5), (7, 2)])
def test_graph_windows_match_the_python_windows(room, stride):
    counts = np.arange(0, 30)
    spans = graph_windows.window_spans(counts, room, stride)
    text, start, length = (spans[key].numpy() for key in ("text", "start", "length"))
    for count in counts:
        mine = [(s, s + n) for t, s, n in zip(text, start, length) if t == count]
        assert mine == windows(int(count), room, stride)
    # Ownership: the window each piece is read from.
    positions = np.arange(room)[None, :]
    row_base = np.concatenate([[0], np.cumsum(counts)[:-1]])
    piece = row_base[text][:, None] + start[:, None] + positions
    valid = positions < length[:, None]
    total = int(counts.sum())
    score = graph_windows.context_scores(length, positions)
    owned = graph_windows.owned_positions(
        tf.constant(np.where(valid, piece, total), tf.int32), tf.constant(valid), score, total
    ).numpy()
    owner_of_piece = np.full(total, -1)
    for w in range(len(text)):
        for j in np.flatnonzero(owned[w]):
            assert owner_of_piece[piece[w, j]] == -1  # each piece owned once
            owner_of_piece[piece[w, j]] = w
    for count in counts:
        window_ids = np.flatnonzero(text == count)
        expected = owning_window(windows(int(count), room, stride), int(count))
        base = row_base[count]
        got = owner_of_piece[base:base + count] - (window_ids[0] if len(window_ids) else 0)
        np.testing.assert_array_equal(got, expected)
