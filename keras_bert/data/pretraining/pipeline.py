"""Corpus → `(x, y)` pretraining batches: the entry points the trainer and the CLI call.

`build_sequence_instances` does the expensive part once (read, tokenise, pair or pack);
`pretraining_dataset` serves the result as tf.data, masking either once (static) or afresh
every epoch inside the pipeline (dynamic); `write_pretraining_tfrecords` stores static masked
instances as shards for `read_pretraining_tfrecords`, streaming the corpus a bounded chunk at
a time (`streaming.py`), so it prepares corpora larger than memory.
"""

import dataclasses

import numpy as np
import tensorflow as tf
from keras.utils import Progbar

from keras_bert.data.pretraining.corpus import Corpus, CorpusStats, read_corpus
from keras_bert.data.pretraining.instances import create_sequence_instances, next_sentence_problem
from keras_bert.data.pretraining.masking import MaskedLMMasker
from keras_bert.data.pretraining.settings import mask_cap_note, validate_pretraining_settings
from keras_bert.data.pretraining.shards import ShardSet, read_manifest
from keras_bert.data.pretraining.streaming import (
    StreamTotals,
    default_chunk_characters,
    document_chunks,
    shards_spanned,
)
from keras_bert.data.pretraining.tfrecords import serialized_examples
from keras_bert.data.pretraining.tokenized import tokenize_corpus
from keras_bert.errors import KerasBertError

MODES = ("dynamic", "static")
# Instances masked per TF call when masks are drawn once (static mode).
_STATIC_MASK_BATCH = 512


@dataclasses.dataclass
class PreparedSequences:
    """Unmasked sequences ready for masking, plus the report of how they were made."""

    instances: object  # SequenceInstances
    next_sentence: bool
    report: list  # lines: corpus, tokenisation and instance counts
    tokenized: object = None  # the TokenizedCorpus the instances were built from

    def print_report(self):
        for line in self.report:
            print(line)


def _as_corpus(corpus, layout, utf8_errors):
    if isinstance(corpus, Corpus):
        return corpus
    return read_corpus(corpus, layout=layout, utf8_errors=utf8_errors)


def build_sequence_instances(
    corpus,
    tokenizer,
    seq_length,
    next_sentence=True,
    short_seq_prob=0.1,
    dupe_factor=1,
    seed=0,
    layout="auto",
    utf8_errors="strict",
    mlm_only_fallback=False,
    verbose=1,
):
    """Read (paths or a `Corpus`), tokenise and build unmasked sequences; see `instances.py`.

    With `mlm_only_fallback=True`, a corpus of a single document falls back to masked-LM only
    (reported) instead of raising the "NSP needs at least 2 documents" error.
    """
    corpus = _as_corpus(corpus, layout, utf8_errors)
    report = [f"corpus: {corpus.stats.summary()}"]
    max_sentence_tokens = seq_length - (3 if next_sentence else 2)
    tokenized = tokenize_corpus(corpus, tokenizer, max_sentence_tokens, verbose=verbose)
    report.append(f"tokenised: {tokenized.summary()}")
    if not tokenized.documents:
        raise KerasBertError("The corpus is empty after tokenisation: no sentence produced any token.")
    problem = next_sentence_problem(tokenized.documents) if next_sentence else None
    if problem and mlm_only_fallback:
        next_sentence = False
        report.append(f"falling back to masked-LM only: {problem.split(';')[0]}")
    instances = create_sequence_instances(
        tokenized.documents,
        seq_length,
        cls_id=int(tokenizer.cls_id),
        sep_id=int(tokenizer.sep_id),
        pad_id=int(tokenizer.pad_id),
        next_sentence=next_sentence,
        short_seq_prob=short_seq_prob,
        dupe_factor=dupe_factor,
        seed=seed,
        verbose=verbose,
    )
    report.append(f"instances: {instances.summary()} (dupe factor {dupe_factor})")
    return PreparedSequences(instances, next_sentence, report, tokenized)


