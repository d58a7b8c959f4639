"""Whether a checkpoint's tokenizer lowercases, when its files do not say so outright.

Google's checkpoints record it only in their folder names (`uncased_L-12_H-768_A-12`,
`cased_L-12_H-768_A-12`, `multi_cased_...`); a lowercased vocabulary has no upper-case word
pieces, so the vocabulary itself is the evidence when the name is silent.
"""

import os


def lowercase_from_folder_name(path):
    """True for "...uncased...", False for "...cased...", None when the name says neither."""
    name = os.path.basename(os.path.normpath(path)).lower()
    if "uncased" in name:
        return True
    if "cased" in name:
        return False
    return None


# A cased English or multilingual vocabulary has thousands of pieces like "The" or "##A"; an
# uncased one may still keep a few symbols Unicode calls upper case (Google's uncased English
# vocabulary has "ℝ"), so only ASCII capitals count, and only several of them.
CASED_MIN_CAPITALISED_PIECES = 10


def lowercase_from_vocabulary(vocabulary):
    """False when the vocabulary has word pieces with ASCII capitals ([CLS]-style tokens aside)."""
    capitalised = 0
    for token in vocabulary:
        if (token.startswith("[") and token.endswith("]")) or (
            token.startswith("<") and token.endswith(">")
        ):
            continue
        if any("A" <= character <= "Z" for character in token):
            capitalised += 1
            if capitalised >= CASED_MIN_CAPITALISED_PIECES:
                return False
    return True
