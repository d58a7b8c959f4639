"""Text to BERT inputs: vocabulary training, Google-exact WordPiece tokenization, packing.

Names load on first use (PEP 562, as in `keras_bert`), so reading a vocab.txt through
`keras_bert.tokenization.vocabulary_file` does not import TensorFlow.
"""

from keras_bert.lazy_exports import lazy_exports

# Public name -> module of this package that defines it.
_PUBLIC_API = {
    "BertTokenizer": "keras_bert.tokenization.bert_tokenizer",
    "BertInputPacker": "keras_bert.tokenization.packing",
    "train_vocabulary": "keras_bert.tokenization.vocabulary",
    "SPECIAL_TOKENS": "keras_bert.tokenization.vocabulary_file",
    "read_vocabulary": "keras_bert.tokenization.vocabulary_file",
    "write_vocabulary": "keras_bert.tokenization.vocabulary_file",
}

__getattr__, __dir__, __all__ = lazy_exports(__name__, _PUBLIC_API)
