"""`SearchIndex`: built from a corpus file, saved, loaded, searched against brute force."""

import json
import os

import numpy as np
import pytest

from keras_bert import SearchIndex
from keras_bert.embeddings.index import read_corpus
from keras_bert.errors import KerasBertError
from tests.embeddings import tiny_sentence_encoder, write_tiny_model_folder

CORPUS = [
    "the cat sat on the mat",
    "",
    "a dog ran in the house",
    "the bird flew over the sea",
    "   ",
    "a good movie and a great plot",
    "the fish swam under the tree\u2028and this",  # U+2028: JSON leaves it unescaped
    "an awful film , very bad acting",
]
TEXTS = [line.strip() for line in CORPUS if line.strip()]


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    root = tmp_path_factory.mktemp("index")
    corpus = root / "corpus.txt"
    corpus.write_text("\n".join(CORPUS) + "\n", encoding="utf-8")
    return root, str(corpus), write_tiny_model_folder(root / "model")


@pytest.fixture(scope="module")
def built(files):
    _, corpus, model = files
    return SearchIndex.build(corpus, model, batch_size=2, verbose=0)


def test_corpus_lines_skip_blanks_and_keep_their_numbers(files):
    texts, lines = read_corpus(files[1])
    assert texts == TEXTS
    assert lines == [1, 3, 4, 6, 7, 8]


def test_build_embeds_every_text_as_a_unit_vector(built, files):
    model = tiny_sentence_encoder()
    assert len(built) == len(TEXTS) and built.vectors.shape == (len(TEXTS), 16)
    np.testing.assert_allclose(np.linalg.norm(built.vectors, axis=1), 1.0, atol=1e-5)
    expected = model.encode(TEXTS)["sentence_embedding"]
    expected /= np.linalg.norm(expected, axis=1, keepdims=True)
    np.testing.assert_allclose(built.vectors, expected, atol=1e-5)
    info = built.info
    assert info["model"] == os.path.abspath(files[2]) and info["pooling"] == "mean"
    assert info["corpus"] == os.path.abspath(files[1]) and info["count"] == len(TEXTS)
    assert info["corpus_size"] == os.path.getsize(files[1])


def test_search_ranks_by_cosine_similarity_like_brute_force(built):
    query = "a cat sat on a mat"
    hits = built.search(query, k=3)
    vector = tiny_sentence_encoder().encode(query)["sentence_embedding"]
    scores = built.vectors @ (vector / np.linalg.norm(vector))
    order = np.argsort(-scores)[:3]
    assert [hit.row for hit in hits] == list(order)
    np.testing.assert_allclose([hit.score for hit in hits], scores[order], atol=1e-5)
    assert [hit.text for hit in hits] == [TEXTS[i] for i in order]
    # A corpus text finds itself first; k larger than the corpus gives all of it.
    assert built.search(TEXTS[3], k=1)[0].text == TEXTS[3]
    assert built.search(TEXTS[3], k=1)[0].score == pytest.approx(1.0, abs=1e-5)
    many = built.search([TEXTS[0], TEXTS[1]], k=100)
    assert [len(hits) for hits in many] == [len(TEXTS)] * 2
    assert many[1][0].line == 3
    with pytest.raises(KerasBertError, match="k must be an integer >= 1"):
        built.search("cat", k=0)


def test_save_and_load_round_trip(built, files, tmp_path):
    folder = built.save(tmp_path / "idx")
    assert sorted(os.listdir(folder)) == ["index.json", "texts.jsonl", "vectors.npy"]
    again = SearchIndex.load(folder)
    np.testing.assert_array_equal(again.vectors, built.vectors)
    assert again.texts == built.texts and again.lines == built.lines
    assert again.info == json.loads(json.dumps(built.info))
    # The model it was built with is loaded for the queries.
    assert [h.row for h in again.search(TEXTS[2], k=2)] == [h.row for h in built.search(TEXTS[2], k=2)]
    assert again.stale_reasons(files[1], files[2]) == ([], [])


def test_a_changed_corpus_or_model_is_out_of_date_another_is_different(built, files, tmp_path):
    root, corpus, model = files
    changed = tmp_path / "corpus.txt"
    changed.write_text("the cat sat on the mat\n", encoding="utf-8")
    index = SearchIndex(built.vectors, built.texts, built.lines, dict(built.info))
    index.info.update(corpus=str(changed), corpus_size=5)
    out_of_date, different = index.stale_reasons(str(changed), model)
    assert different == [] and out_of_date == [f"the corpus {changed} changed since the index was built"]
    out_of_date, different = built.stale_reasons(str(changed), str(root / "other"), pooling="cls")
    assert out_of_date == [] and len(different) == 3
    assert "built from corpus" in different[0] and "built with model" in different[1]
    assert different[2] == "built with mean pooling, not cls"
    rewritten = write_tiny_model_folder(tmp_path / "model")
    index.info["model"] = os.path.abspath(rewritten)
    assert index.stale_reasons(None, rewritten)[0] == [
        f"the model {os.path.abspath(rewritten)} was written again since the index was built"
    ]


def test_bad_folders_are_refused(built, tmp_path):
    other = tmp_path / "other"
    other.mkdir()
    (other / "notes.txt").write_text("mine", encoding="utf-8")
    with pytest.raises(KerasBertError, match="not a search index"):
        built.save(other)
    with pytest.raises(FileNotFoundError, match="no index.json"):
        SearchIndex.load(other)
    folder = built.save(tmp_path / "idx")
    np.save(os.path.join(folder, "vectors.npy"), built.vectors[:2])
    with pytest.raises(KerasBertError, match="build the index again"):
        SearchIndex.load(folder)


def test_an_export_folder_and_a_hugging_face_folder_build_the_same_index(built, files, tmp_path):
    from keras_bert import export_saved_model, load_checkpoint, save_checkpoint

    _, corpus, model = files
    export_saved_model(tiny_sentence_encoder(), str(tmp_path / "export"))
    from_export = SearchIndex.build(corpus, str(tmp_path / "export"), verbose=0)
    assert from_export.info["pooling"] == "mean"
    np.testing.assert_allclose(from_export.vectors, built.vectors, atol=1e-5)
    # A checkpoint of another format: wrapped in a sentence encoder with [CLS] pooling (a
    # Hugging Face folder that is not a sentence-transformers one names no pooling).
    save_checkpoint(load_checkpoint(model), str(tmp_path / "hf"), "huggingface")
    from_hf = SearchIndex.build(corpus, str(tmp_path / "hf"), verbose=0)
    assert from_hf.info["pooling"] == "cls" and from_hf.info["task"] == "BertSentenceEncoder"
    mean = SearchIndex.build(corpus, str(tmp_path / "hf"), pooling="mean", verbose=0)
    np.testing.assert_allclose(mean.vectors, built.vectors, atol=1e-5)
