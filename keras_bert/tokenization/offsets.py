"""Where each word piece comes from: start and end character of the ORIGINAL text, in-graph.

Offsets are code point indices, end exclusive (`text[start:end]` in Python), the convention of
Hugging Face `tokenizers`. Ids never change: the pieces are those of
`BertTokenizer.tokenize`, computed from the same normalised words.

How it works. Google's normalisation (see `normalization`) drops characters (controls),
replaces some (whitespace → space, "É" → "e", "İ" → "i") and never moves one, so each
ORIGINAL character normalises on its own to zero or more bytes, and the normalised text is
these pieces in order. The one context-dependent step, the final sigma ("ΟΔΟΣ" → "οδος"), keeps
the byte length (σ and ς are both 2 bytes), so per-character byte lengths are exact; the
words and ids come from the whole-text normalisation, exactly as `tokenize`. Whitespace runs are
not collapsed here (each whitespace character becomes one space) so that lengths add up; the
words are the same. Then:

1. words and their byte offsets in the normalised text (a regex split with offsets);
2. WordPiece per word; a piece spans the bytes of its token (without "##"), an [UNK] the
   whole word;
3. a normalised byte maps back to the original character whose normalisation holds it.

Where one character normalises to several pieces (a Hangul syllable decomposes, under
lowercasing, into jamo that WordPiece may split), each piece gets that character's span.
Invalid UTF-8 is replaced by U+FFFD before counting characters (Python `str` never holds any).
"""

import dataclasses

import numpy as np
import tensorflow as tf
import tensorflow_text as tf_text

from keras_bert.errors import KerasBertError
from keras_bert.tokenization import normalization


def _normalize_keeping_lengths(texts, lowercase):
    """`normalization.normalize_text` with each whitespace character → one space (no runs)."""
    classes = normalization.character_classes()
    texts = tf.strings.regex_replace(texts, classes["removed"] + "+", "")
    texts = tf.strings.regex_replace(texts, classes["whitespace"], " ")
    if lowercase:
        texts = tf.strings.lower(texts, encoding="utf-8")
        texts = tf_text.normalize_utf8(texts, "NFD")
        texts = tf.strings.regex_replace(texts, classes["nonspacing_mark"] + "+", "")
    return texts


def wordpieces_with_offsets(tokenizer, texts):
    """[batch] strings → dict of int32 RaggedTensors [batch, (pieces)], rows aligned:

    `ids` (equal to `tokenizer.tokenize_batch(texts)`), `starts` and `ends` (code points of
    the original text, end exclusive), and `words` (index of the basic word — Google's
    BasicTokenizer word — that each piece belongs to, counted from 0 in each text).
    """
    texts = tf.strings.unicode_transcode(
        texts, input_encoding="UTF-8", output_encoding="UTF-8", errors="replace",
        replacement_char=0xFFFD,
    )
    lowercase = tokenizer.lowercase
    # Bytes each original character normalises to, and where its bytes end (global, flat).
    characters = tf.strings.unicode_split(texts, "UTF-8")
    char_bytes = tf.strings.length(
        _normalize_keeping_lengths(characters.flat_values, lowercase)
    )
    char_bytes = tf.cast(char_bytes, tf.int64)
    char_ends = tf.cumsum(char_bytes)
    text_bytes = tf.math.unsorted_segment_sum(
        char_bytes, characters.value_rowids(), characters.nrows()
    )
    text_base = tf.cumsum(text_bytes, exclusive=True)

    # Words, as `tokenize` finds them, with their byte offsets in the normalised text.
    classes = normalization.character_classes()
    kept = f"{classes['punctuation']}|{classes['cjk']}"
    words, word_starts, _ = tf_text.regex_split_with_offsets(
        _normalize_keeping_lengths(texts, lowercase), f" |{kept}", kept
    )
    pieces = tokenizer._words_to_ids(words)  # [batch, (words), (pieces)] int64

    # Byte length of each piece: its token without "##", or the whole word for [UNK].
    flat_ids = pieces.flat_values
    tokens = tf.gather(tokenizer._id_to_token, flat_ids)
    piece_rows = pieces.values  # [all words, (pieces)]
    first_in_word = tf.equal(
        tf.range(tf.size(flat_ids, out_type=tf.int64)),
        tf.gather(piece_rows.row_starts(), piece_rows.value_rowids()),
    )
    token_bytes = tf.cast(tf.strings.length(tokens), tf.int64)
    token_bytes -= tf.where(first_in_word, tf.constant(0, tf.int64), 2)
    word_bytes = tf.cast(tf.strings.length(words.flat_values), tf.int64)
    piece_word = piece_rows.value_rowids()  # global word index of each piece
    is_unknown = tf.equal(flat_ids, tokenizer.unk_id)
    piece_bytes = tf.where(is_unknown, tf.gather(word_bytes, piece_word), token_bytes)
    within_word = piece_rows.with_flat_values(piece_bytes)
    piece_offset = tf.cumsum(within_word, axis=1, exclusive=True).flat_values

    # Global normalised byte positions → global character indices → per-text indices.
    word_text = words.value_rowids()
    piece_text = tf.gather(word_text, piece_word)
    byte_start = (
        tf.gather(text_base, piece_text) + tf.gather(word_starts.flat_values, piece_word)
        + piece_offset
    )
    byte_last = byte_start + tf.maximum(piece_bytes, 1) - 1
    sorted_ends = tf.expand_dims(char_ends, 0)
    start_char = tf.searchsorted(sorted_ends, tf.expand_dims(byte_start, 0), side="right")[0]
    end_char = tf.searchsorted(sorted_ends, tf.expand_dims(byte_last, 0), side="right")[0] + 1
    char_base = tf.gather(characters.row_starts(), piece_text)
    word_base = tf.gather(words.row_starts(), piece_text)
    by_text = pieces.merge_dims(-2, -1)

    def rows(values):
        return by_text.with_flat_values(tf.cast(values, tf.int32))

    return {
        "ids": rows(flat_ids),
        "starts": rows(tf.cast(start_char, tf.int64) - char_base),
        "ends": rows(tf.cast(end_char, tf.int64) - char_base),
        "words": rows(piece_word - word_base),
    }


