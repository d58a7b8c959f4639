"""`BertTokenTagger`: one tag per word from a BERT encoder (named entities, BIO tags).

    logits = Dense(num_tags)(Dropout(sequence_output))        [batch, seq, num_tags]

as in the BERT paper's CoNLL-2003 set-up (section 5.3): each word is tagged at its FIRST word
piece; the other pieces, [CLS], [SEP] and padding carry the label -1 and are left out of the
loss and the metrics. With `crf=True` a linear-chain CRF (`modeling.crf`) over the words
scores whole tag sequences: its transitions train jointly with the encoder (loss: the CRF's
negative log-likelihood), and decoding is Viterbi.

`predict_entities(texts)` returns entities as character spans of the input text
(`text[start:end] == entity["text"]`), cut from the text by the tokenizer's offsets, never
rebuilt from word pieces. Sentences longer than `seq_length` pieces are split into
overlapping windows and merged (`data.tagging.windows`), never cut.
"""

import keras
import numpy as np
from keras import ops

from keras_bert.data import tag_schemes
from keras_bert.data.tagging import IGNORED, window_features
from keras_bert.errors import KerasBertError
from keras_bert.modeling.crf import LinearChainCrf
from keras_bert.modeling.encoder import INPUT_NAMES
from keras_bert.tasks.task import BertTask, as_python_strings
from keras_bert.modeling.initializers import bert_initializer
from keras_bert.tasks.entity_scores import EntityF1, TagAccuracy
from keras_bert.tokenization.bert_tokenizer import BertTokenizer  # noqa: F401  (registers it)

DEFAULT_SEQ_LENGTH = 128


