"""`pretrain`: corpus files → a pretrained BERT model folder, resumable; what `keras-bert pretrain` runs.

Steps: check every setting before reading anything; hold out a fraction of the documents for
evaluation (whole documents, so no held-out sentence was seen in training); train a WordPiece
vocabulary on the training documents when asked; serve dynamically masked training batches;
build and compile the model under the chosen strategy and precision; `fit_resumable`; then
evaluate on the held-out documents against the always-the-most-frequent-token baseline and
write the model folder (`keras_bert.interop.native`).

A second call with the same settings and `out` resumes from the last checkpoint; different
settings over existing checkpoints are refused, since mixing two runs' states is never wanted.
"""

import collections
import dataclasses
import json
import os
import random

from keras_bert.config import BertConfig, preset_names
from keras_bert.data.pretraining.settings import default_max_predictions
from keras_bert.training.checkpoints import read_checkpoint_state
from keras_bert.training.learning_rates import default_pretraining_rate
from keras_bert.training.resumable_fit import CHECKPOINT_DIR, HISTORY_FILE, LOG_DIR
from keras_bert.errors import KerasBertError, MissingFileError
from keras_bert.text_files import read_json

RUN_FILE = "run.json"
# Settings that may change between a run and its resumption (they do not change the result).
RESUMABLE_CHANGES = ("out", "strategy", "jit_compile", "checkpoint_every", "log_every", "eval_batches")


@dataclasses.dataclass
class PretrainingSettings:
    """Everything that defines a pretraining run (the CLI flags, one to one)."""

    corpus: list
    out: str
    steps: int
    vocab: str = None  # a vocab.txt ...
    vocab_size: int = None  # ... or the size of one to train on the corpus
    lowercase: bool = True
    preset: str = "bert_tiny"
    batch_size: int = 32
    seq_length: int = 128
    learning_rate: float = None  # default: default_pretraining_rate(preset)
    warmup_steps: int = None  # default: 10 % of steps
    max_predictions: int = None  # default: default_max_predictions(seq_length, masked_lm_prob)
    masked_lm_prob: float = 0.15
    next_sentence: bool = True
    whole_word_masking: bool = False
    optimizer: str = "adamw"
    weight_decay: float = 0.01
    accumulation_steps: int = 1
    precision: str = "float32"
    jit_compile: bool = False
    strategy: str = "auto"
    checkpoint_every: int = 1000
    log_every: int = None
    seed: int = 0
    eval_fraction: float = 0.05
    eval_batches: int = None  # cap on held-out batches per evaluation (None: all)
    layout: str = "auto"  # corpus files: "google" (blank line between documents), "lines", "auto"
    utf8_errors: str = "strict"  # or "replace" invalid bytes (counted and reported)

    def validate(self):
        """One-line ValueError/FileNotFoundError for any bad setting, before any work; a missing
        learning rate or number of masked positions becomes its default, so that run.json records
        the values used."""
        if isinstance(self.corpus, str):
            self.corpus = [self.corpus]
        if not self.corpus:
            raise KerasBertError("No corpus given.")
        for path in self.corpus:
            if not os.path.exists(path):
                raise MissingFileError(f"Corpus file not found: {path}")
        if (self.vocab is None) == (self.vocab_size is None):
            raise KerasBertError("Give exactly one of a vocabulary file (--vocab) or a size to train one (--vocab-size).")
        if self.vocab is not None and not os.path.isfile(self.vocab):
            raise MissingFileError(f"Vocabulary file not found: {self.vocab}")
        if self.vocab_size is not None:
            _check_int("vocab_size", self.vocab_size, minimum=10)
        if self.preset not in preset_names():
            raise KerasBertError(f"Unknown preset {self.preset!r}; `keras-bert presets` lists them.")
        if self.learning_rate is None:
            self.learning_rate = default_pretraining_rate(self.preset)
        _check_int("steps", self.steps, minimum=1)
        _check_int("batch_size", self.batch_size, minimum=1)
        _check_int("accumulation_steps", self.accumulation_steps, minimum=1)
        _check_int("checkpoint_every", self.checkpoint_every, minimum=1)
        max_positions = BertConfig.from_preset(self.preset).max_position_embeddings
        if not isinstance(self.seq_length, int) or not 5 <= self.seq_length <= max_positions:
            raise KerasBertError(
                f"seq_length must be between 5 and the preset's max_position_embeddings "
                f"({max_positions}), got {self.seq_length!r}."
            )
        if not 0.0 < self.masked_lm_prob < 1.0:
            raise KerasBertError(f"The mask rate must be in (0, 1), got {self.masked_lm_prob!r}.")
        if self.max_predictions is None:
            self.max_predictions = default_max_predictions(self.seq_length, self.masked_lm_prob)
        _check_int("max_predictions", self.max_predictions, minimum=1)
        if not self.learning_rate > 0:
            raise KerasBertError(f"learning_rate must be positive, got {self.learning_rate!r}.")
        if self.warmup_steps is not None and not (isinstance(self.warmup_steps, int) and 0 <= self.warmup_steps < self.steps):
            raise KerasBertError(f"warmup_steps must be in [0, steps={self.steps}), got {self.warmup_steps!r}.")
        if not 0.0 <= self.eval_fraction < 0.5:
            raise KerasBertError(f"eval_fraction must be in [0, 0.5), got {self.eval_fraction!r}.")
        from keras_bert.output_paths import check_output

        # Its own earlier run (run.json) may be resumed; any other model is never overwritten.
        own = ("a pretraining run", "a keras_bert pretrainer") if os.path.isfile(
            os.path.join(self.out or "", RUN_FILE)) else ()
        check_output(
            "out", self.out,
            [("corpus", path) for path in self.corpus] + [("vocab", self.vocab)],
            same_kinds=own, can_overwrite=False,
        )

    def identity(self):
        """The settings that must match for a run to resume another's checkpoints."""
        values = dataclasses.asdict(self)
        values["corpus"] = [os.path.abspath(path) for path in self.corpus]
        values["vocab"] = os.path.abspath(self.vocab) if self.vocab else None
        return {key: value for key, value in values.items() if key not in RESUMABLE_CHANGES}