@dataclasses.dataclass
class WordPieces:
    """The word pieces of one text, with where they come from (numpy int32 arrays).

    `ids`, `starts`, `ends` (code points of `text`, end exclusive) and `words` (for a text:
    its basic words; for pre-split words: the index of the given word) per piece, and
    `first` (bool): whether the piece is its word's first.
    """

    text: str
    ids: np.ndarray
    starts: np.ndarray
    ends: np.ndarray
    words: np.ndarray
    first: np.ndarray
    # Pre-split words only: (start, end) of each given word in `text`.
    word_spans: list = None

    def __len__(self):
        return len(self.ids)

    def word_count(self):
        return len(self.word_spans) if self.word_spans is not None else (
            int(self.words.max()) + 1 if len(self.words) else 0
        )

    def words_without_pieces(self):
        """Indices of the words where no piece starts (their characters vanished, or a piece
        begun in an earlier word covers them)."""
        starting = set(self.words[self.first].tolist())
        return [index for index in range(self.word_count()) if index not in starting]


def _first_flags(words):
    first = np.ones(len(words), bool)
    first[1:] = words[1:] != words[:-1]
    return first


def tokenize_with_offsets(tokenizer, texts, batch_size=1024):
    """Texts (a str or a list) → `WordPieces` per text (one for a str), `words` = basic words."""
    single = isinstance(texts, str)
    texts = [texts] if single else [str(text) for text in texts]
    results = []
    for begin in range(0, len(texts), batch_size):
        batch = texts[begin:begin + batch_size]
        found = tokenizer.tokenize_with_offsets_batch(tf.constant(batch, tf.string))
        columns = {key: value.to_list() for key, value in found.items()}
        for index, text in enumerate(batch):
            words = np.asarray(columns["words"][index], np.int32)
            results.append(
                WordPieces(
                    text=text,
                    ids=np.asarray(columns["ids"][index], np.int32),
                    starts=np.asarray(columns["starts"][index], np.int32),
                    ends=np.asarray(columns["ends"][index], np.int32),
                    words=words,
                    first=_first_flags(words),
                )
            )
    return results[0] if single else results


def join_words(words, separator=" "):
    """(text, [(start, end)] of each word in it): the words joined by `separator`."""
    spans, position = [], 0
    for index, word in enumerate(words):
        if not isinstance(word, str):
            raise KerasBertError(f"word {index} is a {type(word).__name__}, not a str: {word!r}")
        if index:
            position += len(separator)
        spans.append((position, position + len(word)))
        position += len(word)
    return separator.join(words), spans


def tokenize_words(tokenizer, sentences, separator=" ", batch_size=1024):
    """Pre-split words (a list of words, or a list of such lists) → `WordPieces` each.

    The words are joined by `separator` into one text ("" for text written without spaces,
    such as Chinese one character per word) and tokenized as any text, so the ids are what
    the same text would give at prediction time. Each piece then belongs to the word holding
    its first character (`words`), and `first` marks the first piece that starts in each word:
    the piece a tagger predicts that word's label at. A word can have no piece: its characters
    are dropped (control characters), or, with separator "", a piece begun in the word before
    covers it ("19" + "66" → the one piece "1966"); `WordPieces.words_without_pieces` lists them.
    """
    single = bool(sentences) and isinstance(sentences[0], str)
    batch = [sentences] if single else list(sentences)
    joined = [join_words(words, separator) for words in batch]
    results = tokenize_with_offsets(tokenizer, [text for text, _ in joined], batch_size)
    for result, (_, spans) in zip(results, joined):
        result.word_spans = spans
        result.words = assign_to_words(spans, result.starts)
        result.first = _first_flags(result.words)
    return results[0] if single else results


def assign_to_words(word_spans, piece_starts):
    """The index of the word (by `(start, end)` spans, in order) holding each piece's start."""
    if not len(piece_starts):
        return np.zeros([0], np.int32)
    starts = np.asarray([start for start, _ in word_spans], np.int64)
    index = np.searchsorted(starts, np.asarray(piece_starts), side="right") - 1
    return np.maximum(index, 0).astype(np.int32)
