"""`vocab.txt`: read, write and check it. The one module for this file in keras_bert.

One WordPiece token per line; the line number (from 0) is the token's id. Every format shares
the file (Google's checkpoints, Hugging Face folders, our model folders, the vocabulary
trainer's output), so all of them read and write it here.

Reading follows Google's `tokenization.load_vocab` (see `keras_bert.text_files.read_lines`):
split on "\\n" only, each token stripped of surrounding whitespace, and a final newline adds
no token. Every other line is a token, blank ones included, as Google gives them ids: a blank
line in the middle is an empty token, and a file ending in extra blank lines has one empty
token per extra line. Such a vocabulary then no longer matches its config's `vocab_size`,
which `check_vocabulary_size` reports, naming the blank lines at the end.
"""

from keras_bert.errors import KerasBertError
from keras_bert.text_files import read_lines, write_lines

PAD_TOKEN = "[PAD]"
UNK_TOKEN = "[UNK]"
CLS_TOKEN = "[CLS]"
SEP_TOKEN = "[SEP]"
MASK_TOKEN = "[MASK]"

# Every BERT model needs these: padding, unknown words, sequence start, segment end and the
# masked-LM mask. Our own vocabularies put them first, in this order (ids 0-4).
SPECIAL_TOKENS = (PAD_TOKEN, UNK_TOKEN, CLS_TOKEN, SEP_TOKEN, MASK_TOKEN)

WHAT = "vocabulary file"


def read_vocabulary(path):
    """The tokens of a `vocab.txt`, index = id, read as Google's `load_vocab` reads them.

    Raises:
        MissingFileError: no file at `path`.
        KerasBertError: the file is not UTF-8, or holds no token (empty or only blank lines).
    """
    tokens = read_lines(path, WHAT)
    if not any(tokens):
        raise KerasBertError(
            f"Vocabulary file {path} is empty"
            + (f" (only {len(tokens)} blank line(s))" if tokens else "")
            + ": it must hold one WordPiece token per line."
        )
    return tokens


def write_vocabulary(tokens, path):
    """Write one token per line (UTF-8, "\\n" line ends), the format `read_vocabulary` reads.

    A token holding a line break is a `KerasBertError` (it would shift every later id).
    """
    write_lines(path, tokens, "token")


def check_special_tokens(tokens, source="the vocabulary"):
    """Raise KerasBertError naming every special token missing from `tokens` and where from."""
    present = set(tokens)
    missing = [token for token in SPECIAL_TOKENS if token not in present]
    if missing:
        raise KerasBertError(
            f"{source} lacks the special token(s) {', '.join(missing)}; a BERT vocabulary "
            f"needs all of {', '.join(SPECIAL_TOKENS)}"
        )


def check_vocabulary_size(tokens, config, source):
    """The vocabulary must match the embedding table, or every id after a gap is wrong."""
    if len(tokens) == config.vocab_size:
        return
    trailing_blanks = _count_trailing_blanks(tokens)
    hint = (
        f" (its last {trailing_blanks} line(s) are blank, and each line of a vocab.txt is a "
        "token, as in Google's BERT: delete the blank lines at the end)"
        if trailing_blanks and len(tokens) - trailing_blanks == config.vocab_size
        else ""
    )
    raise KerasBertError(
        f"{source}: the vocabulary has {len(tokens)} tokens but the config's vocab_size is "
        f"{config.vocab_size}; they must be equal{hint}."
    )


def _count_trailing_blanks(tokens):
    count = 0
    for token in reversed(list(tokens)):
        if token != "":
            break
        count += 1
    return count
