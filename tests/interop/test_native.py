"""Our model folder: write, read back, and get exactly the same weights and outputs."""

import json
import os

import numpy as np
import pytest

from keras_bert.config import BertConfig
from keras_bert.interop import native
from keras_bert.modeling.encoder import BertEncoder


def tiny_config(**overrides):
    values = dict(
        vocab_size=40,
        hidden_size=16,
        num_hidden_layers=2,
        num_attention_heads=4,
        intermediate_size=24,
        max_position_embeddings=32,
    )
    values.update(overrides)
    return BertConfig(**values)


def tiny_vocabulary(size=40):
    special = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    return special + [f"tok{index}" for index in range(size - len(special))]


def encoder_inputs(vocab_size=40, seed=0, batch=2, seq=7):
    rng = np.random.default_rng(seed)
    mask = np.ones((batch, seq), "int32")
    mask[1, 5:] = 0
    return {
        "input_word_ids": rng.integers(0, vocab_size, (batch, seq)).astype("int32"),
        "input_mask": mask,
        "input_type_ids": (np.arange(seq)[None, :] >= 3).repeat(batch, 0).astype("int32"),
    }


def test_encoder_folder_round_trip_is_exact(tmp_path):
    config = tiny_config(hidden_act="gelu_approx")
    encoder = BertEncoder(config)
    folder = str(tmp_path / "model")
    native.write_model_folder(
        folder, config=config, vocabulary=tiny_vocabulary(), lowercase=False, encoder=encoder
    )
    assert sorted(os.listdir(folder)) == [
        "bert_config.json", "encoder.weights.h5", "keras_bert.json", "vocab.txt"
    ]
    with open(os.path.join(folder, "keras_bert.json")) as file:
        assert json.load(file) == {
            "format": "keras_bert", "format_version": 1, "lowercase": False, "task": "encoder"
        }

    loaded = native.read_model_folder(folder)
    assert loaded.format == "keras_bert"
    assert loaded.config == config
    assert loaded.vocabulary == tiny_vocabulary()
    assert loaded.lowercase is False
    assert loaded.pretrainer is None and loaded.classifier is None
    for original, reloaded in zip(encoder.weights, loaded.encoder.weights):
        np.testing.assert_array_equal(original.numpy(), reloaded.numpy())
    inputs = encoder_inputs()
    expected = encoder(inputs)
    actual = loaded.encoder(inputs)
    for key in ("sequence_output", "pooled_output"):
        np.testing.assert_array_equal(np.asarray(expected[key]), np.asarray(actual[key]))


def test_pretrainer_folder_round_trip_is_exact(tmp_path):
    pretrainer_module = pytest.importorskip("keras_bert.tasks.pretrainer")
    config = tiny_config()
    encoder = BertEncoder(config)
    pretrainer = pretrainer_module.BertPretrainer(encoder, next_sentence=True)
    inputs = dict(encoder_inputs(), masked_lm_positions=np.array([[1, 2], [0, 4]], "int32"))
    expected = pretrainer(inputs)
    # Non-zero head weights, so a head that failed to load would show.
    rng = np.random.default_rng(1)
    for weight in pretrainer.masked_lm_head.weights + pretrainer.next_sentence_head.weights:
        weight.assign(rng.normal(size=weight.shape).astype("float32"))
    expected = pretrainer(inputs)

    folder = str(tmp_path / "pretrained")
    native.write_model_folder(
        folder,
        config=config,
        vocabulary=tiny_vocabulary(),
        lowercase=True,
        encoder=encoder,
        pretrainer=pretrainer,
    )
    loaded = native.read_model_folder(folder)
    assert loaded.metadata["task"] == "pretrainer"
    actual = loaded.pretrainer(inputs)
    for key in ("mlm_logits", "nsp_logits"):
        np.testing.assert_array_equal(np.asarray(expected[key]), np.asarray(actual[key]))
    assert loaded.pretrainer.encoder is loaded.encoder


def test_rewriting_as_encoder_removes_a_stale_task_model(tmp_path):
    config = tiny_config()
    encoder = BertEncoder(config)
    folder = tmp_path / "model"
    folder.mkdir()
    (folder / "pretrainer.weights.h5").write_bytes(b"stale")
    native.write_model_folder(
        str(folder), config=config, vocabulary=tiny_vocabulary(), lowercase=True, encoder=encoder
    )
    assert not (folder / "pretrainer.weights.h5").exists()


def test_vocabulary_must_match_vocab_size(tmp_path):
    config = tiny_config()
    with pytest.raises(ValueError, match="39 tokens but the config's vocab_size is 40"):
        native.write_model_folder(
            str(tmp_path / "m"),
            config=config,
            vocabulary=tiny_vocabulary()[:-1],
            lowercase=True,
            encoder=BertEncoder(config),
        )


def test_reader_rejects_other_formats_and_versions(tmp_path):
    with pytest.raises(FileNotFoundError, match="no keras_bert.json"):
        native.read_model_folder(str(tmp_path))
    (tmp_path / "keras_bert.json").write_text(json.dumps({"format": "keras_bert", "format_version": 9, "task": "encoder"}))
    with pytest.raises(ValueError, match="format_version 9"):
        native.read_model_folder(str(tmp_path))


def test_classifier_folder_round_trip_is_exact(tmp_path):
    classifier_module = pytest.importorskip("keras_bert.tasks.classifier")
    config = tiny_config()
    encoder = BertEncoder(config)
    classifier = classifier_module.BertClassifier(
        encoder, 3, labels=["neg", "neu", "pos"], text_pair=True, seq_length=16
    )
    rng = np.random.default_rng(2)
    for weight in classifier.classifier_dense.weights:
        weight.assign(rng.normal(size=weight.shape).astype("float32"))
    inputs = encoder_inputs()
    expected = np.asarray(classifier(inputs))

    folder = str(tmp_path / "classifier")
    written = native.write_model_folder(
        folder, config=config, vocabulary=tiny_vocabulary(), lowercase=True,
        encoder=encoder, classifier=classifier,
    )
    assert written["labels"] == ["neg", "neu", "pos"]
    assert written["num_classes"] == 3 and written["text_pair"] is True
    assert written["seq_length"] == 16 and written["task"] == "classifier"
    loaded = native.read_model_folder(folder)
    assert loaded.classifier.labels == ["neg", "neu", "pos"]
    assert loaded.classifier.text_pair is True and loaded.classifier.seq_length == 16
    np.testing.assert_array_equal(np.asarray(loaded.classifier(inputs)), expected)
