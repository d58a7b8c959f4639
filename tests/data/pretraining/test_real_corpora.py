"""The shared real corpora (../shared/data/corpus) read as expected; skipped when absent."""

from keras_bert.data.pretraining import read_corpus


def test_chinese_novels_and_web_text(shared_path):
    folder = shared_path("data", "corpus", "zh")
    corpus = read_corpus(folder)
    layouts = {path.rsplit("/", 1)[-1]: layout for path, layout in corpus.stats.layouts.items()}
    assert layouts == {"CLUECorpusSmall_sampled.txt": "lines", "hongloumeng.txt": "google", "xiyouji.txt": "google"}
    assert corpus.stats.invalid_utf8_lines_replaced == 0
    sentences = [sentence for document in corpus.documents for sentence in document]
    assert not any("\r" in sentence for sentence in sentences)
    ends = sum(sentence[-1] in "。！？；…”’」』" for sentence in sentences)
    assert ends / len(sentences) > 0.8  # split at full-width sentence ends
    assert corpus.stats.documents > 5000


def test_english_text(shared_path):
    corpus = read_corpus(shared_path("data", "corpus", "en"))
    assert set(corpus.stats.layouts.values()) == {"google"}
    assert corpus.stats.lines_split_into_sentences > 5000  # WikiText holds paragraphs per line
    assert corpus.stats.documents > 10000
