import keras

from keras_bert import BertConfig, BertEncoder
from keras_bert.cli.main import main
from keras_bert.cli.presets import flops_per_token, parameter_count


def test_parameter_count_matches_the_built_model():
    config = BertConfig.from_preset("bert_tiny", vocab_size=500, max_position_embeddings=64)
    encoder = BertEncoder(config)
    built = sum(int(keras.ops.size(w)) for w in encoder.weights)
    assert parameter_count(config) == built


def test_bert_base_has_about_110_million_parameters():
    # Devlin et al. (2018) report 110M parameters for BERT-Base.
    assert 108e6 < parameter_count(BertConfig.from_preset("bert_base")) < 111e6


def test_flops_grow_with_depth_and_width():
    tiny = flops_per_token(BertConfig.from_preset("bert_tiny"))
    base = flops_per_token(BertConfig.from_preset("bert_base"))
    assert base > 100 * tiny


def test_presets_command_lists_every_preset(capsys):
    assert main(["presets"]) == 0
    out = capsys.readouterr().out
    for name in ("bert_tiny", "bert_large", "L-12_H-768", "L-2_H-128"):
        assert name in out
