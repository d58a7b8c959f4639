"""One post-LayerNorm Transformer encoder block, as in BERT (Vaswani et al. 2017, Devlin et al. 2018).

    x = LayerNorm(x + Dropout(SelfAttention(x, mask)))
    x = LayerNorm(x + Dropout(Dense(act(Dense(x)))))

Self-attention is `keras.layers.MultiHeadAttention`; its query/key/value kernels are
[hidden, heads, head_size] and its output kernel [heads, head_size, hidden], which are
Google's and Hugging Face's [hidden, hidden] matrices reshaped.
"""

import keras
from keras import ops

from keras_bert.modeling.activations import get_activation
from keras_bert.modeling.initializers import bert_initializer


@keras.saving.register_keras_serializable(package="keras_bert")
class TransformerBlock(keras.layers.Layer):
    """Maps [batch, seq, hidden] to the same shape; `input_mask` [batch, seq] marks real tokens.

    Padded key positions get zero attention probability, so outputs at real positions do not
    depend on what the padding holds or how much of it there is.
    """

    def __init__(
        self,
        hidden_size,
        num_attention_heads,
        intermediate_size,
        hidden_act="gelu",
        hidden_dropout_prob=0.1,
        attention_probs_dropout_prob=0.1,
        initializer_range=0.02,
        layer_norm_eps=1e-12,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.hidden_size = hidden_size
        self.num_attention_heads = num_attention_heads
        self.intermediate_size = intermediate_size
        self.hidden_act = hidden_act
        self.hidden_dropout_prob = hidden_dropout_prob
        self.attention_probs_dropout_prob = attention_probs_dropout_prob
        self.initializer_range = initializer_range
        self.layer_norm_eps = layer_norm_eps
        self.activation = get_activation(hidden_act)

        def dense(units, name):
            return keras.layers.Dense(
                units,
                kernel_initializer=bert_initializer(initializer_range),
                dtype=self.dtype_policy,
                name=name,
            )

        def layer_norm(name):
            return keras.layers.LayerNormalization(
                epsilon=layer_norm_eps, dtype=self.dtype_policy, name=name
            )

        self.attention = keras.layers.MultiHeadAttention(
            num_heads=num_attention_heads,
            key_dim=hidden_size // num_attention_heads,
            dropout=attention_probs_dropout_prob,
            kernel_initializer=bert_initializer(initializer_range),
            dtype=self.dtype_policy,
            name="attention",
        )
        self.attention_dropout = keras.layers.Dropout(hidden_dropout_prob, dtype=self.dtype_policy)
        self.attention_layer_norm = layer_norm("attention_layer_norm")
        self.intermediate_dense = dense(intermediate_size, "intermediate_dense")
        self.output_dense = dense(hidden_size, "output_dense")
        self.output_dropout = keras.layers.Dropout(hidden_dropout_prob, dtype=self.dtype_policy)
        self.output_layer_norm = layer_norm("output_layer_norm")

    def build(self, input_shape):
        hidden_shape = (None, None, self.hidden_size)
        self.attention.build(hidden_shape, hidden_shape)
        self.attention_layer_norm.build(hidden_shape)
        self.intermediate_dense.build(hidden_shape)
        self.output_dense.build((None, None, self.intermediate_size))
        self.output_layer_norm.build(hidden_shape)
        self.built = True

    def call(self, hidden_states, input_mask, training=None, return_attention_probs=False):
        # [batch, seq] -> [batch, query=seq, key=seq]: every query sees only real keys.
        # expand_dims, not [:, None, :]: LiteRT has no built-in for a new-axis strided slice
        # over a dynamic shape (the int8 export converts this graph with built-ins only).
        key_mask = ops.expand_dims(ops.cast(input_mask, "bool"), 1)
        attention_mask = ops.broadcast_to(
            key_mask,
            (ops.shape(key_mask)[0], ops.shape(hidden_states)[1], ops.shape(key_mask)[2]),
        )
        attended = self.attention(
            hidden_states,
            hidden_states,
            attention_mask=attention_mask,
            training=training,
            return_attention_scores=return_attention_probs,
        )
        if return_attention_probs:
            attended, attention_probs = attended
        attended = self.attention_dropout(attended, training=training)
        hidden_states = self.attention_layer_norm(hidden_states + attended)

        intermediate = self.activation(self.intermediate_dense(hidden_states))
        output = self.output_dropout(self.output_dense(intermediate), training=training)
        output = self.output_layer_norm(hidden_states + output)
        if return_attention_probs:
            return output, attention_probs
        return output

    def get_config(self):
        config = super().get_config()
        config.update(
            hidden_size=self.hidden_size,
            num_attention_heads=self.num_attention_heads,
            intermediate_size=self.intermediate_size,
            hidden_act=self.hidden_act,
            hidden_dropout_prob=self.hidden_dropout_prob,
            attention_probs_dropout_prob=self.attention_probs_dropout_prob,
            initializer_range=self.initializer_range,
            layer_norm_eps=self.layer_norm_eps,
        )
        return config
