"""Two workers on 127.0.0.1 under `MultiWorkerMirroredStrategy` train as one process would.

Each worker is its own process with a `TF_CONFIG` naming both, and runs the library's own
`pretrain(settings)` with `strategy="multi_worker_mirrored"` (what `keras-bert pretrain
--strategy multi_worker_mirrored` calls), each writing its own model folder. A third process
trains the same settings on one replica over the same global batch of 8. The runs must agree:
the two workers bit for bit, the reference within float32 rounding.

What makes the three comparable:
- the same initial weights (`keras.utils.set_random_seed(0)`; under the strategy, worker 0's
  initial values are broadcast to the other) and dropout 0, so no step draws random numbers;
- the same batches: each worker builds the whole deterministic pipeline, and the strategy
  gives worker 0 the first half of every global batch and worker 1 the second half;
- one masked position per sequence (`max_predictions=1`), so both halves hold as many masked
  tokens and the mean of the two halves' masked-LM losses is the mean over the batch (with
  unequal counts a replica's tokens weigh by 1 / its own count, as on Google's TPU pods);
- the reference uses `strategy="mirrored"` on one device: under any tf.distribute strategy
  Keras's `fit` draws one batch to build the model before training, so the reshuffled,
  dynamically re-masked data starts one pass later than with no strategy at all.
Gradient clipping (the library's default global norm 1.0) stays on: it must apply to the
gradient summed over the workers, as on one device (see `optimizers._ClipsSummedGradients`).
"""

import json
import os
import random
import socket
import subprocess
import sys
import textwrap

import h5py
import numpy as np
import pytest

WORDS = (
    "the a cat dog sat on mat ran fast slow big small house tree river sun moon walked "
    "looked saw it was and then he she they we home garden park city road"
).split()
SETTINGS = dict(
    steps=4, batch_size=8, seq_length=32, max_predictions=1, eval_fraction=0.0, checkpoint_every=2,
    learning_rate=1e-2, warmup_steps=0, preset="bert_tiny",
)
WORKER = textwrap.dedent(
    """
    import json, sys
    import keras
    import keras_bert.workflows.pretraining as workflow

    preset = workflow.BertConfig.from_preset.__func__
    no_dropout = dict(hidden_dropout_prob=0.0, attention_probs_dropout_prob=0.0)
    workflow.BertConfig.from_preset = classmethod(lambda cls, name, **kw: preset(cls, name, **kw, **no_dropout))
    keras.utils.set_random_seed(0)
    settings = workflow.PretrainingSettings(**json.loads(sys.argv[1]))
    summary = workflow.pretrain(settings, verbose=0)
    print("REPLICAS", summary["replicas"])
    """
)
TIMEOUT_S = 400


def _write_corpus(folder):
    rng = random.Random(0)
    documents = []
    for _ in range(30):
        sentences = [
            " ".join(rng.choice(WORDS) for _ in range(rng.randint(4, 12))) + "."
            for _ in range(rng.randint(2, 6))
        ]
        documents.append("\n".join(sentences))
    corpus = folder / "corpus.txt"
    corpus.write_text("\n\n".join(documents) + "\n", encoding="utf-8")
    vocab = folder / "vocab.txt"
    vocab.write_text("\n".join(["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", *WORDS, "."]) + "\n", encoding="utf-8")
    return corpus, vocab


