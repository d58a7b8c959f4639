"""Shared test set-up: quiet TensorFlow, where the optional real data lives, one tiny
`BertConfig`, and the `must_run` rule (on CI, a skipped `must_run` test is a failure)."""

import os
from pathlib import Path

import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

REPO_ROOT = Path(__file__).resolve().parents[1]
# Real public datasets, kept beside the repository (never inside it).
SHARED_DIR = REPO_ROOT.parent / "shared"


@pytest.fixture
def shared_path():
    """`shared_path("data", "vocab", ...)`: a path under ../shared, or a clean skip if absent."""

    def resolve(*parts):
        path = SHARED_DIR.joinpath(*parts)
        if not path.exists():
            pytest.skip(f"optional real data not present: {path}")
        return path

    return resolve


@pytest.fixture
def tiny_config():
    """A tiny BERT: two layers (so layer order matters), no dropout (so outputs repeat).

    Change a field for one test with `dataclasses.replace(tiny_config, hidden_act=...)`.
    """
    from keras_bert import BertConfig

    return BertConfig(
        vocab_size=48,
        hidden_size=16,
        num_hidden_layers=2,
        num_attention_heads=4,
        intermediate_size=32,
        max_position_embeddings=32,
        type_vocab_size=2,
        hidden_dropout_prob=0.0,
        attention_probs_dropout_prob=0.0,
    )


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """With CI=true, a skipped test marked `must_run` fails, naming what it found missing.

    `@pytest.mark.must_run("what to install")`: the marker's argument says what the test needs.
    Skips must happen inside the test or a fixture (not at module import) to be seen here.
    """
    outcome = yield
    report = outcome.get_result()
    marker = item.get_closest_marker("must_run")
    if (
        marker is None
        or not report.skipped
        or hasattr(report, "wasxfail")
        or os.environ.get("CI") != "true"
    ):
        return
    reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
    if reason.startswith("Skipped: "):
        reason = reason[len("Skipped: "):]
    needs = marker.args[0] if marker.args else "what .ci/run installs"
    report.outcome = "failed"
    report.longrepr = (
        f"{item.nodeid} is marked must_run and was skipped on CI (CI=true): {reason}\n"
        f"It needs {needs}."
    )
