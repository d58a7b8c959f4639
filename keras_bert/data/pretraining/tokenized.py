"""Documents of sentence strings → documents of word-piece id arrays, tokenised once in TF.

The tokenizer runs in the graph on large batches of sentences (one `tokenize` call per
`batch_size` sentences), then the ragged result is cut back into documents with numpy, so the
whole corpus costs a few calls rather than one per sentence. The result is the cache that
both the static and the dynamic pipelines build their instances from.
"""

import dataclasses

import numpy as np
import tensorflow as tf
from keras.utils import Progbar


@dataclasses.dataclass
class TokenizedCorpus:
    """`documents[d][s]` is the word-piece ids (a list of int) of sentence s of document d."""

    documents: list
    sentences_empty_after_tokenization: int = 0
    long_sentences_split: int = 0
    tokens: int = 0

    def summary(self):
        return (
            f"{len(self.documents)} documents, {self.tokens} word pieces; "
            f"{self.sentences_empty_after_tokenization} sentences had no tokens left after "
            f"tokenisation (skipped), {self.long_sentences_split} sentences longer than a "
            "sequence were split into sequence-sized pieces"
        )


def _flat_ids(ragged):
    """Ids as (flat values, row splits) for a [n, (pieces)] or [n, (words), (pieces)] result."""
    if isinstance(ragged, tf.RaggedTensor) and ragged.ragged_rank > 1:
        ragged = ragged.merge_dims(1, -1)
    if not isinstance(ragged, tf.RaggedTensor):
        ragged = tf.RaggedTensor.from_tensor(ragged)
    return ragged.flat_values.numpy().astype(np.int32), ragged.row_splits.numpy()


def tokenize_corpus(corpus, tokenizer, max_sentence_tokens, batch_size=4096, verbose=1):
    """Tokenise every sentence of `corpus` (a `Corpus`) with `tokenizer.tokenize`.

    Sentences longer than `max_sentence_tokens` word pieces are cut into consecutive pieces of
    at most that length (counted), because Google's truncation would otherwise throw most of
    them away; sentences with no tokens left (only control characters) are skipped (counted).
    """
    sentences = [sentence for document in corpus.documents for sentence in document]
    document_sizes = [len(document) for document in corpus.documents]
    progress = Progbar(len(sentences), unit_name="sentence") if verbose else None
    flat_parts, lengths_parts = [], []
    for start in range(0, len(sentences), batch_size):
        batch = sentences[start : start + batch_size]
        values, splits = _flat_ids(tokenizer.tokenize(tf.constant(batch)))
        flat_parts.append(values)
        lengths_parts.append(np.diff(splits))
        if progress:
            progress.add(len(batch))
    flat = np.concatenate(flat_parts) if flat_parts else np.zeros([0], np.int32)
    lengths = np.concatenate(lengths_parts) if lengths_parts else np.zeros([0], np.int64)
    offsets = np.concatenate([[0], np.cumsum(lengths)])

    result = TokenizedCorpus(documents=[], tokens=int(flat.size))
    flat, offsets = flat.tolist(), offsets.tolist()  # Python ints: fast to slice and join later
    sentence_index = 0
    for size in document_sizes:
        document = []
        for index in range(sentence_index, sentence_index + size):
            ids = flat[offsets[index] : offsets[index + 1]]
            if not ids:
                result.sentences_empty_after_tokenization += 1
                continue
            if len(ids) > max_sentence_tokens:
                result.long_sentences_split += 1
                document.extend(
                    ids[cut : cut + max_sentence_tokens] for cut in range(0, len(ids), max_sentence_tokens)
                )
            else:
                document.append(ids)
        sentence_index += size
        if document:
            result.documents.append(document)
    return result
