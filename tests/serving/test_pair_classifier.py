"""A pair classifier exports `classify(text_a, text_b)`, also as `serving_default`, equal to the
in-memory model (slow: a second export)."""

import numpy as np
import pytest

from tests.serving.exported_model import LABELS, SEQ_LENGTH, TEXTS, VOCABULARY


@pytest.mark.slow
def test_pair_classifier_signature_and_method(tmp_path):
    import keras
    import tensorflow as tf

    from keras_bert import BertClassifier, BertConfig, BertEncoder, BertTokenizer, export_saved_model

    keras.utils.set_random_seed(11)
    config = BertConfig(vocab_size=len(VOCABULARY), hidden_size=32, num_hidden_layers=1,
                        num_attention_heads=2, intermediate_size=64, max_position_embeddings=32)
    classifier = BertClassifier(BertEncoder(config), num_classes=3, labels=LABELS, text_pair=True)
    kernel = classifier.classifier_dense.kernel
    kernel.assign(np.random.default_rng(1).normal(0, 2.0, kernel.shape).astype("float32"))
    classifier.tokenizer = BertTokenizer(VOCABULARY)
    info = export_saved_model(classifier, tmp_path / "pair", seq_length=SEQ_LENGTH)
    assert info["text_pair"] and info["seq_length"] == SEQ_LENGTH

    text_a, text_b = tf.constant(TEXTS), tf.constant(list(reversed(TEXTS)))
    inputs = classifier.tokenizer.encode(text_a, text_b, seq_length=SEQ_LENGTH)
    expected = tf.nn.softmax(classifier(inputs, training=False)).numpy()

    loaded = tf.saved_model.load(str(tmp_path / "pair"))
    for outputs in (
        loaded.classify(text_a, text_b),
        loaded.signatures["classify"](text_a=text_a, text_b=text_b),
        loaded.signatures["serving_default"](text_a=text_a, text_b=text_b),
    ):
        np.testing.assert_allclose(outputs["probabilities"], expected, atol=1e-5)
        assert outputs["label_ids"].numpy().tolist() == expected.argmax(-1).tolist()
        assert [label.decode() for label in outputs["labels"].numpy()] == [
            LABELS[index] for index in expected.argmax(-1)
        ]
