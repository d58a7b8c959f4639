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
    parser.add_argument("--utf8-errors", choices=("strict", "replace"), default="strict",
                        help="invalid UTF-8 in the corpus: stop naming file, line and byte "
                        "(strict, the default) or replace it")
    parser.set_defaults(func=run)


def check_corpus_file(path, utf8_errors="strict"):
    """Refuse a corpus file that is binary, not UTF-8 (naming line and byte) or holds no text;
    returns whether it holds any text."""
    has_text = False
    try:
        with open(path, "rb") as file:
            for number, raw in enumerate(file, start=1):
                if number == 1 and raw.startswith(b"\xef\xbb\xbf"):
                    raw = raw[3:]
                nul = raw.find(b"\x00")
                if nul >= 0:
                    raise KerasBertError(
                        f"--corpus {path}, line {number}: a NUL byte (byte {nul + 1} "
                        "of the line): this looks like a binary file, not text."
                    )
                try:
                    text = raw.decode("utf-8")
                except UnicodeDecodeError as error:
                    if utf8_errors == "strict":
                        raise KerasBertError(
                            f"--corpus {path}, line {number}: invalid UTF-8 (byte 0x{raw[error.start]:02x} "
                            f"at byte {error.start + 1} of the line); convert the file to UTF-8, or "
                            "pass --utf8-errors replace."
                        ) from None
                    text = raw.decode("utf-8", "replace")
                has_text = has_text or bool(text.strip())
    except OSError as error:
        raise KerasBertError(f"--corpus {path}: cannot read it ({error.strerror}).") from None
    return has_text


def run(args):
    from keras_bert.output_paths import check_output, staged_file

    missing = [path for path in args.corpus if not os.path.isfile(path)]
    if missing:
        folders = [path for path in missing if os.path.isdir(path)]
        if folders:
            raise KerasBertError(f"--corpus {folders[0]} is a folder; give text files.")
        raise KerasBertError(f"--corpus file not found: {', '.join(missing)}")
    if args.vocab_size < 10:
        raise KerasBertError(f"--vocab-size must be at least 10, got {args.vocab_size}")
    check_output("--out", args.out, [("--corpus", path) for path in args.corpus], kind="file")
    out_folder = os.path.dirname(os.path.abspath(args.out))
    if not os.path.isdir(out_folder):
        raise KerasBertError(f"--out {args.out}: the folder {out_folder} does not exist.")
    has_text = [check_corpus_file(path, args.utf8_errors) for path in args.corpus]
    if not any(has_text):
        raise KerasBertError(
            f"--corpus {' '.join(args.corpus)}: no text (the files are empty or hold only whitespace)."
        )

    from keras_bert.tokenization.vocabulary import train_vocabulary

    started = time.time()
    corpus = args.corpus
    if args.utf8_errors == "replace":
        corpus = [
            line for path in args.corpus
            for line in open(path, encoding="utf-8", errors="replace").read().split("\n")
        ]
    with staged_file("--out", args.out) as temporary:
        vocabulary = train_vocabulary(
            corpus,
            size=args.vocab_size,
            out_path=temporary,
            lowercase=args.lowercase,
            verbose=not args.quiet,
        )
    print(
        f"wrote {len(vocabulary)} tokens to {args.out} "
        f"({'lowercased' if args.lowercase else 'cased'}, {time.time() - started:.1f}s)"
    )
    return 0
