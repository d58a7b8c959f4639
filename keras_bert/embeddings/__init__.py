"""Sentence embeddings put to use: cosine similarity, a semantic search index, STS evaluation.

    sentence_model.py   a path or checkpoint → a task model whose `encode` gives sentence
                        vectors; texts → [n, hidden] vectors in batches, with a progress bar
    similarity.py       `similarity(a, b)`: cosine similarity of vectors, or of texts with a model
    index.py            `SearchIndex`: a corpus embedded once, saved as a folder, queried top-k
    sts.py              the STS Benchmark format, Spearman and Pearson against gold scores
"""
