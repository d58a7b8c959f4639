"""BertClassifier, its F1 metric, scoring, and the fine-tuning recipe, on tiny models."""

import json
import os

import keras
import numpy as np
import pytest

from keras_bert import BertConfig, BertEncoder
from keras_bert.tasks.classification_f1 import ClassificationF1
from keras_bert.tasks.classifier import BertClassifier
from keras_bert.tasks.classifier_evaluation import score_predictions
from keras_bert.tasks.classifier_training import finetune_classifier
from keras_bert.training.learning_rates import PAPER_FINETUNING_RATE, default_finetuning_rate

TINY = dict(
    vocab_size=40,
    hidden_size=16,
    num_hidden_layers=1,
    num_attention_heads=2,
    intermediate_size=32,
    max_position_embeddings=16,
)


def tiny_encoder(**overrides):
    return BertEncoder(BertConfig(**{**TINY, **overrides}))


def inputs(batch=4, seq=6, seed=0):
    rng = np.random.default_rng(seed)
    return {
        "input_word_ids": rng.integers(1, 40, (batch, seq)).astype("int32"),
        "input_mask": np.ones((batch, seq), "int32"),
        "input_type_ids": np.zeros((batch, seq), "int32"),
    }


def numpy_f1(true_ids, predicted_ids, num_classes):
    """Independent F1 per class from explicit counting over examples."""
    scores = []
    for label in range(num_classes):
        tp = sum(1 for t, p in zip(true_ids, predicted_ids) if t == label and p == label)
        fp = sum(1 for t, p in zip(true_ids, predicted_ids) if t != label and p == label)
        fn = sum(1 for t, p in zip(true_ids, predicted_ids) if t == label and p != label)
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        scores.append(2 * precision * recall / (precision + recall) if precision + recall else 0.0)
    return scores


def test_logits_are_the_dense_layer_over_the_pooled_output():
    encoder = tiny_encoder()
    classifier = BertClassifier(encoder, 3, labels=["a", "b", "c"])
    x = inputs()
    logits = np.asarray(classifier(x, training=False))
    assert logits.shape == (4, 3) and logits.dtype == np.float32
    pooled = np.asarray(encoder(x, training=False)["pooled_output"])
    kernel, bias = (np.asarray(w) for w in classifier.classifier_dense.weights)
    np.testing.assert_allclose(logits, pooled @ kernel + bias, rtol=1e-5, atol=1e-6)
    # BERT initialisation: truncated normal, stddev initializer_range (0.02), cut at 2 sigma.
    assert kernel.shape == (16, 3) and np.abs(kernel).max() <= 0.04 + 1e-7
    assert np.all(bias == 0)
    assert classifier.get_layer("classifier_dense") is classifier.classifier_dense


def test_dropout_is_active_only_in_training():
    classifier = BertClassifier(tiny_encoder(hidden_dropout_prob=0.0, attention_probs_dropout_prob=0.0), 2, dropout=0.5)
    x = inputs()
    np.testing.assert_array_equal(classifier(x, training=False), classifier(x, training=False))
    assert not np.allclose(classifier(x, training=True), classifier(x, training=False))


def test_constructor_checks():
    with pytest.raises(ValueError, match="2 label names given for num_classes=3"):
        BertClassifier(tiny_encoder(), 3, labels=["a", "b"])
    with pytest.raises(ValueError, match="num_classes must be an integer ≥ 2"):
        BertClassifier(tiny_encoder(), 1)


def test_get_config_round_trip_and_keras_file(tmp_path):
    classifier = BertClassifier(tiny_encoder(), 3, dropout=0.2, labels=["x", "y", "z"], text_pair=True, seq_length=12)
    config = classifier.get_config()
    assert {k: config[k] for k in ("num_classes", "dropout", "labels", "text_pair", "seq_length")} == {
        "num_classes": 3, "dropout": 0.2, "labels": ["x", "y", "z"], "text_pair": True, "seq_length": 12
    }
    rebuilt = BertClassifier.from_config(config)
    assert rebuilt.get_config() == config
    x = inputs()
    path = str(tmp_path / "classifier.keras")
    classifier.save(path)
    loaded = keras.saving.load_model(path, safe_mode=True)
    assert isinstance(loaded, BertClassifier) and loaded.labels == ["x", "y", "z"] and loaded.text_pair
    np.testing.assert_allclose(loaded(x, training=False), classifier(x, training=False), atol=1e-6)


