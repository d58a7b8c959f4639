"""`BertSentenceEncoder`: a BERT encoder that turns each text into one vector, and its tokens.

    sentence_embedding = normalise?(pool(encoder outputs, input_mask))

Pooling "cls" is BERT's pooled [CLS] output (the tanh pooler, as `BertClassifier` uses it);
"mean" averages the sequence output over real tokens, padding excluded, and "max" takes the
largest value of each feature over them: the sentence vectors sentence-transformers
checkpoints are trained with (all-MiniLM-L6-v2: mean, then L2 normalisation). The task is also
what a model folder of a bare encoder holds, so the folder carries its tokenizer.
"""

import keras

from keras_bert.errors import KerasBertError
from keras_bert.modeling.encoder import INPUT_NAMES
from keras_bert.tasks.task import BertTask
from keras_bert.tokenization.bert_tokenizer import BertTokenizer  # noqa: F401  (registers it)

SENTENCE_POOLING_MODES = ("cls", "mean", "max")


def pool_sentences(pooled_output, sequence_output, input_mask, pooling, normalize=False):
    """[b, hidden] sentence vectors from encoder outputs (keras.ops: Keras graphs and tf.function)."""
    if pooling == "cls":
        sentence = pooled_output
    else:
        mask = keras.ops.expand_dims(keras.ops.cast(input_mask, sequence_output.dtype), -1)
        if pooling == "mean":
            count = keras.ops.maximum(keras.ops.sum(mask, axis=1), 1.0)
            sentence = keras.ops.sum(sequence_output * mask, axis=1) / count
        else:
            lowest = keras.ops.cast(-65504.0, sequence_output.dtype)  # float16's minimum: any policy
            sentence = keras.ops.max(keras.ops.where(mask > 0, sequence_output, lowest), axis=1)
    if normalize:
        squared = keras.ops.sum(keras.ops.square(keras.ops.cast(sentence, "float32")), axis=-1, keepdims=True)
        sentence = keras.ops.cast(sentence, "float32") / keras.ops.sqrt(keras.ops.maximum(squared, 1e-24))
    return sentence


def check_pooling(pooling):
    if pooling not in SENTENCE_POOLING_MODES:
        raise KerasBertError(
            f"pooling must be one of {', '.join(SENTENCE_POOLING_MODES)}, got {pooling!r}."
        )
    return pooling


@keras.saving.register_keras_serializable(package="keras_bert")
class SentencePooling(keras.layers.Layer):
    """Encoder outputs and the input mask → sentence vectors (`pool_sentences`)."""

    def __init__(self, pooling="cls", normalize=False, **kwargs):
        super().__init__(**kwargs)
        self.pooling = check_pooling(pooling)
        self.normalize = bool(normalize)

    def call(self, pooled_output, sequence_output, input_mask):
        return pool_sentences(pooled_output, sequence_output, input_mask, self.pooling, self.normalize)

    def get_config(self):
        return {**super().get_config(), "pooling": self.pooling, "normalize": self.normalize}


@keras.saving.register_keras_serializable(package="keras_bert")
class BertSentenceEncoder(BertTask):
    """Encoder inputs (dict) → {"sentence_embedding": [b, hidden], "sequence_output": [b, seq, hidden]}.

    Args:
        encoder: a `BertEncoder`.
        pooling: "cls", "mean" or "max" (module docstring).
        normalize: L2-normalise the sentence vector (cosine similarity becomes a dot product).
        seq_length: the length texts are packed to by `encode` and export (None: 128).
        tokenizer: the encoder's `BertTokenizer`, part of the model (config and assets).
    """

    def __init__(
        self,
        encoder,
        pooling="cls",
        normalize=False,
        seq_length=None,
        tokenizer=None,
        **kwargs,
    ):
        check_pooling(pooling)
        dtype = kwargs.pop("dtype", None)
        inputs = {name: keras.Input(shape=(None,), dtype="int32", name=name) for name in INPUT_NAMES}
        outputs = encoder(inputs)
        if pooling != "cls":
            # The [CLS] pooler then feeds nothing: freeze it (no missing-gradient warnings).
            encoder.pooler.trainable = False
        sentence = SentencePooling(pooling, normalize, dtype=dtype, name="sentence_pooling")(
            outputs["pooled_output"], outputs["sequence_output"], inputs["input_mask"]
        )
        # Float32 identities, so embeddings leave the model in float32 under mixed precision.
        outputs = {
            "sentence_embedding": keras.layers.Activation(
                "linear", dtype="float32", name="sentence_embedding"
            )(sentence),
            "sequence_output": keras.layers.Activation(
                "linear", dtype="float32", name="sequence_output"
            )(outputs["sequence_output"]),
        }
        super().__init__(inputs=inputs, outputs=outputs, dtype=dtype, **kwargs)
        self.encoder = encoder
        self.pooling = pooling
        self.normalize = bool(normalize)
        self.seq_length = seq_length
        self.tokenizer = tokenizer

    @property
    def sentence_pooling(self):
        return self.pooling

    @property
    def normalize_sentences(self):
        return self.normalize

    def constructor_arguments(self):
        return {
            "encoder": self.encoder,
            "pooling": self.pooling,
            "normalize": self.normalize,
            "seq_length": self.seq_length,
            "tokenizer": self.tokenizer,
        }
