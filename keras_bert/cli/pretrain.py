"""`keras-bert pretrain`: pretrain a BERT on your own text; the output folder is what
`finetune --init`, `export --model` and `load_checkpoint` take.

Run the same command again after an interruption and it resumes from the last checkpoint.
"""

import argparse

from keras_bert.cli.settings_args import settings_from_args
from keras_bert.config import preset_names
from keras_bert.errors import KerasBertError


def register(subparsers):
    parser = subparsers.add_parser(
        "pretrain",
        help="pretrain BERT (masked LM + next sentence) on text files; resumable",
        description=(
            "Pretrain a BERT from scratch on plain-text corpora (one sentence per line with a blank "
            "line between documents, or one document per line). Trains a WordPiece vocabulary first "
            "with --vocab-size, holds out documents for evaluation, checkpoints every "
            "--checkpoint-every steps and resumes when run again with the same settings."
        ),
    )
    parser.add_argument("--corpus", nargs="+", required=True, metavar="FILE", help="text files or directories")
    vocabulary = parser.add_mutually_exclusive_group(required=True)
    vocabulary.add_argument("--vocab", metavar="VOCAB_TXT", help="an existing WordPiece vocabulary")
    vocabulary.add_argument("--vocab-size", type=int, metavar="N", help="train an N-token vocabulary on the corpus")
    parser.add_argument("--lowercase", action=argparse.BooleanOptionalAction, default=True,
                        help="lowercase and strip accents (uncased); --no-lowercase: cased text and vocabulary")
    parser.add_argument("--preset", default="bert_tiny", help="architecture (see `keras-bert presets`)")
    parser.add_argument("--steps", type=int, required=True, help="optimizer steps to train for")
    parser.add_argument("--batch-size", type=int, default=32, help="global batch size (split across replicas)")
    parser.add_argument("--seq-length", type=int, default=128)
    parser.add_argument("--out", required=True, metavar="DIR", help="model folder to write (and resume from)")
    parser.add_argument("--learning-rate", type=float, default=None,
                        help="peak learning rate (default: the preset's, as `keras-bert presets` lists it: the "
                             "BERT paper's 1e-4 for BERT-base-sized models; higher for the small presets, as measured "
                             "at batch 32 on 4 MB of English)")
    parser.add_argument("--warmup-steps", type=int, default=None, help="default: 10%% of --steps")
    parser.add_argument("--max-predictions", type=int, default=None,
                        help="masked positions per sequence (default: the mask rate of --seq-length, rounded up: "
                             "20 at 128, as in Google's BERT)")
    parser.add_argument("--masked-lm-prob", type=float, default=0.15, help="mask rate, in (0, 1)")
    parser.add_argument("--next-sentence", action=argparse.BooleanOptionalAction, default=True,
                        help="also train next-sentence prediction; --no-next-sentence: masked LM only")
    parser.add_argument("--whole-word-masking", action="store_true")
    parser.add_argument("--optimizer", choices=("adamw", "lamb"), default="adamw")
    parser.add_argument("--weight-decay", type=float, default=0.01)
    parser.add_argument("--accumulation-steps", type=int, default=1, help="batches per optimizer step")
    parser.add_argument(
        "--precision", choices=("float32", "mixed_float16", "mixed_bfloat16"), default="float32",
        help="compute in float16 (GPU) or bfloat16 (TPU, recent CPUs); weights stay float32",
    )
    parser.add_argument("--jit-compile", action="store_true", help="compile the train step with XLA")
    parser.add_argument(
        "--strategy", choices=("auto", "mirrored", "multi_worker_mirrored", "tpu"), default="auto",
        help="tf.distribute strategy: auto (one device), mirrored (this machine's GPUs), "
             "multi_worker_mirrored (the machines in TF_CONFIG, the same command on each), tpu",
    )
    parser.add_argument("--checkpoint-every", type=int, default=1000, metavar="N", help="steps between checkpoints")
    parser.add_argument("--log-every", type=int, default=None, metavar="N", help="steps between history records")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--eval-fraction", type=float, default=0.05, help="fraction of documents held out")
    parser.add_argument("--eval-batches", type=int, default=None, help="cap on held-out batches per evaluation")
    parser.add_argument("--layout", choices=("auto", "google", "lines"), default="auto",
                        help="google: blank line between documents; lines: one document per line")
    parser.add_argument("--utf8-errors", choices=("strict", "replace"), default="strict")
    parser.add_argument("--quiet", action="store_true", help="no progress bars")
    parser.set_defaults(func=run)


def pretraining_settings(args):
    from keras_bert.workflows import PretrainingSettings

    if args.preset not in preset_names():
        raise KerasBertError(f"unknown preset {args.preset!r}; `keras-bert presets` lists them")
    settings = settings_from_args(PretrainingSettings, args)
    settings.corpus = list(settings.corpus)
    return settings


def run(args):
    settings = pretraining_settings(args)
    settings.validate()  # before TensorFlow is imported: bad input fails in a second
    from keras_bert.workflows import pretrain

    try:
        summary = pretrain(settings, verbose=0 if args.quiet else 1)
    except UnicodeDecodeError as error:
        raise KerasBertError(f"the corpus is not valid UTF-8 ({error}); pass --utf8-errors replace") from None
    print_summary(summary)
    return 0


def print_summary(summary):
    metrics, baselines = summary["metrics"], summary["baselines"]
    print()
    print("Pretraining finished")
    resumed = f" (resumed at step {summary['resumed_from_step']})" if summary["resumed_from_step"] else ""
    print(f"  steps              {summary['steps']}{resumed}")
    rate = summary["tokens_per_second"]
    rate_text = f", {rate:,.0f} tokens/s in steady state" if rate else ""
    print(f"  time               {summary['seconds']:.1f} s{rate_text}; {summary['replicas']} replica(s), {summary['precision']}")
    print(f"  evaluated on       {summary['evaluated_on']}")
    if "mlm_loss" in metrics:
        print(f"  MLM                loss {metrics['mlm_loss']:.4f}, accuracy {metrics.get('mlm_accuracy', 0):.4f}")
    if "mlm_accuracy" in baselines:
        ratio = summary.get("mlm_accuracy_over_baseline", 0.0)
        print(
            f"  MLM baseline       {baselines['mlm_accuracy']:.4f} (always token id "
            f"{baselines['mlm_most_frequent_token']}); the model is {ratio:.2f}x that"
        )
    if "nsp_loss" in metrics:
        baseline = f" (majority class: {baselines['nsp_accuracy']:.4f})" if "nsp_accuracy" in baselines else ""
        print(f"  NSP                loss {metrics['nsp_loss']:.4f}, accuracy {metrics.get('nsp_accuracy', 0):.4f}{baseline}")
    for name, path in summary["files"].items():
        if isinstance(path, list):
            path = ", ".join(path)
        print(f"  {name:<19}{path}")
