"""`keras-bert pretrain`: bad input as one-line errors; end to end on a tiny corpus with the
process killed mid-run and the same command run again (resume)."""

import json
import os
import random
import signal
import subprocess
import sys
import time

import h5py
import pytest

from keras_bert.cli.main import main
from keras_bert.training.learning_rates import default_pretraining_rate

STEPS, EVERY = 100, 10


def write_corpus(path, documents=40, seed=0):
    """Documents of simple sentences about a few animals in one place each (Google layout)."""
    rng = random.Random(seed)
    animals = "cat dog bird fish horse cow sheep goat mouse lion".split()
    verbs = "sees chases likes follows finds watches helps meets".split()
    places = "garden house river forest field barn city hill".split()
    with open(path, "w", encoding="utf-8") as file:
        for _ in range(documents):
            cast, place = rng.sample(animals, 3), rng.choice(places)
            for _ in range(rng.randint(4, 8)):
                first, second = rng.sample(cast, 2)
                file.write(f"The {first} {rng.choice(verbs)} the {second} in the {place}.\n")
            file.write("\n")
    return path


def run_cli(capsys, *args):
    code = main(["pretrain", *args])
    return code, capsys.readouterr().err


@pytest.mark.parametrize(
    "extra, message",
    [
        (["--steps", "0"], "steps must be an integer >= 1"),
        (["--steps", "5", "--seq-length", "600"], "max_position_embeddings (512)"),
        (["--steps", "5", "--masked-lm-prob", "1.5"], "mask rate must be in (0, 1)"),
        (["--steps", "5", "--eval-fraction", "0.9"], "eval_fraction"),
        (["--steps", "5", "--preset", "bert_huge"], "unknown preset"),
    ],
)
def test_absurd_settings_are_one_line_errors(tmp_path, capsys, extra, message):
    corpus = write_corpus(tmp_path / "corpus.txt", documents=4)
    code, err = run_cli(capsys, "--corpus", str(corpus), "--vocab-size", "60", "--out", str(tmp_path / "o"), *extra)
    assert code == 2 and message in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "o").exists()


def test_missing_files_and_unusable_corpora_are_explained(tmp_path, capsys):
    out = str(tmp_path / "o")
    code, err = run_cli(capsys, "--corpus", str(tmp_path / "nope.txt"), "--vocab-size", "60", "--steps", "5", "--out", out)
    assert code == 2 and "Corpus file not found" in err
    corpus = write_corpus(tmp_path / "corpus.txt", documents=4)
    code, err = run_cli(capsys, "--corpus", str(corpus), "--vocab", str(tmp_path / "v.txt"), "--steps", "5", "--out", out)
    assert code == 2 and "Vocabulary file not found" in err

    one_document = tmp_path / "one.txt"
    one_document.write_text("The cat sees the dog. The dog sees the cat.\n", encoding="utf-8")
    code, err = run_cli(capsys, "--corpus", str(one_document), "--vocab-size", "60", "--steps", "5", "--out", out)
    assert code == 2 and "at least 2 documents" in err and "--no-next-sentence" in err
    assert len(err.strip().splitlines()) == 1

    empty = tmp_path / "empty.txt"
    empty.write_text("\n\n", encoding="utf-8")
    code, err = run_cli(capsys, "--corpus", str(empty), "--vocab-size", "60", "--steps", "5", "--out", out)
    assert code == 2 and "empty" in err

    broken = tmp_path / "broken.txt"
    broken.write_bytes(b"The cat \xff\xfe sees.\n\nThe dog sees.\n")
    code, err = run_cli(capsys, "--corpus", str(broken), "--vocab-size", "60", "--steps", "5", "--out", out)
    assert code == 2 and "UTF-8" in err and len(err.strip().splitlines()) == 1


def command(corpus, out):
    return [
        sys.executable, "-m", "keras_bert.cli.main", "pretrain",
        "--corpus", str(corpus), "--vocab-size", "120", "--steps", str(STEPS),
        "--batch-size", "8", "--seq-length", "32",
        "--checkpoint-every", str(EVERY), "--eval-fraction", "0.1",
        "--out", str(out),
    ]