def _input_mask(lengths, seq_length):
    return tf.cast(tf.range(seq_length)[tf.newaxis, :] < lengths[:, tf.newaxis], tf.int32)


def _to_example(masked, input_type_ids, lengths, labels, seq_length):
    x = {
        "input_word_ids": masked["input_word_ids"],
        "input_mask": _input_mask(lengths, seq_length),
        "input_type_ids": input_type_ids,
        "masked_lm_positions": masked["masked_lm_positions"],
    }
    y = {"masked_lm_ids": masked["masked_lm_ids"], "masked_lm_weights": masked["masked_lm_weights"]}
    if labels is not None:
        y["next_sentence_labels"] = labels
    return x, y


def mask_instances(prepared, masker, seed=0, verbose=1):
    """Mask every sequence once (static mode): a dict of numpy arrays, the TFRecord features."""
    instances = prepared.instances
    count, seq_length = instances.input_word_ids.shape
    parts = []
    progress = Progbar(count, unit_name="instance") if verbose else None
    for batch_index, start in enumerate(range(0, count, _STATIC_MASK_BATCH)):
        stop = min(count, start + _STATIC_MASK_BATCH)
        lengths = tf.constant(instances.lengths[start:stop])
        masked = masker(instances.input_word_ids[start:stop], lengths, tf.constant([seed, batch_index], tf.int64))
        labels = None
        if prepared.next_sentence:
            labels = tf.constant(instances.next_sentence_labels[start:stop])
        x, y = _to_example(masked, tf.constant(instances.input_type_ids[start:stop]), lengths, labels, seq_length)
        parts.append({name: value.numpy() for name, value in {**x, **y}.items()})
        if progress:
            progress.update(stop)
    return {name: np.concatenate([part[name] for part in parts]) for name in parts[0]}


def split_features(features):
    """A flat dict of masked features → the contract's `(x, y)` pair of dicts."""
    x_names = ("input_word_ids", "input_mask", "input_type_ids", "masked_lm_positions")
    x = {name: features[name] for name in x_names}
    y = {name: features[name] for name in features if name not in x_names}
    return x, y


def _prepare_sequences_and_masker(
    corpus, tokenizer, seq_length, max_predictions, next_sentence, whole_word_masking,
    masked_lm_prob, short_seq_prob, dupe_factor, seed, max_position_embeddings, layout,
    utf8_errors, mlm_only_fallback, verbose,
):
    """What both modes share: check the settings, build the sequences (reporting the counts),
    and the masker that draws the masked-LM predictions."""
    validate_pretraining_settings(
        seq_length, max_predictions, masked_lm_prob, short_seq_prob, dupe_factor, max_position_embeddings
    )
    prepared = build_sequence_instances(
        corpus,
        tokenizer,
        seq_length,
        next_sentence=next_sentence,
        short_seq_prob=short_seq_prob,
        dupe_factor=dupe_factor,
        seed=seed,
        layout=layout,
        utf8_errors=utf8_errors,
        mlm_only_fallback=mlm_only_fallback,
        verbose=verbose,
    )
    if verbose:
        prepared.print_report()
        note = mask_cap_note(seq_length, max_predictions, masked_lm_prob)
        if note:
            print(f"Note: {note}")
    masker = MaskedLMMasker.from_tokenizer(
        tokenizer, max_predictions, masked_lm_prob=masked_lm_prob, whole_word_masking=whole_word_masking
    )
    return prepared, masker


