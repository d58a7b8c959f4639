"""Which sentence vector a sentence-transformers checkpoint folder was trained to produce.

sentence-transformers saves a Hugging Face BERT folder plus `modules.json`, which lists the
modules of the sentence encoder; its Pooling module's folder (usually `1_Pooling/`) has a
`config.json` with flags such as `pooling_mode_mean_tokens`. all-MiniLM-L6-v2, for example,
says mean pooling, and its BERT [CLS] pooler was never trained. A classifier fine-tuned from
such a folder starts better from the vector the checkpoint was trained for.
"""

import os

from keras_bert.errors import KerasBertError
from keras_bert.text_files import read_json

MODULES_FILE = "modules.json"
POOLING_MODULE_TYPE = "sentence_transformers.models.Pooling"
# sentence-transformers flag -> BertClassifier pooling; other modes (max, mean/sqrt(length),
# weighted mean, last token) have no BertClassifier equivalent.
POOLING_FLAGS = {"pooling_mode_mean_tokens": "mean", "pooling_mode_cls_token": "cls"}


def sentence_pooling(folder):
    """"mean" or "cls" when `folder` is a sentence-transformers model using that pooling, else None."""
    modules_path = os.path.join(folder, MODULES_FILE)
    if not os.path.isfile(modules_path):
        return None
    try:
        modules = read_json(modules_path, "sentence-transformers modules file", expect=list)
        pooling_dirs = [m.get("path", "") for m in modules if m.get("type") == POOLING_MODULE_TYPE]
        if not pooling_dirs:
            return None
        pooling_config = read_json(
            os.path.join(folder, pooling_dirs[0], "config.json"), "pooling config", expect=dict
        )
    except (KerasBertError, OSError, AttributeError, TypeError):
        return None  # not a readable sentence-transformers layout: no hint
    chosen = [mode for flag, mode in POOLING_FLAGS.items() if pooling_config.get(flag)]
    return chosen[0] if len(chosen) == 1 else None
