"""Classify and encode raw strings with an int8 export in a fresh interpreter, the loader
imported from its file alone (TensorFlow, tf-text and LiteRT; no keras_bert).

    python int8_probe.py INT8_RUNTIME_PY EXPORT_FOLDER TEXTS_JSON OUT_JSON
"""

import importlib.util
import json
import sys


def main(runtime_file, folder, texts_file, out_file):
    spec = importlib.util.spec_from_file_location("int8_runtime", runtime_file)
    runtime = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(runtime)
    with open(texts_file, encoding="utf-8") as file:
        texts = json.load(file)
    bert = runtime.load_int8_export(folder, num_threads=1)
    classified = bert.classify(texts)
    encoded = bert.encode(texts)
    with open(out_file, "w", encoding="utf-8") as file:
        json.dump(
            {
                "labels": classified["labels"].tolist(),
                "probabilities": classified["probabilities"].tolist(),
                "sentence_embedding": encoded["sentence_embedding"].tolist(),
                "keras_bert_imported": any(name.startswith("keras_bert") for name in sys.modules),
                "litert": runtime.litert_interpreter_class().__module__,
            },
            file,
        )


if __name__ == "__main__":
    main(*sys.argv[1:])
