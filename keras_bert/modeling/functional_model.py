"""`FunctionalModel`: the one base class of keras_bert's models, the encoder and every task.

It owns the two things each of them needs and Keras's functional `Model` does not give:

- **The dtype policy survives `get_config`.** `Model.__init__` does not keep the `dtype` it is
  given: the model reports the default "float32" even when every layer was built
  "mixed_float16", so a config saved from it would rebuild a float32 model. The policy the
  layers were built with is kept (as keras-hub's `Backbone` does) and written into the config.
- **The config is the constructor's arguments, and nothing else.** A subclass lists them in
  `constructor_arguments()`; nested Keras objects (the encoder inside a task, the tokenizer)
  are serialised as Keras objects there and rebuilt by `from_config`. So a model folder or a
  `.keras` file rebuilds exactly the model that was saved, with no second description of it.
"""

import keras


class FunctionalModel(keras.Model):
    """A functional `keras.Model` whose `get_config` is its constructor's arguments.

    Subclasses build their layers, call `super().__init__(inputs=..., outputs=..., dtype=dtype,
    **kwargs)`, and implement `constructor_arguments()`.
    """

    def __init__(self, *, inputs, outputs, dtype=None, **kwargs):
        super().__init__(inputs=inputs, outputs=outputs, dtype=dtype, **kwargs)
        # None: the global policy, which the layers were just built with.
        self.dtype_policy = keras.dtype_policies.get(dtype)

    def constructor_arguments(self):
        """{argument name: value} of every argument of `__init__` but name, trainable, dtype."""
        raise NotImplementedError(f"{type(self).__name__} must list its constructor_arguments().")

    def get_config(self):
        config = {
            key: keras.saving.serialize_keras_object(value)
            if isinstance(value, keras.layers.Layer)
            else value
            for key, value in self.constructor_arguments().items()
        }
        config.update(
            name=self.name,
            trainable=self.trainable,
            dtype=keras.dtype_policies.serialize(self.dtype_policy),
        )
        return config

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        if isinstance(config.get("dtype"), dict):
            config["dtype"] = keras.dtype_policies.get(config["dtype"])
        for key, value in config.items():
            if _is_serialized_keras_object(value):
                config[key] = keras.saving.deserialize_keras_object(value)
        return cls(**config)


def _is_serialized_keras_object(value):
    return isinstance(value, dict) and {"class_name", "config"} <= set(value)
