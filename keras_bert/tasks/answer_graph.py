"""Questions and passages (raw strings) → answers with character offsets, in one TensorFlow graph.

The body of `BertQuestionAnswerer.answer` and of the exported SavedModel's `answer` signature,
so a served model needs nothing but TensorFlow and tf-text, for contexts of any length. The
steps are those of the Python path (`data.squad.encode_qa_examples`, then
`tasks.answer_decoding.decode_spans`), written as tensor operations:

1. question word pieces (cut to `max_query_length`) and context word pieces with their
   character offsets (`tokenization.offsets`);
2. windows `[CLS] question [SEP] context window [SEP]` over the context, `doc_stride` pieces
   apart (`graph_windows`), all windows of the batch run through the model together;
3. per window, the `n_best` best starts among the pieces that have their most context there
   and the `n_best` best ends, paired into spans of 1 … `max_answer_length` pieces scored
   start + end logit; per question the spans of all windows sorted, repeated character spans
   dropped, the best `n_best` kept;
4. the answer is the best span's characters of the ORIGINAL context (`context[start:end] ==
   answer_text`); `score` is its share of the kept spans' softmax (with the null score when the
   model may answer nothing, which it does when null − best span score > its threshold).

Scores are float32 here (float64 in the Python path): spans whose scores tie to float32
precision may be ordered differently.
"""

import tensorflow as tf

from keras_bert.data.labelled import trim_batch_padding
from keras_bert.tasks import graph_windows
from keras_bert.tokenization import offsets

OUTPUT_NAMES = ("answer_text", "answer_start", "answer_end", "score")
_NEGATIVE = -1e30  # a score no real span reaches (instead of -inf: no NaN in differences)


