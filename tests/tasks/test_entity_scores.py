"""Entity-level scores: conlleval's definition by hand, seqeval as an independent oracle, and
the in-graph Keras metric against the pure function."""

import keras
import numpy as np
import pytest

from keras_bert.data.tag_schemes import bio_tag_names
from keras_bert.data.tagging import read_tagged_file
from keras_bert.tasks.entity_scores import EntityF1, TagAccuracy, entity_scores
from tests.conftest import SHARED_DIR


def test_conlleval_documentation_example():
    # The two-sentence example on conlleval's output page (CoNLL-2000), predicted column
    # as in its second version: "I-NP" opening a sentence starts a phrase just as "B-NP".
    true = [["B-NP", "B-NP", "I-NP", "I-NP", "O"], ["B-NP", "B-VP", "B-NP", "I-NP"]]
    predicted = [["I-NP", "B-NP", "I-NP", "I-NP", "O"], ["I-NP", "B-VP", "B-NP", "I-NP"]]
    scores = entity_scores(true, predicted, scheme="iob1")
    # Phrases: Boeing | 's 747 jetliners | Rockwell | said | the agreement, all found.
    assert (scores["true_entities"], scores["predicted_entities"]) == (5, 5)
    assert scores["correct_entities"] == 5 and scores["f1"] == 1.0


def test_exact_span_and_type_by_hand():
    true = ["B-PER", "I-PER", "O", "B-LOC", "B-LOC", "I-LOC"]
    predicted = ["B-PER", "O", "O", "B-LOC", "B-ORG", "I-ORG"]
    # True: PER[0,2) LOC[3,4) LOC[4,6). Predicted: PER[0,1) LOC[3,4) ORG[4,6).
    # Only LOC[3,4) matches: the PER span is shorter, the last span has the wrong type.
    scores = entity_scores([true], [predicted])
    assert scores["correct_entities"] == 1
    assert scores["precision"] == pytest.approx(1 / 3)
    assert scores["recall"] == pytest.approx(1 / 3)
    assert scores["per_type"]["LOC"]["precision"] == 1.0
    assert scores["per_type"]["LOC"]["recall"] == 0.5
    assert scores["per_type"]["ORG"] == {
        "precision": 0.0, "recall": 0.0, "f1": 0.0,
        "true_entities": 0, "predicted_entities": 1, "correct_entities": 0,
    }
    # A prediction running past the true end is wrong too.
    assert entity_scores([["B-PER", "O"]], [["B-PER", "I-PER"]])["f1"] == 0.0
    assert entity_scores([["O", "O"]], [["O", "O"]])["f1"] == 0.0  # nothing to find


def corrupt(tags, rng, tag_names, rate=0.15):
    return [tag_names[rng.integers(len(tag_names))] if rng.random() < rate else t for t in tags]


def assert_as_seqeval(true, predicted):
    seqeval = pytest.importorskip("seqeval.metrics")
    ours = entity_scores(true, predicted)
    assert ours["precision"] == pytest.approx(seqeval.precision_score(true, predicted))
    assert ours["recall"] == pytest.approx(seqeval.recall_score(true, predicted))
    assert ours["f1"] == pytest.approx(seqeval.f1_score(true, predicted))
    report = seqeval.classification_report(true, predicted, output_dict=True, zero_division=0)
    for name, values in ours["per_type"].items():
        if name in report:  # seqeval lists the types of the true tags
            assert values["f1"] == pytest.approx(report[name]["f1-score"])
            assert values["true_entities"] == report[name]["support"]
    return seqeval


@pytest.mark.must_run("seqeval, from the dev extra")
def test_against_seqeval_on_random_tags():
    rng = np.random.default_rng(1)
    names = bio_tag_names(["A", "B", "C"])
    true = [list(rng.choice(names, size=rng.integers(1, 15))) for _ in range(300)]
    predicted = [corrupt(tags, rng, names, rate=0.3) for tags in true]
    assert_as_seqeval(true, predicted)


