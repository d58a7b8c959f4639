"""A diverging run stops with a one-line error and keeps its last finite checkpoint; weights
that are NaN or infinite are never checkpointed, written or loaded."""

import json
import os
import random

import h5py
import numpy as np
import pytest

from keras_bert.cli.main import main
from keras_bert.errors import KerasBertError
from keras_bert.interop import native
from keras_bert.modeling.encoder import BertEncoder
from keras_bert.tasks.classifier import BertClassifier
from keras_bert.tasks.pretrainer import BertPretrainer
from keras_bert.tokenization.bert_tokenizer import BertTokenizer
from keras_bert.training.checkpoints import (
    checkpoint_name,
    read_checkpoint_state,
    restore_latest_checkpoint,
    save_checkpoint,
)
from keras_bert.training.divergence import StopOnNonFiniteLoss, TrainingDivergedError
from keras_bert.training.optimizers import create_optimizer

VOCABULARY = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"] + [f"tok{i}" for i in range(43)]


def compiled_pretrainer(tiny_config, vocabulary=VOCABULARY):
    import dataclasses

    config = dataclasses.replace(tiny_config, vocab_size=len(vocabulary))
    model = BertPretrainer(BertEncoder(config), tokenizer=BertTokenizer(vocabulary))
    model.compile(optimizer=create_optimizer(10, learning_rate=1e-3))
    model.optimizer.build(model.trainable_variables)  # as after training: slots exist
    return model


def poison(model):
    """Set one weight of `model` to NaN, as a diverged update does."""
    variable = model.encoder.weights[0]
    value = np.asarray(variable.numpy())
    value.flat[0] = np.nan
    variable.assign(value)
    return variable.path


def test_a_non_finite_loss_stops_training_naming_the_step():
    callback = StopOnNonFiniteLoss(initial_step=5, accumulation_steps=2)
    callback.set_model(type("Model", (), {"optimizer": None})())
    callback.on_train_batch_end(0, {"loss": 1.5, "mlm_loss": 1.0})
    with pytest.raises(TrainingDivergedError, match=r"The training mlm_loss became infinite at step 6: training diverged"):
        callback.on_train_batch_end(1, {"loss": 2.0, "mlm_loss": float("inf")})
    assert issubclass(TrainingDivergedError, KerasBertError)  # the CLI prints it on one line


def test_non_finite_weights_are_never_checkpointed_and_never_restored(tmp_path, tiny_config):
    model = compiled_pretrainer(tiny_config)
    save_checkpoint(model, tmp_path, step=4)
    good = model.encoder.weights[0].numpy().copy()
    name = poison(model)
    with pytest.raises(TrainingDivergedError, match=(
        rf"The weights became non-finite \(NaN in {name}\) at step 6: training diverged and was "
        r"stopped; the last finite checkpoint \(step 4, .*ckpt-00000004.weights.h5\) is kept")):
        save_checkpoint(model, tmp_path, step=6)
    assert read_checkpoint_state(tmp_path)["step"] == 4
    assert sorted(os.listdir(tmp_path)) == ["checkpoint.json", checkpoint_name(4)]
    assert restore_latest_checkpoint(model, tmp_path) == 4
    np.testing.assert_array_equal(model.encoder.weights[0].numpy(), good)

    # A checkpoint written with NaN (by a version without this check) is refused, named.
    poison(model)
    model.save_weights(str(tmp_path / checkpoint_name(8)))
    (tmp_path / "checkpoint.json").write_text(json.dumps({"step": 8, "file": checkpoint_name(8)}))
    with pytest.raises(KerasBertError, match=f"{tmp_path / checkpoint_name(8)} holds non-finite weights"):
        restore_latest_checkpoint(model, tmp_path)


def test_a_model_folder_with_nan_weights_is_refused_naming_the_file(tmp_path, tiny_config):
    import dataclasses

    config = dataclasses.replace(tiny_config, vocab_size=len(VOCABULARY))
    classifier = BertClassifier(BertEncoder(config), num_classes=2, tokenizer=BertTokenizer(VOCABULARY))
    folder = tmp_path / "classifier"
    native.write_model_folder(folder, classifier)
    assert native.load_model(folder).num_classes == 2
    weights = folder / native.WEIGHTS_FILE
    with h5py.File(weights, "r+") as file:  # overwrite every float weight with NaN

        def fill(name, item):
            if isinstance(item, h5py.Dataset) and item.dtype.kind == "f":
                item[...] = np.nan

        file.visititems(fill)
    with pytest.raises(KerasBertError, match=f"{weights} holds non-finite weights \\(NaN in .*\\): the run"):
        native.load_model(folder)
    from keras_bert import load_checkpoint

    with pytest.raises(KerasBertError, match="holds non-finite weights"):  # finetune --init
        load_checkpoint(folder)
    # And such a model is never written.
    poison(classifier)
    with pytest.raises(TrainingDivergedError, match="weights are not finite .* not writing"):
        native.write_model_folder(tmp_path / "other", classifier)
    assert not (tmp_path / "other").exists()


