"""kill -9 in the middle of `prepare`, `pretrain`, `finetune`, `export` and `convert`, then the
same command again: no partial output is ever left looking complete, the rerun resumes or
restarts cleanly, and its output is what an uninterrupted run writes (no shard duplicated or
missing, every TensorBoard step once).

Each test starts the real command line in a subprocess, waits until it has written something
(polling the files it writes), sends SIGKILL, checks what is left, and runs the command again.
"""

import json
import os
import random
import signal
import struct
import subprocess
import sys
import time
from pathlib import Path

import pytest

from keras_bert.cli.main import main
from keras_bert.errors import KerasBertError

ENVIRONMENT = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3")
ANIMALS = "cat dog bird fish horse cow sheep goat mouse lion".split()
VERBS = "sees chases likes follows finds watches helps meets".split()
PLACES = "garden house river forest field barn city hill".split()
SPECIAL = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]


def command_line(*args):
    return [sys.executable, "-m", "keras_bert.cli.main", *map(str, args)]


def kill_when(command, ready, timeout=300):
    """Start `command`, SIGKILL it as soon as `ready()` is true; return its output."""
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=ENVIRONMENT
    )
    deadline = time.time() + timeout
    while process.poll() is None and time.time() < deadline and not ready():
        time.sleep(0.01)
    os.kill(process.pid, signal.SIGKILL)
    output = process.communicate()[0].decode("utf-8", "replace")
    assert process.returncode == -signal.SIGKILL, f"it ended before the kill:\n{output[-3000:]}"
    return output


def partial_siblings(out):
    """The temporary folders a command writes `out` through (`output_paths`)."""
    out = Path(out)
    return sorted(
        name for name in os.listdir(out.parent)
        if name.startswith((f".{out.name}.partial-", f"..{out.name}.partial-"))
    )


def leftovers(out):
    """Temporaries and locks beside `out`: none may remain after a successful run."""
    out = Path(out)
    return partial_siblings(out) + [
        name for name in os.listdir(out.parent) if name == f".{out.name}.keras-bert.lock"
    ]


def write_corpus(path, documents, seed=0):
    """Documents of simple sentences about a few animals in one place each (Google layout)."""
    rng = random.Random(seed)
    with open(path, "w", encoding="utf-8") as file:
        for _ in range(documents):
            cast, place = rng.sample(ANIMALS, 3), rng.choice(PLACES)
            for _ in range(rng.randint(4, 8)):
                first, second = rng.sample(cast, 2)
                file.write(f"The {first} {rng.choice(VERBS)} the {second} in the {place}.\n")
            file.write("\n")
    return path


def write_vocab(path):
    path.write_text("\n".join(SPECIAL + ["the", "in", "."] + ANIMALS + VERBS + PLACES) + "\n")
    return path


def test_the_lock_holder_removes_what_killed_runs_left_beside_the_output(tmp_path):
    from keras_bert.output_paths import output_lock

    left = [".model.partial-ab12cd34", "..model.partial-ab12cd34.partial-x9y8z7w6",
            ".vocab.partial-0a1b2c3d.txt"]
    kept = [".model.partial-short", ".other.partial-ab12cd34", "model2", ".vocab.partial-0a1b2c3d.csv"]
    for name in left[:2] + kept[:3]:
        (tmp_path / name).mkdir()
        (tmp_path / name / "file").write_text("x")
    for name in left[2:] + kept[3:]:
        (tmp_path / name).write_text("x")
    with output_lock("--out", tmp_path / "model"):
        pass
    with output_lock("--out", tmp_path / "vocab.txt"):
        pass
    assert sorted(os.listdir(tmp_path)) == sorted(kept)


