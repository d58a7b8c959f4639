"""SST-2 by distillation: an all-MiniLM-L6-v2 teacher taught to a bert_tiny on IMDB sentences.

Three models, scored on the same dev sentences:

1. the teacher: all-MiniLM-L6-v2 (6 layers, 384 wide) fine-tuned on SST-2 with the recipe of
   `finetune_minilm_sst2.py` (mean pooling, 1e-4, 1 epoch), on `--teacher-train-examples`
   sentences of 10+ words at `--teacher-seq-length` (or `--teacher DIR`, a folder made before);
2. the student: a bert_tiny (2 layers, 128 wide) from random weights with the teacher's
   vocabulary, distilled (`keras-bert distill`) on `--imdb-reviews` IMDB reviews cut into
   sentences (at most `--max-unlabelled` of them) plus the `--student-train-examples` SST-2
   training rows, whose gold labels are mixed in (`--alpha`);
3. the baseline: the same bert_tiny from random weights fine-tuned (`keras-bert finetune`)
   on the same SST-2 rows, for the same epochs, at the same rate.

Data. As in `finetune_minilm_sst2.py`, dev is 1,000 whole SST-2 sentences that share no text
with training (finetune_common.sentence_disjoint_split), and is only scored: no epoch or
setting is chosen on it here (`--no-best-on-dev`). The test split is read only with `--test`,
once the settings are fixed: each model is then scored on it once, with the same paired
intervals.

A model folder already complete in `--out` (its `summary.json` written) is reused, not
trained again, so a stopped run resumes and `--test` can be added to a finished one.

Reported: dev accuracy of the three, the paired 95 % intervals of student − baseline and
teacher − student over the dev sentences, and each model's classification speed on the dev
sentences (texts/s, batch 32, in this process, the fastest of 3 passes). A small run:

    python benchmarks/distill_sst2.py --out runs/distill_sst2
"""

import argparse
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from finetune_common import (TASKS, correct_by_row, finetune, keras_bert_main,  # noqa: E402
                             paired_gain, sentence_disjoint_split, subsample_tsv, task_files, test)

from finetune_minilm_sst2 import minilm_path  # noqa: E402

COLUMNS = TASKS["sst2"]["columns"]


def imdb_subset(path, count, out_path, seed):
    """A seeded random `count` of the reviews (one per line), in file order."""
    import random

    with open(path, encoding="utf-8") as file:
        reviews = [line for line in file if line.strip()]
    chosen = sorted(random.Random(seed).sample(range(len(reviews)), min(count, len(reviews))))
    with open(out_path, "w", encoding="utf-8") as file:
        file.writelines(reviews[i] for i in chosen)
    return out_path


