"""`BertClassifier`: a BERT encoder with BERT's sentence classification head, for `model.fit`.

    logits = Dense(num_classes)(Dropout(pooled_output))

as in Google's `run_classifier.py`: the pooled [CLS] vector, dropout 0.1 while training, and a
dense layer initialised like every BERT weight (truncated normal, stddev initializer_range).
`pooling="mean"` feeds the mean of the sequence output over real tokens instead: the sentence
vector that sentence-transformers checkpoints (e.g. all-MiniLM-L6-v2) were trained to produce.
Their [CLS] pooler was never trained (its bias is all zeros), so starting from it wastes the
first part of fine-tuning.
The same model serves single texts (sentiment) and text pairs (NLI, paraphrase): pairs differ
only in how the tokenizer packs them, which `text_pair` records so that prediction and export
pack them the same way.
"""

import keras
import numpy as np

from keras_bert.modeling.encoder import INPUT_NAMES
from keras_bert.tasks.sentence_encoder import SentencePooling, check_pooling
from keras_bert.tasks.task import DEFAULT_SEQ_LENGTH, BertTask
from keras_bert.modeling.initializers import bert_initializer
from keras_bert.tokenization.bert_tokenizer import BertTokenizer  # noqa: F401  (registers it)
from keras_bert.tasks.classification_f1 import ClassificationF1
from keras_bert.errors import KerasBertError



