"""The optimizers BERT pretrains with: AdamW (Google's recipe) or LAMB (large batches).

Weight decay skips LayerNorm scales and offsets and every bias, as Google's
`AdamWeightDecayOptimizer` does: decaying them towards 0 only fights the normalisation and
shifts activations. Gradients are clipped to a global norm of 1.0, as in BERT.
"""

import keras

from keras_bert.training.schedules import WarmupLinearDecay
from keras_bert.errors import KerasBertError

OPTIMIZERS = ("adamw", "lamb")
# Keras names LayerNorm weights `gamma` / `beta`; biases end in `bias` (also `output_bias`).
# Keras matches these against the variable's name: "gamma" on most backends, but the
# TensorFlow variable's "path/to/gamma:0" under the TensorFlow backend; both forms match.
WEIGHT_DECAY_EXCLUDED_PATTERNS = (r"(^|/)gamma(:\d+)?$", r"(^|/)beta(:\d+)?$", r"bias(:\d+)?$")


def create_optimizer(
    total_steps,
    learning_rate=1e-4,
    warmup_steps=None,
    name="adamw",
    weight_decay=0.01,
    global_clipnorm=1.0,
    accumulation_steps=1,
    epsilon=1e-6,
):
    """An optimizer with the warm-up/decay schedule over `total_steps` optimizer updates.

    Args:
        total_steps: optimizer updates in the whole run (the schedule reaches 0 there).
        warmup_steps: updates of linear warm-up; default 10 % of `total_steps` (at most 10k).
        accumulation_steps: batches whose gradients are averaged into one update (Keras's
            `gradient_accumulation_steps`); `optimizer.iterations` then counts updates.
        global_clipnorm: clip the gradients' global norm to this (None: no clipping).
    """
    if name not in OPTIMIZERS:
        raise KerasBertError(f"Unknown optimizer {name!r}; use one of {', '.join(OPTIMIZERS)}.")
    if not isinstance(accumulation_steps, int) or accumulation_steps < 1:
        raise KerasBertError(f"accumulation_steps must be an integer >= 1, got {accumulation_steps!r}.")
    if warmup_steps is None:
        warmup_steps = min(total_steps // 10, 10_000)
    # Keras evaluates the schedule at the micro-batch count, so scale both ends by it.
    schedule = WarmupLinearDecay(
        learning_rate,
        warmup_steps=warmup_steps * accumulation_steps,
        total_steps=total_steps * accumulation_steps,
    )
    common = dict(
        learning_rate=schedule,
        weight_decay=weight_decay or None,
        epsilon=epsilon,
        global_clipnorm=global_clipnorm,
        gradient_accumulation_steps=accumulation_steps if accumulation_steps > 1 else None,
    )
    if name == "adamw":
        optimizer = keras.optimizers.AdamW(beta_1=0.9, beta_2=0.999, **common)
    else:
        optimizer = keras.optimizers.Lamb(beta_1=0.9, beta_2=0.999, **common)
    if weight_decay:
        optimizer.exclude_from_weight_decay(var_names=list(WEIGHT_DECAY_EXCLUDED_PATTERNS))
    return optimizer
