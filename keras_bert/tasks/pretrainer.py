"""`BertPretrainer`: BERT's pretraining task, masked LM + next-sentence prediction, for `model.fit`.

The pretraining data (`keras_bert.data`) yields `(x, y)` batches:

    x = {input_word_ids, input_mask, input_type_ids: int32 [b, seq],
         masked_lm_positions: int32 [b, max_predictions]}
    y = {masked_lm_ids: int32 [b, p], masked_lm_weights: float32 [b, p] (1 real, 0 padding),
         next_sentence_labels: int32 [b] (0 = actual next sentence, 1 = random; absent in
         MLM-only mode)}

The losses are Google's (`run_pretraining.py`): the masked-LM loss averages the negative
log-likelihood over real masked positions only (Σ w·nll / Σ w), the next-sentence loss is the
mean cross-entropy, and the model minimises their sum. Logits are float32 even under a mixed
precision policy, so softmax and losses never run in float16.
"""

import keras
from keras import ops

from keras_bert.modeling.encoder import INPUT_NAMES, BertEncoder  # noqa: F401  (registers BertEncoder for from_config)
from keras_bert.tasks.task import BertTask
from keras_bert.modeling.initializers import bert_initializer
from keras_bert.tokenization.bert_tokenizer import BertTokenizer  # noqa: F401  (registers it)
from keras_bert.modeling.masked_lm_head import MaskedLMHead
from keras_bert.errors import KerasBertError

MASKED_LM_POSITIONS = "masked_lm_positions"


