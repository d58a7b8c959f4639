"""Checkpoint interop: our model folder, Google's TF1 checkpoints and Hugging Face weights."""
