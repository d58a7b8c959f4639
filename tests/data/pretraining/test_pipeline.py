"""Corpus → tf.data `(x, y)`: the contract, dynamic vs static masks, TFRecord round trip, errors."""

import json

import numpy as np
import pytest
import tensorflow as tf

from keras_bert.data.pretraining import (
    build_sequence_instances,
    mask_instances,
    pretraining_dataset,
    read_pretraining_tfrecords,
    write_pretraining_tfrecords,
)

SEQ, BATCH, PREDICTIONS = 32, 4, 5


def collect(dataset):
    """All batches of one pass, concatenated per feature."""
    parts = [{**x, **y} for x, y in dataset]
    return {name: np.concatenate([part[name].numpy() for part in parts]) for name in parts[0]}


def rows(features):
    """Rows as sortable tuples, to compare datasets whose order differs."""
    names = sorted(features)
    return sorted(tuple(np.concatenate([np.ravel(features[n][i]) for n in names]).tolist()) for i in range(len(features[names[0]])))


def test_contract_shapes_and_dtypes(english_corpus, english_vocab, tokenizer_for):
    tokenizer = tokenizer_for(english_vocab)
    for mode in ("dynamic", "static"):
        dataset = pretraining_dataset(english_corpus, tokenizer, SEQ, BATCH, PREDICTIONS, mode=mode, verbose=0)
        x_spec, y_spec = dataset.element_spec
        assert {k: (v.shape.as_list(), v.dtype) for k, v in x_spec.items()} == {
            "input_word_ids": ([None, SEQ], tf.int32),
            "input_mask": ([None, SEQ], tf.int32),
            "input_type_ids": ([None, SEQ], tf.int32),
            "masked_lm_positions": ([None, PREDICTIONS], tf.int32),
        }
        assert {k: (v.shape.as_list(), v.dtype) for k, v in y_spec.items()} == {
            "masked_lm_ids": ([None, PREDICTIONS], tf.int32),
            "masked_lm_weights": ([None, PREDICTIONS], tf.float32),
            "next_sentence_labels": ([None], tf.int32),
        }
        features = collect(dataset)
        real = features["input_word_ids"] != tokenizer.pad_id
        np.testing.assert_array_equal(features["input_mask"], real.astype(np.int32))
        assert np.all(features["input_word_ids"][:, 0] == tokenizer.cls_id)
        assert set(np.unique(features["next_sentence_labels"])) == {0, 1}
        assert features["masked_lm_weights"].sum(axis=1).min() >= 1


def test_dynamic_masks_change_every_epoch_and_follow_the_seed(english_corpus, english_vocab, tokenizer_for):
    tokenizer = tokenizer_for(english_vocab)

    def two_epochs(seed):
        dataset = pretraining_dataset(
            english_corpus, tokenizer, SEQ, BATCH, PREDICTIONS, seed=seed, shuffle=False, verbose=0
        )
        return collect(dataset), collect(dataset)

    first, second = two_epochs(seed=3)
    # Same sequences (same pairs), different masks.
    np.testing.assert_array_equal(first["input_type_ids"], second["input_type_ids"])
    rows_differ = np.any(first["masked_lm_positions"] != second["masked_lm_positions"], axis=1)
    assert rows_differ.mean() > 0.8
    again_first, again_second = two_epochs(seed=3)
    for name in first:
        np.testing.assert_array_equal(first[name], again_first[name])
        np.testing.assert_array_equal(second[name], again_second[name])
    other_first, _ = two_epochs(seed=4)
    assert not np.array_equal(first["input_word_ids"], other_first["input_word_ids"])
    # `repeat()`, as a trainer uses it, also redraws the masks on every pass.
    dataset = pretraining_dataset(english_corpus, tokenizer, SEQ, BATCH, PREDICTIONS, seed=3, shuffle=False, verbose=0)
    repeated = collect(dataset.repeat(2))
    expected = np.concatenate([first["masked_lm_positions"], second["masked_lm_positions"]])
    np.testing.assert_array_equal(repeated["masked_lm_positions"], expected)


