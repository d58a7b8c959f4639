"""`keras-bert evaluate-sts`: sentence similarity on an STS Benchmark file: Spearman's rank
correlation ×100 between the cosine similarity of the two sentence vectors and the gold score
(as the STS literature reports it), and Pearson's."""

import os


def register(subparsers):
    from keras_bert.cli.search import MODEL_HELP, POOLING_HELP
    from keras_bert.cli.settings_args import use_defaults_of
    from keras_bert.workflows.sts_evaluation import StsSettings

    parser = subparsers.add_parser(
        "evaluate-sts",
        help="score sentence vectors on STS Benchmark pairs (Spearman ×100)",
        description=__doc__,
    )
    parser.add_argument("--model", required=True, help=MODEL_HELP)
    parser.add_argument(
        "--input",
        required=True,
        help="STS Benchmark file (sts-dev.csv: tab-separated genre, file, year, id, score, "
        "sentence1, sentence2; no header)",
    )
    parser.add_argument("--pooling", help=POOLING_HELP)
    parser.add_argument("--batch-size", type=int, help="default: %(default)s")
    parser.add_argument("--out", metavar="JSON", help="also write the scores as JSON")
    parser.add_argument("--quiet", action="store_true", help="no progress bar, only the scores")
    use_defaults_of(parser, StsSettings)
    parser.set_defaults(func=run)


def run(args):
    from keras_bert.cli.settings_args import settings_from_args
    from keras_bert.workflows.sts_evaluation import StsSettings

    settings = settings_from_args(StsSettings, args)
    settings.validate()  # before TensorFlow is imported: bad input fails in a second
    from keras_bert.workflows.sts_evaluation import evaluate_sts

    scores = evaluate_sts(settings, verbose=0 if args.quiet else 1)
    print(
        f"{os.path.basename(settings.input)}: {scores['pairs']:,} pairs, "
        f"{scores['pooling']} pooling\n"
        f"  Spearman x100  {scores['spearman']:.2f}\n"
        f"  Pearson  x100  {scores['pearson']:.2f}"
    )
    if settings.out:
        print(f"scores: {settings.out}")
    return 0
