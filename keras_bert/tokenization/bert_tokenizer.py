"""`BertTokenizer`: text to BERT ids inside the TensorFlow graph, with Google's semantics.

It is a Keras layer (so a tf.Module) holding its vocabulary and lookup table, so one object
serves eager calls, `tf.function`, `tf.data.Dataset.map`, `tf.saved_model.save` and Keras
model saving (the vocabulary is the layer's asset).
"""

import functools
import os

import keras
import tensorflow as tf
import tensorflow_text as tf_text

from keras_bert.tokenization import normalization, offsets
from keras_bert.tokenization.packing import BertInputPacker
from keras_bert.tokenization.vocabulary_file import (
    CLS_TOKEN,
    MASK_TOKEN,
    PAD_TOKEN,
    SEP_TOKEN,
    UNK_TOKEN,
    check_special_tokens,
    read_vocabulary,
    write_vocabulary,
)
from keras_bert.errors import KerasBertError

# Google's WordpieceTokenizer turns a word of more characters than this into one [UNK].
MAX_CHARS_PER_WORD = 200
# A UTF-8 character is at most 4 bytes, so no word within MAX_CHARS_PER_WORD is cut by
# tf-text's byte limit; longer words are replaced by [UNK] before WordPiece sees them.
_MAX_BYTES_PER_WORD = 4 * MAX_CHARS_PER_WORD

WORDPIECE_IMPLEMENTATIONS = ("lookup_table", "fast")
# The file name of the vocabulary among a saved model's assets.
VOCAB_ASSET = "vocab.txt"


