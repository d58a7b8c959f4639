"""`--jit-compile`: the raw-string endpoints run the encoder and head under XLA and answer as
the in-memory model does; the option refuses a TF Serving export, which could not run it."""

import numpy as np
import pytest
import tensorflow as tf
from tensorflow.core.protobuf import saved_model_pb2

from keras_bert import export_saved_model
from keras_bert.cli.main import main
from keras_bert.errors import KerasBertError
from tests.serving.exported_model import TEXTS, expected_outputs


@pytest.fixture(scope="module")
def jit_exported(exported, tmp_path_factory):
    _, classifier, folder = exported
    saved_model = tmp_path_factory.mktemp("jit") / "saved_model"
    arguments = ["export", "--model", str(folder), "--out", str(saved_model),
                 "--allow-non-serving-ops", "--jit-compile"]
    assert main(arguments) == 0
    return saved_model, classifier


def must_compile_functions(saved_model):
    """Names of the graph functions marked for XLA (`_XlaMustCompile`) in the SavedModel."""
    proto = saved_model_pb2.SavedModel()
    proto.ParseFromString((saved_model / "saved_model.pb").read_bytes())
    library = proto.meta_graphs[0].graph_def.library
    return [f.signature.name for f in library.function if f.attr["_XlaMustCompile"].b]


def test_the_export_marks_the_model_for_xla(jit_exported, exported):
    saved_model, _ = jit_exported
    assert must_compile_functions(saved_model)
    assert must_compile_functions(exported[0]) == []


@pytest.mark.parametrize("texts", [TEXTS, TEXTS[:1], TEXTS[2:4]], ids=["batch", "one", "two"])
def test_classify_and_encode_match_the_in_memory_model(jit_exported, texts):
    """Batches of other sizes and padded lengths each compile their own shape."""
    saved_model, classifier = jit_exported
    served = tf.saved_model.load(str(saved_model))
    expected = expected_outputs(classifier, texts)
    classified = served.classify(tf.constant(texts))
    np.testing.assert_allclose(classified["probabilities"].numpy(), expected["probabilities"],
                               atol=1e-5)
    assert classified["label_ids"].numpy().tolist() == expected["label_ids"].tolist()

    encoded = served.encode(tf.constant(texts))
    length = encoded["input_mask"].shape[1]
    real = expected["input_mask"][:, :length].astype(bool)
    np.testing.assert_allclose(encoded["pooled_output"].numpy(), expected["pooled_output"],
                               atol=1e-5)
    np.testing.assert_allclose(encoded["sequence_output"].numpy()[real],
                               expected["sequence_output"][:, :length][real], atol=1e-5)


def test_jit_compile_needs_allow_non_serving_ops(exported, tmp_path, capsys):
    _, _, folder = exported
    arguments = ["export", "--model", str(folder), "--out", str(tmp_path / "m"), "--jit-compile"]
    assert main(arguments) == 2
    assert "--allow-non-serving-ops" in capsys.readouterr().err


def test_the_api_refuses_jit_compile_for_tf_serving(exported, tmp_path):
    _, classifier, _ = exported
    with pytest.raises(KerasBertError, match="serving_compatible=False"):
        export_saved_model(classifier, tmp_path / "m", jit_compile=True)
