"""`export_int8` / `keras-bert export --quantize int8` and `load_int8_export`.

The oracle is the float SavedModel that `export_saved_model` writes for the same classifier
(another code path: TensorFlow, float32 weights); the int8 folder must give nearly the same
answers on real sentences, and must really be quantized.
"""

import json
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from keras_bert.cli.main import main
from keras_bert.errors import KerasBertError
from keras_bert.serving import int8_runtime
from keras_bert.serving.int8_export import MANIFEST_FILE, MODEL_FILE, export_int8
from keras_bert.serving.int8_runtime import load_int8_export
from tests.serving.exported_model import subprocess_environment

PROBE = Path(__file__).with_name("int8_probe.py")
SEQ_LENGTH = 32
LABELS = ["negative", "positive"]
# Real sentences and their sentiment (1 positive), which the tiny classifier is fitted to.
SENTENCES = [
    "A gripping story with wonderful actors and a clever plot.",
    "The film is too long, and the jokes fall flat.",
    "An honest, moving portrait of a family in crisis.",
    "I was bored from the first scene to the last.",
    "The director keeps the tension high until the very end.",
    "Nothing in this movie makes any sense.",
    "A charming comedy that never tries too hard.",
    "The dialogue is stiff and the pacing is slow.",
    "Beautiful music, beautiful images, and a story worth telling.",
    "It is a mess of clichés and lazy writing.",
    "The cast is strong, but the script lets them down.",
    "One of the best films of the year.",
    "A dull, forgettable sequel.",
    "Funny, warm and surprisingly smart.",
    "The plot twists are easy to guess.",
    "It made me laugh and it made me think.",
    "The special effects cannot save a weak story.",
    "A quiet film that stays with you for days.",
    "Too many characters and not enough heart.",
    "The ending is perfect.",
    "这部电影很好看，演员的表演非常自然。",
    "故事太长了，我看得很无聊。",
    "导演讲了一个感人的故事。",
    "剧情混乱，对白生硬。",
    "音乐和画面都很美。",
    "这是今年最差的电影。",
]
SENTIMENTS = [1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 1, 0, 1, 0, 1, 0]


def vocabulary_of(sentences):
    """The special tokens, then every word, punctuation mark and CJK character of `sentences`
    as the BERT tokenizer splits them (lowercased, accents stripped)."""
    tokens = []
    for sentence in sentences:
        for token in re.findall(r"[a-z]+|[^\sa-z]", sentence.lower().replace("é", "e")):
            if token not in tokens:
                tokens.append(token)
    return ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"] + tokens


@pytest.fixture(scope="module")
def exports(tmp_path_factory):
    """(classifier, its model folder, float SavedModel folder, int8 folder)."""
    import keras

    from keras_bert import BertClassifier, BertConfig, BertEncoder, BertTokenizer
    from keras_bert.serving.export import export_saved_model
    from keras_bert.workflows.classifier_folder import save_classifier_folder

    root = tmp_path_factory.mktemp("int8")
    vocabulary = vocabulary_of(SENTENCES)
    keras.utils.set_random_seed(3)
    config = BertConfig(
        vocab_size=len(vocabulary), hidden_size=64, num_hidden_layers=2, num_attention_heads=2,
        intermediate_size=128, max_position_embeddings=64, hidden_dropout_prob=0.0,
        attention_probs_dropout_prob=0.0,
    )
    classifier = BertClassifier(
        BertEncoder(config), num_classes=len(LABELS), labels=LABELS, seq_length=SEQ_LENGTH,
        tokenizer=BertTokenizer(vocabulary),
    )
    # Fitted a little, so that its answers differ between sentences as a real model's do.
    inputs = classifier.tokenizer.encode(SENTENCES, seq_length=SEQ_LENGTH)
    classifier.compile(optimizer=keras.optimizers.Adam(1e-3))
    classifier.fit(inputs, np.asarray(SENTIMENTS), batch_size=len(SENTENCES), epochs=20, verbose=0)
    folder = root / "classifier"
    save_classifier_folder(str(folder), classifier)
    float_folder = root / "float"
    export_saved_model(classifier, str(float_folder))
    int8_folder = root / "int8"
    export_int8(classifier, str(int8_folder))
    return classifier, folder, float_folder, int8_folder


