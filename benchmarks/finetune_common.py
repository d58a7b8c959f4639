"""What the fine-tuning benchmarks share: the real task files, and finetune/evaluate runs.

Each run goes through the `keras-bert finetune` and `keras-bert evaluate` commands (in this
process), so the benchmarks measure exactly what a user gets. Test splits are only ever
passed to `evaluate`: models are fitted on `train` and chosen on `dev`.
"""

import json
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from keras_bert.cli.main import main as keras_bert_main  # noqa: E402

# The shared real data lives beside the repository, never inside it (see its README.md).
DEFAULT_DATA_DIR = Path(__file__).resolve().parents[1].parent / "shared" / "data"

# name -> files and reading options of each real task.
TASKS = {
    "sst2": dict(
        train="sst2/alps_train.tsv", dev="sst2/alps_dev.tsv", test="sst2/alps_test.tsv",
        columns=["--text-column", "sentence", "--label-column", "label", "--no-quoting"],
    ),
    "chnsenticorp": dict(
        train="chnsenticorp_uer/train.tsv", dev="chnsenticorp_uer/dev.tsv", test="chnsenticorp_uer/test.tsv",
        columns=["--text-column", "text_a", "--label-column", "label", "--no-quoting"],
    ),
    "mrpc": dict(
        train="mrpc/train.tsv", dev="mrpc/dev.tsv", test="mrpc/msr_paraphrase_test.txt",
        columns=["--text-column", "#1 String", "--text-pair-column", "#2 String",
                 "--label-column", "Quality", "--no-quoting"],
    ),
    # OCNLI's test.json has no labels: dev.json is the held-out report set, and a slice of
    # train.3k.json (written by `split_ocnli`) is the dev set used during training.
    "ocnli": dict(
        train="ocnli/train.3k.json", dev=None, test="ocnli/dev.json",
        columns=["--text-column", "sentence1", "--text-pair-column", "sentence2",
                 "--label-column", "label", "--drop-label=-"],
    ),
}


def task_files(task, data_dir):
    spec = TASKS[task]
    files = {split: (os.path.join(data_dir, spec[split]) if spec[split] else None) for split in ("train", "dev", "test")}
    for split, path in files.items():
        if path is not None and not os.path.exists(path):
            sys.exit(f"{task} {split} file not found: {path} (pass --data-dir)")
    return files


def split_ocnli(train_path, out_dir, dev_share=0.1, seed=0):
    """Write train/dev JSON-lines files that split OCNLI's train.3k.json (dev: every 10th row)."""
    import random

    with open(train_path, encoding="utf-8") as file:
        lines = [line for line in file if line.strip()]
    order = list(range(len(lines)))
    random.Random(seed).shuffle(order)
    dev_rows = set(order[: int(len(lines) * dev_share)])
    os.makedirs(out_dir, exist_ok=True)
    paths = {"train": os.path.join(out_dir, "ocnli_train_split.jsonl"), "dev": os.path.join(out_dir, "ocnli_dev_split.jsonl")}
    with open(paths["train"], "w", encoding="utf-8") as train, open(paths["dev"], "w", encoding="utf-8") as dev:
        for index, line in enumerate(lines):
            (dev if index in dev_rows else train).write(line)
    return paths


def finetune(name, *, init, files, columns, out_dir, options):
    """`keras-bert finetune` on train (watching dev); returns (model folder, its summary, seconds)."""
    model_dir = os.path.join(out_dir, name)
    init = str(init)
    command = ["finetune", "--train", files["train"], "--init", init, "--out", model_dir, *columns, *options]
    if files.get("dev"):
        command += ["--dev", files["dev"]]
    print(f"\n=== {name}: keras-bert {' '.join(command)}", flush=True)
    started = time.time()
    if keras_bert_main(command) != 0:
        sys.exit(f"{name}: fine-tuning failed")
    seconds = time.time() - started
    with open(os.path.join(model_dir, "summary.json"), encoding="utf-8") as file:
        summary = json.load(file)
    return model_dir, summary, seconds


def test(name, model_dir, files, out_dir):
    """`keras-bert evaluate` of a fine-tuned model folder on the test split; returns its scores."""
    scores_path = os.path.join(out_dir, f"{name}_test_scores.json")
    evaluate = ["evaluate", "--model", model_dir, "--data", files["test"], "--output", scores_path,
                "--plot", os.path.join(out_dir, f"{name}_test_confusion.png")]
    if keras_bert_main(evaluate) != 0:
        sys.exit(f"{name}: evaluation failed")
    with open(scores_path, encoding="utf-8") as file:
        return json.load(file)


def _result(name, init, summary, seconds, scores):
    return {
        "name": name,
        "init": str(init),
        "train_examples": summary["train_examples"],
        "finetune_seconds": round(seconds, 1),
        "dev_accuracy": summary.get("dev", {}).get("accuracy"),
        "dev_f1": summary.get("dev", {}).get("f1"),
        "test_accuracy": scores["accuracy"],
        "test_f1": scores["f1"],
        "test_examples": scores["examples"],
        "test_majority_class_accuracy": scores["majority_class_accuracy"],
    }


