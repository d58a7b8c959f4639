"""Exported classifiers from raw strings: float32 SavedModel vs the int8 export, end to end.

For each classifier folder given, three exports are written and loaded in this one process:

- `float32`: `export_saved_model` as `keras-bert export` writes it (the lookup-table WordPiece
  tokenizer that TF Serving's tf-text has), `tf.saved_model.load(...).classify(strings)`;
- `float32_fast_tokenizer`: the same with `serving_compatible=False` (tf-text's fast WordPiece
  op, the tokenizer the int8 export uses), to tell the tokenizer's share from the encoder's;
- `int8`: `export_int8` (tokenizer SavedModel + dynamic-range int8 LiteRT model),
  `load_int8_export(...).classify(strings)`.

Every call starts from Python strings and ends with NumPy probabilities and label ids, so
tokenization and packing are timed too. Reported: dev accuracy of each way (and how often it
gives the float32 export's answer), texts/s at batch 32 and ms per text at batch 1, all ways
of all models timed in one set of interleaved rounds (`benchmarks/timing.py`: medians and
spread), with TensorFlow's and LiteRT's thread counts stated.

    python -m benchmarks.export_latency --dev runs/distill_sst2/dev_whole_sentences.tsv \
        --out export_latency.json runs/distill_sst2/teacher_minilm runs/distill_sst2/student_distilled
"""

import os
import tempfile
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from benchmarks import common, timing  # noqa: E402
from benchmarks.serving import batched_round, single_round  # noqa: E402

BATCH_SIZE = 32
WAYS = ("float32", "float32_fast_tokenizer", "int8")


def parse_args():
    parser = common.argument_parser(__doc__.split("\n\n")[0])
    parser.add_argument("models", nargs="+", type=Path, help="classifier model folders")
    parser.add_argument("--dev", type=Path, required=True,
                        help="TSV with a header, sentence<TAB>label (as SST-2's dev file)")
    parser.add_argument("--max-dev", type=int, help="score only the first N dev rows")
    parser.add_argument("--texts", type=int, default=256, help="texts per batch-32 round")
    parser.add_argument("--single-texts", type=int, default=32, help="batch-1 calls per round")
    parser.add_argument("--work", type=Path, help="where to write the exports (default: a temporary folder)")
    parser.set_defaults(threads=2)
    return parser.parse_args()


def export_all(folder, work, threads):
    """{way: (classify(list of str) → (probabilities, label ids as str), export seconds, bytes)}."""
    import tensorflow as tf

    from keras_bert import export_int8, export_saved_model, load_int8_export, load_model

    model = load_model(str(folder))
    if getattr(model, "text_pair", False) or not hasattr(model, "num_classes"):
        raise SystemExit(f"{folder}: this benchmark takes single-text classifiers.")
    ways = {}
    for way in WAYS:
        out = work / way
        started = time.perf_counter()
        if way == "int8":
            export_int8(model, str(out))
            served = load_int8_export(out, num_threads=threads)

            def classify(texts, served=served):
                outputs = served.classify(texts)
                return outputs["probabilities"], outputs["labels"].tolist()
        else:
            export_saved_model(model, str(out), serving_compatible=(way == "float32"))
            served = tf.saved_model.load(str(out))

            def classify(texts, served=served):
                outputs = served.classify(tf.constant(texts, tf.string, shape=[len(texts)]))
                labels = [label.decode("utf-8") for label in outputs["labels"].numpy()]
                return outputs["probabilities"].numpy(), labels

        seconds = time.perf_counter() - started
        ways[way] = (classify, round(seconds, 1), _model_bytes(out, way))
    return model, ways


def _model_bytes(folder, way):
    """The weights' bytes: the LiteRT file, or the SavedModel's variables."""
    if way == "int8":
        return (folder / "model_int8.tflite").stat().st_size
    return sum(path.stat().st_size for path in (folder / "variables").iterdir())


def score(classify, texts, gold):
    labels = []
    for start in range(0, len(texts), BATCH_SIZE):
        labels += classify(texts[start:start + BATCH_SIZE])[1]
    return labels, sum(a == b for a, b in zip(labels, gold)) / len(gold)


