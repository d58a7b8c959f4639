"""`keras-bert convert`: rewrite a BERT checkpoint folder in another format.

    keras-bert convert --from google uncased_L-12_H-768_A-12 --to huggingface out/

Formats: keras_bert (our model folder), google (TF1 bert_model.ckpt), huggingface
(transformers' safetensors folder). The heads the input has (masked LM, next sentence) are
carried over; a classifier's head is carried only from keras_bert to keras_bert.
"""

import argparse
import os

from keras_bert.errors import KerasBertError


FORMATS = ("keras_bert", "google", "huggingface")
ACTIVATIONS = ("gelu", "gelu_approx", "relu", "silu", "tanh", "linear")


def register(subparsers):
    parser = subparsers.add_parser(
        "convert",
        help="convert a BERT checkpoint between keras_bert, Google and Hugging Face formats",
        description=__doc__.split("\n\n")[0],
    )
    parser.add_argument("--from", dest="from_format", choices=FORMATS, default=None,
                        help="the input's format (default: detected from its files)")
    parser.add_argument(
        "input", metavar="IN",
        help="the input checkpoint folder, or a published one: hf://ORG/NAME[@REVISION], or "
        "the https:// URL of a Google .zip or a folder (downloaded once into $KERAS_BERT_CACHE)",
    )
    parser.add_argument("--to", dest="to_format", choices=FORMATS, required=True,
                        help="the output's format")
    parser.add_argument("output", metavar="OUT", help="the output folder (created)")
    parser.add_argument(
        "--hidden-act", choices=ACTIVATIONS, default=None,
        help="replace the input's activation; Google's 'gelu' is read as gelu_approx (tanh "
        "form) unless this says otherwise",
    )
    parser.add_argument("--lowercase", action=argparse.BooleanOptionalAction, default=None,
                        help="whether the tokenizer lowercases and strips accents (default: from the input)")
    parser.add_argument("--overwrite", action="store_true",
                        help="write into OUT even when it already holds files")
    parser.set_defaults(func=run)


def run(args):
    from keras_bert.interop.loader import load_checkpoint, save_checkpoint

    from keras_bert.interop import remote
    from keras_bert.output_paths import check_output, staged_folder

    if os.path.abspath(args.input) == os.path.abspath(args.output):
        raise KerasBertError("IN and OUT are the same folder; write the conversion elsewhere.")
    if not remote.is_remote(args.input) and not os.path.isdir(args.input):
        raise KerasBertError(f"IN {args.input} is not a folder.")
    if os.path.isdir(args.output) and os.listdir(args.output) and not args.overwrite:
        raise KerasBertError(f"OUT {args.output} is not empty; pass --overwrite to write into it.")
    check_output("OUT", args.output, [("IN", None if remote.is_remote(args.input) else args.input)],
                 overwrite=args.overwrite, refuse_files=True)
    try:
        loaded = load_checkpoint(
            args.input, hidden_act=args.hidden_act, lowercase=args.lowercase,
            format=args.from_format,
        )
    except ImportError as error:
        raise KerasBertError(str(error)) from None
    for note in loaded.metadata.get("notes", []):
        print(f"note: {note}")
    if loaded.classifier is not None and args.to_format != "keras_bert":
        print(f"note: the classifier head is not part of the {args.to_format} format; "
              "only the encoder is written")
    with staged_folder("OUT", args.output) as staging:
        save_checkpoint(loaded, staging, args.to_format)
    heads = []
    if loaded.pretrainer is not None:
        heads.append("masked LM")
        if loaded.pretrainer.next_sentence_head is not None:
            heads.append("next sentence")
    config = loaded.config
    print(
        f"Converted {args.input} ({loaded.format}) -> {args.output} ({args.to_format}): "
        f"{config.num_hidden_layers} layers, hidden {config.hidden_size}, "
        f"vocabulary {config.vocab_size}, hidden_act {config.hidden_act}, "
        f"lowercase {loaded.lowercase}, heads: {', '.join(heads) or 'none'}."
    )
    return 0
