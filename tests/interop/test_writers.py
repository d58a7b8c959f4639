"""Writers: ours → Hugging Face / Google → ours is exact; transformers loads what we write."""

import dataclasses
import json
import os

import numpy as np
import pytest

import keras_bert
from keras_bert.tasks.pretrainer import BertPretrainer
from tests.interop import needs_interop
from tests.interop import reference_bert as ref


@pytest.fixture
def config(tiny_config):
    """The shared tiny config with a layer_norm_eps that is nobody's default."""
    return dataclasses.replace(tiny_config, layer_norm_eps=1e-7)


def random_pretrainer(config, next_sentence=True, seed=0):
    encoder = keras_bert.BertEncoder(config)
    pretrainer = BertPretrainer(encoder, next_sentence=next_sentence)
    rng = np.random.default_rng(seed)
    for weight in pretrainer.weights:
        scale = 1.0 if "gamma" in weight.path else 0.3
        weight.assign((rng.normal(size=weight.shape) * scale).astype("float32"))
    return pretrainer


@pytest.mark.parametrize("next_sentence, hidden_act", [(True, "gelu"), (False, "gelu_approx")])
def test_round_trip_ours_hugging_face_ours_is_exact(tmp_path, config, next_sentence, hidden_act):
    pretrainer = random_pretrainer(
        dataclasses.replace(config, hidden_act=hidden_act), next_sentence
    )
    vocabulary = ref.tiny_vocabulary(config.vocab_size)
    folder = str(tmp_path / "hf")
    keras_bert.save_hugging_face(pretrainer, folder, vocabulary=vocabulary, lowercase=False)
    with open(os.path.join(folder, "config.json")) as file:
        written = json.load(file)
    assert written["architectures"] == (
        ["BertForPreTraining"] if next_sentence else ["BertForMaskedLM"]
    )
    loaded = keras_bert.load_checkpoint(folder)
    assert loaded.format == "huggingface"
    assert loaded.config == pretrainer.encoder.config
    assert loaded.lowercase is False and loaded.vocabulary == vocabulary
    assert (loaded.pretrainer.next_sentence_head is None) == (not next_sentence)
    for original, reloaded in zip(pretrainer.weights, loaded.pretrainer.weights):
        np.testing.assert_array_equal(original.numpy(), reloaded.numpy())


def test_hugging_face_writer_uses_transformers_names_and_layouts(tmp_path):
    """The file read back by name with safetensors alone equals the numpy oracle's HF state."""
    from safetensors.numpy import load_file

    folder, config, weights = _google_source(tmp_path)
    loaded = keras_bert.load_checkpoint(folder)
    out = str(tmp_path / "hf")
    keras_bert.save_hugging_face(loaded, out)
    written = load_file(os.path.join(out, "model.safetensors"))
    expected = ref.hugging_face_state(weights)
    assert sorted(written) == sorted(expected)
    for name, array in expected.items():
        np.testing.assert_array_equal(written[name], array, err_msg=name)


def test_round_trip_ours_native_google_hugging_face_native(tmp_path, config):
    pretrainer = random_pretrainer(config)
    pretrainer.tokenizer = keras_bert.BertTokenizer(
        ref.tiny_vocabulary(config.vocab_size), lowercase=True
    )
    first = str(tmp_path / "ours")
    keras_bert.write_model_folder(first, pretrainer)
    loaded = keras_bert.load_checkpoint(first)
    for format in ("google", "huggingface", "keras_bert"):
        path = str(tmp_path / f"to_{format}")
        keras_bert.save_checkpoint(loaded, path, format)
        loaded = keras_bert.load_checkpoint(path)
        assert loaded.format == format
    assert loaded.config == pretrainer.encoder.config
    for original, reloaded in zip(pretrainer.weights, loaded.pretrainer.weights):
        np.testing.assert_array_equal(original.numpy(), reloaded.numpy())


@needs_interop
def test_transformers_loads_what_we_write_with_matching_outputs(tmp_path, config):
    torch = pytest.importorskip("torch")
    transformers = pytest.importorskip("transformers")
    pretrainer = random_pretrainer(dataclasses.replace(config, hidden_act="gelu"), seed=1)
    folder = str(tmp_path / "hf")
    keras_bert.save_hugging_face(
        pretrainer, folder, vocabulary=ref.tiny_vocabulary(config.vocab_size), lowercase=True
    )
    theirs, info = transformers.BertForPreTraining.from_pretrained(
        folder, output_loading_info=True
    )
    assert not info["missing_keys"] and not info["unexpected_keys"], info
    assert not info["mismatched_keys"], info
    theirs.eval()

    inputs = ref.example_inputs(config.vocab_size, seed=2)
    positions = np.array([[1, 2], [0, 5], [3, 1]], np.int32)
    with torch.no_grad():
        output = theirs(
            input_ids=torch.tensor(inputs["input_word_ids"], dtype=torch.long),
            attention_mask=torch.tensor(inputs["input_mask"], dtype=torch.long),
            token_type_ids=torch.tensor(inputs["input_type_ids"], dtype=torch.long),
            output_hidden_states=True,
        )
    ours = pretrainer({**inputs, "masked_lm_positions": positions})
    their_mlm = np.take_along_axis(output.prediction_logits.numpy(), positions[:, :, None], 1)
    np.testing.assert_allclose(np.asarray(ours["mlm_logits"]), their_mlm, atol=1e-4)
    np.testing.assert_allclose(
        np.asarray(ours["nsp_logits"]), output.seq_relationship_logits.numpy(), atol=1e-5
    )
    sequence = np.asarray(pretrainer.encoder(inputs)["sequence_output"])
    mask = inputs["input_mask"].astype(bool)
    difference = np.max(np.abs(sequence - output.hidden_states[-1].numpy())[mask])
    assert difference <= 1e-5

    base = transformers.BertModel.from_pretrained(folder)  # strips the bert. prefix
    base.eval()
    with torch.no_grad():
        pooled = base(
            input_ids=torch.tensor(inputs["input_word_ids"], dtype=torch.long),
            attention_mask=torch.tensor(inputs["input_mask"], dtype=torch.long),
            token_type_ids=torch.tensor(inputs["input_type_ids"], dtype=torch.long),
        ).pooler_output.numpy()
    np.testing.assert_allclose(
        np.asarray(pretrainer.encoder(inputs)["pooled_output"]), pooled, atol=1e-5
    )


def _google_source(tmp_path):
    config = {key: value for key, value in ref.TINY_HF_CONFIG.items()
              if key not in ("model_type", "architectures")}
    config["hidden_act"] = "gelu"
    config["type_vocab_size"] = 2
    weights = ref.random_google_weights(config, seed=4)
    folder = tmp_path / "uncased_google"
    folder.mkdir()
    (folder / "bert_config.json").write_text(json.dumps(config))
    (folder / "vocab.txt").write_text("\n".join(ref.tiny_vocabulary(48)) + "\n")
    ref.write_tf1_checkpoint(str(folder / "bert_model.ckpt"), weights, optimizer_slots=False)
    return str(folder), config, weights
