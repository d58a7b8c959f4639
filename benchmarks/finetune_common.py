"""What the fine-tuning benchmarks share: the real task files, and finetune/evaluate runs.

Each run goes through the `keras-bert finetune` and `keras-bert evaluate` commands (in this
process), so the benchmarks measure exactly what a user gets. Test splits are only ever
passed to `evaluate`: models are fitted on `train` and chosen on `dev`.
"""

import json
import math
import os
import sys
import time
from pathlib import Path
from statistics import mean, pstdev, stdev

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


def test(name, model_dir, files, out_dir, split="test"):
    """`keras-bert evaluate` of a fine-tuned model folder on a test split; returns its scores.

    Each row's prediction is also written (`predictions_path`), for `correct_by_row`.
    """
    scores_path = os.path.join(out_dir, f"{name}_{split}_scores.json")
    evaluate = ["evaluate", "--model", model_dir, "--input", files[split], "--out", scores_path,
                "--plot", os.path.join(out_dir, f"{name}_{split}_confusion.png"),
                "--predictions", predictions_path(name, out_dir, split)]
    if keras_bert_main(evaluate) != 0:
        sys.exit(f"{name}: evaluation failed")
    with open(scores_path, encoding="utf-8") as file:
        return json.load(file)


def predictions_path(name, out_dir, split):
    return os.path.join(out_dir, f"{name}_{split}_predictions.jsonl")


def option_value(options, flag):
    """The value after `flag` in a list of command-line options (a task's `columns`), or None."""
    return options[options.index(flag) + 1] if flag in options else None


def correct_by_row(name, out_dir, split="test"):
    """Per row of a split `test` scored, 1.0 where the model gave the gold label, else 0.0.

    For paired comparisons: the gap between two models scored on the same rows is less noisy
    than the sampling errors of their two accuracies suggest.
    """
    with open(predictions_path(name, out_dir, split), encoding="utf-8") as file:
        return [float(json.loads(line)["correct"]) for line in file]


def majority_correct_by_row(name, out_dir, split="test"):
    """Per row of a scored split, 1.0 where always answering the split's majority class is right.

    The baseline `evaluate` reports as `majority_class_accuracy`, row by row, for `paired_gain`.
    """
    with open(predictions_path(name, out_dir, split), encoding="utf-8") as file:
        labels = [json.loads(line)["true_label"] for line in file]
    majority = max(set(labels), key=labels.count)
    return [float(label == majority) for label in labels]


def paired_gain(first_rows, second_rows):
    """Mean per-row difference of two arms scored on the same rows, with a 95 % interval.

    Each row's value is the share of an arm's seeds that label it right, so the mean
    difference is the difference of the two mean accuracies; the interval (normal
    approximation over rows) counts how much that gap could move with another sample of
    test rows, which a comparison of two unpaired accuracies overstates.
    """
    differences = [first - second for first, second in zip(first_rows, second_rows)]
    return mean(differences), 1.96 * stdev(differences) / math.sqrt(len(differences))


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


