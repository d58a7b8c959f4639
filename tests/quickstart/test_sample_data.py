from keras_bert.quickstart.sample_corpus import python_reference_text, write_sample_corpus
from keras_bert.quickstart.sample_reviews import reviews, write_sample_reviews


def test_sample_corpus_is_real_text_in_google_layout(tmp_path):
    english, chinese = write_sample_corpus(tmp_path)
    text = open(english, encoding="utf-8").read()
    documents = [d for d in text.split("\n\n") if d.strip()]
    assert len(documents) > 50  # one per Language Reference page
    assert "if" in text and "statement" in text
    # Prose only: indented code blocks and heading underlines are left out.
    assert not any(line.startswith(" ") or set(line) == {"*"} for line in text.splitlines())
    chinese_documents = open(chinese, encoding="utf-8").read().split("\n\n")
    assert len(chinese_documents) >= 8
    assert all(line.endswith(("。", "！", "？")) for d in chinese_documents for line in d.split("\n") if line)
    assert python_reference_text() == text  # deterministic


def test_reviews_split_by_subject_and_balanced(tmp_path):
    train, dev = reviews()
    assert len(train) > 300 and len(dev) > 50
    def subjects(rows):
        return {text.split(" ")[1] if text.isascii() else text[:4] for text, _ in rows}
    assert not subjects(train) & subjects(dev)
    for rows in (train, dev):
        labels = [label for _, label in rows]
        assert labels.count("positive") == labels.count("negative")
    train_path, dev_path = write_sample_reviews(tmp_path)
    assert open(train_path, encoding="utf-8").readline().strip() == "text,label"