@pytest.mark.slow
def test_killed_prepare_leaves_no_shard_and_the_rerun_writes_the_same_shards(tmp_path):
    from keras_bert import read_pretraining_tfrecords

    corpus = write_corpus(tmp_path / "corpus.txt", documents=1000)
    vocab = write_vocab(tmp_path / "vocab.txt")

    def prepare(out):
        return ["prepare", "--corpus", corpus, "--vocab", vocab, "--seq-length", 32,
                "--max-predictions", 5, "--shards", 3, "--dupe-factor", 4, "--out", out]

    reference = tmp_path / "reference"  # an uninterrupted run
    assert main([str(arg) for arg in prepare(reference)]) == 0
    reference_files = sorted(os.listdir(reference))

    out = tmp_path / "shards"
    kill_when(
        command_line(*prepare(out)),
        lambda: out.is_dir() and any(name.endswith(".partial") for name in os.listdir(out)),
    )
    # Killed while writing: only hidden partial files, no shard under its final name, no
    # manifest; reading the folder is refused.
    names = os.listdir(out)
    assert names and all(name.startswith(".") and name.endswith(".partial") for name in names)
    with pytest.raises(KerasBertError):
        read_pretraining_tfrecords(out, batch_size=8)

    assert main([str(arg) for arg in prepare(out)]) == 0
    assert sorted(os.listdir(out)) == reference_files  # the leftovers are gone
    for name in reference_files:  # the same bytes as the uninterrupted run: none missing or twice
        assert (out / name).read_bytes() == (reference / name).read_bytes(), name
    manifest = json.loads((out / "pretraining_data.json").read_text())
    read = sum(int(x["input_word_ids"].shape[0]) for x, _ in read_pretraining_tfrecords(out, 64))
    assert read == manifest["instances"] == sum(shard["records"] for shard in manifest["shards"])

    # Killed again while rewriting the finished folder: the finished shards stay as they were.
    kill_when(
        command_line(*prepare(out)),
        lambda: any(name.endswith(".partial") for name in os.listdir(out)),
    )
    for name in reference_files:
        assert (out / name).read_bytes() == (reference / name).read_bytes(), name
    assert sum(1 for _ in read_pretraining_tfrecords(out, 64)) > 0


def event_steps(folder, tag):
    """The steps of scalar `tag` over the event files in `folder` (in reading order), read
    without TensorFlow's reader so that a file being written can be read up to its last
    complete record."""
    from tensorflow.core.util import event_pb2

    steps = []
    if not folder.is_dir():
        return steps
    for name in sorted(os.listdir(folder)):
        if "tfevents" not in name:
            continue
        data, offset = (folder / name).read_bytes(), 0
        while offset + 12 <= len(data):
            (length,) = struct.unpack("<Q", data[offset:offset + 8])
            if offset + 16 + length > len(data):
                break
            event = event_pb2.Event.FromString(data[offset + 12:offset + 12 + length])
            steps += [event.step for value in event.summary.value if value.tag == tag]
            offset += 16 + length
    return steps


@pytest.mark.slow
def test_killed_pretrain_resumes_and_tensorboard_shows_every_step_once(tmp_path):
    corpus = write_corpus(tmp_path / "corpus.txt", documents=40)
    out = tmp_path / "model"
    steps, every = 60, 10
    command = command_line(
        "pretrain", "--corpus", corpus, "--vocab-size", 120, "--steps", steps, "--batch-size", 8,
        "--seq-length", 32, "--checkpoint-every", every, "--log-every", 1, "--eval-fraction", 0.1,
        "--quiet", "--out", out,
    )
    state_file = out / "checkpoints" / "checkpoint.json"

    def logged_past_a_checkpoint():
        try:
            checkpointed = json.loads(state_file.read_text())["step"]
        except (OSError, ValueError):
            return False
        return max(event_steps(out / "logs" / "train", "loss"), default=0) > checkpointed

    kill_when(command, logged_past_a_checkpoint)
    killed_at = json.loads(state_file.read_text())["step"]
    logged = event_steps(out / "logs" / "train", "loss")
    assert killed_at < max(logged) < steps  # steps that the resumed run will train again
    assert not (out / "keras_bert.json").exists()  # not a model folder yet

    second = subprocess.run(command, capture_output=True, text=True, env=ENVIRONMENT, timeout=400)
    assert second.returncode == 0, second.stdout[-2000:] + second.stderr[-2000:]
    assert f"resumed at step {killed_at}" in second.stdout
    assert event_steps(out / "logs" / "train", "loss") == list(range(1, steps + 1))
    assert event_steps(out / "logs" / "validation", "loss") == list(range(every, steps + 1, every))
    history = json.loads((out / "history.json").read_text())
    assert [record["step"] for record in history["train"]] == list(range(1, steps + 1))
    assert leftovers(out) == []


def write_reviews(path, count, seed):
    rng = random.Random(seed)
    filler = "the movie plot was really very quite a".split()
    with open(path, "w", encoding="utf-8") as file:
        file.write("sentence\tlabel\n")
        for index in range(count):
            label = ["neg", "pos"][index % 2]
            words = rng.choices(filler, k=5) + [rng.choice(["good", "great"] if label == "pos" else ["bad", "awful"])]
            rng.shuffle(words)
            file.write(f"{' '.join(words)}\t{label}\n")
    return filler + ["good", "great", "bad", "awful"]


