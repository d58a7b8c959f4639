"""`BertServingModule`: tokenizer, encoder and (optional) classifier head as one `tf.Module`.

Its `tf.function`s become the exported SavedModel's methods and signatures:

    encode(text)                 raw strings → sentence_embedding, pooled_output,
                                 sequence_output, input_mask (one string: no batch axis)
    encode_pair(text_a, text_b)  the same for text pairs
    classify(text) or classify(text_a, text_b)   (classifiers)
                                 → probabilities, label_ids, labels
    tag(text)                    (taggers) raw strings → entity_types, entity_texts,
                                 entity_starts, entity_ends (characters of the text, end
                                 exclusive), entity_scores [batch, max entities], num_entities;
                                 any text length (windows inside the graph)
    answer(question, context)    (question answerers) → answer_text, answer_start, answer_end
                                 (characters of the context), score (+ has_answer for models
                                 that may answer nothing); any context length
    __call__(inputs, training)   TF Hub's reusable encoder API over token ids
    encode_ids(input_word_ids, input_mask, input_type_ids)   the same as a flat signature

The Keras models are held without being tracked as SavedModel children: the SavedModel keeps
their variables (listed in `variables` / `trainable_variables`, as TF Hub's reusable SavedModel
API and `keras.layers.TFSMLayer` expect) and the traced functions, not Keras' object graph,
so it loads with TensorFlow and tf-text alone.

Raw-string endpoints pad each batch only to its longest text (rounded up to a multiple of 8,
so few shapes are traced), not to `seq_length`: outputs at real tokens are the same, and a
batch of short texts costs what it holds. `sequence_output` and `input_mask` are as long as
that padded length.

With `jit_compile`, `encode`, `encode_pair` and `classify` run the encoder (and head) as one
XLA computation, compiled on first use for each [batch, padded length] shape and cached for
the process: fewer, fused kernels, which pays most for batches of a small model. Tokenization stays
outside (tf-text ops have no XLA kernels), and so do `tag`, `answer` and the token-id methods.
"""

import tensorflow as tf

from keras_bert.data.labelled import trim_batch_padding
from keras_bert.modeling.encoder import INPUT_NAMES
from keras_bert.tasks import answer_graph, tagging_graph
from keras_bert.tasks.sentence_encoder import pool_sentences


def _text_spec(name):
    return tf.TensorSpec([None], tf.string, name=name)


def _ids_spec():
    return {name: tf.TensorSpec([None, None], tf.int32, name=name) for name in INPUT_NAMES}


def _float32(tensor):
    return tf.cast(tensor, tf.float32)


