"""How good is a vocabulary `train_vocabulary` learns from the shared corpora?

For corpus/en and corpus/zh: every 10th line is held out, the vocabulary is trained on the
rest, and we report the time taken, the vocabulary size, and on the held-out lines the
fraction of tokens that are [UNK] and of lines holding at least one [UNK] — next to the
same figures for Google's released vocabulary of that language, for scale. Usage:

    python benchmarks/vocabulary_quality.py [--en-size 8000] [--zh-size 21128] [--data DIR]
"""

import argparse
import os
import tempfile
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from keras_bert.tokenization import BertTokenizer, train_vocabulary  # noqa: E402

DEFAULT_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
HELD_OUT_EVERY = 10


def split_lines(folder):
    train, held_out = [], []
    for path in sorted(folder.glob("*.txt")):
        lines = [line for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
        for index, line in enumerate(lines):
            (held_out if index % HELD_OUT_EVERY == 0 else train).append(line)
    return train, held_out


def unknown_rates(tokenizer, lines):
    """(fraction of tokens that are [UNK], fraction of lines with any [UNK], tokens)."""
    unknown = tokens = lines_with_unknown = 0
    for start in range(0, len(lines), 2048):
        for ids in tokenizer.tokenize(lines[start:start + 2048]).to_list():
            count = ids.count(tokenizer.unk_id)
            unknown += count
            tokens += len(ids)
            lines_with_unknown += count > 0
    return unknown / max(tokens, 1), lines_with_unknown / max(len(lines), 1), tokens


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--en-size", type=int, default=8000)
    parser.add_argument("--zh-size", type=int, default=21128)
    args = parser.parse_args()

    for language, size, google_vocab in (
        ("en", args.en_size, "google_uncased_en_vocab.txt"),
        ("zh", args.zh_size, "google_zh_vocab.txt"),
    ):
        train, held_out = split_lines(args.data / "corpus" / language)
        with tempfile.TemporaryDirectory() as folder:
            corpus_file = os.path.join(folder, "train.txt")
            with open(corpus_file, "w", encoding="utf-8") as file:
                file.write("\n".join(train) + "\n")
            started = time.perf_counter()
            vocabulary = train_vocabulary(
                [corpus_file], size=size, out_path=os.path.join(folder, "vocab.txt"), verbose=False
            )
            seconds = time.perf_counter() - started
        ours = BertTokenizer(vocabulary)
        google = BertTokenizer.from_vocab_file(args.data / "vocab" / google_vocab)
        token_rate, line_rate, tokens = unknown_rates(ours, held_out)
        google_token_rate, google_line_rate, google_tokens = unknown_rates(google, held_out)
        cjk = sum(1 for token in vocabulary if len(token) == 1 and 0x3400 <= ord(token) <= 0x9FFF)
        print(
            f"corpus/{language}: trained on {len(train)} lines in {seconds:.1f}s → {len(vocabulary)} "
            f"tokens (asked {size}; {cjk} CJK characters).\n"
            f"  held out {len(held_out)} lines: ours {tokens} tokens, [UNK] {token_rate:.4%} of "
            f"tokens, {line_rate:.2%} of lines;\n"
            f"  Google's {google.vocab_size}-token vocabulary: {google_tokens} tokens, [UNK] "
            f"{google_token_rate:.4%} of tokens, {google_line_rate:.2%} of lines."
        )


if __name__ == "__main__":
    main()
