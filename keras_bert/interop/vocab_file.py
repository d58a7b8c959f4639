"""Read and write `vocab.txt`: one WordPiece token per line, the line number is the id.

This is the file every format shares (Google's, Hugging Face's and ours). Like Google's
`tokenization.load_vocab`, surrounding whitespace of each line is stripped.
"""

import os


def read_vocab_file(path):
    if not os.path.isfile(path):
        raise FileNotFoundError(f"Vocabulary file not found: {path}")
    with open(path, encoding="utf-8") as file:
        tokens = [line.strip() for line in file]
    # A trailing newline at the end of the file is not an extra (empty) token.
    while tokens and tokens[-1] == "":
        tokens.pop()
    if not tokens:
        raise ValueError(f"Vocabulary file {path} is empty.")
    return tokens


def write_vocab_file(path, vocabulary):
    with open(path, "w", encoding="utf-8") as file:
        for token in vocabulary:
            file.write(f"{token}\n")


def check_vocabulary_size(vocabulary, config, source):
    """The vocabulary must match the embedding table, or every id after a gap is wrong."""
    if len(vocabulary) != config.vocab_size:
        raise ValueError(
            f"{source}: the vocabulary has {len(vocabulary)} tokens but the config's "
            f"vocab_size is {config.vocab_size}; they must be equal."
        )
