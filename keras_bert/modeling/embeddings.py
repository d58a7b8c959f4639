"""BERT's input embeddings: word + learned position + token type, then LayerNorm and dropout."""

import keras
from keras import ops

from keras_bert.modeling.initializers import bert_initializer
from keras_bert.errors import KerasBertError


@keras.saving.register_keras_serializable(package="keras_bert")
class BertEmbeddings(keras.layers.Layer):
    """Maps `input_word_ids` and `input_type_ids` [batch, seq] to [batch, seq, hidden].

    The word embedding matrix is `self.word_embeddings.embeddings`; the masked-LM head reuses
    it as its output projection (tied weights, as in BERT).
    """

    def __init__(
        self,
        vocab_size,
        hidden_size,
        max_position_embeddings,
        type_vocab_size,
        dropout_rate=0.1,
        initializer_range=0.02,
        layer_norm_eps=1e-12,
        **kwargs,
    ):
        super().__init__(**kwargs)
        # The sizes, rates and epsilon live in the sublayers below; get_config reads them there.
        self.hidden_size = hidden_size
        self.max_position_embeddings = max_position_embeddings
        self.initializer_range = initializer_range

        initializer = bert_initializer(initializer_range)
        self.word_embeddings = keras.layers.Embedding(
            vocab_size,
            hidden_size,
            embeddings_initializer=initializer,
            dtype=self.dtype_policy,
            name="word_embeddings",
        )
        self.token_type_embeddings = keras.layers.Embedding(
            type_vocab_size,
            hidden_size,
            embeddings_initializer=initializer,
            dtype=self.dtype_policy,
            name="token_type_embeddings",
        )
        self.layer_norm = keras.layers.LayerNormalization(
            epsilon=layer_norm_eps, dtype=self.dtype_policy, name="layer_norm"
        )
        self.dropout = keras.layers.Dropout(dropout_rate, dtype=self.dtype_policy)

    def build(self, input_shape=None):
        self.word_embeddings.build()
        self.token_type_embeddings.build()
        self.position_embeddings = self.add_weight(
            name="position_embeddings",
            shape=(self.max_position_embeddings, self.hidden_size),
            initializer=bert_initializer(self.initializer_range),
        )
        self.layer_norm.build((None, None, self.hidden_size))
        self.built = True

    def call(self, input_word_ids, input_type_ids, training=None):
        check_sequence_length(input_word_ids, self.max_position_embeddings)
        seq_length = ops.shape(input_word_ids)[1]
        positions = ops.slice(
            self.position_embeddings, (0, 0), (seq_length, self.hidden_size)
        )
        embeddings = (
            self.word_embeddings(input_word_ids)
            + ops.cast(positions, self.compute_dtype)[None, :, :]
            + self.token_type_embeddings(input_type_ids)
        )
        embeddings = self.layer_norm(embeddings)
        return self.dropout(embeddings, training=training)

    def compute_output_shape(self, input_word_ids_shape, input_type_ids_shape=None):
        return tuple(input_word_ids_shape) + (self.hidden_size,)

    def get_config(self):
        config = super().get_config()
        config.update(
            vocab_size=self.word_embeddings.input_dim,
            hidden_size=self.hidden_size,
            max_position_embeddings=self.max_position_embeddings,
            type_vocab_size=self.token_type_embeddings.input_dim,
            dropout_rate=self.dropout.rate,
            initializer_range=self.initializer_range,
            layer_norm_eps=self.layer_norm.epsilon,
        )
        return config


def check_sequence_length(input_word_ids, max_position_embeddings):
    """A sequence longer than the position table is a clear error, not an opaque slice failure."""
    seq_length = input_word_ids.shape[1]
    if seq_length is not None and seq_length > max_position_embeddings:
        raise KerasBertError(
            f"Sequence length {seq_length} exceeds max_position_embeddings "
            f"({max_position_embeddings}) of this BERT; truncate the inputs (the tokenizer's "
            "seq_length) to at most that."
        )