def texts_per_second(model_dir, texts, repeats=3):
    """Classification speed of a model folder on `texts` (batch 32): the fastest of `repeats`
    passes after a warm-up one (the machine is shared: the fastest pass is the least disturbed)."""
    from keras_bert.workflows.classifier_folder import load_classifier

    classifier = load_classifier(model_dir)
    classifier.predict_texts(texts, batch_size=32, verbose=0)
    fastest = float("inf")
    for _ in range(repeats):
        started = time.time()
        classifier.predict_texts(texts, batch_size=32, verbose=0)
        fastest = min(fastest, time.time() - started)
    return len(texts) / fastest


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-dir", default=os.path.join(os.path.dirname(__file__), "..", "..",
                                                           "shared", "data"))
    parser.add_argument("--out", required=True, help="folder for models, scores and results.json")
    parser.add_argument("--teacher", help="a fine-tuned teacher folder to reuse (default: make one)")
    parser.add_argument("--teacher-train-examples", type=int, default=6000)
    parser.add_argument("--teacher-seq-length", type=int, default=64)
    parser.add_argument("--imdb-reviews", type=int, default=600)
    parser.add_argument("--max-unlabelled", type=int, default=6000)
    parser.add_argument("--student-train-examples", type=int, default=10000)
    parser.add_argument("--student-preset", default="bert_tiny")
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--seq-length", type=int, default=64)
    parser.add_argument("--learning-rate", type=float, default=1e-3)
    parser.add_argument("--temperature", type=float, default=2.0)
    parser.add_argument("--alpha", type=float, default=0.5)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--teacher-cache",
                        help="folder of teacher scores an earlier run cached (distill --cache)")
    parser.add_argument("--test", action="store_true",
                        help="also score every model once on SST-2's test split")
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    started = time.time()

    files = task_files("sst2", args.data_dir)
    files.update(sentence_disjoint_split(files["train"], files["dev"], 1000, args.out, args.seed,
                                         min_words=10))
    minutes = {}

    # 1. The teacher.
    teacher = args.teacher
    if teacher is None:
        teacher_files = dict(files, train=subsample_tsv(
            files["train"], args.teacher_train_examples,
            os.path.join(args.out, "teacher_train.tsv"), args.seed, min_words=10))
        teacher, _, seconds = finetune(
            "teacher_minilm", init=minilm_path(), files=teacher_files, columns=COLUMNS,
            out_dir=args.out,
            options=["--epochs", "1", "--seq-length", str(args.teacher_seq_length),
                     "--learning-rate", "1e-4", "--seed", str(args.seed), "--quiet"],
        )
        minutes["teacher_finetuning"] = seconds / 60

    # 2. The student, distilled.
    student_train = subsample_tsv(files["train"], args.student_train_examples,
                                  os.path.join(args.out, "student_train.tsv"), args.seed)
    reviews = imdb_subset(os.path.join(args.data_dir, "imdb", "train_reviews.txt"),
                          args.imdb_reviews, os.path.join(args.out, "imdb_reviews.txt"), args.seed)
    common = ["--epochs", str(args.epochs), "--seq-length", str(args.seq_length),
              "--learning-rate", str(args.learning_rate), "--seed", str(args.seed)]
    student = os.path.join(args.out, "student_distilled")
    if os.path.exists(os.path.join(student, "summary.json")):
        print(f"\n=== reusing the finished student {student}", flush=True)
        command = None
    else:
        command = ["distill", "--teacher", teacher, "--student-preset", args.student_preset,
                   "--unlabelled", reviews, "--split-sentences",
                   "--max-unlabelled", str(args.max_unlabelled), "--train", student_train,
                   "--dev", files["dev"], *COLUMNS, "--out", student, "--no-best-on-dev",
                   "--temperature", str(args.temperature), "--alpha", str(args.alpha), *common,
                   "--quiet"]
        if args.teacher_cache:
            command += ["--cache", args.teacher_cache]
        print(f"\n=== keras-bert {' '.join(command)}", flush=True)
        begun = time.time()
        if keras_bert_main(command) != 0:
            sys.exit("distillation failed")
        minutes["distillation"] = (time.time() - begun) / 60
    with open(os.path.join(student, "summary.json"), encoding="utf-8") as file:
        distilled = json.load(file)

    # 3. The baseline: the same architecture and rows, gold labels only.
    vocab = os.path.join(teacher, "assets", "tokenizer", "vocab.txt")
    baseline = os.path.join(args.out, "student_random_finetuned")
    if os.path.exists(os.path.join(baseline, "summary.json")):
        print(f"\n=== reusing the finished baseline {baseline}", flush=True)
    else:
        baseline, _, seconds = finetune(
            "student_random_finetuned", init="random", files=dict(files, train=student_train),
            columns=COLUMNS, out_dir=args.out,
            options=["--preset", args.student_preset, "--vocab", vocab, *common, "--quiet"],
        )
        minutes["baseline_finetuning"] = seconds / 60

    # Scores on dev (and test, once, with --test), row by row, and speed.
    names = {"teacher": teacher, "student": student, "baseline": baseline}
    splits = ["dev", "test"] if args.test else ["dev"]
    scored = {split: score_split(names, files, args.out, split) for split in splits}
    from keras_bert.data.labelled import read_labelled_file

    dev_texts = read_labelled_file(files["dev"], text_column="sentence", quoting=False).texts
    speed = {name: texts_per_second(folder, dev_texts) for name, folder in names.items()}

    results = {
        "settings": vars(args),
        "teacher": teacher,
        "unlabelled_sentences": distilled["unlabelled_texts"],
        "sst2_train_rows": distilled["train_examples"],
        "teacher_scoring": distilled["teacher_scoring"],
        "weights": {"teacher": distilled["teacher_weights"], "student": distilled["student_weights"]},
        **{f"{split}_{key}": value for split in splits for key, value in scored[split].items()},
        "dev_agreement_student_teacher": distilled["dev_agreement"],
        "texts_per_second_batch32": speed,
        "minutes": {**minutes, "total": (time.time() - started) / 60},
    }
    with open(os.path.join(args.out, "results.json"), "w", encoding="utf-8") as file:
        json.dump(results, file, indent=2)
        file.write("\n")

    for split in splits:
        result = scored[split]
        print(f"\nSST-2 {split} ({result['examples']:,} sentences, none in training; "
              f"always-majority {result['majority_class_accuracy']:.4f}):")
        for name, label in (("teacher", "teacher (all-MiniLM-L6-v2, fine-tuned)"),
                            ("student", f"student ({args.student_preset}, distilled)"),
                            ("baseline", f"baseline ({args.student_preset}, fine-tuned from random)")):
            print(f"  {label:<44} accuracy {result['accuracy'][name]:.4f}   "
                  f"{speed[name]:,.0f} texts/s")
        for key, text in (("student_minus_baseline", "student - baseline"),
                          ("teacher_minus_student", "teacher - student")):
            gain, low, high = result[key]
            print(f"  {text}: {gain:+.4f} (paired 95 % interval {low:+.4f} to {high:+.4f})")
    print(f"  student agrees with the teacher on {distilled['dev_agreement']:.4f} of dev; "
          f"weights {distilled['teacher_weights']:,} (teacher) vs {distilled['student_weights']:,}")
    print(f"  distilled on {distilled['unlabelled_texts']:,} IMDB sentences + "
          f"{distilled['train_examples']:,} SST-2 training rows; minutes: "
          + ", ".join(f"{k} {v:.1f}" for k, v in results["minutes"].items()))
    print(f"results: {os.path.join(args.out, 'results.json')}")


def score_split(names, files, out_dir, split):
    """Each model's accuracy on `split`, and the paired gaps between them, row by row."""
    scores = {name: test(name, folder, files, out_dir, split=split) for name, folder in names.items()}
    rows = {name: correct_by_row(name, out_dir, split=split) for name in names}

    def gap(first, second):
        gain, half = paired_gain(rows[first], rows[second])
        return [gain, gain - half, gain + half]

    return {
        "accuracy": {name: scores[name]["accuracy"] for name in names},
        "examples": scores["teacher"]["examples"],
        "majority_class_accuracy": scores["teacher"]["majority_class_accuracy"],
        "student_minus_baseline": gap("student", "baseline"),
        "teacher_minus_student": gap("teacher", "student"),
    }


if __name__ == "__main__":
    main()
