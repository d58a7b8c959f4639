"""`similarity`: cosine similarity of vectors (against numpy by hand) and of texts."""

import numpy as np
import pytest

import keras_bert
from keras_bert.embeddings.sentence_model import embed_texts, load_sentence_model
from keras_bert.errors import KerasBertError
from tests.embeddings import tiny_sentence_encoder, write_tiny_model_folder


def cosine(u, v):
    return float(np.dot(u, v) / (np.linalg.norm(u) * np.linalg.norm(v)))


@pytest.fixture(scope="module")
def model():
    return tiny_sentence_encoder()


def test_two_vectors_give_a_number():
    assert keras_bert.similarity(np.array([1.0, 0.0]), np.array([1.0, 1.0])) == pytest.approx(
        2**-0.5
    )
    assert keras_bert.similarity([3.0, 4.0], [-3.0, -4.0]) == pytest.approx(-1.0)
    assert isinstance(keras_bert.similarity([1.0, 2.0], [2.0, 1.0]), float)


def test_shapes_follow_the_inputs():
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=(3, 5)), rng.normal(size=(4, 5))
    matrix = keras_bert.similarity(a, b)
    assert matrix.shape == (3, 4)
    expected = np.array([[cosine(u, v) for v in b] for u in a])
    np.testing.assert_allclose(matrix, expected, atol=1e-6)
    np.testing.assert_allclose(keras_bert.similarity(a[0], b), expected[0], atol=1e-6)
    np.testing.assert_allclose(keras_bert.similarity(a, b[1]), expected[:, 1], atol=1e-6)


def test_a_zero_vector_has_similarity_zero():
    assert keras_bert.similarity([0.0, 0.0], [1.0, 2.0]) == 0.0


def test_mistakes_are_named():
    with pytest.raises(KerasBertError, match="size 3 but b of size 2"):
        keras_bert.similarity([1.0, 2.0, 3.0], [1.0, 2.0])
    with pytest.raises(KerasBertError, match=r"a must have shape \[d\] or \[n, d\]"):
        keras_bert.similarity(np.zeros((2, 2, 2)), [1.0, 2.0])
    with pytest.raises(KerasBertError, match="b holds text; pass model="):
        keras_bert.similarity([1.0, 2.0], "a cat")
    with pytest.raises(KerasBertError, match="only texts or only numbers"):
        keras_bert.similarity(["a cat", 1.0], [1.0, 2.0])


def test_texts_are_embedded_with_the_model(model):
    texts = ["the cat sat on the mat", "a dog ran in the house", "the cat sat on a mat"]
    vectors = model.encode(texts)["sentence_embedding"]
    assert keras_bert.similarity(texts[0], texts[0], model=model) == pytest.approx(1.0, abs=1e-5)
    assert keras_bert.similarity(texts[0], texts[2], model=model) == pytest.approx(
        cosine(vectors[0], vectors[2]), abs=1e-5
    )
    matrix = keras_bert.similarity(texts, texts[1:], model=model)
    expected = np.array([[cosine(u, v) for v in vectors[1:]] for u in vectors])
    np.testing.assert_allclose(matrix, expected, atol=1e-5)
    # A text against a vector.
    assert keras_bert.similarity(texts[1], vectors[0], model=model) == pytest.approx(
        expected[0, 0], abs=1e-5
    )


def test_a_model_folder_path_is_loaded(model, tmp_path):
    folder = write_tiny_model_folder(tmp_path / "model")
    texts = ["the cat sat on the mat", "a dog ran in the house"]
    expected = keras_bert.similarity(texts[0], texts[1], model=model)
    assert keras_bert.similarity(texts[0], texts[1], model=folder) == pytest.approx(
        expected, abs=1e-5
    )


def test_embed_texts_keeps_the_order_of_texts_batched_by_length(model):
    texts = ["the cat", "a very big old green tree in the sky over the sea", "dog", "the cat sat"]
    expected = np.stack([model.encode(text)["sentence_embedding"] for text in texts])
    np.testing.assert_allclose(embed_texts(model, texts, batch_size=2), expected, atol=1e-5)
    assert embed_texts(model, []).shape == (0, 16)


def test_load_sentence_model_can_change_the_pooling(model):
    assert load_sentence_model(model) is model
    changed = load_sentence_model(model, pooling="cls")
    assert changed.sentence_pooling == "cls" and changed.encoder is model.encoder
    with pytest.raises(KerasBertError, match="pooling must be one of"):
        load_sentence_model(model, pooling="sum")
    with pytest.raises(KerasBertError, match="no such folder"):
        load_sentence_model("no/such/model")
