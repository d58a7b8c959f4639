"""BERT's masked-LM head, computed only at the masked positions.

    h = LayerNorm(act(Dense(gather(sequence_output, masked_positions))))
    logits = h @ word_embeddings^T + output_bias

The output projection is the encoder's word embedding matrix (tied, as in BERT), so the head
owns only the transform dense, its LayerNorm and the [vocab_size] output bias. Google's
checkpoint names these `cls/predictions/transform/dense`, `cls/predictions/transform/LayerNorm`
and `cls/predictions/output_bias`.
"""

import keras
from keras import ops

from keras_bert.modeling.activations import get_activation
from keras_bert.modeling.initializers import bert_initializer
from keras_bert.errors import KerasBertError


@keras.saving.register_keras_serializable(package="keras_bert")
class MaskedLMHead(keras.layers.Layer):
    """Maps (`sequence_output` [b, seq, hidden], `masked_lm_positions` [b, p]) to logits [b, p, vocab].

    Args:
        word_embeddings: the encoder's `keras.layers.Embedding` for words; its matrix is the
            output projection. Not part of `get_config`: the model that owns both layers
            (e.g. `BertPretrainer`) ties them again when it is rebuilt.
    """

    def __init__(
        self,
        vocab_size,
        hidden_size,
        hidden_act="gelu",
        initializer_range=0.02,
        layer_norm_eps=1e-12,
        word_embeddings=None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.vocab_size = vocab_size
        self.hidden_size = hidden_size
        self.hidden_act = hidden_act
        self.initializer_range = initializer_range
        self.layer_norm_eps = layer_norm_eps
        self.word_embeddings = word_embeddings
        self.activation = get_activation(hidden_act)
        self.transform_dense = keras.layers.Dense(
            hidden_size,
            kernel_initializer=bert_initializer(initializer_range),
            dtype=self.dtype_policy,
            name="transform_dense",
        )
        self.transform_layer_norm = keras.layers.LayerNormalization(
            epsilon=layer_norm_eps, dtype=self.dtype_policy, name="transform_layer_norm"
        )

    def build(self, sequence_output_shape=None, masked_lm_positions_shape=None):
        if self.word_embeddings is None:
            raise KerasBertError("MaskedLMHead needs the encoder's word_embeddings layer to tie to.")
        self.transform_dense.build((None, None, self.hidden_size))
        self.transform_layer_norm.build((None, None, self.hidden_size))
        self.output_bias = self.add_weight(
            name="output_bias", shape=(self.vocab_size,), initializer="zeros"
        )
        self.built = True

    def call(self, sequence_output, masked_lm_positions):
        positions = ops.cast(masked_lm_positions, "int32")
        gathered = ops.take_along_axis(sequence_output, positions[:, :, None], axis=1)
        hidden = self.transform_layer_norm(self.activation(self.transform_dense(gathered)))
        embedding_matrix = ops.cast(self.word_embeddings.embeddings, self.compute_dtype)
        logits = ops.matmul(hidden, ops.transpose(embedding_matrix))
        return logits + ops.cast(self.output_bias, self.compute_dtype)

    def compute_output_shape(self, sequence_output_shape, masked_lm_positions_shape):
        return tuple(masked_lm_positions_shape) + (self.vocab_size,)

    def get_config(self):
        config = super().get_config()
        config.update(
            vocab_size=self.vocab_size,
            hidden_size=self.hidden_size,
            hidden_act=self.hidden_act,
            initializer_range=self.initializer_range,
            layer_norm_eps=self.layer_norm_eps,
        )
        return config
