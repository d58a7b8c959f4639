"""Tiny corpora and vocabularies written by the tests, and a tokenizer over them."""

import pytest

ENGLISH_WORDS = (
    "the a cat dog sat on mat ran fast slow big small house tree river sun moon walked "
    "looked saw it was and then he she they we home garden park city road play played "
    "happy sad red blue green day night morning evening quiet loud bird fish water"
).split()
ENGLISH_PIECES = ["un", "##believ", "##able", "re", "##play", "##ing", "##ed"]
SPECIAL_TOKENS = ["[PAD]", "[unused0]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
CHINESE_CHARS = list("我们他她它是的了在有人天大小山水花鸟月日中国家学生今年好看书")


def write_vocab(path, tokens):
    path.write_text("\n".join(SPECIAL_TOKENS + list(tokens) + [".", ",", "!", "?", "。", "！", "？", "，", "“", "”"]) + "\n", encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def english_vocab(tmp_path_factory):
    return write_vocab(tmp_path_factory.mktemp("vocab") / "vocab_en.txt", ENGLISH_WORDS + ENGLISH_PIECES)


@pytest.fixture(scope="session")
def chinese_vocab(tmp_path_factory):
    return write_vocab(tmp_path_factory.mktemp("vocab") / "vocab_zh.txt", CHINESE_CHARS)


@pytest.fixture(scope="session")
def tokenizer_for():
    """`tokenizer_for(vocab_path, lowercase=True)`: the package's in-graph BertTokenizer.

    One per vocabulary for the session: building and tracing a tokenizer costs seconds.
    """
    from keras_bert import BertTokenizer

    made = {}

    def make(vocab_path, lowercase=True):
        key = (str(vocab_path), lowercase)
        if key not in made:
            made[key] = BertTokenizer.from_vocab_file(str(vocab_path), lowercase=lowercase)
        return made[key]

    return make


def english_document(rng, sentences, words_per_sentence=(4, 12)):
    lines = []
    for _ in range(sentences):
        count = rng.randint(*words_per_sentence)
        words = [rng.choice(ENGLISH_WORDS) for _ in range(count)]
        if rng.random() < 0.3:
            words.append("unbelievable")
        lines.append(" ".join(words).capitalize() + ".")
    return lines


@pytest.fixture
def english_corpus(tmp_path):
    """Google layout: one sentence per line, blank line between 12 documents."""
    import random

    rng = random.Random(7)
    documents = [english_document(rng, rng.randint(3, 9)) for _ in range(12)]
    path = tmp_path / "corpus_en.txt"
    path.write_text("\n\n".join("\n".join(document) for document in documents) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def chinese_corpus(tmp_path):
    """One document per line, several sentences per line, full-width punctuation, CRLF."""
    import random

    rng = random.Random(11)
    lines = []
    for _ in range(10):
        sentences = []
        for _ in range(rng.randint(2, 6)):
            body = "".join(rng.choice(CHINESE_CHARS) for _ in range(rng.randint(5, 15)))
            sentences.append(body + rng.choice(["。", "！", "？", "。”"]))
        lines.append("".join(sentences))
    path = tmp_path / "corpus_zh.txt"
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("utf-8"))
    return path
