"""Hugging Face folders: keras-hub and an independent numpy BERT are the oracles."""

import json
import logging
import os

import numpy as np
import pytest

import keras_bert
from keras_bert.interop import hugging_face
from tests.interop import needs_interop
from tests.interop import reference_bert as ref


def make_folder(tmp_path, name="hf", config_overrides=None, heads=True, next_sentence=True,
                prefix="bert.", layer_norm=("weight", "bias"), drop=(), tokenizer_config=None,
                seed=0):
    config = dict(ref.TINY_HF_CONFIG, **(config_overrides or {}))
    weights = ref.random_google_weights(config, seed=seed, heads=heads, next_sentence=next_sentence)
    state = ref.hugging_face_state(weights, prefix=prefix, layer_norm=layer_norm)
    for key in drop:
        del state[key]
    folder = str(tmp_path / name)
    ref.write_hugging_face_folder(
        folder, config, state, ref.tiny_vocabulary(config["vocab_size"]), tokenizer_config
    )
    return folder, config, weights


def our_outputs(encoder, inputs):
    outputs = encoder(inputs)
    return np.asarray(outputs["sequence_output"]), np.asarray(outputs["pooled_output"])


def real_positions_max_difference(ours, theirs, mask):
    return float(np.max(np.abs(ours - theirs)[mask.astype(bool)]))


@pytest.mark.must_run("keras-hub, from the dev extra: pip install \".[dev]\"")
def test_matches_keras_hub_bert_backbone_on_the_same_folder(tmp_path):
    keras_hub = pytest.importorskip("keras_hub")
    # keras-hub's converter builds 2 segment embeddings whatever type_vocab_size says.
    folder, config, _ = make_folder(
        tmp_path, heads=False, config_overrides={"type_vocab_size": 2}
    )
    inputs = ref.example_inputs(config["vocab_size"], type_vocab_size=2)

    backbone = keras_hub.models.BertBackbone.from_preset(folder)
    theirs = backbone({
        "token_ids": inputs["input_word_ids"],
        "segment_ids": inputs["input_type_ids"],
        "padding_mask": inputs["input_mask"],
    })
    loaded = keras_bert.load_checkpoint(folder)
    assert loaded.format == "huggingface"
    assert loaded.config.hidden_act == "gelu_approx"
    sequence, pooled = our_outputs(loaded.encoder, inputs)

    sequence_difference = real_positions_max_difference(
        sequence, np.asarray(theirs["sequence_output"]), inputs["input_mask"]
    )
    pooled_difference = float(np.max(np.abs(pooled - np.asarray(theirs["pooled_output"]))))
    print(f"keras-hub parity: sequence_output {sequence_difference:.2e}, "
          f"pooled_output {pooled_difference:.2e}")
    assert sequence_difference <= 1e-5
    assert pooled_difference <= 1e-5


@pytest.mark.parametrize(
    "prefix, layer_norm, hidden_act, ours",
    [
        ("bert.", ("weight", "bias"), "gelu", "gelu"),
        ("", ("gamma", "beta"), "gelu_pytorch_tanh", "gelu_approx"),
        ("bert.", ("gamma", "beta"), "relu", "relu"),
    ],
)
def test_name_variants_and_activations_match_numpy(tmp_path, prefix, layer_norm, hidden_act, ours):
    folder, config, weights = make_folder(
        tmp_path, config_overrides={"hidden_act": hidden_act, "layer_norm_eps": 1e-7},
        prefix=prefix, layer_norm=layer_norm,
    )
    loaded = keras_bert.load_checkpoint(folder)
    assert loaded.config.hidden_act == ours
    assert loaded.config.layer_norm_eps == 1e-7
    assert loaded.config.type_vocab_size == 3
    inputs = ref.example_inputs(config["vocab_size"], type_vocab_size=3)
    expected_sequence, expected_pooled = ref.numpy_bert(
        weights, config, ref.activation(ours), **inputs
    )
    sequence, pooled = our_outputs(loaded.encoder, inputs)
    assert real_positions_max_difference(sequence, expected_sequence, inputs["input_mask"]) <= 1e-5
    np.testing.assert_allclose(pooled, expected_pooled, atol=1e-5)

    positions = np.array([[1, 3], [0, 5], [2, 2]], np.int32)
    logits = loaded.pretrainer({**inputs, "masked_lm_positions": positions})
    expected_mlm = ref.numpy_masked_lm_logits(
        weights, config, ref.activation(ours), expected_sequence, positions
    )
    np.testing.assert_allclose(np.asarray(logits["mlm_logits"]), expected_mlm, atol=1e-4)
    np.testing.assert_allclose(
        np.asarray(logits["nsp_logits"]),
        ref.numpy_next_sentence_logits(weights, expected_pooled),
        atol=1e-5,
    )


