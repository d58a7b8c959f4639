"""`distill`: a fine-tuned teacher classifier → a small student classifier (`keras-bert distill`).

Task distillation (Hinton et al., 2015): the teacher labels plenty of unlabelled in-domain
text with its logits, and a smaller student learns to give the same answers, softened by a
temperature, mixed with the gold labels of a training file when one is given
(`keras_bert.tasks.distillation_loss`). The student is an ordinary classifier model folder:
`keras-bert evaluate`, `predict` and `export` take it as any other.

Steps: check every setting before reading anything; load the teacher (a classifier model
folder, or an exported SavedModel folder, which is one too); read the unlabelled text (one
text per line; `split_sentences` cuts each line into sentences) and the labelled files; let
the teacher score every text once, cached in shards under `cache` so a killed run resumes
where it stopped (`teacher_scores`); build the student (a preset from random weights with
the teacher's vocabulary, or a checkpoint folder with its own); fit it with `model.fit`;
with a dev file, keep the epoch whose dev accuracy is best (`best_on_dev`); write the
student's folder, then score dev for student and teacher and write summary.json.
"""

import dataclasses
import json
import os
import time

from keras_bert.errors import KerasBertError, MissingFileError
from keras_bert.output_paths import check_output, staged_folder
from keras_bert.workflows.checks import (
    check_choice,
    check_file,
    check_fraction,
    check_int,
    check_model_source,
    check_optimizer_settings,
    check_optional_int,
)
from keras_bert.workflows.labelled_files import quiet, read_examples, reading_options, recorded_options

POOLINGS = ("auto", "cls", "mean")
SUMMARY_FILE = "summary.json"
CACHE_DIR = "teacher_logits"  # under `out`, unless `cache` says otherwise


@dataclasses.dataclass
class DistillSettings:
    """Everything that defines a distillation run (the `keras-bert distill` flags, one to one)."""

    teacher: str  # a fine-tuned classifier model folder, or its exported SavedModel folder
    unlabelled: str  # text file, one text per line (UTF-8); blank lines are skipped
    out: str  # the student's classifier model folder to write
    # The student: exactly one of these two.
    student_preset: str = None  # an architecture from random weights, with the teacher's vocabulary
    student: str = None  # a checkpoint folder (or hf://ORG/NAME) with its own vocabulary
    # Labelled files (optional): gold labels for the mixed loss; dev to report and choose.
    train: str = None
    dev: str = None
    text_column: str = None
    label_column: str = None
    format: str = None  # "csv", "tsv" or "jsonl"; default: from the file name's extension
    quoting: bool = True  # False: double quotes are ordinary characters (SST-2)
    encoding: str = "utf-8-sig"
    skip_bad_rows: bool = False
    # The unlabelled text.
    split_sentences: bool = False  # cut every line into sentences (English and Chinese rules)
    max_unlabelled: int = None  # use a seeded random subset of this many texts (after splitting)
    # The loss.
    temperature: float = 2.0  # softens teacher and student alike; T² rescales the soft term
    alpha: float = 0.5  # the gold cross-entropy's share of a labelled text's loss
    # The student model and its training.
    pooling: str = "auto"  # "cls", "mean"; auto: the student checkpoint's own, else cls
    dropout: float = 0.1  # before the classification layer
    epochs: int = 3
    seq_length: int = 128  # the student's; the teacher scores at the length it was tuned with
    batch_size: int = 32
    learning_rate: float = None  # peak rate; default: by the student's width
    warmup_fraction: float = 0.1
    weight_decay: float = 0.01
    best_on_dev: bool = True  # with dev: keep the epoch with the best dev accuracy
    # Teacher scoring.
    cache: str = None  # folder of the teacher's cached scores; default: OUT/teacher_logits
    shard_size: int = 4096  # texts per cached shard (the unit a killed run loses at most)
    score_batch_size: int = 64
    seed: int = 0  # seeds the subset, shuffling and the student's new weights
    log_every: int = 10  # steps between history records
    overwrite: bool = False  # replace another kind of model at out (only the files written here)

    def validate(self):
        """A one-line `KerasBertError` naming the setting at fault, before any work."""
        from keras_bert.config import preset_names
        from keras_bert.interop import remote

        check_model_source("teacher", self.teacher)
        if remote.is_remote(self.teacher):
            raise KerasBertError(
                f"teacher {self.teacher}: give a fine-tuned classifier folder (or its export)."
            )
        check_teacher_folder(self.teacher)
        check_file("unlabelled", self.unlabelled)
        if bool(self.student_preset) == bool(self.student):
            raise KerasBertError(
                "give exactly one of student_preset (e.g. 'bert_tiny') and student (a "
                "checkpoint folder)."
            )
        if self.student_preset and self.student_preset not in preset_names():
            raise KerasBertError(
                f"Unknown student_preset {self.student_preset!r}; `keras-bert presets` lists them."
            )
        if self.student:
            check_model_source("student", self.student)
        for name in ("train", "dev"):
            if getattr(self, name) is not None:
                check_file(name, getattr(self, name))
        if self.train or self.dev:
            reading_options(self)  # columns and format
        if isinstance(self.temperature, bool) or not (
            isinstance(self.temperature, (int, float)) and self.temperature > 0
        ):
            raise KerasBertError(f"temperature must be positive, got {self.temperature!r}.")
        check_fraction("alpha", self.alpha, closed_top=True)
        check_optional_int("max_unlabelled", self.max_unlabelled)
        check_choice("pooling", self.pooling, POOLINGS)
        check_fraction("dropout", self.dropout)
        check_int("seq_length", self.seq_length, minimum=2)
        check_optimizer_settings(self)
        check_int("shard_size", self.shard_size)
        check_int("score_batch_size", self.score_batch_size)
        inputs = [("teacher", self.teacher), ("unlabelled", self.unlabelled),
                  ("train", self.train), ("dev", self.dev)]
        if self.student and not remote.is_remote(self.student):
            inputs.append(("student", self.student))
        check_output("out", self.out, inputs, same_kinds=("a keras_bert classifier",),
                     overwrite=self.overwrite)
        if self.cache is not None:
            check_output("cache", self.cache, inputs)


