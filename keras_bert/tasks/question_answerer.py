"""`BertQuestionAnswerer`: extractive question answering (SQuAD, CMRC 2018) with a BERT encoder.

    logits = Dense(2)(Dropout(sequence_output))        [batch, seq, 2] → [batch, 2, seq]

as in the BERT paper's SQuAD set-up (section 4.2): one start and one end score per position of
`[CLS] question [SEP] context [SEP]`; the loss is the mean of the start and end positions'
cross-entropies. Row 0 of the output holds the start logits, row 1 the end logits, so that the
labels are simply [batch, 2] (start, end) positions and Keras's sparse cross-entropy over the
last axis is that mean.

`predict_answers(questions, contexts)` windows contexts of any length (`data.squad`), runs the
model and decodes the best span over all windows (`tasks.answer_decoding`): the answer is cut
from the context by character offsets, `context[start:end] == answer`. How the model windows
and decodes (doc_stride, max_query_length, max_answer_length, n_best, whether it may answer
nothing and from what margin) are constructor arguments, so they travel with the model folder
and an export decodes the same way.
"""

import keras
import numpy as np
from keras import ops

from keras_bert.data.squad import (
    DEFAULT_DOC_STRIDE,
    DEFAULT_MAX_QUERY_LENGTH,
    DEFAULT_SEQ_LENGTH,
    QaExample,
    check_window_settings,
    encode_qa_examples,
)
from keras_bert.errors import KerasBertError
from keras_bert.modeling.encoder import INPUT_NAMES
from keras_bert.modeling.initializers import bert_initializer
from keras_bert.tasks.answer_decoding import (
    DEFAULT_MAX_ANSWER_LENGTH,
    DEFAULT_N_BEST,
    decode_spans,
)
from keras_bert.tasks.task import BertTask
from keras_bert.tokenization.bert_tokenizer import BertTokenizer  # noqa: F401  (registers it)


