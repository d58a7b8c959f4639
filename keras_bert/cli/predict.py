"""`keras-bert predict`: label every text of a file with a fine-tuned classifier, or answer
every question of a file with a question answerer.

The model is a classifier model folder (from `keras-bert finetune`) or an exported SavedModel
(a folder with saved_model.pb), whose `classify` signature is called on the raw strings.
Output: CSV or JSON lines (by the extension), one row per input row with its line number, the
text(s), the predicted label and the probability of every label.

A question answerer model folder (`finetune --task qa`) reads a SQuAD-format JSON file (answers
not needed) or JSON lines of {"id", "question", "context"}, and writes JSON lines
{"id", "answer", "start", "end", "score"}: the answer cut from the context, its character
offsets and its n-best probability.
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
        "--model", required=True,
        help="classifier model folder, exported SavedModel folder, or tagger or question "
        "answerer folder (or its export)",
    )
    parser.add_argument(
        "--input", required=True,
        help="file of texts (CSV, TSV or JSON lines); for a tagger one text per line or a "
        ".jsonl of {id, text} (entities written as JSON lines); for a question answerer a "
        "SQuAD-format .json or a .jsonl of {id, question, context}",
    )
    add_reading_options(parser, with_label=False, defaults_from_model=True)
    parser.add_argument("--out", required=True, help="predictions file: .csv or .jsonl")
    parser.add_argument("--batch-size", type=int, help="default: %(default)s")
    use_defaults_of(parser, PredictSettings)
    parser.set_defaults(func=run)


def run_qa(args):
    from keras_bert.cli.evaluate import refuse_flags
    from keras_bert.workflows.qa_evaluation import QaPredictSettings, predict_qa

    refuse_flags(
        args, ("text_column", "text_pair_column", "format", "quoting", "skip_bad_rows"),
        "a question answerer",
    )
    summary = predict_qa(QaPredictSettings(
        model=args.model, input=args.input, out=args.out, batch_size=args.batch_size
    ))
    print(f"{summary['predictions']:,} answers written to {summary['out']} "
          f"({summary['answered']:,} not empty)")
    return 0


def run_tagging(args):
    from keras_bert.cli.evaluate import refuse_flags
    from keras_bert.workflows.tagging_evaluation import TagPredictSettings, predict_tagging

    refuse_flags(
        args, ("text_column", "text_pair_column", "format", "quoting", "skip_bad_rows"),
        "a tagger",
    )
    summary = predict_tagging(TagPredictSettings(
        model=args.model, input=args.input, out=args.out, batch_size=args.batch_size
    ))
    types = ", ".join(f"{name}: {count:,}" for name, count in sorted(summary["types"].items()))
    print(f"{summary['entities']:,} entities in {summary['texts']:,} texts written to "
          f"{summary['out']}" + (f" ({types})" if types else ""))
    return 0


def run(args):
    from keras_bert.cli.settings_args import settings_from_args
    from keras_bert.workflows.prediction import PredictSettings, predict
    from keras_bert.workflows.qa_evaluation import is_question_answerer_folder
    from keras_bert.workflows.tagging_evaluation import is_tagger_folder

    if is_question_answerer_folder(args.model):
        return run_qa(args)
    if is_tagger_folder(args.model):
        return run_tagging(args)
    summary = predict(settings_from_args(PredictSettings, args))
    counts = ", ".join(f"{name}: {count:,}" for name, count in summary["counts"].items())
    print(f"{summary['predictions']:,} predictions written to {summary['out']} ({counts})")
    return 0
