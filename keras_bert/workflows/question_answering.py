"""`finetune_qa`: SQuAD-format files → a fine-tuned question answerer model folder
(`keras-bert finetune --task qa`).

Steps: check every setting before reading anything; read the training (and dev) file
(SQuAD v1.1 / v2.0, CMRC 2018); start a `BertQuestionAnswerer` from a checkpoint or random
weights (it may answer nothing when the training file has unanswerable questions); window the
contexts (reported); fine-tune with BERT's recipe (`finetune_classifier`: AdamW, warm-up then
linear decay); then, with a dev file, predict every dev question, choose the no-answer
threshold there (SQuAD v2.0), score exact match and F1 (SQuAD's, or CMRC 2018's for Chinese)
and write the predictions in the official scripts' format ({id: answer text}); write the model
folder and summary.json.
"""

import dataclasses
import json
import os
import time

from keras_bert.output_paths import staged_folder
from keras_bert.workflows.checks import (
    check_choice,
    check_finetuning_output,
    check_finetuning_start,
    check_fraction,
    check_int,
    check_optimizer_settings,
    check_optional_int,
)
from keras_bert.workflows.encoder_start import RANDOM_INIT
from keras_bert.workflows.finetuning import finetuning_record

SUMMARY_FILE = "summary.json"
DEV_PREDICTIONS_FILE = "dev_predictions.json"
METRIC_CHOICES = ("auto", "squad", "cmrc")


@dataclasses.dataclass
class QaSettings:
    """Everything that defines a question answering fine-tuning run (`keras-bert finetune
    --task qa`)."""

    train: str  # SQuAD-format training file (SQuAD v1.1 / v2.0, CMRC 2018)
    out: str  # the question answerer model folder to write
    init: str  # a checkpoint folder (ours, Google's, Hugging Face's), a published name, "random"
    dev: str = None  # SQuAD-format dev file: exact match and F1 in the summary
    # The model.
    preset: str = None  # for init "random" (e.g. "bert_tiny")
    vocab: str = None  # vocab.txt, for init "random"
    lowercase: bool = True  # for init "random"; a checkpoint brings its own
    dropout: float = 0.0  # before the span layer (none, as Google's run_squad.py and transformers)
    # Windows and decoding.
    seq_length: int = 384  # window length in word pieces: [CLS] question [SEP] context [SEP]
    doc_stride: int = 128  # word pieces between the starts of windows over a long context
    max_query_length: int = 64  # questions are cut to this many word pieces
    max_answer_length: int = 30  # longest answer decoded, in word pieces
    n_best: int = 20  # spans kept per question when decoding
    metric: str = "auto"  # dev scoring: "squad", "cmrc" (Chinese), or "auto" (by the text)
    # Training.
    epochs: int = 2
    batch_size: int = 32
    learning_rate: float = None  # peak rate; default: by the encoder's width
    warmup_fraction: float = 0.1
    weight_decay: float = 0.01
    max_train_examples: int = None  # train on a seeded random subset of this many questions
    seed: int = 0
    log_every: int = 10
    overwrite: bool = False  # replace another kind of model at out (only the files written here)

    def validate(self):
        """A one-line `KerasBertError` naming the setting at fault, before any work."""
        from keras_bert.data.squad import check_window_settings

        check_finetuning_start(self, RANDOM_INIT)
        check_fraction("dropout", self.dropout)
        check_window_settings(self.seq_length, self.doc_stride, self.max_query_length)
        check_int("max_answer_length", self.max_answer_length)
        check_int("n_best", self.n_best)
        check_choice("metric", self.metric, METRIC_CHOICES)
        check_optimizer_settings(self)
        check_optional_int("max_train_examples", self.max_train_examples)
        check_finetuning_output(self, "a keras_bert question_answerer", RANDOM_INIT)


def start_question_answerer(init, *, seq_length=384, doc_stride=128, max_query_length=64,
                            max_answer_length=30, n_best=20, allow_no_answer=False, dropout=0.0,
                            preset=None, vocab_file=None, lowercase=True, seed=None):
    """A `BertQuestionAnswerer` holding its tokenizer: encoder from a checkpoint, or random."""
    from keras_bert.tasks.question_answerer import BertQuestionAnswerer
    from keras_bert.workflows.encoder_start import start_encoder

    encoder, tokenizer = start_encoder(
        init, seq_length=seq_length, preset=preset, vocab_file=vocab_file, lowercase=lowercase,
        seed=seed,
    )
    return BertQuestionAnswerer(
        encoder, dropout=dropout, seq_length=seq_length, doc_stride=doc_stride,
        max_query_length=max_query_length, max_answer_length=max_answer_length, n_best=n_best,
        allow_no_answer=allow_no_answer, tokenizer=tokenizer,
    )


def resolve_metric(metric, qa_file):
    """"squad" or "cmrc": `metric` itself, or for "auto" "cmrc" when the contexts are Chinese."""
    from keras_bert.tasks.squad_metrics import CMRC, SQUAD, looks_chinese

    if metric != "auto":
        return metric
    contexts = {example.context for example in qa_file}
    return CMRC if looks_chinese(list(contexts)[:200]) else SQUAD


def score_spans(model, qa_file, spans, metric):
    """Exact match and F1 of a model's `SpanPrediction`s on a `QaFile`, with the answers."""
    from keras_bert.tasks.squad_metrics import score_answers

    answers = {
        example.id: span.as_answer(model.allow_no_answer, model.no_answer_threshold)
        for example, span in zip(qa_file, spans)
    }
    scores = score_answers(
        {qid: answer["answer"] for qid, answer in answers.items()}, qa_file.gold_answers(), metric
    )
    scores["metric"] = metric
    return scores, answers