def test_static_masks_stay_and_dupe_factor_copies(english_corpus, english_vocab, tokenizer_for):
    tokenizer = tokenizer_for(english_vocab)
    once = pretraining_dataset(english_corpus, tokenizer, SEQ, BATCH, PREDICTIONS, mode="static", verbose=0)
    twice = pretraining_dataset(
        english_corpus, tokenizer, SEQ, BATCH, PREDICTIONS, mode="static", dupe_factor=2, verbose=0
    )
    assert rows(collect(once)) == rows(collect(once))  # reshuffled, same masked instances
    assert abs(len(collect(twice)["input_mask"]) - 2 * len(collect(once)["input_mask"])) < 0.2 * len(
        collect(once)["input_mask"]
    )


def test_mlm_only_and_whole_word_masking(english_corpus, english_vocab, tokenizer_for):
    tokenizer = tokenizer_for(english_vocab)
    dataset = pretraining_dataset(
        english_corpus, tokenizer, SEQ, BATCH, PREDICTIONS, next_sentence=False, whole_word_masking=True, verbose=0
    )
    x_spec, y_spec = dataset.element_spec
    assert "next_sentence_labels" not in y_spec
    features = collect(dataset)
    assert not features["input_type_ids"].any()
    assert np.all((features["input_word_ids"] == tokenizer.sep_id).sum(axis=1) == 1)
    # "unbelievable" is un ##believ ##able: masked all together or not at all.
    vocabulary = tokenizer.vocabulary
    for row in range(len(features["input_mask"])):
        chosen = set(features["masked_lm_positions"][row][features["masked_lm_weights"][row] > 0].tolist())
        ids = features["input_word_ids"][row]
        labels = dict(zip(features["masked_lm_positions"][row].tolist(), features["masked_lm_ids"][row].tolist()))
        original = [labels.get(p, int(t)) if p in chosen else int(t) for p, t in enumerate(ids)]
        for p, token in enumerate(original):
            if vocabulary[token] == "un" and p + 2 < len(original) and vocabulary[original[p + 1]] == "##believ":
                assert len({p in chosen, p + 1 in chosen, p + 2 in chosen}) == 1


def test_chinese_corpus(chinese_corpus, chinese_vocab, tokenizer_for):
    tokenizer = tokenizer_for(chinese_vocab)
    features = collect(pretraining_dataset(chinese_corpus, tokenizer, SEQ, BATCH, PREDICTIONS, verbose=0))
    vocabulary = tokenizer.vocabulary
    text = "".join(vocabulary[i] for i in features["masked_lm_ids"][features["masked_lm_weights"] > 0])
    assert text and all(len(char) == 1 for char in text)  # one character per CJK token
    assert tokenizer.unk_id not in features["masked_lm_ids"]
    assert 0 < features["next_sentence_labels"].mean() < 1


def test_tfrecord_round_trip_equals_in_memory_instances(tmp_path, english_corpus, english_vocab, tokenizer_for):
    tokenizer = tokenizer_for(english_vocab)
    settings = dict(seq_length=SEQ, max_predictions=PREDICTIONS, dupe_factor=2, seed=9, verbose=0)
    summary = write_pretraining_tfrecords(english_corpus, tokenizer, tmp_path / "out", num_shards=3, **settings)
    assert len(summary["files"]) == 3
    written = json.loads((tmp_path / "out" / "pretraining_data.json").read_text())
    assert written["instances"] == summary["instances"] and written["next_sentence"] is True
    prepared = build_sequence_instances(english_corpus, tokenizer, SEQ, dupe_factor=2, seed=9, verbose=0)
    from keras_bert.data.pretraining import MaskedLMMasker

    in_memory = mask_instances(prepared, MaskedLMMasker.from_tokenizer(tokenizer, PREDICTIONS), seed=9, verbose=0)
    read_back = collect(read_pretraining_tfrecords(tmp_path / "out", batch_size=7, shuffle=False))
    assert read_back["input_word_ids"].dtype == np.int32 and read_back["masked_lm_weights"].dtype == np.float32
    assert len(read_back["input_mask"]) == summary["instances"]
    assert rows(read_back) == rows(in_memory)
    # Rewriting the same shards is fine; mixing with shards of another run is refused.
    write_pretraining_tfrecords(english_corpus, tokenizer, tmp_path / "out", num_shards=3, **settings)
    with pytest.raises(ValueError, match="already holds other TFRecord files"):
        write_pretraining_tfrecords(english_corpus, tokenizer, tmp_path / "out", num_shards=2, **settings)


