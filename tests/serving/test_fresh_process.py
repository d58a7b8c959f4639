"""The exported SavedModel in a fresh interpreter (TensorFlow + tf-text only) matches the
in-memory model, through signatures and methods, for normal and bad input alike."""

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from tests.serving.exported_model import (
    BAD_INPUTS,
    LABELS,
    TEXTS,
    as_bytes,
    expected_outputs,
    subprocess_environment,
    write_cases,
)

PROBE = Path(__file__).with_name("fresh_process_probe.py")
TOLERANCE = 1e-5
TEXT_CASES = {"texts": as_bytes(TEXTS), **BAD_INPUTS}
PAIRS = (as_bytes(TEXTS), as_bytes(list(reversed(TEXTS))))


@pytest.fixture(scope="module")
def probe(exported, tmp_path_factory):
    """Outputs of every route, per case, computed in a fresh interpreter."""
    saved_model, classifier, _ = exported
    work = tmp_path_factory.mktemp("probe")
    ids = {
        name: value.tolist()
        for name, value in expected_outputs(classifier, as_bytes(TEXTS)).items()
        if name.startswith("input_")
    }
    cases = work / "cases.json"
    write_cases(cases, TEXT_CASES)
    data = json.loads(cases.read_text())
    cases.write_text(
        json.dumps({"texts": data, "pairs": [[t.hex() for t in p] for p in PAIRS], "ids": ids})
    )
    result = subprocess.run(
        [sys.executable, str(PROBE), str(saved_model), str(cases), str(work)],
        capture_output=True,
        text=True,
        env=subprocess_environment(),
        cwd=work,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    arrays = dict(np.load(work / "outputs.npz"))
    return arrays, json.loads((work / "labels.json").read_text())


def padded_to_longest(expected, mask):
    """`expected` (padded to seq_length) cut to the exported batch's length: its longest text
    rounded up to a multiple of 8, with nothing but padding cut off."""
    length = mask.shape[1]
    longest = int(expected["input_mask"].sum(axis=1).max(initial=1))
    assert length == min(16, -(-longest // 8) * 8), (length, longest)
    assert not expected["input_mask"][:, length:].any()
    return {
        name: (value[:, :length] if name in ("input_mask", "sequence_output") else value)
        for name, value in expected.items()
    }


def check_route(probe, case, route, expected):
    arrays, strings = probe
    if f"{case}/{route}/input_mask" in arrays:
        expected = padded_to_longest(expected, arrays[f"{case}/{route}/input_mask"])
        assert np.array_equal(arrays[f"{case}/{route}/input_mask"], expected["input_mask"])
    for name in ("pooled_output", "sequence_output"):
        key = f"{case}/{route}/{name}"
        if key in arrays:
            assert arrays[key].shape == expected[name].shape, key
            np.testing.assert_allclose(arrays[key], expected[name], atol=TOLERANCE, err_msg=key)
    if "classify" in route or route == "serving_default":
        np.testing.assert_allclose(
            arrays[f"{case}/{route}/probabilities"], expected["probabilities"], atol=TOLERANCE
        )
        assert np.array_equal(arrays[f"{case}/{route}/label_ids"], expected["label_ids"])
        assert strings["labels"][f"{case}/{route}/labels"] == expected["labels"]


def test_fresh_process_never_imports_keras_bert(probe):
    _, info = probe
    assert info["keras_bert_imported"] is False
    assert info["signatures"] == sorted(
        ["classify", "encode", "encode_ids", "encode_pair", "serving_default"]
    )
    assert info["num_trainable_variables"] > 0


@pytest.mark.parametrize(
    "route", ["encode_signature", "encode_method", "classify_signature", "classify_method", "serving_default"]
)
def test_text_routes_match_in_memory_model(probe, exported, route):
    _, classifier, _ = exported
    expected = expected_outputs(classifier, as_bytes(TEXTS))
    check_route(probe, "texts", route, expected)


def test_chinese_text_is_tokenized_per_character(probe, exported):
    """'这是一个示例文本。': eight characters and a full stop, each its own token, + [CLS] [SEP]."""
    arrays, _ = probe
    mask = arrays["texts/encode_method/input_mask"][TEXTS.index("这是一个示例文本。")]
    assert mask.sum() == 11


def test_long_input_is_truncated_to_seq_length(probe):
    arrays, _ = probe
    # The last text has more than 16 tokens.
    assert arrays["texts/encode_signature/input_mask"][-1].tolist() == [1] * 16


@pytest.mark.parametrize("route", ["encode_pair_signature", "encode_pair_method"])
def test_pairs_match_in_memory_model(probe, exported, route):
    import tensorflow as tf

    _, classifier, _ = exported
    arrays, _ = probe
    inputs = classifier.tokenizer.encode(
        tf.constant(PAIRS[0]), tf.constant(PAIRS[1]), seq_length=16
    )
    outputs = classifier.encoder(inputs, training=False)
    expected = padded_to_longest(
        {"input_mask": inputs["input_mask"].numpy(), **{k: v.numpy() for k, v in outputs.items() if k != "encoder_outputs"}},
        arrays[f"pairs/{route}/input_mask"],
    )
    assert np.array_equal(arrays[f"pairs/{route}/input_mask"], expected["input_mask"])
    np.testing.assert_allclose(arrays[f"pairs/{route}/pooled_output"], expected["pooled_output"], atol=TOLERANCE)
    np.testing.assert_allclose(arrays[f"pairs/{route}/sequence_output"], expected["sequence_output"], atol=TOLERANCE)


@pytest.mark.parametrize(
    "route", ["encode_ids_signature", "call_method", "call_method_training_false"]
)
def test_tf_hub_encoder_contract_over_token_ids(probe, exported, route):
    _, classifier, _ = exported
    arrays, _ = probe
    expected = expected_outputs(classifier, as_bytes(TEXTS))
    for name in ("pooled_output", "sequence_output", "encoder_outputs"):
        np.testing.assert_allclose(
            arrays[f"ids/{route}/{name}"], expected[name], atol=TOLERANCE, err_msg=name
        )
    # TF Hub's `default` output is the pooled output.
    np.testing.assert_array_equal(arrays[f"ids/{route}/default"], arrays[f"ids/{route}/pooled_output"])
    assert arrays[f"ids/{route}/encoder_outputs"].shape[:2] == (len(TEXTS), 2)


def check_bad_input(probe, exported, case):
    _, classifier, _ = exported
    arrays, strings = probe
    texts = BAD_INPUTS[case]
    expected = expected_outputs(classifier, texts)
    for route in ("encode_signature", "encode_method", "classify_signature", "classify_method"):
        check_route(probe, case, route, expected)
    pooled = arrays[f"{case}/encode_signature/pooled_output"]
    assert pooled.shape == (len(texts), 32)
    assert np.isfinite(pooled).all()
    probabilities = arrays[f"{case}/classify_signature/probabilities"]
    assert probabilities.shape == (len(texts), len(LABELS))
    np.testing.assert_allclose(probabilities.sum(axis=-1), 1.0, atol=1e-5)
    assert set(strings["labels"][f"{case}/classify_signature/labels"]) <= set(LABELS)
    return arrays[f"{case}/encode_signature/input_mask"]


def test_empty_strings(probe, exported):
    mask = check_bad_input(probe, exported, "empty_strings")
    assert mask.sum(axis=1).tolist() == [2, 2]  # [CLS] [SEP]


def test_whitespace_only(probe, exported):
    mask = check_bad_input(probe, exported, "whitespace_only")
    assert mask.sum(axis=1).tolist() == [2, 2]


def test_control_characters(probe, exported):
    mask = check_bad_input(probe, exported, "control_characters")
    # Control characters are dropped: "good" is left in the first text, nothing in the second.
    assert mask.sum(axis=1).tolist() == [3, 2]


def test_invalid_utf8(probe, exported):
    mask = check_bad_input(probe, exported, "invalid_utf8")
    assert mask[0].sum() > 2  # the valid words around the bad bytes survive


def test_hundred_thousand_characters(probe, exported):
    mask = check_bad_input(probe, exported, "long_text")
    assert len(BAD_INPUTS["long_text"][0]) == 100_000
    assert mask.tolist() == [[1] * 16]


def test_empty_batch(probe, exported):
    mask = check_bad_input(probe, exported, "empty_batch")
    assert mask.shape == (0, 8)  # padded to the longest text: none, so the smallest length
