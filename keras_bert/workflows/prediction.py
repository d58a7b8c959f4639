"""`predict`: label every text of a file with a fine-tuned classifier (`keras-bert predict`).

The model is a classifier model folder (from `finetune`) or an exported SavedModel (a folder
with saved_model.pb), whose `classify` signature is called on the raw strings. The output is
CSV or JSON lines (by the extension): one row per input row with its line number, the
text(s), the predicted label and the probability of every label.
"""

import csv
import dataclasses
import json
import os

from keras_bert.errors import KerasBertError, MissingFileError
from keras_bert.output_paths import check_output, staged_file
from keras_bert.workflows.checks import check_file, check_int
from keras_bert.workflows.labelled_files import quiet, read_examples, reading_options

CLASSIFY_SIGNATURE = "classify"
PREDICTION_EXTENSIONS = (".csv", ".jsonl", ".json")


@dataclasses.dataclass
class PredictSettings:
    """A prediction run (the `keras-bert predict` flags, one to one).

    Reading fields left None take what the classifier's model folder recorded at fine-tuning.
    """

    model: str  # classifier model folder, or exported SavedModel folder
    input: str  # file of texts: CSV, TSV or JSON lines
    out: str  # predictions file: .csv or .jsonl
    text_column: str = None
    text_pair_column: str = None
    format: str = None
    quoting: bool = None
    encoding: str = "utf-8-sig"
    skip_bad_rows: bool = False
    batch_size: int = 64

    def validate(self):
        check_predictions_path("out", self.out)
        check_model_folder(self.model)
        check_file("input", self.input)
        check_int("batch_size", self.batch_size)
        check_output("out", self.out, [("input", self.input), ("model", self.model)], kind="file")


def predict(settings, verbose=1):
    """Classify every text of `settings.input`, write `settings.out`; return a summary dict:
    `out`, `predictions` (their number), `counts` (per label) and `skipped_rows`."""
    settings.validate()
    log = print if verbose else quiet
    predictor, metadata = load_predictor(settings.model)
    options = reading_options(settings, metadata, with_label=False)
    check_text_pair(options, predictor.text_pair)
    examples = read_examples(settings.input, options, skip_bad_rows=settings.skip_bad_rows, log=log)
    probabilities, predicted = predictor.predict_texts(
        examples.texts, examples.text_pairs, batch_size=settings.batch_size
    )
    write_predictions(settings.out, examples, probabilities, predicted, predictor.label_names)
    return {
        "out": settings.out,
        "predictions": len(predicted),
        "counts": {name: predicted.count(name) for name in predictor.label_names},
        "skipped_rows": [line for line, _ in examples.skipped],
    }


def check_model_folder(path, name="model"):
    if not path or not os.path.isdir(path):
        raise MissingFileError(f"{name} {path}: no such folder.")


def load_predictor(path, name="model"):
    """(a classifier with `predict_texts`, `label_names`, `text_pair`; its folder's metadata).

    `path` is a classifier model folder (metadata from keras_bert.json) or an exported
    SavedModel (`SavedModelClassifier`, no metadata).
    """
    check_model_folder(path, name)
    if os.path.isfile(os.path.join(path, "saved_model.pb")):
        return SavedModelClassifier(path), {}
    metadata = classifier_metadata(path, name, or_saved_model=True)
    from keras_bert.workflows.classifier_folder import load_classifier

    return load_classifier(path), metadata


def classifier_metadata(path, name="model", or_saved_model=False):
    """The metadata of classifier model folder `path`; an error naming `name` if it is not one."""
    from keras_bert.interop.native import is_model_folder, read_metadata

    if not is_model_folder(path):
        alternative = " nor a SavedModel (saved_model.pb)" if or_saved_model else ""
        raise KerasBertError(
            f"{name} {path}: not a keras_bert model folder (no keras_bert.json){alternative}."
        )
    metadata = read_metadata(path)
    if metadata.get("task") != "classifier":
        raise KerasBertError(
            f"{name} {path}: holds a {metadata.get('task')}, not a fine-tuned classifier."
        )
    return metadata


def check_text_pair(options, text_pair):
    """The reading options give a second text exactly when the classifier takes pairs."""
    if bool(options["text_pair_column"]) != bool(text_pair):
        raise KerasBertError(
            "the classifier takes "
            + (
                "text pairs: give text_pair_column."
                if text_pair
                else "single texts: drop text_pair_column."
            )
        )


def check_predictions_path(name, path):
    """A predictions file name must say its format: .csv, or .jsonl (.json) for JSON lines."""
    if not path or os.path.splitext(path)[1].lower() not in PREDICTION_EXTENSIONS:
        raise KerasBertError(f"{name} {path}: use a .csv or .jsonl file name.")


