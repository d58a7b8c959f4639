"""`keras-bert evaluate`: accuracy, F1 and the confusion matrix of a fine-tuned classifier on a
labelled file; exact match and F1 of a question answerer on a SQuAD-format file."""

import os


def register(subparsers):
    from keras_bert.cli.labelled_data_options import add_reading_options
    from keras_bert.cli.settings_args import use_defaults_of
    from keras_bert.workflows.evaluation import EvaluateSettings

    parser = subparsers.add_parser(
        "evaluate",
        help="score a fine-tuned model on a labelled file (classifier: accuracy, F1, confusion "
        "matrix; tagger: entity F1; question answerer: exact match and F1)",
        description=__doc__,
    )
    parser.add_argument(
        "--model", required=True,
        help="classifier, tagger or question answerer model folder (from keras-bert finetune)",
    )
    parser.add_argument(
        "--input", required=True,
        help="labelled file (CSV, TSV or JSON lines); for a tagger a CoNLL or "
        "one-character-per-line tagged file; for a question answerer a SQuAD-format JSON file",
    )
    add_reading_options(parser, with_label=True, defaults_from_model=True)
    parser.add_argument("--batch-size", type=int, help="default: %(default)s")
    parser.add_argument("--out", metavar="JSON", help="also write the scores as JSON")
    parser.add_argument("--plot", metavar="PNG", help="also save the confusion matrix as a PNG")
    parser.add_argument(
        "--predictions",
        metavar="FILE",
        help="also write every row's predicted and true label and probabilities (.csv or .jsonl); "
        "for a tagger each sentence's gold and predicted tags (.jsonl); for a question "
        "answerer each question's answer, offsets and scores (.jsonl)",
    )
    parser.add_argument(
        "--metric", choices=("auto", "squad", "cmrc"),
        help="question answerers: squad (SQuAD v1.1 exact match and F1), cmrc (CMRC 2018's, "
        "by characters, for Chinese) or auto (the default: cmrc when the contexts are Chinese)",
    )
    use_defaults_of(parser, EvaluateSettings)
    parser.set_defaults(func=run)


# Flags that only a classifier reads.
CLASSIFIER_ONLY = ("text_column", "text_pair_column", "label_column", "format", "quoting",
                   "drop_labels", "skip_bad_rows", "plot")


def refuse_flags(args, names, kind):
    """A flag given for a model that does not read it: one line naming it."""
    from keras_bert.errors import KerasBertError

    for name in names:
        if getattr(args, name, None) not in (None, False):
            flag = "--" + name.replace("_", "-")
            raise KerasBertError(f"{flag} does not apply to {kind} model.")


def run_qa(args):
    from keras_bert.tasks.squad_metrics import format_qa_scores
    from keras_bert.workflows.qa_evaluation import QaEvaluateSettings, evaluate_qa

    refuse_flags(args, CLASSIFIER_ONLY, "a question answerer")
    settings = QaEvaluateSettings(
        model=args.model, input=args.input, out=args.out, predictions=args.predictions,
        metric=args.metric or "auto", batch_size=args.batch_size,
    )
    scores = evaluate_qa(settings)
    print(f"\n{os.path.basename(settings.input)}:\n{format_qa_scores(scores)}")
    for name, path in (("predictions", settings.predictions), ("scores", settings.out)):
        if path:
            print(f"{name}: {path}")
    return 0


def run_tagging(args):
    from keras_bert.tasks.entity_scores import format_entity_scores
    from keras_bert.workflows.tagging_evaluation import TagEvaluateSettings, evaluate_tagging

    refuse_flags(args, CLASSIFIER_ONLY + ("metric",), "a tagger")
    settings = TagEvaluateSettings(
        model=args.model, input=args.input, out=args.out, predictions=args.predictions,
        batch_size=args.batch_size,
    )
    scores = evaluate_tagging(settings)
    print(f"\n{os.path.basename(settings.input)}:\n{format_entity_scores(scores)}")
    for name, path in (("predictions", settings.predictions), ("scores", settings.out)):
        if path:
            print(f"{name}: {path}")
    return 0


def run(args):
    from keras_bert.cli.settings_args import settings_from_args
    from keras_bert.tasks.classifier_evaluation import format_scores
    from keras_bert.workflows.evaluation import EvaluateSettings, evaluate
    from keras_bert.workflows.qa_evaluation import is_question_answerer_folder
    from keras_bert.workflows.tagging_evaluation import is_tagger_folder

    if is_question_answerer_folder(args.model):
        return run_qa(args)
    if is_tagger_folder(args.model):
        return run_tagging(args)
    refuse_flags(args, ("metric",), "a classifier")
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
