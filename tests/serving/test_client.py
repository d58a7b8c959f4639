"""export/client.py, run as a user would (a subprocess without keras_bert on its path), prints
the in-memory model's predictions and embeddings."""

import json
import subprocess
import sys

import numpy as np
import pytest

from tests.conftest import REPO_ROOT
from tests.serving.exported_model import TEXTS, expected_outputs, subprocess_environment

CLIENT = REPO_ROOT / "export" / "client.py"


def run_client(*args, stdin=None, cwd):
    """Run the client with `import keras_bert` made impossible (it is installed in this venv)."""
    blocked = (
        "import runpy, sys; sys.modules['keras_bert'] = None; sys.argv = sys.argv[1:]; "
        "runpy.run_path(sys.argv[0], run_name='__main__')"
    )
    return subprocess.run(
        [sys.executable, "-c", blocked, str(CLIENT), *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=subprocess_environment(),
        cwd=cwd,
        timeout=300,
    )


def test_client_classifies_lines_from_stdin(exported, tmp_path):
    saved_model, classifier, _ = exported
    result = run_client(str(saved_model), stdin="".join(t + "\n" for t in TEXTS), cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-2000:]
    records = [json.loads(line) for line in result.stdout.splitlines()]
    expected = expected_outputs(classifier, TEXTS)
    assert [r["text"] for r in records] == TEXTS
    assert [r["label"] for r in records] == expected["labels"]
    probabilities = [[r["probabilities"][name] for name in classifier.labels] for r in records]
    np.testing.assert_allclose(probabilities, expected["probabilities"], atol=1e-5)


@pytest.mark.slow
def test_client_embeds_lines_from_a_file(exported, tmp_path):
    saved_model, classifier, _ = exported
    texts = tmp_path / "texts.txt"
    texts.write_text("".join(t + "\n" for t in TEXTS), encoding="utf-8")
    result = run_client(
        str(saved_model), "--input", str(texts), "--signature", "encode", "--batch-size", "2",
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    embeddings = [json.loads(line)["embedding"] for line in result.stdout.splitlines()]
    expected = expected_outputs(classifier, TEXTS)["pooled_output"]
    np.testing.assert_allclose(embeddings, expected, atol=1e-5)