def check_teacher_folder(path):
    """`path` holds a keras_bert classifier for single texts (model folder or export)."""
    from keras_bert.interop.native import is_model_folder, read_metadata

    if not is_model_folder(path):
        raise MissingFileError(
            f"teacher {path}: not a keras_bert classifier folder (no keras_bert.json); give "
            "the folder `keras-bert finetune` or `keras-bert export` wrote."
        )
    task = read_metadata(path).get("task")
    if task != "classifier":
        raise KerasBertError(f"teacher {path}: holds a {task}, not a fine-tuned classifier.")


def read_unlabelled_texts(path, split_sentences=False, encoding="utf-8-sig"):
    """The texts of a plain-text file: one per line, blank lines skipped.

    With `split_sentences`, every line is cut into sentences by the rules of
    `keras_bert.data.pretraining.sentences.split_sentences`: English `.`, `!`, `?` followed by
    whitespace (not after an initial or a common abbreviation), Chinese `。！？；…` with or
    without a space after.
    """
    from keras_bert.data.pretraining.sentences import split_sentences as split

    try:
        with open(path, encoding=encoding) as file:
            lines = file.read().splitlines()
    except UnicodeError as error:
        raise KerasBertError(
            f"unlabelled {path}: not {encoding} text ({error}); pass its encoding."
        ) from None
    texts = []
    for line in lines:
        if split_sentences:
            texts.extend(split(line))
        elif line.strip():
            texts.append(line.strip())
    if not texts:
        raise KerasBertError(f"unlabelled {path}: no text (every line is blank).")
    return texts


