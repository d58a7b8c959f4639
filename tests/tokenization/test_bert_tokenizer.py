"""BertTokenizer as a TensorFlow citizen (eager, tf.function, tf.data, SavedModel) and on bad
input (empty, invalid UTF-8, very long, vocabularies without special tokens)."""

import numpy as np
import pytest
import tensorflow as tf

from keras_bert.tokenization import BertTokenizer, write_vocabulary
from conftest import TINY_VOCAB


def _ids(tokenizer, *tokens):
    vocabulary = tokenizer.vocabulary
    return [vocabulary.index(token) for token in tokens]


def test_special_ids_and_attributes(tiny_tokenizer, tmp_path):
    assert (tiny_tokenizer.pad_id, tiny_tokenizer.unk_id, tiny_tokenizer.cls_id,
            tiny_tokenizer.sep_id, tiny_tokenizer.mask_id) == (0, 1, 2, 3, 4)
    assert tiny_tokenizer.vocab_size == len(TINY_VOCAB)
    assert tiny_tokenizer.vocabulary == TINY_VOCAB
    assert tiny_tokenizer.lowercase is True
    # Keras serialisation: the settings in the config, the vocabulary as an asset file.
    assert tiny_tokenizer.get_config()["vocabulary"] is None
    rebuilt = BertTokenizer.from_config(tiny_tokenizer.get_config())
    tiny_tokenizer.save_assets(str(tmp_path))
    rebuilt.load_assets(str(tmp_path))
    assert rebuilt.vocabulary == TINY_VOCAB and rebuilt.lowercase is True


def test_tokenize_single_string_list_and_tensor(tiny_tokenizer):
    single = tiny_tokenizer.tokenize("The cat sat.")
    assert isinstance(single, tf.Tensor) and single.dtype == tf.int32
    assert single.numpy().tolist() == _ids(tiny_tokenizer, "the", "cat", "sat", ".")
    batch = tiny_tokenizer.tokenize(["The cat", "unwanted running", ""])
    assert isinstance(batch, tf.RaggedTensor) and batch.dtype == tf.int32
    assert batch.to_list() == [
        _ids(tiny_tokenizer, "the", "cat"),
        _ids(tiny_tokenizer, "un", "##want", "##ed", "runn", "##ing"),
        [],
    ]
    as_tensor = tiny_tokenizer.tokenize(tf.constant(["The cat", "unwanted running", ""]))
    assert as_tensor.to_list() == batch.to_list()
    strings = tiny_tokenizer.tokenize_to_strings("unwanted, dog!")
    assert strings.numpy().tolist() == [b"un", b"##want", b"##ed", b",", b"[UNK]", b"!"]


def test_encode_single_and_pairs(tiny_tokenizer):
    features = tiny_tokenizer.encode(["the cat", ""], seq_length=6)
    assert set(features) == {"input_word_ids", "input_mask", "input_type_ids"}
    assert all(value.dtype == tf.int32 and value.shape == (2, 6) for value in features.values())
    the, cat, sat = _ids(tiny_tokenizer, "the", "cat", "sat")
    assert features["input_word_ids"].numpy().tolist() == [[2, the, cat, 3, 0, 0], [2, 3, 0, 0, 0, 0]]
    assert features["input_mask"].numpy().tolist() == [[1, 1, 1, 1, 0, 0], [1, 1, 0, 0, 0, 0]]
    assert features["input_type_ids"].numpy().tolist() == [[0] * 6, [0] * 6]

    pairs = tiny_tokenizer.encode(["the cat"], ["sat"], seq_length=7)
    assert pairs["input_word_ids"].numpy().tolist() == [[2, the, cat, 3, sat, 3, 0]]
    assert pairs["input_type_ids"].numpy().tolist() == [[0, 0, 0, 0, 1, 1, 0]]
    assert pairs["input_mask"].numpy().tolist() == [[1, 1, 1, 1, 1, 1, 0]]

    one = tiny_tokenizer.encode("the cat", seq_length=6)
    assert one["input_word_ids"].shape == (6,)


