"""Entity-level precision, recall and F1, the CoNLL shared task's definition (conlleval).

An entity counts as found only when a predicted entity has exactly its span and its type.
precision = correct / predicted entities, recall = correct / true entities, F1 their harmonic
mean (0 when there is nothing to divide); "overall" sums the counts over all types (micro),
as conlleval reports it. Entities are the chunks of `tag_schemes.chunks`: for IOB1 / BIO tags,
conlleval's own rules (an I-X after O starts an entity).

Two forms: `entity_scores`, a pure function over tag strings, and `EntityF1`, a Keras
metric over tag ids in padded batches (label -1 = not a word: [CLS], "##…" pieces, padding),
computed in-graph with `keras.ops` so that `fit` logs it every epoch; both count alike.
"""

import keras
from keras import ops

from keras_bert.data import tag_schemes
from keras_bert.errors import KerasBertError


def _ratios(correct, true, predicted):
    precision = correct / predicted if predicted else 0.0
    recall = correct / true if true else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {
        "precision": precision,
        "recall": recall,
        "f1": f1,
        "true_entities": true,
        "predicted_entities": predicted,
        "correct_entities": correct,
    }


def entity_scores(true_tags, predicted_tags, scheme="iob2"):
    """conlleval's scores for sentences of tags (lists of tag strings, one list per sentence).

    Returns:
        {"precision", "recall", "f1", "true_entities", "predicted_entities",
        "correct_entities", "per_type": {type: the same keys}}.
    """
    true_tags, predicted_tags = list(true_tags), list(predicted_tags)
    if true_tags and isinstance(true_tags[0], str):  # one sentence
        true_tags, predicted_tags = [true_tags], [predicted_tags]
    if len(true_tags) != len(predicted_tags):
        raise KerasBertError(
            f"{len(true_tags)} true tag sequences but {len(predicted_tags)} predicted ones."
        )
    counts = {}  # type → [correct, true, predicted]
    for index, (true, predicted) in enumerate(zip(true_tags, predicted_tags)):
        if len(true) != len(predicted):
            raise KerasBertError(
                f"sentence {index}: {len(true)} true tags but {len(predicted)} predicted."
            )
        true_chunks = set(tag_schemes.chunks(true, scheme))
        predicted_chunks = set(tag_schemes.chunks(predicted, scheme))
        for chunk in true_chunks:
            counts.setdefault(chunk[0], [0, 0, 0])[1] += 1
        for chunk in predicted_chunks:
            counts.setdefault(chunk[0], [0, 0, 0])[2] += 1
        for chunk in true_chunks & predicted_chunks:
            counts[chunk[0]][0] += 1
    totals = [sum(values[i] for values in counts.values()) for i in range(3)]
    scores = _ratios(*totals)
    scores["per_type"] = {name: _ratios(*counts[name]) for name in sorted(counts)}
    return scores


def format_entity_scores(scores):
    """conlleval's table: overall, then one line per type."""
    lines = [
        f"entities: {scores['true_entities']} true, {scores['predicted_entities']} predicted, "
        f"{scores['correct_entities']} correct; precision {100 * scores['precision']:.2f}%, "
        f"recall {100 * scores['recall']:.2f}%, F1 {100 * scores['f1']:.2f}"
    ]
    for name, values in scores["per_type"].items():
        lines.append(
            f"{name:>12}: precision {100 * values['precision']:6.2f}%, recall "
            f"{100 * values['recall']:6.2f}%, F1 {100 * values['f1']:6.2f}  "
            f"({values['true_entities']} true, {values['predicted_entities']} predicted)"
        )
    return "\n".join(lines)


# The Keras metric: the same counts over tag ids, in-graph. ---------------------------------

_OUTSIDE, _BEGIN, _INSIDE = 0, 1, 2


def _argmax_tags(logits, mask):
    return ops.cast(ops.argmax(logits, axis=-1), "int32")


