"""BERT pretraining on one GPU, mixed precision and XLA: sequences/s and MFU beside NVIDIA's figure.

Run where a GPU is lent (the CPU suite never needs it). keras_bert's `BertPretrainer` (masked
LM and next sentence, as BERT pretrains) trains on one in-memory batch of sequence 128 with 20
masked positions, through its own `train_step` in one `tf.function` with `jit_compile` (XLA),
under a Keras mixed-precision policy (float16 with loss scaling by default, or bfloat16). No
input pipeline or `fit()` loop is timed; tracing and XLA compilation are in the warm-up.

The reference: NVIDIA DeepLearningExamples, TensorFlow 2 BERT, pretraining phase 1 (sequence
128), BERT-Large on one A100 80GB with AMP and XLA: 485.6 sequences/s (their published
training-performance table). Their model is BERT-Large; `--preset bert_large` runs the same
architecture here, `bert_base` (the default) about a third of its FLOPs.

MFU = sequences/s x training FLOPs per sequence (3 x the forward matmul FLOPs of the encoder
and both heads, masked-LM output projection included, counted from the config) / the matmul
peak measured in the same process at the same precision (an [8192, 8192] matmul timed as one
more contender in the same interleaved rounds; its best round).

    python benchmarks/gpu_pretraining.py --preset bert_base --out gpu_pretraining.json
"""

import argparse
import json
import os
import statistics
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from benchmarks import common, timing  # noqa: E402
from benchmarks.pretraining import PREDICTIONS, VOCAB_SIZE, synthetic_batch  # noqa: E402

NVIDIA_REFERENCE = {
    "sequences_per_second": 485.6,
    "model": "BERT-Large",
    "hardware": "1x A100 80GB",
    "precision": "AMP (float16), XLA",
    "phase": "pretraining phase 1, sequence 128",
    "source": "NVIDIA DeepLearningExamples, TensorFlow2/LanguageModeling/BERT, README "
              "training performance table",
}
PEAK_SIZE = 8192


