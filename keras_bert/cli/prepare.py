"""`keras-bert prepare`: a text corpus → static masked pretraining instances in TFRecord shards.

For data prepared once and reused across runs (Google's `create_pretraining_data.py` workflow);
`keras-bert pretrain` can also mask on the fly instead.
"""

import argparse
import os

from keras_bert.errors import KerasBertError



def register(subparsers):
    parser = subparsers.add_parser(
        "prepare",
        help="write masked-LM / next-sentence pretraining instances as TFRecord shards",
        description=(
            "Read plain-text corpora (one sentence per line with a blank line between documents, "
            "or one document per line; --layout), build next-sentence pairs and masked-LM "
            "instances as Google's create_pretraining_data.py does, and write them as TFRecord shards. "
            "The corpus streams, a few MB of whole documents at a time, so it may be larger than memory."
        ),
    )
    parser.add_argument("--corpus", nargs="+", required=True, metavar="FILE", help="text files or directories")
    parser.add_argument("--vocab", required=True, help="WordPiece vocabulary, one token per line")
    parser.add_argument("--lowercase", action=argparse.BooleanOptionalAction, default=True,
                        help="lowercase and strip accents (uncased); --no-lowercase: cased vocabulary")
    parser.add_argument("--out", required=True, metavar="DIR", help="output directory for the shards")
    parser.add_argument("--seq-length", type=int, default=128)
    parser.add_argument("--max-predictions", type=int, default=None,
                        help="masked positions per sequence (default: the mask rate of --seq-length, rounded up: "
                             "20 at 128, as in Google's BERT)")
    parser.add_argument("--shards", type=int, default=1,
                        help="output files; each holds one part of the corpus and training reads several at "
                             "once, so give a large corpus many (e.g. 64 for 1 GB)")
    parser.add_argument("--dupe-factor", type=int, default=10, help="differently masked copies of the corpus")
    parser.add_argument("--seed", type=int, default=12345)
    parser.add_argument("--masked-lm-prob", type=float, default=0.15, help="mask rate, in (0, 1)")
    parser.add_argument("--short-seq-prob", type=float, default=0.1)
    parser.add_argument("--next-sentence", action=argparse.BooleanOptionalAction, default=True,
                        help="sentence pairs for next-sentence prediction; --no-next-sentence: packed sentences")
    parser.add_argument(
        "--fallback-to-mlm-only",
        action="store_true",
        help="if the corpus cannot give next-sentence pairs (one document), make masked-LM only data",
    )
    parser.add_argument("--whole-word-masking", action="store_true")
    parser.add_argument(
        "--layout",
        choices=("auto", "google", "lines"),
        default="auto",
        help="google: blank line between documents; lines: one document per line; "
        "auto: google if a file has a blank line (default)",
    )
    parser.add_argument("--utf8-errors", choices=("strict", "replace"), default="strict")
    parser.add_argument(
        "--max-position-embeddings", type=int, default=512, help="the model's limit on --seq-length"
    )
    parser.set_defaults(func=run)


def run(args):
    if not os.path.isfile(args.vocab):
        raise KerasBertError(f"vocabulary file not found: {args.vocab}")
    if os.path.isfile(args.out):
        raise KerasBertError(f"--out {args.out} is a file; give a directory")
    from keras_bert.output_paths import check_output, output_lock

    check_output("--out", args.out, [("--corpus", path) for path in args.corpus] + [("--vocab", args.vocab)])
    from keras_bert.data.pretraining.corpus import expand_corpus_paths
    from keras_bert.data.pretraining.settings import default_max_predictions, validate_pretraining_settings

    if args.max_predictions is None and 0.0 < args.masked_lm_prob < 1.0:  # a bad rate is reported below
        args.max_predictions = default_max_predictions(args.seq_length, args.masked_lm_prob)
    # Check everything cheap before the slow part.
    validate_pretraining_settings(
        args.seq_length,
        args.max_predictions,
        args.masked_lm_prob,
        args.short_seq_prob,
        args.dupe_factor,
        args.max_position_embeddings,
    )
    if args.shards <= 0:
        raise KerasBertError(f"--shards must be a positive integer, got {args.shards}")
    expand_corpus_paths(args.corpus)

    from keras_bert import BertTokenizer

    tokenizer = BertTokenizer.from_vocab_file(args.vocab, lowercase=args.lowercase)
    # Shards are published only when all are complete, the manifest last (ShardSet); the lock
    # refuses a second run writing the same folder.
    with output_lock("--out", args.out):
        summary = _write(args, tokenizer, args.out)
    kind = "masked-LM + next-sentence" if summary["next_sentence"] else "masked-LM only"
    print(
        f"wrote {summary['instances']} {kind} instances ({summary['masked_tokens']} masked tokens) "
        f"in {len(summary['files'])} shard(s) to {args.out} (settings: pretraining_data.json)"
    )
    return 0


def _write(args, tokenizer, out_dir):
    from keras_bert.data.pretraining.pipeline import write_pretraining_tfrecords

    return write_pretraining_tfrecords(
        args.corpus,
        tokenizer,
        out_dir,
        seq_length=args.seq_length,
        max_predictions=args.max_predictions,
        num_shards=args.shards,
        next_sentence=args.next_sentence,
        whole_word_masking=args.whole_word_masking,
        masked_lm_prob=args.masked_lm_prob,
        short_seq_prob=args.short_seq_prob,
        dupe_factor=args.dupe_factor,
        seed=args.seed,
        max_position_embeddings=args.max_position_embeddings,
        layout=args.layout,
        utf8_errors=args.utf8_errors,
        mlm_only_fallback=args.fallback_to_mlm_only,
        verbose=1,
    )
