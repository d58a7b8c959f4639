"""How fast the pretraining input pipeline delivers batches, so it never starves the model.

For each language (English, Chinese; real text and Google's vocabularies from ../shared/data)
this measures, at seq 128 and batch 32:
- preparation: read, sentence-split, tokenise (in-graph tokenizer) and build the pairs once;
- dynamic: instances/s of `pretraining_dataset(mode="dynamic")`, masks redrawn in tf.data;
- static write: instances/s of masking once and writing TFRecord shards;
- static read: instances/s of `read_pretraining_tfrecords` over those shards.
Throughput is measured on the steady state (after a warm-up of a few batches), iterating a
repeated dataset, as `model.fit` would. Compare these figures with the sequences/s a model
trains at: the tokens/s of the pretraining rows of `python -m benchmarks` divided by 128.

Usage: python benchmarks/pretraining_input_pipeline.py [--languages en zh] [--batches 300]
"""

import argparse
import os
import tempfile
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DATA = REPO_ROOT.parent / "shared" / "data"
VOCABULARIES = {"en": ("google_uncased_en_vocab.txt", True), "zh": ("google_zh_vocab.txt", True)}


def strip_gutenberg(text):
    """Keep what lies between Project Gutenberg's "*** START" and "*** END" lines, if present."""
    lines = text.splitlines()
    start = next((i for i, line in enumerate(lines) if line.startswith("*** START")), None)
    end = next((i for i, line in enumerate(lines) if line.startswith("*** END")), None)
    if start is None or end is None:
        return text
    return "\n".join(lines[start + 1 : end]) + "\n"


def corpus_files(data_dir, language, work_dir):
    """The language's corpus files, Gutenberg licence text removed (that is not the package's job)."""
    files = []
    for path in sorted((data_dir / "corpus" / language).iterdir()):
        text = path.read_bytes().decode("utf-8")
        stripped = strip_gutenberg(text)
        if stripped is not text:
            path = Path(work_dir) / path.name
            path.write_text(stripped, encoding="utf-8")
        files.append(str(path))
    return files


def instances_per_second(dataset, batches, warmup=5):
    iterator = iter(dataset.repeat())
    for _ in range(warmup):
        next(iterator)
    count = 0
    start = time.perf_counter()
    for _ in range(batches):
        x, _ = next(iterator)
        count += int(x["input_word_ids"].shape[0])
    return count / (time.perf_counter() - start)


def measure(language, data_dir, args):
    from keras_bert import BertTokenizer
    from keras_bert.data.pretraining import (
        MaskedLMMasker,
        build_sequence_instances,
        dynamic_masking_dataset,
        mask_instances,
        read_pretraining_tfrecords,
        save_instances_as_tfrecords,
    )

    vocab_name, lowercase = VOCABULARIES[language]
    tokenizer = BertTokenizer.from_vocab_file(str(data_dir / "vocab" / vocab_name), lowercase=lowercase)
    with tempfile.TemporaryDirectory() as work_dir:
        files = corpus_files(data_dir, language, work_dir)
        start = time.perf_counter()
        prepared = build_sequence_instances(files, tokenizer, args.seq_length, seed=1, verbose=0)
        prepare_seconds = time.perf_counter() - start
        for line in prepared.report:
            print(f"  [{language}] {line}")
        masker = MaskedLMMasker.from_tokenizer(tokenizer, args.max_predictions)
        count = len(prepared.instances)

        dynamic = dynamic_masking_dataset(prepared, masker, args.batch_size, seed=1)
        dynamic_rate = instances_per_second(dynamic, args.batches)

        start = time.perf_counter()
        features = mask_instances(prepared, masker, seed=1, verbose=0)
        save_instances_as_tfrecords(features, work_dir, num_shards=4, verbose=0)
        write_rate = count / (time.perf_counter() - start)

        static = read_pretraining_tfrecords(work_dir, args.batch_size, seed=1)
        read_rate = instances_per_second(static, args.batches)
    return {
        "language": language,
        "instances": count,
        "prepare_s": prepare_seconds,
        "dynamic": dynamic_rate,
        "static_write": write_rate,
        "static_read": read_rate,
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--languages", nargs="+", default=["en", "zh"], choices=sorted(VOCABULARIES))
    parser.add_argument("--seq-length", type=int, default=128)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--max-predictions", type=int, default=20)
    parser.add_argument("--batches", type=int, default=300, help="batches timed per pipeline")
    args = parser.parse_args()
    if not (args.data_dir / "corpus").is_dir():
        raise SystemExit(f"real data not found at {args.data_dir} (expected corpus/ and vocab/ there)")

    import tensorflow as tf

    print(
        f"pretraining input pipeline, seq {args.seq_length}, batch {args.batch_size}, "
        f"{args.max_predictions} predictions, {os.cpu_count()} CPU(s), TensorFlow {tf.__version__}"
    )
    results = [measure(language, args.data_dir, args) for language in args.languages]
    header = f"{'corpus':<8}{'instances':>10}{'prepare s':>11}{'dynamic/s':>12}{'static write/s':>16}{'static read/s':>15}"
    print(header)
    for r in results:
        print(
            f"{r['language']:<8}{r['instances']:>10}{r['prepare_s']:>11.1f}{r['dynamic']:>12.0f}"
            f"{r['static_write']:>16.0f}{r['static_read']:>15.0f}"
        )
    print("(instances/s = sequences of 128 tokens delivered per second, after warm-up)")


if __name__ == "__main__":
    main()
