"""`evaluate`: a fine-tuned classifier on a labelled file → accuracy, F1 and the confusion matrix;
what `keras-bert evaluate` runs.
"""

import dataclasses
import json
import os

from keras_bert.errors import KerasBertError
from keras_bert.output_paths import check_output, staged_file
from keras_bert.workflows.checks import check_file, check_int
from keras_bert.workflows.labelled_files import quiet, read_examples, reading_options
from keras_bert.workflows.prediction import (
    check_model_folder,
    check_predictions_path,
    check_text_pair,
    classifier_metadata,
    write_predictions,
)

PLOT_EXTENSIONS = (".png", ".pdf", ".svg", ".jpg")


@dataclasses.dataclass
class EvaluateSettings:
    """An evaluation (the `keras-bert evaluate` flags, one to one).

    Reading fields left None take what the classifier's model folder recorded at fine-tuning.
    """

    model: str  # classifier model folder (from finetune)
    input: str  # labelled file: CSV, TSV or JSON lines
    out: str = None  # also write the scores as JSON here
    plot: str = None  # also draw the confusion matrix as a PNG here
    predictions: str = None  # also write every row's predicted and true label (.csv or .jsonl)
    text_column: str = None
    text_pair_column: str = None
    label_column: str = None
    format: str = None
    quoting: bool = None
    encoding: str = "utf-8-sig"
    drop_labels: list = None
    skip_bad_rows: bool = False
    batch_size: int = 64

    def validate(self):
        if self.predictions is not None:
            check_predictions_path("predictions", self.predictions)
        check_model_folder(self.model)
        check_file("input", self.input)
        check_int("batch_size", self.batch_size)
        if self.plot is not None and os.path.splitext(self.plot)[1].lower() not in PLOT_EXTENSIONS:
            raise KerasBertError(f"plot {self.plot}: use a {' or '.join(PLOT_EXTENSIONS)} file name.")
        inputs = [("input", self.input), ("model", self.model)]
        for name in ("out", "plot", "predictions"):
            path = getattr(self, name)
            if path is not None:
                check_output(name, path, inputs, kind="file")
                inputs.append((name, path))


def evaluate(settings, verbose=1):
    """Score the classifier on `settings.input`; write the optional files; return the scores
    (`score_predictions`) with `data_file`, `skipped_rows` and `dropped_rows` added."""
    settings.validate()
    log = print if verbose else quiet
    metadata = classifier_metadata(settings.model)

    from keras_bert.data.label_vocabulary import LabelVocabulary
    from keras_bert.tasks.classifier_evaluation import evaluate_classifier, plot_confusion_matrix
    from keras_bert.workflows.classifier_folder import load_classifier

    options = reading_options(settings, metadata)
    classifier = load_classifier(settings.model)
    check_text_pair(options, classifier.text_pair)
    examples = read_examples(
        settings.input,
        options,
        label_vocabulary=LabelVocabulary(classifier.label_names),
        skip_bad_rows=settings.skip_bad_rows,
        log=log,
    )
    scores, probabilities, predicted = evaluate_classifier(
        classifier,
        examples,
        batch_size=settings.batch_size,
        verbose="auto" if verbose else 0,
        return_predictions=True,
    )
    if settings.predictions:
        write_predictions(
            settings.predictions, examples, probabilities, predicted, classifier.label_names,
            name="predictions",
        )
    if settings.plot:
        name = os.path.basename(settings.input)
        with staged_file("plot", settings.plot) as temporary:
            plot_confusion_matrix(
                scores,
                temporary,
                title=f"{name}: accuracy {scores['accuracy']:.3f}, f1 {scores['f1']:.3f}",
            )
    scores = dict(
        scores,
        data_file=os.path.abspath(settings.input),
        skipped_rows=[line for line, _ in examples.skipped],
        dropped_rows={label: len(lines) for label, lines in examples.dropped.items()},
    )
    if settings.out:
        with staged_file("out", settings.out) as temporary, open(temporary, "w", encoding="utf-8") as file:
            json.dump(scores, file, indent=2, ensure_ascii=False)
            file.write("\n")
    return scores