def test_weights_file_round_trip(tmp_path):
    classifier = BertClassifier(tiny_encoder(), 2)
    path = str(tmp_path / "classifier.weights.h5")
    classifier.save_weights(path)
    other = BertClassifier(tiny_encoder(), 2)
    other.load_weights(path)
    x = inputs()
    np.testing.assert_allclose(other(x, training=False), classifier(x, training=False), atol=1e-6)


@pytest.mark.parametrize("num_classes", [2, 3, 5])
def test_f1_metric_streams_and_matches_independent_counting(num_classes):
    rng = np.random.default_rng(num_classes)
    true_ids = rng.integers(0, num_classes, 101)
    logits = rng.normal(size=(101, num_classes)).astype("float32")
    logits[np.arange(101) % 3 == 0, :] = 0
    logits[np.arange(101) % 3 == 0, true_ids[np.arange(101) % 3 == 0]] = 1  # some right answers
    metric = ClassificationF1(num_classes)
    for start in range(0, 101, 32):  # batches: F1 must come from the totals, not batch means
        metric.update_state(true_ids[start : start + 32], logits[start : start + 32])
    per_class = numpy_f1(true_ids, logits.argmax(-1), num_classes)
    expected = per_class[1] if num_classes == 2 else np.mean(per_class)
    np.testing.assert_allclose(float(metric.result()), expected, rtol=1e-6)
    metric.reset_state()
    assert float(metric.result()) == 0.0


def test_f1_with_a_class_never_seen_or_predicted_counts_it_as_zero():
    metric = ClassificationF1(3)
    metric.update_state(np.array([0, 1, 1]), np.eye(3)[[0, 1, 0]])
    # Class 0: P 1/2, R 1 → 2/3; class 1: P 1, R 1/2 → 2/3; class 2: absent → 0.
    np.testing.assert_allclose(float(metric.result()), (2 / 3 + 2 / 3 + 0) / 3, rtol=1e-6)


def test_score_predictions_matches_numpy():
    rng = np.random.default_rng(1)
    true_ids = rng.integers(0, 3, 50)
    probabilities = rng.dirichlet(np.ones(3), 50)
    scores = score_predictions(true_ids, probabilities, ["neg", "neu", "pos"])
    predicted = probabilities.argmax(-1)
    assert scores["accuracy"] == pytest.approx(np.mean(predicted == true_ids))
    assert scores["f1"] == pytest.approx(np.mean(numpy_f1(true_ids, predicted, 3)))
    expected_confusion = [[int(np.sum((true_ids == t) & (predicted == p))) for p in range(3)] for t in range(3)]
    assert scores["confusion_matrix"] == expected_confusion
    counts = np.bincount(true_ids, minlength=3)
    assert scores["majority_class_accuracy"] == pytest.approx(counts.max() / 50)


def test_finetuning_recipe_learns_a_token_rule_and_writes_history(tmp_path):
    """Class 1 iff token 7 occurs: a rule a one-layer encoder can learn in a few epochs."""
    import tensorflow as tf

    keras.utils.set_random_seed(0)
    rng = np.random.default_rng(0)
    n, seq = 256, 8
    ids = rng.integers(10, 40, (n, seq)).astype("int32")
    labels = rng.integers(0, 2, n).astype("int32")
    positions = rng.integers(1, seq, n)
    ids[labels == 1, positions[labels == 1]] = 7
    ids[:, 0] = 2  # [CLS]-like first token
    x = {"input_word_ids": ids, "input_mask": np.ones_like(ids), "input_type_ids": np.zeros_like(ids)}
    train = tf.data.Dataset.from_tensor_slices((x, labels)).shuffle(n, seed=0).batch(16)
    classifier = BertClassifier(tiny_encoder(), 2)
    history = finetune_classifier(
        classifier, train, train, epochs=6, learning_rate=5e-3, out_dir=str(tmp_path), log_every=4, verbose=0
    )
    assert history.history["val_accuracy"][-1] > 0.9
    assert "val_f1" in history.history
    # Linear warm-up then decay to 0 over epochs * steps updates (AdamW from keras_bert.training).
    optimizer = classifier.optimizer
    assert int(optimizer.iterations) == 6 * 16
    assert float(optimizer.learning_rate) == pytest.approx(0.0, abs=1e-9)
    recorded = json.loads((tmp_path / "history.json").read_text())
    assert recorded["validation"][-1]["accuracy"] == pytest.approx(history.history["val_accuracy"][-1])
    assert os.path.getsize(tmp_path / "training_curves.png") > 1000
    assert os.listdir(tmp_path / "logs")



