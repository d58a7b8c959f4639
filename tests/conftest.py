"""Shared test set-up: quiet TensorFlow, and where the optional real data lives."""

import os
from pathlib import Path

import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

REPO_ROOT = Path(__file__).resolve().parents[1]
# Real public datasets and oracles, kept beside the repository (never inside it).
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