@keras.saving.register_keras_serializable(package="keras_bert")
class BertClassifier(BertTask):
    """Encoder inputs (dict) → class logits [batch, num_classes] (float32).

    Args:
        encoder: a `BertEncoder` (pretrained, loaded from a checkpoint, or freshly built).
        num_classes: number of classes.
        dropout: dropout rate on the pooled output while training.
        labels: class names, `labels[i]` naming class i; None means classes are named "0", "1", ….
        text_pair: whether inputs are text pairs (packed `[CLS] a [SEP] b [SEP]`).
        seq_length: the sequence length the model was fine-tuned with; prediction and export
            pack texts to it (None: 128).
        pooling: "cls" (BERT's pooled [CLS] output), "mean" or "max" (the sequence output pooled
            over real tokens, padding excluded).
        tokenizer: the `BertTokenizer` whose ids the encoder was trained on. It is part of the
            model (its `get_config`, its saved assets), so `predict_texts`, saving and export
            need nothing else; None only for a model that will only see ids.
    """

    def __init__(
        self,
        encoder,
        num_classes,
        dropout=0.1,
        labels=None,
        text_pair=False,
        seq_length=None,
        pooling="cls",
        tokenizer=None,
        **kwargs,
    ):
        check_pooling(pooling)
        if isinstance(num_classes, bool) or not isinstance(num_classes, int) or num_classes < 2:
            raise KerasBertError(f"num_classes must be an integer ≥ 2, got {num_classes!r}.")
        if labels is not None:
            labels = [str(label) for label in labels]
            if len(labels) != num_classes:
                raise KerasBertError(
                    f"{len(labels)} label names given for num_classes={num_classes}: {labels!r}."
                )
        dtype = kwargs.pop("dtype", None)
        dropout_layer = keras.layers.Dropout(dropout, dtype=dtype, name="classifier_dropout")
        dense = keras.layers.Dense(
            num_classes,
            kernel_initializer=bert_initializer(encoder.config.initializer_range),
            dtype=dtype,
            name="classifier_dense",
        )
        inputs = {name: keras.Input(shape=(None,), dtype="int32", name=name) for name in INPUT_NAMES}
        outputs = encoder(inputs)
        if pooling != "cls":
            # The [CLS] pooler then feeds nothing that is trained: freeze it, so the optimizer
            # neither warns about its missing gradients nor keeps state for it.
            encoder.pooler.trainable = False
        sentence = SentencePooling(pooling, dtype=dtype, name="sentence_pooling")(
            outputs["pooled_output"], outputs["sequence_output"], inputs["input_mask"]
        )
        logits = dense(dropout_layer(sentence))
        # A float32 identity: softmax and cross-entropy stay in float32 under mixed precision.
        logits = keras.layers.Activation("linear", dtype="float32", name="logits")(logits)
        super().__init__(inputs=inputs, outputs=logits, dtype=dtype, **kwargs)

        self.encoder = encoder
        self.num_classes = num_classes
        self.dropout = dropout
        self.labels = labels
        self.text_pair = bool(text_pair)
        self.seq_length = seq_length
        self.pooling = pooling
        self.classifier_dropout = dropout_layer
        self.classifier_dense = dense
        self.tokenizer = tokenizer

    @property
    def sentence_pooling(self):
        """`encode` returns the sentence vector the classification layer reads."""
        return self.pooling

    @property
    def label_names(self):
        """Class names in id order ("0", "1", … when the classifier has no labels)."""
        return self.labels if self.labels is not None else [str(i) for i in range(self.num_classes)]

    def compile(self, optimizer="adamw", loss=None, metrics=None, **kwargs):
        """`keras.Model.compile` with the classification loss and metrics as defaults.

        Loss: sparse cross-entropy on logits. Metrics: accuracy and `ClassificationF1`
        (binary F1 for 2 classes, macro-F1 for more), both reported by `fit` on validation
        data and by `evaluate`.
        """
        if loss is None:
            loss = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
        if metrics is None:
            metrics = [
                keras.metrics.SparseCategoricalAccuracy(name="accuracy"),
                ClassificationF1(self.num_classes, name="f1"),
            ]
        super().compile(optimizer=optimizer, loss=loss, metrics=metrics, **kwargs)

    def predict_texts(self, texts, text_pairs=None, batch_size=32, verbose="auto"):
        """Classify raw strings with `self.tokenizer`.

        Returns:
            (probabilities [n, num_classes] float32 numpy, predicted label names [n]).
        """
        if self.tokenizer is None:
            raise KerasBertError(
                "This BertClassifier has no tokenizer; build it with tokenizer=BertTokenizer(...) "
                "or load a model folder with keras_bert.load_model."
            )
        import tensorflow as tf

        texts = list(texts)
        if self.text_pair and text_pairs is None:
            raise KerasBertError("This classifier was trained on text pairs; pass text_pairs too.")
        if not self.text_pair and text_pairs is not None:
            raise KerasBertError("This classifier was trained on single texts; text_pairs must be None.")
        seq_length = self.seq_length or DEFAULT_SEQ_LENGTH
        if text_pairs is not None:
            text_pairs = list(text_pairs)
            if len(text_pairs) != len(texts):
                raise KerasBertError(f"{len(texts)} texts but {len(text_pairs)} text_pairs.")
            strings = tf.data.Dataset.from_tensor_slices((texts, text_pairs))
        else:
            strings = tf.data.Dataset.from_tensor_slices((texts,))
        from keras_bert.data.labelled import trim_batch_padding

        tokenizer = self.tokenizer

        def encode(*batch_texts):  # a def, not a lambda: AutoGraph cannot convert such lambdas
            return trim_batch_padding(tokenizer.encode(*batch_texts, seq_length=seq_length))

        dataset = strings.batch(batch_size).map(encode)
        dataset = dataset.prefetch(tf.data.AUTOTUNE)
        logits = self.predict(dataset, verbose=verbose)
        probabilities = np.asarray(keras.ops.softmax(logits, axis=-1))
        names = self.label_names
        return probabilities, [names[i] for i in probabilities.argmax(axis=-1)]

    def constructor_arguments(self):
        return {
            "encoder": self.encoder,
            "num_classes": self.num_classes,
            "dropout": self.dropout,
            "labels": self.labels,
            "text_pair": self.text_pair,
            "seq_length": self.seq_length,
            "pooling": self.pooling,
            "tokenizer": self.tokenizer,
        }