@pytest.mark.parametrize("hidden_size", [16, 768])
def test_finetuning_without_a_rate_takes_the_one_for_the_encoders_width(hidden_size):
    import tensorflow as tf

    train = tf.data.Dataset.from_tensor_slices((inputs(batch=8), np.arange(8) % 2)).batch(8)
    classifier = BertClassifier(tiny_encoder(hidden_size=hidden_size, intermediate_size=2 * hidden_size), 2)
    first_rates = []
    record = keras.callbacks.LambdaCallback(
        on_train_batch_begin=lambda batch, logs: first_rates.append(float(classifier.optimizer.learning_rate))
    )
    finetune_classifier(classifier, train, epochs=1, warmup_fraction=0.0, callbacks=[record], verbose=0)
    assert first_rates[0] == pytest.approx(default_finetuning_rate(hidden_size))
    if hidden_size == 768:  # BERT-base's width: the paper's 2e-5 ... 5e-5
        assert first_rates[0] == pytest.approx(PAPER_FINETUNING_RATE) and 2e-5 <= PAPER_FINETUNING_RATE <= 5e-5

def test_trimming_batch_padding_changes_no_logit():
    from keras_bert.data.labelled import trim_batch_padding

    classifier = BertClassifier(tiny_encoder(), 2)
    x = inputs(batch=3, seq=16)
    x["input_mask"][:, 5:] = 0  # longest row: 5 real tokens → trimmed to 8 positions
    x["input_mask"][1, 3:] = 0
    x["input_word_ids"] *= x["input_mask"]
    trimmed = {k: np.asarray(v) for k, v in trim_batch_padding(x).items()}
    assert trimmed["input_word_ids"].shape == (3, 8)
    np.testing.assert_allclose(classifier(trimmed, training=False), classifier(x, training=False), atol=1e-5)


def test_mean_pooling_averages_the_sequence_output_over_real_tokens_only():
    encoder = tiny_encoder()
    classifier = BertClassifier(encoder, 2, pooling="mean")
    assert not encoder.pooler.trainable  # it feeds nothing trained
    assert not any("pooler" in v.path for v in classifier.trainable_variables)
    x = inputs(batch=3, seq=7)
    x["input_mask"][1, 4:] = 0
    x["input_mask"][2, 1:] = 0
    sequence = np.asarray(encoder(x, training=False)["sequence_output"])
    mask = x["input_mask"][..., None].astype("float32")
    expected_sentence = (sequence * mask).sum(axis=1) / mask.sum(axis=1)  # independent numpy mean
    kernel, bias = (np.asarray(w) for w in classifier.classifier_dense.weights)
    logits = np.asarray(classifier(x, training=False))
    np.testing.assert_allclose(logits, expected_sentence @ kernel + bias, rtol=1e-5, atol=1e-6)
    # Padded positions carry no weight: changing their ids changes no logit.
    changed = {k: v.copy() for k, v in x.items()}
    changed["input_word_ids"][2, 1:] = 39
    np.testing.assert_allclose(classifier(changed, training=False), logits, atol=1e-6)


def test_pooling_is_checked_and_survives_config_and_model_folder(tmp_path):
    from keras_bert import BertTokenizer
    from keras_bert.workflows.classifier_folder import load_classifier, save_classifier_folder

    with pytest.raises(ValueError, match="pooling must be one of cls, mean, max"):
        BertClassifier(tiny_encoder(), 2, pooling="median")
    vocabulary = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"] + [f"w{i}" for i in range(35)]
    classifier = BertClassifier(tiny_encoder(), 2, pooling="mean", tokenizer=BertTokenizer(vocabulary))
    assert BertClassifier.from_config(classifier.get_config()).pooling == "mean"
    save_classifier_folder(str(tmp_path / "model"), classifier)
    loaded = load_classifier(str(tmp_path / "model"))
    assert loaded.pooling == "mean"
    x = inputs()
    np.testing.assert_allclose(loaded(x, training=False), classifier(x, training=False), atol=1e-6)

