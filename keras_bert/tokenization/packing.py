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
        seq_length = int(seq_length)
        budget = seq_length - len(segments) - 1  # room left after [CLS] and the [SEP]s
        if budget < len(segments):
            raise KerasBertError(f"seq_length={seq_length} leaves no room for tokens")

        lengths = [segment.row_lengths() for segment in segments]
        if len(segments) == 1:
            kept = [tf.minimum(lengths[0], budget)]
        else:
            kept = list(truncated_lengths(lengths[0], lengths[1], budget))
        truncated = tf.add_n(lengths) > budget

        # Dense work from here, a few ops over [batch, seq_length] (ragged slicing and
        # concatenation cost several times more at 512 short texts per batch): each segment
        # is cropped and padded to [batch, budget] by one RaggedTensorToTensor, the first is
        # laid after [CLS], the second (its kept tokens) and the [SEP]s are scattered in.
        kept = [tf.cast(k, tf.int32) for k in kept]
        crops = [segment.to_tensor(default_value=self.pad_id, shape=[None, budget]) for segment in segments]
        batch_size = tf.shape(crops[0])[0]
        first = crops[0]
        if len(segments) == 2:  # a truncated first segment keeps fewer than `budget` tokens
            first = tf.where(tf.sequence_mask(kept[0], budget), first, self.pad_id)
        word_ids = tf.concat(
            [tf.fill([batch_size, 1], self.cls_id), first, tf.fill([batch_size, seq_length - 1 - budget], self.pad_id)],
            axis=1,
        )
        separators = [kept[0] + 1]  # [CLS] a [SEP]
        if len(segments) == 2:
            at = tf.cast(tf.where(tf.sequence_mask(kept[1], budget)), tf.int32)  # (row, column)
            rows = at[:, 0]
            columns = at[:, 1] + tf.gather(separators[0], rows) + 1
            word_ids = tf.tensor_scatter_nd_update(
                word_ids, tf.stack([rows, columns], axis=1), tf.gather_nd(crops[1], at)
            )
            separators.append(separators[0] + kept[1] + 1)  # ... b [SEP]
        rows = tf.range(batch_size)
        word_ids = tf.tensor_scatter_nd_update(
            word_ids,
            tf.concat([tf.stack([rows, column], axis=1) for column in separators], axis=0),
            tf.fill([batch_size * len(separators)], self.sep_id),
        )
        input_mask = tf.sequence_mask(separators[-1] + 1, seq_length, dtype=tf.int32)
        if len(segments) == 1:
            input_type_ids = tf.zeros_like(input_mask)
        else:  # 1 from the first [SEP] (excluded) to the last (included)
            input_type_ids = input_mask - tf.sequence_mask(separators[0] + 1, seq_length, dtype=tf.int32)
        features = {"input_word_ids": word_ids, "input_mask": input_mask, "input_type_ids": input_type_ids}
        return features, truncated

    @staticmethod
    def _as_ragged_ids(segment):
        if not isinstance(segment, tf.RaggedTensor):
            segment = tf.RaggedTensor.from_tensor(tf.convert_to_tensor(segment))
        if segment.ragged_rank != 1:
            segment = segment.merge_dims(1, -1)
        return tf.cast(segment, tf.int32)
