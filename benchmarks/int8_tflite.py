"""Is int8 faster for the encoder on this CPU? TensorFlow vs LiteRT float32 vs LiteRT int8.

For each classifier folder given, the model over token ids (fixed [batch, seq] shapes) runs
three ways: the Keras model in a `tf.function` (float32, what the export serves), and the
LiteRT (TFLite) conversion of the same function in float32 and with dynamic-range int8
quantization (int8 weights, activations quantized on the fly: `tf.lite.Optimize.DEFAULT`).
Tokenization is left out: it is the same for all three. Reported: texts/s at batch 32 and
ms per text at batch 1 (medians over interleaved rounds) and accuracy on the dev sentences
(float32 TensorFlow vs int8). Measurement only: nothing here is shipped as an export option.

    python benchmarks/int8_tflite.py --dev runs/distill_sst2/dev_whole_sentences.tsv \
        runs/distill_sst2/teacher_minilm runs/distill_sst2/student_distilled
"""

import argparse
import os
import statistics
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402


def token_ids(classifier, texts, seq_length):
    encoded = classifier.tokenizer.encode(texts, seq_length=seq_length)
    return {name: np.asarray(value, "int32") for name, value in encoded.items()}


def convert(function, model, int8):
    """The function as a LiteRT flatbuffer, its weights frozen into constants first
    (converted with the variables as they are, the weights were left out)."""
    import tensorflow as tf
    from tensorflow.python.framework.convert_to_constants import (
        convert_variables_to_constants_v2,
    )

    frozen = convert_variables_to_constants_v2(function.get_concrete_function())
    converter = tf.lite.TFLiteConverter.from_concrete_functions([frozen])
    converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS,
                                           tf.lite.OpsSet.SELECT_TF_OPS]
    if int8:
        converter.optimizations = [tf.lite.Optimize.DEFAULT]
    return converter.convert()


class LiteRunner:
    def __init__(self, flatbuffer, threads):
        import tensorflow as tf

        self.interpreter = tf.lite.Interpreter(model_content=flatbuffer, num_threads=threads)
        self.interpreter.allocate_tensors()
        self.details = self.interpreter.get_input_details()
        self.output = self.interpreter.get_output_details()[0]["index"]

    def __call__(self, features):
        for detail in self.details:
            name = next(key for key in features if detail["name"].endswith(key)
                        or key in detail["name"])
            self.interpreter.set_tensor(detail["index"], features[name])
        self.interpreter.invoke()
        return self.interpreter.get_tensor(self.output)


def runners(classifier, batch, seq_length, threads):
    """{"tf float32", "litert float32", "litert int8"} → callables over id dicts [batch, seq]."""
    import tensorflow as tf

    spec = {name: tf.TensorSpec([batch, seq_length], tf.int32, name=name)
            for name in ("input_word_ids", "input_mask", "input_type_ids")}

    @tf.function(input_signature=[spec])
    def logits(features):
        return classifier(features, training=False)

    sizes = {}
    result = {"tf float32": lambda features: logits(features).numpy()}
    for name, int8 in (("litert float32", False), ("litert int8", True)):
        flatbuffer = convert(logits, classifier, int8)
        sizes[name] = len(flatbuffer)
        result[name] = LiteRunner(flatbuffer, threads)
    return result, sizes


def batches(ids, batch):
    """The rows in batches of exactly `batch` (the last padded by repeating row 0)."""
    count = len(ids["input_word_ids"])
    for start in range(0, count, batch):
        rows = list(range(start, min(start + batch, count)))
        rows += [0] * (batch - len(rows))
        yield {name: value[rows] for name, value in ids.items()}, min(batch, count - start)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("models", nargs="+", help="classifier model folders")
    parser.add_argument("--dev", required=True, help="SST-2-style TSV (sentence, label)")
    parser.add_argument("--seq-length", type=int, default=64)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()

    import tensorflow as tf

    tf.config.threading.set_intra_op_parallelism_threads(args.threads)
    tf.config.threading.set_inter_op_parallelism_threads(args.threads)
    from keras_bert.data.labelled import read_labelled_file
    from keras_bert.workflows.classifier_folder import load_classifier

    dev = read_labelled_file(args.dev, text_column="sentence", label_column="label", quoting=False)
    for folder in args.models:
        classifier = load_classifier(folder)
        gold = np.asarray([classifier.label_names.index(label) for label in dev.labels])
        ids = token_ids(classifier, dev.texts, args.seq_length)
        print(f"\n{folder} ({classifier.count_params():,} weights), seq {args.seq_length}, "
              f"{args.threads} threads")
        for batch in (32, 1):
            ways, sizes = runners(classifier, batch, args.seq_length, args.threads)
            if batch == 32:
                predictions = {}
                for name, run in ways.items():
                    out = [run(features)[:real] for features, real in batches(ids, batch)]
                    predictions[name] = np.concatenate(out).argmax(-1)
                for name, predicted in predictions.items():
                    same = np.mean(predicted == predictions["tf float32"])
                    size = f", {sizes[name] / 2**20:.1f} MiB" if name in sizes else ""
                    print(f"  {name:<15} dev accuracy {np.mean(predicted == gold):.4f} "
                          f"(same answer as tf float32: {same:.4f}{size})")
            units = [features for features, _ in batches(ids, batch)][: 8 if batch == 32 else 64]
            timings = {name: [] for name in ways}
            for name, run in ways.items():
                run(units[0])  # warm-up
            for _ in range(args.rounds):  # interleaved rounds: load shifts hit every way alike
                for name, run in ways.items():
                    started = time.perf_counter()
                    for features in units:
                        run(features)
                    timings[name].append(time.perf_counter() - started)
            for name, times in timings.items():
                median = statistics.median(times)
                if batch == 32:
                    print(f"  batch 32, {name:<15} {len(units) * 32 / median:8,.0f} texts/s")
                else:
                    print(f"  batch 1,  {name:<15} {1000 * median / len(units):8.2f} ms per text")
    print(f"\n1-minute load average at the end: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