def pretraining_dataset(
    corpus,
    tokenizer,
    seq_length,
    batch_size,
    max_predictions,
    mode="dynamic",
    next_sentence=True,
    whole_word_masking=False,
    masked_lm_prob=0.15,
    short_seq_prob=0.1,
    dupe_factor=1,
    seed=0,
    max_position_embeddings=512,
    layout="auto",
    utf8_errors="strict",
    mlm_only_fallback=False,
    shuffle=True,
    drop_remainder=False,
    verbose=1,
):
    """A batched, prefetched `tf.data.Dataset` of `(x, y)` pretraining examples from raw text.

    `corpus`: corpus file path(s) / directories, or a `Corpus`. `mode="dynamic"` draws new
    masks every time the dataset is iterated (each epoch, each `repeat()`), deterministically
    for `seed`; `mode="static"` masks once (`dupe_factor` differently-masked copies) and serves
    the same masks every epoch. `y` has no `next_sentence_labels` when `next_sentence=False`
    (or after an `mlm_only_fallback`). Iterating reshuffles each epoch when `shuffle`.
    """
    if mode not in MODES:
        raise KerasBertError(f"Unknown pretraining data mode {mode!r}; use one of {', '.join(MODES)}.")
    if not isinstance(batch_size, int) or batch_size <= 0:
        raise KerasBertError(f"batch_size must be a positive integer, got {batch_size!r}.")
    prepared, masker = _prepare_sequences_and_masker(
        corpus, tokenizer, seq_length, max_predictions, next_sentence, whole_word_masking,
        masked_lm_prob, short_seq_prob, dupe_factor, seed, max_position_embeddings, layout,
        utf8_errors, mlm_only_fallback, verbose,
    )
    if drop_remainder and len(prepared.instances) < batch_size:
        raise KerasBertError(
            f"The corpus gives {len(prepared.instances)} sequences, fewer than one batch of {batch_size}; "
            "use a smaller batch size or more text."
        )
    if mode == "static":
        features = mask_instances(prepared, masker, seed=seed, verbose=verbose)
        dataset = tf.data.Dataset.from_tensor_slices(split_features(features))
        if shuffle:
            dataset = dataset.shuffle(len(features["input_word_ids"]), seed=seed, reshuffle_each_iteration=True)
        dataset = dataset.batch(batch_size, drop_remainder=drop_remainder)
        return dataset.prefetch(tf.data.AUTOTUNE)
    return dynamic_masking_dataset(prepared, masker, batch_size, seed=seed, shuffle=shuffle, drop_remainder=drop_remainder)


def dynamic_masking_dataset(prepared, masker, batch_size, seed=0, shuffle=True, drop_remainder=False):
    """Serve prepared sequences with masks redrawn on every iteration (stateless, seeded)."""
    instances = prepared.instances
    seq_length = instances.input_word_ids.shape[1]
    columns = {
        "input_word_ids": instances.input_word_ids,
        "input_type_ids": instances.input_type_ids,
        "lengths": instances.lengths,
    }
    if prepared.next_sentence:
        columns["next_sentence_labels"] = instances.next_sentence_labels
    dataset = tf.data.Dataset.from_tensor_slices(columns)
    if shuffle:
        dataset = dataset.shuffle(len(instances), seed=seed, reshuffle_each_iteration=True)
    dataset = dataset.batch(batch_size, drop_remainder=drop_remainder)
    # One stateless seed per batch; a new sequence of them on every iteration of the dataset.
    seeds = tf.data.Dataset.random(seed=seed, rerandomize_each_iteration=True).batch(2)

    def mask(batch, batch_seed):
        masked = masker(batch["input_word_ids"], batch["lengths"], batch_seed)
        return _to_example(
            masked, batch["input_type_ids"], batch["lengths"], batch.get("next_sentence_labels"), seq_length
        )

    dataset = tf.data.Dataset.zip((dataset, seeds))
    return dataset.map(mask, num_parallel_calls=tf.data.AUTOTUNE, deterministic=True).prefetch(tf.data.AUTOTUNE)


