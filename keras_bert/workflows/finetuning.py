"""`finetune`: labelled files → a fine-tuned classifier model folder (`keras-bert finetune`).

Steps: check every setting before reading anything; read the training (and dev) file; fix the
label vocabulary from the training labels; start the classifier from a checkpoint or random
weights (`start_classifier`); report how many examples `seq_length` truncates; fine-tune with
BERT's recipe (`finetune_classifier`); write the classifier model folder (with the reading
settings, so `evaluate` and `predict` read files the same way), then score the dev set beside
the majority-class baseline and write summary.json.
"""

import dataclasses
import json
import os
import time

from keras_bert.interop import remote
from keras_bert.output_paths import staged_folder
from keras_bert.workflows.checks import (
    check_finetuning_output,
    check_finetuning_start,
    check_optimizer_settings,
    check_choice,
    check_fraction,
    check_int,
    check_optional_int,
)
from keras_bert.workflows.labelled_files import (
    quiet,
    read_examples,
    reading_options,
    recorded_options,
)
from keras_bert.workflows.encoder_start import RANDOM_INIT
POOLINGS = ("auto", "cls", "mean")
SUMMARY_FILE = "summary.json"


@dataclasses.dataclass
class FinetuneSettings:
    """Everything that defines a fine-tuning run (the `keras-bert finetune` flags, one to one)."""

    train: str  # training file: CSV, TSV or JSON lines
    out: str  # the classifier model folder to write
    init: str  # a checkpoint folder (ours, Google's, Hugging Face's), hf://ORG/NAME, https://...
    # (downloaded once into $KERAS_BERT_CACHE), or "random"
    text_column: str  # column (CSV/TSV header) or field (JSON lines) of the text
    label_column: str  # ... of the label
    dev: str = None  # dev file: accuracy and F1 after every epoch and in the summary
    text_pair_column: str = None  # ... of the second text, for pair tasks
    # Reading: like `read_labelled_file`; recorded in the model folder for evaluate / predict.
    format: str = None  # "csv", "tsv" or "jsonl"; default: from the file name's extension
    quoting: bool = True  # False: double quotes are ordinary characters (SST-2, MRPC)
    encoding: str = "utf-8-sig"
    drop_labels: list = dataclasses.field(
        default_factory=list
    )  # rows with these labels are dropped, counted
    skip_bad_rows: bool = (
        False  # skip (and report) rows that cannot be examples, instead of stopping
    )
    # The model: random init takes an architecture and a vocabulary.
    preset: str = None  # for init "random" (e.g. "bert_tiny")
    vocab: str = None  # vocab.txt, for init "random"
    lowercase: bool = True  # for init "random"; a checkpoint brings its own
    # "cls", "mean", or "auto": mean for sentence-transformers checkpoints trained with it.
    pooling: str = "auto"
    dropout: float = 0.1  # before the classification layer
    # Training.
    epochs: int = 3
    seq_length: int = 128
    batch_size: int = 32
    learning_rate: float = (
        None  # peak rate; default: by the encoder's width (default_finetuning_rate)
    )
    warmup_fraction: float = 0.1  # share of steps in linear warm-up
    weight_decay: float = 0.01
    max_train_examples: int = None  # train on a seeded random subset of this size
    seed: int = 0  # seeds subsampling, shuffling and the new weights
    log_every: int = 10  # steps between history records
    overwrite: bool = False  # replace another kind of model at out (only the files written here)

    def validate(self):
        """A one-line `KerasBertError` naming the setting at fault, before any work."""
        check_finetuning_start(self, RANDOM_INIT)
        if self.drop_labels is None:
            self.drop_labels = []
        reading_options(self)  # columns and format
        check_choice("pooling", self.pooling, POOLINGS)
        check_fraction("dropout", self.dropout)
        check_int("seq_length", self.seq_length, minimum=3 if self.text_pair_column else 2)
        check_optimizer_settings(self)
        check_optional_int("max_train_examples", self.max_train_examples)
        check_finetuning_output(self, "a keras_bert classifier", RANDOM_INIT)


def finetuning_record(settings, learning_rate, **task_values):
    """What keras_bert.json records of a fine-tuning run: where it started, on what, how."""
    started_from = settings.init
    if settings.init != RANDOM_INIT and not remote.is_remote(settings.init):
        started_from = os.path.abspath(settings.init)
    return {
        "init": started_from,
        "preset": settings.preset,
        "train_file": os.path.abspath(settings.train),
        "epochs": settings.epochs,
        "batch_size": settings.batch_size,
        "learning_rate": learning_rate,
        "warmup_fraction": settings.warmup_fraction,
        "weight_decay": settings.weight_decay,
        "seed": settings.seed,
        **task_values,
    }


