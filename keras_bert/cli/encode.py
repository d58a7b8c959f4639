"""`keras-bert encode`: texts → sentence embeddings with an exported SavedModel.

Reads one text per line (or tab-separated pairs with `--pairs`), runs the SavedModel's
`encode` (or `encode_pair`) signature in batches and writes the pooled outputs as a
[n, hidden] float32 `.npy` file or as JSON lines ({"text": ..., "embedding": [...]}).
"""

import json
import os
import sys
from keras_bert.errors import KerasBertError


OUTPUT_FORMATS = (".npy", ".jsonl")


def register(subparsers):
    parser = subparsers.add_parser(
        "encode",
        help="embed texts with an exported SavedModel (pooled output)",
        description="Embed texts with a SavedModel written by `keras-bert export`: one text "
        "per line (tab-separated pairs with --pairs), pooled outputs to .npy or .jsonl.",
    )
    parser.add_argument("--model", required=True, help="the exported SavedModel folder")
    parser.add_argument("--input", required=True, help="text file, one text per line ('-': stdin)")
    parser.add_argument("--out", required=True, help="out.npy or out.jsonl")
    parser.add_argument("--pairs", action="store_true", help="lines are text_a<TAB>text_b")
    parser.add_argument("--batch-size", type=int, default=32)
    parser.set_defaults(func=run)


def read_lines(path):
    if path == "-":
        return [line.rstrip("\r\n") for line in sys.stdin]
    if not os.path.isfile(path):
        raise KerasBertError(f"--input {path} is not a file.")
    lines = []
    with open(path, "rb") as file:
        for number, raw in enumerate(file, start=1):
            try:
                lines.append(raw.decode("utf-8-sig" if number == 1 else "utf-8").rstrip("\r\n"))
            except UnicodeDecodeError as error:
                raise KerasBertError(
                    f"--input {path}, line {number}: invalid UTF-8 (byte 0x{raw[error.start]:02x} "
                    f"at byte {error.start + 1} of the line); convert the file to UTF-8."
                ) from None
    return lines


def run(args):
    extension = os.path.splitext(args.out)[1].lower()
    if extension not in OUTPUT_FORMATS:
        raise KerasBertError(f"--out must end in {' or '.join(OUTPUT_FORMATS)}, got {args.out}.")
    if not os.path.isfile(os.path.join(args.model, "saved_model.pb")):
        raise KerasBertError(
            f"--model {args.model} is not a SavedModel folder (no saved_model.pb); "
            "write one with `keras-bert export`."
        )
    if args.batch_size < 1:
        raise KerasBertError(f"--batch-size must be positive, got {args.batch_size}.")
    from keras_bert.output_paths import check_output, staged_file

    check_output("--out", args.out, [("--input", None if args.input == "-" else args.input),
                                     ("--model", args.model)], kind="file")
    lines = read_lines(args.input)
    if args.pairs:
        pairs = [line.split("\t") for line in lines]
        bad = [number for number, pair in enumerate(pairs, 1) if len(pair) != 2]
        if bad:
            raise KerasBertError(f"--pairs: line(s) {bad[:5]} do not hold exactly one tab.")

    import numpy as np
    import tensorflow as tf
    import tensorflow_text  # noqa: F401  (registers the tokenizer's ops)

    model = tf.saved_model.load(args.model)
    name = "encode_pair" if args.pairs else "encode"
    if name not in model.signatures:
        raise KerasBertError(f"{args.model} has no {name!r} signature; was it written by keras-bert export?")
    signature = model.signatures[name]
    embeddings = []
    for start in range(0, len(lines), args.batch_size):
        if args.pairs:
            batch = pairs[start : start + args.batch_size]
            outputs = signature(
                text_a=tf.constant([pair[0] for pair in batch], tf.string),
                text_b=tf.constant([pair[1] for pair in batch], tf.string),
            )
        else:
            outputs = signature(text=tf.constant(lines[start : start + args.batch_size], tf.string))
        embeddings.append(outputs["pooled_output"].numpy())
    hidden = signature.structured_outputs["pooled_output"].shape[-1]
    embeddings = np.concatenate(embeddings) if embeddings else np.zeros((0, hidden), np.float32)

    with staged_file("--out", args.out) as temporary:
        if extension == ".npy":
            np.save(temporary, embeddings.astype(np.float32))
        else:
            with open(temporary, "w", encoding="utf-8") as file:
                for line, embedding in zip(lines, embeddings):
                    record = {"text": line, "embedding": [float(value) for value in embedding]}
                    file.write(json.dumps(record, ensure_ascii=False) + "\n")
    print(f"Wrote {len(lines)} embeddings of size {embeddings.shape[1]} to {args.out}")
    return 0
