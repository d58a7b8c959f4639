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


def lowercase_from_vocabulary(vocabulary):
    """False when any ordinary word piece has an upper-case letter ([CLS]-style tokens aside)."""
    for token in vocabulary:
        if token.startswith("[") and token.endswith("]"):
            continue
        if token.startswith("<") and token.endswith(">"):
            continue
        if any(character.isupper() for character in token):
            return False
    return True
