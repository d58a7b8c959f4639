"""`BertSentenceEncoder`: a BERT encoder that turns each text into one vector, and its tokens.

    sentence_embedding = normalise?(pool(sequence_output, input_mask))

Pooling "cls" is BERT's pooled [CLS] output (the tanh pooler, as `BertClassifier` uses it);
"mean" averages the sequence output over real tokens, padding excluded, and "max" takes the
largest value of each feature over them: the sentence vectors sentence-transformers
checkpoints are trained with (all-MiniLM-L6-v2: mean, then L2 normalisation). The task is also
what a model folder of a bare encoder holds, so the folder carries its tokenizer.
"""

import keras
import numpy as np

from keras_bert.errors import KerasBertError
from keras_bert.modeling.encoder import INPUT_NAMES
from keras_bert.modeling.functional_model import FunctionalModel
from keras_bert.tokenization.bert_tokenizer import BertTokenizer  # noqa: F401  (registers it)

SENTENCE_POOLING_MODES = ("cls", "mean", "max")
DEFAULT_SEQ_LENGTH = 128


@keras.saving.register_keras_serializable(package="keras_bert")
class MaskedMaxPooling(keras.layers.Layer):
    """[b, seq, hidden] and a [b, seq] mask → [b, hidden]: the maximum over real tokens."""

    def call(self, sequence, mask):
        mask = keras.ops.expand_dims(keras.ops.cast(mask, "bool"), -1)
        lowest = keras.ops.cast(-65504.0, sequence.dtype)  # the float16 minimum: safe in any policy
        return keras.ops.max(keras.ops.where(mask, sequence, lowest), axis=1)


@keras.saving.register_keras_serializable(package="keras_bert")
class BertSentenceEncoder(FunctionalModel):
    """Encoder inputs (dict) → {"sentence_embedding": [b, hidden], "sequence_output": [b, seq, hidden]}.

    Args:
        encoder: a `BertEncoder`.
        pooling: "cls", "mean" or "max" (module docstring).
        normalize: L2-normalise the sentence vector (cosine similarity becomes a dot product).
        seq_length: the length texts are packed to by `embed` and export (None: 128).
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
        if pooling not in SENTENCE_POOLING_MODES:
            raise KerasBertError(
                f"pooling must be one of {', '.join(SENTENCE_POOLING_MODES)}, got {pooling!r}."
            )
        dtype = kwargs.pop("dtype", None)
        inputs = {name: keras.Input(shape=(None,), dtype="int32", name=name) for name in INPUT_NAMES}
        outputs = encoder(inputs)
        sequence = outputs["sequence_output"]
        if pooling == "cls":
            sentence = outputs["pooled_output"]
        else:
            # The [CLS] pooler then feeds nothing: freeze it (no missing-gradient warnings).
            encoder.pooler.trainable = False
            mask = keras.ops.cast(inputs["input_mask"], "bool")
            if pooling == "mean":
                sentence = keras.layers.GlobalAveragePooling1D(dtype=dtype, name="mean_pooling")(
                    sequence, mask=mask
                )
            else:
                sentence = MaskedMaxPooling(dtype=dtype, name="max_pooling")(sequence, mask)
        if normalize:
            sentence = keras.layers.UnitNormalization(axis=-1, dtype=dtype, name="l2_normalize")(
                sentence
            )
        # Float32 identities, so embeddings leave the model in float32 under mixed precision.
        outputs = {
            "sentence_embedding": keras.layers.Activation(
                "linear", dtype="float32", name="sentence_embedding"
            )(sentence),
            "sequence_output": keras.layers.Activation(
                "linear", dtype="float32", name="sequence_output"
            )(sequence),
        }
        super().__init__(inputs=inputs, outputs=outputs, dtype=dtype, **kwargs)
        self.encoder = encoder
        self.pooling = pooling
        self.normalize = bool(normalize)
        self.seq_length = seq_length
        self.tokenizer = tokenizer

    def embed(self, texts, batch_size=32):
        """Sentence vectors of raw strings: float32 numpy [n, hidden] (uses `self.tokenizer`)."""
        if self.tokenizer is None:
            raise KerasBertError(
                "This BertSentenceEncoder has no tokenizer; build it with tokenizer=... ."
            )
        texts = [texts] if isinstance(texts, str) else list(texts)
        seq_length = self.seq_length or DEFAULT_SEQ_LENGTH
        vectors = []
        for start in range(0, len(texts), batch_size):
            features = self.tokenizer.encode(texts[start : start + batch_size], seq_length=seq_length)
            vectors.append(np.asarray(self(features, training=False)["sentence_embedding"]))
        hidden = self.encoder.config.hidden_size
        return np.concatenate(vectors) if vectors else np.zeros((0, hidden), "float32")

    def constructor_arguments(self):
        return {
            "encoder": self.encoder,
            "pooling": self.pooling,
            "normalize": self.normalize,
            "seq_length": self.seq_length,
            "tokenizer": self.tokenizer,
        }
