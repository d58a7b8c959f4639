"""Raw strings → named entities with character offsets, all inside one TensorFlow graph.

The body of `BertTokenTagger.tag` and of the exported SavedModel's `tag` signature, so a
served tagger needs nothing but TensorFlow and tf-text. The steps are those of
`BertTokenTagger.predict_entities` (the Python path), written as tensor operations:

1. word pieces with their character offsets (`tokenization.offsets`);
2. texts longer than one window are split into overlapping windows (`graph_windows`), all
   windows of the batch run through the model together, and each word is read from the window
   where it has the most context;
3. the tag of each word is the one decoded (argmax, or the CRF's Viterbi path over the
   window's words) at its first piece;
4. BIO tags become entities as conlleval reads them: one starts at B-X, or at I-X after O or
   another type; it spans its words' characters, so `text[start:end] == entity_text`.

`entity_scores` is the mean, over the entity's words, of the softmax probability of the
predicted tag (for a CRF tagger: of its per-word emission scores, not CRF marginals).
"""

import tensorflow as tf

from keras_bert.data import tag_schemes
from keras_bert.data.labelled import trim_batch_padding
from keras_bert.tasks import graph_windows
from keras_bert.tokenization import offsets

# The outputs, each [texts, max entities] (padded: "" and -1), plus num_entities [texts].
OUTPUT_NAMES = (
    "entity_types", "entity_texts", "entity_starts", "entity_ends", "entity_scores",
    "num_entities",
)


def bio_tables(tag_names):
    """(entity types, type id of each tag (-1 for O), whether each tag is a B- tag)."""
    types = tag_schemes.entity_types_of(tag_names)
    type_ids, begins = [], []
    for index, name in enumerate(tag_names):
        prefix, entity_type = tag_schemes.split_tag(name, index, "BI")
        type_ids.append(types.index(entity_type) if entity_type is not None else -1)
        begins.append(prefix == "B")
    return types, type_ids, begins


