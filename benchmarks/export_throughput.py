"""Strings-in, pooled-output-out throughput: our exported SavedModel's `encode` vs keras-hub
(`BertTextClassifierPreprocessor` + `BertBackbone`) vs Hugging Face (`tokenizers` +
`transformers.BertModel` on torch, when installed), same architecture and vocabulary, in one
run, as texts/s and ratios.

Every contender gets the same batches of real SST-2 sentences (Google's uncased English
vocabulary), tokenizes them to seq_length 128 and returns the [batch, hidden] pooled output
as numpy. Weights are random (throughput does not depend on their values). Ours is timed
after `tf.saved_model.load` of the export, i.e. what a serving process runs. keras-hub's
backbone runs inside a `tf.function` (its fast path for a loop of batches); Hugging Face's
model in `torch.inference_mode()`. Usage:

    python benchmarks/export_throughput.py [--presets bert_tiny bert_base] [--texts N]
"""

import argparse
import csv
import os
import tempfile
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import tensorflow as tf  # noqa: E402
import tensorflow_text  # noqa: E402,F401

DEFAULT_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
SEQ_LENGTH = 128


def read_sentences(data_dir, count):
    with open(data_dir / "sst2" / "alps_dev.tsv", encoding="utf-8", newline="") as file:
        rows = csv.reader(file, delimiter="\t", quoting=csv.QUOTE_NONE)
        header = next(rows)
        sentences = [row[header.index("sentence")] for row in rows]
    while len(sentences) < count:
        sentences += sentences
    return sentences[:count]


def timed(run, texts, batch_size):
    """Texts per second of `run(batch)` over every batch, after one warm-up batch."""
    batches = [texts[start:start + batch_size] for start in range(0, len(texts), batch_size)]
    pooled = run(batches[0])
    assert pooled.shape == (len(batches[0]), pooled.shape[1]), pooled.shape
    started = time.perf_counter()
    for batch in batches:
        run(batch)
    return len(texts) / (time.perf_counter() - started)


def ours(config, vocab_file, folder):
    from keras_bert import BertEncoder, BertTokenizer, export_saved_model

    encoder = BertEncoder(config)
    tokenizer = BertTokenizer.from_vocab_file(vocab_file, lowercase=True)
    path = os.path.join(folder, "saved_model")
    export_saved_model(encoder, path, seq_length=SEQ_LENGTH, tokenizer=tokenizer)
    encode = tf.saved_model.load(path).signatures["encode"]

    def run(batch):
        return encode(text=tf.constant(batch))["pooled_output"].numpy()

    return run


def keras_hub_model(config, vocab_file):
    import keras_hub

    tokenizer = keras_hub.models.BertTokenizer(vocabulary=str(vocab_file), lowercase=True)
    preprocessor = keras_hub.models.BertTextClassifierPreprocessor(
        tokenizer, sequence_length=SEQ_LENGTH
    )
    backbone = keras_hub.models.BertBackbone(
        vocabulary_size=config.vocab_size,
        num_layers=config.num_hidden_layers,
        num_heads=config.num_attention_heads,
        hidden_dim=config.hidden_size,
        intermediate_dim=config.intermediate_size,
        max_sequence_length=config.max_position_embeddings,
        num_segments=config.type_vocab_size,
    )
    pooled = tf.function(lambda features: backbone(features, training=False)["pooled_output"])

    def run(batch):
        return pooled(preprocessor(tf.constant(batch))).numpy()

    return run


def hugging_face_model(config, vocab_file):
    try:
        import tokenizers
        import torch
        import transformers
    except ImportError:
        return None
    tokenizer = tokenizers.BertWordPieceTokenizer(str(vocab_file), lowercase=True)
    tokenizer.enable_truncation(SEQ_LENGTH)
    tokenizer.enable_padding(length=SEQ_LENGTH)
    model = transformers.BertModel(
        transformers.BertConfig(
            vocab_size=config.vocab_size,
            hidden_size=config.hidden_size,
            num_hidden_layers=config.num_hidden_layers,
            num_attention_heads=config.num_attention_heads,
            intermediate_size=config.intermediate_size,
            max_position_embeddings=config.max_position_embeddings,
        )
    ).eval()

    def run(batch):
        encodings = tokenizer.encode_batch(batch)
        inputs = {
            "input_ids": torch.tensor([e.ids for e in encodings]),
            "attention_mask": torch.tensor([e.attention_mask for e in encodings]),
            "token_type_ids": torch.tensor([e.type_ids for e in encodings]),
        }
        with torch.inference_mode():
            return model(**inputs).pooler_output.numpy()

    return run


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--presets", nargs="+", default=["bert_tiny", "bert_base"])
    parser.add_argument("--texts", type=int, nargs="+", default=[1024, 128],
                        help="texts timed per preset (one number, or one per preset)")
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    args = parser.parse_args()

    from keras_bert import BertConfig

    vocab_file = args.data / "vocab" / "google_uncased_en_vocab.txt"
    if not vocab_file.exists():
        raise SystemExit(f"Needs Google's vocabulary and SST-2 under {args.data}.")
    counts = args.texts * len(args.presets) if len(args.texts) == 1 else args.texts
    print(f"batch {args.batch_size}, seq_length {SEQ_LENGTH}, SST-2 dev sentences, "
          f"{os.cpu_count()} CPUs (load average {os.getloadavg()[0]:.1f} at start)")
    header = f"{'preset':<10}{'texts':>6}{'ours':>10}{'keras-hub':>11}{'HF torch':>10}" \
             f"{'ours/keras-hub':>16}{'ours/HF':>9}"
    print(header)
    print("-" * len(header))
    for preset, count in zip(args.presets, counts):
        config = BertConfig.from_preset(preset, vocab_size=30522)
        texts = read_sentences(args.data, count)
        with tempfile.TemporaryDirectory() as folder:
            ours_rate = timed(ours(config, vocab_file, folder), texts, args.batch_size)
        hub_rate = timed(keras_hub_model(config, vocab_file), texts, args.batch_size)
        hf_run = hugging_face_model(config, vocab_file)
        hf_rate = timed(hf_run, texts, args.batch_size) if hf_run else float("nan")
        print(f"{preset:<10}{count:>6}{ours_rate:>10.1f}{hub_rate:>11.1f}{hf_rate:>10.1f}"
              f"{ours_rate / hub_rate:>15.2f}x{ours_rate / hf_rate:>8.2f}x", flush=True)
    print("texts/s, higher is better; ratios > 1 mean ours is faster.")


if __name__ == "__main__":
    main()
