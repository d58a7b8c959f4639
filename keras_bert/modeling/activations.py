"""The activations a `BertConfig.hidden_act` may name, resolved by name at call time.

Layers store the name (a string) rather than a function, so they serialise without custom
objects and load with `safe_mode=True`.
"""

import keras

from keras_bert.config import ACTIVATIONS
from keras_bert.errors import KerasBertError


def get_activation(name):
    """Return the function for a `hidden_act` name ('gelu' exact, 'gelu_approx' tanh form)."""
    if name == "gelu":
        return lambda x: keras.activations.gelu(x, approximate=False)
    if name == "gelu_approx":
        return lambda x: keras.activations.gelu(x, approximate=True)
    if name in ACTIVATIONS:
        return keras.activations.get(name)
    raise KerasBertError(f"Unknown activation {name!r}; use one of {', '.join(ACTIVATIONS)}.")
