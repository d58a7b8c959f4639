"""Serving from raw strings: texts/s at batch 32 and batch-1 latency, keras_bert vs keras-hub vs
Hugging Face, with MFU for the batched figure.

Every contender takes a batch of Python strings, tokenizes and packs them to at most seq 128
(Google's uncased English vocabulary, lowercased), runs the same architecture (random weights,
tanh GELU, from `BertConfig.from_preset`), the [CLS] pooler and a 2-class dense layer, and hands
back the class probabilities and the arg-max as numpy. keras_bert and Hugging Face pad each
batch to its longest text rounded up to a multiple of 8 (keras_bert's export always does; for
`tokenizers` it is `enable_padding(pad_to_multiple_of=8)`, the way its users pad); keras-hub's
preprocessor can only pad to 128. Two variants are timed in the same rounds and stored under
`variants`: Hugging Face padded to 128, and keras_bert exported with `jit_compile=True`.

- keras_bert: the SavedModel `export_saved_model` writes for a `BertClassifier` with its
  defaults (TF Serving's op set, no XLA), loaded back with `tf.saved_model.load` (what a
  serving process runs), its `classify` method; the variant exports with
  `serving_compatible=False, jit_compile=True` (fast WordPiece, the encoder and head under XLA,
  compiled per batch shape in the untimed warm-up round);
- keras-hub: `BertTextClassifierPreprocessor` + `BertBackbone` + a `Dense` layer, softmax and
  arg-max in one `tf.function` (not exported: the most keras-hub can do in-process);
- Hugging Face: `tokenizers.BertWordPieceTokenizer.encode_batch` (RAYON_NUM_THREADS threads,
  truncation to 128), then `transformers.BertForSequenceClassification` on torch in `torch.inference_mode()` with
  `torch.set_num_threads` equal to TensorFlow's thread count (eager PyTorch, its default
  attention implementation).

No XLA elsewhere (tokenization ops are not XLA-compilable). Texts are SST-2 dev sentences.

    python -m benchmarks.serving --preset bert_tiny --out records.json [--quick]
"""

import os
import tempfile

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from benchmarks import common, timing  # noqa: E402

BATCH_SIZE = 32
NUM_CLASSES = 2
VOCAB_FILE = "google_uncased_en_vocab.txt"
HIDDEN_ACT = "gelu_approx"
PAD_MULTIPLE = 8  # keras_bert's export rounds each batch's longest text up to this
HF_PADDED_128 = "huggingface_padded_128"
KB_XLA = "keras_bert_jit_compile"
VARIANTS = {  # timed in the same rounds, shown beside their side's figure
    KB_XLA: ("keras_bert", "jit_compile=True (XLA; not for TF Serving)"),
    HF_PADDED_128: ("huggingface", "padded to 128"),
}


def keras_bert_classify(config, vocab, folder, **export_options):
    """The one place this benchmark builds a keras_bert task model."""
    import keras
    import tensorflow as tf
    import tensorflow_text  # noqa: F401  (registers the tokenizer's ops for the loaded model)

    from keras_bert import BertClassifier, BertEncoder, BertTokenizer, export_saved_model

    keras.utils.set_random_seed(0)  # the same weights for every export
    classifier = BertClassifier(BertEncoder(config), num_classes=NUM_CLASSES, seq_length=common.SEQ_LENGTH)
    tokenizer = BertTokenizer.from_vocab_file(vocab, lowercase=True)
    path = os.path.join(folder, "saved_model_" + "_".join(export_options))
    export_saved_model(classifier, path, tokenizer=tokenizer, **export_options)
    served = tf.saved_model.load(path)

    def classify(batch):
        outputs = served.classify(tf.constant(batch))
        return outputs["probabilities"].numpy(), outputs["label_ids"].numpy()

    return classify