def finetune_and_test(name, *, init, files, columns, out_dir, options):
    """`keras-bert finetune` then `keras-bert evaluate` on the test split; returns a result dict."""
    model_dir, summary, seconds = finetune(name, init=init, files=files, columns=columns, out_dir=out_dir, options=options)
    return _result(name, init, summary, seconds, test(name, model_dir, files, out_dir))


def finetune_choosing_rate(name, *, init, files, columns, out_dir, args, rates):
    """Fine-tune once per peak learning rate, keep the best on dev, and test only that one.

    The test split sees a single model per arm, chosen on dev accuracy: the protocol of the
    BERT paper's GLUE runs. The result records every rate's dev accuracy.
    """
    if not files.get("dev"):
        sys.exit(f"{name}: choosing a learning rate needs a dev split")
    runs = []
    for rate in rates:
        run_name = f"{name}_lr{rate:g}"
        runs.append((rate, run_name, *finetune(run_name, init=init, files=files, columns=columns,
                                               out_dir=out_dir, options=training_options(args, rate))))
    rate, run_name, model_dir, summary, seconds = max(runs, key=lambda run: run[3]["dev"]["accuracy"])
    print(f"\n{name}: dev accuracy by peak learning rate: "
          + ", ".join(f"{r:g}: {s['dev']['accuracy']:.4f}" for r, _, _, s, _ in runs) + f" -> {rate:g}")
    result = _result(name, init, summary, seconds, test(run_name, model_dir, files, out_dir))
    result.update(learning_rate=rate, dev_accuracy_by_learning_rate={f"{r:g}": s["dev"]["accuracy"] for r, _, _, s, _ in runs},
                  finetune_seconds_all_rates=round(sum(run[4] for run in runs), 1))
    return result


def subsample_tsv(path, count, out_path, seed, min_words=0):
    """A seeded random subset of a TSV file's data rows (header kept, file order kept).

    With `min_words`, only rows whose first column has at least that many words are eligible.
    """
    import random

    with open(path, encoding="utf-8") as file:
        header, *rows = file.readlines()
    eligible = [i for i, row in enumerate(rows) if len(row.split("\t", 1)[0].split()) >= min_words]
    if count >= len(eligible) and len(eligible) == len(rows):
        return path
    chosen = sorted(random.Random(seed).sample(eligible, min(count, len(eligible))))
    with open(out_path, "w", encoding="utf-8") as file:
        file.write(header + "".join(rows[i] for i in chosen))
    return out_path


def draw_subsets(files, args, min_words=0):
    """Replace files["train"] / files["dev"] by seeded TSV subsets written to `args.out`.

    Train: with `min_words`, at most `--max-train-examples` rows of at least that many words
    (the draw then replaces finetune's own `--max-train-examples`, so it is set to 0). Dev:
    `--max-dev-examples` rows (when non-zero), under the same word minimum.
    """
    if min_words:
        files["train"] = subsample_tsv(files["train"], args.max_train_examples or 10**9,
                                       os.path.join(args.out, "train_subset.tsv"), args.seed, min_words)
        args.max_train_examples = 0  # the subset is already drawn
    if args.max_dev_examples:
        files["dev"] = subsample_tsv(files["dev"], args.max_dev_examples, os.path.join(args.out, "dev_subset.tsv"),
                                     args.seed, min_words)
    return files


def print_table(results, path):
    header = f"{'run':<28}{'train ex.':>10}{'minutes':>9}{'dev acc':>9}{'test acc':>10}{'test F1':>9}{'majority':>10}"
    print("\n" + header + "\n" + "-" * len(header))
    for r in results:
        dev = f"{r['dev_accuracy']:.4f}" if r["dev_accuracy"] is not None else "-"
        print(f"{r['name']:<28}{r['train_examples']:>10,}{r['finetune_seconds'] / 60:>9.1f}{dev:>9}"
              f"{r['test_accuracy']:>10.4f}{r['test_f1']:>9.4f}{r['test_majority_class_accuracy']:>10.4f}")
    with open(path, "w", encoding="utf-8") as file:
        json.dump(results, file, indent=2)
        file.write("\n")
    print(f"\nresults: {path}")


def common_arguments(parser, *, epochs, seq_length, batch_size, learning_rate, max_train_examples):
    parser.add_argument("--data-dir", default=str(DEFAULT_DATA_DIR), help="the shared real data folder")
    parser.add_argument("--out", required=True, help="folder for models, scores and results.json")
    parser.add_argument("--epochs", type=int, default=epochs)
    parser.add_argument("--seq-length", type=int, default=seq_length)
    parser.add_argument("--batch-size", type=int, default=batch_size)
    if learning_rate is not None:
        parser.add_argument("--learning-rate", type=float, default=learning_rate)
    parser.add_argument("--max-train-examples", type=int, default=max_train_examples,
                        help="fine-tune on a seeded random subset of the training split (0: all)")
    parser.add_argument("--seed", type=int, default=0)


def training_options(args, learning_rate=None):
    options = ["--epochs", str(args.epochs), "--seq-length", str(args.seq_length),
               "--batch-size", str(args.batch_size), "--learning-rate", str(learning_rate or args.learning_rate),
               "--seed", str(args.seed)]
    if args.max_train_examples:
        options += ["--max-train-examples", str(args.max_train_examples)]
    return options
