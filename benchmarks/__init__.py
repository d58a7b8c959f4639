"""Benchmarks of keras_bert. `python -m benchmarks` runs the speed comparisons with keras-hub and
Hugging Face (see benchmarks/__main__.py); the other scripts here are standalone experiments."""
