"""`keras-bert presets`: every named architecture with its size, cost and default learning
rates, to choose a model."""

from keras_bert.config import BertConfig, flops_per_token, parameter_count, preset_names
from keras_bert.training.learning_rates import default_finetuning_rate, default_pretraining_rate


def register(subparsers):
    parser = subparsers.add_parser(
        "presets", help="list the named BERT architectures with size, cost and default learning rates"
    )
    parser.add_argument("--seq-length", type=int, default=128, help="for FLOPs per token")
    parser.set_defaults(func=run)


def run(args):
    header = f"{'preset':<14}{'layers':>7}{'hidden':>8}{'heads':>7}{'params':>12}{'MFLOPs/token':>14}{'pretrain lr':>13}{'finetune lr':>13}"
    print(header)
    print("-" * len(header))
    for name in preset_names():
        config = BertConfig.from_preset(name)
        print(
            f"{name:<14}{config.num_hidden_layers:>7}{config.hidden_size:>8}"
            f"{config.num_attention_heads:>7}{parameter_count(config) / 1e6:>11.1f}M"
            f"{flops_per_token(config, args.seq_length) / 1e6:>14.1f}{default_pretraining_rate(name):>13g}"
            f"{default_finetuning_rate(config.hidden_size):>13g}"
        )
    print(f"\nParameters with the 30,522-token English vocabulary; FLOPs at seq length {args.seq_length}. "
          f"`keras-bert pretrain` and `keras-bert finetune` take the lr columns as their peak learning rates "
          f"unless --learning-rate says otherwise.")
