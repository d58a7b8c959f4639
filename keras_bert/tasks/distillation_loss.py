"""Knowledge distillation's loss (Hinton, Vinyals and Dean, 2015) and what it reports.

A student classifier learns from the teacher's logits on every text and, where a text has
one, from its gold label:

    soft = T² · KL(softmax(teacher / T) ‖ softmax(student / T))
    loss = (1 − alpha) · soft + alpha · cross_entropy(gold, student)    a labelled text
    loss = soft                                                        an unlabelled text

The T² keeps the soft term's gradients on one scale whatever the temperature T (Hinton et
al., section 2.1); a text without a gold label gets the whole soft term, so unlabelled text
does not count for less than labelled text.

The targets reach the loss as one float tensor, `pack_targets(teacher_logits, label_ids)`:
[batch, classes + 1], the teacher's logits then the gold class id (−1: none). `model.fit`
then sees an ordinary (inputs, y) pair and the student stays a plain `BertClassifier`
(which saves without this loss: the student folder loads and serves as any classifier).
"""

import keras
import numpy as np
from keras import ops

from keras_bert.errors import KerasBertError

NO_LABEL = -1


def pack_targets(teacher_logits, label_ids=None):
    """[n, classes + 1] float32: the teacher's logits, then the gold class id (−1: none)."""
    teacher_logits = np.asarray(teacher_logits, "float32")
    if teacher_logits.ndim != 2:
        raise KerasBertError(f"teacher_logits must be [n, classes], got shape {teacher_logits.shape}.")
    if label_ids is None:
        label_ids = np.full(len(teacher_logits), NO_LABEL)
    label_ids = np.asarray(label_ids, "float32").reshape(-1, 1)
    if len(label_ids) != len(teacher_logits):
        raise KerasBertError(f"{len(teacher_logits)} teacher logits but {len(label_ids)} labels.")
    return np.concatenate([teacher_logits, label_ids], axis=1)


def unpack_targets(y_true):
    """(teacher logits [b, classes] float32, gold ids [b] int32 with −1 for none)."""
    y_true = ops.cast(y_true, "float32")
    return y_true[:, :-1], ops.cast(ops.round(y_true[:, -1]), "int32")


@keras.saving.register_keras_serializable(package="keras_bert")
class DistillationLoss(keras.losses.Loss):
    """The loss above, per example, from packed targets (`pack_targets`) and student logits.

    Args:
        temperature: T > 0; above 1 softens both distributions, so the student also learns
            how the teacher ranks the wrong classes.
        alpha: in [0, 1], the gold cross-entropy's share of a labelled text's loss.
    """

    def __init__(self, temperature=2.0, alpha=0.5, name="distillation", **kwargs):
        super().__init__(name=name, **kwargs)
        if isinstance(temperature, bool) or not temperature > 0:
            raise KerasBertError(f"temperature must be positive, got {temperature!r}.")
        if isinstance(alpha, bool) or not 0.0 <= alpha <= 1.0:
            raise KerasBertError(f"alpha must be in [0, 1], got {alpha!r}.")
        self.temperature = float(temperature)
        self.alpha = float(alpha)

    def call(self, y_true, y_pred):
        teacher_logits, gold = unpack_targets(y_true)
        student_logits = ops.cast(y_pred, "float32")
        t = self.temperature
        teacher_log_probs = ops.log_softmax(teacher_logits / t, axis=-1)
        student_log_probs = ops.log_softmax(student_logits / t, axis=-1)
        kl = ops.sum(ops.exp(teacher_log_probs) * (teacher_log_probs - student_log_probs), axis=-1)
        soft = (t * t) * kl
        labelled = gold >= 0
        log_probs = ops.log_softmax(student_logits, axis=-1)
        num_classes = ops.shape(student_logits)[-1]
        gold_log_prob = ops.sum(
            ops.one_hot(ops.maximum(gold, 0), num_classes, dtype="float32") * log_probs, axis=-1
        )
        mixed = (1.0 - self.alpha) * soft - self.alpha * gold_log_prob
        return ops.where(labelled, mixed, soft)

    def get_config(self):
        return {**super().get_config(), "temperature": self.temperature, "alpha": self.alpha}


class _MeanOverRows(keras.metrics.Metric):
    """A share of rows, accumulated over the whole epoch (sum and count)."""

    def __init__(self, name, **kwargs):
        super().__init__(name=name, **kwargs)
        self.hits = self.add_variable(shape=(), initializer="zeros", dtype="float32", name="hits")
        self.rows = self.add_variable(shape=(), initializer="zeros", dtype="float32", name="rows")

    def _count(self, hits, rows):
        self.hits.assign_add(ops.sum(ops.cast(hits, "float32")))
        self.rows.assign_add(ops.sum(ops.cast(rows, "float32")))

    def result(self):
        return self.hits / ops.maximum(self.rows, 1.0)


@keras.saving.register_keras_serializable(package="keras_bert")
class TeacherAgreement(_MeanOverRows):
    """The share of texts on which the student's top class is the teacher's."""

    def __init__(self, name="agreement", **kwargs):
        super().__init__(name=name, **kwargs)

    def update_state(self, y_true, y_pred, sample_weight=None):
        teacher_logits, _ = unpack_targets(y_true)
        same = ops.argmax(teacher_logits, axis=-1) == ops.argmax(y_pred, axis=-1)
        self._count(same, ops.ones_like(same))


@keras.saving.register_keras_serializable(package="keras_bert")
class GoldAccuracy(_MeanOverRows):
    """Accuracy against the gold labels, over the texts that have one."""

    def __init__(self, name="accuracy", **kwargs):
        super().__init__(name=name, **kwargs)

    def update_state(self, y_true, y_pred, sample_weight=None):
        _, gold = unpack_targets(y_true)
        labelled = gold >= 0
        right = ops.logical_and(labelled, ops.cast(ops.argmax(y_pred, axis=-1), "int32") == gold)
        self._count(right, labelled)
