"""Vectorised masked-LM masking: budget, 80/10/10, special tokens, whole words, determinism."""

import numpy as np
import tensorflow as tf

from keras_bert.data.pretraining import MaskedLMMasker
from keras_bert.data.pretraining.settings import default_max_predictions, mask_cap_note

VOCAB = ["[PAD]", "[unused0]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"] + [f"w{i}" for i in range(200)] + [
    f"##p{i}" for i in range(50)
]
PAD, CLS, SEP, MASK = 0, 3, 4, 5
WORD_IDS = np.arange(6, 206)
PIECE_IDS = np.arange(206, 256)


def masker(**kwargs):
    settings = dict(mask_id=MASK, cls_id=CLS, sep_id=SEP, pad_id=PAD, max_predictions=20)
    settings.update(kwargs)
    return MaskedLMMasker(VOCAB, **settings)


def random_batch(rng, batch=512, seq_length=64, pieces=False):
    ids = np.full([batch, seq_length], PAD, np.int32)
    lengths = rng.integers(8, seq_length + 1, size=batch).astype(np.int32)
    for row, length in enumerate(lengths):
        tokens = rng.choice(WORD_IDS, size=length)
        if pieces:  # about a third of the tokens continue the previous word
            continuation = rng.random(length) < 0.35
            tokens = np.where(continuation, rng.choice(PIECE_IDS, size=length), tokens)
        tokens[0] = CLS
        middle = length // 2
        tokens[middle] = SEP
        tokens[length - 1] = SEP
        ids[row, :length] = tokens
    return ids, lengths


def apply(masking, ids, lengths, seed=(1, 2)):
    out = masking(ids, lengths, tf.constant(seed, tf.int64))
    return {name: value.numpy() for name, value in out.items()}


def test_budget_positions_labels_and_special_tokens():
    rng = np.random.default_rng(0)
    ids, lengths = random_batch(rng)
    out = apply(masker(), ids, lengths)
    expected = np.minimum(20, np.maximum(1, np.round(lengths * 0.15))).astype(int)
    np.testing.assert_array_equal(out["masked_lm_weights"].sum(axis=1), expected)
    for row in range(len(ids)):
        count = expected[row]
        positions = out["masked_lm_positions"][row]
        real = positions[:count]
        assert np.all(np.diff(real) > 0)  # increasing, unique
        assert np.all(positions[count:] == 0) and np.all(out["masked_lm_ids"][row, count:] == 0)
        assert np.all(real < lengths[row])
        assert not np.isin(ids[row, real], [CLS, SEP, PAD]).any()  # never special tokens
        np.testing.assert_array_equal(out["masked_lm_ids"][row, :count], ids[row, real])
        untouched = np.setdiff1d(np.arange(ids.shape[1]), real)
        np.testing.assert_array_equal(out["input_word_ids"][row, untouched], ids[row, untouched])


def test_eighty_ten_ten():
    rng = np.random.default_rng(1)
    ids, lengths = random_batch(rng, batch=4000)
    out = apply(masker(), ids, lengths)
    weights = out["masked_lm_weights"].astype(bool)
    rows = np.nonzero(weights)[0]
    new = out["input_word_ids"][rows, out["masked_lm_positions"][weights]]
    original = out["masked_lm_ids"][weights]
    total = len(new)
    assert total > 20000
    mask_share = np.mean(new == MASK)
    kept_share = np.mean(new == original)
    random_share = np.mean((new != MASK) & (new != original))
    assert abs(mask_share - 0.8) < 0.01
    assert abs(kept_share - 0.1) < 0.01  # includes the ~0.5 % random draws of the same token
    assert abs(random_share - 0.1) < 0.01
    replaced = new[(new != MASK) & (new != original)]
    assert np.all(replaced >= 6)  # random tokens are ordinary tokens, never [PAD]/[CLS]/[unused]