class BertServingModule(tf.Module):
    """Raw strings to BERT outputs, for `tf.saved_model.save`.

    Args:
        tokenizer: a `BertTokenizer` (tracked: its vocabulary table and asset are saved).
        encoder: a `BertEncoder`.
        seq_length: packed length of every input; longer texts are truncated.
        classifier: a `BertClassifier` over `encoder`, or None.
        label_names: class names in id order (classifiers only).
        tagger: a `BertTokenTagger` over `encoder` with BIO tags, or None.
        answerer: a `BertQuestionAnswerer` over `encoder`, or None.
        text_pair: whether `classify` takes `text_a` and `text_b` (classifiers only).
        sentence_pooling: "cls", "mean" or "max": the `sentence_embedding` of `encode`.
        normalize: L2-normalise `sentence_embedding`.
        jit_compile: run the encoder and head of the raw-string endpoints with XLA.
    """

    # tf.Module derives these from its attributes at run time; TF Hub's reusable SavedModel
    # API needs them saved as attributes, so they are plain attributes here.
    variables = ()
    trainable_variables = ()
    regularization_losses = ()

    def __init__(
        self,
        tokenizer,
        encoder,
        seq_length,
        classifier=None,
        label_names=None,
        text_pair=False,
        sentence_pooling="cls",
        normalize=False,
        tagger=None,
        answerer=None,
        jit_compile=False,
        name="bert",
    ):
        super().__init__(name=name)
        self.tokenizer = tokenizer
        # Set past tf.Module's tracking: the Keras object graph is not saved, only the
        # variables (below) and the functions traced through the models.
        object.__setattr__(self, "_encoder", encoder)
        object.__setattr__(self, "_classifier", classifier)
        object.__setattr__(self, "_tagger", tagger)
        object.__setattr__(self, "_answerer", answerer)
        self.seq_length = int(seq_length)
        self.text_pair = bool(text_pair)
        self.sentence_pooling = sentence_pooling
        self.normalize = bool(normalize)
        # Not tracked either: traced into the endpoints that call them.
        object.__setattr__(self, "_encoder_forward", _inference(encoder, jit_compile))
        object.__setattr__(self, "_classifier_forward", _inference(classifier, jit_compile))
        model = next(m for m in (answerer, tagger, classifier, encoder) if m is not None)
        self.variables = [variable.value for variable in model.variables]
        self.trainable_variables = [variable.value for variable in model.trainable_variables]
        self.regularization_losses = []
        if classifier is not None:
            self._label_names = tf.constant(list(label_names), tf.string)
            self.classify = self._make_classify()
        if tagger is not None:
            self.tag = self._make_tag()
        if answerer is not None:
            self.answer = tf.function(
                self._answer, input_signature=[_text_spec("question"), _text_spec("context")]
            )

    @property
    def is_classifier(self):
        return self._classifier is not None

    @property
    def is_tagger(self):
        return self._tagger is not None

    @property
    def is_answerer(self):
        return self._answerer is not None

    # Raw-string endpoints.

    @tf.function
    def encode(self, text):
        """[batch] strings → sentence_embedding [batch, hidden], pooled_output, sequence_output
        [batch, seq, hidden], input_mask. One string (a scalar) → the same without the batch
        axis, `sequence_output` and `input_mask` cut to its real tokens.

        Traced for both shapes before saving (`trace_for_export`); the signature is the batch one.
        """
        if text.shape.rank == 0:
            outputs = self._encode_inputs(
                self.tokenizer.encode(text[tf.newaxis], seq_length=self.seq_length)
            )
            real = tf.cast(outputs["input_mask"][0], tf.bool)
            return {
                "sentence_embedding": outputs["sentence_embedding"][0],
                "pooled_output": outputs["pooled_output"][0],
                "sequence_output": tf.boolean_mask(outputs["sequence_output"][0], real),
                "input_mask": tf.boolean_mask(outputs["input_mask"][0], real),
            }
        return self._encode_inputs(self.tokenizer.encode(text, seq_length=self.seq_length))

    @tf.function(input_signature=[_text_spec("text_a"), _text_spec("text_b")])
    def encode_pair(self, text_a, text_b):
        """Text pairs, packed `[CLS] a [SEP] b [SEP]` → the outputs of `encode`."""
        inputs = self.tokenizer.encode(text_a, text_b, seq_length=self.seq_length)
        return self._encode_inputs(inputs)

    def _make_tag(self):
        """`tag` over raw strings, built per instance (as `classify`) so that only a tagger
        export has one. [batch] strings → entities per text, padded (`tasks.tagging_graph`);
        one string → the same without the batch axis. Traced for both by `trace_for_export`."""

        def tag(text):
            if text.shape.rank == 0:
                return tagging_graph.single_text(self._tag_texts(text[tf.newaxis]))
            return self._tag_texts(text)

        return tf.function(tag)

    def _answer(self, question, context):
        """[batch] questions and contexts → the answer to each (`tasks.answer_graph`)."""
        return answer_graph.answer_texts(self._answerer, self.tokenizer, question, context)

    def _tag_texts(self, text):
        return tagging_graph.tag_texts(self._tagger, self.tokenizer, text, self.seq_length)

    def _make_classify(self):
        """`classify` over `text`, or over `text_a` and `text_b` for a pair classifier.

        Built per instance (not a method) so that an encoder export has no `classify` at all
        and a classifier export has exactly the one its `text_pair` calls for.
        """
        if self.text_pair:

            def classify(text_a, text_b):
                """Text pairs → probabilities, label_ids, labels."""
                inputs = self.tokenizer.encode(text_a, text_b, seq_length=self.seq_length)
                return self._classify_inputs(inputs)

            specs = [_text_spec("text_a"), _text_spec("text_b")]
        else:

            def classify(text):
                """[batch] strings → probabilities, label_ids, labels."""
                inputs = self.tokenizer.encode(text, seq_length=self.seq_length)
                return self._classify_inputs(inputs)

            specs = [_text_spec("text")]
        return tf.function(classify, input_signature=specs)

    # Token-id endpoints (TF Hub's encoder contract).

    @tf.function
    def __call__(self, inputs, training=False):
        """TF Hub reusable encoder: dict of ids → pooled_output, sequence_output,
        encoder_outputs (a list, one per layer) and default (= pooled_output)."""
        outputs = self._encoder(_as_int32(inputs), training=training)
        pooled_output = _float32(outputs["pooled_output"])
        return {
            "pooled_output": pooled_output,
            "sequence_output": _float32(outputs["sequence_output"]),
            "encoder_outputs": [_float32(layer) for layer in outputs["encoder_outputs"]],
            "default": pooled_output,
        }

    @tf.function(input_signature=[_ids_spec()])
    def encode_ids(self, inputs):
        """`__call__` as a flat signature: `encoder_outputs` stacked to
        [batch, num_layers, seq, hidden] (TF Serving needs the batch first in every output)."""
        inputs = self._checked_ids(inputs)
        outputs = self.__call__(inputs, training=False)
        return {**outputs, "encoder_outputs": tf.stack(outputs["encoder_outputs"], axis=1)}

    def _checked_ids(self, inputs):
        """The ids, after asserting each lies in its table: a negative id would otherwise wrap
        to the last row on some devices, and a too large one fail with a raw gather error."""
        vocab_size = self._encoder.config.vocab_size
        type_vocab_size = self._encoder.config.type_vocab_size
        checks = []
        for name, size in (("input_word_ids", vocab_size), ("input_type_ids", type_vocab_size)):
            ids = tf.cast(inputs[name], tf.int32)
            checks.append(tf.debugging.assert_non_negative(
                ids, message=f"encode_ids: {name} must be >= 0 (no negative ids)"))
            checks.append(tf.debugging.assert_less(
                ids, tf.constant(size, tf.int32),
                message=f"encode_ids: {name} must be < {size} (the size of its embedding table)"))
        mask = tf.cast(inputs["input_mask"], tf.int32)
        checks.append(tf.debugging.assert_non_negative(
            mask, message="encode_ids: input_mask must be 0 or 1"))
        checks.append(tf.debugging.assert_less(
            mask, tf.constant(2, tf.int32), message="encode_ids: input_mask must be 0 or 1"))
        with tf.control_dependencies(checks):
            return {name: tf.identity(inputs[name]) for name in INPUT_NAMES}

    def trace_for_export(self):
        """Trace `__call__` for both `training` values, as TF Hub's reusable API requires, and
        `encode` for one string and for a batch."""
        for training in (False, True):
            self.__call__.get_concrete_function(_ids_spec(), training=training)
        self.encode.get_concrete_function(tf.TensorSpec([], tf.string, name="text"))
        self.encode.get_concrete_function(_text_spec("text"))
        if self.is_tagger:
            self.tag.get_concrete_function(tf.TensorSpec([], tf.string, name="text"))
            self.tag.get_concrete_function(_text_spec("text"))

    def signatures(self):
        """The SavedModel signatures: name → concrete function with named flat outputs."""
        signatures = {
            "encode": self.encode.get_concrete_function(_text_spec("text")),
            "encode_pair": self.encode_pair.get_concrete_function(),
            "encode_ids": self.encode_ids.get_concrete_function(),
        }
        if self.is_classifier:
            signatures["classify"] = self.classify.get_concrete_function()
            signatures["serving_default"] = signatures["classify"]
        elif self.is_tagger:
            signatures["tag"] = self.tag.get_concrete_function(_text_spec("text"))
            signatures["serving_default"] = signatures["tag"]
        elif self.is_answerer:
            signatures["answer"] = self.answer.get_concrete_function()
            signatures["serving_default"] = signatures["answer"]
        else:
            signatures["serving_default"] = signatures["encode"]
        return signatures

    # Shared bodies.

    def _encode_inputs(self, inputs):
        inputs = trim_batch_padding(_as_int32(inputs))
        outputs = self._encoder_forward(inputs)
        sentence = pool_sentences(
            outputs["pooled_output"], outputs["sequence_output"], inputs["input_mask"],
            self.sentence_pooling, self.normalize,
        )
        return {
            "sentence_embedding": _float32(sentence),
            "pooled_output": _float32(outputs["pooled_output"]),
            "sequence_output": _float32(outputs["sequence_output"]),
            "input_mask": inputs["input_mask"],
        }

    def _classify_inputs(self, inputs):
        inputs = trim_batch_padding(_as_int32(inputs))
        logits = _float32(self._classifier_forward(inputs))
        label_ids = tf.argmax(logits, axis=-1, output_type=tf.int32)
        return {
            "probabilities": tf.nn.softmax(logits, axis=-1),
            "label_ids": label_ids,
            "labels": tf.gather(self._label_names, label_ids),
        }


def _inference(model, jit_compile):
    """`model` in inference mode, as one XLA computation when `jit_compile`."""
    if model is None:
        return None

    def forward(inputs):
        return model(inputs, training=False)

    return tf.function(forward, jit_compile=True, autograph=False) if jit_compile else forward


def _as_int32(inputs):
    return {name: tf.cast(inputs[name], tf.int32) for name in INPUT_NAMES}
