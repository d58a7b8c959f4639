"""`keras-bert finetune`: train a text classifier, a word tagger or a question answerer from a
pretrained or random BERT.

`--task tagging` maps the flags onto `TaggingSettings` and runs
`keras_bert.workflows.tagging.finetune_tagging` instead (tagged word files → a tagger folder);
`--task qa` onto `QaSettings` and `keras_bert.workflows.question_answering.finetune_qa`
(SQuAD-format files → a question answerer folder).

Maps the flags onto `FinetuneSettings` and runs `keras_bert.workflows.finetune`: it reads the
training and dev files, fixes the label vocabulary from the training labels, fine-tunes with
BERT's recipe, and writes a classifier model folder (the classifier, its labels and vocabulary) with history.json, logs/,
training_curves.png and summary.json (dev accuracy and F1 beside the majority-class baseline).
"""

import argparse
import os


def register(subparsers):
    from keras_bert.cli.labelled_data_options import add_reading_options
    from keras_bert.cli.settings_args import use_defaults_of
    from keras_bert.training.learning_rates import FINETUNING_RATES, PAPER_FINETUNING_RATE
    from keras_bert.workflows.finetuning import POOLINGS, FinetuneSettings
    from keras_bert.workflows.question_answering import QaSettings
    from keras_bert.workflows.tagging import TaggingSettings

    parser = subparsers.add_parser(
        "finetune",
        help="fine-tune a classifier (single texts or pairs) from a checkpoint or random init",
        description=__doc__.split("\n\n")[0],
    )
    parser.add_argument("--train", required=True, help="training file (CSV, TSV or JSON lines)")
    parser.add_argument(
        "--dev", help="dev file, for accuracy and F1 after every epoch and in the summary"
    )
    parser.add_argument(
        "--task",
        choices=TASKS,
        default="classification",
        help="classification (labelled CSV / TSV / JSON lines; the default), tagging (named "
        "entities: CoNLL columns or one character per line, IOB1 / BIO / BIOES / BMES tags) or "
        "qa (extractive question answering: SQuAD v1.1 / v2.0 or CMRC 2018 JSON)",
    )
    add_reading_options(parser, with_label=True, required=False)
    add_tagging_options(parser)
    add_qa_options(parser)
    parser.add_argument(
        "--init",
        required=True,
        help="checkpoint folder to start from (ours, Google's or Hugging Face's), a published "
        "checkpoint (hf://ORG/NAME[@REVISION], or the https:// URL of a Google .zip or a folder; "
        "downloaded once into $KERAS_BERT_CACHE; HF_HUB_OFFLINE=1: cache only), or 'random'",
    )
    parser.add_argument("--preset", help="architecture for --init random (e.g. bert_tiny)")
    parser.add_argument("--vocab", help="vocab.txt for --init random")
    parser.add_argument(
        "--lowercase",
        action=argparse.BooleanOptionalAction,
        help="for --init random: lowercase and strip accents (uncased; the default); "
        "a checkpoint brings its own",
    )
    parser.add_argument("--out", required=True, help="output model folder")
    parser.add_argument(
        "--overwrite", action="store_true",
        help="write into --out even when it holds another kind of model (only the files "
        "finetune writes are replaced)",
    )
    parser.add_argument("--epochs", type=int, help="default: 3; 2 for --task qa")
    parser.add_argument(
        "--seq-length", type=int,
        help="default: 128; 384 for --task qa (question and context window together)",
    )
    parser.add_argument("--batch-size", type=int, help="default: %(default)s")
    by_width = "; ".join(f"{rate:g} up to {widest} wide" for widest, rate in FINETUNING_RATES)
    parser.add_argument(
        "--learning-rate",
        type=float,
        help=f"peak learning rate (default: by the encoder's width: {by_width}; "
        f"{PAPER_FINETUNING_RATE:g} wider, within BERT's 2e-5 … 5e-5)",
    )
    parser.add_argument(
        "--warmup-fraction",
        type=float,
        help="share of steps in linear warm-up (default: %(default)s)",
    )
    parser.add_argument("--weight-decay", type=float, help="default: %(default)s")
    parser.add_argument(
        "--dropout",
        type=float,
        help="dropout before the output layer (default: 0.1; 0 for --task qa, as Google's "
        "run_squad.py)",
    )
    parser.add_argument(
        "--pooling",
        choices=POOLINGS,
        help="sentence vector fed to the classification layer: BERT's pooled [CLS] output, or the "
        "mean over real tokens; auto (the default): mean for sentence-transformers checkpoints "
        "trained with it (e.g. all-MiniLM-L6-v2), else cls",
    )
    parser.add_argument(
        "--max-train-examples",
        type=int,
        help="train on a random subset of this size (seeded by --seed)",
    )
    parser.add_argument(
        "--seed",
        type=int,
        help="seeds subsampling, shuffling and the new weights (default: %(default)s)",
    )
    parser.add_argument(
        "--log-every", type=int, help="steps between history records (default: %(default)s)"
    )
    parser.add_argument(
        "--quiet", action="store_true", help="no progress bars or reports, only the summary"
    )
    use_defaults_of(parser, QaSettings)
    use_defaults_of(parser, TaggingSettings)
    use_defaults_of(parser, FinetuneSettings)
    # Filled in per task by `fill_task_defaults`: their defaults differ between tasks, and a
    # flag of another task only must be seen as given.
    parser.set_defaults(**{name: None for name in _PER_TASK_DEFAULTS + _QA_ONLY})
    parser.set_defaults(func=run)