def pretraining_batch(config, batch_size):
    """`synthetic_batch`'s masked-LM inputs at `batch_size`, plus next-sentence labels."""
    import numpy as np

    rows = [synthetic_batch(config, seed=seed) for seed in range(-(-batch_size // 32))]
    batch = {key: np.concatenate([row[key] for row in rows])[:batch_size] for key in rows[0]}
    batch["next_sentence_labels"] = (np.arange(batch_size) % 2).astype("int32")
    return batch


def build_model(config, total_steps, jit_compile):
    from keras_bert import BertEncoder, BertPretrainer, create_optimizer

    model = BertPretrainer(BertEncoder(config), next_sentence=True)
    model.compile(optimizer=create_optimizer(total_steps, learning_rate=1e-4), jit_compile=jit_compile)
    return model


def train_round(model, batch, jit_compile, steps, losses):
    """A round of `steps` train steps on the in-memory batch (units: sequences); each round's
    last loss is appended to `losses` (a run whose loss turns NaN under float16 shows it)."""
    import tensorflow as tf

    x_keys = ("input_word_ids", "input_mask", "input_type_ids", "masked_lm_positions")
    data = tf.nest.map_structure(tf.constant, (
        {key: batch[key] for key in x_keys},
        {key: batch[key] for key in ("masked_lm_ids", "masked_lm_weights", "next_sentence_labels")},
    ))
    model.train_step(data)  # eager once: optimizer slots and metrics outside the trace
    step = tf.function(model.train_step, jit_compile=jit_compile)
    batch_size = int(batch["input_word_ids"].shape[0])

    def run():
        for _ in range(steps):
            logs = step(data)
        losses.append(float(logs["loss"]))  # the round ends when its last step has
        return steps * batch_size

    return run


def matmul_peak_round(dtype, size=PEAK_SIZE, calls=10):
    """FLOP/s contender: `calls` [size, size] matmuls at the training precision."""
    import tensorflow as tf

    a = tf.cast(tf.random.normal([size, size]), dtype)
    b = tf.cast(tf.random.normal([size, size]), dtype)
    matmul = tf.function(lambda x, y: tf.reduce_sum(tf.cast(tf.linalg.matmul(x, y)[:1, :1], tf.float32)))
    matmul(a, b).numpy()

    def run():
        for _ in range(calls):
            result = matmul(a, b)
        result.numpy()
        return calls * 2.0 * size**3

    return run


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--preset", default="bert_base")
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--precision", choices=("mixed_float16", "mixed_bfloat16", "float32"),
                        default="mixed_float16")
    parser.add_argument("--jit-compile", choices=("on", "off"), default="on")
    parser.add_argument("--steps", type=int, default=20, help="train steps per timed round")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--warmup", type=int, default=1)
    parser.add_argument("--peak-size", type=int, default=PEAK_SIZE,
                        help="side of the peak-measuring matmul (smaller for a CPU smoke run)")
    parser.add_argument("--out", help="write the record (JSON) here")
    args = parser.parse_args()

    import keras
    import tensorflow as tf

    from keras_bert import BertConfig

    gpus = tf.config.list_physical_devices("GPU")
    common.log(f"GPUs: {[gpu.name for gpu in gpus] or 'none (this run measures the CPU)'}")
    keras.mixed_precision.set_global_policy(args.precision)
    jit_compile = args.jit_compile == "on"
    config = BertConfig.from_preset(args.preset, vocab_size=VOCAB_SIZE)
    batch = pretraining_batch(config, args.batch_size)
    keras.utils.set_random_seed(0)
    model = build_model(config, 2 + (args.warmup + args.rounds) * args.steps, jit_compile)
    compute_dtype = {"mixed_float16": tf.float16, "mixed_bfloat16": tf.bfloat16}.get(args.precision, tf.float32)
    losses = []
    contenders = {
        "keras_bert": train_round(model, batch, jit_compile, args.steps, losses),
        common.PEAK_CONTENDER: matmul_peak_round(compute_dtype, size=args.peak_size),
    }
    common.log(f"pretraining {args.preset}, batch {args.batch_size}, {args.precision}, "
               f"jit_compile={jit_compile}: {args.steps} steps per round, {args.rounds} timed rounds")
    started = time.perf_counter()
    rates = timing.rates(timing.interleaved_rounds(contenders, args.rounds, args.warmup, log=common.log))
    peak = max(rates.pop(common.PEAK_CONTENDER))
    sequences = rates["keras_bert"]
    flops_per_sequence = 3 * (
        common.encoder_forward_flops(config, common.SEQ_LENGTH)
        + common.masked_lm_head_forward_flops(config, PREDICTIONS)
        + 2 * config.hidden_size * (config.hidden_size + 2)  # pooler and next-sentence head
    )
    median = statistics.median(sequences)
    record = {
        "benchmark": f"gpu_pretraining/{args.preset}",
        "config": {"preset": args.preset, "layers": config.num_hidden_layers,
                   "hidden_size": config.hidden_size, "batch_size": args.batch_size,
                   "seq_length": common.SEQ_LENGTH, "masked_positions": PREDICTIONS,
                   "precision": args.precision, "jit_compile": jit_compile,
                   "steps_per_round": args.steps, "rounds": args.rounds, "warmup": args.warmup,
                   "heads": "masked LM and next sentence"},
        "unit": "sequences/s",
        "keras_bert": timing.summarise(sequences),
        "mfu": {"keras_bert": median * flops_per_sequence / peak,
                "model_flops_per_sequence": flops_per_sequence,
                "matmul_peak_tflops": peak / 1e12,
                "peak": f"best round of [{args.peak_size}, {args.peak_size}] matmuls at {compute_dtype.name}, "
                        "timed as one more contender in the same rounds"},
        "loss_after_each_round": losses,
        "reference": NVIDIA_REFERENCE,
        "environment": {**common.environment(os.cpu_count()),
                        "gpus": [tf.config.experimental.get_device_details(gpu).get("device_name", gpu.name)
                                 for gpu in gpus]},
        "seconds": round(time.perf_counter() - started, 1),
    }
    print(f"\n{args.preset} pretraining, batch {args.batch_size}, seq {common.SEQ_LENGTH}, "
          f"{args.precision}, XLA {args.jit_compile}: {median:,.1f} sequences/s "
          f"(spread {record['keras_bert']['spread']:.1%}), MFU {record['mfu']['keras_bert']:.1%} "
          f"of a measured {peak / 1e12:,.2f} TFLOP/s matmul peak; loss {losses[0]:.3f} "
          f"after the first round, {losses[-1]:.3f} after the last")
    print(f"NVIDIA's published figure: {NVIDIA_REFERENCE['sequences_per_second']} sequences/s, "
          f"{NVIDIA_REFERENCE['model']} on {NVIDIA_REFERENCE['hardware']}, "
          f"{NVIDIA_REFERENCE['precision']} ({NVIDIA_REFERENCE['phase']})")
    if args.out:
        with open(args.out, "w", encoding="utf-8") as file:
            json.dump(record, file, indent=2)
            file.write("\n")


if __name__ == "__main__":
    main()