@keras.saving.register_keras_serializable(package="keras_bert")
class EntityF1(keras.metrics.Metric):
    """Entity-level F1 (conlleval, micro over types) of BIO tag ids, accumulated over batches.

    Args:
        tags: the BIO tag names, index = tag id (a tagger's `tags`).
        decode: how logits [batch, seq, tags] become tag ids, given the mask of labelled
            positions: argmax by default; a CRF tagger passes its Viterbi decoding.
        average: "micro" (conlleval's overall F1) or "precision" / "recall" (micro).

    `update_state(y_true, y_pred)`: y_true [batch, seq] tag ids, -1 where there is no word
    (those positions are skipped, so words separated by "##" pieces are consecutive).
    """

    def __init__(self, tags, decode=None, average="micro", name="entity_f1", **kwargs):
        super().__init__(name=name, **kwargs)
        if average not in ("micro", "precision", "recall"):
            raise KerasBertError(f"average must be micro, precision or recall, got {average!r}.")
        self.tags = [str(tag) for tag in tags]
        self.types = tag_schemes.entity_types_of(self.tags)
        self.average = average
        self._decode = decode or _argmax_tags
        kinds, types = [], []
        for index, tag in enumerate(self.tags):
            prefix, entity_type = tag_schemes.split_tag(tag, index, "BI")
            kinds.append({"O": _OUTSIDE, "B": _BEGIN, "I": _INSIDE}[prefix])
            types.append(-1 if entity_type is None else self.types.index(entity_type))
        self._kinds = kinds
        self._type_ids = types
        self._outside = self.tags.index(tag_schemes.OUTSIDE)
        size = len(self.types)
        self.correct = self.add_variable(shape=(size,), initializer="zeros", name="correct")
        self.true = self.add_variable(shape=(size,), initializer="zeros", name="true")
        self.predicted = self.add_variable(shape=(size,), initializer="zeros", name="predicted")

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_true = ops.cast(y_true, "int32")
        valid = ops.greater_equal(y_true, 0)
        predicted = self._decode(y_pred, valid)
        correct, true, found = self._counts(y_true, ops.cast(predicted, "int32"), valid)
        self.correct.assign_add(correct)
        self.true.assign_add(true)
        self.predicted.assign_add(found)

    def _compact(self, tags, valid):
        """Each row's labelled positions moved to its front, a column of O after every row,
        the rows joined end to end: [batch * (seq + 1)] tag ids."""
        batch, length = ops.shape(tags)[0], ops.shape(tags)[1]
        width = length + 1
        rank = ops.cumsum(ops.cast(valid, "int32"), axis=1) - 1
        row = ops.expand_dims(ops.arange(batch, dtype="int32") * width, 1)
        index = ops.where(valid, row + rank, row + length)
        values = ops.where(valid, tags + 1, 0)
        flat = ops.scatter(
            ops.reshape(index, [-1, 1]), ops.reshape(values, [-1]), ops.stack([batch * width])
        ) - 1
        return ops.where(ops.less(flat, 0), self._outside, flat)

    def _structure(self, tags):
        """(starts, continues, type ids) of the entities in a compacted tag sequence."""
        kinds = ops.take(ops.convert_to_tensor(self._kinds, "int32"), tags)
        types = ops.take(ops.convert_to_tensor(self._type_ids, "int32"), tags)
        previous_kinds = _shift_right(kinds, _OUTSIDE)
        previous_types = _shift_right(types, -1)
        inside = ops.not_equal(kinds, _OUTSIDE)
        starts = ops.logical_or(
            ops.equal(kinds, _BEGIN),
            ops.logical_and(
                ops.equal(kinds, _INSIDE),
                ops.logical_or(
                    ops.equal(previous_kinds, _OUTSIDE), ops.not_equal(previous_types, types)
                ),
            ),
        )
        continues = ops.logical_and(inside, ops.logical_not(starts))
        return starts, continues, types

    def _counts(self, y_true, predicted, valid):
        true_tags = self._compact(y_true, valid)
        predicted_tags = self._compact(predicted, valid)
        true_starts, true_continues, true_types = self._structure(true_tags)
        predicted_starts, predicted_continues, predicted_types = self._structure(predicted_tags)
        true_inside = ops.logical_or(true_starts, true_continues)
        next_true_continues = _shift_left(true_continues)
        next_predicted_continues = _shift_left(predicted_continues)
        true_ends = ops.logical_and(true_inside, ops.logical_not(next_true_continues))
        # A true entity is found when the prediction starts there with its type, continues
        # wherever it continues, and does not go on after its end.
        violations = ops.logical_or(
            ops.logical_and(
                true_starts,
                ops.logical_not(
                    ops.logical_and(predicted_starts, ops.equal(predicted_types, true_types))
                ),
            ),
            ops.logical_or(
                ops.logical_and(true_continues, ops.logical_not(predicted_continues)),
                ops.logical_and(true_ends, next_predicted_continues),
            ),
        )
        violations = ops.cast(violations, "int32")
        running = ops.cumsum(violations)
        entity = ops.cumsum(ops.cast(true_starts, "int32"))  # 1, 2, … along the sequence
        slots = ops.stack([ops.shape(entity)[0] + 1])
        # Violations of entity k: running[end_k] − running[start_k] + violations[start_k].
        before = ops.scatter(
            ops.expand_dims(ops.where(true_starts, entity, 0), 1),
            ops.where(true_starts, running - violations, 0),
            slots,
        )
        at_end = ops.scatter(
            ops.expand_dims(ops.where(true_ends, entity, 0), 1),
            ops.where(true_ends, running, 0),
            slots,
        )
        found = ops.logical_and(
            true_ends, ops.equal(ops.take(at_end - before, entity), 0)
        )
        size = len(self.types)

        def per_type(flags, types):
            one_hot = ops.one_hot(ops.maximum(types, 0), size, dtype="float32")
            return ops.sum(one_hot * ops.expand_dims(ops.cast(flags, "float32"), 1), axis=0)

        return (
            per_type(found, true_types),
            per_type(true_starts, true_types),
            per_type(predicted_starts, predicted_types),
        )

    def result(self):
        correct, true, predicted = (ops.sum(v) for v in (self.correct, self.true, self.predicted))
        precision = ops.divide_no_nan(correct, predicted)
        recall = ops.divide_no_nan(correct, true)
        if self.average == "precision":
            return precision
        if self.average == "recall":
            return recall
        return ops.divide_no_nan(2 * precision * recall, precision + recall)

    def per_type(self):
        """{type: F1} from the counts so far (eager)."""
        return {
            name: _ratios(int(c), int(t), int(p))["f1"]
            for name, c, t, p in zip(
                self.types,
                ops.convert_to_numpy(self.correct),
                ops.convert_to_numpy(self.true),
                ops.convert_to_numpy(self.predicted),
            )
        }

    def reset_state(self):
        for variable in (self.correct, self.true, self.predicted):
            variable.assign(ops.zeros_like(variable))

    def get_config(self):
        config = super().get_config()
        config.update(tags=self.tags, average=self.average)
        return config