@keras.saving.register_keras_serializable(package="keras_bert")
class BertTokenTagger(BertTask):
    """Encoder inputs (dict) → per-position tag scores [batch, seq, num_tags] (float32).

    Args:
        encoder: a `BertEncoder`.
        num_tags: number of tags (may be left out when `tags` is given).
        tags: tag names, `tags[i]` naming tag i. BIO tags ("O", "B-PER", "I-PER", …; see
            `data.tag_schemes.bio_tag_names`) make `predict_entities` and the entity F1
            metric available; other tag sets (part of speech) tag words only.
        dropout: dropout rate on the sequence output while training.
        seq_length: the window length, in word pieces with [CLS] and [SEP], that training
            used; prediction windows texts the same way (None: 128).
        crf: put a linear-chain CRF over the words (Viterbi decoding).
        tokenizer: the `BertTokenizer` of the encoder; needed for raw-text prediction and
            saving.
    """

    def __init__(
        self,
        encoder,
        num_tags=None,
        tags=None,
        dropout=0.1,
        seq_length=None,
        crf=False,
        tokenizer=None,
        **kwargs,
    ):
        if tags is not None:
            tags = [str(tag) for tag in tags]
            duplicates = sorted({tag for tag in tags if tags.count(tag) > 1})
            if duplicates:
                raise KerasBertError(f"tags repeat {', '.join(duplicates)}.")
            if num_tags is None:
                num_tags = len(tags)
            elif num_tags != len(tags):
                raise KerasBertError(f"{len(tags)} tags given for num_tags={num_tags}: {tags!r}.")
        if isinstance(num_tags, bool) or not isinstance(num_tags, int) or num_tags < 2:
            raise KerasBertError(
                f"num_tags must be an integer ≥ 2 (or give tags), got {num_tags!r}."
            )
        if not 0.0 <= dropout < 1.0:
            raise KerasBertError(f"dropout must be in [0, 1), got {dropout!r}.")
        if seq_length is not None and not 3 <= seq_length <= encoder.config.max_position_embeddings:
            raise KerasBertError(
                f"seq_length must be between 3 and the encoder's max_position_embeddings "
                f"({encoder.config.max_position_embeddings}), got {seq_length!r}."
            )
        dtype = kwargs.pop("dtype", None)
        dropout_layer = keras.layers.Dropout(dropout, dtype=dtype, name="tagger_dropout")
        dense = keras.layers.Dense(
            num_tags,
            kernel_initializer=bert_initializer(encoder.config.initializer_range),
            dtype=dtype,
            name="tagger_dense",
        )
        inputs = {
            name: keras.Input(shape=(None,), dtype="int32", name=name) for name in INPUT_NAMES
        }
        sequence = encoder(inputs)["sequence_output"]
        # The [CLS] pooler feeds nothing here: freeze it, so that the optimizer neither warns
        # about its missing gradients nor keeps state for it.
        encoder.pooler.trainable = False
        logits = dense(dropout_layer(sequence))
        # float32: softmax, cross-entropy and the CRF stay float32 under mixed precision.
        logits = keras.layers.Activation("linear", dtype="float32", name="logits")(logits)
        crf_layer = None
        if crf:
            crf_layer = LinearChainCrf(num_tags, name="crf")
            logits = crf_layer(logits)
        super().__init__(inputs=inputs, outputs=logits, dtype=dtype, **kwargs)

        self.encoder = encoder
        self.num_tags = num_tags
        self.tags = tags
        self.dropout = dropout
        self.seq_length = seq_length
        self.crf = bool(crf)
        self.tokenizer = tokenizer
        self.tagger_dropout = dropout_layer
        self.tagger_dense = dense
        self.crf_layer = crf_layer

    def constructor_arguments(self):
        return {
            "encoder": self.encoder,
            "num_tags": self.num_tags,
            "tags": self.tags,
            "dropout": self.dropout,
            "seq_length": self.seq_length,
            "crf": self.crf,
            "tokenizer": self.tokenizer,
        }

    @property
    def tag_names(self):
        """Tag names in id order ("0", "1", … when the tagger has no `tags`)."""
        return self.tags if self.tags is not None else [str(i) for i in range(self.num_tags)]

    def has_entity_tags(self):
        try:
            tag_schemes.entity_types_of(self.tag_names)
        except KerasBertError:
            return False
        return True

    def decode(self, logits, mask):
        """Tag ids [batch, seq] from logits: argmax, or the CRF's Viterbi path over `mask`."""
        if self.crf_layer is not None:
            return self.crf_layer.decode(logits, mask)
        return ops.cast(ops.argmax(logits, axis=-1), "int32")

    def compile(self, optimizer="adamw", loss=None, metrics=None, **kwargs):
        """`keras.Model.compile` with the tagging loss and metrics as defaults.

        Loss: cross-entropy averaged over the labelled words (labels ≥ 0), or with a CRF its
        negative log-likelihood per labelled word. Metrics: word accuracy and, for BIO tags,
        entity-level F1 (`EntityF1`, conlleval's), both decoding as `decode` does.
        """
        if loss is None:
            loss = CrfTagLoss(self.crf_layer) if self.crf_layer is not None else MaskedTagLoss()
        if metrics is None:
            metrics = [TagAccuracy(decode=self.decode, name="accuracy")]
            if self.has_entity_tags():
                metrics.append(EntityF1(self.tag_names, decode=self.decode, name="entity_f1"))
        super().compile(optimizer=optimizer, loss=loss, metrics=metrics, **kwargs)

    # Prediction. ------------------------------------------------------------------------

    def _require_tokenizer(self):
        if self.tokenizer is None:
            raise KerasBertError(
                "This BertTokenTagger has no tokenizer; build it with "
                "tokenizer=BertTokenizer(...) or load a model folder with keras_bert.load_model."
            )

    def predict_piece_tags(self, pieces, batch_size=32):
        """`WordPieces` of some texts → per text, an int32 array of the tag id predicted at
        each piece (meaningful at word-first pieces; -1 elsewhere). Long texts are windowed
        and each word taken from the window where it has the most context."""
        features = window_features(pieces, self.tokenizer, self.seq_length or DEFAULT_SEQ_LENGTH)
        results = [np.full(len(found), IGNORED, np.int32) for found in pieces]
        # Longest first, so that each batch is cut to similar lengths.
        lengths = features.inputs["input_mask"].sum(axis=1)
        order = np.argsort(-lengths, kind="stable")
        for begin in range(0, len(order), batch_size):
            rows = order[begin:begin + batch_size]
            width = int(lengths[rows].max())
            batch = {name: value[rows, :width] for name, value in features.inputs.items()}
            logits = self(batch, training=False)
            tags = np.asarray(self.decode(logits, features.first[rows, :width]))
            for row, row_tags in zip(rows, tags):
                owned = np.flatnonzero(features.owned[row, :width])
                positions = features.piece_start[row] + owned - 1
                results[features.sentence[row]][positions] = row_tags[owned]
        return results

    def predict_word_tags(self, sentences, separator=" ", batch_size=32):
        """Pre-split words → their predicted tags: a list of tag names per sentence.

        Args:
            sentences: lists of words, or `data.tagging.TaggedSentence`s (their own
                separator is used), e.g. a `read_tagged_file` result.
            separator: how word lists are joined into text ("" for Chinese characters).

        A word where no piece starts (see `offsets.tokenize_words`) continues the entity of
        the word before if a piece covers it, and is "O" otherwise.
        """
        self._require_tokenizer()
        sentences = list(sentences)
        word_lists = [getattr(sentence, "words", sentence) for sentence in sentences]
        tokenized = [None] * len(sentences)
        by_separator = {}  # sentences joined alike are tokenized together
        for index, sentence in enumerate(sentences):
            joiner = getattr(sentence, "separator", separator)
            by_separator.setdefault(joiner, []).append(index)
        for joiner, indices in by_separator.items():
            found = self.tokenizer.tokenize_words([word_lists[i] for i in indices], joiner)
            for index, result in zip(indices, found):
                tokenized[index] = result
        piece_tags = self.predict_piece_tags(tokenized, batch_size)
        names = self.tag_names
        return [
            _word_tags(found, tags, len(words), names)
            for found, tags, words in zip(tokenized, piece_tags, word_lists)
        ]

    def predict_entities(self, texts, batch_size=32):
        """Raw texts → entities: per text a list of {"type", "start", "end", "text"}.

        `start` / `end` are characters of the text (end exclusive), and
        `text[start:end] == entity["text"]`. Words are the tokenizer's basic words (split at
        spaces and punctuation; every CJK character is a word). One str gives one list.
        """
        self._require_tokenizer()
        if not self.has_entity_tags():
            raise KerasBertError(
                f"predict_entities needs BIO tags (O, B-X, I-X); this tagger has "
                f"{self.tag_names!r}. Use predict_word_tags."
            )
        single = isinstance(texts, str)
        texts = [texts] if single else [str(text) for text in texts]
        pieces = self.tokenizer.tokenize_with_offsets(texts)
        piece_tags = self.predict_piece_tags(pieces, batch_size)
        names = self.tag_names
        results = []
        for text, found, tags in zip(texts, pieces, piece_tags):
            word_count = found.word_count()
            word_tags = [names[t] for t in tags[found.first]]
            starts = np.full(word_count, len(text))
            ends = np.zeros(word_count, int)
            np.minimum.at(starts, found.words, found.starts)
            np.maximum.at(ends, found.words, found.ends)
            entities = []
            for entity_type, first, last in tag_schemes.chunks(word_tags):
                start, end = int(starts[first]), int(ends[last - 1])
                entities.append(
                    {"type": entity_type, "start": start, "end": end, "text": text[start:end]}
                )
            results.append(entities)
        return results[0] if single else results

    def tag(self, texts):
        """Raw texts → entities as padded tensors, computed in one graph (the exported `tag`).

        Returns numpy arrays: `entity_types`, `entity_texts` (str), `entity_starts`,
        `entity_ends` (characters of the text, end exclusive), `entity_scores`, each
        [texts, max entities] and padded with "" / -1 / 0, and `num_entities` [texts]. One
        string gives the same without the batch axis. See `tasks.tagging_graph`.
        """
        import tensorflow as tf

        from keras_bert.tasks import tagging_graph

        self._require_tokenizer()
        if not self.has_entity_tags():
            raise KerasBertError(
                f"tag needs BIO tags (O, B-X, I-X); this tagger has {self.tag_names!r}."
            )
        texts = as_python_strings(texts)
        single = isinstance(texts, (str, bytes))
        batch = tf.constant([texts] if single else list(texts), tf.string)
        if getattr(self, "_tag_function", None) is None:
            seq_length = self.seq_length or DEFAULT_SEQ_LENGTH
            function = tf.function(
                lambda texts: tagging_graph.tag_texts(self, self.tokenizer, texts, seq_length),
                input_signature=[tf.TensorSpec([None], tf.string)],
            )
            object.__setattr__(self, "_tag_function", function)  # not tracked by Keras
        outputs = {name: value.numpy() for name, value in self._tag_function(batch).items()}
        for name in ("entity_types", "entity_texts"):
            outputs[name] = _decoded(outputs[name])
        return tagging_graph.single_text(outputs) if single else outputs


