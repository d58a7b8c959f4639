"""Tokenize + pack to seq 128 on real text, texts/s: keras_bert vs keras-hub vs Hugging Face.

Every contender gets the same batches of the same strings, the same vocabulary (Google's) and
lowercasing, and must hand back the three [batch, 128] int32 arrays (word ids, input mask,
type ids) as numpy. Two ways of running, one record each:

- "per batch": a Python loop calls one function per batch of Python strings.
  keras_bert: `BertTokenizer.encode` (its traced tf.function); keras-hub: its
  `BertTokenizer` + `MultiSegmentPacker` inside one `tf.function` (how a keras-hub user runs
  them outside eager mode); Hugging Face: `tokenizers.BertWordPieceTokenizer.encode_batch`
  (Rust, RAYON_NUM_THREADS threads).
- "tf.data": the same function as a `tf.data` `map` over batches (num_parallel_calls and
  prefetch AUTOTUNE), as training input pipelines run; a fresh iterator each round (no
  pipeline works in the background during the other contenders' rounds), timed from its
  first batch (starting an iterator, ~0.1-0.3 s here, is paid once per epoch, not per batch).
  Hugging Face has no tf.data path, so that record has no Hugging Face figure.

keras_bert's default WordPiece is one FastWordpieceTokenizer op that also splits the words;
its `wordpiece_implementation="lookup_table"` variant (string-op word splitting and the
lookup-table WordPiece op that TF Serving's tf-text has, what exports use) is timed in the
same rounds and stored under `variants`.

    python -m benchmarks.tokenization --dataset sst2 --out records.json [--quick]
"""

import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from benchmarks import common, timing  # noqa: E402

DATASETS = {
    "sst2": {
        "label": "SST-2 sentences (English)",
        "file": ("sst2", "alps_train.tsv"),
        "column": "sentence",
        "vocab": "google_uncased_en_vocab.txt",
    },
    "chnsenticorp": {
        "label": "ChnSentiCorp reviews (Chinese)",
        "file": ("chnsenticorp_uer", "train.tsv"),
        "column": "text_a",
        "vocab": "google_zh_vocab.txt",
    },
}
BATCH_SIZE = 512
SETUPS = {
    "keras_bert": "BertTokenizer(vocab, lowercase=True).encode(batch, seq_length=128), a traced tf.function (in tf.data: the map function); FastWordpieceTokenizer with its own word splitting, the default",
    "keras_hub": "keras_hub.tokenizers.BertTokenizer(vocab, lowercase=True) + layers.MultiSegmentPacker(128) in one tf.function (in tf.data: the map function), input_mask = ids != [PAD]",
    "huggingface": "tokenizers.BertWordPieceTokenizer(vocab, lowercase=True).encode_batch, truncation and padding to 128, RAYON_NUM_THREADS = the thread count (no tf.data path)",
}
KERAS_HUB_DIFFERENCE = (
    "keras-hub lowercases with tf-text's NFKC case folding, which also turns full-width "
    "punctuation and letters (，！Ａ) into ASCII; Google's tokenizer, ours and Hugging Face's keep it"
)


def ours_encode(vocab, implementation):
    from keras_bert import BertTokenizer

    tokenizer = BertTokenizer.from_vocab_file(vocab, lowercase=True, wordpiece_implementation=implementation)

    def encode(batch):
        return tokenizer.encode(batch, seq_length=common.SEQ_LENGTH)

    return encode


def keras_hub_encode(vocab):
    import keras_hub
    import tensorflow as tf

    tokenizer = keras_hub.tokenizers.BertTokenizer(vocabulary=str(vocab), lowercase=True)
    pad_id = tokenizer.token_to_id("[PAD]")
    packer = keras_hub.layers.MultiSegmentPacker(
        sequence_length=common.SEQ_LENGTH,
        start_value=tokenizer.token_to_id("[CLS]"),
        end_value=tokenizer.token_to_id("[SEP]"),
        pad_value=pad_id,
    )

    @tf.function(input_signature=[tf.TensorSpec([None], tf.string)])
    def encode(batch):
        token_ids, segment_ids = packer(tokenizer(batch))
        return {
            "input_word_ids": token_ids,
            "input_mask": tf.cast(tf.not_equal(token_ids, pad_id), tf.int32),
            "input_type_ids": segment_ids,
        }

    return encode


def hugging_face_encode(vocab):
    import numpy as np
    import tokenizers

    tokenizer = tokenizers.BertWordPieceTokenizer(str(vocab), lowercase=True)
    tokenizer.enable_truncation(common.SEQ_LENGTH)
    tokenizer.enable_padding(length=common.SEQ_LENGTH)

    def encode(batch):
        encodings = tokenizer.encode_batch(batch)
        return {
            "input_word_ids": np.array([e.ids for e in encodings], np.int32),
            "input_mask": np.array([e.attention_mask for e in encodings], np.int32),
            "input_type_ids": np.array([e.type_ids for e in encodings], np.int32),
        }

    return encode


