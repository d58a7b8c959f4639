"""`keras-bert prepare` streams: the corpus is read lazily, a bounded chunk of whole documents
at a time, memory does not grow with the corpus, shards hold contiguous parts of it, and the
training reader interleaves them."""

import random
import tracemalloc

import numpy as np

from keras_bert.data.pretraining.corpus import CorpusStats, iter_documents, read_corpus
from keras_bert.data.pretraining.pipeline import write_pretraining_tfrecords
from keras_bert.data.pretraining.streaming import document_chunks, shards_spanned
from keras_bert.data.pretraining.tfrecords import read_pretraining_tfrecords, save_instances_as_tfrecords

# The words of the `english_vocab` fixture's vocabulary (tests/data/pretraining/conftest.py).
ENGLISH_WORDS = (
    "the a cat dog sat on mat ran fast slow big small house tree river sun moon walked "
    "looked saw it was and then he she they we home garden park city road play played "
    "happy sad red blue green day night morning evening quiet loud bird fish water"
).split()


def _write_corpus(path, documents, rng, words=ENGLISH_WORDS):
    """`documents` Google-layout documents of 3-8 sentences drawn from `words`."""
    with open(path, "w", encoding="utf-8") as file:
        for _ in range(documents):
            sentences = [" ".join(rng.choice(words) for _ in range(rng.randint(4, 12))) + "." for _ in range(rng.randint(3, 8))]
            file.write("\n".join(sentences) + "\n\n")
    return path


def _peak_bytes(function):
    tracemalloc.start()
    try:
        function()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_the_reader_is_lazy_and_its_memory_does_not_grow_with_the_corpus(tmp_path):
    small = _write_corpus(tmp_path / "small.txt", 2_000, random.Random(0))
    large = _write_corpus(tmp_path / "large.txt", 8_000, random.Random(1))
    assert large.stat().st_size > 3.5 * small.stat().st_size

    stats = CorpusStats()
    documents = iter_documents(large, stats=stats)
    first = next(documents)
    assert first and stats.documents == 1 and stats.bytes_read < large.stat().st_size / 100

    def drain(path):
        for _ in iter_documents(path):
            pass

    small_peak, large_peak = _peak_bytes(lambda: drain(small)), _peak_bytes(lambda: drain(large))
    assert large_peak < 1.5 * small_peak + 100_000, (small_peak, large_peak)
    # The lazy reader and the list reader agree on every document.
    assert list(iter_documents(small)) == read_corpus(small).documents


def test_chunks_hold_whole_documents_within_the_budget_and_cover_the_corpus(tmp_path):
    path = _write_corpus(tmp_path / "c.txt", 300, random.Random(2))
    budget = 5_000
    chunks = list(document_chunks([path], budget, stats=CorpusStats()))
    assert len(chunks) > 5
    assert [d for documents, _, _ in chunks for d in documents] == read_corpus(path).documents
    longest = max(sum(map(len, d)) for d in read_corpus(path).documents)
    sizes = [sum(len(s) for d in documents for s in d) for documents, _, _ in chunks]
    assert all(budget <= size < budget + longest for size in sizes[:-1])
    assert sizes[-1] < 2 * budget + longest  # never a small remainder: the tail joins the last
    assert sizes[-1] >= budget
    starts, ends = [c[1] for c in chunks], [c[2] for c in chunks]
    assert starts[0] == 0 and ends[-1] == 1.0 and starts[1:] == ends[:-1] and ends == sorted(ends)


def test_shards_spanned_divide_the_corpus_into_contiguous_parts():
    assert list(shards_spanned(0.0, 1.0, 4)) == [0, 1, 2, 3]  # a corpus of one chunk: all
    assert list(shards_spanned(0.0, 0.1, 4)) == [0]
    assert list(shards_spanned(0.2, 0.3, 4)) == [0, 1]
    assert list(shards_spanned(0.5, 0.75, 4)) == [2]
    assert list(shards_spanned(0.9, 1.0, 4)) == [3]
    assert list(shards_spanned(0.3, 0.4, 1)) == [0]