def answer_texts(model, tokenizer, questions, contexts):
    """[batch] question and context strings → dict of [batch] tensors: `answer_text`,
    `answer_start`, `answer_end` (int32 characters of the context, end exclusive), `score`
    (float32), and `has_answer` (bool) for a model that may answer nothing.

    Args:
        model: a `BertQuestionAnswerer` (its window and decoding settings are used).
        tokenizer: its `BertTokenizer` (for export: the serving-compatible twin).
    """
    seq_length = model.window_length
    n_best, max_answer_length = model.n_best, model.max_answer_length
    contexts = tf.strings.unicode_transcode(
        contexts, input_encoding="UTF-8", output_encoding="UTF-8", errors="replace",
        replacement_char=0xFFFD,
    )
    question_ids = tokenizer.tokenize_batch(questions)[:, :model.max_query_length]
    question_length = tf.cast(question_ids.row_lengths(), tf.int32)
    pieces = offsets.wordpieces_with_offsets(tokenizer, contexts)
    context_ids = pieces["ids"]
    piece_total = tf.size(context_ids.flat_values)
    row_start = tf.cast(context_ids.row_starts(), tf.int32)

    # Windows: [CLS] question [SEP] context[start : start + length] [SEP].
    room = seq_length - question_length - 3
    spans = graph_windows.window_spans(
        context_ids.row_lengths(), room, tf.minimum(model.doc_stride, room)
    )
    example = spans["text"]
    slot = tf.range(seq_length)[tf.newaxis, :]
    q_length = tf.gather(question_length, example)[:, tf.newaxis]
    offset = q_length + 2  # the window's first context position
    length = spans["length"][:, tf.newaxis]
    in_question = (slot >= 1) & (slot <= q_length)
    in_context = (slot >= offset) & (slot < offset + length)
    question_position = tf.gather(
        tf.cast(question_ids.row_starts(), tf.int32), example
    )[:, tf.newaxis] + slot - 1
    question_values = tf.concat([question_ids.flat_values, [tokenizer.pad_id]], axis=0)
    question_total = tf.size(question_ids.flat_values)
    question_part = tf.gather(
        question_values, tf.where(in_question, question_position, question_total)
    )
    piece = tf.gather(row_start, example)[:, tf.newaxis] + spans["start"][:, tf.newaxis]
    piece = tf.where(in_context, piece + slot - offset, piece_total)
    context_values = tf.concat(
        [tf.cast(context_ids.flat_values, tf.int32), [tokenizer.pad_id]], axis=0
    )
    word_ids = tf.where(in_question, tf.cast(question_part, tf.int32),
                        tf.gather(context_values, piece))
    word_ids = tf.where(tf.equal(slot, 0), tokenizer.cls_id, word_ids)
    word_ids = tf.where(
        tf.equal(slot, q_length + 1) | tf.equal(slot, offset + length), tokenizer.sep_id, word_ids
    )
    inputs = trim_batch_padding({
        "input_word_ids": word_ids,
        "input_mask": tf.cast(slot <= offset + length, tf.int32),
        "input_type_ids": tf.cast(in_context | tf.equal(slot, offset + length), tf.int32),
    })
    width = tf.shape(inputs["input_mask"])[1]
    in_context, piece = in_context[:, :width], piece[:, :width]
    logits = tf.cast(model(inputs, training=False), tf.float32)  # [windows, 2, width]
    start_logits, end_logits = logits[:, 0], logits[:, 1]

    # Starts only where the piece has its most context; ends anywhere in the context.
    score = graph_windows.context_scores(
        spans["length"], tf.range(width)[tf.newaxis, :] - offset
    )
    owned = graph_windows.owned_positions(piece, in_context, score, piece_total)
    k = tf.minimum(n_best, width)
    top_start_logits, top_starts = tf.math.top_k(tf.where(owned, start_logits, _NEGATIVE), k)
    top_end_logits, top_ends = tf.math.top_k(tf.where(in_context, end_logits, _NEGATIVE), k)
    start_ok = tf.gather(owned, top_starts, batch_dims=1)
    end_ok = tf.gather(in_context, top_ends, batch_dims=1)
    span_length = top_ends[:, tf.newaxis, :] - top_starts[:, :, tf.newaxis] + 1
    fits = (start_ok[:, :, tf.newaxis] & end_ok[:, tf.newaxis, :]
            & (span_length >= 1) & (span_length <= max_answer_length))
    span_score = top_start_logits[:, :, tf.newaxis] + top_end_logits[:, tf.newaxis, :]

    # Every fitting span of every window, flat, with its question and characters.
    candidate_window = tf.cast(tf.where(fits)[:, 0], tf.int32)
    candidate_score = tf.boolean_mask(span_score, fits)
    first_piece = tf.boolean_mask(
        tf.gather(piece, top_starts, batch_dims=1)[:, :, tf.newaxis]
        + tf.zeros_like(span_length), fits)
    last_piece = tf.boolean_mask(
        tf.gather(piece, top_ends, batch_dims=1)[:, tf.newaxis, :]
        + tf.zeros_like(span_length), fits)
    candidate_start = tf.gather(pieces["starts"].flat_values, first_piece)
    candidate_end = tf.gather(pieces["ends"].flat_values, last_piece)
    candidate_example = tf.gather(example, candidate_window)

    # Per question: best first, one per character span, the best n_best kept.
    order = tf.argsort(candidate_score, direction="DESCENDING", stable=True)
    order = tf.gather(order, tf.argsort(tf.gather(candidate_example, order), stable=True))
    candidate_score = tf.gather(candidate_score, order)
    candidate_start = tf.gather(candidate_start, order)
    candidate_end = tf.gather(candidate_end, order)
    candidate_example = tf.gather(candidate_example, order)
    characters = tf.cast(tf.reduce_max(tf.strings.length(contexts, unit="UTF8_CHAR")), tf.int64) + 1
    key = (tf.cast(candidate_example, tf.int64) * characters
           + tf.cast(candidate_start, tf.int64)) * characters + tf.cast(candidate_end, tf.int64)
    _, key_index = tf.unique(key)
    position = tf.range(tf.size(key))
    first_of_key = tf.math.unsorted_segment_min(position, key_index, tf.size(key))
    unique = tf.equal(position, tf.gather(first_of_key, key_index))
    rank = tf.cumsum(tf.cast(unique, tf.int32))
    example_base = tf.math.unsorted_segment_min(
        rank - tf.cast(unique, tf.int32), candidate_example, tf.size(questions)
    )
    kept = unique & (rank - tf.gather(example_base, candidate_example) <= n_best)

    batch = tf.size(questions)
    kept_example = tf.boolean_mask(candidate_example, kept)
    kept_score = tf.boolean_mask(candidate_score, kept)
    null_score = tf.math.unsorted_segment_min(
        start_logits[:, 0] + end_logits[:, 0], example, batch
    )
    has_span = tf.math.unsorted_segment_max(tf.ones_like(kept_example), kept_example, batch) > 0
    best_score = tf.math.unsorted_segment_max(kept_score, kept_example, batch)
    first_kept = tf.math.unsorted_segment_min(
        tf.range(tf.size(kept_example)), kept_example, batch
    )
    kept_start = tf.boolean_mask(candidate_start, kept)
    kept_end = tf.boolean_mask(candidate_end, kept)
    safe_first = tf.where(has_span, first_kept, 0)
    padded_start = tf.concat([kept_start, [0]], axis=0)
    padded_end = tf.concat([kept_end, [0]], axis=0)
    answer_start = tf.where(has_span, tf.gather(padded_start, safe_first), 0)
    answer_end = tf.where(has_span, tf.gather(padded_end, safe_first), 0)

    # The n-best softmax (with the null score for a model that may answer nothing).
    with_null = model.allow_no_answer
    shift = best_score if not with_null else tf.maximum(best_score, null_score)
    shift = tf.where(has_span, shift, 0.0)
    weights = tf.exp(kept_score - tf.gather(shift, kept_example))
    total = tf.math.unsorted_segment_sum(weights, kept_example, batch)
    null_weight = tf.exp(null_score - shift) if with_null else tf.zeros_like(total)
    total += null_weight
    span_probability = tf.math.divide_no_nan(tf.exp(best_score - shift), total)
    answered = has_span
    outputs = {}
    if with_null:
        null_probability = tf.where(has_span, tf.math.divide_no_nan(null_weight, total), 1.0)
        answered = has_span & ~(null_score - best_score > model.no_answer_threshold)
        outputs["has_answer"] = answered
        score = tf.where(answered, span_probability, null_probability)
    else:
        score = tf.where(answered, span_probability, 0.0)
    answer_start = tf.where(answered, answer_start, 0)
    answer_end = tf.where(answered, answer_end, 0)
    outputs.update({
        "answer_text": tf.strings.substr(
            contexts, answer_start, answer_end - answer_start, unit="UTF8_CHAR"
        ),
        "answer_start": answer_start,
        "answer_end": answer_end,
        "score": score,
    })
    return outputs