def test_reads_google_feature_names(tmp_path):
    path = tmp_path / "google.tfrecord"
    with tf.io.TFRecordWriter(str(path)) as writer:
        ints = lambda v: tf.train.Feature(int64_list=tf.train.Int64List(value=v))  # noqa: E731
        feature = {
            "input_ids": ints([101, 103, 102, 0]),
            "input_mask": ints([1, 1, 1, 0]),
            "segment_ids": ints([0, 0, 0, 0]),
            "masked_lm_positions": ints([1, 0]),
            "masked_lm_ids": ints([2000, 0]),
            "masked_lm_weights": tf.train.Feature(float_list=tf.train.FloatList(value=[1.0, 0.0])),
            "next_sentence_labels": ints([1]),
        }
        writer.write(tf.train.Example(features=tf.train.Features(feature=feature)).SerializeToString())
    x, y = next(iter(read_pretraining_tfrecords(path, batch_size=1, shuffle=False)))
    assert x["input_word_ids"].numpy().tolist() == [[101, 103, 102, 0]]
    assert x["input_type_ids"].dtype == tf.int32 and y["next_sentence_labels"].numpy().tolist() == [1]


def test_bad_input_messages(tmp_path, english_corpus, english_vocab, tokenizer_for):
    tokenizer = tokenizer_for(english_vocab)
    one_document = tmp_path / "one.txt"
    one_document.write_text("The cat sat.\nThe dog ran.\nThe sun was big.\n", encoding="utf-8")

    def build(corpus=english_corpus, **kwargs):
        settings = dict(seq_length=SEQ, batch_size=BATCH, max_predictions=PREDICTIONS, verbose=0)
        settings.update(kwargs)
        return pretraining_dataset(corpus, tokenizer, **settings)

    with pytest.raises(ValueError, match="needs at least 2 documents.*--no-next-sentence"):
        build(one_document, layout="google")
    fallback = build(one_document, layout="google", mlm_only_fallback=True)
    assert "next_sentence_labels" not in fallback.element_spec[1]
    with pytest.raises(ValueError, match="seq_length 600 exceeds the model's max_position_embeddings 512"):
        build(seq_length=600)
    with pytest.raises(ValueError, match="seq_length must be an integer >= 5"):
        build(seq_length=4)
    for rate in (0.0, 1.0, 1.5):
        with pytest.raises(ValueError, match=r"masked_lm_prob \(the mask rate\) must be in \(0, 1\)"):
            build(masked_lm_prob=rate)
    with pytest.raises(ValueError, match="max_predictions must be a positive integer"):
        build(max_predictions=0)
    with pytest.raises(FileNotFoundError, match="Corpus file not found: .*missing.txt"):
        build(tmp_path / "missing.txt")
    with pytest.raises(ValueError, match="Unknown pretraining data mode"):
        build(mode="fast")
    with pytest.raises(ValueError, match="fewer than one batch of 10000"):
        build(batch_size=10000, drop_remainder=True)
    with pytest.raises(FileNotFoundError, match="No .tfrecord files"):
        read_pretraining_tfrecords(tmp_path, batch_size=2)
