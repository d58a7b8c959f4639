"""`export_preprocessor`: TF Hub's BERT preprocessor API (`tokenize`, `bert_pack_inputs`,
`__call__`), reloaded, against the in-memory tokenizer."""

import numpy as np
import pytest

from tests.serving.exported_model import SEQ_LENGTH, TEXTS


@pytest.fixture(scope="module")
def preprocessor(exported, tmp_path_factory):
    import tensorflow as tf

    from keras_bert import export_preprocessor

    _, classifier, _ = exported
    path = tmp_path_factory.mktemp("preprocessor") / "saved_model"
    info = export_preprocessor(classifier.tokenizer, path, seq_length=SEQ_LENGTH)
    assert info["task"] == "preprocessor"
    return tf.saved_model.load(str(path)), classifier.tokenizer


def test_tokenize_matches_the_tokenizer(preprocessor):
    loaded, tokenizer = preprocessor
    tokens = loaded.tokenize(TEXTS)
    assert tokens.dtype.name == "int32"
    # TF Hub's shape: [batch, (words), (wordpieces)]; merged, the ids are the tokenizer's.
    assert tokens.shape.rank == 3
    assert tokens.merge_dims(1, 2).to_list() == tokenizer.tokenize(TEXTS).to_list()
    assert tokens.to_list()[0] == tokenizer.tokenize_words_batch(TEXTS[:1]).to_list()[0]


@pytest.mark.parametrize("as_words", [False, True], ids=["tokens", "words_and_pieces"])
def test_bert_pack_inputs_pairs_match_encode(preprocessor, as_words):
    loaded, tokenizer = preprocessor
    # tokenize gives [batch, (words), (wordpieces)]; flat [batch, (tokens)] segments work too.
    first, second = loaded.tokenize(TEXTS), loaded.tokenize(list(reversed(TEXTS)))
    if not as_words:
        first, second = first.merge_dims(1, 2), second.merge_dims(1, 2)
    packed = loaded.bert_pack_inputs([first, second], seq_length=SEQ_LENGTH)
    expected = tokenizer.encode(TEXTS, list(reversed(TEXTS)), seq_length=SEQ_LENGTH)
    for name, value in expected.items():
        np.testing.assert_array_equal(packed[name], value, err_msg=name)


def test_call_and_serving_default_pack_single_texts(preprocessor):
    import tensorflow as tf

    loaded, tokenizer = preprocessor
    expected = tokenizer.encode(TEXTS, seq_length=SEQ_LENGTH)
    called = loaded(tf.constant(TEXTS))
    signed = loaded.signatures["serving_default"](text=tf.constant(TEXTS))
    default_length = loaded.bert_pack_inputs([loaded.tokenize(TEXTS)])
    for name, value in expected.items():
        np.testing.assert_array_equal(called[name], value)
        np.testing.assert_array_equal(signed[name], value)
        np.testing.assert_array_equal(default_length[name], value)


def test_other_seq_length_is_refused(preprocessor):
    loaded, _ = preprocessor
    with pytest.raises((ValueError, TypeError)):
        loaded.bert_pack_inputs([loaded.tokenize(TEXTS)], seq_length=SEQ_LENGTH * 2)
