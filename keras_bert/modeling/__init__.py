"""Keras layers and models of BERT: embeddings, Transformer blocks, encoder, heads."""