@pytest.mark.slow  # ~35 s: a real kill and resume
def test_killed_run_resumes_to_the_requested_step_and_writes_the_model_folder(tmp_path, capsys):
    corpus = write_corpus(tmp_path / "corpus.txt")
    out = tmp_path / "model"
    state_file = out / "checkpoints" / "checkpoint.json"
    environment = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3")

    first = subprocess.Popen(command(corpus, out), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=environment)
    deadline = time.time() + 300
    while not state_file.exists() and first.poll() is None and time.time() < deadline:
        time.sleep(0.05)
    first.send_signal(signal.SIGKILL)
    first.communicate()
    assert first.returncode == -signal.SIGKILL, "the first run ended before it could be killed"
    killed_at = json.loads(state_file.read_text())["step"]
    assert 0 < killed_at < STEPS and killed_at % EVERY == 0
    assert not (out / "keras_bert.json").exists()  # the model folder is written only at the end

    second = subprocess.run(command(corpus, out), capture_output=True, text=True, env=environment, timeout=400)
    assert second.returncode == 0, second.stdout[-2000:] + second.stderr[-2000:]
    assert f"Resuming from the checkpoint at step {killed_at} of {STEPS}" in second.stdout
    assert "Pretraining finished" in second.stdout and f"resumed at step {killed_at}" in second.stdout
    assert "━" in second.stdout  # Keras's progress bar
    assert "MLM baseline" in second.stdout

    summary = json.loads((out / "summary.json").read_text())
    assert summary["steps"] == STEPS and summary["resumed_from_step"] == killed_at
    state = json.loads(state_file.read_text())
    assert state["step"] == STEPS
    with h5py.File(out / "checkpoints" / state["file"], "r") as checkpoint:
        assert int(checkpoint["optimizer/vars/0"][()]) == STEPS  # the optimizer's iteration counter

    history = json.loads((out / "history.json").read_text())
    steps = [record["step"] for record in history["train"]]
    assert steps == sorted(set(steps)) and steps[-1] == STEPS
    assert [r["step"] for r in history["validation"]] == list(range(EVERY, STEPS + 1, EVERY))

    metadata = json.loads((out / "keras_bert.json").read_text())
    assert metadata["format"] == "keras_bert" and metadata["task"] == "pretrainer"
    model_config = json.loads((out / "config.json").read_text())["config"]  # Keras's serialisation
    assert model_config["tokenizer"]["config"]["lowercase"] is True
    config = model_config["encoder"]["config"]["config"]
    vocabulary = (out / "assets" / "tokenizer" / "vocab.txt").read_text(encoding="utf-8").splitlines()
    assert config["vocab_size"] == len(vocabulary) and config["hidden_size"] == 128
    for name in ("model.weights.h5", "training_curves.png"):
        assert (out / name).stat().st_size > 0
    with h5py.File(out / "model.weights.h5", "r") as weights:
        assert "optimizer" not in weights  # the model folder holds no optimizer state
    assert os.listdir(out / "logs" / "train") and os.listdir(out / "logs" / "validation")

    # Held-out accuracy is measured against the most-frequent-token baseline, both on record.
    assert 0 < summary["baselines"]["mlm_accuracy"] < 1
    assert summary["metrics"]["mlm_accuracy"] > 0

    # Without --learning-rate and --max-predictions the run used, and recorded, the defaults:
    # the preset's rate, and 15 % of 32 tokens rounded up.
    rate = default_pretraining_rate("bert_tiny")
    run = json.loads((out / "run.json").read_text())
    assert run["learning_rate"] == rate and run["max_predictions"] == 5
    assert f"bert_tiny, peak learning rate {rate:g}, batch 8" in second.stdout

    # Other settings over these checkpoints are refused rather than mixed in, naming both values.
    code, err = run_cli(capsys, *command(corpus, out)[4:-2], "--out", str(out), "--batch-size", "16")
    assert code == 2 and "different run (differs in: batch_size 8 -> 16)" in err
    code, err = run_cli(capsys, *command(corpus, out)[4:-2], "--out", str(out), "--learning-rate", str(rate / 10))
    assert code == 2 and f"different run (differs in: learning_rate {rate!r} -> {rate / 10!r})" in err
