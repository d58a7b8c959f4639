"""BertTokenTagger: masked loss, fitting (softmax and CRF), entities by offsets, windows, and
the model folder round trip, on a tiny model."""

import json

import keras
import numpy as np
import pytest

from keras_bert import BertConfig, BertEncoder
from keras_bert.data.tag_schemes import bio_tag_names
from keras_bert.data.tagging import TaggedSentence, tagging_dataset
from keras_bert.errors import KerasBertError
from keras_bert.interop.native import load_model, read_metadata, write_model_folder
from keras_bert.tasks.token_tagger import BertTokenTagger, MaskedTagLoss
from keras_bert.tokenization import BertTokenizer

VOCAB = [
    "[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]",
    "the", "cat", "sat", "on", "mat", "john", "smith", "paris", "in", "lives", "##s", "a",
    "dog", ",", ".", "北", "京", "jo", "##hn",
]
TAGS = bio_tag_names(["LOC", "PER"])  # O B-LOC I-LOC B-PER I-PER
SENTENCES = [
    TaggedSentence("John Smith lives in Paris".split(), ["B-PER", "I-PER", "O", "O", "B-LOC"]),
    TaggedSentence("the cat sat on the mat .".split(), ["O"] * 7),
    TaggedSentence("Paris cats , John".split(), ["B-LOC", "O", "O", "B-PER"]),
]


@pytest.fixture(scope="module")
def tokenizer():
    return BertTokenizer(VOCAB, lowercase=True)


def tiny_encoder():
    return BertEncoder(BertConfig(
        vocab_size=len(VOCAB), hidden_size=16, num_hidden_layers=1, num_attention_heads=2,
        intermediate_size=32, max_position_embeddings=64,
        hidden_dropout_prob=0.0, attention_probs_dropout_prob=0.0,
    ))


def tagger(tokenizer, **kwargs):
    kwargs.setdefault("tags", TAGS)
    return BertTokenTagger(tiny_encoder(), tokenizer=tokenizer, **kwargs)


def forced(model, tag):
    """Make `model` predict `tag` at every position (zero kernel, a bias for that tag)."""
    kernel, bias = model.tagger_dense.weights
    kernel.assign(np.zeros(kernel.shape, "float32"))
    bias.assign(np.eye(len(model.tag_names), dtype="float32")[model.tag_names.index(tag)])
    return model


def test_logits_are_a_dense_layer_over_the_sequence_output(tokenizer):
    model = tagger(tokenizer)
    inputs = tokenizer.encode(["john smith lives in paris"], seq_length=10)
    logits = np.asarray(model(inputs, training=False))
    assert logits.shape == (1, 10, 5) and logits.dtype == np.float32
    sequence = np.asarray(model.encoder(inputs, training=False)["sequence_output"])
    kernel, bias = (np.asarray(w) for w in model.tagger_dense.weights)
    np.testing.assert_allclose(logits, sequence @ kernel + bias, rtol=1e-5, atol=1e-6)


def test_constructor_checks(tokenizer):
    with pytest.raises(KerasBertError, match="2 tags given for num_tags=3"):
        tagger(tokenizer, tags=["O", "B-X"], num_tags=3)
    with pytest.raises(KerasBertError, match="num_tags must be an integer"):
        tagger(tokenizer, tags=None)
    with pytest.raises(KerasBertError, match="tags repeat O"):
        tagger(tokenizer, tags=["O", "O"])
    with pytest.raises(KerasBertError, match="seq_length must be between 3 and"):
        tagger(tokenizer, seq_length=65)
    words_only = tagger(tokenizer, tags=["NN", "VB"])
    with pytest.raises(KerasBertError, match="predict_entities needs BIO tags"):
        words_only.predict_entities("the cat")
    assert words_only.predict_word_tags([["the", "cat"]])[0][0] in ("NN", "VB")


def test_loss_leaves_out_positions_labelled_minus_one():
    rng = np.random.default_rng(0)
    logits = rng.normal(size=(2, 6, 5)).astype("float32")
    labels = np.array([[-1, 3, -1, 4, 0, -1], [-1, 1, 2, -1, -1, -1]], "int32")
    valid = labels >= 0
    log_softmax = logits - np.log(np.exp(logits).sum(-1, keepdims=True))
    expected = -np.mean([log_softmax[b, t, labels[b, t]] for b, t in zip(*np.nonzero(valid))])
    assert float(MaskedTagLoss()(labels, logits)) == pytest.approx(expected, rel=1e-5)
    # Whatever the logits are where the label is -1, the loss is the same.
    changed = np.where(valid[..., None], logits, 100.0 * rng.normal(size=logits.shape))
    assert float(MaskedTagLoss()(labels, changed)) == pytest.approx(expected, rel=1e-5)


