"""`ClassificationF1`: F1 from integer labels and logits, accumulated over a whole evaluation.

F1 is not an average of per-batch values, so this metric accumulates the confusion matrix and
computes F1 once at the end. `keras.metrics.F1Score` would need one-hot labels and
probabilities; our data yields class ids and the model logits, and evaluation also wants the
confusion matrix itself, which this metric exposes.

Two classes: F1 of class 1 (GLUE's MRPC metric; with sorted labels "0"/"1" or
"negative"/"positive" that is the positive class). More: macro-F1, the unweighted mean over
all `num_classes` classes. A class with no true and no predicted example has F1 = 0, as in
scikit-learn with `labels=range(num_classes)` and `zero_division=0`.
"""

import keras
from keras import ops
from keras_bert.errors import KerasBertError


@keras.saving.register_keras_serializable(package="keras_bert")
class ClassificationF1(keras.metrics.Metric):
    """Binary F1 (class 1) for 2 classes, macro-F1 for more; `average` can force either."""

    def __init__(self, num_classes, average=None, name="f1", **kwargs):
        super().__init__(name=name, **kwargs)
        if average is None:
            average = "binary" if num_classes == 2 else "macro"
        if average not in ("binary", "macro"):
            raise KerasBertError(f"average must be 'binary' or 'macro', got {average!r}.")
        if average == "binary" and num_classes != 2:
            raise KerasBertError(f"Binary F1 needs 2 classes, got num_classes={num_classes}.")
        self.num_classes = num_classes
        self.average = average
        self.confusion = self.add_variable(
            shape=(num_classes, num_classes), initializer="zeros", dtype="float32", name="confusion"
        )

    def update_state(self, y_true, y_pred, sample_weight=None):
        """`y_true` class ids [b] (or [b, 1]); `y_pred` logits or probabilities [b, classes]."""
        true_ids = ops.reshape(ops.cast(y_true, "int32"), (-1,))
        predicted_ids = ops.cast(ops.argmax(y_pred, axis=-1), "int32")
        predicted_ids = ops.reshape(predicted_ids, (-1,))
        weights = ops.ones_like(true_ids, dtype="float32")
        if sample_weight is not None:
            weights = ops.reshape(ops.cast(sample_weight, "float32"), (-1,))
        cells = true_ids * self.num_classes + predicted_ids
        counts = ops.segment_sum(weights, cells, num_segments=self.num_classes**2)
        self.confusion.assign_add(ops.reshape(counts, (self.num_classes, self.num_classes)))

    def per_class_f1(self):
        """F1 of each class: 2·TP / (2·TP + FP + FN), 0 when the class never occurs."""
        confusion = ops.convert_to_tensor(self.confusion)
        true_positives = ops.diagonal(confusion)
        predicted = ops.sum(confusion, axis=0)  # TP + FP, column sums
        actual = ops.sum(confusion, axis=1)  # TP + FN, row sums
        denominator = predicted + actual
        return ops.where(
            denominator > 0, 2.0 * true_positives / ops.maximum(denominator, 1e-12), 0.0
        )

    def result(self):
        per_class = self.per_class_f1()
        if self.average == "binary":
            return per_class[1]
        return ops.mean(per_class)

    def reset_state(self):
        self.confusion.assign(ops.zeros((self.num_classes, self.num_classes), "float32"))

    def get_config(self):
        return {
            "num_classes": self.num_classes,
            "average": self.average,
            "name": self.name,
            "dtype": self.dtype,
        }
