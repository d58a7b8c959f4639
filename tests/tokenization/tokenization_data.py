"""Where the tokenizer oracle and the real-text data live, and readers for their text lines.

The oracle (Google's own tokenizer test cases) is in the repository, beside this file.
`../shared` (next to the repository) is not part of the project: every test using it skips
when it is absent.
"""

import csv
import json
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
SHARED = REPO_ROOT.parent / "shared"
DATA = SHARED / "data"
# From google-research/bert's tokenization_test.py (Apache-2.0): see data/NOTICE.
ORACLE_FILE = Path(__file__).resolve().parent / "data" / "tokenizer_oracle.json"
EN_VOCAB = DATA / "vocab" / "google_uncased_en_vocab.txt"
ZH_VOCAB = DATA / "vocab" / "google_zh_vocab.txt"


def require(path):
    """The path, or skip the test when the shared folder is not there."""
    if not path.exists():
        pytest.skip(f"{path} is not available")
    return path


def _plain_lines(path):
    # Split on "\n" only: a line may hold "\r", U+2028 or other separators worth testing.
    return path.read_text(encoding="utf-8").split("\n")


def _tsv_column(path, column):
    with path.open(encoding="utf-8-sig", newline="") as tsv_file:
        rows = csv.reader(tsv_file, delimiter="\t", quoting=csv.QUOTE_NONE)
        header = next(rows)
        index = header.index(column)
        return [row[index] for row in rows if len(row) > index]


def _json_lines(path, keys):
    texts = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            record = json.loads(line)
            texts += [record[key] for key in keys if key in record]
    return texts


def dataset_texts():
    """{name: (vocab path, lowercase, [texts])} for every real-text set the parity check uses."""
    sets = {}
    for language, vocab in (("en", EN_VOCAB), ("zh", ZH_VOCAB)):
        for path in sorted((DATA / "corpus" / language).glob("*.txt")):
            sets[f"corpus/{language}/{path.name}"] = (vocab, True, _plain_lines(path))
    for path in sorted((DATA / "sst2").glob("*.tsv")):
        sets[f"sst2/{path.name}"] = (EN_VOCAB, True, _tsv_column(path, "sentence"))
    for path in sorted((DATA / "chnsenticorp_uer").glob("*.tsv")):
        sets[f"chnsenticorp_uer/{path.name}"] = (ZH_VOCAB, True, _tsv_column(path, "text_a"))
    for path in sorted((DATA / "ocnli").glob("*.json")):
        sets[f"ocnli/{path.name}"] = (ZH_VOCAB, True, _json_lines(path, ("sentence1", "sentence2")))
    return sets


def hugging_face_bert_tokenizer(vocab_path, lowercase):
    """Hugging Face `tokenizers` set up as Google's BERT: BertNormalizer, BertPreTokenizer,
    WordPiece with max_input_chars_per_word=200 (its default is 100)."""
    tokenizers = pytest.importorskip("tokenizers")
    tokenizer = tokenizers.Tokenizer(
        tokenizers.models.WordPiece.from_file(
            str(vocab_path), unk_token="[UNK]", max_input_chars_per_word=200
        )
    )
    tokenizer.normalizer = tokenizers.normalizers.BertNormalizer(
        clean_text=True, handle_chinese_chars=True, strip_accents=None, lowercase=lowercase
    )
    tokenizer.pre_tokenizer = tokenizers.pre_tokenizers.BertPreTokenizer()
    return tokenizer