def distill(settings, verbose=1):
    """Distil `settings.teacher` into a student; write the student's folder; return the summary.

    The summary (also `out/summary.json`): how many texts of each kind, the teacher's
    scoring (shards, how many read from the cache, seconds), training seconds, the last
    training metrics (loss, agreement with the teacher, gold accuracy on labelled texts),
    both models' parameter counts and, with a dev file, the dev scores of student and
    teacher beside the majority-class baseline and their agreement.
    """
    settings.validate()
    cache = settings.cache or os.path.join(settings.out, CACHE_DIR)
    with staged_folder("out", settings.out) as work:
        return _distill(settings, work, cache, verbose)


def _distill(settings, work, cache, verbose):
    log = print if verbose else quiet

    import keras
    import numpy as np

    from keras_bert.data.label_vocabulary import LabelVocabulary
    from keras_bert.interop.native import load_model
    from keras_bert.tasks.classifier_evaluation import score_predictions
    from keras_bert.workflows.classifier_folder import save_classifier_folder
    from keras_bert.workflows.teacher_scores import cached_teacher_logits, teacher_fingerprint

    teacher = load_model(settings.teacher)
    if teacher.text_pair:
        raise KerasBertError(
            f"teacher {settings.teacher} classifies text pairs; distillation from one text per "
            "line takes a single-text classifier."
        )
    labels = LabelVocabulary(teacher.label_names)
    log(f"teacher: {settings.teacher} ({teacher.count_params():,} weights, labels "
        f"{', '.join(labels.names)})", flush=True)

    unlabelled = read_unlabelled_texts(settings.unlabelled, settings.split_sentences, settings.encoding)
    lines_note = " sentences" if settings.split_sentences else ""
    log(f"{os.path.basename(settings.unlabelled)}: {len(unlabelled):,} texts{lines_note}")
    if settings.max_unlabelled and settings.max_unlabelled < len(unlabelled):
        chosen = np.sort(np.random.default_rng(settings.seed).choice(
            len(unlabelled), settings.max_unlabelled, replace=False))
        unlabelled = [unlabelled[i] for i in chosen]
        log(f"using a random subset of {len(unlabelled):,} (seed {settings.seed})")
    options = reading_options(settings) if settings.train or settings.dev else None
    train = dev = None
    if settings.train:
        train = read_examples(settings.train, options, label_vocabulary=labels,
                              skip_bad_rows=settings.skip_bad_rows, log=log)
    if settings.dev:
        dev = read_examples(settings.dev, options, label_vocabulary=labels,
                            skip_bad_rows=settings.skip_bad_rows, log=log)

    teacher_key = teacher_fingerprint(settings.teacher)
    scoring = {}

    def scores(name, texts):
        started = time.time()
        logits, counts = cached_teacher_logits(
            teacher, texts, cache_dir=cache, name=name, teacher_key=teacher_key,
            shard_size=settings.shard_size, batch_size=settings.score_batch_size, log=log,
            progress=bool(verbose),
        )
        scoring[name] = {**counts, "texts": len(texts), "seconds": round(time.time() - started, 1)}
        return logits

    unlabelled_logits = scores("unlabelled", unlabelled)
    texts, logits, gold = list(unlabelled), [unlabelled_logits], [np.full(len(unlabelled), -1)]
    if train is not None:
        texts += train.texts
        logits.append(scores("train", train.texts))
        gold.append(np.asarray(labels.ids(train.labels)))
    dev_logits = scores("dev", dev.texts) if dev is not None else None

    student = start_student(settings, teacher, len(labels))
    learning_rate = settings.learning_rate
    if learning_rate is None:
        from keras_bert.training.learning_rates import default_finetuning_rate

        learning_rate = default_finetuning_rate(student.encoder.config.hidden_size)
        log(f"peak learning rate {learning_rate:g}, the default for a "
            f"{student.encoder.config.hidden_size}-wide encoder (learning_rate)")
    log(f"student: {settings.student_preset or settings.student} ({student.count_params():,} "
        f"weights), pooling {student.pooling}", flush=True)

    from keras_bert.tasks.distillation_loss import pack_targets

    targets = pack_targets(np.concatenate(logits), np.concatenate(gold))
    train_data = soft_target_dataset(texts, targets, student.tokenizer, settings, shuffle=True)
    dev_data = None
    if dev is not None:
        dev_targets = pack_targets(dev_logits, labels.ids(dev.labels))
        dev_data = soft_target_dataset(dev.texts, dev_targets, student.tokenizer, settings)

    started = time.time()
    history, best_epoch = fit_student(student, train_data, dev_data, settings, learning_rate,
                                      work, verbose)
    training_seconds = time.time() - started

    metadata = {
        "distillation": {
            "teacher": os.path.abspath(settings.teacher),
            "student": settings.student_preset
            or (settings.student if "://" in settings.student else os.path.abspath(settings.student)),
            "unlabelled_file": os.path.abspath(settings.unlabelled),
            "unlabelled_texts": len(unlabelled),
            "split_sentences": settings.split_sentences,
            "train_file": os.path.abspath(settings.train) if settings.train else None,
            "temperature": settings.temperature,
            "alpha": settings.alpha,
            "epochs": settings.epochs,
            "best_epoch": best_epoch,
            "batch_size": settings.batch_size,
            "learning_rate": learning_rate,
            "warmup_fraction": settings.warmup_fraction,
            "weight_decay": settings.weight_decay,
            "seed": settings.seed,
            "pooling": student.pooling,
        },
    }
    if options is not None:
        metadata["data"] = recorded_options(options)
    save_classifier_folder(work, student, metadata=metadata)

    summary = {
        "unlabelled_texts": len(unlabelled),
        "train_examples": len(train) if train is not None else 0,
        "teacher_scoring": scoring,
        "teacher_weights": int(teacher.count_params()),
        "student_weights": int(student.count_params()),
        "training_seconds": round(training_seconds, 1),
        "best_epoch": best_epoch,
        "final_train": {
            k: float(v[-1]) for k, v in history.history.items() if not k.startswith("val_")
        },
    }
    if dev is not None:
        probabilities, _ = student.predict_texts(dev.texts, batch_size=settings.batch_size,
                                                 verbose=0)
        true_ids = labels.ids(dev.labels)
        teacher_probabilities = np.asarray(keras.ops.softmax(dev_logits, axis=-1))
        summary["dev_file"] = os.path.abspath(settings.dev)
        summary["dev"] = score_predictions(true_ids, probabilities, labels.names)
        summary["dev_teacher"] = score_predictions(true_ids, teacher_probabilities, labels.names)
        summary["dev_agreement"] = float(
            np.mean(probabilities.argmax(-1) == teacher_probabilities.argmax(-1))
        )
        summary["dev_skipped_rows"] = [line for line, _ in dev.skipped]
    with open(os.path.join(work, SUMMARY_FILE), "w", encoding="utf-8") as file:
        json.dump(summary, file, indent=2, ensure_ascii=False)
        file.write("\n")
    return summary