def keras_hub_classify(config, vocab):
    import keras
    import keras_hub
    import tensorflow as tf

    tokenizer = keras_hub.models.BertTokenizer(vocabulary=str(vocab), lowercase=True)
    preprocessor = keras_hub.models.BertTextClassifierPreprocessor(tokenizer, sequence_length=common.SEQ_LENGTH)
    backbone = common.keras_hub_backbone(config)  # inference: dropout is off either way
    dense = keras.layers.Dense(NUM_CLASSES)

    @tf.function(input_signature=[tf.TensorSpec([None], tf.string)])
    def serve(texts):
        pooled = backbone(preprocessor(texts), training=False)["pooled_output"]
        probabilities = tf.nn.softmax(dense(pooled))
        return probabilities, tf.argmax(probabilities, axis=-1, output_type=tf.int32)

    def classify(batch):
        probabilities, label_ids = serve(tf.constant(batch))
        return probabilities.numpy(), label_ids.numpy()

    return classify


def hugging_face_classify(config, vocab, pad_to_longest=True):
    try:
        import tokenizers
        import torch
        import transformers
    except ImportError as error:
        raise common.Skip(f"Hugging Face side needs tokenizers, torch and transformers: {error}")
    tokenizer = tokenizers.BertWordPieceTokenizer(str(vocab), lowercase=True)
    tokenizer.enable_truncation(common.SEQ_LENGTH)
    if pad_to_longest:
        tokenizer.enable_padding(pad_to_multiple_of=PAD_MULTIPLE)
    else:
        tokenizer.enable_padding(length=common.SEQ_LENGTH)
    model = transformers.BertForSequenceClassification(
        transformers.BertConfig(
            vocab_size=config.vocab_size,
            hidden_size=config.hidden_size,
            num_hidden_layers=config.num_hidden_layers,
            num_attention_heads=config.num_attention_heads,
            intermediate_size=config.intermediate_size,
            max_position_embeddings=config.max_position_embeddings,
            type_vocab_size=config.type_vocab_size,
            hidden_act="gelu_pytorch_tanh",
            num_labels=NUM_CLASSES,
        )
    ).eval()

    def classify(batch):
        encodings = tokenizer.encode_batch(batch)
        with torch.inference_mode():
            logits = model(
                input_ids=torch.tensor([e.ids for e in encodings]),
                attention_mask=torch.tensor([e.attention_mask for e in encodings]),
                token_type_ids=torch.tensor([e.type_ids for e in encodings]),
            ).logits
            probabilities = torch.softmax(logits, dim=-1)
            return probabilities.numpy(), probabilities.argmax(dim=-1).numpy()

    return classify


def batched_round(classify, batches):
    def run():
        for batch in batches:
            probabilities, _ = classify(batch)
            assert len(probabilities) == len(batch), probabilities.shape
        return sum(len(batch) for batch in batches)

    return run


def single_round(classify, texts):
    def run():
        for text in texts:
            classify([text])
        return len(texts)

    return run


