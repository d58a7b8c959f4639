"""`keras-bert predict`: label every text of a file with a fine-tuned classifier.

The model is a classifier model folder (from `keras-bert finetune`) or an exported SavedModel
(a folder with saved_model.pb), whose `classify` signature is called on the raw strings.
Output: CSV or JSON lines (by the extension), one row per input row with its line number, the
text(s), the predicted label and the probability of every label.
"""


def register(subparsers):
    from keras_bert.cli.labelled_data_options import add_reading_options
    from keras_bert.cli.settings_args import use_defaults_of
    from keras_bert.workflows.prediction import PredictSettings

    parser = subparsers.add_parser(
        "predict",
        help="classify the texts of a file; write labels and probabilities as CSV or JSON lines",
        description=__doc__.split("\n\n")[0],
    )
    parser.add_argument(
        "--model", required=True, help="classifier model folder or exported SavedModel folder"
    )
    parser.add_argument("--input", required=True, help="file of texts (CSV, TSV or JSON lines)")
    add_reading_options(parser, with_label=False, defaults_from_model=True)
    parser.add_argument("--out", required=True, help="predictions file: .csv or .jsonl")
    parser.add_argument("--batch-size", type=int, help="default: %(default)s")
    use_defaults_of(parser, PredictSettings)
    parser.set_defaults(func=run)


def run(args):
    from keras_bert.cli.settings_args import settings_from_args
    from keras_bert.workflows.prediction import PredictSettings, predict

    summary = predict(settings_from_args(PredictSettings, args))
    counts = ", ".join(f"{name}: {count:,}" for name, count in summary["counts"].items())
    print(f"{summary['predictions']:,} predictions written to {summary['out']} ({counts})")
    return 0
