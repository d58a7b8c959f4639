"""A model built in mixed precision must be rebuilt in mixed precision from its config."""

import keras
import pytest

from keras_bert import BertEncoder
from keras_bert.tasks.classifier import BertClassifier
from keras_bert.tasks.pretrainer import BertPretrainer


def layer_policies(model):
    """Policy names of every layer with weights, the model itself included (the float32 logits excluded)."""
    return {model.dtype_policy.name} | {layer.dtype_policy.name for layer in model._flatten_layers() if layer.weights}


def build(kind, dtype, config):
    encoder = BertEncoder(config, dtype=dtype)
    if kind == "encoder":
        return encoder
    if kind == "classifier":
        return BertClassifier(encoder, num_classes=2, dtype=dtype)
    return BertPretrainer(encoder, dtype=dtype)


@pytest.mark.parametrize("kind", ["encoder", "classifier", "pretrainer"])
def test_explicit_policy_survives_serialisation(kind, tiny_config):
    model = build(kind, "mixed_float16", tiny_config)
    assert layer_policies(model) == {"mixed_float16"}
    rebuilt = keras.saving.deserialize_keras_object(keras.saving.serialize_keras_object(model))
    assert layer_policies(rebuilt) == {"mixed_float16"}


def test_global_policy_is_recorded_when_no_dtype_is_given(tiny_config):
    keras.mixed_precision.set_global_policy("mixed_bfloat16")
    try:
        config = build("encoder", None, tiny_config).get_config()
    finally:
        keras.mixed_precision.set_global_policy("float32")
    assert config["dtype"]["config"]["name"] == "mixed_bfloat16"
    assert layer_policies(BertEncoder.from_config(config)) == {"mixed_bfloat16"}
