"""SQuAD-format question answering data (SQuAD v1.1 / v2.0, CMRC 2018) → windows for a span model.

Files. The SQuAD JSON layout: {"version", "data": [{"title", "paragraphs": [{"context",
"qas": [{"id", "question", "answers": [{"text", "answer_start"}], "is_impossible"}]}]}]}.
CMRC 2018 and DRCD use the same layout. `answers` may be left out (data to predict on);
`is_impossible: true` with no answers is a v2.0 unanswerable question. A malformed entry is an
error naming the file and the entry (`data[3].paragraphs[0].qas[2]`, with its id).

Answers. A gold answer's `answer_start` is a character of the context. Where the text is not
at that character but elsewhere in the context, the occurrence nearest to it is taken (counted
as relocated); an answer absent from the context (CMRC 2018's dev file has a few, with
`answer_start` -1) is kept for scoring only. Training reads the first answer found in the
context.

Windows (BERT's `run_squad.py`, Devlin et al. 2019): the question, cut to `max_query_length`
word pieces, and as much context as fits are packed

    [CLS] question [SEP] context window [SEP] [PAD] …     type ids 0 … 0 1 … 1 0 …

to `seq_length`; a longer context is read in overlapping windows whose starts are
`doc_stride` pieces apart (`data.tagging.windows`), and each context piece belongs to the window
where it has the most context (`data.tagging.owning_window`, BERT's `_check_is_max_context`).
The answer's first and last pieces come from the tokenizer's character offsets (the first
piece ending after the answer's first character, the last piece starting before its end), so
no whitespace splitting or text matching is needed, in any language. A window that does not
hold the whole answer, and every window of an unanswerable question, is labelled with the
[CLS] position (0) for both start and end, the standard way.

Each context is tokenized once however many questions share it; all questions and all
contexts are tokenized in large batches.
"""

import dataclasses
import os

import numpy as np

from keras_bert.data.tagging import owning_window, windows
from keras_bert.errors import KerasBertError
from keras_bert.text_files import read_json

DEFAULT_SEQ_LENGTH = 384
DEFAULT_DOC_STRIDE = 128
DEFAULT_MAX_QUERY_LENGTH = 64
NOT_FOUND = -1  # the start of an answer that is not in its context
_TOKENIZE_BATCH = 512


@dataclasses.dataclass
class QaExample:
    """One question on one context, with its gold answers.

    `answers`: [(text, start)] with `start` the character of `context` where the text
    begins (`NOT_FOUND` when it does not occur there). `is_impossible`: SQuAD v2.0's
    unanswerable question (then `answers` is empty).
    """

    id: str
    question: str
    context: str
    answers: list = dataclasses.field(default_factory=list)
    is_impossible: bool = False
    title: str = ""

    @property
    def answer_texts(self):
        return [text for text, _ in self.answers]

    def training_answer(self):
        """(start, end) characters of the first gold answer found in the context, or None."""
        for text, start in self.answers:
            if start != NOT_FOUND:
                return start, start + len(text)
        return None


@dataclasses.dataclass
class QaFile:
    """The questions of one SQuAD-format file, in file order.

    `relocated`: ids of questions with an answer found away from its `answer_start`;
    `not_found`: ids with an answer absent from the context (kept for scoring only).
    """

    path: str
    examples: list
    version: str = ""
    relocated: list = dataclasses.field(default_factory=list)
    not_found: list = dataclasses.field(default_factory=list)

    def __len__(self):
        return len(self.examples)

    def __iter__(self):
        return iter(self.examples)

    def __getitem__(self, index):
        return self.examples[index]

    @property
    def has_impossible(self):
        """Whether the file holds unanswerable questions (SQuAD v2.0)."""
        return any(example.is_impossible for example in self.examples)

    def gold_answers(self):
        """{id: [gold answer texts]} ([] for an unanswerable question), for `score_answers`."""
        return {example.id: example.answer_texts for example in self.examples}

    def subsample(self, count, seed=0):
        """`count` questions drawn without replacement (file order kept); all if fewer."""
        if count is None or count >= len(self):
            return self
        chosen = np.sort(np.random.default_rng(seed).choice(len(self), count, replace=False))
        return dataclasses.replace(self, examples=[self.examples[i] for i in chosen])

    def report(self):
        contexts = len({example.context for example in self.examples})
        impossible = sum(example.is_impossible for example in self.examples)
        text = f"{os.path.basename(self.path)}: {len(self):,} questions on {contexts:,} contexts"
        if impossible:
            text += f" ({impossible:,} unanswerable)"
        if self.relocated:
            text += (
                f"; {len(self.relocated):,} question(s) have an answer not at its answer_start, "
                "taken where it occurs nearest"
            )
        if self.not_found:
            text += (
                f"; {len(self.not_found):,} question(s) have an answer absent from the context "
                "(scored against, never trained on)"
            )
        return text


