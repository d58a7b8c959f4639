import keras

from keras_bert import BertConfig, BertEncoder
from keras_bert.cli.main import main
from keras_bert.cli.presets import flops_per_token, parameter_count
from keras_bert.config import preset_names
from keras_bert.training.learning_rates import default_finetuning_rate, default_pretraining_rate


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


def test_presets_command_lists_the_rates_pretrain_and_finetune_would_use(capsys):
    assert main(["presets"]) == 0
    rows = {line.split()[0]: line.split() for line in capsys.readouterr().out.splitlines() if line[:1].isalpha()}
    for name in preset_names():
        pretrain_rate, finetune_rate = map(float, rows[name][-2:])
        assert pretrain_rate == default_pretraining_rate(name)
        assert finetune_rate == default_finetuning_rate(BertConfig.from_preset(name).hidden_size)
    # BERT-base gets the BERT paper's rates: 1e-4 to pretrain, within 2e-5 ... 5e-5 to fine-tune.
    assert float(rows["bert_base"][-2]) == 1e-4 and 2e-5 <= float(rows["bert_base"][-1]) <= 5e-5