def main():
    parser = common.argument_parser(__doc__.splitlines()[0])
    parser.add_argument("--preset", required=True)
    parser.add_argument("--texts", type=int, help="texts per batched round (default 256 quick, 1,024 full)")
    parser.add_argument("--single-texts", type=int, help="batch-1 calls per round (default 16 quick, 64 full)")
    args = parser.parse_args()
    common.configure_threads(args.threads, torch_too=True)

    from keras_bert import BertConfig

    vocab = common.require(args.data / "vocab" / VOCAB_FILE)
    sentences = common.read_tsv_column(args.data / "sst2" / "alps_dev.tsv", "sentence")
    count = args.texts or (256 if args.quick else 1024)
    single_count = args.single_texts or (16 if args.quick else 64)
    texts = common.cycle_to(sentences, count)
    batches = [texts[start:start + BATCH_SIZE] for start in range(0, len(texts), BATCH_SIZE)]
    singles = common.cycle_to(sentences[count:] or sentences, single_count)
    config = BertConfig.from_preset(args.preset, vocab_size=30522, hidden_act=HIDDEN_ACT)

    with tempfile.TemporaryDirectory() as folder:
        classifiers = {
            "keras_bert": keras_bert_classify(config, vocab, folder),
            KB_XLA: keras_bert_classify(config, vocab, folder, serving_compatible=False, jit_compile=True),
            "keras_hub": keras_hub_classify(config, vocab),
        }
        try:
            classifiers["huggingface"] = hugging_face_classify(config, vocab)
            classifiers[HF_PADDED_128] = hugging_face_classify(config, vocab, pad_to_longest=False)
        except common.Skip as skip:
            common.log(f"serving: Hugging Face skipped ({skip})")
        contenders = {f"batch/{name}": batched_round(run, batches) for name, run in classifiers.items()}
        contenders |= {f"single/{name}": single_round(run, singles) for name, run in classifiers.items()}
        common.log(f"serving {args.preset}: {count} texts in batches of {BATCH_SIZE} and {single_count} "
                   f"single texts per round, {args.rounds} timed rounds")
        contenders[common.PEAK_CONTENDER] = common.matmul_peak_round()
        per_unit = timing.interleaved_rounds(contenders, args.rounds, args.warmup, log=common.log)
    peak_rates = timing.rates({common.PEAK_CONTENDER: per_unit.pop(common.PEAK_CONTENDER)})[common.PEAK_CONTENDER]
    throughput = {name: timing.summarise(values) for name, values in timing.rates(per_unit).items()}
    latency = {name: timing.summarise(values) for name, values in timing.milliseconds(per_unit).items()}
    env = common.environment(args.threads)
    base = {
        "preset": args.preset,
        "layers": config.num_hidden_layers,
        "hidden_size": config.hidden_size,
        "vocab_size": config.vocab_size,
        "vocabulary": VOCAB_FILE,
        "hidden_act": "tanh GELU on all three",
        "seq_length": common.SEQ_LENGTH,
        "texts": "SST-2 dev sentences",
        "xla": "off, except the keras_bert jit_compile variant",
        "rounds": args.rounds,
        "warmup_rounds": args.warmup,
        "quick": args.quick,
    }
    setups = {
        "keras_bert": "export_saved_model(BertClassifier) reloaded with tf.saved_model.load, .classify(strings)",
        "keras_hub": "BertTextClassifierPreprocessor + BertBackbone + Dense, softmax, arg-max in one tf.function",
        "huggingface": "tokenizers.BertWordPieceTokenizer.encode_batch (truncation to 128, padding to the batch's longest rounded up to 8) + transformers.BertForSequenceClassification, torch.inference_mode, torch threads = TF threads",
    }

    def pick(summaries, prefix):
        return {name: summaries.get(f"{prefix}/{name}") for name in ("keras_bert", *common.PEERS)}

    def variants(summaries, prefix):
        return {"variants": {
            name: {"side": side, "label": label, "median": summary["median"],
                   "spread": summary["spread"], "rounds": summary["rounds"]}
            for name, (side, label) in VARIANTS.items()
            if (summary := summaries.get(f"{prefix}/{name}")) is not None
        }}

    batch_summaries = pick(throughput, "batch")
    import numpy as np

    # Useful work is the real tokens' (padding, whether to 128 or to the batch's longest, is
    # not), so MFU counts each text's forward pass at its own length, the same for every side.
    from keras_bert import BertTokenizer

    lengths = BertTokenizer.from_vocab_file(str(vocab)).encode(
        texts, seq_length=common.SEQ_LENGTH)["input_mask"].numpy().sum(axis=1)
    flops = float(np.mean([common.classifier_forward_flops(config, int(n), NUM_CLASSES)
                           for n in lengths]))
    base = base | {"mean_real_tokens": round(float(lengths.mean()), 1),
                   "mfu_counts": "each text's forward FLOPs at its real length (padding excluded)"}
    records = [
        common.make_record(
            f"serving/{args.preset}/batch_{BATCH_SIZE}",
            base | {"batch_size": BATCH_SIZE, "texts_per_round": count},
            "texts/s",
            batch_summaries,
            setups,
            env,
            mfu=common.mfu_record(flops, {k: v for k, v in batch_summaries.items() if v}, peak_rates),
            extra=variants(throughput, "batch"),
        ),
        common.make_record(
            f"serving/{args.preset}/batch_1_latency",
            base | {"batch_size": 1, "calls_per_round": single_count},
            "ms per text",
            pick(latency, "single"),
            setups,
            env,
            higher_is_better=False,
            extra=variants(latency, "single"),
        ),
    ]
    common.write_records(args.out, records)


if __name__ == "__main__":
    common.run_comparison(main)
