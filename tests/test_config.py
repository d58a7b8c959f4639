import json

import pytest

from keras_bert import BertConfig
from keras_bert.config import preset_names


def test_defaults_are_google_bert_base():
    # Values of Google's uncased_L-12_H-768_A-12/bert_config.json (google-research/bert README).
    config = BertConfig()
    assert config.to_dict() == {
        "vocab_size": 30522,
        "hidden_size": 768,
        "num_hidden_layers": 12,
        "num_attention_heads": 12,
        "intermediate_size": 3072,
        "hidden_act": "gelu",
        "hidden_dropout_prob": 0.1,
        "attention_probs_dropout_prob": 0.1,
        "max_position_embeddings": 512,
        "type_vocab_size": 2,
        "initializer_range": 0.02,
        "layer_norm_eps": 1e-12,
    }


def test_google_bert_config_json_loads_and_round_trips(tmp_path):
    # The exact keys of Google's released bert_config.json for BERT-Large (no layer_norm_eps).
    google = {
        "attention_probs_dropout_prob": 0.1,
        "hidden_act": "gelu",
        "hidden_dropout_prob": 0.1,
        "hidden_size": 1024,
        "initializer_range": 0.02,
        "intermediate_size": 4096,
        "max_position_embeddings": 512,
        "num_attention_heads": 16,
        "num_hidden_layers": 24,
        "type_vocab_size": 2,
        "vocab_size": 30522,
    }
    path = tmp_path / "bert_config.json"
    path.write_text(json.dumps(google))
    config = BertConfig.from_json(path)
    assert config == BertConfig.from_preset("bert_large")
    out = tmp_path / "out.json"
    config.to_json(out)
    assert BertConfig.from_json(out) == config
    assert json.loads(out.read_text())["layer_norm_eps"] == 1e-12


@pytest.mark.parametrize(
    "name, layers, hidden, heads, intermediate",
    [
        ("bert_tiny", 2, 128, 2, 512),
        ("bert_mini", 4, 256, 4, 1024),
        ("bert_small", 4, 512, 8, 2048),
        ("bert_medium", 8, 512, 8, 2048),
        ("bert_base", 12, 768, 12, 3072),
        ("bert_large", 24, 1024, 16, 4096),
        ("L-6_H-256", 6, 256, 4, 1024),
        ("L-10_H-768", 10, 768, 12, 3072),
    ],
)
def test_presets_match_google_released_shapes(name, layers, hidden, heads, intermediate):
    config = BertConfig.from_preset(name)
    assert (
        config.num_hidden_layers,
        config.hidden_size,
        config.num_attention_heads,
        config.intermediate_size,
    ) == (layers, hidden, heads, intermediate)


def test_all_24_small_berts_are_presets():
    names = preset_names()
    small = [n for n in names if n.startswith("L-")]
    assert len(small) == 24
    assert {"bert_tiny", "bert_mini", "bert_small", "bert_medium", "bert_base", "bert_large"} <= set(names)


def test_preset_overrides():
    config = BertConfig.from_preset("bert_tiny", vocab_size=99, hidden_act="gelu_approx")
    assert config.vocab_size == 99 and config.hidden_act == "gelu_approx"


def test_unknown_preset_lists_valid_names():
    with pytest.raises(ValueError, match="bert_tiny.*bert_mini"):
        BertConfig.from_preset("bert_huge")


@pytest.mark.parametrize(
    "overrides, message",
    [
        (dict(hidden_size=100, num_attention_heads=3), "divisible by num_attention_heads"),
        (dict(hidden_act="gelu_fast"), "hidden_act 'gelu_fast' is unknown"),
        (dict(num_hidden_layers=0), "num_hidden_layers must be a positive integer"),
        (dict(vocab_size=-5), "vocab_size must be a positive integer"),
        (dict(hidden_dropout_prob=1.5), r"hidden_dropout_prob must be in \[0, 1\)"),
        (dict(layer_norm_eps=0), "layer_norm_eps must be positive"),
    ],
)
def test_validation_names_the_key(overrides, message):
    with pytest.raises(ValueError, match=message):
        BertConfig(**overrides)


def test_from_json_errors_name_the_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="missing.json"):
        BertConfig.from_json(tmp_path / "missing.json")
    bad = tmp_path / "bad.json"
    bad.write_text('{"vocab_size": 10, "hidden_size": 12, "num_attention_heads": 5}')
    with pytest.raises(ValueError, match="bad.json.*divisible"):
        BertConfig.from_json(bad)
    unknown = tmp_path / "unknown.json"
    unknown.write_text('{"vocab_size": 10, "num_layers": 2}')
    with pytest.raises(ValueError, match="unknown.json.*num_layers"):
        BertConfig.from_json(unknown)


def test_parameter_count_matches_the_built_model():
    import keras

    from keras_bert import BertEncoder
    from keras_bert.config import parameter_count

    config = BertConfig.from_preset("bert_tiny", vocab_size=500, max_position_embeddings=64)
    encoder = BertEncoder(config)
    built = sum(int(keras.ops.size(w)) for w in encoder.weights)
    assert parameter_count(config) == built


def test_bert_base_has_about_110_million_parameters():
    from keras_bert.config import parameter_count

    # Devlin et al. (2018) report 110M parameters for BERT-Base.
    assert 108e6 < parameter_count(BertConfig.from_preset("bert_base")) < 111e6


def test_flops_grow_with_depth_and_width():
    from keras_bert.config import flops_per_token

    tiny = flops_per_token(BertConfig.from_preset("bert_tiny"))
    base = flops_per_token(BertConfig.from_preset("bert_base"))
    assert base > 100 * tiny
