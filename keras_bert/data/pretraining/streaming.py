"""A corpus as bounded chunks of whole documents, so `keras-bert prepare` streams any size.

Google's `create_pretraining_data.py` holds every document in memory, draws each random "next"
segment from any document of the corpus and shuffles all instances at once, so its memory
grows with the corpus (Google splits large corpora into files and runs it once per file).
Here documents are read lazily (`corpus.iter_documents`) and turned into instances a chunk of
about `chunk_characters` of text at a time, whole documents only; memory is bounded by two
chunks and the longest document. The differences, all local to a chunk:
- a random next segment comes from another document of the same chunk (thousands of
  documents, so still a random document; the actual next segment is unchanged);
- instances are shuffled within their chunk; the reader shuffles further (see below);
- a chunk is cut only once two are buffered, so the last one is never a small remainder, and
  a corpus smaller than two chunks is one chunk: exactly what the all-in-memory code made.

Where records go: the shards split the corpus into contiguous parts, as Google's one output
file per input file does. Shard k holds the instances of the k-th of `num_shards` equal parts
of the corpus (by bytes read); a chunk's instances go round-robin over the shards its text
spans (all of them, for a corpus of one chunk). The reader shuffles the order of the files
and interleaves several of them, so training mixes distant parts of the corpus: give a large
corpus many shards (one shard keeps the corpus order, up to the reader's shuffle buffer).
"""

import collections
import dataclasses
import itertools
import math
import os

from keras_bert.data.pretraining.corpus import Corpus, CorpusStats, expand_corpus_paths, iter_documents

# Characters of text per chunk at dupe factor 1 (a chunk is masked `dupe_factor` times, so it
# shrinks as the factor grows): about 1 M word pieces of English. A 1 GB corpus peaked 0.5 GB
# above the process's TensorFlow base with it (benchmarks/README.md).
CHUNK_CHARACTERS = 4_000_000
MIN_CHUNK_CHARACTERS = 200_000


def default_chunk_characters(dupe_factor):
    return max(MIN_CHUNK_CHARACTERS, CHUNK_CHARACTERS // max(1, dupe_factor))


def document_chunks(corpus, chunk_characters, layout="auto", utf8_errors="strict", stats=None):
    """Yield `(documents, start, end)`: whole documents of about `chunk_characters`, and the
    fractions of the corpus read before the chunk and at its end (progress, shard choice).

    `corpus`: file paths / directories (read lazily, counts into `stats`) or a `Corpus`.
    """
    if isinstance(corpus, Corpus):
        sizes = [sum(map(len, document)) for document in corpus.documents]
        total = sum(sizes) or 1
        positioned = zip(corpus.documents, itertools.accumulate(sizes))
    else:
        stats = stats if stats is not None else CorpusStats()
        files = expand_corpus_paths(corpus)
        total = sum(os.path.getsize(path) for path in files) or 1
        reader = iter_documents(files, layout=layout, utf8_errors=utf8_errors, stats=stats)
        positioned = ((document, stats.bytes_read) for document in reader)
    buffer, buffered, start = collections.deque(), 0, 0
    for document, position in positioned:
        size = sum(map(len, document))
        buffer.append((document, size, position))
        buffered += size
        if buffered >= 2 * chunk_characters:
            chunk, taken = [], 0
            while taken < chunk_characters:
                document, size, position = buffer.popleft()
                chunk.append(document)
                taken += size
            buffered -= taken
            yield chunk, start / total, min(1.0, position / total)
            start = position
    if buffer:
        yield [document for document, _, _ in buffer], start / total, 1.0


def shards_spanned(start, end, num_shards):
    """The shard indices whose parts of the corpus [k/n, (k+1)/n) meet [start, end)."""
    first = min(num_shards - 1, int(start * num_shards))
    last = max(first, min(num_shards - 1, math.ceil(end * num_shards) - 1))
    return range(first, last + 1)


@dataclasses.dataclass
class StreamTotals:
    """Counts summed over the chunks, for the report a single pass over the corpus gives."""

    chunks: int = 0
    documents: int = 0
    tokens: int = 0
    empty_sentences: int = 0
    long_sentences_split: int = 0
    sequences: int = 0
    sequence_tokens: int = 0
    random_next: int = 0
    tokens_truncated: int = 0
    random_next_only_documents: int = 0
    masked_tokens: int = 0
    skipped_chunks: list = dataclasses.field(default_factory=list)  # (documents, reason)

    def add(self, prepared, features):
        tokenized, instances = prepared.tokenized, prepared.instances
        self.chunks += 1
        self.documents += len(tokenized.documents)
        self.tokens += tokenized.tokens
        self.empty_sentences += tokenized.sentences_empty_after_tokenization
        self.long_sentences_split += tokenized.long_sentences_split
        self.sequences += len(instances)
        self.sequence_tokens += int(instances.lengths.sum())
        if instances.next_sentence_labels is not None:
            self.random_next += int(instances.next_sentence_labels.sum())
        self.tokens_truncated += instances.tokens_truncated
        self.random_next_only_documents += instances.random_next_only_documents
        self.masked_tokens += int(features["masked_lm_weights"].sum())

    def report(self, corpus_summary, next_sentence, dupe_factor, chunk_characters, fallback=None):
        lines = [
            f"corpus: {corpus_summary}",
            f"tokenised: {self.documents} documents, {self.tokens} word pieces; {self.empty_sentences} "
            f"sentences had no tokens left after tokenisation (skipped), {self.long_sentences_split} "
            "sentences longer than a sequence were split into sequence-sized pieces",
        ]
        if fallback:
            lines.append(fallback)
        instances = f"instances: {self.sequences} sequences, {self.sequence_tokens} tokens"
        if next_sentence and self.sequences:
            instances += (
                f", {100 * self.random_next / self.sequences:.1f}% random next, {self.tokens_truncated} "
                f"tokens cut by pair truncation, {self.random_next_only_documents} one-sentence "
                "documents used only as random next segments"
            )
        lines.append(f"{instances} (dupe factor {dupe_factor})")
        lines.append(
            f"streamed in {self.chunks} chunk(s) of about {chunk_characters:,} characters"
            + ("; random next segments come from the same chunk" if next_sentence and self.chunks > 1 else "")
        )
        for documents, reason in self.skipped_chunks:
            lines.append(f"skipped a chunk of {documents} documents that gave no instances: {reason}")
        return lines
