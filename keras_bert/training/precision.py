"""Mixed precision: compute in float16 / bfloat16, keep float32 weights.

Task models cast their logits to float32, so softmax and losses stay exact; under
"mixed_float16" Keras wraps the optimizer in a `LossScaleOptimizer` at `compile()`.
"""

import keras
from keras_bert.errors import KerasBertError

PRECISIONS = ("float32", "mixed_float16", "mixed_bfloat16")


def set_precision(precision):
    """Set Keras's global dtype policy; models built afterwards use it."""
    if precision in (None, "", "none", "off"):
        precision = "float32"
    if precision not in PRECISIONS:
        raise KerasBertError(f"Unknown precision {precision!r}; use one of {', '.join(PRECISIONS)}.")
    keras.mixed_precision.set_global_policy(precision)
    return precision
