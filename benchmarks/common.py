"""What every comparison shares: arguments, threads, the environment record, the matrix-multiply
peak, model FLOPs counted from a `BertConfig`, the real data, and the result record."""

import argparse
import csv
import json
import os
import platform
import subprocess
import sys
import time
from importlib import metadata
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DATA = REPO_ROOT.parent / "shared" / "data"
SEQ_LENGTH = 128
PEERS = ("keras_hub", "huggingface")
VERSIONED_PACKAGES = (
    "tensorflow", "tensorflow-text", "keras", "keras-hub", "tokenizers", "torch", "transformers", "numpy",
)


SKIP_EXIT_CODE = 3


class Skip(Exception):
    """A comparison that cannot run here (missing data or package): reported, not an error."""


def run_comparison(main):
    """Run a comparison's `main`; a `Skip` exits with SKIP_EXIT_CODE and its reason."""
    try:
        main()
    except Skip as skip:
        log(f"SKIPPED: {skip}")
        sys.exit(SKIP_EXIT_CODE)


def log(message):
    print(message, file=sys.stderr, flush=True)


# Arguments ------------------------------------------------------------------------------


def argument_parser(description):
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--out", type=Path, required=True, help="write the records (JSON list) here")
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--threads", type=int, default=os.cpu_count())
    parser.add_argument("--rounds", type=int, default=5, help="timed rounds per contender")
    parser.add_argument("--warmup", type=int, default=1, help="untimed rounds per contender")
    parser.add_argument("--quick", action="store_true", help="fewer units per round")
    return parser


