"""A pure-Python statement of Google's BERT tokenizer semantics, used as a test oracle.

Written from the behaviour specified by google-research/bert `tokenization.py` (BasicTokenizer +
WordpieceTokenizer) so that the in-graph tokenizer can be compared against it on any input,
including every Unicode code point. It is deliberately simple and slow.
"""

import unicodedata

MAX_INPUT_CHARS_PER_WORD = 200


def is_whitespace(char):
    """Google maps \\t \\n \\r and category Zs to a space in its clean-text step."""
    return char in " \t\n\r" or unicodedata.category(char) == "Zs"


def is_control(char):
    """Any category C* character except \\t \\n \\r is dropped."""
    if char in "\t\n\r":
        return False
    return unicodedata.category(char).startswith("C")


def is_punctuation(char):
    """ASCII non-alphanumeric printables count as punctuation, plus every category P*."""
    code = ord(char)
    if 33 <= code <= 47 or 58 <= code <= 64 or 91 <= code <= 96 or 123 <= code <= 126:
        return True
    return unicodedata.category(char).startswith("P")


CJK_RANGES = (
    (0x4E00, 0x9FFF),
    (0x3400, 0x4DBF),
    (0x20000, 0x2A6DF),
    (0x2A700, 0x2B73F),
    (0x2B740, 0x2B81F),
    (0x2B820, 0x2CEAF),
    (0xF900, 0xFAFF),
    (0x2F800, 0x2FA1F),
)


def is_cjk(char):
    code = ord(char)
    return any(low <= code <= high for low, high in CJK_RANGES)


def basic_tokenize(text, lowercase=True):
    """Google's BasicTokenizer.tokenize: a list of words (str)."""
    cleaned = []
    for char in text:
        if ord(char) in (0, 0xFFFD) or is_control(char):
            continue
        cleaned.append(" " if is_whitespace(char) else char)
    spaced = "".join(f" {c} " if is_cjk(c) else c for c in cleaned)
    words = []
    for token in spaced.split():
        if lowercase:
            token = token.lower()
            token = "".join(
                c for c in unicodedata.normalize("NFD", token)
                if unicodedata.category(c) != "Mn"
            )
        current = []
        for char in token:
            if is_punctuation(char):
                if current:
                    words.append("".join(current))
                    current = []
                words.append(char)
            else:
                current.append(char)
        if current:
            words.append("".join(current))
    return " ".join(words).split()


def wordpiece_tokenize(words, vocab, unk="[UNK]"):
    """Greedy longest-match-first WordPiece; one `unk` for a word that cannot be covered."""
    pieces = []
    for word in words:
        if len(word) > MAX_INPUT_CHARS_PER_WORD:
            pieces.append(unk)
            continue
        start, word_pieces = 0, []
        while start < len(word):
            end = len(word)
            match = None
            while start < end:
                candidate = word[start:end] if start == 0 else "##" + word[start:end]
                if candidate in vocab:
                    match = candidate
                    break
                end -= 1
            if match is None:
                word_pieces = [unk]
                break
            word_pieces.append(match)
            start = end
        pieces.extend(word_pieces)
    return pieces


def full_tokenize(text, vocab, lowercase=True):
    """Google's FullTokenizer.tokenize: word pieces as strings."""
    words = []
    for word in basic_tokenize(text, lowercase):
        words.extend(word.split())
    return wordpiece_tokenize(words, vocab)