def test_rate_and_max_predictions_are_respected():
    rng = np.random.default_rng(2)
    ids, lengths = random_batch(rng)
    out = apply(masker(masked_lm_prob=0.5, max_predictions=12), ids, lengths)
    assert out["masked_lm_positions"].shape == (len(ids), 12)
    expected = np.minimum(12, np.maximum(1, np.round(lengths * 0.5)))
    np.testing.assert_array_equal(out["masked_lm_weights"].sum(axis=1), expected)


def test_whole_word_masking_never_splits_a_word():
    rng = np.random.default_rng(3)
    ids, lengths = random_batch(rng, pieces=True)
    out = apply(masker(whole_word_masking=True), ids, lengths)
    total = 0
    for row in range(len(ids)):
        chosen = set(out["masked_lm_positions"][row][out["masked_lm_weights"][row] > 0].tolist())
        total += len(chosen)
        length = lengths[row]
        # A word: a token that is not a "##" piece (or follows a special token) plus the pieces after it.
        start = None
        words = []
        for position in range(length):
            token = ids[row, position]
            if token in (CLS, SEP):
                start = None
                continue
            if token in PIECE_IDS and start is not None:
                words[-1].append(position)
            else:
                words.append([position])
                start = position
        for word in words:
            taken = [position in chosen for position in word]
            assert all(taken) or not any(taken), (row, word, sorted(chosen))
            if all(taken):  # the 80/10/10 choice is made once per word
                new = out["input_word_ids"][row, word]
                assert np.all(new == MASK) or not np.any(new == MASK)
        budget = min(20, max(1, round(length * 0.15)))
        assert len(chosen) <= budget
    assert total > 0.85 * np.sum(np.minimum(20, np.maximum(1, np.round(lengths * 0.15))))


def test_same_seed_same_masks_other_seed_other_masks():
    rng = np.random.default_rng(4)
    ids, lengths = random_batch(rng, batch=64)
    first = apply(masker(), ids, lengths, seed=(7, 8))
    again = apply(masker(), ids, lengths, seed=(7, 8))
    other = apply(masker(), ids, lengths, seed=(7, 9))
    for name in first:
        np.testing.assert_array_equal(first[name], again[name])
    rows_differ = np.any(first["masked_lm_positions"] != other["masked_lm_positions"], axis=1)
    assert rows_differ.mean() > 0.9


def full_sequences(length, batch=16):
    """`batch` sequences that fill all `length` positions: [CLS] A [SEP] B [SEP]."""
    ids = np.random.default_rng(length).choice(WORD_IDS, size=[batch, length]).astype(np.int32)
    ids[:, [0, length // 2, length - 1]] = [CLS, SEP, SEP]
    return ids, np.full([batch], length, np.int32)


def test_default_max_predictions_never_cuts_the_rate():
    # Google's BERT pairs 20 predictions with 128-token sequences (run_pretraining.py flags).
    assert default_max_predictions(128, 0.15) == 20
    for length, rate in [(16, 0.15), (64, 0.15), (100, 0.15), (128, 0.15), (512, 0.15), (64, 0.4)]:
        ids, lengths = full_sequences(length)
        slots = default_max_predictions(length, rate)
        out = apply(masker(masked_lm_prob=rate, max_predictions=slots), ids, lengths)
        np.testing.assert_array_equal(out["masked_lm_weights"].sum(axis=1), round(length * rate))


def test_mask_cap_note_names_the_length_from_which_the_masker_caps():
    assert mask_cap_note(128, 20) is None and mask_cap_note(64, 10) is None
    assert mask_cap_note(128, 19) is None  # 128 tokens want round(19.2) = 19
    note = mask_cap_note(512, 20)
    assert "more than 136 tokens" in note and "need 77" in note
    capped = masker(max_predictions=20)
    for length, masks in [(136, 20), (137, 20)]:
        ids, lengths = full_sequences(length)
        out = apply(capped, ids, lengths)
        np.testing.assert_array_equal(out["masked_lm_weights"].sum(axis=1), masks)
    assert round(136 * 0.15) == 20 and round(137 * 0.15) == 21  # 137 tokens want 21: the cap cuts one