def write_pretraining_tfrecords(
    corpus,
    tokenizer,
    out_dir,
    seq_length,
    max_predictions,
    num_shards=1,
    next_sentence=True,
    whole_word_masking=False,
    masked_lm_prob=0.15,
    short_seq_prob=0.1,
    dupe_factor=10,
    seed=12345,
    max_position_embeddings=512,
    layout="auto",
    utf8_errors="strict",
    mlm_only_fallback=False,
    verbose=1,
    chunk_characters=None,
):
    """Static mode: mask `dupe_factor` copies once and write `num_shards` TFRecord files.

    Streams: the corpus is read lazily and turned into instances a chunk of whole documents
    (about `chunk_characters` of text; default `streaming.default_chunk_characters`) at a
    time, so memory stays bounded whatever the corpus size (`streaming.py` says what differs
    from Google's all-in-memory script). Also writes `pretraining_data.json` (settings,
    counts, each shard's records and bytes) to `out_dir`, after the last shard. Returns that
    summary as a dict, with the shard paths under "files". A killed run leaves no shard under
    its final name (`shards.ShardSet`).
    """
    if isinstance(num_shards, bool) or not isinstance(num_shards, int) or num_shards <= 0:
        raise KerasBertError(f"The number of shards must be a positive integer, got {num_shards!r}.")
    validate_pretraining_settings(
        seq_length, max_predictions, masked_lm_prob, short_seq_prob, dupe_factor, max_position_embeddings
    )
    masker = MaskedLMMasker.from_tokenizer(
        tokenizer, max_predictions, masked_lm_prob=masked_lm_prob, whole_word_masking=whole_word_masking
    )
    chunk_characters = chunk_characters or default_chunk_characters(dupe_factor)
    stats = corpus.stats if isinstance(corpus, Corpus) else CorpusStats()
    chunks = document_chunks(corpus, chunk_characters, layout=layout, utf8_errors=utf8_errors, stats=stats)
    totals, fallback = StreamTotals(), None
    progress = Progbar(100, unit_name="% of the corpus") if verbose else None
    with ShardSet(out_dir, num_shards) as shards:
        for index, (documents, start, end) in enumerate(chunks):
            # Chunk 0 uses `seed` itself: a corpus of one chunk gives what it always gave.
            chunk_seed = seed + 1_000_003 * index
            try:
                prepared = build_sequence_instances(
                    Corpus(documents), tokenizer, seq_length, next_sentence=next_sentence,
                    short_seq_prob=short_seq_prob, dupe_factor=dupe_factor, seed=chunk_seed,
                    mlm_only_fallback=mlm_only_fallback and index == 0, verbose=0,
                )
            except KerasBertError as error:
                if index == 0:
                    raise
                # A later chunk (every document one sentence, or no tokens): the rest stands.
                totals.skipped_chunks.append((len(documents), str(error).split(";")[0]))
                continue
            if index == 0 and prepared.next_sentence != next_sentence:
                next_sentence = False  # the masked-LM-only fallback holds for the whole corpus
                fallback = next(line for line in prepared.report if line.startswith("falling back"))
            features = mask_instances(prepared, masker, seed=chunk_seed, verbose=0)
            spanned = shards_spanned(start, end, num_shards)
            for row, record in enumerate(serialized_examples(features)):
                shards.write(spanned[row % len(spanned)], record)
            totals.add(prepared, features)
            if progress:
                progress.update(round(100 * end))
        if not totals.chunks:
            raise KerasBertError("The corpus is empty: no document gave a pretraining instance.")
        if min(shards.records) == 0:
            raise KerasBertError(
                f"Cannot spread {totals.sequences} instances over {num_shards} shards; use fewer shards."
            )
        report = totals.report(stats.summary(), next_sentence, dupe_factor, chunk_characters, fallback)
        if verbose:
            for line in report:
                print(line)
            note = mask_cap_note(seq_length, max_predictions, masked_lm_prob)
            if note:
                print(f"Note: {note}")
        settings = {
            "instances": totals.sequences,
            "masked_tokens": totals.masked_tokens,
            "seq_length": seq_length,
            "max_predictions": max_predictions,
            "next_sentence": next_sentence,
            "whole_word_masking": whole_word_masking,
            "masked_lm_prob": masked_lm_prob,
            "short_seq_prob": short_seq_prob,
            "dupe_factor": dupe_factor,
            "seed": seed,
            "vocab_size": int(tokenizer.vocab_size),
            "lowercase": bool(getattr(tokenizer, "lowercase", True)),
            "report": report,
        }
        # The manifest is written after the last shard: a folder that has it is complete.
        shards.commit(settings)
    summary = read_manifest(out_dir)
    summary["files"] = shards.paths
    return summary