def test_truncation_is_reported(tiny_tokenizer):
    texts = ["the cat sat the cat sat", "the", "   "]
    features, truncated = tiny_tokenizer.encode(texts, seq_length=5, return_truncated=True)
    assert truncated.numpy().tolist() == [True, False, False]
    assert features["input_word_ids"].numpy()[0].tolist()[-1] == tiny_tokenizer.sep_id
    assert tiny_tokenizer.count_truncated(texts, seq_length=5) == 1
    assert tiny_tokenizer.count_truncated(texts, seq_length=128) == 0
    # Pairs: Google's longest-first; the longer first text loses tokens, the second keeps its own.
    features, truncated = tiny_tokenizer.encode(
        ["the cat sat the cat sat"], ["cat"], seq_length=7, return_truncated=True
    )
    the, cat, sat = _ids(tiny_tokenizer, "the", "cat", "sat")
    assert features["input_word_ids"].numpy().tolist() == [[2, the, cat, sat, 3, cat, 3]]
    assert truncated.numpy().tolist() == [True]


def test_empty_and_whitespace_only_texts(tiny_tokenizer):
    features = tiny_tokenizer.encode(["", "  \t\n ", "\u3000\u00a0", "\x00\x05"], seq_length=4)
    assert features["input_word_ids"].numpy().tolist() == [[2, 3, 0, 0]] * 4


def test_invalid_utf8_is_dropped_not_fatal(tiny_tokenizer):
    texts = tf.constant([b"the \xff\xfecat", b"\xc3", b"sat\xe2\x82"])
    assert tiny_tokenizer.tokenize(texts).to_list() == [
        _ids(tiny_tokenizer, "the", "cat"), [], _ids(tiny_tokenizer, "sat")
    ]


def test_very_long_text_and_long_word(tiny_tokenizer):
    long_text = "the cat " * 50_000
    features, truncated = tiny_tokenizer.encode(long_text, seq_length=8, return_truncated=True)
    assert bool(truncated) and features["input_word_ids"].shape == (8,)
    # A word over 200 characters is one [UNK], as in Google's WordpieceTokenizer.
    assert tiny_tokenizer.tokenize("a" * 201).numpy().tolist() == [tiny_tokenizer.unk_id]
    assert tiny_tokenizer.tokenize("a" * 200).numpy().tolist() == _ids(
        tiny_tokenizer, "a", *["##a"] * 199
    )


def test_missing_special_tokens_are_named(tmp_path):
    path = tmp_path / "vocab.txt"
    write_vocabulary(["[PAD]", "[UNK]", "[CLS]", "hello"], path)
    with pytest.raises(ValueError, match=r"\[SEP\], \[MASK\]") as error:
        BertTokenizer.from_vocab_file(path)
    assert str(path) in str(error.value)


def test_vocab_file_round_trip_and_asset(tmp_path):
    path = tmp_path / "vocab.txt"
    write_vocabulary(TINY_VOCAB, path)
    tokenizer = BertTokenizer.from_vocab_file(path, lowercase=False)
    assert tokenizer.vocabulary == TINY_VOCAB and tokenizer.lowercase is False
    assert tokenizer.vocab_file.asset_path.numpy().decode() == str(path)


def test_detokenize(tiny_tokenizer):
    ids = tiny_tokenizer.encode(["unwanted cat"], seq_length=8)["input_word_ids"]
    assert tiny_tokenizer.detokenize(ids).numpy().tolist() == [b"[CLS] unwanted cat [SEP]"]
    assert tiny_tokenizer.detokenize(tiny_tokenizer.tokenize("the cat")).numpy() == b"the cat"


def test_inside_tf_function(tiny_tokenizer):
    @tf.function
    def encode(texts, pairs):
        return tiny_tokenizer.encode(texts, pairs, seq_length=8)

    eager = tiny_tokenizer.encode(["the cat", "sat"], ["un", "cat"], seq_length=8)
    traced = encode(tf.constant(["the cat", "sat"]), tf.constant(["un", "cat"]))
    for name in eager:
        np.testing.assert_array_equal(traced[name], eager[name])


