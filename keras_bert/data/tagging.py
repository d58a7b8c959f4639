"""Tagged word files (CoNLL columns, one character per line) → sentences → tf.data for tagging.

Files. One token per line, blank lines between sentences:

- "conll": the word in the first column, the tag in the last ("EU NNP I-NP I-ORG"), columns
  split on whitespace; "-DOCSTART-" lines separate documents and are not words. The words of
  a sentence are joined by spaces into its text.
- "chars": one character and its tag per line ("张 B-NAME", Resume NER / MSRA style). The
  characters are joined WITHOUT spaces, which is how the text was written and what the
  model will see at prediction time ("1966" stays one word for the tokenizer).

`format="auto"` picks "chars" when every word of the file is a single character. Tags may be
IOB1, IOB2/BIO, BIOES or BMES (`scheme="auto"` tells them apart) and are converted to BIO
(`tag_schemes`). A line that cannot be read is an error naming the file and line.

Long sentences are never cut: a sentence of more word pieces than fit `seq_length` is split
into overlapping windows (`windows`); each word is labelled in, and predicted from, the one
window where it has the most context on both sides (BERT's "max context" rule for SQuAD), so
training sees each word once and prediction merges the windows back into one sequence.
"""

import dataclasses
import os

import numpy as np

from keras_bert.data import tag_schemes
from keras_bert.errors import KerasBertError, MissingFileError
from keras_bert.text_files import read_text

FORMATS = ("auto", "conll", "chars")
DOCUMENT_START = "-DOCSTART-"
# The label of a position that is not a word's first piece ([CLS], [SEP], padding, "##…").
IGNORED = -1
SEPARATORS = {"conll": " ", "chars": ""}


@dataclasses.dataclass
class TaggedSentence:
    """Words (and their BIO tags) of one sentence, as read from `line` on."""

    words: list
    tags: list = None
    line: int = 0
    separator: str = " "

    @property
    def text(self):
        return self.separator.join(self.words)


@dataclasses.dataclass
class TaggedFile:
    """Sentences read from one file.

    Attributes:
        scheme: the tag scheme the file was written in (tags are BIO now).
        format: "conll" or "chars".
        ill_formed: [line] of each sentence holding entities that break `scheme`'s rules
            (converted anyway, as conlleval would read them).
        documents: how many -DOCSTART- lines were passed.
    """

    path: str
    sentences: list
    format: str
    scheme: str
    ill_formed: list = dataclasses.field(default_factory=list)
    documents: int = 0

    def __len__(self):
        return len(self.sentences)

    def __iter__(self):
        return iter(self.sentences)

    def __getitem__(self, index):
        return self.sentences[index]

    def entity_types(self):
        types = set()
        for sentence in self.sentences:
            types.update(t for _, t in (tag_schemes.split_tag(tag) for tag in sentence.tags) if t)
        return sorted(types)

    def subsample(self, count, seed=0):
        """`count` sentences drawn without replacement (file order kept); all if fewer."""
        if count is None or count >= len(self):
            return self
        chosen = np.sort(np.random.default_rng(seed).choice(len(self), count, replace=False))
        return dataclasses.replace(self, sentences=[self.sentences[i] for i in chosen])

    def report(self):
        name = os.path.basename(self.path)
        words = sum(len(sentence.words) for sentence in self.sentences)
        text = (
            f"{name}: {len(self):,} sentences, {words:,} words ({self.format} format, "
            f"{self.scheme} tags → BIO)"
        )
        if self.ill_formed:
            text += (
                f"; {len(self.ill_formed):,} sentence(s) break {self.scheme}'s rules, read as "
                f"conlleval would (lines {_abbreviate(self.ill_formed)})"
            )
        return text