# must_run only where the optional data is: its absence is a clean skip, on CI too.
NEEDS_SEQEVAL_WITH_DATA = (
    pytest.mark.must_run("seqeval, from the dev extra")
    if SHARED_DIR.exists() else pytest.mark.usefixtures()
)


@NEEDS_SEQEVAL_WITH_DATA
def test_against_seqeval_on_real_tags(shared_path):
    path = shared_path("data", "conll2003", "eng.testa")
    true = [sentence.tags for sentence in read_tagged_file(path)]
    rng = np.random.default_rng(0)
    names = bio_tag_names(["LOC", "MISC", "ORG", "PER"])
    predicted = [corrupt(tags, rng, names) for tags in true]
    seqeval = assert_as_seqeval(true, predicted)
    # The file's own IOB1 tags hold, for seqeval, exactly the entities of their conversion.
    raw, sentence = [], []
    for line in path.read_text(encoding="utf-8").split("\n") + [""]:
        if line.strip() and not line.startswith("-DOCSTART-"):
            sentence.append(line.split()[-1])
        elif sentence:
            raw.append(sentence)
            sentence = []
    assert len(raw) == len(true) and raw != true
    assert seqeval.f1_score(raw, true) == 1.0


TAGS = bio_tag_names(["A", "B"])


def keras_metric_inputs(seed, batch=8, length=14):
    """Random padded batches: labels -1 at random non-word positions, one-hot logits."""
    rng = np.random.default_rng(seed)
    y_true = rng.integers(0, len(TAGS), (batch, length))
    y_true = np.where(rng.random((batch, length)) < 0.3, -1, y_true).astype("int32")
    y_true[:, 0] = -1  # [CLS]
    predicted = np.where(rng.random((batch, length)) < 0.4, rng.integers(0, 5, (batch, length)),
                         np.maximum(y_true, 0))
    return y_true, np.eye(len(TAGS), dtype="float32")[predicted], predicted


def words_of(y_true, predicted):
    true = [[TAGS[t] for t in row if t >= 0] for row in y_true]
    guess = [[TAGS[p] for t, p in zip(row, prow) if t >= 0] for row, prow in zip(y_true, predicted)]
    return true, guess


def test_keras_metric_equals_the_pure_function():
    metric = EntityF1(TAGS)
    accuracy = TagAccuracy()
    all_true, all_predicted = [], []
    for seed in range(6):
        y_true, logits, predicted = keras_metric_inputs(seed)
        metric.update_state(y_true, logits)
        accuracy.update_state(y_true, logits)
        true, guess = words_of(y_true, predicted)
        all_true += true
        all_predicted += guess
    expected = entity_scores(all_true, all_predicted)
    assert 0 < expected["f1"] < 1
    assert float(metric.result()) == pytest.approx(expected["f1"], abs=1e-6)
    for name, f1 in metric.per_type().items():
        assert f1 == pytest.approx(expected["per_type"][name]["f1"], abs=1e-6)
    pairs = [(t, p) for ts, ps in zip(all_true, all_predicted) for t, p in zip(ts, ps)]
    assert float(accuracy.result()) == pytest.approx(np.mean([t == p for t, p in pairs]))
    metric.reset_state()
    assert float(metric.result()) == 0.0


def test_keras_metric_under_xla():
    """The metric compiles with XLA (Keras fits with jit_compile where it can)."""
    import tensorflow as tf

    metric = EntityF1(TAGS)
    y_true, logits, predicted = keras_metric_inputs(7)

    @tf.function(jit_compile=True)
    def update(y, p):
        metric.update_state(y, p)
        return metric.result()

    result = float(update(tf.constant(y_true), tf.constant(logits)))
    assert result == pytest.approx(entity_scores(*words_of(y_true, predicted))["f1"], abs=1e-6)


def test_keras_metric_config_round_trip():
    metric = EntityF1(TAGS, average="recall", name="entity_recall")
    again = keras.metrics.deserialize(keras.metrics.serialize(metric))
    assert again.tags == TAGS and again.average == "recall" and again.name == "entity_recall"