@pytest.mark.slow
def test_killed_finetune_leaves_no_model_and_the_rerun_writes_one(tmp_path):
    from keras_bert import load_model

    words = write_reviews(tmp_path / "train.tsv", 320, seed=1)
    vocab = tmp_path / "vocab.txt"
    vocab.write_text("\n".join(SPECIAL + words) + "\n")
    out = tmp_path / "classifier"
    args = ["finetune", "--train", tmp_path / "train.tsv", "--text-column", "sentence",
            "--label-column", "label", "--init", "random", "--preset", "bert_tiny", "--vocab", vocab,
            "--epochs", 3, "--seq-length", 16, "--batch-size", 16, "--out", out]

    def training():
        return any((tmp_path / name / "logs").is_dir() for name in partial_siblings(out))

    kill_when(command_line(*args), training)
    assert not out.exists() and partial_siblings(out)  # only the hidden temporary folder

    assert main([str(arg) for arg in args]) == 0
    assert leftovers(out) == []
    assert load_model(out).num_classes == 2
    assert json.loads((out / "keras_bert.json").read_text())["task"] == "classifier"


@pytest.fixture
def model_folder(tmp_path):
    """A small classifier folder (random weights) to export and convert."""
    from keras_bert import BertConfig, BertTokenizer
    from keras_bert.interop.native import write_model_folder
    from keras_bert.modeling.encoder import BertEncoder
    from keras_bert.tasks.classifier import BertClassifier

    vocabulary = SPECIAL + "the movie was good bad great awful plot .".split()
    config = BertConfig.from_preset("bert_tiny", vocab_size=len(vocabulary))
    classifier = BertClassifier(BertEncoder(config), num_classes=2, labels=["neg", "pos"],
                                seq_length=16, tokenizer=BertTokenizer(vocabulary))
    folder = tmp_path / "model"
    write_model_folder(folder, classifier)
    return folder, classifier


@pytest.mark.slow
def test_killed_export_leaves_no_saved_model_and_the_rerun_writes_one(tmp_path, model_folder):
    folder, _ = model_folder
    out = tmp_path / "export"
    args = ["export", "--model", folder, "--out", out]
    kill_when(command_line(*args), lambda: bool(partial_siblings(out)))
    assert not out.exists() and partial_siblings(out)

    assert main([str(arg) for arg in args]) == 0
    assert leftovers(out) == []
    assert (out / "saved_model.pb").is_file() and (out / "variables").is_dir()


# The command line, killed (SIGKILL, by itself) at the moment it would publish its output:
# everything is written in the temporary folder and nothing yet under the output's name. A
# kill from outside cannot aim at that instant, which lasts milliseconds for a small model.
KILLED_AT_PUBLISH = (
    "import os, signal, sys\n"
    "import keras_bert.output_paths as paths\n"
    "paths.move_entries = lambda *args: os.kill(os.getpid(), signal.SIGKILL)\n"
    "from keras_bert.cli.main import main\n"
    "sys.exit(main(sys.argv[1:]))\n"
)


@pytest.mark.slow
@pytest.mark.parametrize("form", ["huggingface", "keras_bert"])
def test_killed_convert_leaves_no_output_and_the_rerun_writes_it(tmp_path, model_folder, form):
    import numpy as np

    from keras_bert import load_checkpoint

    folder, classifier = model_folder
    out = tmp_path / "converted"
    args = ["convert", folder, "--to", form, out]
    killed = subprocess.run(
        [sys.executable, "-c", KILLED_AT_PUBLISH, *map(str, args)],
        capture_output=True, text=True, env=ENVIRONMENT, timeout=300,
    )
    assert killed.returncode == -signal.SIGKILL, killed.stdout[-2000:] + killed.stderr[-2000:]
    # (keras_bert: a model folder is itself written through a second temporary folder)
    staging = partial_siblings(out)
    assert any(os.listdir(tmp_path / name) for name in staging)  # it had written it all there
    assert not out.exists()

    assert main([str(arg) for arg in args]) == 0
    assert leftovers(out) == []
    converted = load_checkpoint(out).encoder.weights
    assert len(converted) == len(classifier.encoder.weights)
    for written, original in zip(converted, classifier.encoder.weights):
        np.testing.assert_allclose(written.numpy(), original.numpy(), err_msg=original.path)
