"""`keras-bert distill`: teach a small student classifier the answers of a fine-tuned teacher.

Maps the flags onto `DistillSettings` and runs `keras_bert.workflows.distillation.distill`:
the teacher (a classifier folder or its export) scores the unlabelled text once, cached in
shards under OUT/teacher_logits (a killed run resumes there), and the student (a preset with
the teacher's vocabulary, or a checkpoint with its own) learns the teacher's softened answers,
mixed with the gold labels of --train when given. OUT is an ordinary classifier folder:
`keras-bert evaluate`, `predict` and `export` take it.
"""

import argparse
import os


def register(subparsers):
    from keras_bert.cli.settings_args import use_defaults_of
    from keras_bert.config import preset_names
    from keras_bert.data.labelled import FORMATS
    from keras_bert.workflows.distillation import POOLINGS, DistillSettings

    parser = subparsers.add_parser(
        "distill",
        help="distil a fine-tuned classifier into a smaller one on unlabelled text",
        description=__doc__.split("\n\n")[0],
    )
    parser.add_argument(
        "--teacher", required=True,
        help="fine-tuned classifier folder (from finetune) or its export (from export)",
    )
    student = parser.add_mutually_exclusive_group(required=True)
    student.add_argument(
        "--student-preset", choices=preset_names(), metavar="NAME",
        help="student architecture from random weights, with the teacher's vocabulary "
        "(e.g. bert_tiny, bert_mini; `keras-bert presets` lists them)",
    )
    student.add_argument(
        "--student", help="student checkpoint folder (or hf://ORG/NAME) with its own vocabulary",
    )
    parser.add_argument(
        "--unlabelled", required=True,
        help="text file, one text per line (UTF-8), scored by the teacher",
    )
    parser.add_argument(
        "--split-sentences", action="store_true",
        help="cut each line into sentences (English .!? before whitespace, Chinese 。！？；…)",
    )
    parser.add_argument(
        "--max-unlabelled", type=int,
        help="use a random subset of this many texts (after splitting; seeded by --seed)",
    )
    parser.add_argument("--train", help="labelled file (CSV, TSV or JSON lines): gold labels too")
    parser.add_argument(
        "--dev", help="labelled dev file: student and teacher scores; the best epoch is kept",
    )
    parser.add_argument("--text-column", help="column or field of the text (--train, --dev)")
    parser.add_argument("--label-column", help="column or field of the label (--train, --dev)")
    parser.add_argument(
        "--format", choices=FORMATS,
        help="file format (default: from the extension: .csv, .tsv/.txt, .jsonl/.json)",
    )
    parser.add_argument(
        "--quoting", action=argparse.BooleanOptionalAction,
        help="CSV/TSV: --no-quoting treats double quotes as ordinary characters (SST-2)",
    )
    parser.add_argument("--encoding", help="text encoding of every input (default: %(default)s)")
    parser.add_argument(
        "--skip-bad-rows", action="store_true",
        help="skip rows of --train / --dev that cannot be examples, reporting them",
    )
    parser.add_argument("--out", required=True, help="the student's model folder")
    parser.add_argument(
        "--overwrite", action="store_true",
        help="write into --out even when it holds another kind of model",
    )
    parser.add_argument(
        "--temperature", type=float, help="softmax temperature T (default: %(default)s)"
    )
    parser.add_argument(
        "--alpha", type=float,
        help="share of the gold cross-entropy in a labelled text's loss (default: %(default)s)",
    )
    parser.add_argument("--epochs", type=int, help="default: %(default)s")
    parser.add_argument(
        "--seq-length", type=int,
        help="the student's (the teacher reads at its own) (default: %(default)s)",
    )
    parser.add_argument("--batch-size", type=int, help="default: %(default)s")
    parser.add_argument(
        "--learning-rate", type=float,
        help="peak learning rate (default: by the student's width, as finetune)",
    )
    parser.add_argument("--warmup-fraction", type=float, help="default: %(default)s")
    parser.add_argument("--weight-decay", type=float, help="default: %(default)s")
    parser.add_argument(
        "--dropout", type=float, help="before the classification layer (default: %(default)s)"
    )
    parser.add_argument(
        "--pooling", choices=POOLINGS,
        help="the student's sentence vector (default: auto: a checkpoint's own, else cls)",
    )
    parser.add_argument(
        "--best-on-dev", action=argparse.BooleanOptionalAction,
        help="with --dev, keep the epoch with the best dev accuracy (default: yes)",
    )
    parser.add_argument(
        "--cache", help="folder of the teacher's cached scores (default: OUT/teacher_logits)"
    )
    parser.add_argument(
        "--shard-size", type=int, help="texts per cached shard of scores (default: %(default)s)"
    )
    parser.add_argument(
        "--score-batch-size", type=int, help="teacher batch size (default: %(default)s)"
    )
    parser.add_argument(
        "--seed", type=int,
        help="seeds the subset, shuffling and the student's weights (default: %(default)s)",
    )
    parser.add_argument(
        "--log-every", type=int, help="steps between history records (default: %(default)s)"
    )
    parser.add_argument(
        "--quiet", action="store_true", help="no progress bars or reports, only the summary"
    )
    use_defaults_of(parser, DistillSettings)
    parser.set_defaults(func=run)


def run(args):
    from keras_bert.cli.settings_args import settings_from_args
    from keras_bert.workflows.distillation import DistillSettings

    settings = settings_from_args(DistillSettings, args)
    settings.validate()  # before TensorFlow is imported: bad input fails in a second
    from keras_bert.workflows.distillation import distill

    summary = distill(settings, verbose=0 if args.quiet else 1)
    print_summary(summary, settings)
    return 0


def print_summary(summary, settings):
    from keras_bert.tasks.classifier_evaluation import format_scores

    scoring = summary["teacher_scoring"]
    reused = sum(part["reused_shards"] for part in scoring.values())
    shards = sum(part["shards"] for part in scoring.values())
    print(f"\nteacher scores: {shards} shard(s), {reused} read from the cache")
    if "dev" in summary:
        name = os.path.basename(settings.dev)
        print(f"\nstudent on the dev set ({name}):\n{format_scores(summary['dev'])}")
        print(f"teacher dev accuracy {summary['dev_teacher']['accuracy']:.4f}; student agrees "
              f"with the teacher on {summary['dev_agreement']:.4f} of dev")
    print(
        f"\nstudent written to {settings.out}: {summary['student_weights']:,} weights (the "
        f"teacher has {summary['teacher_weights']:,}), {summary['training_seconds']:.0f} s of "
        "training"
    )
