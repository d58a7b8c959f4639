"""Fine-tuning a `BertSentenceEncoder` on sentence pairs, with `model.fit`.

Two objectives, as sentence-transformers defines them:

- "cosine": scored pairs (STS Benchmark's 0 … 5, scaled to 0 … 1). The model outputs the
  cosine similarity of the two sentence vectors, and the loss is its mean squared error
  against the score (`CosineSimilarityLoss`).
- "ranking": positive pairs only (a question and its answer, a sentence and its paraphrase).
  Every other second text of the batch is a negative: the model scores each first text
  against all second texts of the batch (cosine × `scale`, 20 as in sentence-transformers) and
  the loss is the cross-entropy of picking its own pair (`MultipleNegativesRankingLoss`).

`sentence_pair_model` wraps the encoder in a two-tower Keras model that shares its weights, so
fitting the pair model trains the sentence encoder itself; save the sentence encoder after.
"""

import keras
import numpy as np

from keras_bert.errors import KerasBertError
from keras_bert.modeling.encoder import INPUT_NAMES

OBJECTIVES = ("cosine", "ranking")
RANKING_SCALE = 20.0


@keras.saving.register_keras_serializable(package="keras_bert")
class PairCosine(keras.layers.Layer):
    """Two [b, d] batches of vectors → cosine similarities: [b] (row by row) or [b, b] (all pairs)."""

    def __init__(self, all_pairs=False, scale=1.0, **kwargs):
        super().__init__(**kwargs)
        self.all_pairs = bool(all_pairs)
        self.scale = float(scale)

    def call(self, first, second):
        first = _unit(keras.ops.cast(first, "float32"))
        second = _unit(keras.ops.cast(second, "float32"))
        if self.all_pairs:
            return self.scale * keras.ops.matmul(first, keras.ops.transpose(second))
        return self.scale * keras.ops.sum(first * second, axis=-1)

    def get_config(self):
        return {**super().get_config(), "all_pairs": self.all_pairs, "scale": self.scale}


def _unit(vectors):
    norm = keras.ops.sqrt(keras.ops.maximum(keras.ops.sum(vectors * vectors, -1, keepdims=True), 1e-24))
    return vectors / norm


@keras.saving.register_keras_serializable(package="keras_bert")
class MultipleNegativesRankingLoss(keras.losses.Loss):
    """Cross-entropy of each row of a [b, b] score matrix picking its diagonal (y_true unused)."""

    def call(self, y_true, y_pred):
        labels = keras.ops.arange(keras.ops.shape(y_pred)[0])
        return keras.losses.sparse_categorical_crossentropy(labels, y_pred, from_logits=True)


def sentence_pair_model(sentence_encoder, objective="cosine"):
    """A two-tower model over (first texts' inputs, second texts' inputs) sharing `sentence_encoder`.

    Inputs: a dict with keys "first_" / "second_" + each encoder input name. Output: cosine
    similarities [b] ("cosine") or scaled scores [b, b] ("ranking").
    """
    if objective not in OBJECTIVES:
        raise KerasBertError(f"objective must be one of {', '.join(OBJECTIVES)}, got {objective!r}.")
    inputs = {
        f"{side}_{name}": keras.Input(shape=(None,), dtype="int32", name=f"{side}_{name}")
        for side in ("first", "second")
        for name in INPUT_NAMES
    }
    vectors = [
        sentence_encoder({name: inputs[f"{side}_{name}"] for name in INPUT_NAMES})["sentence_embedding"]
        for side in ("first", "second")
    ]
    if objective == "cosine":
        score = PairCosine(name="cosine")(*vectors)
    else:
        score = PairCosine(all_pairs=True, scale=RANKING_SCALE, name="ranking_scores")(*vectors)
    return keras.Model(inputs, score, name=f"sentence_pairs_{objective}")