@keras.saving.register_keras_serializable(package="keras_bert")
class BertPretrainer(BertTask):
    """A `BertEncoder` with the masked-LM head and, optionally, the next-sentence head.

    Args:
        encoder: the `BertEncoder` to pretrain. The masked-LM head's output projection is its
            word embedding matrix (tied, as in BERT).
        next_sentence: add the next-sentence head and loss; False for MLM-only pretraining
            (RoBERTa style), where `y` has no `next_sentence_labels`.
        tokenizer: the `BertTokenizer` of the pretraining data; part of the model (its
            config and saved assets), so a pretrained folder carries its vocabulary.

    Call: `x` (dict above) → {"mlm_logits": [b, p, vocab], "nsp_logits": [b, 2]}, float32.
    """

    def __init__(self, encoder, next_sentence=True, tokenizer=None, **kwargs):
        config = encoder.config
        dtype = kwargs.pop("dtype", None)
        masked_lm_head = MaskedLMHead(
            vocab_size=config.vocab_size,
            hidden_size=config.hidden_size,
            hidden_act=config.hidden_act,
            initializer_range=config.initializer_range,
            layer_norm_eps=config.layer_norm_eps,
            word_embeddings=encoder.embeddings.word_embeddings,
            dtype=dtype,
            name="masked_lm",
        )
        next_sentence_head = None
        if next_sentence:
            next_sentence_head = keras.layers.Dense(
                2,
                kernel_initializer=bert_initializer(config.initializer_range),
                dtype=dtype,
                name="next_sentence",
            )

        inputs = {name: keras.Input(shape=(None,), dtype="int32", name=name) for name in INPUT_NAMES}
        inputs[MASKED_LM_POSITIONS] = keras.Input(
            shape=(None,), dtype="int32", name=MASKED_LM_POSITIONS
        )
        encoder_outputs = encoder({name: inputs[name] for name in INPUT_NAMES})
        mlm_logits = masked_lm_head(encoder_outputs["sequence_output"], inputs[MASKED_LM_POSITIONS])
        # A float32 identity: softmax and cross-entropy stay in float32 under mixed precision.
        outputs = {
            "mlm_logits": keras.layers.Activation("linear", dtype="float32", name="mlm_logits")(
                mlm_logits
            )
        }
        if next_sentence:
            nsp_logits = next_sentence_head(encoder_outputs["pooled_output"])
            outputs["nsp_logits"] = keras.layers.Activation(
                "linear", dtype="float32", name="nsp_logits"
            )(nsp_logits)
        super().__init__(inputs=inputs, outputs=outputs, dtype=dtype, **kwargs)

        self.encoder = encoder
        self.next_sentence = next_sentence
        self.masked_lm_head = masked_lm_head
        self.next_sentence_head = next_sentence_head
        self.tokenizer = tokenizer

        self.mlm_loss_tracker = keras.metrics.Mean(name="mlm_loss")
        self.mlm_accuracy = keras.metrics.SparseCategoricalAccuracy(name="mlm_accuracy")
        if next_sentence:
            self.nsp_loss_tracker = keras.metrics.Mean(name="nsp_loss")
            self.nsp_accuracy = keras.metrics.SparseCategoricalAccuracy(name="nsp_accuracy")

    def compile(self, optimizer="adamw", **kwargs):
        """Like `keras.Model.compile`; the losses and metrics are built in, so pass neither."""
        for argument in ("loss", "metrics", "weighted_metrics", "loss_weights"):
            if kwargs.get(argument) is not None:
                raise KerasBertError(
                    f"BertPretrainer computes its own losses and metrics; do not pass "
                    f"`{argument}` to compile()."
                )
        super().compile(optimizer=optimizer, **kwargs)

    def compile_from_config(self, config):
        """Recompile a loaded `.keras` model with its optimizer (state restored afterwards)."""
        config = keras.saving.deserialize_keras_object(config)
        self.compile(**config)
        if self.built:
            self.optimizer.build(self.trainable_variables)

    def pretraining_losses(self, y, y_pred):
        """{"mlm_loss": Σ w·nll / Σ w, "nsp_loss": mean nll} for one batch (float32 scalars)."""
        logits = ops.cast(y_pred["mlm_logits"], "float32")
        labels = ops.cast(y["masked_lm_ids"], "int32")
        weights = ops.cast(y["masked_lm_weights"], "float32")
        nll = keras.losses.sparse_categorical_crossentropy(labels, logits, from_logits=True)
        # A batch with no real masked position contributes zero, not NaN.
        mlm_loss = ops.sum(nll * weights) / ops.maximum(ops.sum(weights), 1e-5)
        losses = {"mlm_loss": mlm_loss}
        if self.next_sentence:
            nsp_nll = keras.losses.sparse_categorical_crossentropy(
                ops.cast(y["next_sentence_labels"], "int32"),
                ops.cast(y_pred["nsp_logits"], "float32"),
                from_logits=True,
            )
            losses["nsp_loss"] = ops.mean(nsp_nll)
        return losses

    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
        if y is None:
            raise KerasBertError(
                "BertPretrainer needs targets: fit/evaluate on (x, y) with y = "
                "{masked_lm_ids, masked_lm_weights, next_sentence_labels}."
            )
        self._check_targets(y)
        losses = self.pretraining_losses(y, y_pred)
        self.mlm_loss_tracker.update_state(losses["mlm_loss"])
        if self.next_sentence:
            self.nsp_loss_tracker.update_state(losses["nsp_loss"])
        total = ops.sum(ops.stack(list(losses.values())))
        for loss in self.losses:  # regularisers, if a user added any
            total = total + ops.cast(ops.sum(loss), "float32")
        return scale_for_replicas(total)

    def compute_metrics(self, x, y, y_pred, sample_weight=None):
        self.mlm_accuracy.update_state(
            y["masked_lm_ids"], y_pred["mlm_logits"], sample_weight=y["masked_lm_weights"]
        )
        if self.next_sentence:
            self.nsp_accuracy.update_state(y["next_sentence_labels"], y_pred["nsp_logits"])
        return self.get_metrics_result()

    def _check_targets(self, y):
        needed = ["masked_lm_ids", "masked_lm_weights"]
        if self.next_sentence:
            needed.append("next_sentence_labels")
        missing = [key for key in needed if key not in y]
        if missing:
            hint = (
                " (MLM-only data: build the pretrainer with next_sentence=False)"
                if missing == ["next_sentence_labels"]
                else ""
            )
            raise KerasBertError(f"Pretraining targets lack {', '.join(missing)}{hint}.")

    def constructor_arguments(self):
        # Rebuilding from the encoder re-ties the masked-LM head to its word embeddings.
        return {"encoder": self.encoder, "next_sentence": self.next_sentence, "tokenizer": self.tokenizer}


def scale_for_replicas(loss):
    """Divide by the replica count under `tf.distribute`, as Keras's own losses do.

    Each replica's gradients are summed across replicas, so a per-replica mean loss must be
    scaled by 1 / replicas for the update to equal the mean over the global batch.
    """
    if keras.backend.backend() == "tensorflow":
        import tensorflow as tf

        replicas = tf.distribute.get_strategy().num_replicas_in_sync
        if replicas > 1:
            loss = loss * (1.0 / replicas)
    return loss