def read_tagged_file(path, *, format="auto", scheme="auto", encoding="utf-8-sig"):
    """Read a CoNLL-column or one-character-per-line tagged file (see the module docstring).

    Args:
        format: "conll", "chars", or "auto".
        scheme: the file's tag scheme: "iob1", "iob2" (= "bio"), "bioes" (= "iobes"), "bmes",
            or "auto".
    Returns:
        a `TaggedFile` whose sentences hold BIO tags.
    """
    if format not in FORMATS:
        raise KerasBertError(f"format must be one of {', '.join(FORMATS)}, got {format!r}.")
    if scheme != "auto":
        tag_schemes.canonical_scheme(scheme)  # a KerasBertError naming the choices
    path = os.fspath(path)
    if encoding in ("utf-8", "utf-8-sig"):
        text = read_text(path, "tagged file")  # a missing file, a folder, bad UTF-8: named
    else:
        if not os.path.isfile(path):
            raise MissingFileError(f"Tagged file not found (or a folder): {path}")
        try:
            with open(path, encoding=encoding, newline="") as file:
                text = file.read()
        except LookupError:
            raise KerasBertError(f"encoding {encoding!r} is not a known text encoding.") from None
        except UnicodeDecodeError as error:
            raise KerasBertError(
                f"{path} is not {encoding} text (byte {error.start}: {error.reason})."
            ) from None
    if text.startswith("\ufeff"):
        text = text[1:]

    sentences, documents = [], 0
    words, tags, lines, columns = [], [], [], None

    def end_sentence():
        if words:
            sentences.append((list(words), list(tags), list(lines)))
            words.clear()
            tags.clear()
            lines.clear()

    for number, line in enumerate(text.split("\n"), start=1):
        line = line.rstrip("\r")
        if not line.strip():
            end_sentence()
            continue
        if line.split()[0] == DOCUMENT_START:
            end_sentence()
            documents += 1
            continue
        if format == "chars":
            # "<character> <tag>": the character may itself be a space ("  O").
            word, space, tag = line.rpartition(" ")
            if not space or not word or not tag:
                raise KerasBertError(
                    f"{path}:{number}: expected '<character> <tag>', got {line!r}."
                )
        else:
            parts = line.split()
            if len(parts) < 2:
                raise KerasBertError(
                    f"{path}:{number}: expected a word and a tag separated by whitespace, "
                    f"got {line!r} (a file of one character per line whose characters "
                    "include spaces needs format='chars')."
                )
            if columns is None:
                columns = len(parts)
            elif len(parts) != columns:
                raise KerasBertError(
                    f"{path}:{number}: {len(parts)} columns, but the file's first word line "
                    f"has {columns}: {line!r}."
                )
            word, tag = parts[0], parts[-1]
        words.append(word)
        tags.append(tag)
        lines.append(number)
    end_sentence()

    if format == "auto":
        single = all(len(w) == 1 for sentence_words, _, _ in sentences for w in sentence_words)
        format = "chars" if sentences and single and columns == 2 else "conll"
    if scheme == "auto":
        try:
            scheme = tag_schemes.detect_scheme(tags for _, tags, _ in sentences)
        except tag_schemes.BadTagError:
            scheme = "iob2"  # the conversion below names the bad tag's line
        except KerasBertError as error:
            raise KerasBertError(f"{path}: {error} Give scheme explicitly.") from None
    scheme = tag_schemes.canonical_scheme(scheme)

    result, ill_formed = [], []
    for sentence_words, sentence_tags, sentence_lines in sentences:
        try:
            bio, bad = tag_schemes.to_bio(sentence_tags, scheme)
        except tag_schemes.BadTagError as error:
            raise KerasBertError(
                f"{path}:{sentence_lines[error.index]}: {error} (scheme {scheme})."
            ) from None
        if bad:
            ill_formed.append(sentence_lines[0])
        result.append(
            TaggedSentence(sentence_words, bio, sentence_lines[0], SEPARATORS[format])
        )
    return TaggedFile(path, result, format, scheme, ill_formed, documents)


def _abbreviate(numbers, limit=8):
    shown = ", ".join(str(number) for number in numbers[:limit])
    return shown + (", …" if len(numbers) > limit else "")


# Windows over long sentences. --------------------------------------------------------------


