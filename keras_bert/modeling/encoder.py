"""`BertEncoder`: the BERT Transformer encoder as a functional Keras model.

Inputs and outputs carry the TF Hub BERT names (DESIGN.md), so code written for TF Hub
encoders works with ours: inputs `input_word_ids`, `input_mask`, `input_type_ids` (int32,
[batch, seq]); outputs `sequence_output` [batch, seq, hidden], `pooled_output`
[batch, hidden] and `encoder_outputs` (one [batch, seq, hidden] per layer).
"""

import keras

from keras_bert.config import BertConfig
from keras_bert.modeling.embeddings import BertEmbeddings
from keras_bert.modeling.functional_model import FunctionalModel
from keras_bert.modeling.pooler import Pooler
from keras_bert.modeling.transformer_block import TransformerBlock

INPUT_NAMES = ("input_word_ids", "input_mask", "input_type_ids")


@keras.saving.register_keras_serializable(package="keras_bert")
class BertEncoder(FunctionalModel):
    """A BERT encoder built from `config` (a `BertConfig` or its dict).

    Args:
        config: the architecture.
        output_attention_probs: also output `attention_probs`, one
            [batch, heads, seq, seq] tensor per layer (for visualisation).

    Any batch size and any sequence length up to `config.max_position_embeddings` work;
    a longer sequence is a ValueError.
    """

    def __init__(self, config, output_attention_probs=False, **kwargs):
        if isinstance(config, dict):
            config = BertConfig.from_dict(config)
        dtype = kwargs.pop("dtype", None)

        embeddings = BertEmbeddings(
            vocab_size=config.vocab_size,
            hidden_size=config.hidden_size,
            max_position_embeddings=config.max_position_embeddings,
            type_vocab_size=config.type_vocab_size,
            dropout_rate=config.hidden_dropout_prob,
            initializer_range=config.initializer_range,
            layer_norm_eps=config.layer_norm_eps,
            dtype=dtype,
            name="embeddings",
        )
        transformer_blocks = [
            TransformerBlock(
                hidden_size=config.hidden_size,
                num_attention_heads=config.num_attention_heads,
                intermediate_size=config.intermediate_size,
                hidden_act=config.hidden_act,
                hidden_dropout_prob=config.hidden_dropout_prob,
                attention_probs_dropout_prob=config.attention_probs_dropout_prob,
                initializer_range=config.initializer_range,
                layer_norm_eps=config.layer_norm_eps,
                dtype=dtype,
                name=f"transformer_block_{index}",
            )
            for index in range(config.num_hidden_layers)
        ]
        pooler = Pooler(
            config.hidden_size,
            initializer_range=config.initializer_range,
            dtype=dtype,
            name="pooler",
        )

        inputs = {
            name: keras.Input(shape=(None,), dtype="int32", name=name) for name in INPUT_NAMES
        }
        hidden_states = embeddings(inputs["input_word_ids"], inputs["input_type_ids"])
        encoder_outputs, attention_probs = [], []
        for block in transformer_blocks:
            if output_attention_probs:
                hidden_states, probs = block(
                    hidden_states, inputs["input_mask"], return_attention_probs=True
                )
                attention_probs.append(probs)
            else:
                hidden_states = block(hidden_states, inputs["input_mask"])
            encoder_outputs.append(hidden_states)
        outputs = {
            "sequence_output": hidden_states,
            "pooled_output": pooler(hidden_states),
            "encoder_outputs": encoder_outputs,
        }
        if output_attention_probs:
            outputs["attention_probs"] = attention_probs
        super().__init__(inputs=inputs, outputs=outputs, dtype=dtype, **kwargs)

        self.config = config
        self.output_attention_probs = output_attention_probs
        self.embeddings = embeddings
        self.transformer_blocks = transformer_blocks
        self.pooler = pooler

    @property
    def word_embeddings(self):
        """The [vocab_size, hidden] word embedding matrix (shared with the masked-LM head)."""
        return self.embeddings.word_embeddings.embeddings

    def constructor_arguments(self):
        return {"config": self.config.to_dict(), "output_attention_probs": self.output_attention_probs}