def test_absent_pooler_warns_and_keeps_the_rest(tmp_path, caplog):
    folder, config, weights = make_folder(
        tmp_path, heads=False, prefix="",
        drop=("pooler.dense.weight", "pooler.dense.bias"),
    )
    with caplog.at_level(logging.WARNING, logger="keras_bert"):
        loaded = keras_bert.load_checkpoint(folder)
    assert "no pooler weights" in caplog.text
    assert any("no pooler weights" in note for note in loaded.metadata["notes"])
    assert loaded.pretrainer is None
    inputs = ref.example_inputs(config["vocab_size"])
    expected, _ = ref.numpy_bert(weights, config, ref.activation("gelu_approx"), **inputs)
    sequence, _ = our_outputs(loaded.encoder, inputs)
    assert real_positions_max_difference(sequence, expected, inputs["input_mask"]) <= 1e-5


def test_masked_lm_only_checkpoint_gives_pretrainer_without_next_sentence(tmp_path):
    folder, _, _ = make_folder(tmp_path, next_sentence=False)
    loaded = keras_bert.load_checkpoint(folder)
    assert loaded.pretrainer is not None
    assert loaded.pretrainer.next_sentence_head is None


def test_lowercase_from_tokenizer_config_tokenizer_json_or_vocabulary(tmp_path):
    folder, _, _ = make_folder(tmp_path, "a", heads=False, tokenizer_config={"do_lower_case": False})
    assert keras_bert.load_checkpoint(folder).lowercase is False
    assert keras_bert.load_checkpoint(folder, lowercase=True).lowercase is True
    folder, _, _ = make_folder(tmp_path, "b", heads=False)
    loaded = keras_bert.load_checkpoint(folder)
    assert loaded.lowercase is True  # the tiny vocabulary has no upper-case pieces
    assert any("lowercase=True" in note for note in loaded.metadata["notes"])


def test_vocabulary_from_tokenizer_json_when_no_vocab_txt(tmp_path):
    folder, config, _ = make_folder(tmp_path, heads=False)
    vocabulary = ref.tiny_vocabulary(config["vocab_size"])
    os.remove(os.path.join(folder, "vocab.txt"))
    with open(os.path.join(folder, "tokenizer.json"), "w") as file:
        json.dump({
            "normalizer": {"type": "BertNormalizer", "lowercase": False},
            "model": {"type": "WordPiece", "vocab": {t: i for i, t in enumerate(vocabulary)}},
        }, file)
    loaded = keras_bert.load_checkpoint(folder)
    assert loaded.vocabulary == vocabulary
    assert loaded.lowercase is False
    encoded = loaded.tokenizer.encode(["the cats"], seq_length=6)
    np.testing.assert_array_equal(
        np.asarray(encoded["input_word_ids"]), [[2, 5, 6, 10, 3, 0]]  # [CLS] the cat ##s [SEP]
    )


def test_mis_shaped_and_missing_weights_are_named(tmp_path):
    config = dict(ref.TINY_HF_CONFIG)
    weights = ref.random_google_weights(config, heads=False)
    state = ref.hugging_face_state(weights)
    state["bert.encoder.layer.1.intermediate.dense.weight"] = np.zeros((20, 16), np.float32)
    del state["bert.encoder.layer.0.attention.self.key.bias"]
    folder = str(tmp_path / "broken")
    ref.write_hugging_face_folder(folder, config, state, ref.tiny_vocabulary(48))
    with pytest.raises(ValueError) as error:
        keras_bert.load_checkpoint(folder)
    message = str(error.value)
    assert "bert.encoder.layer.0.attention.self.key.bias" in message
    assert ("bert.encoder.layer.1.intermediate.dense.weight: expected shape [24, 16], "
            "found [20, 16]") in message