def _check_int(name, value, minimum):
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise KerasBertError(f"{name} must be an integer >= {minimum}, got {value!r}.")


def split_documents(documents, eval_fraction, seed, need_pairs):
    """(train, held-out) lists of whole documents, chosen by a seeded shuffle.

    With next-sentence prediction each side needs 2 documents (random "next" sentences are
    drawn from another document).
    """
    if eval_fraction == 0:
        return list(documents), []
    minimum = 2 if need_pairs else 1
    count = max(minimum, round(len(documents) * eval_fraction))
    if len(documents) - count < minimum:
        raise KerasBertError(
            f"The corpus has {len(documents)} document(s): too few to hold out {count} for evaluation "
            f"and train on the rest; add documents or set the evaluation fraction to 0."
        )
    order = list(range(len(documents)))
    random.Random(seed).shuffle(order)
    held_out = set(order[:count])
    train = [d for i, d in enumerate(documents) if i not in held_out]
    evaluation = [d for i, d in enumerate(documents) if i in held_out]
    return train, evaluation


def label_baselines(dataset):
    """Accuracy of always answering the most frequent label, over a finite `(x, y)` dataset."""
    counts = collections.Counter()
    nsp_counts = collections.Counter()
    for _, y in dataset.as_numpy_iterator():
        ids = y["masked_lm_ids"][y["masked_lm_weights"] > 0]
        counts.update(ids.tolist())
        if "next_sentence_labels" in y:
            nsp_counts.update(y["next_sentence_labels"].tolist())
    baselines = {}
    if counts:
        token, hits = counts.most_common(1)[0]
        baselines["mlm_most_frequent_token"] = int(token)
        baselines["mlm_accuracy"] = hits / sum(counts.values())
        baselines["mlm_predictions"] = sum(counts.values())
    if nsp_counts:
        baselines["nsp_accuracy"] = nsp_counts.most_common(1)[0][1] / sum(nsp_counts.values())
    return baselines


def _check_same_run(settings, out):
    """Refuse to resume checkpoints written by a run with other settings."""
    checkpoint_dir = os.path.join(out, CHECKPOINT_DIR)
    state = read_checkpoint_state(checkpoint_dir)
    run_path = os.path.join(out, RUN_FILE)
    identity = json.loads(json.dumps(settings.identity()))
    if state is not None and os.path.isfile(run_path):
        previous = read_json(run_path, "run settings", expect=dict)
        differing = sorted(key for key in set(identity) | set(previous) if identity.get(key) != previous.get(key))
        if differing:
            changes = ", ".join(f"{key} {previous.get(key)!r} -> {identity.get(key)!r}" for key in differing)
            raise KerasBertError(
                f"{out} holds checkpoints of a different run (differs in: {changes}); pass the run's "
                f"values to resume it, use another output folder, or delete {checkpoint_dir} to start over."
            )
    elif state is not None:
        raise KerasBertError(f"{checkpoint_dir} has checkpoints but {run_path} is missing; delete {checkpoint_dir} to start over.")
    os.makedirs(out, exist_ok=True)
    _write_json(run_path, identity, sort_keys=True)
    return 0 if state is None else int(state["step"])