TASKS = ("classification", "tagging", "qa")
# Flags of one task only, refused with the others.
_CLASSIFICATION_ONLY = ("text_column", "text_pair_column", "label_column", "max_train_examples")
_TAGGING_ONLY = ("crf", "max_train_sentences")
_QA_ONLY = ("doc_stride", "max_query_length", "max_answer_length", "n_best", "metric")
_TASK_FLAGS = {
    "classification": _CLASSIFICATION_ONLY,
    "tagging": _TAGGING_ONLY,
    "qa": _QA_ONLY + ("max_train_examples",),
}
# Flags whose default depends on the task (None until `fill_task_defaults`).
_PER_TASK_DEFAULTS = ("epochs", "seq_length", "dropout")


def fill_task_defaults(args, settings_class):
    """Give the flags left None for a per-task default (and the chosen task's own flags) the
    default of the task's settings class."""
    import dataclasses

    for field in dataclasses.fields(settings_class):
        if field.name in _PER_TASK_DEFAULTS + _QA_ONLY and getattr(args, field.name) is None:
            setattr(args, field.name, field.default)


def add_tagging_options(parser):
    from keras_bert.data.tag_schemes import SCHEMES
    from keras_bert.data.tagging import FORMATS

    group = parser.add_argument_group("--task tagging")
    group.add_argument(
        "--tag-format", choices=FORMATS,
        help="conll (word first, tag last, -DOCSTART- skipped), chars (one character and its "
        "tag per line, joined without spaces) or auto (the default: chars when every word is "
        "one character)",
    )
    group.add_argument(
        "--tag-scheme", choices=SCHEMES, help="the files' tags (default: auto); read as BIO"
    )
    group.add_argument(
        "--crf", action="store_true", help="a linear-chain CRF over the words (Viterbi decoding)"
    )
    group.add_argument(
        "--max-train-sentences", type=int,
        help="train on a random subset of this many sentences (seeded by --seed)",
    )


