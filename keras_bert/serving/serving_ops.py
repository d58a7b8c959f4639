"""Which ops a SavedModel uses, and whether TensorFlow Serving's stock model server has them all.

The stock `tensorflow/serving` model server links every core TensorFlow op and a fixed subset
of tf-text: the classic ops behind the lookup-table `BertTokenizer` (normalisation, regex
splitting, WordPiece over a `StaticHashTable`). Newer tf-text ops such as `FastBertNormalize`
and `FastWordpieceTokenizeWithOffsets` (tf-text ≥ 2.7) or `TFText>RoundRobinTrim` are missing
from it, and a model using them fails to load there with "Op type not registered"
(tensorflow/serving#2064). A model exported with `serving_compatible=True` is checked against
this list right after it is written, so that failure happens at export time instead.
"""

import os
from keras_bert.errors import KerasBertError

# tf-text ops that the stock TF Serving build links (tf-text's classic tokenizer ops).
TF_SERVING_TF_TEXT_OPS = frozenset(
    {
        "CaseFoldUTF8",
        "NormalizeUTF8",
        "RegexSplitWithOffsets",
        "WordpieceTokenizeWithOffsets",
        "WhitespaceTokenizeWithOffsets",
        "UnicodeScriptTokenizeWithOffsets",
        "SplitMergeTokenizeWithOffsets",
    }
)

def core_tensorflow_ops():
    """Names of the ops compiled into TensorFlow itself (every TF Serving build has these).

    `tf.raw_ops` is generated from TensorFlow's own op registry when TensorFlow is built, so
    it lists core ops only, never the ones a library such as tf-text registers at import.
    """
    import tensorflow as tf

    return frozenset(name for name in dir(tf.raw_ops) if not name.startswith("_"))


def saved_model_op_names(path):
    """Every op type in the SavedModel at `path`: its graph and all functions in its library."""
    from tensorflow.core.protobuf import saved_model_pb2

    with open(os.path.join(os.fspath(path), "saved_model.pb"), "rb") as file:
        saved_model = saved_model_pb2.SavedModel.FromString(file.read())
    names = set()
    for meta_graph in saved_model.meta_graphs:
        graph = meta_graph.graph_def
        names.update(node.op for node in graph.node)
        for function in graph.library.function:
            names.update(node.op for node in function.node_def)
    return names


def ops_missing_from_tf_serving(path):
    """Sorted op types in the SavedModel that the stock TF Serving model server lacks."""
    allowed = core_tensorflow_ops() | TF_SERVING_TF_TEXT_OPS
    return sorted(saved_model_op_names(path) - allowed)


def check_tf_serving_ops(path):
    """Raise ValueError naming every op in the SavedModel that stock TF Serving cannot run."""
    missing = ops_missing_from_tf_serving(path)
    if missing:
        raise KerasBertError(
            f"The SavedModel at {path} uses op(s) that the stock TensorFlow Serving model "
            f"server does not have: {', '.join(missing)}. Export with a tokenizer restricted "
            "to TF Serving's tf-text ops (serving_compatible=True) or serve it with a model "
            "server built with these ops linked in."
        )