def write_predictions(path, examples, probabilities, predicted, label_names, name="out"):
    """One row per example: line number, text(s), predicted label, each label's probability.

    Examples read with their labels (`evaluate` with `predictions`) also get the true label
    and whether the prediction matched it, for looking at the errors.
    """
    rows = []
    for index, (line, text) in enumerate(zip(examples.line_numbers, examples.texts)):
        row = {"line": line, "text": text}
        if examples.text_pairs is not None:
            row["text_pair"] = examples.text_pairs[index]
        row["label"] = predicted[index]
        if examples.labels is not None:
            row["true_label"] = examples.labels[index]
            row["correct"] = predicted[index] == examples.labels[index]
        row["probabilities"] = {
            name: round(float(p), 6) for name, p in zip(label_names, probabilities[index])
        }
        rows.append(row)
    with staged_file(name, path) as temporary:
        _write_rows(temporary, path, rows, label_names)


def _write_rows(temporary, path, rows, label_names):
    if path.lower().endswith(".csv"):
        with open(temporary, "w", encoding="utf-8", newline="") as file:
            writer = csv.writer(file)
            head = [key for key in rows[0] if key != "probabilities"]
            writer.writerow(head + [f"probability_{name}" for name in label_names])
            for row in rows:
                writer.writerow([row[key] for key in head] + list(row["probabilities"].values()))
    else:
        with open(temporary, "w", encoding="utf-8") as file:
            for row in rows:
                file.write(json.dumps(row, ensure_ascii=False) + "\n")


class SavedModelClassifier:
    """An exported classifier SavedModel behind the same `predict_texts` as `BertClassifier`.

    Calls the `classify` signature on batches of raw strings. The signature's string inputs
    are the text (and, for pair models, the second text: the input whose name holds "pair"
    or sorts second, as in `text_a`, `text_b`); its outputs must include probabilities (a
    float [batch, classes] output whose name holds "prob"). Label names come from the
    export's labels.txt asset, else "0", "1", ….
    """

    def __init__(self, path):
        import tensorflow as tf
        import tensorflow_text  # noqa: F401  (registers the tokenizer's ops before loading)

        self.path = path
        self.model = tf.saved_model.load(path)
        if CLASSIFY_SIGNATURE not in self.model.signatures:
            raise KerasBertError(
                f"{path}: the SavedModel has no {CLASSIFY_SIGNATURE!r} signature (it has: "
                f"{', '.join(self.model.signatures) or 'none'})."
            )
        self.signature = self.model.signatures[CLASSIFY_SIGNATURE]
        inputs = self.signature.structured_input_signature[1]
        string_inputs = sorted(name for name, spec in inputs.items() if spec.dtype == tf.string)
        if not 1 <= len(string_inputs) <= 2:
            raise KerasBertError(
                f"{path}: the classify signature's string inputs are {string_inputs}; "
                "expected 1 or 2."
            )
        pair_names = [name for name in string_inputs if "pair" in name]
        if len(string_inputs) == 2:
            self.pair_input = pair_names[0] if pair_names else string_inputs[1]
            self.text_input = [name for name in string_inputs if name != self.pair_input][0]
        else:
            self.text_input, self.pair_input = string_inputs[0], None
        self.text_pair = self.pair_input is not None
        outputs = self.signature.structured_outputs
        probability_names = [name for name in outputs if "prob" in name]
        if not probability_names:
            raise KerasBertError(
                f"{path}: the classify signature has no probabilities output "
                f"({', '.join(outputs)})."
            )
        self.probability_output = probability_names[0]
        self.num_classes = int(outputs[self.probability_output].shape[-1] or 0)
        self.label_names = self._label_names()

    def _label_names(self):
        """Class names from the export's labels file (an asset), else "0", "1", …."""
        asset = getattr(self.model, "labels_file", None)
        candidates = [os.path.join(self.path, "assets", "labels.txt")]
        if asset is not None and hasattr(asset, "asset_path"):
            candidates.insert(0, asset.asset_path.numpy().decode("utf-8"))
        for labels_path in candidates:
            if os.path.isfile(labels_path):
                with open(labels_path, encoding="utf-8") as file:
                    names = [line.rstrip("\r\n") for line in file if line.rstrip("\r\n")]
                if not self.num_classes or len(names) == self.num_classes:
                    return names
        return [str(i) for i in range(self.num_classes)]

    def predict_texts(self, texts, text_pairs=None, batch_size=64):
        import numpy as np
        import tensorflow as tf

        if self.text_pair and text_pairs is None:
            raise KerasBertError(
                "This SavedModel classifies text pairs; give the second texts too."
            )
        probabilities = []
        for start in range(0, len(texts), batch_size):
            feed = {self.text_input: tf.constant(texts[start : start + batch_size])}
            if self.pair_input:
                feed[self.pair_input] = tf.constant(text_pairs[start : start + batch_size])
            outputs = self.signature(**feed)
            probabilities.append(outputs[self.probability_output].numpy())
        probabilities = np.concatenate(probabilities, axis=0)
        if len(self.label_names) != probabilities.shape[-1]:
            self.label_names = [str(i) for i in range(probabilities.shape[-1])]
        return probabilities, [self.label_names[i] for i in probabilities.argmax(axis=-1)]
