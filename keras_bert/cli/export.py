"""`keras-bert export`: a model folder (from pretrain, finetune or convert) → a SavedModel.

The SavedModel takes raw strings (`encode`, `encode_pair`, and `classify` for classifiers)
and token ids (`encode_ids`), and loads without keras_bert; see export/README.md.
`--quantize int8` writes instead a folder of tokenizer SavedModel + int8 LiteRT model
(`keras_bert.serving.int8_export`), loaded with `keras_bert.load_int8_export`.
"""

import argparse
import os
from keras_bert.errors import KerasBertError


DEFAULT_EXPORT_ROOT = "export"


def register(subparsers):
    parser = subparsers.add_parser(
        "export",
        help="export a model folder as a SavedModel that takes raw strings",
        description="Export any model folder that pretrain, finetune or convert wrote (or a "
        "Google / Hugging Face checkpoint folder) as a TensorFlow SavedModel with its "
        "tokenizer inside: signatures encode, encode_pair, encode_ids and, for a fine-tuned "
        "classifier, classify (also serving_default).",
    )
    parser.add_argument(
        "--model", required=True,
        help="the model folder to export, or a published checkpoint (hf://ORG/NAME[@REVISION], "
        "https://...; downloaded once into $KERAS_BERT_CACHE)",
    )
    parser.add_argument(
        "--out",
        help=f"SavedModel folder to write (default: {DEFAULT_EXPORT_ROOT}/<model folder name>/1, "
        "a version folder TF Serving can serve)",
    )
    parser.add_argument(
        "--seq-length",
        type=int,
        help="packed length of every input (default: the fine-tuned length, else 128)",
    )
    parser.add_argument(
        "--preprocessor-out",
        help="also write a TF Hub style preprocessor SavedModel (tokenize, bert_pack_inputs) here",
    )
    parser.add_argument(
        "--allow-non-serving-ops",
        action="store_true",
        help="do not restrict the graph to ops the stock TensorFlow Serving build has",
    )
    parser.add_argument(
        "--jit-compile",
        action="store_true",
        help="run the encoder and head of encode and classify with XLA (compiled per batch "
        "shape on first use; faster in TensorFlow or Keras processes); needs "
        "--allow-non-serving-ops, as TF Serving runs no XLA by default",
    )
    parser.add_argument(
        "--pooling", choices=("cls", "mean", "max"),
        help="the sentence_embedding that encode returns (default: the model's own: a "
        "classifier's or sentence encoder's pooling, a sentence-transformers checkpoint's, "
        "else cls)",
    )
    parser.add_argument(
        "--normalize", action=argparse.BooleanOptionalAction, default=None,
        help="L2-normalise sentence_embedding (default: the model's own setting, else no)",
    )
    parser.add_argument(
        "--quantize", choices=("int8",),
        help="int8: write a classifier or encoder as a tokenizer SavedModel plus a dynamic-range "
        "int8 LiteRT model (classify, encode over raw strings; load it with "
        "keras_bert.load_int8_export), not a TF Serving SavedModel",
    )
    parser.add_argument(
        "--overwrite", action="store_true", help="replace existing output folders"
    )
    parser.set_defaults(func=run)


def default_output_path(model_path, quantize=None):
    """export/<model folder name>/1: TF Serving serves numbered version folders of a model.
    An int8 export, which TF Serving cannot serve, goes to export/<model folder name>_int8."""
    from keras_bert.interop import remote

    if remote.is_remote(model_path):
        name = remote.model_name(model_path)
    else:
        name = os.path.basename(os.path.normpath(os.path.abspath(model_path))) or "model"
    if quantize:
        return os.path.join(DEFAULT_EXPORT_ROOT, f"{name}_{quantize}")
    return os.path.join(DEFAULT_EXPORT_ROOT, name, "1")


def run(args):
    from keras_bert.interop import remote

    if remote.is_remote(args.model):
        remote.check_name(args.model)
    elif not os.path.isdir(args.model):
        raise KerasBertError(f"--model {args.model} is not a folder.")
    if args.seq_length is not None and args.seq_length < 2:
        raise KerasBertError(f"--seq-length must be at least 2, got {args.seq_length}.")
    if args.jit_compile and not args.allow_non_serving_ops:
        raise KerasBertError(
            "--jit-compile needs --allow-non-serving-ops: TF Serving runs no XLA by default."
        )
    if args.quantize and (args.preprocessor_out or args.allow_non_serving_ops):
        flag = "--preprocessor-out" if args.preprocessor_out else "--allow-non-serving-ops"
        raise KerasBertError(
            f"{flag} applies to the float SavedModel; drop it with --quantize {args.quantize} "
            "(the int8 folder holds its own preprocessing, never served by TF Serving)."
        )
    out = args.out or default_output_path(args.model, args.quantize)
    from keras_bert.output_paths import check_output

    model_input = [("--model", None if remote.is_remote(args.model) else args.model)]
    check_output("--out", out, model_input, overwrite=args.overwrite, refuse_files=True)
    if args.preprocessor_out:
        check_output(
            "--preprocessor-out", args.preprocessor_out, model_input + [("--out", out)],
            overwrite=args.overwrite, refuse_files=True,
        )

    from keras_bert.interop import native
    from keras_bert.interop.loader import load_checkpoint
    from keras_bert.serving.export import export_preprocessor, export_saved_model

    if not remote.is_remote(args.model) and native.is_model_folder(args.model):
        loaded = native.load_model(args.model)  # the task as saved: its pooling included
    else:
        loaded = load_checkpoint(args.model)
    if args.quantize:
        return _export_int8(loaded, out, args)
    serving_compatible = not args.allow_non_serving_ops
    info = export_saved_model(
        loaded,
        out,
        seq_length=args.seq_length,
        serving_compatible=serving_compatible,
        overwrite=args.overwrite,
        pooling=args.pooling,
        normalize=args.normalize,
        jit_compile=args.jit_compile,
    )
    print(
        f"Exported {info['task']} (seq_length {info['seq_length']}) to {out}; "
        f"signatures: {', '.join(info['signatures'])}"
    )
    if args.preprocessor_out:
        export_preprocessor(
            loaded.tokenizer,
            args.preprocessor_out,
            seq_length=info["seq_length"],
            serving_compatible=serving_compatible,
            overwrite=args.overwrite,
        )
        print(f"Exported preprocessor to {args.preprocessor_out}")
    return 0


def _export_int8(loaded, out, args):
    from keras_bert.serving.int8_export import export_int8

    try:
        manifest = export_int8(
            loaded, out, seq_length=args.seq_length, pooling=args.pooling,
            normalize=args.normalize, overwrite=args.overwrite,
        )
    except KerasBertError as error:
        # The library names its own argument; the command line knows it as --model.
        raise KerasBertError(str(error).replace("model_or_folder", f"--model {args.model}"))
    print(
        f"Exported {manifest['task']} as int8 (seq_length {manifest['seq_length']}, "
        f"{manifest['model_bytes'] / 2**20:.1f} MiB LiteRT model) to {out}; "
        "load it with keras_bert.load_int8_export"
    )
    return 0
