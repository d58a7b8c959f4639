"""Format detection, its errors, and the `keras-bert convert` command."""

import json
import os

import numpy as np
import pytest

import keras_bert
from keras_bert.cli.main import main
from keras_bert.interop.loader import detect_format
from tests.interop import reference_bert as ref


def google_folder(tmp_path, name="uncased_tiny"):
    config = {key: value for key, value in ref.TINY_HF_CONFIG.items()
              if key not in ("model_type", "architectures")}
    config["type_vocab_size"] = 2
    config["hidden_act"] = "gelu"  # Google's name for the tanh form
    weights = ref.random_google_weights(config, seed=7)
    folder = tmp_path / name
    folder.mkdir()
    (folder / "bert_config.json").write_text(json.dumps(config))
    (folder / "vocab.txt").write_text("\n".join(ref.tiny_vocabulary(48)) + "\n")
    ref.write_tf1_checkpoint(str(folder / "bert_model.ckpt"), weights)
    return str(folder), config, weights


def test_not_a_folder_and_missing_folder(tmp_path):
    with pytest.raises(FileNotFoundError, match="not found"):
        keras_bert.load_checkpoint(str(tmp_path / "nowhere"))
    file = tmp_path / "bert_model.ckpt.index"
    file.write_bytes(b"")
    with pytest.raises(ValueError, match="is a file; load_checkpoint takes the folder"):
        keras_bert.load_checkpoint(str(file))


def test_unrecognised_folder_lists_what_was_found_and_what_each_format_needs(tmp_path):
    (tmp_path / "bert_config.json").write_text("{}")
    (tmp_path / "notes.txt").write_text("")
    with pytest.raises(ValueError) as error:
        detect_format(str(tmp_path))
    message = str(error.value)
    assert "Found: bert_config.json, notes.txt" in message
    for needed in ("keras_bert.json", "bert_model.ckpt.index", "model.safetensors"):
        assert needed in message


def test_format_argument_must_match_the_folder(tmp_path):
    folder, _, _ = google_folder(tmp_path)
    with pytest.raises(ValueError, match="looks like a 'google' folder, not 'huggingface'"):
        keras_bert.load_checkpoint(folder, format="huggingface")


def test_convert_google_to_huggingface_to_keras_bert_keeps_predictions(tmp_path, capsys):
    source, config, weights = google_folder(tmp_path)
    hf = str(tmp_path / "hf")
    ours = str(tmp_path / "ours")
    assert main(["convert", "--from", "google", source, "--to", "huggingface", hf]) == 0
    printed = capsys.readouterr().out
    assert "tanh approximation" in printed
    assert "heads: masked LM, next sentence" in printed
    assert main(["convert", hf, "--to", "keras_bert", ours]) == 0
    with open(os.path.join(ours, "keras_bert.json")) as file:
        metadata = json.load(file)
    assert metadata["task"] == "pretrainer"

    loaded = keras_bert.load_checkpoint(ours)
    assert loaded.lowercase is True and loaded.tokenizer.lowercase is True
    assert loaded.config.hidden_act == "gelu_approx"
    inputs = ref.example_inputs(48, seed=1)
    positions = np.array([[1, 2], [3, 4], [0, 1]], np.int32)
    act = ref.activation("gelu_approx")
    sequence, _ = ref.numpy_bert(weights, config, act, **inputs)
    expected = ref.numpy_masked_lm_logits(weights, config, act, sequence, positions)
    actual = np.asarray(loaded.pretrainer({**inputs, "masked_lm_positions": positions})["mlm_logits"])
    np.testing.assert_allclose(actual, expected, atol=1e-4)


def test_convert_hidden_act_override_and_user_errors(tmp_path, capsys):
    source, _, _ = google_folder(tmp_path)
    out = str(tmp_path / "out")
    assert main(["convert", source, "--to", "keras_bert", out, "--hidden-act", "gelu"]) == 0
    assert keras_bert.load_checkpoint(out).config.hidden_act == "gelu"
    capsys.readouterr()
    # A non-empty output folder, a wrong --from, a folder of nothing: one-line errors, code 2.
    assert main(["convert", source, "--to", "google", out]) == 2
    assert "not empty; pass --overwrite" in capsys.readouterr().err
    assert main(["convert", "--from", "huggingface", source, "--to", "google",
                 str(tmp_path / "x")]) == 2
    assert "looks like a 'google' folder" in capsys.readouterr().err
    empty = tmp_path / "empty"
    empty.mkdir()
    assert main(["convert", str(empty), "--to", "google", str(tmp_path / "y")]) == 2
    assert "not a checkpoint folder keras_bert recognises" in capsys.readouterr().err