def read_squad_file(path):
    """Read a SQuAD-format JSON file (SQuAD v1.1 / v2.0, CMRC 2018): a `QaFile`."""
    path = os.fspath(path)
    content = read_json(path, "SQuAD-format file", expect=dict)
    articles = content.get("data")
    if not isinstance(articles, list):
        raise KerasBertError(
            f"{path}: expected a JSON object with a \"data\" list (the SQuAD layout), "
            f"got keys {', '.join(map(repr, content)) or 'none'}."
        )
    examples, relocated, not_found, seen = [], [], [], {}
    for a, article in enumerate(articles):
        where = f"data[{a}]"
        paragraphs = _field(path, where, article, "paragraphs", list)
        title = article.get("title", "")
        for p, paragraph in enumerate(paragraphs):
            where = f"data[{a}].paragraphs[{p}]"
            context = _field(path, where, paragraph, "context", str)
            for q, qa in enumerate(_field(path, where, paragraph, "qas", list)):
                where = f"data[{a}].paragraphs[{p}].qas[{q}]"
                example, moved, missing = _read_question(path, where, qa, context, title)
                if example.id in seen:
                    raise KerasBertError(
                        f"{path}: {where} repeats the id {example.id!r} of {seen[example.id]}; "
                        "question ids must be unique."
                    )
                seen[example.id] = where
                examples.append(example)
                if moved:
                    relocated.append(example.id)
                if missing:
                    not_found.append(example.id)
    return QaFile(path, examples, str(content.get("version", "")), relocated, not_found)


def _field(path, where, entry, key, kind):
    if not isinstance(entry, dict):
        raise KerasBertError(f"{path}: {where} must be a JSON object, got {type(entry).__name__}.")
    if key not in entry:
        raise KerasBertError(f"{path}: {where} has no {key!r}.")
    value = entry[key]
    if not isinstance(value, kind):
        expected = "a list" if kind is list else "a string"
        raise KerasBertError(
            f"{path}: {where}.{key} must be {expected}, got {type(value).__name__}."
        )
    return value


def _read_question(path, where, qa, context, title):
    """A `QaExample` from one entry of "qas", and whether an answer moved / is missing."""
    identifier = _field(path, where, qa, "id", (str, int))
    where = f"{where} (id {identifier!r})"
    question = _field(path, where, qa, "question", str)
    if not question.strip():
        raise KerasBertError(f"{path}: {where} has an empty question.")
    impossible = qa.get("is_impossible", False)
    if not isinstance(impossible, bool):
        raise KerasBertError(f"{path}: {where}.is_impossible must be true or false.")
    raw_answers = qa.get("answers", [])
    if not isinstance(raw_answers, list):
        raise KerasBertError(f"{path}: {where}.answers must be a list.")
    if impossible and raw_answers:
        raise KerasBertError(
            f"{path}: {where} is_impossible but has answers; an unanswerable question has none "
            "(SQuAD v2.0 keeps its candidates under \"plausible_answers\")."
        )
    answers, moved, missing = [], False, False
    for n, answer in enumerate(raw_answers):
        text = _field(path, f"{where}.answers[{n}]", answer, "text", str)
        if not text.strip():
            raise KerasBertError(f"{path}: {where}.answers[{n}] has an empty text.")
        start = answer.get("answer_start", NOT_FOUND)
        if isinstance(start, bool) or not isinstance(start, int):
            raise KerasBertError(
                f"{path}: {where}.answers[{n}].answer_start must be an integer, got {start!r}."
            )
        located = locate_answer(context, text, start)
        moved |= located not in (start, NOT_FOUND)
        missing |= located == NOT_FOUND
        answers.append((text, located))
    example = QaExample(str(identifier), question, context, answers, impossible, str(title))
    return example, moved, missing


def locate_answer(context, text, start):
    """The character where `text` begins in `context`: `start` if it is there, else the
    occurrence nearest to `start`, else `NOT_FOUND`."""
    if 0 <= start and context[start:start + len(text)] == text:
        return start
    occurrences, position = [], context.find(text)
    while position != -1:
        occurrences.append(position)
        position = context.find(text, position + 1)
    if not occurrences:
        return NOT_FOUND
    return min(occurrences, key=lambda found: (abs(found - start), found))


