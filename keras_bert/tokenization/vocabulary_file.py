"""Reading and writing `vocab.txt` files and checking they hold BERT's special tokens.

Kept apart from the tokenizer because the vocabulary trainer writes the same format and the
CLI reports the same errors.
"""

import os

PAD_TOKEN = "[PAD]"
UNK_TOKEN = "[UNK]"
CLS_TOKEN = "[CLS]"
SEP_TOKEN = "[SEP]"
MASK_TOKEN = "[MASK]"

# Every BERT model needs these: padding, unknown words, sequence start, segment end and the
# masked-LM mask. Our own vocabularies put them first, in this order (ids 0-4).
SPECIAL_TOKENS = (PAD_TOKEN, UNK_TOKEN, CLS_TOKEN, SEP_TOKEN, MASK_TOKEN)


def read_vocabulary(path):
    """The tokens of a `vocab.txt`, one per line, index = id.

    Follows Google's `load_vocab`: lines are split on "\\n" only (a token may itself be an
    exotic Unicode line separator) and each token is stripped of surrounding whitespace. A
    final newline does not add an empty token.
    """
    with open(os.fspath(path), encoding="utf-8", newline="") as vocab_file:
        lines = vocab_file.read().split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return [line.strip() for line in lines]


def write_vocabulary(tokens, path):
    """Write one token per line (UTF-8, "\\n" line ends), the format `read_vocabulary` reads."""
    with open(os.fspath(path), "w", encoding="utf-8", newline="") as vocab_file:
        for token in tokens:
            vocab_file.write(token + "\n")


def check_special_tokens(tokens, source="the vocabulary"):
    """Raise ValueError naming every special token missing from `tokens` and where from."""
    present = set(tokens)
    missing = [token for token in SPECIAL_TOKENS if token not in present]
    if missing:
        raise ValueError(
            f"{source} lacks the special token(s) {', '.join(missing)}; a BERT vocabulary "
            f"needs all of {', '.join(SPECIAL_TOKENS)}"
        )
