"""`keras-bert presets`: the table of architectures; the counts it prints are tested in
tests/test_config.py."""

from keras_bert import BertConfig
from keras_bert.cli.main import main
from keras_bert.config import preset_names
from keras_bert.training.learning_rates import default_finetuning_rate, default_pretraining_rate


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

