"""Drawing a PNG must not switch the caller's matplotlib backend.

A library that calls `matplotlib.use("Agg")` (at import or when it draws) silently stops a
notebook's own `plt.show()` from displaying anything afterwards. The plots are drawn on bare
`Figure`s instead; this runs them in a fresh process whose backend is set, as Jupyter's inline
backend is, through MPLBACKEND.
"""

import os
import subprocess
import sys

SCRIPT = """
import matplotlib
import numpy as np
from keras_bert import BertConfig, BertEncoder, BertTokenizer
from keras_bert.tasks.classifier_evaluation import plot_confusion_matrix, score_predictions
from keras_bert.training.curves import plot_training_curves
from keras_bert.visualization.attention import plot_attention

plot_training_curves({"train": [{"step": 1, "loss": 2.0, "accuracy": 0.5}]}, "curves.png")
scores = score_predictions([0, 1, 1], np.array([[0.9, 0.1], [0.2, 0.8], [0.6, 0.4]]), ["neg", "pos"])
plot_confusion_matrix(scores, "confusion.png")
vocabulary = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "the", "cat", "猫"]
config = BertConfig(vocab_size=len(vocabulary), hidden_size=16, num_hidden_layers=1,
                    num_attention_heads=2, intermediate_size=32, max_position_embeddings=16)
plot_attention(BertEncoder(config), BertTokenizer(vocabulary), "the cat 猫", "attention.png")
print("backend:", matplotlib.get_backend())
"""


def test_plots_leave_the_backend_alone(tmp_path):
    env = dict(os.environ, MPLBACKEND="svg", TF_CPP_MIN_LOG_LEVEL="2", CUDA_VISIBLE_DEVICES="-1")
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT], cwd=tmp_path, env=env, capture_output=True, text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "backend: svg" in result.stdout
    for name in ("curves.png", "confusion.png", "attention.png"):
        assert (tmp_path / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