def test_inside_tf_data(tiny_tokenizer):
    texts = ["the cat", "sat", "", "unwanted"]
    unbatched = tf.data.Dataset.from_tensor_slices(texts).map(
        lambda text: tiny_tokenizer.encode(text, seq_length=6)
    )
    batched = tf.data.Dataset.from_tensor_slices(texts).batch(2).map(
        lambda text: tiny_tokenizer.encode(text, seq_length=6)
    )
    eager = tiny_tokenizer.encode(texts, seq_length=6)["input_word_ids"].numpy()
    rows = [element["input_word_ids"].numpy() for element in unbatched]
    np.testing.assert_array_equal(np.stack(rows), eager)
    batches = [element["input_word_ids"].numpy() for element in batched]
    np.testing.assert_array_equal(np.concatenate(batches), eager)


def test_saved_model_round_trip(tiny_tokenizer, tmp_path):
    class Preprocessor(tf.Module):
        def __init__(self, tokenizer):
            super().__init__()
            self.tokenizer = tokenizer

        @tf.function(input_signature=[tf.TensorSpec([None], tf.string)])
        def encode(self, texts):
            return self.tokenizer.encode(texts, seq_length=8)

    texts = tf.constant(["The cat sat!", "unwanted running", ""])
    expected_ids = tiny_tokenizer.tokenize(texts).to_list()
    tf.saved_model.save(tiny_tokenizer, str(tmp_path / "tokenizer"))
    loaded = tf.saved_model.load(str(tmp_path / "tokenizer"))
    assert loaded.tokenize_batch(texts).to_list() == expected_ids

    expected = tiny_tokenizer.encode(texts, seq_length=8)
    tf.saved_model.save(Preprocessor(tiny_tokenizer), str(tmp_path / "preprocessor"))
    del tiny_tokenizer  # the loaded model must not need the Python object
    restored = tf.saved_model.load(str(tmp_path / "preprocessor"))
    features = restored.encode(texts)
    for name in expected:
        np.testing.assert_array_equal(features[name], expected[name])


def test_lookup_table_wordpiece_matches_and_serving_compatible_swaps_to_it(tiny_tokenizer):
    assert tiny_tokenizer.wordpiece_implementation == "fast"  # the default
    lookup_table = BertTokenizer(TINY_VOCAB, wordpiece_implementation="lookup_table")
    texts = ["unwanted running, the cat!", "a" * 201, "a" * 37, "猫坐 unwantedx", ""]
    assert lookup_table.tokenize(texts).to_list() == tiny_tokenizer.tokenize(texts).to_list()
    assert tiny_tokenizer.serving_compatible().wordpiece_implementation == "lookup_table"
    assert lookup_table.serving_compatible() is lookup_table


def test_pack_callable_takes_ragged_segments(tiny_tokenizer):
    first = tiny_tokenizer.tokenize(["the cat", "sat"])
    second = tiny_tokenizer.tokenize(["sat", "the"])
    packed = tiny_tokenizer.pack([first, second], seq_length=7)
    encoded = tiny_tokenizer.encode(["the cat", "sat"], ["sat", "the"], seq_length=7)
    for name in encoded:
        np.testing.assert_array_equal(packed[name], encoded[name])


def test_real_vocabularies_load(english_tokenizer, chinese_tokenizer):
    for tokenizer, size in ((english_tokenizer, 30522), (chinese_tokenizer, 21128)):
        assert tokenizer.vocab_size == size
        assert (tokenizer.pad_id, tokenizer.unk_id, tokenizer.cls_id, tokenizer.sep_id,
                tokenizer.mask_id) == (0, 100, 101, 102, 103)
    assert english_tokenizer.tokenize_to_strings("UNwantéd,running").numpy().tolist() == [
        b"unwanted", b",", b"running"
    ]
    assert chinese_tokenizer.tokenize_to_strings("我爱BERT模型").numpy().tolist() == [
        "我".encode(), "爱".encode(), b"be", b"##rt", "模".encode(), "型".encode()
    ]
