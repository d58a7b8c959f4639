#!/usr/bin/env python3
"""Embed or classify texts with a SavedModel from `keras-bert export`, without keras_bert.

Needs only `tensorflow` and `tensorflow-text` (which registers the tokenizer's ops):

    python export/client.py export/sst2 --input texts.txt        # one text per line
    echo "a great film" | python export/client.py export/sst2     # or lines from stdin
    python export/client.py export/mrpc --input pairs.tsv          # text_a<TAB>text_b

A classifier prints one JSON line per text: {"text", "label", "probabilities": {label: p}};
an encoder prints {"text", "embedding": [...]} (the pooled output). `--signature encode`
asks a classifier for embeddings instead.
"""

import argparse
import json
import os
import sys


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("model", help="SavedModel folder written by keras-bert export")
    parser.add_argument("--input", default="-", help="text file, one text per line (default: stdin)")
    parser.add_argument(
        "--signature",
        choices=("auto", "classify", "encode"),
        default="auto",
        help="classify when the model is a classifier (auto), or encode",
    )
    parser.add_argument("--batch-size", type=int, default=32)
    return parser.parse_args(argv)


def read_lines(path):
    if path == "-":
        return [line.rstrip("\r\n") for line in sys.stdin]
    with open(path, encoding="utf-8") as file:
        return [line.rstrip("\r\n") for line in file]


def signature_inputs(signature):
    """The signature's input names, e.g. ["text"] or ["text_a", "text_b"]."""
    return sorted(signature.structured_input_signature[1])


def run_batches(signature, lines, batch_size):
    """Call `signature` on `lines` in batches; yields (line, outputs of that row)."""
    import tensorflow as tf

    names = signature_inputs(signature)
    for start in range(0, len(lines), batch_size):
        batch = lines[start : start + batch_size]
        if len(names) == 2:
            columns = [line.split("\t", 1) + [""] for line in batch]
            inputs = {
                names[0]: tf.constant([c[0] for c in columns], tf.string),
                names[1]: tf.constant([c[1] for c in columns], tf.string),
            }
        else:
            inputs = {names[0]: tf.constant(batch, tf.string)}
        outputs = {name: value.numpy() for name, value in signature(**inputs).items()}
        for row, line in enumerate(batch):
            yield line, {name: value[row] for name, value in outputs.items()}


def label_names(model):
    """Class names from the SavedModel's labels.txt asset (None for an encoder)."""
    asset = getattr(model, "labels_file", None)
    if asset is None:
        return None
    with open(asset.asset_path.numpy().decode("utf-8"), encoding="utf-8") as file:
        return [line.rstrip("\n") for line in file]


def main(argv=None):
    args = parse_args(argv)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import tensorflow as tf
    import tensorflow_text  # noqa: F401  (registers the tokenizer's ops)

    if not os.path.isfile(os.path.join(args.model, "saved_model.pb")):
        sys.exit(f"client.py: {args.model} is not a SavedModel folder (no saved_model.pb)")
    model = tf.saved_model.load(args.model)
    name = args.signature
    if name == "auto":
        name = "classify" if "classify" in model.signatures else "encode"
    if name not in model.signatures:
        sys.exit(f"client.py: {args.model} has no {name!r} signature ({sorted(model.signatures)})")
    signature = model.signatures[name]
    if name == "encode" and "text_a" in signature_inputs(model.signatures.get("classify", signature)):
        signature = model.signatures["encode_pair"]
    names = label_names(model)

    for line, outputs in run_batches(signature, read_lines(args.input), args.batch_size):
        if name == "classify":
            probabilities = outputs["probabilities"].tolist()
            record = {
                "text": line,
                "label": outputs["labels"].decode("utf-8"),
                "probabilities": dict(zip(names or map(str, range(len(probabilities))), probabilities)),
            }
        else:
            record = {"text": line, "embedding": outputs["pooled_output"].tolist()}
        print(json.dumps(record, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
