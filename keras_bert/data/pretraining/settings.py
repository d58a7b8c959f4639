"""Checks of the pretraining-data settings, made once, before any text is read.

A bad setting found after minutes of tokenisation wastes the user's time; an absurd one
(a mask rate of 1.5) would otherwise produce data that trains nothing. Each check raises a
one-line ValueError naming the setting and the valid range.
"""

import math
from keras_bert.errors import KerasBertError

# [CLS] A [SEP] B [SEP] needs 3 special tokens and at least one token of each segment.
MIN_SEQ_LENGTH = 5


def default_max_predictions(seq_length, masked_lm_prob=0.15):
    """Prediction slots per sequence that never cut the mask rate: `masked_lm_prob` of
    `seq_length`, rounded up (20 at 128, as Google's BERT pairs them; 10 at 64). More slots
    only cost output-layer work on padding; fewer mask long sequences below the rate."""
    return max(1, math.ceil(round(seq_length * masked_lm_prob, 6)))


def mask_cap_note(seq_length, max_predictions, masked_lm_prob=0.15):
    """A sentence saying which sequences the prediction slots mask below the rate, or None."""
    # A sequence of n tokens wants round(n * rate) masks, rounding half to even (masking.py).
    lengths = range(1, seq_length + 1)
    capped_from = next((n for n in lengths if round(n * masked_lm_prob) > max_predictions), None)
    if capped_from is None:
        return None
    return (
        f"max_predictions={max_predictions} caps the masks: sequences of more than "
        f"{capped_from - 1} tokens get fewer than {masked_lm_prob:.0%} of their tokens masked; {seq_length}-token "
        f"sequences need {default_max_predictions(seq_length, masked_lm_prob)}, the default when none is given."
    )


def _is_int(value):
    return isinstance(value, int) and not isinstance(value, bool)


def validate_pretraining_settings(
    seq_length,
    max_predictions,
    masked_lm_prob=0.15,
    short_seq_prob=0.1,
    dupe_factor=1,
    max_position_embeddings=512,
):
    if not _is_int(seq_length) or seq_length < MIN_SEQ_LENGTH:
        raise KerasBertError(
            f"seq_length must be an integer >= {MIN_SEQ_LENGTH} ([CLS] A [SEP] B [SEP]), got {seq_length!r}."
        )
    if not _is_int(max_position_embeddings) or max_position_embeddings <= 0:
        raise KerasBertError(f"max_position_embeddings must be a positive integer, got {max_position_embeddings!r}.")
    if seq_length > max_position_embeddings:
        raise KerasBertError(
            f"seq_length {seq_length} exceeds the model's max_position_embeddings "
            f"{max_position_embeddings}; use a shorter sequence or a config with more positions."
        )
    if not isinstance(masked_lm_prob, (int, float)) or not 0.0 < masked_lm_prob < 1.0:
        raise KerasBertError(f"masked_lm_prob (the mask rate) must be in (0, 1), got {masked_lm_prob!r}.")
    if not _is_int(max_predictions) or max_predictions <= 0:
        raise KerasBertError(
            f"max_predictions must be a positive integer, got {max_predictions!r}."
        )
    if max_predictions > seq_length:
        raise KerasBertError(
            f"max_predictions ({max_predictions}) cannot exceed seq_length ({seq_length})."
        )
    if not isinstance(short_seq_prob, (int, float)) or not 0.0 <= short_seq_prob <= 1.0:
        raise KerasBertError(f"short_seq_prob must be in [0, 1], got {short_seq_prob!r}.")
    if not _is_int(dupe_factor) or dupe_factor <= 0:
        raise KerasBertError(f"dupe_factor must be a positive integer, got {dupe_factor!r}.")
