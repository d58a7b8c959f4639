"""A question answerer's model folder: every constructor argument and the outputs come back in a
fresh process, through `keras_bert.load_model` and Keras's own loader (as tests/interop/
test_native.py checks for the other tasks)."""

import inspect
import json
import os
import subprocess
import sys

import keras
import numpy as np

from keras_bert.interop import native
from keras_bert.modeling.encoder import BertEncoder
from keras_bert.tasks.question_answerer import BertQuestionAnswerer
from tests.interop.test_native import KERAS_KEYS, PROBE, VOCABULARY, config, inputs, tokenizer


def non_default_answerer():
    return BertQuestionAnswerer(
        BertEncoder(config()), dropout=0.2, seq_length=24, doc_stride=5, max_query_length=6,
        max_answer_length=7, n_best=4, allow_no_answer=True, no_answer_threshold=-1.25,
        tokenizer=tokenizer(), name="my_answerer",
    )


def test_every_constructor_argument_is_in_get_config():
    arguments = {
        name for name, parameter in inspect.signature(BertQuestionAnswerer.__init__).parameters.items()
        if name != "self" and parameter.kind is not parameter.VAR_KEYWORD
    }
    assert arguments == set(non_default_answerer().get_config()) - KERAS_KEYS


def test_folder_round_trip_in_a_fresh_process(tmp_path):
    model = non_default_answerer()
    x = inputs("question_answerer")
    expected = np.asarray(model({k: keras.ops.convert_to_tensor(v) for k, v in x.items()},
                                training=False))
    folder = str(tmp_path / "model")
    written = native.write_model_folder(folder, model)
    assert written["task"] == "question_answerer"
    np.savez(str(tmp_path / "inputs.npz"), **x)
    probe = tmp_path / "probe.py"
    probe.write_text(PROBE)
    out = str(tmp_path / "loaded")
    subprocess.run([sys.executable, str(probe), folder, out], check=True, timeout=300,
                   env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"})
    with open(out + ".json") as file:
        loaded = json.load(file)
    assert loaded["class"] == "BertQuestionAnswerer"
    assert loaded["config"] == json.loads(json.dumps(model.get_config()))
    assert loaded["tokenizer"]["vocabulary"] == VOCABULARY
    assert loaded["same_with_keras_loader"]
    np.testing.assert_array_equal(np.load(out + ".npz")["arr_0"], expected)
