"""Pretraining throughput: our `BertPretrainer` against keras-hub's `BertMaskedLM`, one run.

Both models get the same architecture (a `BertConfig` preset), the same batch, sequence length
and number of masked positions, the same optimizer (our AdamW with warm-up/decay, weight-decay
exclusions and global clipping) and the same in-memory batch, so the input pipeline costs
nothing and the difference is the models. keras-hub's `BertMaskedLM` has no next-sentence
head, so the like-for-like pair is ours in MLM-only mode; ours with NSP is shown as well.
The first `--warmup-steps` (tracing) are not timed; the models are timed in alternating
rounds and each one's best round is kept, which damps the noise of a shared machine.

Optionally (`--corpus` and `--vocab`) it also times the input pipeline alone, in
instances/s, against what the model consumes.

    python benchmarks/pretraining_throughput.py --preset bert_tiny --batch-size 32 --seq-length 128
"""

import argparse
import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import keras_hub  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

from keras_bert import BertConfig, BertEncoder  # noqa: E402
from keras_bert.tasks.pretrainer import BertPretrainer  # noqa: E402
from keras_bert.training.optimizers import create_optimizer  # noqa: E402


def synthetic_batch(config, batch_size, seq_length, predictions, seed=0):
    rng = np.random.default_rng(seed)
    positions = np.sort(
        np.stack([rng.choice(np.arange(1, seq_length - 1), predictions, replace=False) for _ in range(batch_size)]),
        axis=1,
    ).astype("int32")
    return {
        "input_word_ids": rng.integers(1000, config.vocab_size, (batch_size, seq_length)).astype("int32"),
        "input_mask": np.ones((batch_size, seq_length), "int32"),
        "input_type_ids": (np.arange(seq_length)[None, :] >= seq_length // 2).repeat(batch_size, 0).astype("int32"),
        "masked_lm_positions": positions,
        "masked_lm_ids": rng.integers(1000, config.vocab_size, (batch_size, predictions)).astype("int32"),
        "masked_lm_weights": np.ones((batch_size, predictions), "float32"),
        "next_sentence_labels": rng.integers(0, 2, batch_size).astype("int32"),
    }


def ours(config, batch, next_sentence, total_steps, jit_compile):
    model = BertPretrainer(BertEncoder(config), next_sentence=next_sentence)
    model.compile(optimizer=create_optimizer(total_steps), jit_compile=jit_compile)
    x = {k: batch[k] for k in ("input_word_ids", "input_mask", "input_type_ids", "masked_lm_positions")}
    y = {k: batch[k] for k in ("masked_lm_ids", "masked_lm_weights")}
    if next_sentence:
        y["next_sentence_labels"] = batch["next_sentence_labels"]
    return model, tf.data.Dataset.from_tensors((x, y)).repeat()


def keras_hub_masked_lm(config, batch, total_steps, jit_compile):
    backbone = keras_hub.models.BertBackbone(
        vocabulary_size=config.vocab_size,
        num_layers=config.num_hidden_layers,
        num_heads=config.num_attention_heads,
        hidden_dim=config.hidden_size,
        intermediate_dim=config.intermediate_size,
        dropout=config.hidden_dropout_prob,
        max_sequence_length=config.max_position_embeddings,
        num_segments=config.type_vocab_size,
    )
    model = keras_hub.models.BertMaskedLM(backbone, preprocessor=None)
    model.compile(
        optimizer=create_optimizer(total_steps),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        weighted_metrics=[keras.metrics.SparseCategoricalAccuracy()],
        jit_compile=jit_compile,
    )
    x = {
        "token_ids": batch["input_word_ids"],
        "padding_mask": batch["input_mask"].astype(bool),
        "segment_ids": batch["input_type_ids"],
        "mask_positions": batch["masked_lm_positions"],
    }
    data = (x, batch["masked_lm_ids"], batch["masked_lm_weights"])
    return model, tf.data.Dataset.from_tensors(data).repeat()


def time_steps(model, dataset, steps):
    start = time.perf_counter()
    model.fit(dataset, steps_per_epoch=steps, epochs=1, verbose=0)
    return time.perf_counter() - start


def input_pipeline_rate(corpus, vocab, seq_length, batch_size, predictions, batches):
    from keras_bert import BertTokenizer
    from keras_bert.data.pretraining.pipeline import pretraining_dataset

    tokenizer = BertTokenizer.from_vocab_file(vocab)
    dataset = pretraining_dataset(
        corpus, tokenizer, seq_length, batch_size, predictions, mode="dynamic", drop_remainder=True, verbose=0
    ).repeat()
    iterator = iter(dataset)
    next(iterator)
    start = time.perf_counter()
    for _ in range(batches):
        next(iterator)
    return batches * batch_size / (time.perf_counter() - start)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--preset", default="bert_tiny")
    parser.add_argument("--vocab-size", type=int, default=30522)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--seq-length", type=int, default=128)
    parser.add_argument("--max-predictions", type=int, default=20)
    parser.add_argument("--warmup-steps", type=int, default=5, help="untimed steps per model (tracing)")
    parser.add_argument("--steps", type=int, default=30, help="timed steps per round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--jit-compile", action="store_true")
    parser.add_argument("--corpus", nargs="*", help="also time the input pipeline on these files")
    parser.add_argument("--vocab", help="vocabulary for --corpus")
    args = parser.parse_args()

    config = BertConfig.from_preset(args.preset, vocab_size=args.vocab_size)
    batch = synthetic_batch(config, args.batch_size, args.seq_length, args.max_predictions)
    total = args.warmup_steps + args.rounds * args.steps
    keras.utils.set_random_seed(0)
    contenders = {
        "keras_bert BertPretrainer (MLM only)": ours(config, batch, False, total, args.jit_compile),
        "keras-hub BertMaskedLM": keras_hub_masked_lm(config, batch, total, args.jit_compile),
        "keras_bert BertPretrainer (MLM + NSP)": ours(config, batch, True, total, args.jit_compile),
    }
    for name, (model, dataset) in contenders.items():
        print(f"tracing + {args.warmup_steps} warm-up steps: {name} ({model.count_params():,} parameters)")
        time_steps(model, dataset, args.warmup_steps)
    best = {name: float("inf") for name in contenders}
    for round_index in range(args.rounds):
        for name, (model, dataset) in contenders.items():
            best[name] = min(best[name], time_steps(model, dataset, args.steps))
        print(f"round {round_index + 1}/{args.rounds} done")

    tokens = args.steps * args.batch_size * args.seq_length
    rates = {name: tokens / seconds for name, seconds in best.items()}
    print(
        f"\n{args.preset}, batch {args.batch_size}, seq {args.seq_length}, {args.max_predictions} predictions, "
        f"vocab {args.vocab_size}, {args.steps} timed steps x best of {args.rounds} rounds, "
        f"jit_compile={args.jit_compile}, {os.cpu_count()} CPUs (shared)"
    )
    for name, rate in rates.items():
        print(f"  {name:<40} {rate:>10,.0f} tokens/s  {rate / args.seq_length:>8,.1f} sequences/s")
    ratio = rates["keras_bert BertPretrainer (MLM only)"] / rates["keras-hub BertMaskedLM"]
    print(f"  ratio keras_bert (MLM only) / keras-hub: {ratio:.3f}")

    if args.corpus:
        if not args.vocab:
            parser.error("--corpus needs --vocab")
        rate = input_pipeline_rate(args.corpus, args.vocab, args.seq_length, args.batch_size, args.max_predictions, 50)
        consumed = rates["keras_bert BertPretrainer (MLM + NSP)"] / args.seq_length
        print(f"  input pipeline alone: {rate:,.0f} instances/s; the model consumes {consumed:,.1f}/s "
              f"({rate / consumed:.1f}x headroom)")


if __name__ == "__main__":
    main()
