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
    assert main(["vocab", "--corpus", str(corpus_file), "--size", "100", "--out", str(out), "--quiet"]) == 0
    assert "wrote" in capsys.readouterr().out
    assert read_vocabulary(out)[:5] == list(SPECIAL_TOKENS)
    assert main(["vocab", "--corpus", str(corpus_file), "--size", "100", "--out", str(out),
                 "--no-lowercase", "--quiet"]) == 0
    assert "The" in read_vocabulary(out)  # cased: capitals kept


def test_cli_vocab_user_errors(tmp_path, capsys):
    from keras_bert.cli.main import main

    missing = tmp_path / "missing.txt"
    assert main(["vocab", "--corpus", str(missing), "--size", "100", "--out", str(tmp_path / "v.txt")]) == 2
    error = capsys.readouterr().err
    assert "corpus file not found" in error and "Traceback" not in error
    corpus = tmp_path / "c.txt"
    corpus.write_text("hello\n", encoding="utf-8")
    assert main(["vocab", "--corpus", str(corpus), "--size", "3", "--out", str(tmp_path / "v.txt")]) == 2
    assert "--size" in capsys.readouterr().err
