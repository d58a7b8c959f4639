"""The GPU pretraining script, run on the CPU with a tiny preset: it is run only where a GPU
is lent, so this is what keeps it from rotting between those runs."""

import json
import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from benchmarks import gpu_pretraining
from keras_bert import BertConfig

REPO = Path(__file__).resolve().parents[2]


def test_pretraining_batch_has_both_heads_labels_at_any_batch_size():
    config = BertConfig.from_preset("bert_tiny", vocab_size=gpu_pretraining.VOCAB_SIZE)
    batch = gpu_pretraining.pretraining_batch(config, 40)
    assert batch["input_word_ids"].shape == (40, 128)
    assert batch["masked_lm_positions"].shape == (40, gpu_pretraining.PREDICTIONS)
    assert sorted(np.unique(batch["next_sentence_labels"])) == [0, 1]


@pytest.mark.slow  # builds, compiles and trains a bert_tiny pretrainer in a subprocess
def test_script_runs_on_cpu_and_writes_a_record_with_a_finite_loss(tmp_path):
    out = tmp_path / "record.json"
    command = [sys.executable, str(REPO / "benchmarks" / "gpu_pretraining.py"), "--preset", "bert_tiny",
               "--batch-size", "4", "--precision", "float32", "--jit-compile", "off", "--steps", "1",
               "--rounds", "2", "--peak-size", "128", "--out", str(out)]
    completed = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=600)
    assert completed.returncode == 0, completed.stderr[-2000:]
    record = json.loads(out.read_text())
    assert record["unit"] == "sequences/s" and record["keras_bert"]["median"] > 0
    assert all(math.isfinite(loss) for loss in record["loss_after_each_round"])
    assert 0 < record["mfu"]["keras_bert"]
    assert record["reference"]["sequences_per_second"] == 485.6
    assert "NVIDIA's published figure" in completed.stdout