def start_student(settings, teacher, num_classes):
    """The student `BertClassifier`: a preset from random weights over a copy of the teacher's
    tokenizer, or a checkpoint's encoder and tokenizer (`start_classifier`)."""
    from keras_bert.workflows.classifier_start import start_classifier

    common = dict(num_classes=num_classes, labels=teacher.label_names,
                  seq_length=settings.seq_length, dropout=settings.dropout, seed=settings.seed)
    if settings.student:
        return start_classifier(settings.student, pooling=settings.pooling, **common)
    import keras

    from keras_bert.config import BertConfig
    from keras_bert.modeling.encoder import BertEncoder
    from keras_bert.tasks.classifier import BertClassifier

    keras.utils.set_random_seed(settings.seed)
    source = teacher.tokenizer
    tokenizer = type(source)(source.vocabulary, lowercase=source.lowercase,
                             wordpiece_implementation=source.wordpiece_implementation)
    config = BertConfig.from_preset(settings.student_preset, vocab_size=tokenizer.vocab_size)
    if settings.seq_length > config.max_position_embeddings:
        raise KerasBertError(
            f"seq_length {settings.seq_length} exceeds the student's max_position_embeddings "
            f"({config.max_position_embeddings})."
        )
    pooling = "cls" if settings.pooling == "auto" else settings.pooling
    return BertClassifier(
        BertEncoder(config), common["num_classes"], dropout=settings.dropout,
        labels=common["labels"], seq_length=settings.seq_length, pooling=pooling,
        tokenizer=tokenizer,
    )


