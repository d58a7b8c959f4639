"""Run an exported SavedModel in a fresh interpreter that has only TensorFlow and tf-text.

    python fresh_process_probe.py SAVED_MODEL CASES_JSON OUT_DIR

CASES_JSON maps a case name to hex-encoded texts (and, under "ids", encoder inputs; under
"pairs", [texts_a, texts_b]). Every output of every route (signature and method) is written to
OUT_DIR/outputs.npz as "<case>/<route>/<output>", label strings to OUT_DIR/labels.json.
keras_bert must not be imported by anything here: the test checks it.
"""

import json
import os
import sys

import numpy as np
import tensorflow as tf
import tensorflow_text  # noqa: F401  (registers the tokenizer's ops)


def main(saved_model, cases_file, out_dir):
    with open(cases_file) as file:
        cases = json.load(file)
    bert = tf.saved_model.load(saved_model)
    arrays, labels = {}, {}

    def keep(case, route, outputs):
        for name, value in outputs.items():
            if isinstance(value, (list, tuple)):
                value = tf.stack(value, axis=1)
            if value.dtype == tf.string:
                labels[f"{case}/{route}/{name}"] = [item.decode("utf-8") for item in value.numpy()]
            else:
                arrays[f"{case}/{route}/{name}"] = value.numpy()

    def strings(hex_texts):
        return tf.constant([bytes.fromhex(text) for text in hex_texts], tf.string, shape=[len(hex_texts)])

    for case, texts in cases["texts"].items():
        text = strings(texts)
        keep(case, "encode_signature", bert.signatures["encode"](text=text))
        keep(case, "encode_method", bert.encode(text))
        keep(case, "classify_signature", bert.signatures["classify"](text=text))
        keep(case, "classify_method", bert.classify(text))
        keep(case, "serving_default", bert.signatures["serving_default"](text=text))

    text_a, text_b = (strings(texts) for texts in cases["pairs"])
    keep("pairs", "encode_pair_signature", bert.signatures["encode_pair"](text_a=text_a, text_b=text_b))
    keep("pairs", "encode_pair_method", bert.encode_pair(text_a, text_b))

    ids = {name: tf.constant(value, tf.int32) for name, value in cases["ids"].items()}
    keep("ids", "encode_ids_signature", bert.signatures["encode_ids"](**ids))
    keep("ids", "call_method", bert(ids))
    keep("ids", "call_method_training_false", bert(ids, training=False))

    np.savez(os.path.join(out_dir, "outputs.npz"), **arrays)
    with open(os.path.join(out_dir, "labels.json"), "w") as file:
        json.dump(
            {
                "labels": labels,
                "keras_bert_imported": any(name.startswith("keras_bert") for name in sys.modules),
                "signatures": sorted(bert.signatures),
                "num_trainable_variables": len(bert.trainable_variables),
            },
            file,
        )


if __name__ == "__main__":
    main(*sys.argv[1:])