def compile_pair_model(pair_model, optimizer, objective="cosine"):
    loss = keras.losses.MeanSquaredError() if objective == "cosine" else MultipleNegativesRankingLoss()
    pair_model.compile(optimizer=optimizer, loss=loss)
    return pair_model


def sentence_pair_dataset(
    first_texts, second_texts, scores=None, *, tokenizer, seq_length=128, batch_size=32,
    shuffle=False, seed=None,
):
    """tf.data of ({"first_*", "second_*" encoder inputs}, score) batches, padding trimmed.

    `scores` (floats, e.g. STS scaled to 0 … 1) for the "cosine" objective; None for
    "ranking", whose targets are the batch's own pairs (a zero stands in for y).
    """
    import tensorflow as tf

    from keras_bert.data.labelled import trim_batch_padding

    first_texts, second_texts = list(first_texts), list(second_texts)
    if len(first_texts) != len(second_texts):
        raise KerasBertError(f"{len(first_texts)} first texts but {len(second_texts)} second texts.")
    if scores is None:
        targets = np.zeros(len(first_texts), "float32")
    else:
        targets = np.asarray(scores, "float32")
        if targets.shape != (len(first_texts),):
            raise KerasBertError(f"{targets.size} scores for {len(first_texts)} text pairs.")
    dataset = tf.data.Dataset.from_tensor_slices(
        (tf.constant(first_texts, tf.string), tf.constant(second_texts, tf.string), targets)
    )
    if shuffle:
        dataset = dataset.shuffle(len(first_texts), seed=seed, reshuffle_each_iteration=True)

    def encode(first, second, target):
        features = {}
        for side, texts in (("first", first), ("second", second)):
            packed = trim_batch_padding(tokenizer.encode(texts, seq_length=seq_length))
            features.update({f"{side}_{name}": value for name, value in packed.items()})
        return features, target

    # A ranking batch must not repeat a pair's partner as a "negative": drop a short last batch
    # only there (it would also give fewer negatives than the rest).
    drop_remainder = scores is None and len(first_texts) > batch_size
    return dataset.batch(batch_size, drop_remainder=drop_remainder).map(encode).prefetch(tf.data.AUTOTUNE)


def finetune_sentence_encoder(
    sentence_encoder,
    first_texts,
    second_texts,
    scores=None,
    *,
    objective="cosine",
    epochs=1,
    batch_size=16,
    seq_length=128,
    learning_rate=2e-5,
    warmup_fraction=0.1,
    seed=0,
    verbose="auto",
):
    """Fit `sentence_encoder` on text pairs (its weights change in place); returns the History.

    The defaults are sentence-transformers' training recipe (AdamW, peak rate 2e-5, 10 %
    linear warm-up then linear decay, batch 16). `scores` in 0 … 1 for "cosine"; none for
    "ranking".
    """
    import math

    from keras_bert.training.optimizers import create_optimizer

    if (scores is None) != (objective == "ranking"):
        raise KerasBertError(
            'objective="cosine" needs scores (floats in 0 … 1); "ranking" takes positive pairs '
            "and no scores."
        )
    if sentence_encoder.tokenizer is None:
        raise KerasBertError("The sentence encoder has no tokenizer; build it with tokenizer=... .")
    dataset = sentence_pair_dataset(
        first_texts, second_texts, scores, tokenizer=sentence_encoder.tokenizer,
        seq_length=seq_length, batch_size=batch_size, shuffle=True, seed=seed,
    )
    steps_per_epoch = int(dataset.cardinality())
    total_steps = max(1, epochs * steps_per_epoch)
    optimizer = create_optimizer(
        total_steps, learning_rate=learning_rate,
        warmup_steps=min(int(math.floor(warmup_fraction * total_steps)), total_steps - 1),
    )
    pair_model = compile_pair_model(sentence_pair_model(sentence_encoder, objective), optimizer, objective)
    return pair_model.fit(dataset, epochs=epochs, shuffle=False, verbose=verbose)  # tf.data shuffles
