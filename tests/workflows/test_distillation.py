"""`distill`: a tiny teacher taught to a tinier student, the resumable scoring cache, the loss.

The task is one a tiny model learns in seconds: sentences carry "good"/"great" (positive) or
"bad"/"awful" (negative) among shared filler words, so only the sentiment word decides. The
teacher is a bert_tiny fine-tuned on 320 labelled sentences; the student (one layer, 32
wide, with a vocabulary of its own in another order) sees only the teacher's answers on 400
unlabelled sentences, and must then agree with the teacher on sentences neither has seen.
"""

import dataclasses

import numpy as np
import pytest

from keras_bert.cli.main import build_parser
from keras_bert.errors import KerasBertError
from keras_bert.workflows import DistillSettings, distill
from keras_bert.workflows import teacher_scores
from keras_bert.workflows.distillation import read_unlabelled_texts

FILLER = "the movie film plot acting story was is really very quite a and of this that".split()
POSITIVE = ["good", "great"]
NEGATIVE = ["bad", "awful"]
SPECIAL = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]


def sentences(count, seed):
    """(texts, labels "neg"/"pos", alternating)."""
    rng = np.random.default_rng(seed)
    texts, labels = [], []
    for index in range(count):
        label = ["neg", "pos"][index % 2]
        words = list(rng.choice(FILLER, size=rng.integers(3, 8)))
        sentiment = rng.choice(POSITIVE if label == "pos" else NEGATIVE)
        words.insert(rng.integers(0, len(words) + 1), sentiment)
        texts.append(" ".join(words).capitalize() + ".")
        labels.append(label)
    return texts, labels


def write_lines(path, lines):
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return str(path)


@pytest.fixture(scope="module")
def models(tmp_path_factory):
    """A trained teacher folder, a tinier untrained student folder, 400 unlabelled sentences."""
    import keras

    from keras_bert import BertConfig, BertEncoder, BertTokenizer, LabelVocabulary
    from keras_bert.data.labelled import LabelledExamples, classification_dataset
    from keras_bert.tasks.classifier import BertClassifier
    from keras_bert.tasks.classifier_training import finetune_classifier
    from keras_bert.workflows.classifier_folder import save_classifier_folder

    root = tmp_path_factory.mktemp("distillation")
    words = FILLER + POSITIVE + NEGATIVE + ["."]
    keras.utils.set_random_seed(0)
    tokenizer = BertTokenizer(SPECIAL + words, lowercase=True)
    teacher = BertClassifier(
        BertEncoder(BertConfig.from_preset("bert_tiny", vocab_size=tokenizer.vocab_size)),
        2, labels=["neg", "pos"], seq_length=16, tokenizer=tokenizer, dropout=0.3,
    )
    texts, labels = sentences(320, seed=1)
    examples = LabelledExamples(path="train", texts=texts, labels=labels)
    vocabulary = LabelVocabulary(["neg", "pos"])
    finetune_classifier(
        teacher,
        classification_dataset(examples, tokenizer, vocabulary, seq_length=16, batch_size=16,
                               shuffle=True, seed=0),
        epochs=3, learning_rate=1e-3, verbose=0,
    )
    save_classifier_folder(root / "teacher", teacher)

    # The student brings its own vocabulary (the same words, in reverse order).
    student_tokenizer = BertTokenizer(SPECIAL + words[::-1], lowercase=True)
    tiny = BertConfig(vocab_size=student_tokenizer.vocab_size, hidden_size=32,
                      num_hidden_layers=1, num_attention_heads=2, intermediate_size=64,
                      max_position_embeddings=32)
    student = BertClassifier(BertEncoder(tiny), 2, labels=["neg", "pos"], seq_length=16,
                             tokenizer=student_tokenizer)
    save_classifier_folder(root / "student_start", student)
    unlabelled = write_lines(root / "unlabelled.txt", sentences(400, seed=2)[0])
    return root, teacher, unlabelled


def settings(root, text_file, **changes):
    values = dict(teacher=str(root / "teacher"), unlabelled=text_file, out=str(root / "out"),
                  student=str(root / "student_start"), epochs=6, seq_length=16, batch_size=16,
                  learning_rate=3e-3, dropout=0.0)
    return DistillSettings(**dict(values, **changes))


def agreement(model, teacher, texts):
    _, ours = model.predict_texts(texts, verbose=0)
    _, theirs = teacher.predict_texts(texts, verbose=0)
    return float(np.mean(np.asarray(ours) == np.asarray(theirs)))


