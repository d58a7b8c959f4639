"""The exported graph uses only ops the stock TF Serving model server has, and
`saved_model_cli show --all` lists clean, named signatures."""

import subprocess
import sys

import pytest

from keras_bert.serving.serving_ops import (
    TF_SERVING_TF_TEXT_OPS,
    core_tensorflow_ops,
    ops_missing_from_tf_serving,
    saved_model_op_names,
)
from tests.serving.exported_model import subprocess_environment


def test_every_op_is_core_tensorflow_or_tf_servings_tf_text(exported):
    saved_model, _, _ = exported
    ops = saved_model_op_names(saved_model)
    # The walk reaches into the function library, where the tokenizer's and model's ops live.
    assert {"WordpieceTokenizeWithOffsets", "MatMul"} <= ops
    tf_text_ops = ops - core_tensorflow_ops()
    assert tf_text_ops <= TF_SERVING_TF_TEXT_OPS, tf_text_ops
    assert not any("Fast" in op or op.startswith("TFText>") for op in ops)
    assert ops_missing_from_tf_serving(saved_model) == []


@pytest.mark.slow
def test_fast_wordpiece_is_reported_and_replaced(tmp_path):
    """A FastWordpiece tokenizer exported as is fails the check; serving_compatible swaps it."""
    from keras_bert import BertConfig, BertEncoder, BertTokenizer, export_saved_model
    from tests.serving.exported_model import VOCABULARY

    tokenizer = BertTokenizer(VOCABULARY, wordpiece_implementation="fast")
    encoder = BertEncoder(
        BertConfig(vocab_size=len(VOCABULARY), hidden_size=32, num_hidden_layers=1,
                   num_attention_heads=2, intermediate_size=64, max_position_embeddings=32)
    )
    fast = tmp_path / "fast"
    export_saved_model(encoder, fast, seq_length=8, tokenizer=tokenizer, serving_compatible=False)
    assert any("FastWordpiece" in op for op in ops_missing_from_tf_serving(fast))

    compatible = tmp_path / "compatible"
    info = export_saved_model(encoder, compatible, seq_length=8, tokenizer=tokenizer)
    assert info["serving_compatible"] and ops_missing_from_tf_serving(compatible) == []
    assert info["signatures"] == ["encode", "encode_ids", "encode_pair", "serving_default"]


def test_saved_model_cli_lists_clean_signatures(exported):
    saved_model, _, _ = exported
    result = subprocess.run(
        [sys.executable, "-m", "tensorflow.python.tools.saved_model_cli", "show",
         "--dir", str(saved_model), "--all"],
        capture_output=True,
        text=True,
        env=subprocess_environment(),
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    listing = result.stdout
    expected = {
        "encode": (["text"], ["sentence_embedding", "pooled_output", "sequence_output", "input_mask"]),
        "encode_pair": (["text_a", "text_b"], ["sentence_embedding", "pooled_output", "sequence_output", "input_mask"]),
        "classify": (["text"], ["probabilities", "label_ids", "labels"]),
        "serving_default": (["text"], ["probabilities", "label_ids", "labels"]),
        "encode_ids": (
            ["input_word_ids", "input_mask", "input_type_ids"],
            ["pooled_output", "sequence_output", "encoder_outputs", "default"],
        ),
    }
    sections = listing.split("signature_def[")
    for name, (inputs, outputs) in expected.items():
        section = next(s for s in sections if s.startswith(f"'{name}']"))
        assert sorted(_names(section, "inputs")) == sorted(inputs), section
        assert sorted(_names(section, "outputs")) == sorted(outputs), section
        assert "Method name is: tensorflow/serving/predict" in section
    # Nothing named by position ("output_0") anywhere.
    assert "output_0" not in listing


def _names(section, kind):
    prefix = f"{kind}['"
    return [
        line.strip()[len(prefix):].split("'")[0]
        for line in section.splitlines()
        if line.strip().startswith(prefix)
    ]
