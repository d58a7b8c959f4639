"""Default peak learning rates, by encoder width, for pretraining and for fine-tuning.

The BERT paper's rates (1e-4 to pretrain at batch 256, 2e-5 … 5e-5 to fine-tune) were tuned
for BERT-base, 768 wide. With Adam, narrower encoders want higher rates, and at the paper's
rates the small presets barely learn. Measured on 2 CPU cores at batch 32:
- pretraining, held-out masked-LM accuracy on corpus/en at seq 64
  (benchmarks/pretraining_learning_rates.py): bert_tiny (128 wide, 4,000 steps) 0.093 / 0.133 /
  0.215 / 0.147 at 1e-4 / 3e-4 / 1e-3 / 3e-3; bert_mini (256 wide, 3,000 steps) 0.139 / 0.192 /
  0.153 / 0.054;
- fine-tuning a pretrained bert_tiny on 10,000 SST-2 sentences, 2 epochs, dev accuracy: 0.562
  at 3e-5 and 0.627 at 1e-4 (one seed), 0.733 at 3e-4, 0.754 at 1e-3 and 0.695 at 3e-3 (means
  over 3 seeds and 2 poolings, benchmarks/finetune_pretrained_vs_random.py, which chose 1e-3 on
  ChnSentiCorp too);
- fine-tuning all-MiniLM-L6-v2 (384 wide) on 6,000 SST-2 sentences of 10+ words, 1 epoch, seq 64,
  seed 0 (benchmarks/finetune_minilm_sst2.py --max-train-examples 6000 --seq-length 64
  --learning-rates 5e-5,1e-4,3e-4), accuracy on 1,000 whole dev sentences that share no text
  with training: 0.849 at 5e-5, 0.852 at 1e-4, 0.842 at 3e-4. Dev chose 1e-4, by margins
  within one run's noise (see benchmarks/README.md), so 1e-4 is a safe middle, not a sharp optimum.
Wider encoders, not measured here, keep the paper's rates.
"""

from keras_bert.config import BertConfig

PAPER_PRETRAINING_RATE = 1e-4
PAPER_FINETUNING_RATE = 3e-5
# (widest hidden size the rate is for, rate), narrowest first.
PRETRAINING_RATES = ((128, 1e-3), (256, 3e-4))
FINETUNING_RATES = ((128, 1e-3), (384, 1e-4))


def _rate_for_width(table, hidden_size, wider):
    for widest, rate in table:
        if hidden_size <= widest:
            return rate
    return wider


def default_pretraining_rate(preset):
    """The peak rate `keras_bert.pretrain` uses for the named preset when its settings give none."""
    hidden_size = BertConfig.from_preset(preset).hidden_size
    return _rate_for_width(PRETRAINING_RATES, hidden_size, PAPER_PRETRAINING_RATE)


def default_finetuning_rate(hidden_size):
    """The peak rate `finetune_classifier` uses for an encoder of this width when none is given."""
    return _rate_for_width(FINETUNING_RATES, hidden_size, PAPER_FINETUNING_RATE)
