"""`BertPreprocessorModule`: TF Hub's BERT preprocessor API over our tokenizer.

TF Hub's BERT preprocess SavedModels expose three things, and code written for them works
with this module unchanged:

    preprocessor(text)                          [batch] strings → encoder inputs (one segment)
    preprocessor.tokenize(text)                 [batch] strings → int32 RaggedTensor
                                                [batch, (words), (wordpieces)]
    preprocessor.bert_pack_inputs(segments, seq_length=...)
                                                list of tokenized segments → encoder inputs

`seq_length` is fixed when the module is exported: `bert_pack_inputs` accepts exactly that
value (a TF Hub user passes it with `arguments=dict(seq_length=...)`), because the encoder
that consumes the packed inputs was exported for it too.
"""

import tensorflow as tf
from keras_bert.errors import KerasBertError

# How many segments `bert_pack_inputs` is traced for (single texts and pairs).
MAX_SEGMENTS = 2


def _text_spec(name="text"):
    return tf.TensorSpec([None], tf.string, name=name)


class BertPreprocessorModule(tf.Module):
    """Tokenizer and packer of one vocabulary as a SavedModel-ready module.

    Args:
        tokenizer: a `keras_bert.BertTokenizer` (any object with `tokenize(texts)` returning
            ragged int ids and `pack(segments, seq_length)` returning the encoder inputs).
        seq_length: the packed length.
    """

    def __init__(self, tokenizer, seq_length, name="bert_preprocessor"):
        super().__init__(name=name)
        self.tokenizer = tokenizer
        self.seq_length = int(seq_length)
        self.bert_pack_inputs = self._make_bert_pack_inputs()

    @tf.function(input_signature=[_text_spec()])
    def __call__(self, text):
        """Single texts → `input_word_ids`, `input_mask`, `input_type_ids` [batch, seq]."""
        return self.bert_pack_inputs([self.tokenize(text)])

    @tf.function(input_signature=[_text_spec()])
    def tokenize(self, text):
        """[batch] strings → int32 RaggedTensor [batch, (words), (wordpieces)] of WordPiece ids,
        without special tokens: the shape TF Hub's BERT preprocessors return."""
        return self.tokenizer.tokenize_words_batch(text)

    def _make_bert_pack_inputs(self):
        """`bert_pack_inputs`, built per instance so that its `seq_length` defaults to the
        exported length: a call with and one without it then share one traced function."""
        exported_length = self.seq_length

        def bert_pack_inputs(segments, seq_length=exported_length):
            """One or two tokenized segments → encoder inputs, packed `[CLS] a [SEP] (b [SEP])`.

            Each segment is a RaggedTensor [batch, (tokens)] or [batch, (words), (wordpieces)]
            of ids; longer inputs are truncated to `seq_length`, shorter ones padded.
            """
            if seq_length != exported_length:
                raise KerasBertError(
                    f"This preprocessor was exported for seq_length={exported_length}, "
                    f"not {seq_length}."
                )
            if not 1 <= len(segments) <= MAX_SEGMENTS:
                raise KerasBertError(f"bert_pack_inputs takes 1 to {MAX_SEGMENTS} segments.")
            flat = [_merge_inner_dims(segment) for segment in segments]
            return _as_int32(self.tokenizer.pack(flat, seq_length=exported_length))

        return tf.function(bert_pack_inputs)

    def trace_for_export(self):
        """Trace the concrete functions a SavedModel must hold for every supported call:
        one or two segments, each [batch, (tokens)] or [batch, (words), (wordpieces)]."""
        self.__call__.get_concrete_function()
        self.tokenize.get_concrete_function()
        for ragged_rank in (1, 2):
            shape = [None] * (ragged_rank + 1)
            spec = tf.RaggedTensorSpec(shape, tf.int32, ragged_rank=ragged_rank)
            for count in range(1, MAX_SEGMENTS + 1):
                self.bert_pack_inputs.get_concrete_function([spec] * count)


def _merge_inner_dims(segment):
    """[batch, (words), (wordpieces)] → [batch, (tokens)]; [batch, (tokens)] unchanged."""
    segment = tf.cast(segment, tf.int32)
    while segment.shape.rank > 2:
        segment = segment.merge_dims(-2, -1)
    return segment


def _as_int32(inputs):
    return {name: tf.cast(value, tf.int32) for name, value in inputs.items()}
