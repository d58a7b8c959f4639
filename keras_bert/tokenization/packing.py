"""Packing token ids into BERT's fixed-length encoder inputs.

One text becomes `[CLS] a [SEP]`, a pair `[CLS] a [SEP] b [SEP]`, padded with `[PAD]` to
`seq_length`, as the three int32 tensors every encoder in this project takes
(`input_word_ids`, `input_mask`, `input_type_ids`, the TF Hub names).

Pairs are truncated as Google's `_truncate_seq_pair` does, one token at a time from the
longer segment (from the second on a tie), written here in closed form so it stays a few
core TensorFlow ops: no tf-text trimmer op is needed, which keeps exported models servable
by any TensorFlow Serving build.
"""

import tensorflow as tf
from keras_bert.errors import KerasBertError


def truncated_lengths(first_lengths, second_lengths, budget):
    """Google's longest-first truncation of a pair, in closed form.

    Removing one token at a time from the longer segment (the second on a tie) until the pair
    fits in `budget` ends with the second segment at min(len_b, max(budget // 2,
    budget - len_a)) tokens and the first at min(len_a, budget - that).
    """
    budget = tf.cast(budget, first_lengths.dtype)
    second = tf.minimum(second_lengths, tf.maximum(budget // 2, budget - first_lengths))
    first = tf.minimum(first_lengths, budget - second)
    return first, second


def _keep_first(segment, lengths, budget):
    """Keep the first `lengths[i]` (at most `budget`) tokens of row i of a ragged segment.

    Cropping to a dense [batch, budget] first keeps the cost proportional to what is kept,
    not to the length of the (possibly very long) texts.
    """
    cropped = segment.to_tensor(shape=[None, budget])
    return tf.RaggedTensor.from_tensor(cropped, lengths=lengths)


class BertInputPacker(tf.Module):
    """Turns one or two ragged id segments into `input_word_ids`/`input_mask`/`input_type_ids`.

    A callable of its own (not only inside `BertTokenizer.encode`) so an exported model can
    offer TF Hub's split of `tokenize` and `bert_pack_inputs`.
    """

    def __init__(self, cls_id, sep_id, pad_id, name=None):
        super().__init__(name=name)
        self.cls_id = int(cls_id)
        self.sep_id = int(sep_id)
        self.pad_id = int(pad_id)

    def __call__(self, segments, seq_length=128):
        """Pack `segments` (a list of one or two RaggedTensors [batch, (ids)]) to `seq_length`."""
        features, _ = self.pack_with_truncation(segments, seq_length)
        return features

    def pack_with_truncation(self, segments, seq_length=128):
        """Like calling the packer, also returning a bool [batch]: was the row truncated?"""
        if isinstance(segments, (tf.RaggedTensor, tf.Tensor)):
            segments = [segments]
        segments = [self._as_ragged_ids(segment) for segment in segments]
        if len(segments) not in (1, 2):
            raise KerasBertError(f"can pack one or two segments, got {len(segments)}")
        budget = int(seq_length) - len(segments) - 1  # room left after [CLS] and the [SEP]s
        if budget < len(segments):
            raise KerasBertError(f"seq_length={seq_length} leaves no room for tokens")

        lengths = [segment.row_lengths() for segment in segments]
        if len(segments) == 1:
            kept = [tf.minimum(lengths[0], budget)]
        else:
            kept = list(truncated_lengths(lengths[0], lengths[1], budget))
        truncated = tf.add_n(lengths) > budget
        if len(segments) == 1:
            segments = [segments[0][:, :budget]]
        else:
            segments = [_keep_first(s, k, budget) for s, k in zip(segments, kept)]

        batch_size = segments[0].nrows()
        cls = tf.fill([batch_size, 1], tf.constant(self.cls_id, tf.int64))
        sep = tf.fill([batch_size, 1], tf.constant(self.sep_id, tf.int64))
        pieces = [cls]
        for segment in segments:
            pieces += [segment, sep]
        word_ids = tf.concat(pieces, axis=1)
        # The mask and type ids follow from the lengths alone: no more ragged work.
        real = tf.sequence_mask(word_ids.row_lengths(), seq_length)
        first_segment = tf.sequence_mask(kept[0] + 2, seq_length)  # [CLS] a [SEP]
        features = {
            "input_word_ids": tf.cast(
                word_ids.to_tensor(default_value=self.pad_id, shape=[None, int(seq_length)]),
                tf.int32,
            ),
            "input_mask": tf.cast(real, tf.int32),
            "input_type_ids": tf.cast(real & ~first_segment, tf.int32),
        }
        return features, truncated

    @staticmethod
    def _as_ragged_ids(segment):
        if not isinstance(segment, tf.RaggedTensor):
            segment = tf.RaggedTensor.from_tensor(tf.convert_to_tensor(segment))
        if segment.ragged_rank != 1:
            segment = segment.merge_dims(1, -1)
        return tf.cast(segment, tf.int64)
