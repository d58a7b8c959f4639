"""`keras-bert vocab`: learn a WordPiece `vocab.txt` from text files (`train_vocabulary`)."""

import argparse
import os
import time
from keras_bert.errors import KerasBertError



def register(subparsers):
    parser = subparsers.add_parser(
        "vocab",
        help="learn a WordPiece vocabulary (vocab.txt) from text files",
        description=(
            "Learn a WordPiece vocabulary from plain-text files, with the same text "
            "normalisation the tokenizer uses. Special tokens [PAD] [UNK] [CLS] [SEP] [MASK] "
            "come first (ids 0-4), then every CJK character of the corpus."
        ),
    )
    parser.add_argument("--corpus", nargs="+", required=True, metavar="FILE",
                        help="UTF-8 text files, one or more")
    parser.add_argument("--vocab-size", type=int, required=True, metavar="N",
                        help="largest vocabulary size wanted (the result may be a bit smaller)")
    parser.add_argument("--out", required=True, metavar="VOCAB_TXT",
                        help="where to write the vocabulary")
    parser.add_argument("--lowercase", action=argparse.BooleanOptionalAction, default=True,
                        help="lowercase and strip accents (uncased); --no-lowercase: cased vocabulary")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    parser.set_defaults(func=run)


def run(args):
    missing = [path for path in args.corpus if not os.path.isfile(path)]
    if missing:
        raise KerasBertError(f"corpus file not found: {', '.join(missing)}")
    if args.vocab_size < 10:
        raise KerasBertError(f"--vocab-size must be at least 10, got {args.vocab_size}")
    out_folder = os.path.dirname(os.path.abspath(args.out))
    if not os.path.isdir(out_folder):
        raise KerasBertError(f"output folder does not exist: {out_folder}")

    from keras_bert.tokenization.vocabulary import train_vocabulary

    started = time.time()
    vocabulary = train_vocabulary(
        args.corpus,
        size=args.vocab_size,
        out_path=args.out,
        lowercase=args.lowercase,
        verbose=not args.quiet,
    )
    print(
        f"wrote {len(vocabulary)} tokens to {args.out} "
        f"({'lowercased' if args.lowercase else 'cased'}, {time.time() - started:.1f}s)"
    )
    return 0