@pytest.mark.parametrize("crf", [False, True], ids=["softmax", "crf"])
def test_fit_learns_the_toy_entities(tokenizer, crf):
    keras.utils.set_random_seed(0)
    model = tagger(tokenizer, crf=crf, seq_length=16, dropout=0.0)
    data = tagging_dataset(SENTENCES * 6, tokenizer, TAGS, seq_length=16, batch_size=4,
                           shuffle=True, seed=0)
    model.compile(optimizer=keras.optimizers.Adam(1e-2))
    history = model.fit(data, validation_data=data, epochs=8, shuffle=False, verbose=0)
    assert {"loss", "accuracy", "entity_f1", "val_entity_f1"} <= set(history.history)
    assert history.history["val_entity_f1"][-1] == 1.0
    assert model.predict_word_tags([s.words for s in SENTENCES]) == [s.tags for s in SENTENCES]
    text = "  John  Smith lives in Paris ."
    assert model.predict_entities(text) == [
        {"type": "PER", "start": 2, "end": 13, "text": "John  Smith"},
        {"type": "LOC", "start": 23, "end": 28, "text": "Paris"},
    ]
    if crf:
        assert np.any(np.asarray(model.crf_layer.transitions) != 0)  # trained jointly


def test_entities_are_cut_from_the_text_by_offsets(tokenizer):
    text = "\tJöhn  Smith,北京 cats\u00a0"
    # Every word its own entity: the spans are the words, accents and all.
    per_word = forced(tagger(tokenizer), "B-PER").predict_entities([text, ""])
    assert [e["text"] for e in per_word[0]] == ["Jöhn", "Smith", ",", "北", "京", "cats"]
    assert per_word[1] == []
    for entity in per_word[0]:
        assert text[entity["start"]:entity["end"]] == entity["text"]
    # One entity over all words: from the first word's first character to the last's end.
    (whole,) = forced(tagger(tokenizer), "I-LOC").predict_entities(text)
    assert whole == {"type": "LOC", "start": 1, "end": len(text) - 1, "text": text[1:-1]}


def test_long_texts_are_windowed_not_cut(tokenizer):
    model = forced(tagger(tokenizer, seq_length=8), "B-PER")
    words = ["john", "smith", "lives", "in", "paris", "cats"] * 7  # 49 pieces, windows of 6
    entities = model.predict_entities(" ".join(words))
    assert [e["text"] for e in entities] == words
    tags = model.predict_word_tags([words, words[:3]])
    assert tags == [["B-PER"] * len(words), ["B-PER"] * 3]


def test_words_without_their_own_piece_continue_the_entity(tokenizer):
    model = forced(tagger(tokenizer), "B-PER")
    # Joined without spaces, "jo" + "hn" is one word "john": one piece covers both words,
    # so "hn" continues "jo"'s entity; "\x05" vanishes and is O.
    tags = model.predict_word_tags([TaggedSentence(["jo", "hn", "\x05", "北"], separator="")])
    assert tags == [["B-PER", "I-PER", "O", "B-PER"]]


@pytest.mark.parametrize("crf", [False, True], ids=["softmax", "crf"])
def test_model_folder_round_trip(tmp_path, tokenizer, crf):
    model = tagger(tokenizer, crf=crf, seq_length=24, dropout=0.2)
    if crf:
        rng = np.random.default_rng(0)
        model.crf_layer.transitions.assign(rng.normal(size=(5, 5)).astype("float32"))
    model.compile()  # a compiled model is saved without its optimizer
    write_model_folder(tmp_path / "tagger", model, {"run": "test"})
    assert read_metadata(tmp_path / "tagger")["task"] == "tagger"
    loaded = load_model(tmp_path / "tagger")
    assert isinstance(loaded, BertTokenTagger)
    assert loaded.constructor_arguments().keys() == model.constructor_arguments().keys()
    for key in ("tags", "num_tags", "dropout", "seq_length", "crf"):
        assert getattr(loaded, key) == getattr(model, key)
    assert loaded.tokenizer.vocabulary == VOCAB
    inputs = tokenizer.encode(["john lives in paris", "the cat"], seq_length=12)
    np.testing.assert_allclose(loaded(inputs), model(inputs), atol=1e-6)
    text = "John Smith lives in Paris"
    assert loaded.predict_entities(text) == model.predict_entities(text)
    config = json.loads((tmp_path / "tagger" / "config.json").read_text())
    assert config["config"]["crf"] is crf


def test_mixed_precision_keeps_float32_scores(tokenizer):
    model = BertTokenTagger(tiny_encoder(), tags=TAGS, crf=True, tokenizer=tokenizer,
                            dtype="mixed_float16")
    inputs = tokenizer.encode(["john smith"], seq_length=8)
    assert np.asarray(model(inputs)).dtype == np.float32
    assert model.crf_layer.transitions.dtype == "float32"
