"""`keras-bert presets`: every named architecture with its size, cost and default learning
rates, to choose a model."""

from keras_bert.config import BertConfig, preset_names
from keras_bert.training.learning_rates import default_finetuning_rate, default_pretraining_rate


def parameter_count(config):
    """Weights of the encoder (embeddings, blocks, pooler), counted from the config alone."""
    hidden, intermediate = config.hidden_size, config.intermediate_size
    embeddings = (
        (config.vocab_size + config.max_position_embeddings + config.type_vocab_size) * hidden
        + 2 * hidden
    )
    attention = 4 * (hidden * hidden + hidden)
    feed_forward = hidden * intermediate + intermediate + intermediate * hidden + hidden
    block = attention + feed_forward + 2 * 2 * hidden
    pooler = hidden * hidden + hidden
    return embeddings + config.num_hidden_layers * block + pooler


def flops_per_token(config, seq_length=128):
    """Forward-pass FLOPs per token (2 per multiply-add) at `seq_length`, without embeddings.

    Per layer: the four attention projections, the feed-forward pair, and the two
    [seq, seq] attention products (scores and weighted sum).
    """
    hidden, intermediate = config.hidden_size, config.intermediate_size
    per_layer = 2 * (4 * hidden * hidden + 2 * hidden * intermediate) + 2 * 2 * seq_length * hidden
    return config.num_hidden_layers * per_layer


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