def main():
    args = parse_args()
    common.configure_threads(args.threads)

    from keras_bert.data.labelled import read_labelled_file

    dev = read_labelled_file(args.dev, text_column="sentence", label_column="label", quoting=False)
    dev_texts, dev_labels = list(dev.texts), [str(label) for label in dev.labels]
    if args.max_dev:
        dev_texts, dev_labels = dev_texts[:args.max_dev], dev_labels[:args.max_dev]
    texts = common.cycle_to(dev_texts, args.texts)
    batches = [texts[start:start + BATCH_SIZE] for start in range(0, len(texts), BATCH_SIZE)]
    singles = common.cycle_to(list(reversed(dev_texts)), args.single_texts)

    results = {"models": {}}
    contenders = {}
    with tempfile.TemporaryDirectory() as temporary:
        work_root = args.work or Path(temporary)
        for index, folder in enumerate(args.models):
            name = f"{index}_{folder.name}"
            common.log(f"export_latency: exporting {folder}")
            model, ways = export_all(folder, work_root / name, args.threads)
            record = {
                "folder": str(folder),
                "parameters": model.count_params(),
                "layers": model.encoder.config.num_hidden_layers,
                "hidden_size": model.encoder.config.hidden_size,
                "seq_length": model.seq_length,
                "dev_rows": len(dev_texts),
                "ways": {},
            }
            reference = None
            for way, (classify, seconds, size) in ways.items():
                common.log(f"export_latency: scoring {name} {way} on {len(dev_texts)} dev rows")
                labels, accuracy = score(classify, dev_texts, dev_labels)
                reference = reference or labels
                same = sum(a == b for a, b in zip(labels, reference)) / len(labels)
                record["ways"][way] = {
                    "dev_accuracy": round(accuracy, 4),
                    "same_label_as_float32": round(same, 4),
                    "export_seconds": seconds,
                    "weights_mib": round(size / 2**20, 2),
                }
                contenders[f"{name}/batch/{way}"] = batched_round(classify, batches)
                contenders[f"{name}/single/{way}"] = single_round(classify, singles)
            results["models"][name] = record
        common.log(f"export_latency: {len(contenders)} contenders, {args.rounds} timed rounds "
                   f"after {args.warmup} warm-up")
        per_unit = timing.interleaved_rounds(contenders, args.rounds, args.warmup, log=common.log)

    throughput = {key: timing.summarise(values) for key, values in timing.rates(per_unit).items()}
    latency = {key: timing.summarise(values) for key, values in timing.milliseconds(per_unit).items()}
    for name, record in results["models"].items():
        for way, entry in record["ways"].items():
            entry["batch_32_texts_per_s"] = _rounded(throughput[f"{name}/batch/{way}"])
            entry["batch_1_ms_per_text"] = _rounded(latency[f"{name}/single/{way}"], 3)
        batch, single = "batch_32_texts_per_s", "batch_1_ms_per_text"
        ways = record["ways"]
        record["int8_vs_float32"] = {
            "speedup_batch_32": round(ways["int8"][batch]["median"] / ways["float32"][batch]["median"], 2),
            "speedup_batch_1": round(ways["float32"][single]["median"] / ways["int8"][single]["median"], 2),
            "speedup_batch_32_same_tokenizer": round(
                ways["int8"][batch]["median"] / ways["float32_fast_tokenizer"][batch]["median"], 2),
            "speedup_batch_1_same_tokenizer": round(
                ways["float32_fast_tokenizer"][single]["median"] / ways["int8"][single]["median"], 2),
            "dev_accuracy_change_points": round(
                100 * (ways["int8"]["dev_accuracy"] - ways["float32"]["dev_accuracy"]), 2),
        }
    results["settings"] = {
        "dev": str(args.dev),
        "texts_per_batch_round": len(texts),
        "batch_size": BATCH_SIZE,
        "single_calls_per_round": len(singles),
        "rounds": args.rounds,
        "warmup_rounds": args.warmup,
        "threads": {"tensorflow_intra_and_inter_op": args.threads, "litert": args.threads},
        "spread": timing.SPREAD_MEASURE,
        "timed": "Python strings in → NumPy probabilities and labels out (tokenization included)",
    }
    results["environment"] = common.environment(args.threads)
    common.report_results(results, args.out)


def _rounded(summary, digits=1):
    return {
        "median": round(summary["median"], digits),
        "spread": round(summary["spread"], 3) if summary["spread"] is not None else None,
        "rounds": [round(value, digits) for value in summary["rounds"]],
    }


if __name__ == "__main__":
    common.run_comparison(main)
