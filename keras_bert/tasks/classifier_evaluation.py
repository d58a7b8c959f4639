"""Scoring a classifier on labelled examples: accuracy, F1, the confusion matrix, and its plot.

Accuracy alone hides a model that always answers the majority class; the confusion matrix
and F1 (binary for 2 classes, macro for more; `ClassificationF1`) show it. The majority-class
accuracy is reported beside them as the baseline any real model must beat.
"""

import numpy as np

from keras_bert.data.label_vocabulary import LabelVocabulary
from keras_bert.tasks.classification_f1 import ClassificationF1
from keras_bert.errors import KerasBertError


def score_predictions(true_ids, probabilities, label_names):
    """A dict of metrics for class ids `true_ids` [n] and `probabilities` [n, classes]."""
    true_ids = np.asarray(true_ids, "int32")
    probabilities = np.asarray(probabilities, "float32")
    num_classes = len(label_names)
    metric = ClassificationF1(num_classes)
    metric.update_state(true_ids, probabilities)
    confusion = np.asarray(metric.confusion.numpy(), "int64")
    counts = np.bincount(true_ids, minlength=num_classes)
    return {
        "examples": int(len(true_ids)),
        "accuracy": float(np.trace(confusion) / max(1, confusion.sum())),
        "f1": float(metric.result()),
        "f1_average": metric.average,
        "f1_per_class": {
            name: float(value) for name, value in zip(label_names, np.asarray(metric.per_class_f1()))
        },
        "majority_class": label_names[int(counts.argmax())],
        "majority_class_accuracy": float(counts.max() / max(1, counts.sum())),
        "labels": list(label_names),
        "confusion_matrix": confusion.tolist(),
    }


def evaluate_classifier(classifier, examples, batch_size=32, verbose="auto", return_predictions=False):
    """Score `classifier` (with its tokenizer) on `LabelledExamples`; returns `score_predictions`.

    With `return_predictions`, returns `(scores, probabilities, predicted)`: what
    `predict_texts` gave for each row (class probabilities [n, classes], label names [n]),
    for writing each row's prediction without running the model a second time.
    """
    if examples.labels is None:
        raise KerasBertError(f"{examples.path} was read without labels; evaluation needs them.")
    names = classifier.label_names
    true_ids = LabelVocabulary(names).ids(examples.labels)
    probabilities, predicted = classifier.predict_texts(
        examples.texts, examples.text_pairs, batch_size=batch_size, verbose=verbose
    )
    scores = score_predictions(true_ids, probabilities, names)
    return (scores, probabilities, predicted) if return_predictions else scores


def format_scores(scores):
    """The scores as the text the CLI prints: headline numbers, then the confusion matrix."""
    lines = [
        f"examples: {scores['examples']:,}",
        f"accuracy: {scores['accuracy']:.4f}",
        f"f1 ({scores['f1_average']}): {scores['f1']:.4f}",
        f"majority-class baseline ({scores['majority_class']!r}): "
        f"{scores['majority_class_accuracy']:.4f}",
        "confusion matrix (rows: true label, columns: predicted):",
    ]
    names = scores["labels"]
    width = max(8, *(len(name) + 2 for name in names))
    lines.append(" " * width + "".join(f"{name:>{width}}" for name in names))
    for name, row in zip(names, scores["confusion_matrix"]):
        lines.append(f"{name:>{width}}" + "".join(f"{count:>{width}}" for count in row))
    return "\n".join(lines)


def plot_confusion_matrix(scores, path, title=None):
    """Save the confusion matrix as a PNG heat map with counts in the cells."""
    from matplotlib.figure import Figure  # not pyplot: the caller's backend stays as it is

    confusion = np.asarray(scores["confusion_matrix"])
    names = scores["labels"]
    size = 1.2 + 0.8 * len(names)
    figure = Figure(figsize=(size + 1.5, size))
    axis = figure.subplots()
    image = axis.imshow(confusion, cmap="Blues")
    axis.set(
        xticks=range(len(names)),
        yticks=range(len(names)),
        xticklabels=names,
        yticklabels=names,
        xlabel="predicted",
        ylabel="true",
        title=title or f"accuracy {scores['accuracy']:.3f}, f1 {scores['f1']:.3f}",
    )
    threshold = confusion.max() / 2 if confusion.size else 0
    for row in range(len(names)):
        for column in range(len(names)):
            axis.text(
                column,
                row,
                str(confusion[row, column]),
                ha="center",
                va="center",
                color="white" if confusion[row, column] > threshold else "black",
            )
    figure.colorbar(image, ax=axis)
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    return path