def _free_ports(count):
    sockets = [socket.socket() for _ in range(count)]
    try:
        for sock in sockets:
            sock.bind(("127.0.0.1", 0))
        return [sock.getsockname()[1] for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


def _start(settings, tf_config=None):
    env = {key: value for key, value in os.environ.items() if key != "TF_CONFIG"}
    env.update(TF_CPP_MIN_LOG_LEVEL="2", CUDA_VISIBLE_DEVICES="")
    if tf_config is not None:
        env["TF_CONFIG"] = json.dumps(tf_config)
    return subprocess.Popen(
        [sys.executable, "-c", WORKER, json.dumps(settings)],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )


def _finish(processes):
    """Wait for all; on a failure or a timeout stop the rest and show each one's stderr."""
    outputs, failed = {}, False
    for name, process in processes.items():
        try:
            outputs[name] = process.communicate(timeout=TIMEOUT_S)
        except subprocess.TimeoutExpired:
            for other in processes.values():
                other.kill()
            outputs[name] = process.communicate()
            failed = True
        failed = failed or process.returncode != 0
    if failed:
        report = "\n".join(
            f"--- {name} (exit {processes[name].returncode}) stderr:\n{err[-4000:]}"
            for name, (_, err) in outputs.items()
        )
        pytest.fail(f"a training process failed or timed out:\n{report}")
    return {name: out for name, (out, _) in outputs.items()}


def _weights(path):
    """The model's arrays by name (a checkpoint's optimizer slots left out)."""
    arrays = {}
    with h5py.File(path, "r") as file:
        file.visititems(lambda name, item: arrays.__setitem__(name, item[()]) if isinstance(item, h5py.Dataset) else None)
    return {name: array for name, array in arrays.items() if not name.startswith("optimizer/")}


def _train_losses(folder):
    history = json.loads((folder / "history.json").read_text(encoding="utf-8"))
    return [record["loss"] for record in history["train"]]


@pytest.mark.slow
def test_two_workers_train_like_one_process_on_the_same_global_batch(tmp_path):
    corpus, vocab = _write_corpus(tmp_path)
    common = dict(SETTINGS, corpus=[str(corpus)], vocab=str(vocab))
    workers = [f"127.0.0.1:{port}" for port in _free_ports(2)]
    processes = {}
    for index in range(2):
        tf_config = {"cluster": {"worker": workers}, "task": {"type": "worker", "index": index}}
        settings = dict(common, out=str(tmp_path / f"worker{index}"), strategy="multi_worker_mirrored")
        processes[f"worker{index}"] = _start(settings, tf_config)
    processes["reference"] = _start(dict(common, out=str(tmp_path / "reference"), strategy="mirrored"))
    outputs = _finish(processes)

    assert "REPLICAS 2" in outputs["worker0"] and "REPLICAS 2" in outputs["worker1"]
    assert "REPLICAS 1" in outputs["reference"]
    worker0, worker1, reference = (
        _weights(tmp_path / name / "model.weights.h5") for name in ("worker0", "worker1", "reference")
    )
    assert sorted(worker0) == sorted(worker1) == sorted(reference) and len(worker0) > 20
    for name in worker0:
        np.testing.assert_array_equal(worker0[name], worker1[name], err_msg=name)
        # Clipping each worker's half before summing (Keras's own order) differs by ~1e-2 here.
        # 4 Adam steps at rate 1e-2 carry float32 rounding of a different summation order:
        # 2.1e-6 was seen on an AMD EPYC, so 1e-5 (still 100x below what a step moves).
        np.testing.assert_allclose(worker0[name], reference[name], rtol=0, atol=1e-5, err_msg=name)
    losses = [_train_losses(tmp_path / name) for name in ("worker0", "worker1", "reference")]
    assert len(losses[0]) == SETTINGS["steps"]
    np.testing.assert_allclose(losses[0], losses[2], rtol=1e-5)
    assert losses[0] == losses[1]
    # The tolerance is far below what a step moves: the last two steps moved weights by > 1e-3.
    halfway = _weights(tmp_path / "worker0" / "checkpoints" / "ckpt-00000002.weights.h5")
    assert max(np.abs(worker0[name] - halfway[name]).max() for name in worker0) > 1e-3


def test_malformed_tf_config_is_one_line_naming_it(monkeypatch):
    from keras_bert.errors import KerasBertError
    from keras_bert.training.distribution import resolve_strategy

    for value, expected in (
        ("{not json", "TF_CONFIG is not a cluster description"),
        ('{"cluster": {"worker": ["a:1"]}, "task": {"type": "worker", "index": 3}}', "index 3 is outside"),
        ('{"cluster": {"worker": ["a:1"]}, "task": {"type": "ps", "index": 0}}', "must be 'worker'"),
    ):
        monkeypatch.setenv("TF_CONFIG", value)
        with pytest.raises(KerasBertError, match=expected):
            resolve_strategy("multi_worker_mirrored")

