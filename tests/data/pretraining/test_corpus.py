"""Reading corpora: layouts, sentence splitting, encodings, and the errors a user can fix."""

import pytest

from keras_bert.data.pretraining import read_corpus, split_sentences
from keras_bert.data.pretraining.corpus import Corpus


def test_google_layout_blank_lines_separate_documents(tmp_path):
    path = tmp_path / "c.txt"
    path.write_text("One. Two!\nThree?\n\n   \nFour.\n\n\nFive.\nSix.\n", encoding="utf-8")
    corpus = read_corpus(path)
    assert corpus.stats.layouts[str(path)] == "google"
    assert corpus.documents == [["One.", "Two!", "Three?"], ["Four."], ["Five.", "Six."]]
    assert corpus.stats.blank_lines == 4
    assert corpus.stats.lines_split_into_sentences == 1


def test_lines_layout_is_detected_without_blank_lines(tmp_path):
    path = tmp_path / "c.txt"
    path.write_text("Doc one. Still one.\nDoc two.\n", encoding="utf-8")
    corpus = read_corpus(path)
    assert corpus.stats.layouts[str(path)] == "lines"
    assert corpus.documents == [["Doc one.", "Still one."], ["Doc two."]]
    # Forcing the Google layout makes the file one document.
    assert read_corpus(path, layout="google").documents == [["Doc one.", "Still one.", "Doc two."]]


def test_crlf_bom_and_chinese_sentences(chinese_corpus, tmp_path):
    corpus = read_corpus(chinese_corpus)
    assert len(corpus.documents) == 10
    assert all(len(document) >= 2 for document in corpus.documents)
    for document in corpus.documents:
        for sentence in document:
            assert "\r" not in sentence
            assert sentence[-1] in "。！？”"
    path = tmp_path / "bom.txt"
    path.write_bytes("\ufeff第一句。第二句！\r\n\r\n第三句\r\n".encode("utf-8"))
    assert read_corpus(path).documents == [["第一句。", "第二句！"], ["第三句"]]


@pytest.mark.parametrize(
    "line, expected",
    [
        ('Mr. Darcy came. "Is it?" she said! H. americanus lives.',
         ["Mr. Darcy came.", '"Is it?"', "she said!", "H. americanus lives."]),
        ("It was 3.5 m long.", ["It was 3.5 m long."]),
        ("played by I . He left in 2001 .", ["played by I .", "He left in 2001 ."]),
        ("他说：“你好！”我走了。然后……又来了；完", ["他说：“你好！”", "我走了。", "然后……", "又来了；", "完"]),
        ("问？答！好。", ["问？", "答！", "好。"]),
        ("  ", []),
    ],
)
def test_split_sentences(line, expected):
    assert split_sentences(line) == expected
    assert "".join(expected).replace(" ", "") == line.replace(" ", "")


def test_invalid_utf8_names_file_and_line(tmp_path):
    path = tmp_path / "bad.txt"
    path.write_bytes(b"good line.\n\nanother good.\nbad \xff byte.\n")
    with pytest.raises(ValueError, match=r"bad\.txt, line 4: invalid UTF-8 \(byte 0xff"):
        read_corpus(path)
    corpus = read_corpus(path, utf8_errors="replace")
    assert corpus.stats.invalid_utf8_lines_replaced == 1
    assert corpus.documents[1] == ["another good.", "bad \ufffd byte."]


def test_missing_and_empty_corpora(tmp_path):
    with pytest.raises(FileNotFoundError, match="Corpus file not found: .*nope.txt"):
        read_corpus(tmp_path / "nope.txt")
    empty = tmp_path / "empty.txt"
    empty.write_text("\n  \n\n", encoding="utf-8")
    with pytest.raises(ValueError, match="corpus is empty.*empty.txt"):
        read_corpus(empty)
    (tmp_path / "dir").mkdir()
    with pytest.raises(ValueError, match="holds no files"):
        read_corpus(tmp_path / "dir")


def test_directory_reads_every_file_in_order(tmp_path):
    (tmp_path / "b.txt").write_text("Bee.\n", encoding="utf-8")
    (tmp_path / "a.txt").write_text("Ay.\n", encoding="utf-8")
    corpus = read_corpus(tmp_path)
    assert corpus.documents == [["Ay."], ["Bee."]]
    assert corpus.stats.files == 2


def test_summary_reports_files_only_when_read_from_files(tmp_path):
    path = tmp_path / "c.txt"
    path.write_text("Doc one. Still one.\nDoc two.\n", encoding="utf-8")
    assert read_corpus(path).stats.summary().startswith("1 file(s) (c.txt: lines), 2 lines (0 blank), 2 documents")
    # A corpus built in memory (as pretraining builds its train / held-out parts) has no files or lines.
    in_memory = Corpus.from_documents([["Doc one.", "Still one."], ["Doc two."]])
    assert in_memory.stats.summary() == "2 documents, 3 sentences"