def write_records(path, records):
    Path(path).write_text(json.dumps(records, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


class TorchBertRecipe:
    """BERT's fine-tuning recipe for a torch model, as Hugging Face trains it: AdamW (weight
    decay 0.01 except biases and LayerNorm weights, epsilon 1e-6), linear warm-up over 10 % of
    `steps` then linear decay to 0, gradient norm clipped at 1.0. `step(loss)` is one update."""

    def __init__(self, model, learning_rate, steps):
        import torch
        from transformers import get_linear_schedule_with_warmup

        no_decay = ("bias", "LayerNorm.weight")
        named = list(model.named_parameters())
        groups = [
            {"params": [p for n, p in named if not any(k in n for k in no_decay)],
             "weight_decay": 0.01},
            {"params": [p for n, p in named if any(k in n for k in no_decay)],
             "weight_decay": 0.0},
        ]
        self.model = model
        self.optimizer = torch.optim.AdamW(groups, lr=learning_rate, eps=1e-6)
        self.schedule = get_linear_schedule_with_warmup(self.optimizer, int(0.1 * steps), steps)

    def step(self, loss):
        import torch

        loss.backward()
        torch.nn.utils.clip_grad_norm_(self.model.parameters(), 1.0)
        self.optimizer.step()
        self.schedule.step()
        self.optimizer.zero_grad()


def timing_settings(args, steps, jit_compile, parameters):
    """What every training-speed record states about how it was timed, and on what model."""
    return {
        "precision": "float32",
        "jit_compile": jit_compile,
        "steps_per_round": steps,
        "rounds": args.rounds,
        "warmup_rounds": args.warmup,
        "parameters": parameters,
        "quick": args.quick,
    }


def report_results(results, out=None):
    """Print a one-off benchmark's results as JSON, and write them to `out` when given."""
    text = json.dumps(results, indent=2, ensure_ascii=False, default=str)
    print(text)
    if out:
        Path(out).write_text(text + "\n", encoding="utf-8")


# Threads and environment ----------------------------------------------------------------


def configure_threads(threads, torch_too=False):
    """The same thread count for TensorFlow, Hugging Face `tokenizers` (Rayon) and torch.

    Call before any of them has run an op: TensorFlow fixes its pools at first use, Rayon
    reads RAYON_NUM_THREADS when its pool starts.
    """
    os.environ["RAYON_NUM_THREADS"] = str(threads)
    os.environ["TOKENIZERS_PARALLELISM"] = "true"
    import tensorflow as tf

    tf.config.threading.set_intra_op_parallelism_threads(threads)
    tf.config.threading.set_inter_op_parallelism_threads(threads)
    if torch_too:
        import torch

        torch.set_num_threads(threads)
        torch.set_num_interop_threads(threads)


def environment(threads):
    """Versions, CPU and threads, as the record's `environment`."""
    import tensorflow as tf

    versions = {"python": platform.python_version()}
    for package in VERSIONED_PACKAGES:
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            versions[package] = None
    versions["keras_bert"] = _keras_bert_version()
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as cpuinfo:
            cpu = next(line.split(":", 1)[1].strip() for line in cpuinfo if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    threads_record = {
        "requested": threads,
        "tensorflow_intra_op": tf.config.threading.get_intra_op_parallelism_threads(),
        "tensorflow_inter_op": tf.config.threading.get_inter_op_parallelism_threads(),
        "RAYON_NUM_THREADS": os.environ.get("RAYON_NUM_THREADS"),
    }
    if "torch" in sys.modules:
        threads_record["torch"] = sys.modules["torch"].get_num_threads()
    return {
        "versions": versions,
        "cpu": cpu,
        "cpu_count": os.cpu_count(),
        "cpus_usable": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None,
        "threads": threads_record,
        "load_average_1min": round(os.getloadavg()[0], 2),
        "platform": platform.platform(),
        "date": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }


def _keras_bert_version():
    import keras_bert

    version = keras_bert.__version__
    try:
        commit = subprocess.run(
            ["git", "-C", str(REPO_ROOT), "rev-parse", "--short", "HEAD"],
            capture_output=True, text=True, timeout=10,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", str(REPO_ROOT), "status", "--porcelain", "--", "keras_bert"],
            capture_output=True, text=True, timeout=10,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return version
    if commit:
        version += f" (git {commit}{', keras_bert/ modified' if dirty else ''})"
    return version


# Matrix-multiply peak and model FLOPs ----------------------------------------------------


PEAK_CONTENDER = "matmul_peak"


def matmul_peak_round(size=2048, calls=2):
    """A timing-round callable: `calls` [size, size] float32 matmuls in a TensorFlow
    tf.function on the configured threads; its units are FLOPs, so its rate is FLOP/s.

    Timed as one more contender in the interleaved rounds, so the peak is measured under
    the same load as the models; the best round is the peak, the denominator of MFU.
    """
    import tensorflow as tf

    a = tf.random.normal([size, size], dtype=tf.float32)
    b = tf.random.normal([size, size], dtype=tf.float32)
    matmul = tf.function(lambda x, y: tf.reduce_sum(tf.linalg.matmul(x, y)[:1, :1]))
    matmul(a, b).numpy()

    def run():
        for _ in range(calls):
            matmul(a, b).numpy()
        return calls * 2.0 * size**3

    return run


def keras_hub_backbone(config, dropout=0.0):
    """keras-hub's `BertBackbone` with the architecture of our `BertConfig` (the peer model)."""
    import keras_hub

    return keras_hub.models.BertBackbone(
        vocabulary_size=config.vocab_size,
        num_layers=config.num_hidden_layers,
        num_heads=config.num_attention_heads,
        hidden_dim=config.hidden_size,
        intermediate_dim=config.intermediate_size,
        dropout=dropout,
        max_sequence_length=config.max_position_embeddings,
        num_segments=config.type_vocab_size,
    )


def encoder_forward_flops(config, seq_length):
    """Matrix-multiply FLOPs (2 per multiply-add) of the transformer blocks on one sequence:
    Q, K, V and output projections, the feed-forward pair, and the two [seq, seq] attention
    products. Embedding lookups, softmax, LayerNorm and activations are not counted."""
    hidden, intermediate = config.hidden_size, config.intermediate_size
    per_token = 2 * (4 * hidden * hidden + 2 * hidden * intermediate)
    attention = 2 * 2 * seq_length * seq_length * hidden
    return config.num_hidden_layers * (seq_length * per_token + attention)


def masked_lm_head_forward_flops(config, predictions):
    """The masked-LM head on `predictions` positions: its [H, H] transform and the output
    projection onto the vocabulary (tied to the word embeddings)."""
    hidden = config.hidden_size
    return predictions * (2 * hidden * hidden + 2 * hidden * config.vocab_size)


def classifier_forward_flops(config, seq_length, num_classes):
    """Encoder, the [CLS] pooler and the class projection, one text."""
    hidden = config.hidden_size
    return encoder_forward_flops(config, seq_length) + 2 * hidden * hidden + 2 * hidden * num_classes


FLOPS_COUNTED = (
    "matrix-multiply FLOPs (2 per multiply-add) counted from the config: per layer the Q/K/V/"
    "output projections, the feed-forward pair and both [seq, seq] attention products over all "
    "seq positions (padding included), plus the heads; training = 3 x forward"
)


# Real data ------------------------------------------------------------------------------


def read_tsv_column(path, column):
    path = Path(path)
    if not path.exists():
        raise Skip(f"{path} is absent")
    with open(path, encoding="utf-8", newline="") as tsv_file:
        rows = csv.reader(tsv_file, delimiter="\t", quoting=csv.QUOTE_NONE)
        header = next(rows)
        return [row[header.index(column)] for row in rows]


def require(path):
    path = Path(path)
    if not path.exists():
        raise Skip(f"{path} is absent")
    return path


def cycle_to(texts, count):
    """The first `count` texts, repeating the list when it is shorter."""
    texts = list(texts)
    while len(texts) < count:
        texts += texts
    return texts[:count]


# Records --------------------------------------------------------------------------------


def make_record(benchmark, config, unit, summaries, setups, env, higher_is_better=True, mfu=None,
                extra=None):
    """One result record. `summaries`: {"keras_bert" | "keras_hub" | "huggingface": timing.summarise(...)}."""
    from benchmarks.timing import SPREAD_MEASURE

    def median(name):
        return summaries[name]["median"] if summaries.get(name) else None

    record = {
        "benchmark": benchmark,
        "config": config,
        "unit": unit,
        "higher_is_better": higher_is_better,
        "keras_bert": median("keras_bert"),
        "peers": {peer: median(peer) for peer in PEERS},
        "spread": {"measure": SPREAD_MEASURE}
        | {name: summary["spread"] for name, summary in summaries.items() if summary},
        "rounds": {name: summary["rounds"] for name, summary in summaries.items() if summary},
        "setups": setups,
        "mfu": mfu,
        "environment": env,
    }
    if extra:
        record.update(extra)
    return record


def mfu_record(flops_per_unit, summaries, peak_rates):
    """MFU of each contender: median units/s x model FLOPs per unit / matmul peak.

    `peak_rates`: the FLOP/s of each timed round of the matmul contender; the best is the peak.
    """
    peak = max(peak_rates)
    return {
        name: summary["median"] * flops_per_unit / peak
        for name, summary in summaries.items()
        if summary
    } | {
        "model_flops_per_unit": flops_per_unit,
        "matmul_peak_gflops": peak / 1e9,
        "matmul_median_gflops": sorted(peak_rates)[len(peak_rates) // 2] / 1e9,
        "counted": FLOPS_COUNTED,
        "peak": "best round of 2 x [2048, 2048] float32 tf.linalg.matmul, timed as one more "
                "contender in the same interleaved rounds (same process, threads and load)",
    }
