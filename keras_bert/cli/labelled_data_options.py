"""Command-line options for reading labelled files, shared by finetune, evaluate and predict.

Not a subcommand: the three commands read data the same way, so they take the same options.
`finetune` records the column names and reading options in the model folder's metadata
(`data`), and `evaluate` / `predict` default to them.
"""

from keras_bert.data.labelled import FORMATS, read_labelled_file


def add_reading_options(parser, *, with_label=True, defaults_from_model=False):
    """Add --text-column, --text-pair-column, [--label-column], --format, --no-quoting, …"""
    note = " (default: the column used in fine-tuning)" if defaults_from_model else ""
    parser.add_argument(
        "--text-column", required=not defaults_from_model, help=f"column or field of the text{note}"
    )
    parser.add_argument(
        "--text-pair-column", help=f"column or field of the second text, for pair tasks{note}"
    )
    if with_label:
        parser.add_argument(
            "--label-column", required=not defaults_from_model, help=f"column or field of the label{note}"
        )
    parser.add_argument(
        "--format", choices=FORMATS, help="file format (default: from the extension: .csv, .tsv/.txt, .jsonl/.json)"
    )
    parser.add_argument(
        "--no-quoting",
        action="store_true",
        default=None,
        help="CSV/TSV: treat double quotes as ordinary characters (SST-2, MRPC)",
    )
    parser.add_argument(
        "--encoding", default="utf-8-sig", help="text encoding (default utf-8-sig: UTF-8, BOM ignored)"
    )
    parser.add_argument(
        "--skip-bad-rows",
        action="store_true",
        help="skip rows that cannot be examples, reporting their count and lines (default: stop at the first)",
    )
    if with_label:
        parser.add_argument(
            "--drop-label",
            action="append",
            default=None,
            metavar="LABEL",
            help="remove rows with this label, reporting the count (repeatable; OCNLI: --drop-label=-)",
        )


def reading_settings(args, model_metadata=None):
    """The reading options from `args`, falling back to what a model folder recorded."""
    recorded = (model_metadata or {}).get("data") or {}
    settings = {
        "text_column": args.text_column or recorded.get("text_column"),
        "text_pair_column": args.text_pair_column or recorded.get("text_pair_column"),
        "label_column": getattr(args, "label_column", None) or recorded.get("label_column"),
        "file_format": args.format,
        "quoting": (not args.no_quoting) if args.no_quoting is not None else recorded.get("quoting", True),
        "encoding": args.encoding,
        "drop_labels": getattr(args, "drop_label", None) or recorded.get("drop_labels") or [],
    }
    return settings


def read_examples(path, settings, *, with_label=True, label_vocabulary=None, skip_bad_rows=False):
    from keras_bert.cli.main import UsageError

    if not settings["text_column"]:
        raise UsageError("--text-column is required (the model folder does not record one).")
    if with_label and not settings["label_column"]:
        raise UsageError("--label-column is required (the model folder does not record one).")
    examples = read_labelled_file(
        path,
        text_column=settings["text_column"],
        text_pair_column=settings["text_pair_column"],
        label_column=settings["label_column"] if with_label else None,
        file_format=settings["file_format"],
        quoting=settings["quoting"],
        encoding=settings["encoding"],
        drop_labels=settings["drop_labels"] if with_label else (),
        label_vocabulary=label_vocabulary,
        skip_bad_rows=skip_bad_rows,
    )
    print(examples.report(), flush=True)
    return examples
