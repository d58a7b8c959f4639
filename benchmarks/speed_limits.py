"""What bounds the speed ratios that `python -m benchmarks` reports: two measurements.

1. The matmul ceiling of a pretraining step. One masked-LM train step of a preset (batch 32,
   seq 128, 20 masked positions), reduced to its matrix multiplies alone: each forward
   product at the step's own shapes (Q/K/V/output projections, feed-forward pair, both
   attention products, the masked-LM transform and vocabulary projection) and its two
   backward products. Run as one tf.function, that step's tokens/s is what any TensorFlow
   implementation would reach if softmax, LayerNorm, GELU, dropout, gathers and the optimizer
   cost nothing: the most keras_bert can gain over keras-hub without doing fewer FLOPs.
2. TensorFlow's float32 GEMM against torch's at the same shapes and threads, interleaved: the
   serving comparison with Hugging Face is mostly these products.

    python benchmarks/speed_limits.py --presets bert_mini bert_small --threads 2
"""

import argparse
import json
import os
import statistics
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

BATCH_SIZE, SEQ_LENGTH, PREDICTIONS, VOCAB_SIZE = 32, 128, 20, 30522
# Rows x inner x columns: the square peak, bert_small's [tokens, H] products at a batch of
# 32 texts of 48 tokens, bert_tiny's feed-forward, and one text's rows.
GEMM_SHAPES = ((2048, 2048, 2048), (1536, 512, 512), (1536, 512, 2048), (1536, 2048, 512),
               (1536, 128, 512), (32, 512, 512))


def forward_products(config):
    """(batch dims, rows, inner, columns) of every matrix product in one forward pass."""
    tokens = BATCH_SIZE * SEQ_LENGTH
    hidden, heads = config.hidden_size, config.num_attention_heads
    per_layer = [((), tokens, hidden, hidden)] * 4 + [
        ((), tokens, hidden, config.intermediate_size),
        ((), tokens, config.intermediate_size, hidden),
        ((BATCH_SIZE * heads,), SEQ_LENGTH, hidden // heads, SEQ_LENGTH),
        ((BATCH_SIZE * heads,), SEQ_LENGTH, SEQ_LENGTH, hidden // heads),
    ]
    masked = BATCH_SIZE * PREDICTIONS
    return per_layer * config.num_hidden_layers + [
        ((), masked, hidden, hidden), ((), masked, hidden, VOCAB_SIZE)]


def matmul_ceiling(preset, rounds):
    import tensorflow as tf

    from keras_bert import BertConfig

    config = BertConfig.from_preset(preset, vocab_size=VOCAB_SIZE)
    operands = [
        (tf.random.normal(batch + (rows, inner)), tf.random.normal(batch + (inner, cols)),
         tf.random.normal(batch + (rows, cols)))
        for batch, rows, inner, cols in forward_products(config)
    ]

    @tf.function
    def products_only():
        total = tf.constant(0.0)
        for x, w, dy in operands:  # y = x w, dx = dy w^T, dw = x^T dy
            for product in (tf.matmul(x, w), tf.matmul(dy, w, transpose_b=True),
                            tf.matmul(x, dy, transpose_a=True)):
                total += tf.reduce_sum(product[..., :1, :1])
        return total

    products_only().numpy()
    seconds = []
    for _ in range(rounds):
        start = time.perf_counter()
        products_only().numpy()
        seconds.append(time.perf_counter() - start)
    flops = sum(3 * 2 * rows * inner * cols * (batch[0] if batch else 1)
                for batch, rows, inner, cols in forward_products(config))
    median = statistics.median(seconds)
    return {"preset": preset, "matmul_only_step_seconds": round(median, 3),
            "spread": round((max(seconds) - min(seconds)) / median, 3),
            "matmul_gflop_per_step": round(flops / 1e9, 1),
            "gflop_per_second": round(flops / median / 1e9, 1),
            "tokens_per_second_if_only_matmuls": round(BATCH_SIZE * SEQ_LENGTH / median)}


def gemm_rates(rounds):
    import tensorflow as tf
    import torch

    rates = {}
    for rows, inner, cols in GEMM_SHAPES:
        a, b = tf.random.normal([rows, inner]), tf.random.normal([inner, cols])
        ta, tb = torch.randn(rows, inner), torch.randn(inner, cols)
        tf_matmul = tf.function(tf.matmul)
        tf_matmul(a, b)
        flops = 2 * rows * inner * cols
        repeats = max(3, int(2e10 / flops))
        runs = {"tensorflow": lambda: tf_matmul(a, b).numpy(), "torch": lambda: torch.matmul(ta, tb).numpy()}
        measured = {name: [] for name in runs}
        with torch.inference_mode():
            for _ in range(rounds):
                for name, run in runs.items():
                    start = time.perf_counter()
                    for _ in range(repeats):
                        run()
                    measured[name].append(flops * repeats / (time.perf_counter() - start) / 1e9)
        rates[f"{rows}x{inner}x{cols}"] = {name: round(statistics.median(v), 1) for name, v in measured.items()}
    return {"gflop_per_second_median": rates}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--presets", nargs="+", default=["bert_mini", "bert_small"])
    parser.add_argument("--threads", type=int, default=os.cpu_count())
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    import tensorflow as tf

    tf.config.threading.set_intra_op_parallelism_threads(args.threads)
    tf.config.threading.set_inter_op_parallelism_threads(args.threads)
    print(json.dumps({"threads": args.threads, "rounds": args.rounds}))
    for preset in args.presets:
        print(json.dumps(matmul_ceiling(preset, args.rounds)), flush=True)
    try:
        import torch
    except ImportError:
        print("torch is not installed: no GEMM comparison (pip install '.[interop]')")
        return
    torch.set_num_threads(args.threads)
    print(json.dumps(gemm_rates(args.rounds)))


if __name__ == "__main__":
    main()
