"""`keras-bert attention`: draw one layer's attention heads for a text as a PNG."""

import os
from keras_bert.errors import KerasBertError



def register(subparsers):
    parser = subparsers.add_parser(
        "attention",
        help="draw the attention heads of one layer for a text as a PNG",
        description="Load any model folder (keras_bert, Google or Hugging Face) and draw, for "
        "one layer, every head's attention probabilities between the text's word pieces.",
    )
    parser.add_argument(
        "--model", required=True,
        help="model folder, or a published checkpoint (hf://ORG/NAME[@REVISION], https://...)",
    )
    parser.add_argument("--text", required=True, help="the text (first segment)")
    parser.add_argument("--text-pair", help="an optional second segment")
    parser.add_argument("--layer", type=int, default=-1, help="layer index (default: the last)")
    parser.add_argument("--seq-length", type=int, default=128, help="truncate the text to this")
    parser.add_argument("--out", default="attention.png", help="PNG file to write")
    parser.set_defaults(func=run)


def run(args):
    from keras_bert.interop import remote
    from keras_bert.interop.loader import load_checkpoint
    from keras_bert.visualization.attention import plot_attention

    if remote.is_remote(args.model):
        remote.check_name(args.model)
    elif not os.path.isdir(args.model):
        raise KerasBertError(f"--model {args.model} is not a folder.")
    if not args.text.strip():
        raise KerasBertError("--text is empty: give the sentence whose attention to draw.")
    loaded = load_checkpoint(args.model)
    path = plot_attention(
        loaded.encoder,
        loaded.tokenizer,
        args.text,
        args.out,
        layer=args.layer,
        text_pair=args.text_pair,
        seq_length=args.seq_length,
    )
    print(f"Wrote {path}: layer {args.layer} of {loaded.config.num_hidden_layers}, "
          f"{loaded.config.num_attention_heads} heads.")