def _write_json(path, value, sort_keys=False):
    """Write under a temporary name, then rename: a kill never leaves half a JSON file."""
    partial = f"{path}.partial"
    with open(partial, "w", encoding="utf-8") as file:
        json.dump(value, file, indent=2, sort_keys=sort_keys)
        file.write("\n")
    os.replace(partial, path)


def _load_tokenizer(settings, train_documents, resuming, log, verbose):
    import keras_bert

    if settings.vocab is not None:
        return keras_bert.BertTokenizer.from_vocab_file(settings.vocab, lowercase=settings.lowercase)
    vocab_path = os.path.join(settings.out, "vocab.txt")
    if not (resuming and os.path.isfile(vocab_path)):
        log(f"Training a {settings.vocab_size}-token WordPiece vocabulary on the training documents ...")
        sentences = [sentence for document in train_documents for sentence in document]
        keras_bert.train_vocabulary(
            sentences, settings.vocab_size, vocab_path, lowercase=settings.lowercase, verbose=bool(verbose)
        )
    return keras_bert.BertTokenizer.from_vocab_file(vocab_path, lowercase=settings.lowercase)


def pretrain(settings, verbose=1):
    """Run (or resume) the pretraining described by `settings`; return a summary dict."""
    settings.validate()
    from keras_bert.output_paths import output_lock

    with output_lock("out", settings.out):  # a second run on the same out is refused
        return _pretrain(settings, verbose)