def test_the_student_learns_to_agree_with_its_teacher(models):
    from keras_bert.workflows.classifier_folder import load_classifier
    from keras_bert.workflows.classifier_start import start_classifier

    root, teacher, unlabelled = models
    held_out, gold = sentences(200, seed=3)
    _, teacher_answers = teacher.predict_texts(held_out, verbose=0)
    assert np.mean(np.asarray(teacher_answers) == np.asarray(gold)) > 0.9  # a teacher worth copying

    untrained = start_classifier(str(root / "student_start"), num_classes=2,
                                 labels=["neg", "pos"], seq_length=16, seed=0)
    summary = distill(settings(root, unlabelled), verbose=0)
    student = load_classifier(str(root / "out"))

    assert summary["unlabelled_texts"] == 400 and summary["train_examples"] == 0
    assert summary["student_weights"] < summary["teacher_weights"] / 10
    # The student keeps its own vocabulary (the teacher's in reverse order).
    assert student.tokenizer.vocabulary[5:] == teacher.tokenizer.vocabulary[5:][::-1]
    learned, before = agreement(student, teacher, held_out), agreement(untrained, teacher, held_out)
    assert learned >= 0.9, (learned, before)
    assert learned >= before + 0.25, (learned, before)


def test_a_killed_scoring_resumes_without_rescoring_finished_shards(models, monkeypatch):
    root, teacher, _ = models
    unlabelled = write_lines(root / "fifty.txt", sentences(50, seed=4)[0])
    changes = dict(out=str(root / "resumed"), shard_size=10, epochs=1)
    calls = []
    score = teacher_scores.teacher_logits

    def interrupted_on_third_call(model, texts, *args, **kwargs):
        calls.append(len(texts))
        if len(calls) == 3:
            raise KeyboardInterrupt
        return score(model, texts, *args, **kwargs)

    monkeypatch.setattr(teacher_scores, "teacher_logits", interrupted_on_third_call)
    with pytest.raises(KeyboardInterrupt):
        distill(settings(root, unlabelled, **changes), verbose=0)
    [cache] = (root / "resumed" / "teacher_logits").iterdir()
    assert sorted(path.name for path in cache.iterdir()) == ["shard-00000.npy", "shard-00001.npy"]

    calls.clear()
    monkeypatch.setattr(teacher_scores, "teacher_logits", counting(calls, score))
    summary = distill(settings(root, unlabelled, **changes), verbose=0)
    assert calls == [10, 10, 10]  # shards 2, 3 and 4 only
    assert summary["teacher_scoring"]["unlabelled"] == {
        "shards": 5, "reused_shards": 2, "texts": 50,
        "seconds": summary["teacher_scoring"]["unlabelled"]["seconds"],
    }
    # The cached scores are the teacher's, in the texts' order.
    texts = read_unlabelled_texts(unlabelled)
    cached = np.concatenate([np.load(cache / f"shard-{i:05d}.npy") for i in range(5)])
    np.testing.assert_allclose(cached, np.asarray(teacher.predict(
        teacher.tokenizer.encode(texts, seq_length=16), verbose=0)), atol=1e-5)

    # Scored once: a third run (here the scoring step alone) reads every shard.
    calls.clear()
    cache_dir = str(root / "resumed" / "teacher_logits")
    key = teacher_scores.teacher_fingerprint(str(root / "teacher"))
    again, counts = teacher_scores.cached_teacher_logits(
        teacher, texts, cache_dir=cache_dir, name="unlabelled", teacher_key=key, shard_size=10,
        log=quiet, progress=False)
    assert calls == [] and counts == {"shards": 5, "reused_shards": 5}
    np.testing.assert_array_equal(again, cached)

    # Other texts are another cache entry: scored afresh, the stale one removed.
    teacher_scores.cached_teacher_logits(
        teacher, texts[:-1], cache_dir=cache_dir, name="unlabelled", teacher_key=key,
        shard_size=10, log=quiet, progress=False)
    assert len(calls) == 5
    assert len(list((root / "resumed" / "teacher_logits").iterdir())) == 1


def quiet(*args, **kwargs):
    """A `log` that prints nothing."""


def counting(calls, score):
    def counted(model, texts, *args, **kwargs):
        calls.append(len(texts))
        return score(model, texts, *args, **kwargs)

    return counted


