"""The dtype policy of a functional BERT model, recorded so that it survives `get_config`.

Keras's functional `Model.__init__` does not keep the `dtype` it is given: the model reports
the default "float32" even when every layer was built "mixed_float16", so a config saved from
it would rebuild a float32 model. These helpers keep the policy the layers were built with
(as keras-hub's `Backbone` does), write it into the config, and turn it back into a policy.
"""

import keras


def keep_dtype_policy(model, dtype):
    """Set `model.dtype_policy` to `dtype` (None: the global policy the layers were built with)."""
    model.dtype_policy = keras.dtype_policies.get(dtype)


def serialized_dtype_policy(model):
    """The `"dtype"` entry of a model's `get_config`."""
    return keras.dtype_policies.serialize(model.dtype_policy)


def deserialize_dtype(config):
    """A copy of `config` whose serialised `"dtype"` is a policy again (for `from_config`)."""
    config = dict(config)
    if isinstance(config.get("dtype"), dict):
        config["dtype"] = keras.dtype_policies.get(config["dtype"])
    return config
