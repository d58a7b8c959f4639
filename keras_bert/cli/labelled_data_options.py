"""Command-line options for reading labelled files, shared by finetune, evaluate and predict.

Not a subcommand: the three commands read data the same way, so they take the same options,
named after the reading fields of their settings (`keras_bert.workflows.labelled_files`).
`finetune` records the columns and reading options in the model folder's metadata (`data`),
and `evaluate` / `predict` default to them.
"""

import argparse

from keras_bert.data.labelled import FORMATS


def add_reading_options(parser, *, with_label=True, defaults_from_model=False, required=None):
    """Add --text-column, --text-pair-column, [--label-column], --format, --quoting, …

    `required`: whether argparse demands the columns (default: unless `defaults_from_model`);
    False where the command checks them itself (finetune needs them for classification only).
    """
    required = not defaults_from_model if required is None else required
    note = " (default: the column used in fine-tuning)" if defaults_from_model else ""
    parser.add_argument(
        "--text-column", required=required, help=f"column or field of the text{note}"
    )
    parser.add_argument(
        "--text-pair-column", help=f"column or field of the second text, for pair tasks{note}"
    )
    if with_label:
        parser.add_argument(
            "--label-column",
            required=required,
            help=f"column or field of the label{note}",
        )
    parser.add_argument(
        "--format",
        choices=FORMATS,
        help="file format (default: from the extension: .csv, .tsv/.txt, .jsonl/.json)",
    )
    parser.add_argument(
        "--quoting",
        action=argparse.BooleanOptionalAction,
        help="CSV/TSV: --no-quoting treats double quotes as ordinary characters (SST-2, MRPC)"
        + (" (default: as in fine-tuning)" if defaults_from_model else " (default: quoting)"),
    )
    parser.add_argument("--encoding", help="text encoding (default utf-8-sig: UTF-8, BOM ignored)")
    parser.add_argument(
        "--skip-bad-rows",
        action="store_true",
        help="skip rows that cannot be examples, reporting their count and lines "
        "(default: stop at the first)",
    )
    if with_label:
        parser.add_argument(
            "--drop-label",
            dest="drop_labels",
            action="append",
            metavar="LABEL",
            help="remove rows with this label, reporting the count "
            "(repeatable; OCNLI: --drop-label=-)"
            + (" (default: as in fine-tuning)" if defaults_from_model else ""),
        )
