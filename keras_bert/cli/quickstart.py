"""`keras-bert quickstart`: the whole main job, end to end, in a few minutes on a laptop CPU.

It runs the same subcommands a user would (printing each command line first, so the user
can run them again on their own data): pretrain a `bert_tiny` (vocabulary included) on text
already on the machine, fine-tune a sentiment classifier on a small labelled set, export the
SavedModel, then reload it with TensorFlow alone and call `encode` and `classify`.
"""

import os
import shlex
import time
from keras_bert.errors import KerasBertError


DEFAULT_WORK_DIR = os.path.join("runs", "quickstart")
DEFAULT_EXPORT_DIR = os.path.join("export", "quickstart")


def register(subparsers):
    parser = subparsers.add_parser(
        "quickstart",
        help="pretrain, fine-tune, export and call a tiny BERT in a few minutes",
        description="Run the main job end to end on text already on this machine (the "
        "Python Language Reference shipped with Python, and a Chinese sample written for "
        "keras_bert), or on your own files with --corpus / --train / --dev.",
    )
    parser.add_argument("--corpus", nargs="+", metavar="FILE",
                        help="your unlabelled text files (default: the built-in sample)")
    parser.add_argument("--train", help="your labelled training file (CSV/TSV/JSON lines)")
    parser.add_argument("--dev", help="your labelled dev file (needed with --train)")
    parser.add_argument("--text-column", default="text")
    parser.add_argument("--label-column", default="label")
    parser.add_argument("--vocab-size", type=int, default=4000)
    parser.add_argument("--pretrain-steps", type=int, default=300)
    parser.add_argument("--finetune-epochs", type=int, default=8)
    parser.add_argument("--seq-length", type=int, default=64)
    parser.add_argument("--work-dir", default=DEFAULT_WORK_DIR,
                        help=f"where models, logs and plots go (default {DEFAULT_WORK_DIR})")
    parser.add_argument("--export-dir", default=DEFAULT_EXPORT_DIR,
                        help=f"where the SavedModel goes (default {DEFAULT_EXPORT_DIR})")
    parser.set_defaults(func=run)


def run(args):
    if bool(args.train) != bool(args.dev):
        raise KerasBertError("--train and --dev go together: give both, or neither for the sample.")
    for path in (args.corpus or []) + [p for p in (args.train, args.dev) if p]:
        if not os.path.exists(path):
            raise KerasBertError(f"file not found: {path}")
    if args.pretrain_steps < 1 or args.finetune_epochs < 1:
        raise KerasBertError("--pretrain-steps and --finetune-epochs must be at least 1.")

    started = time.perf_counter()
    timings = []
    data_dir = os.path.join(args.work_dir, "data")
    pretrained_dir = os.path.join(args.work_dir, "pretrained")
    classifier_dir = os.path.join(args.work_dir, "classifier")

    corpus = args.corpus
    if corpus is None:
        from keras_bert.quickstart.sample_corpus import write_sample_corpus

        corpus = write_sample_corpus(data_dir)
        print(f"Sample corpus written: {', '.join(corpus)}")
    train, dev = args.train, args.dev
    if train is None:
        from keras_bert.quickstart.sample_reviews import write_sample_reviews

        train, dev = write_sample_reviews(data_dir)
        print(f"Sample labelled reviews written: {train}, {dev}")

    steps = [
        ("Pretrain a bert_tiny (vocabulary first)", [
            "pretrain", "--corpus", *corpus, "--vocab-size", str(args.vocab_size),
            "--preset", "bert_tiny", "--steps", str(args.pretrain_steps),
            "--batch-size", "32", "--seq-length", str(args.seq_length),
            "--checkpoint-every", str(max(args.pretrain_steps // 3, 1)),
            "--out", pretrained_dir,
        ]),
        ("Fine-tune a classifier", [
            "finetune", "--train", train, "--dev", dev,
            "--text-column", args.text_column, "--label-column", args.label_column,
            "--init", pretrained_dir, "--epochs", str(args.finetune_epochs),
            "--seq-length", str(args.seq_length), "--batch-size", "16",
            "--learning-rate", "3e-4", "--out", classifier_dir,
        ]),
        ("Export a SavedModel that takes raw strings", [
            "export", "--model", classifier_dir, "--out", args.export_dir, "--overwrite",
        ]),
    ]
    from keras_bert.cli.main import main as keras_bert_main

    for number, (title, argv) in enumerate(steps, start=1):
        print(f"\n=== Step {number}/4: {title}\n$ keras-bert {shlex.join(argv)}\n", flush=True)
        step_started = time.perf_counter()
        status = keras_bert_main(argv)
        if status:
            raise KerasBertError(f"step {number} ({argv[0]}) failed; see the message above.")
        timings.append((title, time.perf_counter() - step_started))

    print("\n=== Step 4/4: Reload the SavedModel with TensorFlow alone and call it\n", flush=True)
    step_started = time.perf_counter()
    call_exported_model(args.export_dir)
    timings.append(("Reload and call the SavedModel", time.perf_counter() - step_started))

    total = time.perf_counter() - started
    print("\n=== Done in {:.0f} s".format(total))
    for title, seconds in timings:
        print(f"  {seconds:6.0f} s  {title}")
    print("\nWhat was written where:")
    for label, path in [
        ("pretrained BERT (config, vocab, weights)", pretrained_dir),
        ("pretraining curves", os.path.join(pretrained_dir, "training_curves.png")),
        ("classifier", classifier_dir),
        ("fine-tuning curves", os.path.join(classifier_dir, "training_curves.png")),
        ("SavedModel (encode, classify)", args.export_dir),
        ("TensorBoard logs", os.path.join(args.work_dir, "*", "logs")),
    ]:
        print(f"  {label:<42} {path}")
    print(
        "\nNext: the same steps on your data with --corpus / --train / --dev, or one at a time\n"
        "with the commands printed above (see `keras-bert COMMAND --help`)."
    )


def call_exported_model(export_dir):
    """Load the export as a serving system would (tf + tf-text only) and print its answers."""
    import numpy as np
    import tensorflow as tf
    import tensorflow_text  # noqa: F401  (registers the tokenizer ops the SavedModel uses)

    from keras_bert.quickstart.sample_reviews import EXAMPLE_SENTENCES

    bert = tf.saved_model.load(export_dir)
    print(f'bert = tf.saved_model.load("{export_dir}")')
    encoded = bert.encode(tf.constant(EXAMPLE_SENTENCES))
    pooled = encoded["pooled_output"].numpy()
    print(f"bert.encode(texts)['pooled_output']: shape {pooled.shape}")
    unit = pooled / np.linalg.norm(pooled, axis=1, keepdims=True)
    similarity = unit @ unit.T
    print("cosine similarity of the pooled outputs:")
    for i, text in enumerate(EXAMPLE_SENTENCES):
        row = " ".join(f"{value:5.2f}" for value in similarity[i])
        print(f"  {row}   {text}")
    classified = bert.classify(tf.constant(EXAMPLE_SENTENCES))
    print("bert.classify(texts):")
    probabilities = classified["probabilities"].numpy()
    labels = [label.decode("utf-8") for label in classified["labels"].numpy()]
    for text, label, probs in zip(EXAMPLE_SENTENCES, labels, probabilities):
        print(f"  {label:<9} p={probs.max():.2f}   {text}")