@keras.saving.register_keras_serializable(package="keras_bert")
class BertTokenizer(keras.layers.Layer):
    """Google's BERT tokenization (BasicTokenizer + greedy longest-match WordPiece) in-graph.

    Args:
        vocabulary: list of tokens, index = id. Must contain [PAD] [UNK] [CLS] [SEP] [MASK].
            As in Google's `load_vocab`, a token listed twice keeps its last id. None only
            while a saved model is being loaded: `load_assets` then sets it.
        lowercase: lowercase, then strip accents (NFD without category Mn), as Google's
            uncased models do.
        wordpiece_implementation: "fast" (default) hands the normalised text to one
            `FastWordpieceTokenizer` op that also splits the words (same ids, several times
            faster on English; see `_end_to_end_ids`). "lookup_table" splits words with
            string ops and runs tf-text's `WordpieceTokenizer` over a hash table, ops that
            TensorFlow Serving's bundled tf-text provides: exports use it
            (`serving_compatible`).
        vocab_file: where `vocabulary` was read from, for error messages and as a SavedModel
            asset.

    Bad input: empty or whitespace-only texts give no tokens (`encode` → `[CLS] [SEP]`);
    invalid UTF-8 bytes are dropped (see `normalization.normalize_text`); texts that do not
    fit `seq_length` are truncated and counted (`encode(..., return_truncated=True)`).

    It is a Keras layer, as keras-hub's tokenizers are, so a task model holds it in its own
    `get_config`: the vocabulary travels as an asset (`vocab.txt`, written by `save_assets`)
    of the model folder or `.keras` file, not inside the JSON config.
    """

    def __init__(
        self,
        vocabulary=None,
        lowercase=True,
        wordpiece_implementation="fast",
        vocab_file=None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        if wordpiece_implementation not in WORDPIECE_IMPLEMENTATIONS:
            raise KerasBertError(
                f"wordpiece_implementation must be one of {WORDPIECE_IMPLEMENTATIONS}, "
                f"got {wordpiece_implementation!r}"
            )
        self.lowercase = bool(lowercase)
        self.wordpiece_implementation = wordpiece_implementation
        # Not tracked: traced helpers, rebuilt on demand (their keys are not strings).
        object.__setattr__(self, "_encode_functions", {})
        object.__setattr__(self, "_tokens", None)
        self.built = True  # no weights: nothing to build
        if vocabulary is not None:
            self.set_vocabulary(vocabulary, vocab_file=vocab_file)

    def set_vocabulary(self, vocabulary, vocab_file=None):
        """Build the lookup tables for `vocabulary` (a list of tokens, index = id)."""
        vocabulary = [str(token) for token in vocabulary]
        check_special_tokens(vocabulary, source=vocab_file or "the vocabulary")
        # A tuple set past tracking: 30k strings need no checkpoint dependency.
        object.__setattr__(self, "_tokens", tuple(vocabulary))
        object.__setattr__(self, "_encode_functions", {})
        self.vocab_size = len(vocabulary)
        ids = {token: index for index, token in enumerate(vocabulary)}  # last one wins
        self.pad_id = ids[PAD_TOKEN]
        self.unk_id = ids[UNK_TOKEN]
        self.cls_id = ids[CLS_TOKEN]
        self.sep_id = ids[SEP_TOKEN]
        self.mask_id = ids[MASK_TOKEN]
        if vocab_file is not None:
            self.vocab_file = tf.saved_model.Asset(os.fspath(vocab_file))

        self._id_to_token = tf.constant(vocabulary, dtype=tf.string)
        self._token_to_id = tf.lookup.StaticHashTable(
            tf.lookup.KeyValueTensorInitializer(
                tf.constant(list(ids), tf.string),
                tf.constant(list(ids.values()), tf.int64),
            ),
            default_value=-1,
        )
        # The longest token bounds the substrings WordPiece needs to try: same result, faster.
        longest = max(len(token[2:] if token.startswith("##") else token) for token in ids)
        if self.wordpiece_implementation == "lookup_table":
            self._wordpiece = tf_text.WordpieceTokenizer(
                self._token_to_id,
                suffix_indicator="##",
                max_bytes_per_word=_MAX_BYTES_PER_WORD,
                max_chars_per_token=max(longest, 1),
                token_out_type=tf.int64,
                unknown_token=UNK_TOKEN,
                split_unknown_characters=False,
            )
        else:
            # The op refuses repeated tokens; Google's vocabularies may repeat one, whose last
            # id counts. Earlier copies become strings WordPiece never produces (they contain
            # a space), so the op's ids keep that rule.
            last = {token: index for index, token in enumerate(vocabulary)}
            unique = [token if last[token] == index else f"[repeated {index}] {token}"
                      for index, token in enumerate(vocabulary)]
            fast_wordpiece = functools.partial(
                tf_text.FastWordpieceTokenizer,
                vocab=unique,
                suffix_indicator="##",
                token_out_type=tf.int64,
                unknown_token=UNK_TOKEN,
                support_detokenization=False,
            )
            self._wordpiece = fast_wordpiece(
                max_bytes_per_word=_MAX_BYTES_PER_WORD, no_pretokenization=True
            )
            # Its own BERT pre-tokenization (whitespace, punctuation, CJK characters) splits
            # our normalised text exactly as `split_words` does (tests/tokenization check every
            # code point). Words over MAX_CHARS_PER_WORD bytes become [UNK]; `_end_to_end_ids`
            # redoes the rows where that happens, since Google's limit counts characters.
            self._end_to_end = fast_wordpiece(
                max_bytes_per_word=MAX_CHARS_PER_WORD, no_pretokenization=False
            )
        self.packer = BertInputPacker(self.cls_id, self.sep_id, self.pad_id)

    # Keras serialisation: the vocabulary is an asset, the rest is the config. ---------------

    def get_config(self):
        config = super().get_config()
        config.update(
            vocabulary=None,  # saved as an asset (save_assets), not inside the JSON
            lowercase=self.lowercase,
            wordpiece_implementation=self.wordpiece_implementation,
        )
        return config

    def save_assets(self, dir_path):
        write_vocabulary(self.vocabulary, os.path.join(dir_path, VOCAB_ASSET))

    def load_assets(self, dir_path):
        self.set_vocabulary(read_vocabulary(os.path.join(dir_path, VOCAB_ASSET)))

    def call(self, texts):
        """Keras's call: texts → ragged word-piece ids (`tokenize`)."""
        return self.tokenize(texts)

    @property
    def vocabulary(self):
        """The tokens, index = id (a new list each time)."""
        if self._tokens is None:
            raise KerasBertError("This BertTokenizer has no vocabulary yet (set_vocabulary).")
        return list(self._tokens)

    @classmethod
    def from_vocab_file(cls, path, lowercase=True, **kwargs):
        """A tokenizer over a `vocab.txt` (Google's files and `train_vocabulary`'s alike)."""
        return cls(read_vocabulary(path), lowercase=lowercase, vocab_file=path, **kwargs)

    def serving_compatible(self):
        """This tokenizer if it uses only ops TF Serving's tf-text has, else an equivalent one."""
        if self.wordpiece_implementation == "lookup_table":
            return self
        return BertTokenizer(self.vocabulary, lowercase=self.lowercase,
                             wordpiece_implementation="lookup_table", name=self.name)

    # Graph functions over a batch: saved with the module, fast when called eagerly. ---------

    @tf.function(input_signature=[tf.TensorSpec([None], tf.string)])
    def tokenize_batch(self, texts):
        """[batch] strings → int32 RaggedTensor [batch, (word pieces)]."""
        normalized = normalization.normalize_text(texts, lowercase=self.lowercase)
        if self.wordpiece_implementation == "fast":
            return self._end_to_end_ids(normalized)
        return self._word_path_ids(normalized)

    @tf.function(input_signature=[tf.TensorSpec([None], tf.string)])
    def tokenize_words_batch(self, texts):
        """[batch] strings → int32 RaggedTensor [batch, (words), (word pieces)] (TF Hub's shape)."""
        words = normalization.basic_tokenize(texts, lowercase=self.lowercase)
        return tf.cast(self._words_to_ids(words), tf.int32)

    @tf.function(input_signature=[tf.TensorSpec([None], tf.string)])
    def words_batch(self, texts):
        """[batch] strings → the words Google's BasicTokenizer yields, [batch, (words)]."""
        return normalization.basic_tokenize(texts, lowercase=self.lowercase)

    def tokenize_with_offsets_batch(self, texts):
        """[batch] strings → dict of int32 [batch, (pieces)]: `ids` (as `tokenize_batch`),
        `starts` / `ends` (code points of the original text, end exclusive) and `words`
        (the basic word of each piece). See `offsets`.

        A graph function traced on first use and not tracked, so SavedModels that hold this
        tokenizer do not carry it unless an export asks for it (`offsets_function`).
        """
        return self.offsets_function()(texts)

    def offsets_function(self):
        """The `tf.function` over a [batch] string tensor behind `tokenize_with_offsets_batch`."""
        key = ("offsets",)
        if key not in self._encode_functions:
            self._encode_functions[key] = tf.function(
                lambda texts: offsets.wordpieces_with_offsets(self, texts),
                input_signature=[tf.TensorSpec([None], tf.string)],
            )
        return self._encode_functions[key]

    def _word_path_ids(self, normalized):
        """Normalised [batch] strings → int32 [batch, (pieces)]: split into words, WordPiece."""
        words = normalization.split_words(normalized)
        return tf.cast(self._words_to_ids(words).merge_dims(-2, -1), tf.int32)

    def _end_to_end_ids(self, normalized):
        """`_word_path_ids` in one FastWordpieceTokenizer op, several times faster on English.

        The op counts a word's length in bytes, Google in characters, so a word of more
        than MAX_CHARS_PER_WORD bytes but not characters would wrongly become [UNK]. Rows
        where that can happen (longer than MAX_CHARS_PER_WORD bytes, not all ASCII, holding
        an [UNK]) are therefore redone on the word path. Rows of ASCII, where bytes are
        characters, never are: an [UNK] there is Google's too, and English text has some
        in most batches.
        """
        ids = tf.cast(self._end_to_end.tokenize(normalized), tf.int32)
        byte_lengths = tf.strings.length(normalized)
        may_differ = (byte_lengths > MAX_CHARS_PER_WORD) & tf.not_equal(
            byte_lengths, tf.strings.length(normalized, unit="UTF8_CHAR")
        )

        def redo_rows_with_unknown():
            redo = may_differ & tf.reduce_any(tf.equal(ids, self.unk_id), axis=1)
            rows = tf.where(redo)[:, 0]
            redone = self._word_path_ids(tf.gather(normalized, rows))
            batch = tf.shape(redo, out_type=tf.int64)[0]
            # Row i of the result: row i of `ids`, or the k-th redone row after them.
            k = tf.cumsum(tf.cast(redo, tf.int64)) - 1
            index = tf.where(redo, batch + k, tf.range(batch))
            return tf.gather(tf.concat([ids, redone], axis=0), index)

        return tf.cond(tf.reduce_any(may_differ), redo_rows_with_unknown, lambda: ids)

    def words_to_ids(self, words):
        """WordPiece alone: ragged [batch, (words)] strings → int32 [batch, (pieces)].

        For text already split into words; no normalisation or punctuation splitting.
        """
        if not isinstance(words, tf.RaggedTensor):
            words = tf.ragged.constant(words, dtype=tf.string)
        return tf.cast(self._words_to_ids(words).merge_dims(-2, -1), tf.int32)

    def tokens_to_ids(self, tokens):
        """Token strings (Tensor or RaggedTensor) → ids; -1 for a string not in the vocabulary."""
        if isinstance(tokens, tf.RaggedTensor):
            return tokens.with_flat_values(self.tokens_to_ids(tokens.flat_values))
        return tf.cast(self._token_to_id.lookup(tf.convert_to_tensor(tokens, tf.string)), tf.int32)

    def _words_to_ids(self, words):
        """[batch, (words)] strings → int64 [batch, (words), (pieces)].

        WordPiece runs once per distinct word of the batch (natural text repeats its words
        a lot, Chinese text its characters even more), then the pieces are gathered back.
        """
        distinct_words, word_index = tf.unique(words.flat_values)
        too_long = tf.strings.length(distinct_words, unit="UTF8_CHAR") > MAX_CHARS_PER_WORD
        # [UNK] is itself in the vocabulary, so WordPiece maps this stand-in to unk_id.
        distinct_words = tf.where(too_long, UNK_TOKEN, distinct_words)
        pieces = self._wordpiece.tokenize(distinct_words)
        return words.with_flat_values(tf.gather(pieces, word_index))

    # Python API: accepts str, lists, numpy arrays and tensors of rank 0 or 1. -----------

    def tokenize(self, texts):
        """Texts → int32 word-piece ids: RaggedTensor [batch, (ids)] (a Tensor for one str)."""
        texts, is_scalar = _as_string_batch(texts)
        ids = self.tokenize_batch(texts)
        return ids[0] if is_scalar else ids

    def tokenize_with_offsets(self, texts):
        """Texts → `offsets.WordPieces` (ids, start/end characters in the text, words).

        One for a str, a list for a list; `text[start:end]` is the text a piece came from.
        """
        return offsets.tokenize_with_offsets(self, texts)

    def tokenize_words(self, words, separator=" "):
        """Pre-split words (one list, or a list of lists) → `offsets.WordPieces`, each piece
        knowing its word and whether it is that word's first (`offsets.tokenize_words`)."""
        return offsets.tokenize_words(self, words, separator=separator)

    def basic_tokenize(self, texts):
        """Texts → the words before WordPiece (Google's BasicTokenizer), as strings."""
        texts, is_scalar = _as_string_batch(texts)
        words = self.words_batch(texts)
        return words[0] if is_scalar else words

    def tokenize_to_strings(self, texts):
        """Texts → word pieces as strings ("un", "##want", ...), for inspection."""
        return self.ids_to_tokens(self.tokenize(texts))

    def ids_to_tokens(self, ids):
        """Ids (Tensor or RaggedTensor of any rank) → the vocabulary's token strings."""
        if isinstance(ids, tf.RaggedTensor):
            return ids.with_flat_values(self.ids_to_tokens(ids.flat_values))
        return tf.gather(self._id_to_token, tf.cast(ids, tf.int64))

    def detokenize(self, ids):
        """Ids → text: pieces joined by spaces, "##" continuations glued, [PAD] dropped.

        Lowercasing, accents and spacing around punctuation cannot be undone; this is for
        reading model output, not an exact inverse.
        """
        if not isinstance(ids, tf.RaggedTensor):
            ids = tf.convert_to_tensor(ids)
            if ids.shape.rank == 1:
                return self.detokenize(tf.expand_dims(ids, 0))[0]
            ids = tf.RaggedTensor.from_tensor(ids)
        ids = tf.ragged.boolean_mask(ids, tf.not_equal(ids, self.pad_id))
        text = tf.strings.reduce_join(self.ids_to_tokens(ids), axis=-1, separator=" ")
        return tf.strings.regex_replace(text, " ##", "")

    def encode(self, texts, text_pairs=None, seq_length=128, return_truncated=False):
        """Texts (and optional second texts) → dict of int32 [batch, seq_length] tensors.

        `input_word_ids` is `[CLS] a [SEP]` or `[CLS] a [SEP] b [SEP]`, padded with [PAD];
        `input_mask` marks real tokens; `input_type_ids` is 0 for the first text and 1 for
        the second. Too long inputs are truncated (pairs longest-first, as Google's
        `_truncate_seq_pair`). With `return_truncated=True` returns `(features, truncated)`,
        `truncated` a bool tensor saying which rows lost tokens.
        """
        texts, is_scalar = _as_string_batch(texts)
        batches = [texts]
        if text_pairs is not None:
            batches.append(_as_string_batch(text_pairs)[0])
        features, truncated = self._encode_function(int(seq_length), len(batches))(*batches)
        if is_scalar:
            features = {key: value[0] for key, value in features.items()}
            truncated = truncated[0]
        return (features, truncated) if return_truncated else features

    def _encode_function(self, seq_length, segment_count):
        """One traced graph per (seq_length, single or pair): eager calls stay fast."""
        key = (seq_length, segment_count)
        if key not in self._encode_functions:

            def encode_batch(*texts):
                segments = [self.tokenize_batch(batch) for batch in texts]
                return self.packer.pack_with_truncation(segments, seq_length)

            self._encode_functions[key] = tf.function(
                encode_batch, input_signature=[tf.TensorSpec([None], tf.string)] * segment_count
            )
        return self._encode_functions[key]

    def count_truncated(self, texts, text_pairs=None, seq_length=128):
        """How many texts (or pairs) `encode` would truncate at this `seq_length` (an int)."""
        _, truncated = self.encode(texts, text_pairs, seq_length, return_truncated=True)
        return int(tf.reduce_sum(tf.cast(truncated, tf.int32)))

    def pack(self, segments, seq_length=128):
        """Pack already tokenized ragged id segments (one or two) into encoder inputs."""
        return self.packer(segments, seq_length)


def _as_string_batch(texts):
    """(a [batch] tf.string tensor, whether the input was a single string)."""
    if isinstance(texts, (str, bytes)):
        texts = [texts]
        return tf.constant(texts, tf.string), True
    texts = tf.convert_to_tensor(texts, dtype=tf.string)
    if texts.shape.rank == 0:
        return tf.expand_dims(texts, 0), True
    if texts.shape.rank != 1:
        raise KerasBertError(f"expected a string or a 1-D batch of strings, got shape {texts.shape}")
    return texts, False
