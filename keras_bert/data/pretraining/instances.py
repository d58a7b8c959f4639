"""Tokenised documents → unmasked training sequences, following Google's `create_pretraining_data`.

Next-sentence mode (`next_sentence=True`), per document, as Google does:
- a target length of `seq_length - 3` tokens, or with probability `short_seq_prob` a random
  length in [2, seq_length - 3] (so the model also sees short sequences);
- sentences are gathered into a chunk until it reaches the target (or the document ends); a
  random split point makes sentences [0, a_end) segment A;
- with probability 0.5 segment B is a random stretch of ANOTHER document (label 1, "random
  next"), and the chunk's unused sentences are put back to start the next chunk; otherwise B
  is the rest of the chunk (label 0, "actual next");
- `truncate_seq_pair` trims the longer segment one token at a time, from the front or the back
  at random, until the pair fits.
Labels follow Google: 0 = B is the actual next segment, 1 = B is random.

Deviations from Google, all for a cleaner next-sentence signal:
- Google retries 10 times to draw a document other than the current one and then uses whatever
  it drew; here the random document is drawn from the others directly, so a random B never
  comes from the same document.
- Google makes every chunk of a single sentence (a sentence as long as the target, or a
  document's last sentence left alone) a random next, which tilts labels towards "random"
  (64 % on WikiText). Here, when the coin says "actual next", the document's following
  sentence joins the chunk as B, or, for the last sentence, the previous sentence is repeated
  as A; the coin alone decides the label.
- A document of one sentence (a heading, a short web page: half of WikiText's "documents")
  holds no pair, and Google would turn each into a forced random next; here such documents
  start no instance and serve only as random next segments (the count is reported). Labels
  come out at about 50 % random; the report gives the share.

Masked-LM-only mode (`next_sentence=False`): contiguous whole sentences of one document are
packed as `[CLS] s1 s2 ... [SEP]` up to the target length (`seq_length - 2`, or a random
shorter one with probability `short_seq_prob`); nothing is truncated, `input_type_ids` are 0.

The output is padded numpy arrays; masking is a separate step (`masking.py`) so the dynamic
pipeline can redraw it every epoch.
"""

import dataclasses
import random

import numpy as np
from keras.utils import Progbar
from keras_bert.errors import KerasBertError


@dataclasses.dataclass
class SequenceInstances:
    """Unmasked sequences: ids and segment ids padded to `seq_length`, true lengths, NSP labels."""

    input_word_ids: np.ndarray  # int32 [n, seq_length], pad_id after `lengths`
    input_type_ids: np.ndarray  # int32 [n, seq_length]
    lengths: np.ndarray  # int32 [n]
    next_sentence_labels: np.ndarray = None  # int32 [n], or None in masked-LM-only mode
    tokens_truncated: int = 0
    random_next_only_documents: int = 0  # one-sentence documents: used as random B only

    def __len__(self):
        return len(self.lengths)

    def summary(self):
        text = f"{len(self)} sequences, {int(self.lengths.sum())} tokens"
        if self.next_sentence_labels is not None and len(self):
            text += f", {100 * float(np.mean(self.next_sentence_labels)):.1f}% random next"
            text += f", {self.tokens_truncated} tokens cut by pair truncation"
            text += (
                f", {self.random_next_only_documents} one-sentence documents used only as "
                "random next segments"
            )
        return text


def _target_length(max_num_tokens, short_seq_prob, rng):
    if rng.random() < short_seq_prob:
        return rng.randint(2, max_num_tokens)
    return max_num_tokens


def truncate_seq_pair(tokens_a, tokens_b, max_num_tokens, rng):
    """Trim lists in place, the longer one first, a random end each time; return tokens cut."""
    cut = 0
    while len(tokens_a) + len(tokens_b) > max_num_tokens:
        longer = tokens_a if len(tokens_a) > len(tokens_b) else tokens_b
        if rng.random() < 0.5:
            del longer[0]
        else:
            longer.pop()
        cut += 1
    return cut


def _pair_instances_from_document(documents, document_index, max_num_tokens, short_seq_prob, rng, out):
    document = documents[document_index]
    target = _target_length(max_num_tokens, short_seq_prob, rng)
    chunk, chunk_length, truncated = [], 0, 0
    i = 0
    while i < len(document):
        chunk.append(document[i])
        chunk_length += len(document[i])
        if i == len(document) - 1 or chunk_length >= target:
            a_end = rng.randint(1, len(chunk) - 1) if len(chunk) >= 2 else 1
            random_next = rng.random() < 0.5
            if len(chunk) == 1 and not random_next:
                if i + 1 < len(document):
                    i += 1  # one long sentence: its actual next sentence becomes B
                    chunk.append(document[i])
                else:  # the document's last sentence: its previous sentence becomes A
                    chunk.insert(0, document[i - 1])
            tokens_a = [t for sentence in chunk[:a_end] for t in sentence]
            tokens_b = []
            if random_next:
                is_random_next = 1
                target_b_length = target - len(tokens_a)
                other = rng.randrange(len(documents) - 1)
                other += other >= document_index
                random_document = documents[other]
                for sentence in random_document[rng.randrange(len(random_document)) :]:
                    tokens_b.extend(sentence)
                    if len(tokens_b) >= target_b_length:
                        break
                i -= len(chunk) - a_end  # the chunk's unused sentences start the next chunk
            else:
                is_random_next = 0
                tokens_b = [t for sentence in chunk[a_end:] for t in sentence]
            truncated += truncate_seq_pair(tokens_a, tokens_b, max_num_tokens, rng)
            out.append((tokens_a, tokens_b, is_random_next))
            chunk, chunk_length = [], 0
            target = _target_length(max_num_tokens, short_seq_prob, rng)
        i += 1
    return truncated