@keras.saving.register_keras_serializable(package="keras_bert")
class TagAccuracy(keras.metrics.Metric):
    """The share of words (labels ≥ 0) whose tag is right; -1 positions are left out."""

    def __init__(self, decode=None, name="tag_accuracy", **kwargs):
        super().__init__(name=name, **kwargs)
        self._decode = decode or _argmax_tags
        self.right = self.add_variable(shape=(), initializer="zeros", name="right")
        self.total = self.add_variable(shape=(), initializer="zeros", name="total")

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_true = ops.cast(y_true, "int32")
        valid = ops.greater_equal(y_true, 0)
        predicted = ops.cast(self._decode(y_pred, valid), "int32")
        right = ops.logical_and(valid, ops.equal(predicted, y_true))
        self.right.assign_add(ops.sum(ops.cast(right, "float32")))
        self.total.assign_add(ops.sum(ops.cast(valid, "float32")))

    def result(self):
        return ops.divide_no_nan(self.right, self.total)

    def reset_state(self):
        self.right.assign(0.0)
        self.total.assign(0.0)


def _shift_right(values, fill):
    return ops.concatenate([ops.full([1], fill, dtype=values.dtype), values[:-1]], axis=0)


def _shift_left(flags):
    return ops.concatenate([flags[1:], ops.zeros([1], dtype=flags.dtype)], axis=0)