def finetune_choosing_on_dev(name, *, init, files, columns, out_dir, args, settings, seeds):
    """Fine-tune every setting with every seed, keep the setting best on dev, test only its runs.

    `settings` are dicts of `keras-bert finetune` options (a peak learning rate, a pooling),
    the same grid for every arm; `init(seed)` gives the model folder a run starts from. The
    setting with the best mean dev accuracy over the seeds is chosen, as the BERT paper chose
    its GLUE fine-tuning rates on dev, and the test split then sees that setting's runs only:
    the result reports their mean, spread and each seed's figure, and every setting's dev mean.
    """
    if not files.get("dev"):
        sys.exit(f"{name}: choosing on dev needs a dev split")
    runs = {}
    for setting in settings:
        label = setting_label(setting)
        runs[label] = [
            finetune(f"{name}_{label}_seed{seed}", init=init(seed), files=files, columns=columns,
                     out_dir=out_dir, options=training_options(args, seed=seed, **setting))
            for seed in seeds
        ]
    dev_means = {label: mean([summary["dev"]["accuracy"] for _, summary, _ in seed_runs])
                 for label, seed_runs in runs.items()}
    chosen = max(dev_means, key=dev_means.get)
    print(f"\n{name}: mean dev accuracy over seeds {list(seeds)}: "
          + ", ".join(f"{label} {value:.4f}" for label, value in dev_means.items()) + f" -> {chosen}")
    def test_chosen_runs(split):
        """Each seed's scores on `split`, and per row the share of seeds that got it right."""
        scores, correct = [], []
        for seed, (model_dir, _, _) in zip(seeds, runs[chosen]):
            run_name = f"{name}_{chosen}_seed{seed}"
            scores.append(test(run_name, model_dir, files, out_dir, split=split))
            correct.append(correct_by_row(run_name, out_dir, split=split))
        return scores, [mean(row) for row in zip(*correct)]

    scores, test_rows = test_chosen_runs("test")
    summaries = [summary for _, summary, _ in runs[chosen]]
    test_accuracies = [score["accuracy"] for score in scores]
    unseen = {}
    if files.get("test_unseen"):
        unseen_scores, unseen_rows = test_chosen_runs("test_unseen")
        unseen_accuracies = [score["accuracy"] for score in unseen_scores]
        unseen = {"unseen_test_accuracy": mean(unseen_accuracies), "unseen_test_accuracy_std": pstdev(unseen_accuracies),
                  "unseen_test_accuracy_by_seed": unseen_accuracies, "unseen_test_examples": unseen_scores[0]["examples"],
                  "unseen_test_correct_share_by_row": unseen_rows}
    return {
        "name": name,
        "init": str(init(seeds[0])),
        "chosen_setting": chosen,
        "seeds": list(seeds),
        "train_examples": summaries[0]["train_examples"],
        "finetune_seconds": round(mean([seconds for _, _, seconds in runs[chosen]]), 1),
        "finetune_seconds_all_runs": round(sum(seconds for seed_runs in runs.values() for _, _, seconds in seed_runs), 1),
        "dev_accuracy": dev_means[chosen],
        "dev_f1": mean([summary["dev"]["f1"] for summary in summaries]),
        "dev_accuracy_by_setting": dev_means,
        "finetune_seconds_by_setting": {label: round(mean([seconds for _, _, seconds in seed_runs]), 1)
                                        for label, seed_runs in runs.items()},
        "test_accuracy": mean(test_accuracies),
        "test_accuracy_std": pstdev(test_accuracies),
        "test_accuracy_by_seed": test_accuracies,
        "test_f1": mean([score["f1"] for score in scores]),
        "test_examples": scores[0]["examples"],
        "test_majority_class_accuracy": scores[0]["majority_class_accuracy"],
        "test_correct_share_by_row": test_rows,
        **unseen,
    }


def setting_label(setting):
    """A short name for a dict of finetune options: {"learning_rate": 3e-4, "pooling": "mean"} -> lr0.0003_mean."""
    return "_".join(f"lr{value:g}" if key == "learning_rate" else str(value) for key, value in setting.items())


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


def read_tsv_rows(path):
    """A TSV file's header line and its non-blank data lines, newlines kept (a BOM is dropped,
    as `keras-bert`'s own readers drop it: MRPC's files start with one)."""
    with open(path, encoding="utf-8-sig") as file:
        header, *lines = file.readlines()
    return header, [line for line in lines if line.strip()]


def write_tsv_rows(path, header, rows):
    """Write a header line and data lines (as `read_tsv_rows` gives them) to a TSV file."""
    with open(path, "w", encoding="utf-8") as file:
        file.write(header + "".join(row if row.endswith("\n") else row + "\n" for row in rows))


def sentence_disjoint_split(train_path, dev_path, dev_sentences, out_dir, seed, min_words):
    """Write SST-2 train/dev TSV files that share no text, with dev made of whole sentences.

    SST-2's train and dev files (alps_train.tsv, alps_dev.tsv) are a random split of phrases
    cut from the same parse trees: in a seeded sample of 300 dev rows of 10+ words, 78 % occur
    verbatim inside a training row. Accuracy on them rewards remembering training sentences,
    while the test split (alps_test.tsv: whole sentences of other reviews, 2 of its 872 inside
    a train or dev row) asks for reading new ones, so choosing settings on that dev picks for the
    wrong skill. Here the rows of both files are pooled; `dev_sentences` rows of at least
    `min_words` words that are part of no other row (whole sentences) are drawn with `seed` as
    dev; every row that is part of one of them (its phrases, down to single words) leaves the
    training file. Returns the two paths.
    """
    import random

    def text(row):
        # Word-bounded form: " a b " is part of " x a b y " but " a b" is not part of " a bc ".
        return " " + row.split("\t", 1)[0].strip() + " "

    header, train_rows = read_tsv_rows(train_path)
    pool = train_rows + read_tsv_rows(dev_path)[1]
    everything = "\n".join(text(row) for row in pool)
    candidates = [row for row in pool if len(text(row).split()) >= min_words]
    random.Random(seed).shuffle(candidates)
    dev = []
    for row in candidates:
        if everything.count(text(row)) == 1:  # only itself: a whole sentence, and no duplicate
            dev.append(row)
            if len(dev) == dev_sentences:
                break
    dev_texts = "\n".join(text(row) for row in dev)
    train = [row for row in pool if text(row) not in dev_texts]
    paths = {"train": os.path.join(out_dir, "train_sentence_disjoint.tsv"),
             "dev": os.path.join(out_dir, "dev_whole_sentences.tsv")}
    for split, chosen in (("train", train), ("dev", dev)):
        write_tsv_rows(paths[split], header, chosen)
    print(f"sentence-disjoint split: {len(dev):,} whole dev sentences of >= {min_words} words; "
          f"{len(pool) - len(train):,} of {len(pool):,} pooled rows left out of training as parts of them")
    return paths