@pytest.fixture(scope="module")
def float_outputs(exports):
    import tensorflow as tf

    float_model = tf.saved_model.load(str(exports[2]))
    texts = tf.constant(SENTENCES)
    classified = float_model.signatures["classify"](text=texts)
    encoded = float_model.signatures["encode"](text=texts)
    return {name: value.numpy() for name, value in {**classified, **encoded}.items()}


def test_int8_classifies_real_sentences_as_the_float_export(exports, float_outputs):
    bert = load_int8_export(exports[3])
    int8 = bert.classify(SENTENCES)
    float_labels = [label.decode() for label in float_outputs["labels"]]
    assert len(set(float_labels)) >= 2, "the oracle must not answer one class for all"
    agreement = np.mean(np.asarray(float_labels) == int8["labels"])
    assert agreement >= 0.9, (agreement, float_labels, int8["labels"].tolist())
    np.testing.assert_array_equal(int8["label_ids"], int8["probabilities"].argmax(-1))
    np.testing.assert_allclose(int8["probabilities"].sum(-1), 1.0, atol=1e-5)
    difference = np.abs(int8["probabilities"] - float_outputs["probabilities"])
    assert difference.max() < 0.1 and difference.mean() < 0.02, difference


def test_int8_encode_matches_the_float_export(exports, float_outputs):
    int8 = load_int8_export(exports[3]).encode(SENTENCES)
    # Same tokenizer and packing: the same mask, padded to the longest text (a multiple of 8).
    np.testing.assert_array_equal(int8["input_mask"], float_outputs["input_mask"])
    assert int8["sequence_output"].shape == float_outputs["sequence_output"].shape
    for name in ("sentence_embedding", "pooled_output"):
        a, b = int8[name], float_outputs[name]
        cosine = (a * b).sum(-1) / np.linalg.norm(a, axis=-1) / np.linalg.norm(b, axis=-1)
        assert cosine.min() > 0.99, (name, cosine)
    one = load_int8_export(exports[3]).encode(SENTENCES[0])
    tokens = int(float_outputs["input_mask"][0].sum())
    assert one["sentence_embedding"].shape == (64,) and one["sequence_output"].shape == (tokens, 64)


def test_int8_model_is_really_quantized(exports):
    # Were quantization skipped, the weights would be float32 tensors and this count 0.
    classifier, _, _, folder = exports
    interpreter = int8_runtime.litert_interpreter_class()(model_path=str(folder / MODEL_FILE))
    int8_weights = sum(
        int(np.prod(tensor["shape"])) for tensor in interpreter.get_tensor_details()
        if tensor["dtype"] == np.int8 and len(tensor["quantization_parameters"]["scales"])
    )
    assert int8_weights > 0.8 * classifier.count_params(), (int8_weights, classifier.count_params())
    manifest = json.loads((folder / MANIFEST_FILE).read_text())
    assert manifest["task"] == "classifier" and manifest["labels"] == LABELS
    assert manifest["seq_length"] == SEQ_LENGTH and manifest["litert_ops"] == "TFLITE_BUILTINS"


