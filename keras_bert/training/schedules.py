"""BERT's learning-rate schedule: linear warm-up from 0 to the peak, then linear decay to 0.

Warm-up keeps the first Adam updates, made with poor second-moment estimates, small; the
decay to 0 at the last step is what Google's `optimization.py` and Hugging Face's
`get_linear_schedule_with_warmup` use. (Google's code decays from step 0 and lets warm-up
override the first steps, so its rate at the end of warm-up is slightly below the peak; here
the decay starts at the peak when warm-up ends.)
"""

import keras
from keras import ops
from keras_bert.errors import KerasBertError


@keras.saving.register_keras_serializable(package="keras_bert")
class WarmupLinearDecay(keras.optimizers.schedules.LearningRateSchedule):
    """rate(step) = peak · step / warmup while step < warmup, then
    peak · (total − step) / (total − warmup), and 0 from `total_steps` on.

    Steps count optimizer updates. With gradient accumulation Keras feeds the schedule its
    count of batches, so give `accumulation_steps`: the rate of update k is then rate(k), as
    for one large batch (a schedule counted in batches would give update 1 the rate of batch
    `accumulation_steps - 1` instead of 0, and so on).
    """

    def __init__(self, peak_learning_rate, warmup_steps, total_steps, accumulation_steps=1):
        if not peak_learning_rate > 0:
            raise KerasBertError(f"peak_learning_rate must be positive, got {peak_learning_rate!r}.")
        if not isinstance(total_steps, int) or total_steps <= 0:
            raise KerasBertError(f"total_steps must be a positive integer, got {total_steps!r}.")
        if not isinstance(warmup_steps, int) or not 0 <= warmup_steps < total_steps:
            raise KerasBertError(
                f"warmup_steps must be an integer in [0, total_steps={total_steps}), "
                f"got {warmup_steps!r}."
            )
        if not isinstance(accumulation_steps, int) or accumulation_steps < 1:
            raise KerasBertError(f"accumulation_steps must be an integer >= 1, got {accumulation_steps!r}.")
        self.peak_learning_rate = float(peak_learning_rate)
        self.warmup_steps = warmup_steps
        self.total_steps = total_steps
        self.accumulation_steps = accumulation_steps

    def __call__(self, step):
        step = ops.cast(ops.floor_divide(step, self.accumulation_steps), "float32")
        peak = ops.cast(self.peak_learning_rate, "float32")
        warmup = float(self.warmup_steps)
        total = float(self.total_steps)
        warming = peak * step / max(warmup, 1.0)
        decaying = peak * ops.maximum(total - step, 0.0) / (total - warmup)
        return ops.where(step < warmup, warming, decaying)

    def get_config(self):
        return {
            "peak_learning_rate": self.peak_learning_rate,
            "warmup_steps": self.warmup_steps,
            "total_steps": self.total_steps,
            "accumulation_steps": self.accumulation_steps,
        }
