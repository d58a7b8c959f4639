"""`keras-bert finetune`: train a text classifier from a pretrained (or random) BERT.

Reads the training and dev files, fixes the label vocabulary from the training labels,
fine-tunes with BERT's recipe (`finetune_classifier`), and writes a classifier model folder
with labels.txt, history.json, logs/, training_curves.png and summary.json (dev accuracy and F1
beside the majority-class baseline).
"""

import json
import os
import time


def register(subparsers):
    from keras_bert.cli.labelled_data_options import add_reading_options
    from keras_bert.training.learning_rates import FINETUNING_RATES, PAPER_FINETUNING_RATE

    parser = subparsers.add_parser(
        "finetune",
        help="fine-tune a classifier (single texts or pairs) from a checkpoint or random init",
        description=__doc__.split("\n\n")[0],
    )
    parser.add_argument("--train", required=True, help="training file (CSV, TSV or JSON lines)")
    parser.add_argument("--dev", help="dev file, for accuracy and F1 after every epoch and in the summary")
    add_reading_options(parser, with_label=True)
    parser.add_argument(
        "--init",
        required=True,
        help="checkpoint folder to start from (ours, Google's or Hugging Face's), or 'random'",
    )
    parser.add_argument("--preset", help="architecture for --init random (e.g. bert_tiny)")
    parser.add_argument("--vocab", help="vocab.txt for --init random")
    parser.add_argument(
        "--cased", action="store_true", help="for --init random: do not lowercase the text"
    )
    parser.add_argument("--out", required=True, help="output model folder")
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--seq-length", type=int, default=128)
    parser.add_argument("--batch-size", type=int, default=32)
    by_width = "; ".join(f"{rate:g} up to {widest} wide" for widest, rate in FINETUNING_RATES)
    parser.add_argument("--learning-rate", type=float, default=None,
                        help=f"peak learning rate (default: by the encoder's width: {by_width}; "
                             f"{PAPER_FINETUNING_RATE:g} wider, within BERT's 2e-5 … 5e-5)")
    parser.add_argument("--warmup-fraction", type=float, default=0.1, help="share of steps in linear warm-up")
    parser.add_argument("--weight-decay", type=float, default=0.01)
    parser.add_argument("--dropout", type=float, default=0.1, help="dropout before the classification layer")
    parser.add_argument(
        "--pooling",
        choices=("auto", "cls", "mean"),
        default="auto",
        help="sentence vector fed to the classification layer: BERT's pooled [CLS] output, or the "
        "mean over real tokens; auto: mean for sentence-transformers checkpoints trained with it "
        "(e.g. all-MiniLM-L6-v2), else cls",
    )
    parser.add_argument(
        "--max-train-examples", type=int, help="train on a random subset of this size (seeded by --seed)"
    )
    parser.add_argument("--seed", type=int, default=0, help="seeds subsampling, shuffling and the new weights")
    parser.add_argument("--log-every", type=int, default=10, help="steps between history records")
    parser.set_defaults(func=run)


