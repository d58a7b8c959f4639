"""Which peak learning rate should `keras-bert pretrain` default to for a preset? Measure it.

The BERT paper's 1e-4 was chosen for BERT-base at batch 256 over a million steps. A small
preset at batch 32 for a few thousand steps on one machine is another regime, and the
default rate of `keras-bert pretrain` (keras_bert.training.learning_rates) should be the one
that trains it best there. This script pretrains one preset once per rate in `--rates`,
everything else equal (corpus, vocabulary, held-out documents, seed, steps, batch), and prints
held-out masked-LM and next-sentence accuracy per rate. Each rate's run is an ordinary
`keras_bert.pretrain` output folder, `OUT/lr<rate>`, so an interrupted sweep resumes where it
stopped.

    python benchmarks/pretraining_learning_rates.py --preset bert_tiny --rates 1e-4,3e-4,1e-3,3e-3 \\
        --steps 4000 --out /tmp/lr_sweep_tiny

The corpus is `../shared/data/corpus/en` without Project Gutenberg's header and footer, with a
WordPiece vocabulary of `--vocab-size` trained once on its training documents
(see pretraining_real_text.py, which prepares both the same way).
"""

import argparse
import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from pretraining_real_text import SHARED_DATA, copy_corpus, train_corpus_vocabulary  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--preset", default="bert_tiny")
    parser.add_argument("--rates", default="1e-4,3e-4,1e-3,3e-3", help="comma-separated peak learning rates")
    parser.add_argument("--steps", type=int, default=4000)
    parser.add_argument("--out", required=True)
    parser.add_argument("--language", choices=("en", "zh"), default="en")
    parser.add_argument("--data", default=SHARED_DATA, help="the shared data folder")
    parser.add_argument("--vocab-size", type=int, default=8000)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--seq-length", type=int, default=64)
    parser.add_argument("--max-predictions", type=int, default=None,
                        help="default: keras-bert pretrain's, the mask rate of --seq-length rounded up")
    parser.add_argument("--eval-batches", type=int, default=40)
    args = parser.parse_args()
    eval_fraction, seed = 0.05, 0

    source = os.path.join(args.data, "corpus", args.language)
    if not os.path.isdir(source):
        parser.error(f"{source} not found: pass --data with the shared data folder")
    corpus = copy_corpus(source, os.path.join(args.out, "corpus"))
    vocab = os.path.join(args.out, "corpus_vocab.txt")
    if not os.path.isfile(vocab):
        train_corpus_vocabulary(corpus, args.vocab_size, vocab, eval_fraction, seed)

    from keras_bert.workflows.pretraining import PretrainingSettings, pretrain

    rows = []
    for rate in [float(text) for text in args.rates.split(",")]:
        started = time.perf_counter()
        summary = pretrain(PretrainingSettings(
            corpus=[corpus], out=os.path.join(args.out, f"lr{rate:g}"), steps=args.steps, vocab=vocab,
            preset=args.preset, batch_size=args.batch_size, seq_length=args.seq_length,
            learning_rate=rate, max_predictions=args.max_predictions, checkpoint_every=max(10, args.steps // 4),
            eval_fraction=eval_fraction, eval_batches=args.eval_batches, seed=seed, jit_compile=True,
        ), verbose=0)
        metrics = summary["metrics"]
        rows.append((rate, metrics["mlm_accuracy"], summary["mlm_accuracy_over_baseline"],
                     metrics.get("nsp_accuracy", float("nan")), (time.perf_counter() - started) / 60))
        print(f"lr {rate:g}: masked-LM accuracy {rows[-1][1]:.4f}", flush=True)

    print(f"\n{args.preset}, {args.steps} steps, batch {args.batch_size}, seq {args.seq_length}, "
          f"corpus/{args.language}, {args.vocab_size}-token vocabulary; held-out documents:")
    print(f"{'peak rate':>10}{'masked LM':>11}{'x baseline':>12}{'next sent.':>12}{'minutes':>9}")
    for rate, accuracy, ratio, nsp, minutes in rows:
        print(f"{rate:>10g}{accuracy:>11.4f}{ratio:>12.2f}{nsp:>12.4f}{minutes:>9.1f}")
    best = max(rows, key=lambda row: row[1])
    print(f"best: {best[0]:g}")


if __name__ == "__main__":
    main()