def per_batch_round(encode, batches, to_tensor):
    import tensorflow as tf

    def run():
        for batch in batches:
            features = encode(tf.constant(batch) if to_tensor else batch)
            for value in features.values():
                value.numpy() if hasattr(value, "numpy") else value
        return sum(len(batch) for batch in batches)

    return run


def tf_data_round(encode, texts):
    import tensorflow as tf

    dataset = (
        tf.data.Dataset.from_tensor_slices(texts)
        .batch(BATCH_SIZE)
        .map(encode, num_parallel_calls=tf.data.AUTOTUNE)
        .prefetch(tf.data.AUTOTUNE)
    )

    def run():
        # A fresh iterator per round, so no pipeline keeps working (and filling its buffers)
        # while the other contenders run. Starting one costs ~0.1-0.3 s here, paid once per
        # epoch in training: the clock starts when the first batch has arrived.
        iterator = dataset.as_numpy_iterator()
        first = next(iterator)
        started = time.perf_counter()
        units = 0
        for batch in iterator:
            units += len(batch["input_word_ids"])
        seconds = time.perf_counter() - started
        return units or len(first["input_word_ids"]), seconds

    return run


def agreement(reference, other, texts):
    """Fraction of rows whose input_word_ids equal keras_bert's (same work, checked)."""
    import numpy as np

    ours = np.asarray(reference(texts)["input_word_ids"])
    theirs = other(texts)["input_word_ids"]
    theirs = np.asarray(theirs.numpy() if hasattr(theirs, "numpy") else theirs)
    return float((ours == theirs).all(axis=1).mean())


def main():
    parser = common.argument_parser(__doc__.splitlines()[0])
    parser.add_argument("--dataset", choices=sorted(DATASETS), required=True)
    parser.add_argument("--texts", type=int, help="texts per round (default 4,096 quick, 65,536 full: rounds of a second or more, so a short stall of a shared machine moves the median little)")
    args = parser.parse_args()
    common.configure_threads(args.threads)

    spec = DATASETS[args.dataset]
    vocab = common.require(args.data / "vocab" / spec["vocab"])
    count = args.texts or (4096 if args.quick else 65536)
    texts = common.cycle_to(common.read_tsv_column(args.data.joinpath(*spec["file"]), spec["column"]), count)
    batches = [texts[start:start + BATCH_SIZE] for start in range(0, len(texts), BATCH_SIZE)]

    encoders = {
        "keras_bert": ours_encode(vocab, "fast"),
        "keras_bert_lookup_table": ours_encode(vocab, "lookup_table"),
        "keras_hub": keras_hub_encode(vocab),
        "huggingface": hugging_face_encode(vocab),
    }
    sample = texts[:BATCH_SIZE]
    agree = {name: agreement(encoders["keras_bert"], encoders[name], sample) for name in encoders if name != "keras_bert"}
    tf_encoders = ("keras_bert", "keras_bert_lookup_table", "keras_hub")
    contenders = {f"per batch/{name}": per_batch_round(encoders[name], batches, name in tf_encoders) for name in encoders}
    contenders |= {f"tf.data/{name}": tf_data_round(encoders[name], texts) for name in tf_encoders}

    common.log(f"tokenization {args.dataset}: {count} texts per round, {args.rounds} timed rounds")
    per_unit = timing.interleaved_rounds(contenders, args.rounds, args.warmup, log=common.log)
    summaries = {name: timing.summarise(values) for name, values in timing.rates(per_unit).items()}
    env = common.environment(args.threads)

    records = []
    for mode, mode_text in (
        ("per batch", "a Python loop calls one function per batch of Python strings"),
        ("tf.data", "tf.data map over batches, num_parallel_calls and prefetch AUTOTUNE, a fresh iterator per round, timed from its first batch"),
    ):
        mode_summaries = {
            name: summaries.get(f"{mode}/{name}") for name in ("keras_bert", "keras_hub", "huggingface")
        }
        lookup_table = summaries[f"{mode}/keras_bert_lookup_table"]
        config = {
            "dataset": spec["label"],
            "data_file": "/".join(spec["file"]),
            "texts_per_round": count,
            "batch_size": BATCH_SIZE,
            "seq_length": common.SEQ_LENGTH,
            "vocabulary": spec["vocab"],
            "lowercase": True,
            "mode": mode,
            "how": mode_text,
            "rounds": args.rounds,
            "warmup_rounds": args.warmup,
            "quick": args.quick,
            "rows_with_ids_equal_to_keras_bert": agree,
        }
        if agree["keras_hub"] < 0.99:
            config["note"] = KERAS_HUB_DIFFERENCE
        records.append(
            common.make_record(
                f"tokenize_pack/{args.dataset}/{mode.replace(' ', '_')}",
                config,
                "texts/s",
                mode_summaries,
                SETUPS,
                env,
                extra={
                    "variants": {
                        "keras_bert_lookup_table": {
                            "label": 'wordpiece_implementation="lookup_table" (exports)',
                            "median": lookup_table["median"],
                            "spread": lookup_table["spread"],
                            "rounds": lookup_table["rounds"],
                        }
                    }
                },
            )
        )
    common.write_records(args.out, records)


if __name__ == "__main__":
    common.run_comparison(main)