class _RowNumbers:
    """Stands in for a label vocabulary: each row's "label" is its own row number, so
    `classification_dataset` (tokenized once, shuffled, grouped by length, padding trimmed)
    yields the row numbers by which the rows' soft targets are looked up."""

    def ids(self, rows):
        return rows


def soft_target_dataset(texts, targets, tokenizer, settings, shuffle=False):
    """tf.data of (encoder inputs, packed targets [batch, classes + 1]) batches."""
    import tensorflow as tf

    from keras_bert.data.labelled import LabelledExamples, classification_dataset

    rows = LabelledExamples(path="distillation", texts=list(texts), labels=list(range(len(texts))))
    targets = tf.constant(targets, tf.float32)
    dataset = classification_dataset(
        rows, tokenizer, _RowNumbers(), seq_length=settings.seq_length,
        batch_size=settings.batch_size, shuffle=shuffle, seed=settings.seed,
    )
    return dataset.map(lambda inputs, row: (inputs, tf.gather(targets, row)))


def fit_student(student, train_data, dev_data, settings, learning_rate, out_dir, verbose):
    """Compile `student` with the distillation loss and BERT's optimizer recipe, fit it.

    Returns (Keras History, best epoch (1-based) restored from dev, or None).
    """
    import math

    import keras

    from keras_bert.tasks.classifier_training import CURVES_FILE, HISTORY_FILE, LOGS_DIR
    from keras_bert.tasks.distillation_loss import DistillationLoss, GoldAccuracy, TeacherAgreement
    from keras_bert.training.curves import plot_training_curves
    from keras_bert.training.optimizers import create_optimizer
    from keras_bert.training.step_history import StepHistory
    from keras_bert.training.tensorboard_scalars import StepTensorBoard

    steps_per_epoch = int(train_data.cardinality())
    total_steps = max(1, settings.epochs * steps_per_epoch)
    optimizer = create_optimizer(
        total_steps, learning_rate=learning_rate,
        warmup_steps=min(int(math.floor(settings.warmup_fraction * total_steps)), total_steps - 1),
        weight_decay=settings.weight_decay,
    )
    student.compile(
        optimizer=optimizer,
        loss=DistillationLoss(settings.temperature, settings.alpha),
        metrics=[TeacherAgreement(), GoldAccuracy()],
    )
    from keras_bert.training.divergence import StopOnNonFiniteLoss

    step_history = StepHistory(os.path.join(out_dir, HISTORY_FILE), settings.log_every)
    callbacks = [  # a NaN / infinite loss fails the run first: nothing diverged is written
        StopOnNonFiniteLoss(), step_history,
        StepTensorBoard(os.path.join(out_dir, LOGS_DIR), settings.log_every),
    ]
    keep_best = None
    if dev_data is not None and settings.best_on_dev and settings.epochs > 1:
        keep_best = keras.callbacks.EarlyStopping(
            monitor="val_accuracy", mode="max", patience=settings.epochs,
            restore_best_weights=True, verbose=0,
        )
        callbacks.append(keep_best)
    history = student.fit(
        train_data, validation_data=dev_data, epochs=settings.epochs,
        steps_per_epoch=steps_per_epoch, callbacks=callbacks, verbose="auto" if verbose else 0,
        shuffle=False,  # tf.data input: the dataset itself shuffles
    )
    plot_training_curves(
        step_history.history, os.path.join(out_dir, CURVES_FILE),
        title=f"distillation: {settings.epochs} epoch(s), T={settings.temperature:g}, "
        f"alpha={settings.alpha:g}, peak learning rate {learning_rate:g}",
    )
    best_epoch = None
    if keep_best is not None and keep_best.best_epoch is not None:
        best_epoch = int(keep_best.best_epoch) + 1
    return history, best_epoch