def leave_out_training_texts(files, text_columns, out_dir):
    """Add dev and test files without the rows whose text is, verbatim, a training row's text.

    Some public splits repeat texts across splits: ChnSentiCorp (uer's TSVs) has 338 of its
    1,200 dev reviews and 331 of its 1,200 test reviews word for word in train.tsv. A model
    that remembers training texts scores on those rows without reading them, so dev accuracy
    would reward memory when it chooses settings. `files["dev"]` becomes the dev rows not in
    training, and `files["test_unseen"]` the test rows not in training, scored beside the whole
    test split (the figure published results use); a split with no repeated rows is left as it
    is (and test is then scored once). Files are TSVs with a header naming the `text_columns`
    (one column, or a sentence pair's two: a row repeats training when all of them do); the
    counts are printed.
    """
    def read(path):
        header, rows = read_tsv_rows(path)
        names = header.rstrip("\n").split("\t")
        indices = [names.index(column) for column in text_columns]
        return header, [(row, tuple(row.rstrip("\n").split("\t")[i] for i in indices)) for row in rows]

    training_texts = {text for _, text in read(files["train"])[1]}
    for split, target in (("dev", "dev"), ("test", "test_unseen")):
        header, rows = read(files[split])
        kept = [row for row, text in rows if text not in training_texts]
        print(f"{split}: {len(rows) - len(kept):,} of {len(rows):,} rows repeat a training text verbatim")
        if len(kept) < len(rows):
            files[target] = os.path.join(out_dir, f"{split}_not_in_train.tsv")
            write_tsv_rows(files[target], header, kept)
            print(f"  the {len(kept):,} others: {files[target]}")
    return files


def draw_subsets(files, args, min_words=0):
    """Replace files["train"] / files["dev"] by seeded TSV subsets written to `args.out`.

    Train: at most `--max-train-examples` rows (of at least `min_words` words), drawn here once
    with `--seed` rather than by each finetune run with its own seed, so runs that differ in
    seed still train on the same rows (`--max-train-examples` is then set to 0). Dev:
    `--max-dev-examples` rows (when non-zero), under the same word minimum.
    """
    if min_words or args.max_train_examples:
        files["train"] = subsample_tsv(files["train"], args.max_train_examples or 10**9,
                                       os.path.join(args.out, "train_subset.tsv"), args.seed, min_words)
        args.max_train_examples = 0  # the subset is already drawn
    if args.max_dev_examples:
        files["dev"] = subsample_tsv(files["dev"], args.max_dev_examples, os.path.join(args.out, "dev_subset.tsv"),
                                     args.seed, min_words)
    return files


def print_table(results, path):
    """Print one row per result (test accuracy as mean ± spread when it is over seeds) and save them."""
    header = f"{'run':<28}{'train ex.':>10}{'minutes':>9}{'dev acc':>9}{'test acc':>17}{'test F1':>9}{'majority':>10}"
    print("\n" + header + "\n" + "-" * len(header))
    for r in results:
        dev = f"{r['dev_accuracy']:.4f}" if r["dev_accuracy"] is not None else "-"
        test = f"{r['test_accuracy']:.4f}" + (f" ± {r['test_accuracy_std']:.4f}" if "test_accuracy_std" in r else "")
        print(f"{r['name']:<28}{r['train_examples']:>10,}{r['finetune_seconds'] / 60:>9.1f}{dev:>9}"
              f"{test:>17}{r['test_f1']:>9.4f}{r['test_majority_class_accuracy']:>10.4f}")
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


def training_options(args, learning_rate=None, seed=None, pooling=None):
    options = ["--epochs", str(args.epochs), "--seq-length", str(args.seq_length),
               "--batch-size", str(args.batch_size), "--learning-rate", str(learning_rate or args.learning_rate),
               "--seed", str(args.seed if seed is None else seed)]
    if pooling:
        options += ["--pooling", pooling]
    if args.max_train_examples:
        options += ["--max-train-examples", str(args.max_train_examples)]
    return options
