"""`keras-bert evaluate`: accuracy, F1 and the confusion matrix of a fine-tuned classifier on a labelled file."""

import json
import os


def register(subparsers):
    from keras_bert.cli.labelled_data_options import add_reading_options

    parser = subparsers.add_parser(
        "evaluate",
        help="score a fine-tuned classifier on a labelled file (accuracy, F1, confusion matrix)",
        description=__doc__,
    )
    parser.add_argument("--model", required=True, help="classifier model folder (from keras-bert finetune)")
    parser.add_argument("--data", required=True, help="labelled file (CSV, TSV or JSON lines)")
    add_reading_options(parser, with_label=True, defaults_from_model=True)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--plot", metavar="PNG", help="also save the confusion matrix as a PNG")
    parser.add_argument("--output", metavar="JSON", help="also write the scores as JSON")
    parser.add_argument("--predictions", metavar="FILE",
                        help="also write every row's predicted and true label and probabilities (.csv or .jsonl)")
    parser.set_defaults(func=run)


def run(args):
    from keras_bert.cli.labelled_data_options import read_examples, reading_settings
    from keras_bert.cli.main import UsageError
    from keras_bert.interop.native import is_model_folder, read_metadata

    if args.predictions:
        from keras_bert.cli.predict import check_predictions_path

        check_predictions_path("--predictions", args.predictions)
    if not os.path.isdir(args.model) or not is_model_folder(args.model):
        raise UsageError(f"--model {args.model}: not a keras_bert model folder (no keras_bert.json).")
    metadata = read_metadata(args.model)
    if metadata.get("task") != "classifier":
        raise UsageError(f"--model {args.model}: holds a {metadata.get('task')}, not a fine-tuned classifier.")

    from keras_bert.data.label_vocabulary import LabelVocabulary
    from keras_bert.tasks.classifier_evaluation import (
        evaluate_classifier,
        format_scores,
        plot_confusion_matrix,
    )
    from keras_bert.tasks.classifier_folder import load_classifier

    settings = reading_settings(args, metadata)
    if bool(settings["text_pair_column"]) != bool(metadata.get("text_pair")):
        raise UsageError(
            "the classifier was trained on "
            + ("text pairs: give --text-pair-column." if metadata.get("text_pair") else "single texts: drop --text-pair-column.")
        )
    classifier = load_classifier(args.model)
    examples = read_examples(
        args.data,
        settings,
        label_vocabulary=LabelVocabulary(classifier.label_names),
        skip_bad_rows=args.skip_bad_rows,
    )
    scores, probabilities, predicted = evaluate_classifier(classifier, examples, batch_size=args.batch_size,
                                                           return_predictions=True)
    print(f"\n{os.path.basename(args.data)}:\n{format_scores(scores)}")
    if args.predictions:
        from keras_bert.cli.predict import write_predictions

        write_predictions(args.predictions, examples, probabilities, predicted, classifier.label_names)
        print(f"predictions: {args.predictions}")
    if args.plot:
        plot_confusion_matrix(scores, args.plot, title=f"{os.path.basename(args.data)}: accuracy "
                              f"{scores['accuracy']:.3f}, f1 {scores['f1']:.3f}")
        print(f"confusion matrix plot: {args.plot}")
    if args.output:
        scores = dict(scores, data_file=os.path.abspath(args.data), skipped_rows=[l for l, _ in examples.skipped],
                      dropped_rows={k: len(v) for k, v in examples.dropped.items()})
        with open(args.output, "w", encoding="utf-8") as file:
            json.dump(scores, file, indent=2, ensure_ascii=False)
            file.write("\n")
    return 0
