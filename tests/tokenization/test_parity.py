"""Id parity with Hugging Face `tokenizers` and with a pure-Python statement of Google's
tokenizer (google_reference.py) on real text, using Google's own vocabularies.

The fast test takes a slice of every data set; the slow one (`pytest -m slow`) every line.
A line where Hugging Face and Google disagree would be judged by Google's semantics (our
spec) and reported apart; on this data there is none.
"""

import pytest

import google_reference
from tokenization_data import DATA, dataset_texts, hugging_face_bert_tokenizer, require

_BATCH = 4096


def _compare(lines_per_set=None):
    """{set name: (lines compared, [(line, ours, hugging face, google)] mismatches)}."""
    from keras_bert.tokenization import BertTokenizer

    require(DATA)
    tokenizers = {}
    report = {}
    for name, (vocab_path, lowercase, texts) in dataset_texts().items():
        if lines_per_set is not None:
            step = max(1, len(texts) // lines_per_set)
            texts = texts[::step][:lines_per_set]
        key = (vocab_path, lowercase)
        if key not in tokenizers:
            ours = BertTokenizer.from_vocab_file(vocab_path, lowercase=lowercase)
            tokenizers[key] = (ours, hugging_face_bert_tokenizer(vocab_path, lowercase))
        ours, theirs = tokenizers[key]
        our_ids = []
        for start in range(0, len(texts), _BATCH):
            our_ids += ours.tokenize(texts[start:start + _BATCH]).to_list()
        their_ids = [e.ids for e in theirs.encode_batch(texts, add_special_tokens=False)]
        mismatches = []
        vocab = {token: index for index, token in enumerate(ours.vocabulary)}
        for text, mine, hf in zip(texts, our_ids, their_ids):
            if mine != hf:
                google = [vocab[p] for p in google_reference.full_tokenize(text, vocab, lowercase)]
                mismatches.append((text, mine, hf, google))
        report[name] = (len(texts), mismatches)
    return report


def _assert_no_mismatch(report):
    lines = sum(count for count, _ in report.values())
    summary = "; ".join(f"{name}: {count} lines, {len(bad)} mismatches"
                        for name, (count, bad) in report.items())
    print(f"\n{lines} lines compared. {summary}")
    for name, (_, bad) in report.items():
        for text, mine, hf, google in bad[:3]:
            print(f"{name}: {text[:120]!r} ours==google {mine == google} hf==google {hf == google}")
    assert not any(bad for _, bad in report.values()), summary


def test_parity_with_hugging_face_on_a_slice_of_every_set():
    _assert_no_mismatch(_compare(lines_per_set=250))


@pytest.mark.slow
def test_parity_with_hugging_face_on_every_line():
    _assert_no_mismatch(_compare())


@pytest.mark.slow
def test_agrees_with_google_reference_on_every_line():
    """Our ids against the pure-Python Google reference directly (slow: Python WordPiece)."""
    from keras_bert.tokenization import BertTokenizer

    require(DATA)
    mismatches = 0
    compared = 0
    for name, (vocab_path, lowercase, texts) in dataset_texts().items():
        ours = BertTokenizer.from_vocab_file(vocab_path, lowercase=lowercase)
        vocab = {token: index for index, token in enumerate(ours.vocabulary)}
        for start in range(0, len(texts), _BATCH):
            batch = texts[start:start + _BATCH]
            for text, mine in zip(batch, ours.tokenize(batch).to_list()):
                google = [vocab[p] for p in google_reference.full_tokenize(text, vocab, lowercase)]
                mismatches += mine != google
                compared += 1
    print(f"\n{compared} lines compared with the Google reference, {mismatches} mismatches")
    assert mismatches == 0
