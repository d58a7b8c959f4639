"""Trainable models that join an encoder with heads, losses and metrics (pretraining, classification)."""
