"""Overlapping windows over texts longer than the model, computed inside a TensorFlow graph.

The in-graph twin of `data.tagging.windows` and `owning_window`, so that an exported model
handles a text of any length by itself: a text of `n` word pieces, with room for `room`
pieces per window, gets windows starting at 0, stride, 2·stride, … until one reaches the end;
each piece is then read from the window where it has the most context (BERT's
`_check_is_max_context`: the largest min(pieces left, pieces right) + 0.01 · window length,
the earliest window on a tie). Scores are kept as integers (×100) so ties are exact.

Everything is flat: window w belongs to text `text[w]` and covers its pieces
`start[w] … start[w] + length[w] - 1`.
"""

import tensorflow as tf


def window_spans(piece_counts, room, stride):
    """Windows of each text: dict of int32 [windows] `text`, `start`, `length`.

    Args:
        piece_counts: int [texts], pieces per text.
        room: int scalar or [texts], the most pieces a window of that text holds (≥ 1).
        stride: int scalar or [texts], pieces between the starts of consecutive windows.
    A text without pieces still gets one (empty) window, as `data.tagging.windows` does.
    """
    counts = tf.cast(piece_counts, tf.int32)
    room = tf.broadcast_to(tf.cast(room, tf.int32), tf.shape(counts))
    stride = tf.broadcast_to(tf.cast(stride, tf.int32), tf.shape(counts))
    overflow = tf.maximum(counts - room, 0)
    windows_per_text = (overflow + stride - 1) // stride + 1
    text = tf.repeat(tf.range(tf.size(counts), dtype=tf.int32), windows_per_text)
    index = tf.ragged.range(windows_per_text).flat_values
    start = index * tf.gather(stride, text)
    end = tf.minimum(start + tf.gather(room, text), tf.gather(counts, text))
    return {"text": text, "start": start, "length": end - start}


def context_scores(length, positions):
    """Integer max-context score of each window position ([windows, positions]; j = 0 is the
    window's first piece): 100 · min(pieces left, pieces right) + window length."""
    length = tf.cast(length, tf.int32)[:, tf.newaxis]
    positions = tf.cast(positions, tf.int32)
    return 100 * tf.minimum(positions, length - 1 - positions) + length


def owned_positions(piece, valid, score, piece_total):
    """Which window positions own their piece: [windows, positions] bool.

    Args:
        piece: [windows, positions] global index of the piece at each position.
        valid: [windows, positions] bool, positions holding a piece.
        score: [windows, positions] int `context_scores`.
        piece_total: the number of pieces (global indices are below it).
    """
    rows = tf.cast(tf.broadcast_to(tf.range(tf.shape(piece)[0])[:, tf.newaxis], tf.shape(piece)),
                   tf.int32)
    flat_piece = tf.boolean_mask(piece, valid)
    flat_score = tf.boolean_mask(score, valid)
    flat_row = tf.boolean_mask(rows, valid)
    best = tf.math.unsorted_segment_max(flat_score, flat_piece, piece_total)
    candidate = tf.equal(flat_score, tf.gather(best, flat_piece))
    no_window = tf.int32.max
    owner = tf.math.unsorted_segment_min(
        tf.where(candidate, flat_row, no_window), flat_piece, piece_total
    )
    # One extra slot, so that padding positions gather something even when there are no pieces.
    owner = tf.concat([owner, [-1]], axis=0)
    safe_piece = tf.where(valid, piece, piece_total)
    return valid & tf.equal(rows, tf.gather(owner, safe_piece))