@pytest.mark.slow  # a fresh Python process loads TensorFlow and the export (about 20 s)
def test_fresh_process_loads_with_the_loader_file_alone(exports, tmp_path):
    texts = tmp_path / "texts.json"
    texts.write_text(json.dumps(SENTENCES), encoding="utf-8")
    out = tmp_path / "out.json"
    result = subprocess.run(
        [sys.executable, str(PROBE), int8_runtime.__file__, str(exports[3]), str(texts), str(out)],
        capture_output=True, text=True, env=subprocess_environment(), cwd=tmp_path, timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    fresh = json.loads(out.read_text(encoding="utf-8"))
    assert not fresh["keras_bert_imported"]
    assert fresh["litert"].startswith("ai_edge_litert")
    here = load_int8_export(exports[3]).classify(SENTENCES)
    assert fresh["labels"] == here["labels"].tolist()
    np.testing.assert_allclose(fresh["probabilities"], here["probabilities"], atol=1e-4)


def small_bert(seed=1):
    """A small encoder over the test sentences' vocabulary (matrices of ≥ 1,024 weights, the
    smallest that dynamic-range quantization converts to int8)."""
    import keras

    from keras_bert import BertConfig, BertEncoder, BertTokenizer

    vocabulary = vocabulary_of(SENTENCES)
    keras.utils.set_random_seed(seed)
    config = BertConfig(
        vocab_size=len(vocabulary), hidden_size=32, num_hidden_layers=2, num_attention_heads=2,
        intermediate_size=64, max_position_embeddings=64,
    )
    return BertEncoder(config), BertTokenizer(vocabulary)


def test_pair_classifier_int8_matches_the_in_memory_model(tmp_path):
    import keras

    from keras_bert import BertClassifier

    encoder, tokenizer = small_bert()
    classifier = BertClassifier(
        encoder, num_classes=3, text_pair=True, seq_length=24, pooling="mean", tokenizer=tokenizer
    )
    text_a, text_b = SENTENCES[:6], SENTENCES[20:26]
    export_int8(classifier, str(tmp_path / "pair"))
    bert = load_int8_export(tmp_path / "pair")
    int8 = bert.classify(text_a, text_b)
    inputs = tokenizer.encode(text_a, text_b, seq_length=24)
    expected = keras.ops.softmax(classifier(inputs, training=False)).numpy()
    np.testing.assert_allclose(int8["probabilities"], expected, atol=0.02)
    assert bert.encode_pair(text_a, text_b)["input_mask"].sum() == inputs["input_mask"].numpy().sum()
    with pytest.raises(ValueError, match="text pairs"):
        bert.classify(text_a)


def test_sentence_encoder_int8_has_encode_only(tmp_path):
    from keras_bert import BertSentenceEncoder

    encoder, tokenizer = small_bert()
    model = BertSentenceEncoder(
        encoder, pooling="mean", normalize=True, seq_length=32, tokenizer=tokenizer
    )
    manifest = export_int8(model, str(tmp_path / "encoder"))
    assert (manifest["task"], manifest["sentence_pooling"], manifest["normalize"]) == (
        "encoder", "mean", True
    )
    bert = load_int8_export(tmp_path / "encoder")
    int8 = bert.encode(SENTENCES)["sentence_embedding"]
    # The oracle: the float encoder's sequence output, averaged over real tokens in NumPy.
    inputs = tokenizer.encode(SENTENCES, seq_length=32)
    sequence = encoder(inputs, training=False)["sequence_output"].numpy()
    mask = inputs["input_mask"].numpy()[..., None]
    expected = (sequence * mask).sum(1) / mask.sum(1)
    expected /= np.linalg.norm(expected, axis=-1, keepdims=True)
    assert (int8 * expected).sum(-1).min() > 0.99
    with pytest.raises(ValueError, match="encoder"):
        bert.classify(SENTENCES)


@pytest.mark.slow  # exports again through the CLI (about 15 s)
def test_cli_quantize_int8(exports, tmp_path, capsys):
    _, folder, _, int8_folder = exports
    out = tmp_path / "cli_int8"
    assert main(["export", "--model", str(folder), "--out", str(out), "--quantize", "int8"]) == 0
    assert "int8" in capsys.readouterr().out
    from_cli = load_int8_export(out).classify(SENTENCES[:4])
    from_library = load_int8_export(int8_folder).classify(SENTENCES[:4])
    np.testing.assert_allclose(from_cli["probabilities"], from_library["probabilities"], atol=1e-6)


def test_cli_refuses_a_float_only_flag_with_quantize(exports, tmp_path, capsys):
    args = ["export", "--model", str(exports[1]), "--out", str(tmp_path / "o"), "--quantize",
            "int8", "--preprocessor-out", str(tmp_path / "p")]
    assert main(args) == 2
    assert "--preprocessor-out" in capsys.readouterr().err


def test_export_int8_refuses_a_tagger(tiny_config, tmp_path):
    from keras_bert import BertEncoder, BertTokenizer, BertTokenTagger

    vocabulary = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "a", "b"]
    tagger = BertTokenTagger(
        BertEncoder(tiny_config), tags=["O", "B-X", "I-X"], tokenizer=BertTokenizer(vocabulary)
    )
    with pytest.raises(KerasBertError, match="model_or_folder is a tagger"):
        export_int8(tagger, str(tmp_path / "out"))


def test_loader_refuses_a_float_export_and_misused_calls(exports):
    with pytest.raises(ValueError, match=MANIFEST_FILE):
        load_int8_export(exports[2])
    bert = load_int8_export(exports[3])
    with pytest.raises(ValueError, match="single texts"):
        bert.classify(["a"], ["b"])
    empty = bert.classify([])
    assert empty["probabilities"].shape == (0, len(LABELS)) and empty["labels"].shape == (0,)
