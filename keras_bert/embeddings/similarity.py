"""`similarity(a, b)`: cosine similarity between vectors, or between texts embedded by a model.

    cos(a, b) = a · b / (|a| |b|)          (a zero vector has similarity 0 with everything)

Shapes follow the inputs: one vector [d] with one [d] gives a number, [n, d] with [m, d] an
[n, m] matrix, and one with many a vector. A text is one vector, a list of texts a matrix.
"""

import numpy as np

from keras_bert.embeddings.sentence_model import (
    DEFAULT_BATCH_SIZE,
    embed_texts,
    l2_normalize,
    load_sentence_model,
)
from keras_bert.errors import KerasBertError


def similarity(a, b, model=None, batch_size=DEFAULT_BATCH_SIZE):
    """Cosine similarity of `a` and `b`: a float, or a numpy array (module docstring).

    Args:
        a, b: numpy arrays (or anything `np.asarray` reads) of shape [d] or [n, d]; or a
            string, or a list of strings, embedded with `model`.
        model: for texts: a task model with `encode` (e.g. from `keras_bert.load_model`), or
            a model folder / checkpoint path (loaded on every call: load it once with
            `keras_bert.load_model` to compare many texts).
        batch_size: texts embedded per batch.

    Example: `similarity([1.0, 0.0], [[1.0, 1.0], [0.0, 2.0]])` is `[0.7071, 0.0]`; with
    `model=`, `similarity("a cat sat", ["a cat was sitting", "stocks fell"], model=model)`.
    """
    texts = {name: _is_text(value, model) for name, value in (("a", a), ("b", b))}
    if any(texts.values()):
        if model is None:
            named = " and ".join(name for name, is_text in texts.items() if is_text)
            raise KerasBertError(
                f"similarity: {named} holds text; pass model= (a task model or a model folder) "
                "to embed it."
            )
        model = load_sentence_model(model)
        a = _embedded(a, model, batch_size) if texts["a"] else a
        b = _embedded(b, model, batch_size) if texts["b"] else b
    a, b = _vectors("a", a), _vectors("b", b)
    if a.shape[-1] != b.shape[-1]:
        raise KerasBertError(
            f"similarity: a has vectors of size {a.shape[-1]} but b of size {b.shape[-1]}; "
            "they must be equal."
        )
    result = l2_normalize(a) @ l2_normalize(b).T
    return float(result) if result.ndim == 0 else result


def _is_text(value, model):
    if isinstance(value, (str, bytes)):
        return True
    if isinstance(value, (list, tuple)):
        if not value:
            return model is not None  # no texts: an empty [0, d] matrix
        kinds = {isinstance(item, (str, bytes)) for item in value}
        if kinds == {True, False}:
            raise KerasBertError("similarity: a list must hold only texts or only numbers.")
        return kinds == {True}
    return False


def _embedded(value, model, batch_size):
    single = isinstance(value, (str, bytes))
    texts = [value] if single else list(value)
    texts = [text.decode("utf-8") if isinstance(text, bytes) else text for text in texts]
    vectors = embed_texts(model, texts, batch_size=batch_size)
    return vectors[0] if single else vectors


def _vectors(name, value):
    try:
        array = np.asarray(value, np.float32)
    except (TypeError, ValueError):
        raise KerasBertError(
            f"similarity: {name} must be a vector, a matrix of vectors, a text or a list of "
            f"texts; got {type(value).__name__}."
        ) from None
    if array.ndim not in (1, 2):
        raise KerasBertError(
            f"similarity: {name} must have shape [d] or [n, d], got shape {list(array.shape)}."
        )
    return array