def _decoded(strings):
    """A numpy array of UTF-8 bytes as one of Python str (dtype object), same shape."""
    decoded = [value.decode("utf-8") for value in strings.reshape(-1)]
    return np.asarray(decoded, dtype=object).reshape(strings.shape)


def _word_tags(found, piece_tags, word_count, names):
    """Tag names per word from the tags predicted at word-first pieces (see predict_word_tags)."""
    tags = [tag_schemes.OUTSIDE] * word_count
    has_first = np.zeros(word_count, bool)
    for position in np.flatnonzero(found.first):
        tags[found.words[position]] = names[piece_tags[position]]
        has_first[found.words[position]] = True
    covered = np.zeros(word_count, bool)
    for word, (start, end) in enumerate(found.word_spans or []):
        covered[word] = bool(np.any((found.starts < end) & (found.ends > start)))
    for word in range(1, word_count):
        if not has_first[word] and covered[word] and tags[word - 1] != tag_schemes.OUTSIDE:
            prefix, entity_type = tags[word - 1].partition("-")[::2]
            if entity_type:
                tags[word] = f"I-{entity_type}"
    return tags


@keras.saving.register_keras_serializable(package="keras_bert")
class MaskedTagLoss(keras.losses.Loss):
    """Sparse cross-entropy on logits, averaged over positions whose label is ≥ 0."""

    def __init__(self, name="masked_tag_crossentropy", **kwargs):
        super().__init__(name=name, **kwargs)

    def call(self, y_true, y_pred):
        labels = ops.cast(y_true, "int32")
        valid = ops.greater_equal(labels, 0)
        losses = keras.losses.sparse_categorical_crossentropy(
            ops.where(valid, labels, 0), y_pred, from_logits=True
        )
        weights = ops.cast(valid, losses.dtype)
        return ops.sum(losses * weights) / ops.maximum(ops.sum(weights), 1.0)


class CrfTagLoss(keras.losses.Loss):
    """A linear-chain CRF's negative log-likelihood over the labelled positions, per word."""

    def __init__(self, crf_layer, name="crf_negative_log_likelihood", **kwargs):
        super().__init__(name=name, **kwargs)
        self.crf_layer = crf_layer

    def call(self, y_true, y_pred):
        labels = ops.cast(y_true, "int32")
        valid = ops.greater_equal(labels, 0)
        log_likelihood = self.crf_layer.log_likelihood(y_pred, labels, valid)
        words = ops.maximum(ops.sum(ops.cast(valid, "float32")), 1.0)
        return -ops.sum(log_likelihood) / words