def write_corpus(path, documents=30, seed=0):
    rng = random.Random(seed)
    animals = "cat dog bird fish horse cow sheep goat mouse lion".split()
    verbs = "sees chases likes follows finds watches helps meets".split()
    with open(path, "w", encoding="utf-8") as file:
        for _ in range(documents):
            cast = rng.sample(animals, 3)
            for _ in range(rng.randint(4, 8)):
                first, second = rng.sample(cast, 2)
                file.write(f"The {first} {rng.choice(verbs)} the {second}.\n")
            file.write("\n")
    return path


def test_pretraining_with_a_huge_learning_rate_fails_and_keeps_the_last_finite_checkpoint(tmp_path, capsys):
    corpus = write_corpus(tmp_path / "corpus.txt")
    out = tmp_path / "run"
    code = main([
        "pretrain", "--corpus", str(corpus), "--vocab-size", "80", "--steps", "60",
        "--batch-size", "8", "--seq-length", "24", "--checkpoint-every", "3",
        "--eval-fraction", "0", "--learning-rate", "1e3", "--out", str(out), "--quiet",
    ])
    err = capsys.readouterr().err.strip()
    assert code == 2 and len(err.splitlines()) == 1 and "Traceback" not in err, err
    state = read_checkpoint_state(out / "checkpoints")
    assert state is not None, err  # it diverged after a checkpoint or two, not at once
    kept = out / "checkpoints" / state["file"]
    assert (
        f"training diverged and was stopped; the last finite checkpoint (step {state['step']}, "
        f"{kept}) is kept. Lower the learning rate (--learning-rate, now 1000)." in err
    )
    step = int(err.split(" at step ")[1].split(":")[0])
    assert state["step"] < step < 60
    assert any(kind in err for kind in ("became NaN", "became infinite", "non-finite"))
    assert not (out / "keras_bert.json").exists()  # no model folder from a diverged run

    # The kept checkpoint loads, with finite weights.
    vocabulary = (out / "vocab.txt").read_text(encoding="utf-8").splitlines()
    from keras_bert.config import BertConfig

    config = BertConfig.from_preset("bert_tiny", vocab_size=len(vocabulary))
    model = BertPretrainer(BertEncoder(config), tokenizer=BertTokenizer(vocabulary))
    model.compile(optimizer=create_optimizer(60, learning_rate=1e3))
    assert restore_latest_checkpoint(model, out / "checkpoints") == state["step"]
    assert all(np.isfinite(weight.numpy()).all() for weight in model.weights)


@pytest.mark.slow
def test_finetuning_with_a_huge_learning_rate_fails_and_writes_nothing(tmp_path, capsys):
    import csv

    words = "the movie plot was really very quite good bad".split()
    rng = random.Random(0)
    train = tmp_path / "train.tsv"
    with open(train, "w", encoding="utf-8", newline="") as file:
        writer = csv.writer(file, delimiter="\t")
        writer.writerow(["sentence", "label"])
        for index in range(320):
            writer.writerow([" ".join(rng.choices(words, k=6)), ["neg", "pos"][index % 2]])
    vocab = tmp_path / "vocab.txt"
    vocab.write_text("\n".join(["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"] + words) + "\n")
    out = tmp_path / "classifier"
    code = main([
        "finetune", "--train", str(train), "--text-column", "sentence", "--label-column", "label",
        "--init", "random", "--preset", "bert_tiny", "--vocab", str(vocab), "--epochs", "3",
        "--seq-length", "16", "--batch-size", "16", "--learning-rate", "1e3", "--out", str(out),
    ])
    err = capsys.readouterr().err.strip().splitlines()[-1]
    assert code == 2 and "training diverged and was stopped. Lower the learning rate" in err, err
    assert not out.exists() and sorted(os.listdir(tmp_path)) == ["train.tsv", "vocab.txt"]