def tag_texts(tagger, tokenizer, texts, seq_length, stride=None):
    """[batch] strings → dict of the `OUTPUT_NAMES` tensors (see the module docstring).

    Args:
        tagger: a `BertTokenTagger` (its `decode` and `tag_names` are used).
        tokenizer: the tagger's `BertTokenizer` (for export: its serving-compatible twin).
        texts: a [batch] string tensor.
        seq_length: window length in word pieces, [CLS] and [SEP] included.
        stride: pieces between window starts (default: half a window, as in training).
    """
    texts = tf.strings.unicode_transcode(
        texts, input_encoding="UTF-8", output_encoding="UTF-8", errors="replace",
        replacement_char=0xFFFD,
    )
    pieces = offsets.wordpieces_with_offsets(tokenizer, texts)
    ids = pieces["ids"]
    flat_ids = ids.flat_values
    flat_words = pieces["words"].flat_values
    piece_text = tf.cast(ids.value_rowids(), tf.int32)
    piece_total = tf.size(flat_ids)
    row_start = tf.cast(ids.row_starts(), tf.int32)
    position = tf.range(piece_total)
    previous_word = tf.concat([[-1], flat_words[:-1]], axis=0)
    first = tf.equal(position, tf.gather(row_start, piece_text)) | tf.not_equal(
        flat_words, previous_word
    )

    # Windows of [CLS] pieces… [SEP], all texts' windows in one batch.
    room = seq_length - 2
    spans = graph_windows.window_spans(
        ids.row_lengths(), room, stride or max(1, room // 2)
    )
    slot = tf.range(seq_length)[tf.newaxis, :]  # position in the window; pieces at 1 … length
    length = spans["length"][:, tf.newaxis]
    valid = (slot >= 1) & (slot <= length)
    piece = tf.gather(row_start, spans["text"])[:, tf.newaxis] + spans["start"][:, tf.newaxis]
    piece = tf.where(valid, piece + slot - 1, piece_total)  # piece_total: a padding slot
    padded_ids = tf.concat([flat_ids, [tokenizer.pad_id]], axis=0)
    word_ids = tf.gather(padded_ids, piece)
    word_ids = tf.where(tf.equal(slot, 0), tokenizer.cls_id, word_ids)
    word_ids = tf.where(tf.equal(slot, length + 1), tokenizer.sep_id, word_ids)
    inputs = trim_batch_padding({
        "input_word_ids": word_ids,
        "input_mask": tf.cast(slot <= length + 1, tf.int32),
        "input_type_ids": tf.zeros_like(word_ids),
    })
    width = tf.shape(inputs["input_mask"])[1]
    valid, piece = valid[:, :width], piece[:, :width]
    window_first = tf.gather(tf.concat([first, [False]], axis=0), piece) & valid

    logits = tf.cast(tagger(inputs, training=False), tf.float32)
    tags = tf.cast(tagger.decode(logits, window_first), tf.int32)
    probabilities = tf.gather(tf.nn.softmax(logits), tags, batch_dims=2)

    score = graph_windows.context_scores(spans["length"], tf.range(width)[tf.newaxis, :] - 1)
    owned = graph_windows.owned_positions(piece, valid, score, piece_total)
    owned_piece = tf.boolean_mask(piece, owned)[:, tf.newaxis]
    piece_tags = tf.scatter_nd(owned_piece, tf.boolean_mask(tags, owned), [piece_total])
    piece_probability = tf.scatter_nd(
        owned_piece, tf.boolean_mask(probabilities, owned), [piece_total]
    )

    # Words: tagged at their first piece, spanning all their pieces' characters.
    word_of_piece = tf.cumsum(tf.cast(first, tf.int32)) - 1
    word_total = tf.reduce_sum(tf.cast(first, tf.int32))
    word_start = tf.math.unsorted_segment_min(
        pieces["starts"].flat_values, word_of_piece, word_total
    )
    word_end = tf.math.unsorted_segment_max(pieces["ends"].flat_values, word_of_piece, word_total)
    word_text = tf.boolean_mask(piece_text, first)
    word_tag = tf.boolean_mask(piece_tags, first)
    word_probability = tf.boolean_mask(piece_probability, first)

    # conlleval's chunks over each text's words.
    types, type_ids, begins = bio_tables(tagger.tag_names)
    word_type = tf.gather(tf.constant(type_ids, tf.int32), word_tag)
    is_begin = tf.gather(tf.constant(begins, tf.bool), word_tag)
    previous_type = tf.concat([[-1], word_type[:-1]], axis=0)
    previous_text = tf.concat([[-1], word_text[:-1]], axis=0)
    inside = word_type >= 0
    opens = inside & (
        is_begin | tf.not_equal(previous_type, word_type) | tf.not_equal(previous_text, word_text)
    )
    entity_of_word = tf.boolean_mask(tf.cumsum(tf.cast(opens, tf.int32)) - 1, inside)
    entity_total = tf.reduce_sum(tf.cast(opens, tf.int32))
    entity_start = tf.math.unsorted_segment_min(
        tf.boolean_mask(word_start, inside), entity_of_word, entity_total
    )
    entity_end = tf.math.unsorted_segment_max(
        tf.boolean_mask(word_end, inside), entity_of_word, entity_total
    )
    entity_score = tf.math.unsorted_segment_mean(
        tf.boolean_mask(word_probability, inside), entity_of_word, entity_total
    )
    entity_row = tf.boolean_mask(word_text, opens)
    entity_type = tf.gather(tf.constant(types, tf.string), tf.boolean_mask(word_type, opens))
    entity_text = tf.strings.substr(
        tf.gather(texts, entity_row), entity_start, entity_end - entity_start, unit="UTF8_CHAR"
    )

    batch = tf.size(texts, out_type=tf.int64)
    row_ids = tf.cast(entity_row, tf.int64)

    def per_text(values, padding):
        ragged = tf.RaggedTensor.from_value_rowids(values, row_ids, nrows=batch)
        return ragged.to_tensor(default_value=padding)

    counts = tf.math.bincount(entity_row, minlength=tf.size(texts), maxlength=tf.size(texts))
    return {
        "entity_types": per_text(entity_type, ""),
        "entity_texts": per_text(entity_text, ""),
        "entity_starts": per_text(entity_start, -1),
        "entity_ends": per_text(entity_end, -1),
        "entity_scores": per_text(entity_score, 0.0),
        "num_entities": tf.cast(counts, tf.int32),
    }


def single_text(outputs):
    """The outputs for a batch of one text, without the batch axis."""
    return {name: value[0] for name, value in outputs.items()}
