"""Word-piece offsets into the original text, and pieces of pre-split words.

Oracle: Hugging Face `tokenizers` (`BertWordPieceTokenizer`), whose offsets are characters of
the original text (end exclusive) and whose `word_ids` say which pre-split word a piece came
from, on Google's real vocabularies. Ids must equal `BertTokenizer.tokenize` everywhere.

Documented difference: Hugging Face lowercases character by character, so a final capital
sigma ("ΟΔΟΣ") becomes "σ" there but "ς" in Google's `str.lower()` (and ours): the ids differ,
and such texts are compared with `tokenize` only.
"""

import json

import numpy as np
import pytest

from tokenization_data import DATA, EN_VOCAB, ZH_VOCAB, dataset_texts, require

# must_run only where the optional data is: its absence is a clean skip, on CI too.
NEEDS_HUGGING_FACE = (
    pytest.mark.must_run("tokenizers (dev extra) with ../shared/data")
    if DATA.exists() else pytest.mark.usefixtures()
)

EDGE_TEXTS = [
    "  Crème brûlée   à   la\tcarte\n\nnaïve café  ",
    "👍🏽 thumbs 👨‍👩‍👧 family 🇫🇷 flag",
    "e\u0301t\u0301e\u0301 cafe\u0301",  # combining accents after their letters
    "한국어 텍스트",  # Hangul: NFD splits a syllable into jamo
    "İstanbul ǅemal ﬁne",
    "ＡＢＣ　全角，标点。",
    "a\x05b\x00c\ufffdd",  # control characters and U+FFFD vanish
    "x" * 250 + " y",  # longer than 200 characters: one [UNK]
    "東京タワー和北京",
    "tab\there\u00a0nbsp\u3000ideo\u2028line",
    "Straße GROSS",
    "a\u200db\u200cc\ufeffd",
    "",
    "   \t ",
]


def hugging_face(vocab_path, lowercase):
    tokenizers = pytest.importorskip("tokenizers")
    return tokenizers.BertWordPieceTokenizer(
        str(vocab_path), lowercase=lowercase, wordpieces_prefix="##"
    )


def offsets_of(pieces):
    return list(zip(pieces.starts.tolist(), pieces.ends.tolist()))


def compare_with_hugging_face(tokenizer, hf, texts):
    """(texts compared on offsets, texts whose ids differ from Hugging Face's)."""
    ours = tokenizer.tokenize_with_offsets(texts)
    expected_ids = tokenizer.tokenize(texts).to_list()
    theirs = hf.encode_batch(texts, add_special_tokens=False)
    compared, id_differences = 0, []
    for text, mine, ids, encoding in zip(texts, ours, expected_ids, theirs):
        assert mine.ids.tolist() == ids, text  # offsets never change an id
        for start, end in offsets_of(mine):
            assert 0 <= start < end <= len(text), (text, start, end)
        if mine.ids.tolist() != encoding.ids:
            id_differences.append(text)
            continue
        assert offsets_of(mine) == [tuple(o) for o in encoding.offsets], text
        compared += 1
    return compared, id_differences


def test_offsets_by_hand(tiny_tokenizer):
    text = "  The cat sat, unwanted!"
    pieces = tiny_tokenizer.tokenize_with_offsets(text)
    tokens = [t.decode() for t in tiny_tokenizer.ids_to_tokens(pieces.ids).numpy()]
    assert tokens == ["the", "cat", "sat", ",", "un", "##want", "##ed", "!"]
    assert offsets_of(pieces) == [(2, 5), (6, 9), (10, 13), (13, 14), (15, 17), (17, 21),
                                  (21, 23), (23, 24)]
    assert pieces.words.tolist() == [0, 1, 2, 3, 4, 4, 4, 5]
    assert pieces.first.tolist() == [True] * 5 + [False, False, True]
    # An unknown word is one [UNK] spanning the whole word; accents vanish but are spanned.
    pieces = tiny_tokenizer.tokenize_with_offsets("Ünwanted  xyz 猫")
    assert offsets_of(pieces) == [(0, 2), (2, 6), (6, 8), (10, 13), (14, 15)]
    assert tiny_tokenizer.tokenize_with_offsets([]) == []


