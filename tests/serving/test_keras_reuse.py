"""The exported SavedModel inside a new Keras model via `keras.layers.TFSMLayer`: raw strings
in, predictions equal to the in-memory model's, and further training with Adam."""

import numpy as np
import pytest

from tests.serving.exported_model import TEXTS, as_bytes, expected_outputs


@pytest.fixture(scope="module")
def keras_and_tf():
    import keras
    import tensorflow as tf

    return keras, tf


def test_classify_endpoint_on_raw_strings(exported, keras_and_tf):
    keras, tf = keras_and_tf
    saved_model, classifier, _ = exported
    text = keras.Input(shape=(), dtype="string", name="text")
    outputs = keras.layers.TFSMLayer(str(saved_model), call_endpoint="classify")(text)
    model = keras.Model(text, outputs["probabilities"])
    probabilities = model(tf.constant(TEXTS))
    expected = expected_outputs(classifier, as_bytes(TEXTS))
    np.testing.assert_allclose(probabilities, expected["probabilities"], atol=1e-5)


def test_fine_tuning_through_the_encode_endpoint_with_adam(exported, keras_and_tf):
    """Raw strings → TFSMLayer("encode") → a new head, trained with Adam: the loss falls and
    the SavedModel's own encoder weights move (they are trainable weights of the layer)."""
    keras, tf = keras_and_tf
    saved_model, _, _ = exported
    keras.utils.set_random_seed(3)
    layer = keras.layers.TFSMLayer(str(saved_model), call_endpoint="encode")
    assert len(layer.trainable_weights) > 0

    text = keras.Input(shape=(), dtype="string", name="text")
    logits = keras.layers.Dense(2)(layer(text)["pooled_output"])
    model = keras.Model(text, logits)
    model.compile(
        optimizer=keras.optimizers.Adam(1e-2),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
    )
    # TFSMLayer names its weights after the SavedModel variables ("...:0"); Adam cannot
    # create slots for such names inside `fit`'s graph, so build it eagerly first.
    model.optimizer.build(model.trainable_variables)

    texts = ["good movie", "great film", "bad movie", "boring plot"] * 4
    labels = [1, 1, 0, 0] * 4
    data = tf.data.Dataset.from_tensor_slices((texts, labels)).batch(8)
    encoder_weight = layer.trainable_weights[0]
    before = np.array(encoder_weight.numpy())
    pooled_before = layer(tf.constant(["good movie"]))["pooled_output"].numpy()

    history = model.fit(data, epochs=4, verbose=0)
    losses = history.history["loss"]
    assert losses[-1] < losses[0]
    assert not np.allclose(encoder_weight.numpy(), before)
    pooled_after = layer(tf.constant(["good movie"]))["pooled_output"].numpy()
    assert not np.allclose(pooled_after, pooled_before)
