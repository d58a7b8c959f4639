"""Where keras_bert's time goes, op type by op type: the profile behind the ratios that miss.

Runs one of keras_bert's timed paths under TensorFlow's profiler and sums the time its
executor threads spend in each op type (MatMul, Mul, FastWordpieceTokenizeWithOffsets, ...),
per call. The totals are CPU time on the executor threads, so with 2 threads they can add
up to more than the wall time of a call; the profiler itself slows small ops down, so read
the shares, not the absolute figures.

- `serving`: the exported `classify` (benchmarks/serving.py's keras_bert side, TF Serving's
  op set, no XLA) on batches of SST-2 dev sentences, `--batch-size` 32 or 1.
- `tokenizer`: `BertTokenizer.encode` (benchmarks/tokenization.py's keras_bert side) on
  batches of 512 SST-2 training sentences.

    python benchmarks/op_profile.py serving --preset bert_tiny --threads 2
    python benchmarks/op_profile.py tokenizer --threads 2
"""

import argparse
import collections
import glob
import os
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks import common  # noqa: E402

# Op types grouped for the summary line; the rest is "other".
MATRIX_PRODUCTS = {"MatMul", "_FusedMatMul", "BatchMatMulV2", "Einsum", "_MklMatMul", "_MklFusedMatMul"}
# Ops whose span holds other ops' spans (function calls, control flow): counting them too
# would count their insides twice.
CONTAINERS = {"StatefulPartitionedCall", "PartitionedCall", "If", "StatelessIf", "While", "StatelessWhile"}
ELEMENTWISE_AND_LAYOUT = {
    "Mul", "AddV2", "Sub", "Square", "SquaredDifference", "BiasAdd", "Mean", "Softmax", "SelectV2",
    "Tanh", "Sigmoid", "Rsqrt", "AddN", "Transpose", "Neg", "Erfc", "Cast", "Pow",
}


def serving_call(preset, batch_size, data, folder):
    """The exported classify of benchmarks/serving.py and the batches it is called on."""
    from benchmarks import serving
    from keras_bert import BertConfig

    config = BertConfig.from_preset(preset, vocab_size=30522, hidden_act=serving.HIDDEN_ACT)
    classify = serving.keras_bert_classify(config, data / "vocab" / serving.VOCAB_FILE, folder)
    sentences = common.read_tsv_column(data / "sst2" / "alps_dev.tsv", "sentence")
    count = 640 if batch_size > 1 else 64
    texts = common.cycle_to(sentences, count)
    return classify, [texts[start:start + batch_size] for start in range(0, count, batch_size)]


def tokenizer_call(data):
    """benchmarks/tokenization.py's keras_bert encode and 16 batches of 512 SST-2 sentences."""
    import tensorflow as tf

    from benchmarks import tokenization

    spec = tokenization.DATASETS["sst2"]
    encode = tokenization.ours_encode(data / "vocab" / spec["vocab"], "fast")
    texts = common.cycle_to(common.read_tsv_column(data.joinpath(*spec["file"]), spec["column"]), 8192)
    batches = [texts[start:start + tokenization.BATCH_SIZE] for start in range(0, len(texts), tokenization.BATCH_SIZE)]

    def call(batch):
        return {name: value.numpy() for name, value in encode(tf.constant(batch)).items()}

    return call, batches


def op_times(call, batches, folder):
    """{op type: (milliseconds per call, ops per call)} summed over the executor threads."""
    import tensorflow as tf

    for batch in batches:  # trace, compile and warm the caches outside the profile
        call(batch)
    tf.profiler.experimental.start(folder)
    for batch in batches:
        call(batch)
    tf.profiler.experimental.stop()
    from tensorflow.tsl.profiler.protobuf import xplane_pb2

    space = xplane_pb2.XSpace()
    space.ParseFromString(Path(glob.glob(f"{folder}/**/*.xplane.pb", recursive=True)[0]).read_bytes())
    picoseconds, counts = collections.Counter(), collections.Counter()
    for plane in space.planes:
        names = {key: metadata.name for key, metadata in plane.event_metadata.items()}
        for line in plane.lines:
            if not line.name.startswith("tf_Compute"):
                continue
            for event in line.events:
                name = names.get(event.metadata_id, "")
                if ":" not in name.replace("::", ""):  # the executor's own spans (ExecutorState::Process)
                    continue
                op_type = name.rsplit(":", 1)[1]  # "node name:op type"
                if op_type not in CONTAINERS:
                    picoseconds[op_type] += event.duration_ps
                    counts[op_type] += 1
    calls = len(batches)
    return {op: (picoseconds[op] / 1e9 / calls, counts[op] / calls) for op in picoseconds}


def report(times, top):
    total = sum(ms for ms, _ in times.values())
    print(f"{'op type':32s} {'ms/call':>8s} {'share':>6s} {'ops/call':>8s}")
    for op, (ms, count) in sorted(times.items(), key=lambda item: -item[1][0])[:top]:
        print(f"{op:32s} {ms:8.3f} {ms / total:6.1%} {count:8.1f}")
    groups = collections.Counter()
    for op, (ms, _) in times.items():
        group = ("matrix products" if op in MATRIX_PRODUCTS
                 else "elementwise and layout" if op in ELEMENTWISE_AND_LAYOUT else "other")
        groups[group] += ms
    print("total " + f"{total:.3f} ms/call: " + ", ".join(
        f"{group} {ms:.3f} ({ms / total:.0%})" for group, ms in groups.most_common()))
    return groups


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("what", choices=("serving", "tokenizer"))
    parser.add_argument("--preset", default="bert_tiny", help="serving: the architecture")
    parser.add_argument("--batch-size", type=int, default=32, help="serving: texts per call")
    parser.add_argument("--threads", type=int, default=os.cpu_count())
    parser.add_argument("--data", type=Path, default=common.DEFAULT_DATA)
    parser.add_argument("--top", type=int, default=20, help="op types listed")
    args = parser.parse_args()
    common.configure_threads(args.threads)

    with tempfile.TemporaryDirectory() as folder:
        if args.what == "serving":
            call, batches = serving_call(args.preset, args.batch_size, args.data, folder)
            print(f"serving {args.preset}: exported classify, batches of {args.batch_size}, {args.threads} threads")
        else:
            call, batches = tokenizer_call(args.data)
            print(f"tokenizer: BertTokenizer.encode, batches of 512 SST-2 sentences, {args.threads} threads")
        report(op_times(call, batches, os.path.join(folder, "profile")), args.top)


if __name__ == "__main__":
    main()