def test_a_corpus_of_many_chunks_streams_into_shards_by_region(tmp_path, english_vocab, tokenizer_for):
    rng = random.Random(3)
    first_words, second_words = ENGLISH_WORDS[: len(ENGLISH_WORDS) // 2], ENGLISH_WORDS[len(ENGLISH_WORDS) // 2 :]
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    _write_corpus(corpus / "a.txt", 150, rng, first_words)
    _write_corpus(corpus / "b.txt", 150, rng, second_words)
    tokenizer = tokenizer_for(english_vocab)
    summary = write_pretraining_tfrecords(
        [corpus], tokenizer, tmp_path / "out", seq_length=32, max_predictions=5, num_shards=2,
        dupe_factor=2, seed=1, verbose=0, chunk_characters=3_000,
    )
    assert any(line.startswith("streamed in ") and "chunk(s)" in line for line in summary["report"])
    chunks = int(next(line for line in summary["report"] if line.startswith("streamed in ")).split()[2])
    assert chunks > 5
    vocabulary = tokenizer.vocabulary
    ids = {word: vocabulary.index(word) for word in ENGLISH_WORDS}
    first_ids, second_ids = {ids[w] for w in first_words}, {ids[w] for w in second_words}
    shares = []
    for path in summary["files"]:
        words = np.concatenate([x["input_word_ids"].numpy().ravel() for x, _ in read_pretraining_tfrecords(path, 64, shuffle=False)])
        from_first = np.isin(words, list(first_ids)).sum()
        shares.append(from_first / (from_first + np.isin(words, list(second_ids)).sum()))
    # Shard 0 holds the first file's text, shard 1 the second's (a chunk across the middle may
    # put a few of one in the other; masking puts random words anywhere).
    assert shares[0] > 0.85 and shares[1] < 0.15, shares
    labels = np.concatenate([y["next_sentence_labels"].numpy() for _, y in read_pretraining_tfrecords(summary["files"], 64)])
    assert len(labels) == summary["instances"] and 0.4 < labels.mean() < 0.6


def test_prepare_memory_does_not_grow_with_the_corpus(tmp_path, english_vocab, tokenizer_for):
    tokenizer = tokenizer_for(english_vocab)
    rng = random.Random(4)
    small = _write_corpus(tmp_path / "small.txt", 300, rng)
    large = _write_corpus(tmp_path / "large.txt", 2400, rng)
    settings = dict(seq_length=32, max_predictions=5, dupe_factor=1, verbose=0, chunk_characters=10_000)
    write_pretraining_tfrecords([small], tokenizer, tmp_path / "warm-up", **settings)  # traces the TF functions

    def peak(path, out):
        return _peak_bytes(lambda: write_pretraining_tfrecords([path], tokenizer, tmp_path / out, **settings))

    small_peak, large_peak = peak(small, "small"), peak(large, "large")
    assert large.stat().st_size > 7 * small.stat().st_size
    # Peaks vary with the size of the largest chunk (up to twice the budget), not the corpus.
    assert large_peak < 1.5 * small_peak, (small_peak, large_peak)


def test_the_training_reader_interleaves_the_shards(tmp_path):
    count, seq = 30, 8
    rows = np.arange(count)
    instances = {
        "input_word_ids": np.repeat(rows[:, None], seq, axis=1),  # each record names its row
        "input_mask": np.ones((count, seq), np.int64),
        "input_type_ids": np.zeros((count, seq), np.int64),
        "masked_lm_positions": np.ones((count, 1), np.int64),
        "masked_lm_ids": np.ones((count, 1), np.int64),
        "masked_lm_weights": np.ones((count, 1), np.float32),
    }
    save_instances_as_tfrecords(instances, tmp_path, num_shards=3, verbose=0)  # row r -> shard r % 3
    dataset = read_pretraining_tfrecords(tmp_path, batch_size=count, shuffle=False)
    order = next(iter(dataset))[0]["input_word_ids"].numpy()[:, 0]
    assert sorted(order.tolist()) == rows.tolist()
    # Read one shard after another, the first 10 records would all come from shard 0.
    assert order[:6].tolist() == [0, 1, 2, 3, 4, 5], order


def test_a_later_chunk_without_pairs_is_skipped_and_reported(tmp_path, english_vocab, tokenizer_for):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    _write_corpus(corpus / "a.txt", 60, random.Random(5))
    rng = random.Random(6)  # then one sentence per line: documents that hold no pair
    (corpus / "b.txt").write_text(
        "".join(" ".join(rng.choice(ENGLISH_WORDS) for _ in range(8)) + ".\n" for _ in range(400)), encoding="utf-8"
    )
    summary = write_pretraining_tfrecords(
        [corpus], tokenizer_for(english_vocab), tmp_path / "out", seq_length=32, max_predictions=5,
        dupe_factor=1, verbose=0, chunk_characters=4_000,
    )
    skipped = [line for line in summary["report"] if line.startswith("skipped a chunk of")]
    assert skipped and "single sentence" in skipped[0]
    assert summary["instances"] > 0 and summary["next_sentence"]