def add_qa_options(parser):
    from keras_bert.workflows.question_answering import METRIC_CHOICES

    group = parser.add_argument_group("--task qa")
    group.add_argument(
        "--doc-stride", type=int,
        help="word pieces between the starts of the windows over a long context (default: 128)",
    )
    group.add_argument(
        "--max-query-length", type=int, help="questions are cut to this many word pieces "
        "(default: 64)",
    )
    group.add_argument(
        "--max-answer-length", type=int,
        help="the longest answer decoded, in word pieces (default: 30)",
    )
    group.add_argument(
        "--n-best", type=int, help="spans kept per question when decoding (default: 20)"
    )
    group.add_argument(
        "--metric", choices=METRIC_CHOICES,
        help="dev scoring: squad (SQuAD v1.1 exact match and F1), cmrc (CMRC 2018's, by "
        "characters, for Chinese) or auto (the default: cmrc when the contexts are Chinese)",
    )


def check_task_flags(args):
    """A flag of another task is a mistake, named in one line."""
    from keras_bert.errors import KerasBertError

    own = _TASK_FLAGS[args.task]
    others = [
        name for task, names in _TASK_FLAGS.items() if task != args.task
        for name in names if name not in own
    ]
    for name in others:
        if getattr(args, name) not in (None, False):
            flag = "--" + name.replace("_", "-")
            raise KerasBertError(f"{flag} does not apply to --task {args.task}.")
    if args.task == "classification":
        for name in ("text_column", "label_column"):
            if getattr(args, name) is None:
                flag = "--" + name.replace("_", "-")
                raise KerasBertError(f"{flag} is required for --task classification.")


def run_tagging(args):
    from keras_bert.cli.settings_args import settings_from_args
    from keras_bert.workflows.tagging import TaggingSettings

    settings = settings_from_args(TaggingSettings, args)
    settings.validate()
    from keras_bert.workflows.tagging import finetune_tagging

    summary = finetune_tagging(settings, verbose=0 if args.quiet else 1)
    if args.quiet and "dev" in summary:
        from keras_bert.tasks.entity_scores import format_entity_scores

        print(f"dev set ({os.path.basename(settings.dev)}):\n"
              f"{format_entity_scores(summary['dev'])}")
    print(
        f"\nfine-tuned tagger written to {settings.out} "
        f"({summary['training_seconds']:.0f} s of training)"
    )
    return 0


def run_qa(args):
    from keras_bert.cli.settings_args import settings_from_args
    from keras_bert.workflows.question_answering import QaSettings

    settings = settings_from_args(QaSettings, args)
    settings.validate()
    from keras_bert.tasks.squad_metrics import format_qa_scores
    from keras_bert.workflows.question_answering import finetune_qa

    summary = finetune_qa(settings, verbose=0 if args.quiet else 1)
    if args.quiet and "dev" in summary:
        print(f"dev set ({os.path.basename(settings.dev)}):\n{format_qa_scores(summary['dev'])}")
    print(
        f"\nfine-tuned question answerer written to {settings.out} "
        f"({summary['training_seconds']:.0f} s of training)"
    )
    return 0


def run(args):
    from keras_bert.cli.settings_args import settings_from_args
    from keras_bert.workflows.finetuning import FinetuneSettings
    from keras_bert.workflows.question_answering import QaSettings
    from keras_bert.workflows.tagging import TaggingSettings

    check_task_flags(args)
    settings_class = {"classification": FinetuneSettings, "tagging": TaggingSettings,
                      "qa": QaSettings}[args.task]
    fill_task_defaults(args, settings_class)
    if args.task == "tagging":
        return run_tagging(args)
    if args.task == "qa":
        return run_qa(args)
    settings = settings_from_args(FinetuneSettings, args)
    settings.validate()  # before TensorFlow is imported: bad input fails in a second
    from keras_bert.workflows.finetuning import finetune

    summary = finetune(settings, verbose=0 if args.quiet else 1)
    print_summary(summary, settings)
    return 0


def print_summary(summary, settings):
    from keras_bert.tasks.classifier_evaluation import format_scores

    if "dev" in summary:
        print(f"\ndev set ({os.path.basename(settings.dev)}):\n{format_scores(summary['dev'])}")
    print(
        f"\nfine-tuned classifier written to {settings.out} "
        f"({summary['training_seconds']:.0f} s of training)"
    )