def finetune_qa(settings, verbose=1):
    """Fine-tune the question answerer described by `settings`; write its model folder;
    return the summary.

    The summary (also `out/summary.json`): questions and windows per split, training seconds,
    the last training metrics and, with a dev file, the dev exact match and F1 (and for
    SQuAD v2.0 data the no-answer threshold chosen there).
    """
    settings.validate()
    with staged_folder("out", settings.out) as work:
        return _finetune_qa(settings, work, verbose)


def _finetune_qa(settings, work, verbose):
    """`finetune_qa`, writing every file into the folder `work` (moved into place after)."""
    log = print if verbose else (lambda *args, **kwargs: None)

    from keras_bert.data.squad import qa_dataset, read_squad_file
    from keras_bert.errors import KerasBertError
    from keras_bert.interop.native import write_model_folder
    from keras_bert.tasks.answer_decoding import choose_no_answer_threshold, decode_spans
    from keras_bert.tasks.classifier_training import finetune_classifier
    from keras_bert.tasks.squad_metrics import format_qa_scores
    from keras_bert.training.learning_rates import default_finetuning_rate

    def read(path):
        qa_file = read_squad_file(path)
        log(qa_file.report())
        return qa_file

    train = read(settings.train)
    dev = read(settings.dev) if settings.dev else None
    allow_no_answer = train.has_impossible
    if allow_no_answer:
        log("the training file has unanswerable questions (SQuAD v2.0): the model may answer "
            "nothing" + ("; its threshold is chosen on dev" if dev else ""))
    if settings.max_train_examples:
        train = train.subsample(settings.max_train_examples, seed=settings.seed)
        log(f"training on a random subset of {len(train):,} questions (seed {settings.seed})")

    model = start_question_answerer(
        settings.init, seq_length=settings.seq_length, doc_stride=settings.doc_stride,
        max_query_length=settings.max_query_length, max_answer_length=settings.max_answer_length,
        n_best=settings.n_best, allow_no_answer=allow_no_answer, dropout=settings.dropout,
        preset=settings.preset, vocab_file=settings.vocab, lowercase=settings.lowercase,
        seed=settings.seed,
    )
    learning_rate = settings.learning_rate
    if learning_rate is None:
        learning_rate = default_finetuning_rate(model.encoder.config.hidden_size)
        log(f"peak learning rate {learning_rate:g}, the default for a "
            f"{model.encoder.config.hidden_size}-wide encoder (learning_rate)")

    started = time.time()
    features = {"train": model.encode_examples(train)}
    if dev is not None:
        features["dev"] = model.encode_examples(dev)
    for name, found in features.items():
        log(found.report(name))
    log(f"tokenized and windowed in {time.time() - started:.1f} s", flush=True)
    if not features["train"].labelled.any():
        raise KerasBertError(
            f"train {settings.train}: no question has an answer found in its context."
        )
    train_data = qa_dataset(
        features["train"], batch_size=settings.batch_size, shuffle=True, seed=settings.seed
    )

    started = time.time()
    history = finetune_classifier(
        model, train_data, None,
        epochs=settings.epochs, learning_rate=learning_rate,
        warmup_fraction=settings.warmup_fraction, weight_decay=settings.weight_decay,
        out_dir=work, log_every=settings.log_every, verbose="auto" if verbose else 0,
    )
    training_seconds = time.time() - started

    summary = {
        "train_questions": len(train),
        "windows": {name: len(found) for name, found in features.items()},
        "unlocated_answers": {name: found.unlocated_answers for name, found in features.items()},
        "allow_no_answer": allow_no_answer,
        "training_seconds": round(training_seconds, 1),
        "final_train": {
            k: float(v[-1]) for k, v in history.history.items() if not k.startswith("val_")
        },
    }
    if dev is not None:
        metric = resolve_metric(settings.metric, dev)
        started = time.time()
        start_logits, end_logits = model.predict_logits(features["dev"], settings.batch_size)
        spans = decode_spans(
            features["dev"], start_logits, end_logits, n_best=model.n_best,
            max_answer_length=model.max_answer_length, with_null=allow_no_answer,
        )
        if allow_no_answer:
            threshold, _ = choose_no_answer_threshold(
                {example.id: span for example, span in zip(dev, spans)}, dev.gold_answers(),
                metric,
            )
            model.no_answer_threshold = threshold
            summary["no_answer_threshold"] = threshold
            log(f"no-answer threshold chosen on dev: {threshold:.3f}")
        scores, answers = score_spans(model, dev, spans, metric)
        summary["dev_file"] = os.path.abspath(settings.dev)
        summary["dev"] = scores
        summary["dev_seconds"] = round(time.time() - started, 1)
        with open(os.path.join(work, DEV_PREDICTIONS_FILE), "w", encoding="utf-8") as file:
            json.dump({qid: answer["answer"] for qid, answer in answers.items()}, file,
                      ensure_ascii=False, indent=1)
            file.write("\n")
        log(f"\ndev set ({os.path.basename(settings.dev)}):\n{format_qa_scores(scores)}")

    metadata = {
        "finetuning": finetuning_record(
            settings, learning_rate, train_questions=len(train),
            allow_no_answer=allow_no_answer,
        ),
    }
    write_model_folder(work, model, metadata=metadata)
    with open(os.path.join(work, SUMMARY_FILE), "w", encoding="utf-8") as file:
        json.dump(summary, file, indent=2, ensure_ascii=False)
        file.write("\n")
    return summary