def finetune(settings, verbose=1):
    """Fine-tune the classifier described by `settings`; write its model folder; return the summary.

    The summary (also written to `out/summary.json`): training examples and the rows skipped or
    dropped, truncated examples per split, training seconds, the last training metrics and,
    with a dev file, the dev scores (`score_predictions`) beside the majority-class baseline.
    """
    settings.validate()
    with staged_folder("out", settings.out) as work:
        return _finetune(settings, work, verbose)


def _finetune(settings, work, verbose):
    """`finetune`, writing every file into the folder `work` (renamed into place after)."""
    log = print if verbose else quiet

    from keras_bert.data.label_vocabulary import LabelVocabulary
    from keras_bert.data.labelled import classification_dataset, count_truncated
    from keras_bert.tasks.classifier_evaluation import evaluate_classifier
    from keras_bert.workflows.classifier_folder import save_classifier_folder
    from keras_bert.workflows.classifier_start import start_classifier
    from keras_bert.tasks.classifier_training import finetune_classifier
    from keras_bert.training.learning_rates import default_finetuning_rate

    options = reading_options(settings)
    train = read_examples(settings.train, options, skip_bad_rows=settings.skip_bad_rows, log=log)
    labels = LabelVocabulary.from_labels(train.labels)
    if settings.max_train_examples:
        train = train.subsample(settings.max_train_examples, seed=settings.seed)
        log(f"training on a random subset of {len(train):,} examples (seed {settings.seed})")
    dev = None
    if settings.dev:
        dev = read_examples(
            settings.dev,
            options,
            label_vocabulary=labels,
            skip_bad_rows=settings.skip_bad_rows,
            log=log,
        )
    log(f"labels ({len(labels)}): {', '.join(labels.names)}", flush=True)

    classifier = start_classifier(
        settings.init,
        num_classes=len(labels),
        labels=labels.names,
        text_pair=bool(options["text_pair_column"]),
        seq_length=settings.seq_length,
        dropout=settings.dropout,
        preset=settings.preset,
        vocab_file=settings.vocab,
        lowercase=settings.lowercase,
        seed=settings.seed,
        pooling=settings.pooling,
    )
    vector = "mean over real tokens" if classifier.pooling == "mean" else "pooled [CLS] output"
    log(f"sentence vector: {vector} (pooling {settings.pooling})")
    learning_rate = settings.learning_rate
    if learning_rate is None:
        hidden_size = classifier.encoder.config.hidden_size
        learning_rate = default_finetuning_rate(hidden_size)
        log(
            f"peak learning rate {learning_rate:g}, the default for a {hidden_size}-wide "
            "encoder (learning_rate)"
        )

    tokenizer = classifier.tokenizer
    splits = {"train": train} if dev is None else {"train": train, "dev": dev}
    truncated = {
        name: count_truncated(tokenizer, examples, settings.seq_length)
        for name, examples in splits.items()
    }
    for name, count in truncated.items():
        if count:
            log(
                f"{name}: {count:,} of {len(splits[name]):,} examples are longer than seq_length "
                f"{settings.seq_length} and are truncated"
            )
    train_data = classification_dataset(
        train,
        tokenizer,
        labels,
        seq_length=settings.seq_length,
        batch_size=settings.batch_size,
        shuffle=True,
        seed=settings.seed,
    )
    dev_data = None
    if dev is not None:
        dev_data = classification_dataset(
            dev, tokenizer, labels, seq_length=settings.seq_length, batch_size=settings.batch_size
        )

    started = time.time()
    history = finetune_classifier(
        classifier,
        train_data,
        dev_data,
        epochs=settings.epochs,
        learning_rate=learning_rate,
        warmup_fraction=settings.warmup_fraction,
        weight_decay=settings.weight_decay,
        out_dir=work,
        log_every=settings.log_every,
        verbose="auto" if verbose else 0,
    )
    training_seconds = time.time() - started

    metadata = {
        "data": recorded_options(options),
        "finetuning": finetuning_record(
            settings, learning_rate, train_examples=len(train), pooling=classifier.pooling
        ),
    }
    save_classifier_folder(work, classifier, metadata=metadata)

    summary = {
        "train_examples": len(train),
        "train_skipped_rows": [line for line, _ in train.skipped],
        "train_dropped_rows": {label: len(lines) for label, lines in train.dropped.items()},
        "truncated_examples": truncated,
        "training_seconds": round(training_seconds, 1),
        "final_train": {
            k: float(v[-1]) for k, v in history.history.items() if not k.startswith("val_")
        },
    }
    if dev is not None:
        summary["dev_file"] = os.path.abspath(settings.dev)
        summary["dev"] = evaluate_classifier(
            classifier, dev, batch_size=settings.batch_size, verbose=0
        )
        summary["dev_skipped_rows"] = [line for line, _ in dev.skipped]
        summary["dev_dropped_rows"] = {label: len(lines) for label, lines in dev.dropped.items()}
    with open(os.path.join(work, SUMMARY_FILE), "w", encoding="utf-8") as file:
        json.dump(summary, file, indent=2, ensure_ascii=False)
        file.write("\n")
    return summary
