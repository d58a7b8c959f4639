"""`keras-bert evaluate`: accuracy, F1 and the confusion matrix of a fine-tuned classifier on a
labelled file."""

import os


def register(subparsers):
    from keras_bert.cli.labelled_data_options import add_reading_options
    from keras_bert.cli.settings_args import use_defaults_of
    from keras_bert.workflows.evaluation import EvaluateSettings

    parser = subparsers.add_parser(
        "evaluate",
        help="score a fine-tuned classifier on a labelled file (accuracy, F1, confusion matrix)",
        description=__doc__,
    )
    parser.add_argument(
        "--model", required=True, help="classifier model folder (from keras-bert finetune)"
    )
    parser.add_argument("--input", required=True, help="labelled file (CSV, TSV or JSON lines)")
    add_reading_options(parser, with_label=True, defaults_from_model=True)
    parser.add_argument("--batch-size", type=int, help="default: %(default)s")
    parser.add_argument("--out", metavar="JSON", help="also write the scores as JSON")
    parser.add_argument("--plot", metavar="PNG", help="also save the confusion matrix as a PNG")
    parser.add_argument(
        "--predictions",
        metavar="FILE",
        help="also write every row's predicted and true label and probabilities (.csv or .jsonl)",
    )
    use_defaults_of(parser, EvaluateSettings)
    parser.set_defaults(func=run)


def run(args):
    from keras_bert.cli.settings_args import settings_from_args
    from keras_bert.tasks.classifier_evaluation import format_scores
    from keras_bert.workflows.evaluation import EvaluateSettings, evaluate

    settings = settings_from_args(EvaluateSettings, args)
    scores = evaluate(settings)
    print(f"\n{os.path.basename(settings.input)}:\n{format_scores(scores)}")
    for name, path in (
        ("predictions", settings.predictions),
        ("confusion matrix plot", settings.plot),
        ("scores", settings.out),
    ):
        if path:
            print(f"{name}: {path}")
    return 0
