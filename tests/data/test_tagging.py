"""Reading tagged files, windows over long sentences, and the tagging input pipeline."""

import numpy as np
import pytest

from keras_bert.data.tag_schemes import bio_tag_names
from keras_bert.data.tagging import (
    IGNORED,
    TaggedSentence,
    encode_tagged_sentences,
    owning_window,
    read_tagged_file,
    tagging_dataset,
    windows,
)
from keras_bert.errors import KerasBertError
from keras_bert.tokenization import BertTokenizer

VOCAB = [
    "[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]",
    "eu", "rejects", "german", "call", ".", "peter", "black", "##burn", "19", "##66", "年",
    "张", "三",
]

CONLL = """-DOCSTART- -X- O O

EU NNP I-NP I-ORG
rejects VBZ I-VP O
German JJ I-NP I-MISC
call NN I-NP O
. . O O

Peter NNP I-NP I-PER\r
Blackburn NNP I-NP I-PER\r


-DOCSTART- -X- O O
"""

CHARS = "张 B-NAME\n三 E-NAME\n1 O\n9 O\n6 O\n6 O\n年 O\n\n张 S-NAME\n"


@pytest.fixture(scope="module")
def tokenizer():
    return BertTokenizer(VOCAB, lowercase=True)


def write(tmp_path, text, name="data.txt"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8", newline="")
    return path


def test_conll_columns(tmp_path):
    read = read_tagged_file(write(tmp_path, CONLL))
    assert (read.format, read.scheme, read.documents) == ("conll", "iob1", 2)
    assert [s.words for s in read] == [
        ["EU", "rejects", "German", "call", "."], ["Peter", "Blackburn"]
    ]
    assert read[0].tags == ["B-ORG", "O", "B-MISC", "O", "O"]
    assert read[1].tags == ["B-PER", "I-PER"]
    assert [s.line for s in read] == [3, 9]
    assert read[0].text == "EU rejects German call ."
    assert read.entity_types() == ["MISC", "ORG", "PER"]
    assert "2 sentences, 7 words" in read.report()


def test_one_character_per_line(tmp_path):
    read = read_tagged_file(write(tmp_path, CHARS))
    # Only B-, E- and S- here: BIOES and BMES read alike (M- would say BMES).
    assert (read.format, read.scheme) == ("chars", "bioes")
    assert read[0].text == "张三1966年"  # joined without spaces, as written
    assert read[0].tags == ["B-NAME", "I-NAME", "O", "O", "O", "O", "O"]
    assert read[1].tags == ["B-NAME"]
    # A space character is a character too, with format="chars".
    spaced = read_tagged_file(write(tmp_path, "a O\n  O\nb O\n"), format="chars")
    assert spaced[0].words == ["a", " ", "b"] and spaced[0].text == "a b"


@pytest.mark.parametrize(
    "text, message",
    [
        ("EU NNP I-ORG\nrejects\n", r"data.txt:2: expected a word and a tag"),
        ("EU NNP I-NP I-ORG\nrejects VBZ O\n", r"data.txt:2: 3 columns, but the file's first"),
        ("EU I-ORG\n\nrejects Q-ORG\n", r"data.txt:3: tag 'Q-ORG' is not O"),
        ("张 B-NAME\n三 I-NAME\n\n李 M-NAME\n", r"data.txt: tags mix I- and M-"),
    ],
)
def test_bad_lines_are_named_by_file_and_line(tmp_path, text, message):
    with pytest.raises(KerasBertError, match=message):
        read_tagged_file(write(tmp_path, text))


def test_bad_arguments(tmp_path):
    path = write(tmp_path, CONLL)
    with pytest.raises(KerasBertError, match="format must be one of"):
        read_tagged_file(path, format="xml")
    with pytest.raises(KerasBertError, match="scheme must be one of"):
        read_tagged_file(path, scheme="iob3")
    with pytest.raises(FileNotFoundError):
        read_tagged_file(tmp_path / "missing.txt")
    latin1 = tmp_path / "latin1.txt"
    latin1.write_bytes("café X X I-LOC\n".encode("latin-1"))
    with pytest.raises(KerasBertError, match="latin1.txt is not UTF-8 text"):
        read_tagged_file(latin1)
    assert read_tagged_file(latin1, encoding="latin-1")[0].words == ["café"]
    with pytest.raises(KerasBertError, match="encoding 'nope' is not a known"):
        read_tagged_file(latin1, encoding="nope")


def test_windows_cover_everything_and_overlap():
    assert windows(5, 8) == [(0, 5)]
    assert windows(10, 4) == [(0, 4), (2, 6), (4, 8), (6, 10)]
    # Each piece is owned by the window where it has the most context on both sides:
    # piece 2 has 2 left / 1 right in window 0 but 0 left in window 1; piece 3 has 3 / 0 in
    # window 0 and 1 / 2 in window 1, and so on.
    owner = owning_window(windows(10, 4), 10)
    assert owner.tolist() == [0, 0, 0, 1, 1, 2, 2, 3, 3, 3]


def test_features_label_first_pieces_only(tokenizer):
    sentence = TaggedSentence(["Peter", "Blackburn", "call"], ["B-PER", "I-PER", "O"])
    tags = bio_tag_names(["PER"])
    features = encode_tagged_sentences([sentence], tokenizer, tags, seq_length=8)
    # [CLS] peter black ##burn call [SEP] [PAD] [PAD]
    assert features.inputs["input_word_ids"][0].tolist() == [2, 10, 11, 12, 8, 3, 0, 0]
    assert features.inputs["input_mask"][0].tolist() == [1, 1, 1, 1, 1, 1, 0, 0]
    assert features.labels[0].tolist() == [IGNORED, 1, 2, IGNORED, 0] + [IGNORED] * 3


def test_long_sentences_are_windowed_never_cut(tokenizer):
    words = ["Peter", "Blackburn", "call", "."] * 5  # 25 pieces
    sentence = TaggedSentence(words, ["B-PER", "I-PER", "O", "O"] * 5)
    features = encode_tagged_sentences(
        [sentence], tokenizer, bio_tag_names(["PER"]), seq_length=12
    )
    assert len(features) > 1 and features.split_sentences == 1
    # Every word is labelled exactly once over all windows.
    labelled = (features.labels >= 0).sum()
    assert labelled == len(words)
    assert "split into overlapping windows, none cut" in features.report()


def test_chinese_characters_share_pieces(tmp_path):
    tokenizer = BertTokenizer(VOCAB, lowercase=True)
    read = read_tagged_file(write(tmp_path, CHARS))
    features = encode_tagged_sentences(read, tokenizer, bio_tag_names(["NAME"]), seq_length=16)
    # 张 三 19 ##66 年: "9" and "6" (the first) start no piece and are not labelled.
    assert features.inputs["input_word_ids"][0][:7].tolist() == [2, 16, 17, 13, 14, 15, 3]
    assert features.labels[0][:7].tolist() == [IGNORED, 1, 2, 0, 0, 0, IGNORED]
    assert features.words_without_pieces == 2


def test_tagging_dataset_batches(tokenizer):
    sentences = [
        TaggedSentence(["Peter", "Blackburn"], ["B-PER", "I-PER"]),
        TaggedSentence(["call", "."], ["O", "O"]),
        TaggedSentence(["EU", "rejects", "German", "call", "."], ["O"] * 5),
    ]
    dataset = tagging_dataset(
        sentences, tokenizer, bio_tag_names(["PER"]), seq_length=32, batch_size=2
    )
    batches = list(dataset)
    assert len(batches) == 2
    inputs, labels = batches[0]
    assert inputs["input_word_ids"].shape == (2, 8) and labels.shape == (2, 8)
    assert np.asarray(labels)[0, :4].tolist() == [IGNORED, 1, 2, IGNORED]


def test_real_files(shared_path):
    conll = read_tagged_file(shared_path("data", "conll2003", "eng.testa"))
    assert (conll.format, conll.scheme, len(conll)) == ("conll", "iob1", 3250)
    assert sum(len(s.words) for s in conll) == 51362  # as SOURCE.md measures
    resume = read_tagged_file(shared_path("data", "resume_ner", "dev.char.bmes"))
    assert (resume.format, resume.scheme, len(resume)) == ("chars", "bmes", 463)
    assert sum(len(s.words) for s in resume) == 13890
    assert resume.entity_types() == [
        "CONT", "EDU", "LOC", "NAME", "ORG", "PRO", "RACE", "TITLE"
    ]