# Windows. ------------------------------------------------------------------------------------


@dataclasses.dataclass
class QaFeatures:
    """Encoder inputs for the windows of some questions (numpy, [windows, seq_length]).

    Attributes:
        inputs: `input_word_ids`, `input_mask`, `input_type_ids`.
        positions: [windows, 2] the answer's start and end position in the window (0, 0:
            [CLS], for a window without the answer or an unanswerable question).
        labelled: [windows] whether the window's question has a training label (an
            answer found in the context, or is_impossible); training reads only these.
        owned: [windows, seq_length] context positions whose piece has its most context in
            this window (answers start only there).
        example: [windows] index of the window's question in `examples`.
        context_offset: [windows] position of the window's first context piece.
        piece_start, piece_count: [windows] the context pieces the window holds.
        context_pieces: `WordPieces` of each distinct context; `example_context` [examples]
            indexes them.
    """

    inputs: dict
    positions: np.ndarray
    labelled: np.ndarray
    owned: np.ndarray
    example: np.ndarray
    context_offset: np.ndarray
    piece_start: np.ndarray
    piece_count: np.ndarray
    examples: list
    context_pieces: list
    example_context: np.ndarray
    truncated_questions: int = 0
    unlocated_answers: int = 0

    def __len__(self):
        return len(self.example)

    @property
    def seq_length(self):
        return self.inputs["input_word_ids"].shape[1]

    def pieces_of(self, window):
        """The `WordPieces` of the context that window `window` reads."""
        return self.context_pieces[self.example_context[self.example[window]]]

    def char_offsets(self, window):
        """(starts, ends) [seq_length] int32: the context characters each position of
        `window` comes from (end exclusive); -1 outside the context."""
        starts = np.full(self.seq_length, -1, np.int32)
        ends = np.full(self.seq_length, -1, np.int32)
        pieces = self.pieces_of(window)
        offset, first = self.context_offset[window], self.piece_start[window]
        count = self.piece_count[window]
        starts[offset:offset + count] = pieces.starts[first:first + count]
        ends[offset:offset + count] = pieces.ends[first:first + count]
        return starts, ends

    def report(self, name="data"):
        split = np.bincount(self.example, minlength=len(self.examples))
        text = f"{name}: {len(self.examples):,} questions → {len(self):,} windows"
        if (split > 1).any():
            text += (
                f" ({int((split > 1).sum()):,} question(s) with a context longer than a window, "
                "read in overlapping windows)"
            )
        if self.truncated_questions:
            text += f"; {self.truncated_questions:,} question(s) cut to max_query_length"
        if self.unlocated_answers:
            text += (
                f"; {self.unlocated_answers:,} question(s) whose answers are absent from the "
                "context or cover no word piece, not trained on"
            )
        return text


