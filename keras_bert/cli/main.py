"""The `keras-bert` command: one subcommand per job, each a thin layer over the Python API.

Every subcommand lives in its own module of this package and exposes
`register(subparsers)`, which adds its parser and sets `func` to a callable taking the parsed
arguments. Errors a user can fix (a missing file, a bad setting) are raised as `KerasBertError`
and printed as one line, without a traceback.
"""

import argparse
import importlib
import os
import sys

from keras_bert.errors import KerasBertError

# Modules of keras_bert.cli that define a subcommand, in the order `--help` lists them.
SUBCOMMAND_MODULES = [
    "presets",
    "vocab",
    "prepare",
    "pretrain",
    "finetune",
    "distill",
    "evaluate",
    "predict",
    "convert",
    "export",
    "encode",
    "search",
    "evaluate_sts",
    "attention",
    "quickstart",
]


def build_parser():
    parser = argparse.ArgumentParser(
        prog="keras-bert",
        description="Build, pretrain, fine-tune and serve BERT in Keras 3 and TensorFlow.",
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    subparsers.required = True
    for module_name in SUBCOMMAND_MODULES:
        module = importlib.import_module(f"keras_bert.cli.{module_name}")
        module.register(subparsers)
    return parser


def main(argv=None):
    # TensorFlow's C++ start-up chatter hides the output a user asked for.
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        result = args.func(args)
    except KerasBertError as error:  # a user's mistake; anything else is a bug: traceback
        print(f"keras-bert {args.command}: error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"keras-bert {args.command}: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader went away (`keras-bert presets | head -1`): stop quietly, as `cat` does.
        # Point stdout at /dev/null so the interpreter's final flush does not fail again.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 141  # 128 + SIGPIPE, what a program killed by the signal reports
    return result or 0


if __name__ == "__main__":
    sys.exit(main())
