"""Pictures of a BERT: attention heat maps (training curves live with the training callbacks)."""