@keras.saving.register_keras_serializable(package="keras_bert")
class BertQuestionAnswerer(BertTask):
    """Encoder inputs (dict) → span logits [batch, 2, seq] (float32): row 0 start, row 1 end.

    Args:
        encoder: a `BertEncoder`.
        dropout: dropout rate on the sequence output while training. 0 by default, as in
            Google's run_squad.py and transformers' BertForQuestionAnswering, which put the
            span layer straight on the encoder's output (its own dropout still applies).
        seq_length: the window length, in word pieces with [CLS], question and [SEP]s, that
            training used; prediction windows the same way (None: 384).
        doc_stride: word pieces between the starts of consecutive windows over a long context.
        max_query_length: questions are cut to this many word pieces.
        max_answer_length: the longest answer, in word pieces, that decoding returns.
        n_best: spans kept per question when decoding (and in the score's softmax).
        allow_no_answer: the model may answer nothing (SQuAD v2.0): it does when the [CLS]
            score beats the best span's by more than `no_answer_threshold`.
        no_answer_threshold: that margin, chosen on dev at fine-tuning.
        tokenizer: the `BertTokenizer` of the encoder; needed for raw-text prediction and
            saving.
    """

    def __init__(
        self,
        encoder,
        dropout=0.0,
        seq_length=None,
        doc_stride=DEFAULT_DOC_STRIDE,
        max_query_length=DEFAULT_MAX_QUERY_LENGTH,
        max_answer_length=DEFAULT_MAX_ANSWER_LENGTH,
        n_best=DEFAULT_N_BEST,
        allow_no_answer=False,
        no_answer_threshold=0.0,
        tokenizer=None,
        **kwargs,
    ):
        if not 0.0 <= dropout < 1.0:
            raise KerasBertError(f"dropout must be in [0, 1), got {dropout!r}.")
        window_length = DEFAULT_SEQ_LENGTH if seq_length is None else seq_length
        if not 3 <= window_length <= encoder.config.max_position_embeddings:
            raise KerasBertError(
                f"seq_length must be between 3 and the encoder's max_position_embeddings "
                f"({encoder.config.max_position_embeddings}), got {window_length!r}."
            )
        check_window_settings(window_length, doc_stride, max_query_length)
        for name, value in (("max_answer_length", max_answer_length), ("n_best", n_best)):
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise KerasBertError(f"{name} must be a positive integer, got {value!r}.")
        dtype = kwargs.pop("dtype", None)
        dropout_layer = keras.layers.Dropout(dropout, dtype=dtype, name="span_dropout")
        dense = keras.layers.Dense(
            2,
            kernel_initializer=bert_initializer(encoder.config.initializer_range),
            dtype=dtype,
            name="span_dense",
        )
        inputs = {
            name: keras.Input(shape=(None,), dtype="int32", name=name) for name in INPUT_NAMES
        }
        sequence = encoder(inputs)["sequence_output"]
        # The [CLS] pooler feeds nothing here: freeze it, so that the optimizer neither warns
        # about its missing gradients nor keeps state for it.
        encoder.pooler.trainable = False
        logits = dense(dropout_layer(sequence))
        logits = keras.layers.Permute((2, 1), dtype=dtype, name="start_end_rows")(logits)
        # float32: softmax and cross-entropy stay float32 under mixed precision.
        logits = keras.layers.Activation("linear", dtype="float32", name="span_logits")(logits)
        super().__init__(inputs=inputs, outputs=logits, dtype=dtype, **kwargs)

        self.encoder = encoder
        self.dropout = dropout
        self.seq_length = seq_length
        self.doc_stride = doc_stride
        self.max_query_length = max_query_length
        self.max_answer_length = max_answer_length
        self.n_best = n_best
        self.allow_no_answer = bool(allow_no_answer)
        self.no_answer_threshold = float(no_answer_threshold)
        self.tokenizer = tokenizer
        self.span_dropout = dropout_layer
        self.span_dense = dense

    def constructor_arguments(self):
        return {
            "encoder": self.encoder,
            "dropout": self.dropout,
            "seq_length": self.seq_length,
            "doc_stride": self.doc_stride,
            "max_query_length": self.max_query_length,
            "max_answer_length": self.max_answer_length,
            "n_best": self.n_best,
            "allow_no_answer": self.allow_no_answer,
            "no_answer_threshold": self.no_answer_threshold,
            "tokenizer": self.tokenizer,
        }

    @property
    def window_length(self):
        """The windows' length in word pieces (`seq_length`, 384 when None)."""
        return self.seq_length or DEFAULT_SEQ_LENGTH

    def compile(self, optimizer="adamw", loss=None, metrics=None, **kwargs):
        """`keras.Model.compile` with the span loss and metrics as defaults.

        Loss: the mean of the start and end positions' sparse cross-entropies. Metrics:
        `position_accuracy` (start and end positions right, averaged) and `span_accuracy`
        (both right in the same window).
        """
        if loss is None:
            loss = keras.losses.SparseCategoricalCrossentropy(from_logits=True, name="span_loss")
        if metrics is None:
            metrics = [
                keras.metrics.SparseCategoricalAccuracy(name="position_accuracy"),
                keras.metrics.MeanMetricWrapper(span_accuracy, name="span_accuracy"),
            ]
        super().compile(optimizer=optimizer, loss=loss, metrics=metrics, **kwargs)

    # Prediction. ------------------------------------------------------------------------

    def encode_examples(self, examples):
        """`QaExample`s → `QaFeatures`, windowed the way this model reads."""
        if self.tokenizer is None:
            raise KerasBertError(
                "This BertQuestionAnswerer has no tokenizer; build it with "
                "tokenizer=BertTokenizer(...) or load a model folder with keras_bert.load_model."
            )
        return encode_qa_examples(
            examples, self.tokenizer, seq_length=self.window_length,
            doc_stride=self.doc_stride, max_query_length=self.max_query_length,
        )

    def predict_logits(self, features, batch_size=32):
        """Start and end logits of every window of `features`: two float32 [windows, seq]."""
        shape = (len(features), features.seq_length)
        start_logits = np.full(shape, -np.inf, np.float32)
        end_logits = np.full(shape, -np.inf, np.float32)
        lengths = features.inputs["input_mask"].sum(axis=1)
        order = np.argsort(-lengths, kind="stable")  # similar lengths share a batch
        for begin in range(0, len(order), batch_size):
            rows = order[begin:begin + batch_size]
            width = int(-(-lengths[rows].max() // 8) * 8)  # a multiple of 8, as in training
            width = min(width, features.seq_length)
            batch = {name: value[rows, :width] for name, value in features.inputs.items()}
            logits = np.asarray(self(batch, training=False))
            start_logits[rows, :width] = logits[:, 0]
            end_logits[rows, :width] = logits[:, 1]
        return start_logits, end_logits

    def predict_spans(self, examples, batch_size=32):
        """`QaExample`s → a `SpanPrediction` per example (best span, span and null scores)."""
        features = self.encode_examples(examples)
        start_logits, end_logits = self.predict_logits(features, batch_size)
        return decode_spans(
            features, start_logits, end_logits, n_best=self.n_best,
            max_answer_length=self.max_answer_length, with_null=self.allow_no_answer,
        )

    def predict_answers(self, questions, contexts, batch_size=32):
        """Questions and their contexts (raw strings) → per question
        {"answer", "start", "end", "score"}: the answer cut from the context
        (`context[start:end] == answer`, characters, end exclusive) and its n-best probability.

        A model that may answer nothing (`allow_no_answer`) adds "has_answer" and gives
        "" (start = end = 0) when it answers nothing. One question (a str) gives one dict.
        Contexts may be any length; a context shared by several questions is tokenized once.
        """
        single = isinstance(questions, str)
        if single != isinstance(contexts, str):
            raise KerasBertError("Give one question and one context, or two lists of equal length.")
        questions = [questions] if single else [str(q) for q in questions]
        contexts = [contexts] if single else [str(c) for c in contexts]
        if len(questions) != len(contexts):
            raise KerasBertError(f"{len(questions)} questions but {len(contexts)} contexts.")
        examples = [
            QaExample(str(index), question, context)
            for index, (question, context) in enumerate(zip(questions, contexts))
        ]
        spans = self.predict_spans(examples, batch_size)
        answers = [
            span.as_answer(self.allow_no_answer, self.no_answer_threshold) for span in spans
        ]
        return answers[0] if single else answers

    def answer(self, questions, contexts):
        """The exported `answer` signature, in one graph: questions and contexts (str, lists
        or string tensors) → numpy `answer_text` (str), `answer_start`, `answer_end`
        (characters of the context), `score` (and `has_answer` for a model that may answer
        nothing), each [questions]; one question (a str) gives scalars. See
        `tasks.answer_graph`; `predict_answers` is the same in Python, with n-best lists."""
        import tensorflow as tf

        from keras_bert.tasks import answer_graph
        from keras_bert.tasks.task import as_python_strings

        if self.tokenizer is None:
            raise KerasBertError(
                "This BertQuestionAnswerer has no tokenizer; build it with "
                "tokenizer=BertTokenizer(...) or load a model folder with keras_bert.load_model."
            )
        questions, contexts = as_python_strings(questions), as_python_strings(contexts)
        single = isinstance(questions, (str, bytes))
        if single != isinstance(contexts, (str, bytes)):
            raise KerasBertError("Give one question and one context, or two lists of equal length.")
        questions = [questions] if single else list(questions)
        contexts = [contexts] if single else list(contexts)
        if len(questions) != len(contexts):
            raise KerasBertError(f"{len(questions)} questions but {len(contexts)} contexts.")
        if getattr(self, "_answer_function", None) is None:
            spec = tf.TensorSpec([None], tf.string)
            function = tf.function(
                lambda q, c: answer_graph.answer_texts(self, self.tokenizer, q, c),
                input_signature=[spec, spec],
            )
            object.__setattr__(self, "_answer_function", function)  # not tracked by Keras
        outputs = self._answer_function(
            tf.constant(questions, tf.string), tf.constant(contexts, tf.string)
        )
        outputs = {name: value.numpy() for name, value in outputs.items()}
        outputs["answer_text"] = np.asarray(
            [text.decode("utf-8") for text in outputs["answer_text"]], dtype=object
        )
        return {name: value[0] for name, value in outputs.items()} if single else outputs


def span_accuracy(y_true, y_pred):
    """1 where both the start and the end position are predicted right, else 0 ([batch])."""
    predicted = ops.cast(ops.argmax(y_pred, axis=-1), "int32")
    right = ops.equal(predicted, ops.cast(y_true, "int32"))
    return ops.cast(ops.all(right, axis=-1), "float32")