def encode_qa_examples(
    examples,
    tokenizer,
    *,
    seq_length=DEFAULT_SEQ_LENGTH,
    doc_stride=DEFAULT_DOC_STRIDE,
    max_query_length=DEFAULT_MAX_QUERY_LENGTH,
):
    """`QaExample`s (a `QaFile`) → `QaFeatures`: windows with answer positions (module doc)."""
    examples = list(examples)
    check_window_settings(seq_length, doc_stride, max_query_length)
    context_index, contexts = {}, []
    for example in examples:
        if example.context not in context_index:
            context_index[example.context] = len(contexts)
            contexts.append(example.context)
    example_context = np.asarray(
        [context_index[example.context] for example in examples], np.int32
    )
    context_pieces = tokenizer.tokenize_with_offsets(contexts) if contexts else []
    questions = _tokenize_ids(tokenizer, [example.question for example in examples])

    plans, truncated, unlocated = [], 0, 0
    for index, example in enumerate(examples):
        question = questions[index]
        if len(question) > max_query_length:
            truncated += 1
            question = question[:max_query_length]
        pieces = context_pieces[example_context[index]]
        room = seq_length - len(question) - 3
        spans = windows(len(pieces), room, min(doc_stride, room))
        answer, labelled = None, example.is_impossible
        if example.answers and not example.is_impossible:
            found = example.training_answer()
            answer = answer_pieces(pieces, *found) if found is not None else None
            labelled = answer is not None
            unlocated += answer is None
        plans.append((question, spans, owning_window(spans, len(pieces)), answer, labelled))

    total = sum(len(spans) for _, spans, _, _, _ in plans)
    word_ids = np.full((total, seq_length), tokenizer.pad_id, np.int32)
    mask = np.zeros((total, seq_length), np.int32)
    type_ids = np.zeros((total, seq_length), np.int32)
    owned = np.zeros((total, seq_length), bool)
    positions = np.zeros((total, 2), np.int32)
    labelled_rows = np.zeros(total, bool)
    window_example = np.zeros(total, np.int32)
    offsets = np.zeros(total, np.int32)
    piece_start = np.zeros(total, np.int32)
    piece_count = np.zeros(total, np.int32)
    row = 0
    for index, (question, spans, owner, answer, labelled) in enumerate(plans):
        ids = context_pieces[example_context[index]].ids
        offset = len(question) + 2
        for window, (start, end) in enumerate(spans):
            count = end - start
            word_ids[row, 0] = tokenizer.cls_id
            word_ids[row, 1:offset - 1] = question
            word_ids[row, offset - 1] = tokenizer.sep_id
            word_ids[row, offset:offset + count] = ids[start:end]
            word_ids[row, offset + count] = tokenizer.sep_id
            mask[row, :offset + count + 1] = 1
            type_ids[row, offset:offset + count + 1] = 1
            owned[row, offset:offset + count] = owner[start:end] == window
            if answer is not None and start <= answer[0] and answer[1] < end:
                positions[row] = (offset + answer[0] - start, offset + answer[1] - start)
            labelled_rows[row] = labelled
            window_example[row] = index
            offsets[row], piece_start[row], piece_count[row] = offset, start, count
            row += 1
    return QaFeatures(
        inputs={"input_word_ids": word_ids, "input_mask": mask, "input_type_ids": type_ids},
        positions=positions,
        labelled=labelled_rows,
        owned=owned,
        example=window_example,
        context_offset=offsets,
        piece_start=piece_start,
        piece_count=piece_count,
        examples=examples,
        context_pieces=context_pieces,
        example_context=example_context,
        truncated_questions=truncated,
        unlocated_answers=unlocated,
    )


def check_window_settings(seq_length, doc_stride, max_query_length):
    """The window sizes must leave room for at least one context piece."""
    for name, value in (("seq_length", seq_length), ("doc_stride", doc_stride),
                        ("max_query_length", max_query_length)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise KerasBertError(f"{name} must be a positive integer, got {value!r}.")
    if seq_length < max_query_length + 4:
        raise KerasBertError(
            f"seq_length {seq_length} leaves no room for the context after a question of "
            f"max_query_length {max_query_length} pieces, [CLS] and two [SEP]: use a "
            f"seq_length of at least {max_query_length + 4} or a smaller max_query_length."
        )


def answer_pieces(pieces, start, end):
    """(first, last) piece indices covering characters [start, end) of the text, or None.

    The first piece is the first that ends after `start`, the last the last that begins
    before `end` (offsets never decrease along the pieces).
    """
    first = int(np.searchsorted(pieces.ends, start, side="right"))
    last = int(np.searchsorted(pieces.starts, end, side="left")) - 1
    if first >= len(pieces) or last < first:
        return None
    return first, last


def _tokenize_ids(tokenizer, texts):
    """Word-piece ids of each text (numpy int32 arrays), tokenized in large batches."""
    result = []
    for begin in range(0, len(texts), _TOKENIZE_BATCH):
        ragged = tokenizer.tokenize(texts[begin:begin + _TOKENIZE_BATCH])
        values = ragged.flat_values.numpy()
        splits = ragged.row_splits.numpy()
        result.extend(values[splits[i]:splits[i + 1]] for i in range(len(splits) - 1))
    return result


def qa_dataset(features, *, batch_size=32, shuffle=False, seed=None, trim_padding=True):
    """A tf.data.Dataset of (encoder inputs, [batch, 2] start and end positions) for `fit`.

    Only the labelled windows (`QaFeatures.labelled`) are read. With `trim_padding`, each
    batch is cut to its longest row (rounded up to a multiple of 8).
    """
    import tensorflow as tf

    from keras_bert.data.labelled import trim_batch_padding

    rows = np.flatnonzero(features.labelled)
    inputs = {name: value[rows] for name, value in features.inputs.items()}
    dataset = tf.data.Dataset.from_tensor_slices((inputs, features.positions[rows]))
    if shuffle:
        dataset = dataset.shuffle(len(rows), seed=seed, reshuffle_each_iteration=True)
    dataset = dataset.batch(batch_size)
    if trim_padding:

        def trim(inputs, positions):  # a def: AutoGraph cannot convert some lambdas
            return trim_batch_padding(inputs), positions

        dataset = dataset.map(trim)
    return dataset.prefetch(tf.data.AUTOTUNE)
