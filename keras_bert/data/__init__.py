"""Data for BERT: corpora → pretraining instances (`pretraining`), labelled files → fine-tuning sets."""