@NEEDS_HUGGING_FACE
@pytest.mark.parametrize("lowercase", [True, False])
@pytest.mark.parametrize("vocab", [EN_VOCAB, ZH_VOCAB], ids=["en", "zh"])
def test_edge_cases_against_hugging_face(vocab, lowercase):
    from keras_bert.tokenization import BertTokenizer

    tokenizer = BertTokenizer.from_vocab_file(require(vocab), lowercase=lowercase)
    compared, differences = compare_with_hugging_face(
        tokenizer, hugging_face(vocab, lowercase), EDGE_TEXTS + ["ΟΔΟΣ Σ σ"]
    )
    # The one documented id difference: the final sigma (see the module docstring).
    assert differences == (["ΟΔΟΣ Σ σ"] if lowercase else [])
    assert compared == len(EDGE_TEXTS) + 1 - len(differences)


def real_texts(per_set=300):
    """A slice of every real text set, plus SQuAD and CMRC contexts (long, accented)."""
    require(DATA)
    sets = {name: (vocab, texts) for name, (vocab, _, texts) in dataset_texts().items()}
    squad = json.loads((DATA / "squad_v1" / "dev.json").read_text(encoding="utf-8"))
    sets["squad_v1/dev.json"] = (
        EN_VOCAB, [p["context"] for a in squad["data"] for p in a["paragraphs"]]
    )
    cmrc = json.loads((DATA / "cmrc2018" / "dev.json").read_text(encoding="utf-8"))
    sets["cmrc2018/dev.json"] = (
        ZH_VOCAB, [p["context"] for a in cmrc["data"] for p in a["paragraphs"]]
    )
    for name, (vocab, texts) in sets.items():
        texts = [text for text in texts if text.strip()]
        step = max(1, len(texts) // per_set)
        yield name, vocab, texts[::step][:per_set]


@NEEDS_HUGGING_FACE
def test_real_text_against_hugging_face():
    from keras_bert.tokenization import BertTokenizer

    tokenizers = {}
    total = 0
    for name, vocab, texts in real_texts():
        if vocab not in tokenizers:
            tokenizers[vocab] = (
                BertTokenizer.from_vocab_file(vocab, lowercase=True), hugging_face(vocab, True)
            )
        compared, differences = compare_with_hugging_face(*tokenizers[vocab], texts)
        # Ids differ from Hugging Face's on very few real lines (final sigma and the like).
        assert len(differences) <= 1, (name, differences)
        total += compared
    assert total > 5000


@NEEDS_HUGGING_FACE
def test_conll_words_against_hugging_face_word_ids(shared_path):
    """Pre-split words: each piece's word and first-piece flag, as Hugging Face's word_ids."""
    from keras_bert.tokenization import BertTokenizer

    path = shared_path("data", "conll2003", "eng.testa")
    sentences, words = [], []
    for line in path.read_text(encoding="utf-8").split("\n"):
        if not line.strip() or line.startswith("-DOCSTART-"):
            if words:
                sentences.append(words)
            words = []
        else:
            words.append(line.split()[0])
    sentences = sentences[:400]
    tokenizer = BertTokenizer.from_vocab_file(require(EN_VOCAB), lowercase=True)
    hf = hugging_face(EN_VOCAB, True)
    for words, pieces in zip(sentences, tokenizer.tokenize_words(sentences)):
        encoding = hf.encode(words, is_pretokenized=True, add_special_tokens=False)
        assert pieces.ids.tolist() == encoding.ids
        assert pieces.words.tolist() == encoding.word_ids
        expected_first = [i == 0 or w != encoding.word_ids[i - 1]
                          for i, w in enumerate(encoding.word_ids)]
        assert pieces.first.tolist() == expected_first
        text = " ".join(words)
        for word, (start, end) in zip(words, pieces.word_spans):
            assert text[start:end] == word
        assert pieces.words_without_pieces() == []


def test_words_without_pieces(tiny_tokenizer):
    # Joined without a separator, "un" + "want" is the one word "unwant": its piece "##want"
    # starts in word 1, so both words have a first piece; "\x05" vanishes: no piece.
    pieces = tiny_tokenizer.tokenize_words(["the", "\x05", "cat"])
    assert pieces.words.tolist() == [0, 2] and pieces.words_without_pieces() == [1]
    pieces = tiny_tokenizer.tokenize_words([["un", "want", "ed"], ["猫", "坐"]], separator="")
    assert [p.words.tolist() for p in pieces] == [[0, 1, 2], [0, 1]]
    pieces = tiny_tokenizer.tokenize_words(["ru", "nn", "ing"], separator="")
    # "runn" is one piece covering words 0 and 1: word 1 has no first piece.
    assert pieces.words.tolist() == [0, 2] and pieces.words_without_pieces() == [1]
    assert np.all(pieces.first)
