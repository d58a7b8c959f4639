"""`LinearChainCrf`: a linear-chain conditional random field over per-position tag scores.

    score(y) = start[y_1] + Σ_t emissions[t, y_t] + Σ_t transitions[y_{t-1}, y_t] + end[y_n]
    log p(y | x) = score(y) − logsumexp over all tag paths y' of score(y')

The chain runs over the positions where `mask` is true only (a tagger's word-first pieces):
masked positions are skipped, so transitions link consecutive words, not word pieces.
`log_likelihood` (the forward algorithm) trains the transitions jointly with the encoder;
`decode` is Viterbi. Written with `keras.ops` (`scan` over time), so it is backend-neutral
and serialisable; in a model its `call` passes the emissions through unchanged, which puts
its weights in the functional graph (saved, loaded, trained) without changing the output.
"""

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="keras_bert")
class LinearChainCrf(keras.layers.Layer):
    """Transition scores between `num_tags` tags, with the CRF's likelihood and decoding.

    Args:
        num_tags: number of tags.
    Weights: `transitions` [from, to], `start_transitions` and `end_transitions` [num_tags],
    zero at first (a CRF over untrained transitions decodes as a per-position argmax).
    """

    def __init__(self, num_tags, **kwargs):
        kwargs.setdefault("dtype", "float32")  # log-space sums stay float32 under mixed precision
        super().__init__(**kwargs)
        self.num_tags = int(num_tags)
        self.transitions = self.add_weight(
            name="transitions", shape=(self.num_tags, self.num_tags), initializer="zeros"
        )
        self.start_transitions = self.add_weight(
            name="start_transitions", shape=(self.num_tags,), initializer="zeros"
        )
        self.end_transitions = self.add_weight(
            name="end_transitions", shape=(self.num_tags,), initializer="zeros"
        )
        self.built = True

    def get_config(self):
        config = super().get_config()
        config.update(num_tags=self.num_tags)
        return config

    def call(self, emissions):
        return emissions

    def compute_output_shape(self, input_shape):
        return input_shape

    def log_likelihood(self, emissions, tags, mask):
        """log p(tags | emissions) per sequence, [batch] (0 for a row without any position).

        Args:
            emissions: [batch, seq, num_tags] scores.
            tags: [batch, seq] int tag ids (any value where `mask` is false).
            mask: [batch, seq] bool, the positions in the chain.
        """
        emissions = ops.cast(emissions, "float32")
        tags = ops.where(mask, ops.cast(tags, "int32"), 0)
        batch = ops.shape(emissions)[0]
        flat_transitions = ops.reshape(self.transitions, [-1])
        started = ops.zeros([batch], "bool")
        alpha = ops.zeros([batch, self.num_tags], "float32")
        gold = ops.zeros([batch], "float32")
        previous = ops.zeros([batch], "int32")

        def step(carry, inputs):
            alpha, started, gold, previous = carry
            emission, position_mask, tag = _unpack(inputs, self.num_tags, 2)
            chained = ops.logsumexp(
                ops.expand_dims(alpha, 2) + ops.expand_dims(self.transitions, 0), axis=1
            )
            new_alpha = ops.where(
                ops.expand_dims(started, 1), chained, ops.expand_dims(self.start_transitions, 0)
            ) + emission
            alpha = ops.where(ops.expand_dims(position_mask, 1), new_alpha, alpha)
            into = ops.where(
                started,
                ops.take(flat_transitions, previous * self.num_tags + tag),
                ops.take(self.start_transitions, tag),
            )
            emitted = ops.squeeze(ops.take_along_axis(emission, ops.expand_dims(tag, 1), 1), 1)
            gold = gold + ops.where(position_mask, into + emitted, 0.0)
            previous = ops.where(position_mask, tag, previous)
            started = ops.logical_or(started, position_mask)
            carry = (alpha, started, gold, previous)
            return carry, carry

        (alpha, started, gold, previous), _ = ops.scan(
            step, (alpha, started, gold, previous), _pack(emissions, mask, tags)
        )
        log_partition = ops.logsumexp(alpha + ops.expand_dims(self.end_transitions, 0), axis=1)
        gold = gold + ops.take(self.end_transitions, previous)
        return ops.where(started, gold - log_partition, 0.0)

    def decode(self, emissions, mask):
        """The best tag path (Viterbi), [batch, seq] int32; 0 where `mask` is false."""
        emissions = ops.cast(emissions, "float32")
        mask = ops.cast(mask, "bool")
        batch = ops.shape(emissions)[0]
        identity = ops.broadcast_to(
            ops.expand_dims(ops.arange(self.num_tags, dtype="int32"), 0), [batch, self.num_tags]
        )
        score = ops.zeros([batch, self.num_tags], "float32")
        started = ops.zeros([batch], "bool")

        def forward(carry, inputs):
            score, started, _ = carry
            emission, position_mask = _unpack(inputs, self.num_tags, 1)
            candidates = ops.expand_dims(score, 2) + ops.expand_dims(self.transitions, 0)
            best_previous = ops.cast(ops.argmax(candidates, axis=1), "int32")
            chained = ops.max(candidates, axis=1)
            new_score = ops.where(
                ops.expand_dims(started, 1), chained, ops.expand_dims(self.start_transitions, 0)
            ) + emission
            pointers = ops.where(
                ops.expand_dims(ops.logical_and(started, position_mask), 1),
                best_previous,
                identity,
            )
            score = ops.where(ops.expand_dims(position_mask, 1), new_score, score)
            carry = (score, ops.logical_or(started, position_mask), pointers)
            return carry, carry

        (score, _, _), (_, _, pointers) = ops.scan(
            forward, (score, started, identity), _pack(emissions, mask)
        )
        last = ops.cast(
            ops.argmax(score + ops.expand_dims(self.end_transitions, 0), axis=1), "int32"
        )

        def backward(current, step_pointers):
            previous = ops.squeeze(
                ops.take_along_axis(step_pointers, ops.expand_dims(current, 1), 1), 1
            )
            return previous, current

        _, path = ops.scan(backward, last, pointers, reverse=True)
        return ops.where(mask, ops.transpose(path, [1, 0]), 0)


def _pack(emissions, *per_position):
    """[seq, batch, num_tags + k]: emissions and k [batch, seq] int/bool values (as floats).

    One tensor, time first, for `ops.scan`: Keras's TensorFlow `scan` fails on several
    inputs of unknown length (keras 3.15), and small ints are exact in float32.
    """
    columns = [emissions] + [ops.expand_dims(ops.cast(v, "float32"), -1) for v in per_position]
    return ops.transpose(ops.concatenate(columns, axis=-1), [1, 0, 2])


def _unpack(step_inputs, num_tags, count):
    """(emission [batch, num_tags], then each packed value: the mask as bool, tags as int32)."""
    values = [step_inputs[:, :num_tags]]
    for index in range(count):
        column = step_inputs[:, num_tags + index]
        values.append(ops.greater(column, 0.5) if index == 0 else ops.cast(column, "int32"))
    return values
