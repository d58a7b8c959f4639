"""`keras-bert predict`: label every text of a file with a fine-tuned classifier.

The model is a classifier model folder (from `keras-bert finetune`) or an exported SavedModel
(a folder with saved_model.pb), whose `classify` signature is called on the raw strings.
Output: CSV or JSON lines (by the extension), one row per input row with its line number, the
text(s), the predicted label and the probability of every label.
"""

import csv
import json
import os

import numpy as np

CLASSIFY_SIGNATURE = "classify"


def register(subparsers):
    from keras_bert.cli.labelled_data_options import add_reading_options

    parser = subparsers.add_parser(
        "predict",
        help="classify the texts of a file; write labels and probabilities as CSV or JSON lines",
        description=__doc__.split("\n\n")[0],
    )
    parser.add_argument("--model", required=True, help="classifier model folder or exported SavedModel folder")
    parser.add_argument("--input", required=True, help="file of texts (CSV, TSV or JSON lines)")
    add_reading_options(parser, with_label=False, defaults_from_model=True)
    parser.add_argument("--output", required=True, help="predictions file: .csv or .jsonl")
    parser.add_argument("--batch-size", type=int, default=64)
    parser.set_defaults(func=run)


def run(args):
    from keras_bert.cli.labelled_data_options import read_examples, reading_settings
    from keras_bert.cli.main import UsageError

    check_predictions_path("--output", args.output)
    if not os.path.isdir(args.model):
        raise UsageError(f"--model {args.model}: no such folder.")

    if os.path.isfile(os.path.join(args.model, "saved_model.pb")):
        predictor = SavedModelClassifier(args.model)
        metadata = {}
    else:
        from keras_bert.interop.native import is_model_folder, read_metadata

        if not is_model_folder(args.model):
            raise UsageError(
                f"--model {args.model}: neither a keras_bert model folder (keras_bert.json) nor a "
                "SavedModel (saved_model.pb)."
            )
        metadata = read_metadata(args.model)
        if metadata.get("task") != "classifier":
            raise UsageError(f"--model {args.model}: holds a {metadata.get('task')}, not a fine-tuned classifier.")
        from keras_bert.tasks.classifier_folder import load_classifier

        predictor = load_classifier(args.model)

    settings = reading_settings(args, metadata)
    if bool(settings["text_pair_column"]) != bool(predictor.text_pair):
        raise UsageError(
            "the classifier takes "
            + ("text pairs: give --text-pair-column." if predictor.text_pair else "single texts: drop --text-pair-column.")
        )
    examples = read_examples(args.input, settings, with_label=False, skip_bad_rows=args.skip_bad_rows)
    probabilities, predicted = predictor.predict_texts(
        examples.texts, examples.text_pairs, batch_size=args.batch_size
    )
    write_predictions(args.output, examples, probabilities, predicted, predictor.label_names)
    counts = {name: predicted.count(name) for name in predictor.label_names}
    print(f"{len(predicted):,} predictions written to {args.output} ("
          + ", ".join(f"{name}: {count:,}" for name, count in counts.items()) + ")")
    return 0


def check_predictions_path(flag, path):
    """A predictions file name must say its format: .csv, or .jsonl (.json) for JSON lines."""
    from keras_bert.cli.main import UsageError

    if os.path.splitext(path)[1].lower() not in (".csv", ".jsonl", ".json"):
        raise UsageError(f"{flag} {path}: use a .csv or .jsonl file name.")


def write_predictions(path, examples, probabilities, predicted, label_names):
    """One row per example: line number, text(s), predicted label, each label's probability.

    Examples read with their labels (`keras-bert evaluate --predictions`) also get the
    true label and whether the prediction matched it, for looking at the errors.
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
    if path.lower().endswith(".csv"):
        with open(path, "w", encoding="utf-8", newline="") as file:
            writer = csv.writer(file)
            head = [key for key in rows[0] if key != "probabilities"]
            writer.writerow(head + [f"probability_{name}" for name in label_names])
            for row in rows:
                writer.writerow([row[key] for key in head] + list(row["probabilities"].values()))
    else:
        with open(path, "w", encoding="utf-8") as file:
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

        self.path = path
        self.model = tf.saved_model.load(path)
        if CLASSIFY_SIGNATURE not in self.model.signatures:
            raise ValueError(
                f"{path}: the SavedModel has no {CLASSIFY_SIGNATURE!r} signature (it has: "
                f"{', '.join(self.model.signatures) or 'none'})."
            )
        self.signature = self.model.signatures[CLASSIFY_SIGNATURE]
        inputs = self.signature.structured_input_signature[1]
        string_inputs = sorted(name for name, spec in inputs.items() if spec.dtype == tf.string)
        if not 1 <= len(string_inputs) <= 2:
            raise ValueError(f"{path}: the classify signature's string inputs are {string_inputs}; expected 1 or 2.")
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
            raise ValueError(f"{path}: the classify signature has no probabilities output ({', '.join(outputs)}).")
        self.probability_output = probability_names[0]
        self.num_classes = int(outputs[self.probability_output].shape[-1] or 0)
        self.label_names = self._label_names(tf)

    def _label_names(self, tf):
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
        import tensorflow as tf

        if self.text_pair and text_pairs is None:
            raise ValueError("This SavedModel classifies text pairs; give the second texts too.")
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