def _packed_instances_from_document(document, max_num_tokens, short_seq_prob, rng, out):
    target = _target_length(max_num_tokens, short_seq_prob, rng)
    chunk = []
    for sentence in document:
        if chunk and len(chunk) + len(sentence) > target:
            out.append((chunk, None, None))
            chunk = []
            target = _target_length(max_num_tokens, short_seq_prob, rng)
        chunk.extend(sentence)
    if chunk:
        out.append((chunk, None, None))


def next_sentence_problem(tokenized_documents):
    """Why next-sentence pairs cannot be made from these documents, or None if they can."""
    documents = [document for document in tokenized_documents if len(document)]
    if len(documents) < 2:
        return (
            "Next-sentence prediction needs at least 2 documents (a random next segment must come "
            f"from another document) but the corpus has {len(documents)}; separate documents with "
            "a blank line, or train masked-LM only (--no-next-sentence / next_sentence=False)."
        )
    if all(len(document) == 1 for document in documents):
        return (
            "Next-sentence prediction needs documents of at least 2 sentences, but every one of "
            f"the {len(documents)} documents holds a single sentence; check the corpus layout "
            "(blank line between documents) or train masked-LM only (--no-next-sentence)."
        )
    return None


def create_sequence_instances(
    tokenized_documents,
    seq_length,
    cls_id,
    sep_id,
    pad_id,
    next_sentence=True,
    short_seq_prob=0.1,
    dupe_factor=1,
    seed=0,
    shuffle=True,
    verbose=0,
):
    """Build unmasked sequences from documents of id arrays; deterministic for `seed`.

    Each sentence must be at most `seq_length - 3` (`- 2` without next sentence) ids long,
    which `tokenize_corpus` guarantees. Raises ValueError if next-sentence pairs are asked for
    with fewer than two documents.
    """
    # Plain lists of ints: much faster to slice and join in Python than numpy scalars.
    documents = [
        [s if isinstance(s, list) else np.asarray(s).tolist() for s in document]
        for document in tokenized_documents
        if len(document)
    ]
    if not documents:
        raise KerasBertError("The corpus has no tokens to build pretraining sequences from.")
    problem = next_sentence_problem(documents) if next_sentence else None
    if problem:
        raise KerasBertError(problem)
    rng = random.Random(seed)
    max_num_tokens = seq_length - (3 if next_sentence else 2)
    raw, truncated = [], 0
    single_sentence_documents = sum(1 for document in documents if len(document) == 1)
    progress = Progbar(dupe_factor * len(documents), unit_name="document") if verbose else None
    for dupe in range(dupe_factor):
        if progress:
            progress.update(dupe * len(documents))
        for document_index in range(len(documents)):
            if next_sentence and len(documents[document_index]) == 1:
                continue  # no pair inside it: it serves as a random next segment only
            if next_sentence:
                truncated += _pair_instances_from_document(
                    documents, document_index, max_num_tokens, short_seq_prob, rng, raw
                )
            else:
                _packed_instances_from_document(
                    documents[document_index], max_num_tokens, short_seq_prob, rng, raw
                )
    if progress:
        progress.update(dupe_factor * len(documents))
    if shuffle:
        rng.shuffle(raw)

    count = len(raw)
    input_word_ids = np.full([count, seq_length], pad_id, np.int32)
    input_type_ids = np.zeros([count, seq_length], np.int32)
    lengths = np.zeros([count], np.int32)
    labels = np.zeros([count], np.int32) if next_sentence else None
    for row, (tokens_a, tokens_b, is_random_next) in enumerate(raw):
        if next_sentence:
            tokens = [cls_id, *tokens_a, sep_id, *tokens_b, sep_id]
            input_type_ids[row, len(tokens_a) + 2 : len(tokens)] = 1
            labels[row] = is_random_next
        else:
            tokens = [cls_id, *tokens_a, sep_id]
        input_word_ids[row, : len(tokens)] = tokens
        lengths[row] = len(tokens)
    return SequenceInstances(
        input_word_ids,
        input_type_ids,
        lengths,
        labels,
        truncated,
        single_sentence_documents if next_sentence else 0,
    )
