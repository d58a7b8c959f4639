"""`train_vocabulary` and `keras-bert vocab` on a tiny corpus written by the test."""

import pytest
import tensorflow as tf

from keras_bert.tokenization import SPECIAL_TOKENS, BertTokenizer, read_vocabulary, train_vocabulary

CORPUS = [
    "The cat sat on the mat. The cats were running!",
    "Unwanted dogs ran, and the cat sat again.",
    "BERT模型很好。猫坐在垫子上。",
    "Café au lait, résumé and naïve readers.",
] * 20


@pytest.fixture()
def corpus_file(tmp_path):
    path = tmp_path / "corpus.txt"
    path.write_text("\n".join(CORPUS) + "\n", encoding="utf-8")
    return path


def test_train_from_files_writes_a_loadable_vocabulary(corpus_file, tmp_path):
    out = tmp_path / "vocab.txt"
    vocabulary = train_vocabulary([corpus_file], size=120, out_path=out, verbose=False)
    assert read_vocabulary(out) == vocabulary
    assert len(vocabulary) <= 120
    assert vocabulary[:5] == list(SPECIAL_TOKENS)
    for char in "模型很好猫坐在垫子上":  # every CJK character kept, right after the specials
        assert char in vocabulary[5:15]
    assert "。" in vocabulary  # CJK punctuation is learned like any other character
    assert "é" not in vocabulary and "cafe" in vocabulary  # lowercased, accents stripped
    tokenizer = BertTokenizer.from_vocab_file(out)
    ids = tokenizer.tokenize(CORPUS[:4]).flat_values.numpy()
    assert tokenizer.unk_id not in ids  # the training text is fully covered


def test_train_from_iterable_and_dataset_cased(tmp_path):
    from_list = train_vocabulary(CORPUS, size=150, lowercase=False, verbose=False)
    dataset = tf.data.Dataset.from_tensor_slices(CORPUS)
    from_dataset = train_vocabulary(dataset, size=150, lowercase=False, verbose=False)
    assert from_list == from_dataset
    assert "The" in from_list and "é" in from_list


def test_size_too_small_for_the_cjk_characters():
    with pytest.raises(ValueError, match="CJK"):
        train_vocabulary(["猫坐在垫子上很好模型"], size=12, verbose=False)


def test_cli_vocab(corpus_file, tmp_path, capsys):
    from keras_bert.cli.main import main

    out = tmp_path / "vocab.txt"
    assert main(["vocab", "--corpus", str(corpus_file), "--vocab-size", "100", "--out", str(out), "--quiet"]) == 0
    assert "wrote" in capsys.readouterr().out
    assert read_vocabulary(out)[:5] == list(SPECIAL_TOKENS)
    assert main(["vocab", "--corpus", str(corpus_file), "--vocab-size", "100", "--out", str(out),
                 "--no-lowercase", "--quiet"]) == 0
    assert "The" in read_vocabulary(out)  # cased: capitals kept


def test_cli_vocab_user_errors(tmp_path, capsys):
    from keras_bert.cli.main import main

    missing = tmp_path / "missing.txt"
    assert main(["vocab", "--corpus", str(missing), "--vocab-size", "100", "--out", str(tmp_path / "v.txt")]) == 2
    error = capsys.readouterr().err
    assert "corpus file not found" in error and "Traceback" not in error
    corpus = tmp_path / "c.txt"
    corpus.write_text("hello\n", encoding="utf-8")
    assert main(["vocab", "--corpus", str(corpus), "--vocab-size", "3", "--out", str(tmp_path / "v.txt")]) == 2
    assert "--vocab-size" in capsys.readouterr().err


# vocab.txt is read as Google's `tokenization.load_vocab` reads it; this is that reader.
def google_load_vocab(path):
    import io

    tokens = []
    with io.open(path, "r", encoding="utf-8", newline="\n") as reader:  # GFile splits on \n
        while True:
            token = reader.readline()
            if not token:
                break
            tokens.append(token.strip())
    return tokens


@pytest.mark.parametrize("text, expected", [
    ("[PAD]\na\nb\n", ["[PAD]", "a", "b"]),  # a final newline adds no token
    ("[PAD]\na\nb", ["[PAD]", "a", "b"]),  # nor does its absence lose one
    ("[PAD]\r\na \r\n\tb\r\n", ["[PAD]", "a", "b"]),  # tokens are stripped, \r\n reads as \n
    ("a\n\nb\n", ["a", "", "b"]),  # a blank line in the middle is an (empty) token
    ("a\nb\n\n\n", ["a", "b", "", ""]),  # and so is each extra blank line at the end
    ("a\nb\n  ", ["a", "b", ""]),  # a last line of spaces too
    ("a\rb\nc\u2028d\n\x85\n", ["a\rb", "c\u2028d", ""]),  # only \n splits
])
def test_read_vocabulary_follows_googles_load_vocab(tmp_path, text, expected):
    path = tmp_path / "vocab.txt"
    path.write_bytes(text.encode("utf-8"))
    assert read_vocabulary(path) == expected
    assert google_load_vocab(path) == expected


def test_vocabulary_file_errors_name_the_file(tmp_path):
    from keras_bert.errors import KerasBertError, MissingFileError

    missing = tmp_path / "missing.txt"
    with pytest.raises(MissingFileError, match=f"Vocabulary file not found: {missing}"):
        read_vocabulary(missing)
    for text in ("", "\n\n", "  \n"):
        empty = tmp_path / "empty.txt"
        empty.write_text(text, encoding="utf-8")
        with pytest.raises(KerasBertError, match=f"Vocabulary file {empty} is empty"):
            read_vocabulary(empty)
    latin1 = tmp_path / "latin1.txt"
    latin1.write_bytes("café\n".encode("latin-1"))
    with pytest.raises(KerasBertError, match=f"{latin1} is not UTF-8"):
        read_vocabulary(latin1)


def test_write_vocabulary_round_trips_and_refuses_line_breaks(tmp_path):
    from keras_bert.errors import KerasBertError
    from keras_bert.tokenization import write_vocabulary

    path = tmp_path / "vocab.txt"
    tokens = list(SPECIAL_TOKENS) + ["a", "", "##b", "c\u2028d"]
    write_vocabulary(tokens, path)
    assert path.read_bytes() == ("\n".join(tokens) + "\n").encode("utf-8")
    assert read_vocabulary(path) == tokens
    for token in ("a\nb", "a\rb"):
        with pytest.raises(KerasBertError, match=r"Token 6 .* contains a line break; vocab.txt"):
            write_vocabulary(list(SPECIAL_TOKENS) + ["x", token], path)


def test_check_vocabulary_size_explains_blank_lines_at_the_end(tmp_path, tiny_config):
    from keras_bert.errors import KerasBertError
    from keras_bert.tokenization.vocabulary_file import check_vocabulary_size

    tokens = [f"t{index}" for index in range(tiny_config.vocab_size)]
    check_vocabulary_size(tokens, tiny_config, "here")
    expected = r"here: the vocabulary has 50 tokens .* 48; they must be equal \(its last 2 line"
    with pytest.raises(KerasBertError, match=expected):
        check_vocabulary_size(tokens + ["", ""], tiny_config, "here")
    with pytest.raises(KerasBertError, match=r"has 47 tokens .* must be equal\.$"):
        check_vocabulary_size(tokens[:-1], tiny_config, "here")