def _pretrain(settings, verbose):
    log = print if verbose else (lambda *args, **kwargs: None)
    out = settings.out
    initial_step = _check_same_run(settings, out)
    if initial_step >= settings.steps:
        log(f"{out} already holds the finished run ({initial_step} steps); evaluating it.")
    elif initial_step:
        log(f"Resuming from the checkpoint at step {initial_step} of {settings.steps}.")
    log(
        f"{settings.preset}, peak learning rate {settings.learning_rate:g}, batch {settings.batch_size}, "
        f"{settings.seq_length} tokens per sequence with up to {settings.max_predictions} masked "
        f"(settings in {os.path.join(out, RUN_FILE)})."
    )

    from keras_bert.training.distribution import resolve_strategy

    # First, before any TensorFlow op runs: a multi-worker strategy configures the runtime's
    # collective ops, which TensorFlow allows only at program start.
    strategy = resolve_strategy(settings.strategy)

    from keras_bert.data.pretraining.corpus import Corpus, read_corpus

    corpus = read_corpus(settings.corpus, layout=settings.layout, utf8_errors=settings.utf8_errors)
    log(f"Corpus: {corpus.stats.summary()}")
    if settings.next_sentence and len(corpus.documents) < 2:
        raise KerasBertError(
            f"Next-sentence prediction needs at least 2 documents (random next sentences come from "
            f"another document); the corpus has {len(corpus.documents)}. Add documents, check the "
            f"layout (--layout lines: one document per line), or pretrain masked-LM only (--no-next-sentence)."
        )
    train_documents, eval_documents = split_documents(
        corpus.documents, settings.eval_fraction, settings.seed, settings.next_sentence
    )
    log(f"Training on {len(train_documents)} documents, holding out {len(eval_documents)} for evaluation.")
    tokenizer = _load_tokenizer(settings, train_documents, initial_step > 0, log, verbose)

    import keras

    from keras_bert.data.pretraining.pipeline import pretraining_dataset
    from keras_bert.modeling.encoder import BertEncoder
    from keras_bert.tasks.pretrainer import BertPretrainer
    from keras_bert.training.optimizers import create_optimizer
    from keras_bert.training.precision import set_precision
    from keras_bert.training.resumable_fit import fit_resumable

    config = BertConfig.from_preset(settings.preset, vocab_size=int(tokenizer.vocab_size))
    data_options = dict(
        tokenizer=tokenizer,
        seq_length=settings.seq_length,
        batch_size=settings.batch_size,
        max_predictions=settings.max_predictions,
        next_sentence=settings.next_sentence,
        whole_word_masking=settings.whole_word_masking,
        masked_lm_prob=settings.masked_lm_prob,
        max_position_embeddings=config.max_position_embeddings,
        verbose=verbose,
    )
    # A resumed run draws new masks and a new order instead of replaying the first batches.
    train_dataset = pretraining_dataset(
        Corpus.from_documents(train_documents),
        mode="dynamic",
        seed=settings.seed + initial_step,
        drop_remainder=True,
        **data_options,
    )
    eval_dataset, baselines = None, {}
    if eval_documents:
        eval_dataset = pretraining_dataset(
            Corpus.from_documents(eval_documents), mode="static", seed=settings.seed + 1, shuffle=False, **data_options
        )
        if settings.eval_batches:
            eval_dataset = eval_dataset.take(settings.eval_batches)
        eval_dataset = eval_dataset.cache()
        baselines = label_baselines(eval_dataset)
        log(
            f"Held-out baseline: always guessing token {baselines.get('mlm_most_frequent_token')} "
            f"gives masked-LM accuracy {baselines.get('mlm_accuracy', 0):.4f} over "
            f"{baselines.get('mlm_predictions', 0)} predictions."
        )

    precision = set_precision(settings.precision)
    with strategy.scope():
        encoder = BertEncoder(config)
        model = BertPretrainer(encoder, next_sentence=settings.next_sentence, tokenizer=tokenizer)
        optimizer = create_optimizer(
            settings.steps,
            learning_rate=settings.learning_rate,
            warmup_steps=settings.warmup_steps,
            name=settings.optimizer,
            weight_decay=settings.weight_decay,
            accumulation_steps=settings.accumulation_steps,
        )
        model.compile(optimizer=optimizer, jit_compile=settings.jit_compile)

    plotted_baselines = {"baseline: most frequent token (MLM)": baselines["mlm_accuracy"]} if baselines else None
    result = fit_resumable(
        model,
        train_dataset,
        settings.steps,
        out,
        checkpoint_every=settings.checkpoint_every,
        validation_data=eval_dataset,
        log_every=settings.log_every,
        verbose=1 if verbose else 0,
        baselines=plotted_baselines,
        title=f"{settings.preset} pretraining on {', '.join(os.path.basename(p) for p in settings.corpus)}",
    )

    if eval_dataset is not None:
        final = model.evaluate(eval_dataset, verbose=0, return_dict=True)
        evaluated_on = "held-out documents"
    else:
        final = {k: v for k, v in (result.history["train"][-1] if result.history["train"] else {}).items() if k != "step"}
        evaluated_on = "training batches (no held-out documents)"

    folder = _write_model_folder(model, settings, result.final_step)
    tokens_per_batch = settings.batch_size * settings.seq_length
    summary = {
        "steps": result.final_step,
        "resumed_from_step": result.initial_step,
        "seconds": result.seconds,
        # Steady state: batches after the first few (tracing excluded), validation excluded.
        "tokens_per_second": (
            result.steady_batches * tokens_per_batch / result.steady_seconds if result.steady_seconds > 0 else None
        ),
        "precision": precision,
        "replicas": strategy.num_replicas_in_sync,
        "evaluated_on": evaluated_on,
        "metrics": {k: float(v) for k, v in final.items()},
        "baselines": baselines,
        "out": out,
        "files": {
            "model folder": out,
            "config": folder["config"],
            "vocabulary": folder["vocab"],
            "weights": folder["weights"],
            "checkpoints": os.path.join(out, CHECKPOINT_DIR),
            "TensorBoard logs": os.path.join(out, LOG_DIR),
            "history": os.path.join(out, HISTORY_FILE),
            "curves": result.curves_path,
        },
    }
    if baselines.get("mlm_accuracy"):
        summary["mlm_accuracy_over_baseline"] = summary["metrics"].get("mlm_accuracy", 0.0) / baselines["mlm_accuracy"]
    _write_json(os.path.join(out, "summary.json"), summary)
    keras.mixed_precision.set_global_policy("float32")
    return summary


def _write_model_folder(model, settings, steps):
    """The model folder (`write_model_folder` leaves the optimizer's state out of it)."""
    from keras_bert.interop.native import KERAS_CONFIG_FILE, VOCAB_PATH, WEIGHTS_FILE, write_model_folder

    write_model_folder(
        settings.out,
        model,
        metadata={
            "seq_length": settings.seq_length,
            "max_predictions": settings.max_predictions,
            "pretraining_steps": steps,
            "preset": settings.preset,
        },
    )
    return {
        "config": os.path.join(settings.out, KERAS_CONFIG_FILE),
        "vocab": os.path.join(settings.out, VOCAB_PATH),
        "weights": [os.path.join(settings.out, WEIGHTS_FILE)],
    }
