"""Masked-LM masking of a whole batch at once with TF ops, so tf.data can redraw it every epoch.

Semantics of Google's `create_masked_lm_predictions`, vectorised:
- candidates are every real token except [CLS], [SEP] and padding;
- a sequence of n tokens (counting [CLS]/[SEP], as Google does) gets
  k = min(max_predictions, max(1, round(n * masked_lm_prob))) predictions;
- candidates ("words") are taken in a random order until k tokens are chosen; with whole-word
  masking a word is a token plus the `##` pieces that follow it, and a word is taken whole or
  not at all (never split);
- each chosen token becomes [MASK] 80 % of the time, a random ordinary token 10 % (never a
  special or [unused] token), and stays unchanged 10 %.
- `masked_lm_positions` are in increasing order, padded with 0 (`masked_lm_weights` 0.0 there).

Deviations, on purpose: with whole-word masking the 80/10/10 choice is made once per word, so
a word is all [MASK], all random or all kept (Google draws per piece); and when the next word in
the random order does not fit in the k still open, selection stops rather than looking further
for a shorter word, so a sequence may get slightly fewer than k predictions under whole-word
masking (never more). Randomness is stateless: the same seed gives the same masks on any run.
"""

import numpy as np
import tensorflow as tf
from keras_bert.errors import KerasBertError


def _is_special_token(token):
    return len(token) >= 2 and token.startswith("[") and token.endswith("]")


class MaskedLMMasker:
    """Callable `(input_word_ids [b, s], lengths [b], seed [2]) -> dict` of masked features."""

    def __init__(
        self,
        vocabulary,
        mask_id,
        cls_id,
        sep_id,
        pad_id,
        max_predictions,
        masked_lm_prob=0.15,
        whole_word_masking=False,
        mask_token_rate=0.8,
        random_token_rate=0.1,
    ):
        self.vocabulary_size = len(vocabulary)
        self.mask_id, self.cls_id, self.sep_id, self.pad_id = mask_id, cls_id, sep_id, pad_id
        self.max_predictions = max_predictions
        self.masked_lm_prob = masked_lm_prob
        self.whole_word_masking = whole_word_masking
        self.mask_token_rate = mask_token_rate
        self.random_token_rate = random_token_rate
        ordinary = [i for i, token in enumerate(vocabulary) if not _is_special_token(token)]
        if not ordinary:
            raise KerasBertError("The vocabulary has no ordinary tokens to use as random replacements.")
        self.replacement_ids = tf.constant(np.asarray(ordinary, np.int32))
        self.is_continuation = tf.constant(np.asarray([t.startswith("##") for t in vocabulary]))

    @classmethod
    def from_tokenizer(cls, tokenizer, max_predictions, **kwargs):
        return cls(
            list(tokenizer.vocabulary),
            mask_id=int(tokenizer.mask_id),
            cls_id=int(tokenizer.cls_id),
            sep_id=int(tokenizer.sep_id),
            pad_id=int(tokenizer.pad_id),
            max_predictions=max_predictions,
            **kwargs,
        )

    def __call__(self, input_word_ids, lengths, seed):
        ids = tf.convert_to_tensor(input_word_ids, tf.int32)
        lengths = tf.cast(lengths, tf.int32)
        seed = tf.cast(seed, tf.int64)
        word_seed, choice_seed, token_seed = tf.unstack(tf.random.experimental.stateless_split(seed, 3))
        batch, seq_length = tf.shape(ids)[0], tf.shape(ids)[1]
        positions = tf.range(seq_length)[tf.newaxis, :]

        real = positions < lengths[:, tf.newaxis]
        candidate = real & (ids != self.cls_id) & (ids != self.sep_id) & (ids != self.pad_id)
        if self.whole_word_masking:
            continuation = tf.gather(self.is_continuation, ids)
            previous_is_candidate = tf.pad(candidate[:, :-1], [[0, 0], [1, 0]])
            word_start = candidate & ~(continuation & previous_is_candidate)
        else:
            word_start = candidate
        # Word index of each token (valid where `candidate`), and per word: its length.
        word_id = tf.maximum(tf.cumsum(tf.cast(word_start, tf.int32), axis=1) - 1, 0)
        flat_word = word_id + tf.range(batch)[:, tf.newaxis] * seq_length
        word_length = tf.reshape(
            tf.math.unsorted_segment_sum(tf.cast(candidate, tf.int32), flat_word, batch * seq_length),
            [batch, seq_length],
        )
        num_words = tf.reduce_sum(tf.cast(word_start, tf.int32), axis=1)
        budget = tf.cast(tf.round(tf.cast(lengths, tf.float32) * self.masked_lm_prob), tf.int32)
        budget = tf.minimum(self.max_predictions, tf.maximum(1, budget))[:, tf.newaxis]

        # Take words in a random order while the chosen tokens fit in the budget.
        usable = (positions < num_words[:, tf.newaxis]) & (word_length <= budget)
        score = tf.where(usable, tf.random.stateless_uniform([batch, seq_length], word_seed), -1.0)
        order = tf.argsort(score, axis=1, direction="DESCENDING", stable=True)
        sorted_usable = tf.gather(score, order, batch_dims=1) >= 0.0
        sorted_length = tf.where(sorted_usable, tf.gather(word_length, order, batch_dims=1), 0)
        sorted_chosen = sorted_usable & (tf.cumsum(sorted_length, axis=1) <= budget)
        word_chosen = tf.gather(sorted_chosen, tf.argsort(order, axis=1), batch_dims=1)
        selected = candidate & tf.gather(word_chosen, word_id, batch_dims=1)

        # 80 / 10 / 10, drawn per word (= per token without whole-word masking).
        choice = tf.gather(
            tf.random.stateless_uniform([batch, seq_length], choice_seed), word_id, batch_dims=1
        )
        to_mask = selected & (choice < self.mask_token_rate)
        to_random = selected & ~to_mask & (choice < self.mask_token_rate + self.random_token_rate)
        random_index = tf.random.stateless_uniform(
            [batch, seq_length], token_seed, minval=0, maxval=tf.shape(self.replacement_ids)[0], dtype=tf.int32
        )
        random_ids = tf.gather(self.replacement_ids, random_index)
        masked_ids = tf.where(to_mask, self.mask_id, tf.where(to_random, random_ids, ids))

        # Chosen positions in increasing order: the largest keys (seq_length - position) first.
        keys = tf.where(selected, seq_length - positions, 0)
        top_keys = tf.math.top_k(keys, k=self.max_predictions, sorted=True).values
        real_prediction = top_keys > 0
        masked_lm_positions = tf.where(real_prediction, seq_length - top_keys, 0)
        masked_lm_ids = tf.where(real_prediction, tf.gather(ids, masked_lm_positions, batch_dims=1), 0)
        return {
            "input_word_ids": masked_ids,
            "masked_lm_positions": masked_lm_positions,
            "masked_lm_ids": masked_lm_ids,
            "masked_lm_weights": tf.cast(real_prediction, tf.float32),
        }