def test_config_with_more_layers_than_the_weights_is_an_error(tmp_path):
    folder, _, _ = make_folder(tmp_path, heads=False)
    with open(os.path.join(folder, "config.json")) as file:
        config = json.load(file)
    config["num_hidden_layers"] = 1
    with open(os.path.join(folder, "config.json"), "w") as file:
        json.dump(config, file)
    with pytest.raises(ValueError, match="encoder weights this config has no place for"):
        keras_bert.load_checkpoint(folder)


def test_non_bert_model_type_and_unknown_activation_are_errors(tmp_path):
    folder, _, _ = make_folder(tmp_path, heads=False, config_overrides={"model_type": "roberta"})
    with pytest.raises(ValueError, match="model_type 'roberta' is not BERT"):
        keras_bert.load_checkpoint(folder)
    folder, _, _ = make_folder(tmp_path, "b", heads=False, config_overrides={"hidden_act": "mish"})
    with pytest.raises(ValueError, match="hidden_act 'mish'"):
        keras_bert.load_checkpoint(folder)
    assert keras_bert.load_checkpoint(folder, hidden_act="relu").config.hidden_act == "relu"


def test_pytorch_bin_without_torch_is_a_clear_error(tmp_path, monkeypatch):
    import builtins

    folder, _, _ = make_folder(tmp_path, heads=False)
    os.remove(os.path.join(folder, "model.safetensors"))
    with open(os.path.join(folder, "pytorch_model.bin"), "wb") as file:
        file.write(b"not read")
    real_import = builtins.__import__

    def no_torch(name, *args, **kwargs):
        if name == "torch":
            raise ImportError("No module named 'torch'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_torch)
    with pytest.raises(ImportError, match="needs torch"):
        hugging_face.read_tensors(folder)


def sharded_folder(tmp_path):
    """A Hugging Face folder whose encoder weights are split over two safetensors shards."""
    from safetensors.numpy import save_file

    folder, config, weights = make_folder(tmp_path, heads=False)
    state = ref.hugging_face_state(
        {k: v for k, v in weights.items() if k.startswith("bert/")}
    )
    os.remove(os.path.join(folder, "model.safetensors"))
    names = sorted(state)
    shards = {"model-00001-of-00002.safetensors": names[::2],
              "model-00002-of-00002.safetensors": names[1::2]}
    for shard, shard_names in shards.items():
        save_file({n: state[n] for n in shard_names}, os.path.join(folder, shard),
                  metadata={"format": "pt"})
    with open(os.path.join(folder, "model.safetensors.index.json"), "w") as file:
        json.dump({"weight_map": {n: s for s, ns in shards.items() for n in ns}}, file)
    return folder, config, weights, state


def test_sharded_safetensors(tmp_path):
    folder, config, weights, _ = sharded_folder(tmp_path)
    inputs = ref.example_inputs(config["vocab_size"])
    sequence = our_outputs(keras_bert.load_checkpoint(folder).encoder, inputs)[0]
    reference, _ = ref.numpy_bert(weights, config, ref.activation("gelu_approx"), **inputs)
    assert real_positions_max_difference(sequence, reference, inputs["input_mask"]) <= 1e-5


@needs_interop
def test_pytorch_bin_reads_as_the_sharded_safetensors(tmp_path):
    torch = pytest.importorskip("torch")
    folder, config, _, state = sharded_folder(tmp_path)
    inputs = ref.example_inputs(config["vocab_size"])
    expected = our_outputs(keras_bert.load_checkpoint(folder).encoder, inputs)[0]
    for name in os.listdir(folder):
        if name.startswith("model"):  # the shards and their index
            os.remove(os.path.join(folder, name))
    torch.save({n: torch.from_numpy(a) for n, a in state.items()},
               os.path.join(folder, "pytorch_model.bin"))
    from_bin = our_outputs(keras_bert.load_checkpoint(folder).encoder, inputs)[0]
    np.testing.assert_array_equal(from_bin, expected)
