"""`train_vocabulary`: learn a WordPiece `vocab.txt` from a corpus.

The words are counted after OUR normaliser (`normalization.basic_tokenize`), not tf-text's
BasicTokenizer, so the learned pieces are exactly the words `BertTokenizer` will look up.
The learning itself is tf-text's WordPiece learner (`wordpiece_tokenizer_learner_lib`, the
engine behind `bert_vocab_from_dataset`).

Layout of the result: [PAD]=0, [UNK]=1, [CLS]=2, [SEP]=3, [MASK]=4, then every CJK character
seen in the corpus (most frequent first), then the learned pieces (single characters with
their "##" forms, then longer pieces). CJK characters are always words of their own, so they
get no "##" form and never compete with other pieces for the learner's 1000-character
alphabet: a Chinese corpus keeps all of its characters.
"""

import collections
import os

import keras
import tensorflow as tf
from tensorflow_text.tools.wordpiece_vocab import wordpiece_tokenizer_learner_lib as learner

from keras_bert.tokenization import normalization
from keras_bert.tokenization.vocabulary_file import SPECIAL_TOKENS, write_vocabulary
from keras_bert.errors import KerasBertError

_BATCH_SIZE = 1024


def _is_cjk_word(word):
    if len(word) != 1:
        return False
    code_point = ord(word)
    return any(low <= code_point <= high for low, high in normalization.CJK_RANGES)


def _text_dataset(corpus):
    """(a tf.data.Dataset of text lines, the number of lines when cheaply known)."""
    if isinstance(corpus, tf.data.Dataset):
        return corpus, None
    if isinstance(corpus, (str, bytes, os.PathLike)):
        corpus = [corpus]
    corpus = list(corpus)
    if corpus and all(isinstance(item, os.PathLike) for item in corpus):
        corpus = [os.fspath(item) for item in corpus]
    looks_like_paths = corpus and all(
        isinstance(item, str) and "\n" not in item and os.path.isfile(item) for item in corpus
    )
    if looks_like_paths:
        line_count = 0
        for path in corpus:
            with open(path, "rb") as corpus_file:
                line_count += sum(1 for _ in corpus_file)
        return tf.data.TextLineDataset(corpus), line_count
    return tf.data.Dataset.from_tensor_slices(tf.constant(corpus, tf.string)), len(corpus)


def count_words(corpus, lowercase=True, verbose=True):
    """A Counter of the words our normaliser produces from the corpus (str keys)."""
    dataset, line_count = _text_dataset(corpus)
    words = (
        dataset.batch(_BATCH_SIZE)
        .map(
            lambda texts: normalization.basic_tokenize(texts, lowercase=lowercase).flat_values,
            num_parallel_calls=tf.data.AUTOTUNE,
        )
        .prefetch(tf.data.AUTOTUNE)
    )
    progress = keras.utils.Progbar(line_count, unit_name="line") if verbose else None
    counts = collections.Counter()
    lines_seen = 0
    for batch_words in words.as_numpy_iterator():
        counts.update(batch_words.tolist())
        lines_seen += _BATCH_SIZE
        if progress is not None:
            progress.update(min(lines_seen, line_count or lines_seen))
    if progress is not None and line_count is None:
        progress.update(lines_seen, finalize=True)
    return collections.Counter(
        {word.decode("utf-8"): count for word, count in counts.items()}
    )


def train_vocabulary(
    corpus,
    size,
    out_path=None,
    lowercase=True,
    max_unique_characters=1000,
    max_token_length=50,
    verbose=True,
):
    """Learn a WordPiece vocabulary of at most `size` tokens; return it and write `out_path`.

    Args:
        corpus: text file paths (one or a list), an iterable of strings, or a
            `tf.data.Dataset` of scalar strings.
        size: the largest vocabulary wanted, special tokens and CJK characters included.
            The learner may return somewhat fewer (within about 5%, or fewer on a tiny corpus).
        out_path: where to write `vocab.txt`; nothing is written when None.
        lowercase: count words lowercased and without accents (for an uncased model); use
            the same setting for `BertTokenizer`.
        max_unique_characters: alphabet size for non-CJK characters (rarer ones become
            [UNK]); CJK characters are always all kept.
        max_token_length: longer words are not counted as candidates.
        verbose: show a progress bar while counting words.
    """
    counts = count_words(corpus, lowercase=lowercase, verbose=verbose)
    if not counts:
        raise KerasBertError(
            "The corpus holds no words (it is empty or only whitespace); nothing to learn a "
            "vocabulary from."
        )
    cjk_counts = collections.Counter(
        {word: count for word, count in counts.items() if _is_cjk_word(word)}
    )
    other_counts = {word: count for word, count in counts.items() if word not in cjk_counts}
    cjk_tokens = [word for word, _ in cjk_counts.most_common()]
    learned_size = size - len(cjk_tokens)
    if learned_size <= len(SPECIAL_TOKENS):
        raise KerasBertError(
            f"size={size} is too small: the corpus has {len(cjk_tokens)} distinct CJK "
            f"characters, which are all kept, plus {len(SPECIAL_TOKENS)} special tokens"
        )
    if verbose:
        print(
            f"learning WordPiece pieces from {len(other_counts)} distinct words "
            f"({len(cjk_tokens)} CJK characters kept as they are)"
        )
    learned = []
    if other_counts:
        learned = learner.learn(
            other_counts,
            vocab_size=learned_size,
            reserved_tokens=list(SPECIAL_TOKENS),
            max_unique_chars=max_unique_characters,
            max_token_length=max_token_length,
            include_joiner_token=True,
            joiner="##",
        )
    seen = set(SPECIAL_TOKENS) | set(cjk_tokens)
    vocabulary = list(SPECIAL_TOKENS) + cjk_tokens
    for token in learned:
        if token not in seen:
            seen.add(token)
            vocabulary.append(token)
    vocabulary = vocabulary[:size]
    if out_path is not None:
        write_vocabulary(vocabulary, out_path)
    return vocabulary