def test_gold_labels_and_dev_are_used_and_reported(models, tmp_path):
    root, teacher, unlabelled = models
    train = tmp_path / "train.tsv"
    texts, labels = sentences(40, seed=6)
    write_lines(train, ["sentence\tlabel"] + [f"{t}\t{label}" for t, label in zip(texts, labels)])
    dev = tmp_path / "dev.tsv"
    texts, labels = sentences(40, seed=7)
    write_lines(dev, ["sentence\tlabel"] + [f"{t}\t{label}" for t, label in zip(texts, labels)])
    summary = distill(
        settings(root, unlabelled, out=str(tmp_path / "out"), student=None,
                 student_preset="bert_tiny", train=str(train), dev=str(dev),
                 text_column="sentence", label_column="label", epochs=2, alpha=0.5,
                 max_unlabelled=100),
        verbose=0,
    )
    assert summary["train_examples"] == 40 and summary["unlabelled_texts"] == 100
    assert set(summary["teacher_scoring"]) == {"unlabelled", "train", "dev"}
    assert summary["dev_teacher"]["accuracy"] > 0.9
    assert summary["best_epoch"] in (1, 2)
    assert 0.0 <= summary["final_train"]["accuracy"] <= 1.0  # gold accuracy on the 40 labelled
    from keras_bert.interop.native import read_metadata

    metadata = read_metadata(str(tmp_path / "out"))
    assert metadata["task"] == "classifier"
    assert metadata["data"]["text_column"] == "sentence"  # evaluate / predict default to it
    assert metadata["distillation"]["student"] == "bert_tiny"


def test_the_loss_is_hintons(tmp_path):
    """T²·KL(teacher_T ‖ student_T) as PyTorch computes it (the usual implementation), mixed
    with the gold cross-entropy where there is a gold label."""
    torch = pytest.importorskip("torch")
    from keras_bert.tasks.distillation_loss import DistillationLoss, pack_targets

    rng = np.random.default_rng(0)
    teacher, student = rng.normal(size=(6, 3)) * 3, rng.normal(size=(6, 3)) * 3
    gold = np.array([2, -1, 0, -1, 1, 1])
    temperature, alpha = 3.0, 0.3
    loss = DistillationLoss(temperature, alpha, reduction=None)
    ours = np.asarray(loss(pack_targets(teacher, gold), student.astype("float32")))

    t, s = torch.tensor(teacher), torch.tensor(student)
    soft = torch.nn.functional.kl_div(
        torch.log_softmax(s / temperature, -1), torch.softmax(t / temperature, -1),
        reduction="none",
    ).sum(-1) * temperature**2
    hard = torch.nn.functional.cross_entropy(s, torch.tensor(np.maximum(gold, 0)), reduction="none")
    expected = torch.where(torch.tensor(gold >= 0), (1 - alpha) * soft + alpha * hard, soft)
    np.testing.assert_allclose(ours, expected.numpy(), rtol=1e-5, atol=1e-5)


def test_unlabelled_text_is_split_into_sentences(tmp_path):
    path = write_lines(tmp_path / "reviews.txt", [
        "A fine film. Mr. Smith shines! Would I see it again? Yes",
        "",
        "很好看。演员很出色！",
    ])
    assert read_unlabelled_texts(path) == [
        "A fine film. Mr. Smith shines! Would I see it again? Yes", "很好看。演员很出色！",
    ]
    assert read_unlabelled_texts(path, split_sentences=True) == [
        "A fine film.", "Mr. Smith shines!", "Would I see it again?", "Yes", "很好看。", "演员很出色！",
    ]


def test_the_flags_are_the_settings_one_to_one():
    args = build_parser().parse_args(
        ["distill", "--teacher", "t", "--student-preset", "bert_tiny", "--unlabelled", "u",
         "--out", "o"]
    )
    flags = vars(args)
    for not_a_setting in ("command", "func", "quiet"):
        flags.pop(not_a_setting)
    defaults = DistillSettings(teacher="t", unlabelled="u", out="o", student_preset="bert_tiny")
    assert flags == dataclasses.asdict(defaults)


@pytest.mark.parametrize(
    "changes, message",
    [
        (dict(teacher="no/such/folder"), "teacher no/such/folder: no such folder"),
        (dict(unlabelled="missing.txt"), "unlabelled missing.txt: no such file"),
        (dict(student=None), "exactly one of student_preset"),
        (dict(student_preset="bert_tiny"), "exactly one of student_preset"),
        (dict(student=None, student_preset="bert_huge"), "Unknown student_preset 'bert_huge'"),
        (dict(train="missing.tsv"), "train missing.tsv: no such file"),
        (dict(temperature=0), "temperature must be positive"),
        (dict(alpha=1.5), r"alpha must be in \[0, 1\]"),
        (dict(epochs=0), "epochs must be an integer >= 1"),
        (dict(shard_size=0), "shard_size must be an integer >= 1"),
        (dict(max_unlabelled=0), "max_unlabelled must be an integer >= 1"),
        (dict(pooling="max"), "pooling must be one of auto, cls, mean"),
    ],
)
def test_bad_settings_name_the_setting(models, changes, message):
    root, _, unlabelled = models
    with pytest.raises(KerasBertError, match=message):
        settings(root, unlabelled, **changes).validate()


def test_a_teacher_that_is_not_a_classifier_is_refused(models, tmp_path):
    root, _, unlabelled = models
    with pytest.raises(KerasBertError, match="not a keras_bert classifier folder"):
        settings(root, unlabelled, teacher=str(tmp_path)).validate()