def windows(piece_count, max_pieces, stride=None):
    """[(start, end)] piece ranges of at most `max_pieces` that cover `piece_count` pieces.

    Consecutive windows overlap: each starts `stride` pieces (default: half a window) after
    the one before, and the last ends at the last piece. One window when everything fits.
    """
    if max_pieces < 1:
        raise KerasBertError(f"a window must hold at least one piece, got {max_pieces}.")
    stride = stride or max(1, max_pieces // 2)
    if piece_count <= max_pieces:
        return [(0, piece_count)]
    spans, start = [], 0
    while True:
        end = min(start + max_pieces, piece_count)
        spans.append((start, end))
        if end == piece_count:
            return spans
        start += stride


def owning_window(spans, piece_count):
    """For each piece, the index of the window where it has the most context (BERT's
    `_check_is_max_context`: the largest min(pieces left, pieces right) + 0.01 · window length,
    then the earliest; `tasks.graph_windows` is the in-graph twin)."""
    owner = np.zeros(piece_count, np.int32)
    best = np.full(piece_count, -1, np.int64)
    for index, (start, end) in enumerate(spans):
        positions = np.arange(start, end)
        # ×100 in integers: min(left, right) + 0.01·length without floating-point ties.
        score = 100 * np.minimum(positions - start, end - 1 - positions) + (end - start)
        better = score > best[start:end]
        owner[start:end][better] = index
        best[start:end][better] = score[better]
    return owner


@dataclasses.dataclass
class TaggingFeatures:
    """Encoder inputs for the windows of some sentences (numpy, [windows, seq_length]).

    `first` marks each position holding a word's first piece, `owned` those of them whose
    window is the one the word is labelled in and predicted from (`owning_window`); `labels`
    holds the BIO tag id at owned positions and IGNORED (-1) elsewhere. `sentence` and
    `piece_start` locate each window (the sentence's index, its first piece); `pieces` are
    the sentences' `WordPieces`.
    """

    inputs: dict
    labels: np.ndarray
    first: np.ndarray
    owned: np.ndarray
    sentence: np.ndarray
    piece_start: np.ndarray
    pieces: list
    split_sentences: int
    words_without_pieces: int

    def __len__(self):
        return len(self.labels)

    def report(self, name="data"):
        text = f"{name}: {len(self.pieces):,} sentences → {len(self):,} windows"
        if self.split_sentences:
            text += (
                f" ({self.split_sentences:,} sentence(s) longer than seq_length split into "
                "overlapping windows, none cut)"
            )
        if self.words_without_pieces:
            text += (
                f"; {self.words_without_pieces:,} word(s) start no word piece (their "
                "characters vanish in tokenization, or share a piece with the word before) "
                "and are not labelled"
            )
        return text


def encode_tagged_sentences(sentences, tokenizer, tag_names, seq_length=128, stride=None):
    """Tokenize `TaggedSentence`s (labelled or not) into windows: `TaggingFeatures`.

    `tag_names` (BIO, the tagger's `tags`) give the label ids.
    """
    sentences = list(sentences)
    ids_of = {name: index for index, name in enumerate(tag_names)}
    by_separator = {}
    for index, sentence in enumerate(sentences):
        by_separator.setdefault(sentence.separator, []).append(index)
    pieces = [None] * len(sentences)
    for separator, indices in by_separator.items():
        found = tokenizer.tokenize_words([sentences[i].words for i in indices], separator)
        for index, result in zip(indices, found):
            pieces[index] = result
    labels = []
    for sentence, found in zip(sentences, pieces):
        piece_labels = None
        if sentence.tags is not None:
            piece_labels = np.full(len(found), IGNORED, np.int32)
            for position in np.flatnonzero(found.first):
                tag = sentence.tags[found.words[position]]
                if tag not in ids_of:
                    raise KerasBertError(
                        f"line {sentence.line}: tag {tag!r} is not among the tagger's tags "
                        f"({', '.join(tag_names)})."
                    )
                piece_labels[position] = ids_of[tag]
        labels.append(piece_labels)
    return window_features(pieces, tokenizer, seq_length, labels, stride)


def window_features(pieces, tokenizer, seq_length=128, labels=None, stride=None):
    """`WordPieces` of some texts (and optional per-piece label ids) → `TaggingFeatures`.

    Each window is `[CLS] pieces… [SEP]` padded to `seq_length`.
    """
    if seq_length < 3:
        raise KerasBertError(f"seq_length must be at least 3, got {seq_length}.")
    max_pieces = seq_length - 2
    rows = {name: [] for name in ("input_word_ids", "input_mask", "input_type_ids")}
    window_labels, first_rows, owned_rows, window_sentence, window_start = [], [], [], [], []
    split = without = 0
    for index, found in enumerate(pieces):
        without += len(found.words_without_pieces())
        piece_labels = labels[index] if labels is not None else None
        spans = windows(len(found), max_pieces, stride)
        split += len(spans) > 1
        owner = owning_window(spans, len(found))
        for window, (start, end) in enumerate(spans):
            count = end - start
            word_ids = np.full(seq_length, tokenizer.pad_id, np.int32)
            word_ids[0] = tokenizer.cls_id
            word_ids[1:count + 1] = found.ids[start:end]
            word_ids[count + 1] = tokenizer.sep_id
            mask = np.zeros(seq_length, np.int32)
            mask[: count + 2] = 1
            first = np.zeros(seq_length, bool)
            first[1:count + 1] = found.first[start:end]
            owned = np.zeros(seq_length, bool)
            owned[1:count + 1] = found.first[start:end] & (owner[start:end] == window)
            row_labels = np.full(seq_length, IGNORED, np.int32)
            if piece_labels is not None:
                row_labels[1:count + 1] = piece_labels[start:end]
                row_labels[~owned] = IGNORED
            rows["input_word_ids"].append(word_ids)
            rows["input_mask"].append(mask)
            rows["input_type_ids"].append(np.zeros(seq_length, np.int32))
            window_labels.append(row_labels)
            first_rows.append(first)
            owned_rows.append(owned)
            window_sentence.append(index)
            window_start.append(start)

    def stack(values, dtype):
        return np.stack(values) if values else np.zeros([0, seq_length], dtype)

    return TaggingFeatures(
        inputs={name: stack(values, np.int32) for name, values in rows.items()},
        labels=stack(window_labels, np.int32),
        first=stack(first_rows, bool),
        owned=stack(owned_rows, bool),
        sentence=np.asarray(window_sentence, np.int32),
        piece_start=np.asarray(window_start, np.int32),
        pieces=list(pieces),
        split_sentences=split,
        words_without_pieces=without,
    )


def tagging_dataset(
    sentences,
    tokenizer,
    tag_names,
    *,
    seq_length=128,
    batch_size=32,
    shuffle=False,
    seed=None,
    trim_padding=True,
):
    """A tf.data.Dataset of (encoder inputs, labels [batch, seq]) batches for `model.fit`.

    `sentences`: `TaggedSentence`s (a `TaggedFile`) or the `TaggingFeatures` made from them by
    `encode_tagged_sentences` (which also reports split sentences). Labels are BIO tag ids at
    each word's first piece and -1 (`IGNORED`) at every other position, which the tagger's
    loss and metrics leave out. With `trim_padding`, each batch is cut to its longest row
    (rounded up to a multiple of 8).
    """
    import tensorflow as tf

    features = sentences
    if not isinstance(features, TaggingFeatures):
        features = encode_tagged_sentences(sentences, tokenizer, tag_names, seq_length)
    dataset = tf.data.Dataset.from_tensor_slices((features.inputs, features.labels))
    if shuffle:
        dataset = dataset.shuffle(len(features), seed=seed, reshuffle_each_iteration=True)
    dataset = dataset.batch(batch_size)
    if trim_padding:
        dataset = dataset.map(_trim_padding)
    return dataset.prefetch(tf.data.AUTOTUNE)


def _trim_padding(inputs, labels, multiple=8):
    import tensorflow as tf

    longest = tf.reduce_max(tf.reduce_sum(inputs["input_mask"], axis=-1))
    length = tf.minimum(
        (longest + multiple - 1) // multiple * multiple, tf.shape(inputs["input_mask"])[-1]
    )
    return {name: value[:, :length] for name, value in inputs.items()}, labels[:, :length]