def run(args):
    from keras_bert.cli.labelled_data_options import read_examples, reading_settings
    from keras_bert.cli.main import UsageError

    for name in ("epochs", "seq_length", "batch_size"):
        if getattr(args, name) < 1:
            raise UsageError(f"--{name.replace('_', '-')} must be at least 1.")
    if args.init != "random" and not os.path.isdir(args.init):
        raise UsageError(f"--init {args.init}: no such folder (give a checkpoint folder or 'random').")
    if args.init == "random" and (not args.preset or not args.vocab):
        raise UsageError("--init random needs --preset (e.g. bert_tiny) and --vocab vocab.txt.")

    from keras_bert.data.label_vocabulary import LabelVocabulary
    from keras_bert.data.labelled import classification_dataset
    from keras_bert.tasks.classifier_evaluation import evaluate_classifier, format_scores
    from keras_bert.tasks.classifier_folder import save_classifier_folder
    from keras_bert.tasks.classifier_start import start_classifier
    from keras_bert.tasks.classifier_training import finetune_classifier
    from keras_bert.training.learning_rates import default_finetuning_rate

    settings = reading_settings(args)
    text_pair = bool(settings["text_pair_column"])
    train = read_examples(args.train, settings, skip_bad_rows=args.skip_bad_rows)
    labels = LabelVocabulary.from_labels(train.labels)
    if args.max_train_examples:
        train = train.subsample(args.max_train_examples, seed=args.seed)
        print(f"training on a random subset of {len(train):,} examples (seed {args.seed})")
    dev = None
    if args.dev:
        dev = read_examples(
            args.dev, settings, label_vocabulary=labels, skip_bad_rows=args.skip_bad_rows
        )
    print(f"labels ({len(labels)}): {', '.join(labels.names)}", flush=True)

    classifier = start_classifier(
        args.init,
        num_classes=len(labels),
        labels=labels.names,
        text_pair=text_pair,
        seq_length=args.seq_length,
        dropout=args.dropout,
        preset=args.preset,
        vocab_file=args.vocab,
        lowercase=not args.cased,
        seed=args.seed,
        pooling=args.pooling,
    )
    print(f"sentence vector: {'mean over real tokens' if classifier.pooling == 'mean' else 'pooled [CLS] output'}"
          f" (--pooling {args.pooling})")
    learning_rate = args.learning_rate
    if learning_rate is None:
        hidden_size = classifier.encoder.config.hidden_size
        learning_rate = default_finetuning_rate(hidden_size)
        print(f"peak learning rate {learning_rate:g}, the default for a {hidden_size}-wide encoder (--learning-rate)")
    tokenizer = classifier.tokenizer
    truncated = {"train": count_truncated(tokenizer, train, args.seq_length)}
    if dev is not None:
        truncated["dev"] = count_truncated(tokenizer, dev, args.seq_length)
    for split, count in truncated.items():
        if count:
            print(f"{split}: {count:,} of {len(train if split == 'train' else dev):,} examples are "
                  f"longer than --seq-length {args.seq_length} and are truncated")
    train_data = classification_dataset(
        train, tokenizer, labels, seq_length=args.seq_length, batch_size=args.batch_size,
        shuffle=True, seed=args.seed,
    )
    dev_data = None
    if dev is not None:
        dev_data = classification_dataset(
            dev, tokenizer, labels, seq_length=args.seq_length, batch_size=args.batch_size
        )

    started = time.time()
    history = finetune_classifier(
        classifier,
        train_data,
        dev_data,
        epochs=args.epochs,
        learning_rate=learning_rate,
        warmup_fraction=args.warmup_fraction,
        weight_decay=args.weight_decay,
        out_dir=args.out,
        log_every=args.log_every,
    )
    training_seconds = time.time() - started

    metadata = {
        "data": {key: value for key, value in settings.items() if key not in ("file_format", "encoding")},
        "finetuning": {
            "init": args.init if args.init == "random" else os.path.abspath(args.init),
            "preset": args.preset,
            "train_file": os.path.abspath(args.train),
            "train_examples": len(train),
            "epochs": args.epochs,
            "batch_size": args.batch_size,
            "learning_rate": learning_rate,
            "warmup_fraction": args.warmup_fraction,
            "weight_decay": args.weight_decay,
            "pooling": classifier.pooling,
            "seed": args.seed,
        },
    }
    save_classifier_folder(args.out, classifier, metadata=metadata)

    summary = {
        "train_examples": len(train),
        "train_skipped_rows": [line for line, _ in train.skipped],
        "train_dropped_rows": {label: len(lines) for label, lines in train.dropped.items()},
        "truncated_examples": truncated,
        "training_seconds": round(training_seconds, 1),
        "final_train": {k: float(v[-1]) for k, v in history.history.items() if not k.startswith("val_")},
    }
    if dev is not None:
        scores = evaluate_classifier(classifier, dev, batch_size=args.batch_size, verbose=0)
        summary["dev_file"] = os.path.abspath(args.dev)
        summary["dev"] = scores
        summary["dev_skipped_rows"] = [line for line, _ in dev.skipped]
        summary["dev_dropped_rows"] = {label: len(lines) for label, lines in dev.dropped.items()}
        print(f"\ndev set ({os.path.basename(args.dev)}):\n{format_scores(scores)}")
    with open(os.path.join(args.out, "summary.json"), "w", encoding="utf-8") as file:
        json.dump(summary, file, indent=2, ensure_ascii=False)
        file.write("\n")
    print(f"\nfine-tuned classifier written to {args.out} ({training_seconds:.0f} s of training)")
    return 0


def count_truncated(tokenizer, examples, seq_length, chunk=4096):
    """How many examples lose tokens at `seq_length`, so truncation is reported, not silent."""
    if not hasattr(tokenizer, "count_truncated"):
        return None
    total = 0
    for start in range(0, len(examples), chunk):
        pairs = examples.text_pairs[start : start + chunk] if examples.text_pairs is not None else None
        total += tokenizer.count_truncated(examples.texts[start : start + chunk], pairs, seq_length)
    return total
