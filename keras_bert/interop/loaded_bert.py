"""`LoadedBert`: what `load_checkpoint` returns, whatever format the folder was in.

One object carries the architecture, the vocabulary and the models built from a checkpoint, so
callers (the CLI, fine-tuning, export) need not know which format the weights came from.
"""

import dataclasses
import os

from keras_bert.errors import KerasBertError
from keras_bert.tokenization.bert_tokenizer import BertTokenizer
from keras_bert.tokenization.vocabulary_file import check_vocabulary_size, read_vocabulary


@dataclasses.dataclass
class LoadedBert:
    """A BERT read from a folder.

    Attributes:
        config: the `BertConfig`.
        vocabulary: the WordPiece vocabulary, one token per id.
        lowercase: whether the tokenizer lowercases (and strips accents).
        encoder: a `BertEncoder` holding the checkpoint's weights.
        pretrainer: a `BertPretrainer` sharing `encoder`, when the checkpoint holds the
            pretraining heads; else None.
        classifier: a `BertClassifier` sharing `encoder` (our own format only); else None.
        metadata: what the folder said about itself (ours: keras_bert.json; others: a summary).
        format: "keras_bert", "google" or "huggingface".
        vocab_file: the folder's vocab.txt when it has one (the tokenizer reads it).
    """

    config: object
    vocabulary: list
    lowercase: bool
    encoder: object
    pretrainer: object = None
    classifier: object = None
    metadata: dict = dataclasses.field(default_factory=dict)
    format: str = ""
    vocab_file: str = None
    _tokenizer: object = dataclasses.field(default=None, repr=False, compare=False)

    @property
    def tokenizer(self):
        """A `BertTokenizer` over `vocabulary`, built on first use (tf-text tables cost time)."""
        if self._tokenizer is None:
            if self.vocab_file is not None and os.path.exists(self.vocab_file):
                self._tokenizer = BertTokenizer.from_vocab_file(
                    self.vocab_file, lowercase=self.lowercase
                )
            else:
                # A Hugging Face folder may hold its vocabulary only in tokenizer.json.
                self._tokenizer = BertTokenizer(self.vocabulary, lowercase=self.lowercase)
        return self._tokenizer


def as_loaded_bert(model, vocabulary=None, lowercase=None):
    """A `LoadedBert` for a writer: `model` is one already, or a task model or an encoder.

    A task model brings its own tokenizer; a bare encoder needs `vocabulary` (tokens or a
    vocab.txt path) and `lowercase`. A classifier's encoder is written, its classification
    head is not (Google's and Hugging Face's BERT checkpoints have no standard place for it).
    """

    if isinstance(model, LoadedBert):
        if vocabulary is not None or lowercase is not None:
            raise KerasBertError("A LoadedBert carries its own vocabulary and lowercase setting.")
        return model
    pretrainer = classifier = None
    if hasattr(model, "masked_lm_head"):
        pretrainer, encoder = model, model.encoder
    elif hasattr(model, "transformer_blocks"):
        encoder = model
    elif hasattr(model, "encoder"):
        encoder = model.encoder
        if hasattr(model, "classifier_dense"):
            classifier = model
    else:
        raise TypeError(
            f"Expected a LoadedBert, a task model or a BertEncoder, got {type(model).__name__}."
        )
    tokenizer = getattr(model, "tokenizer", None)
    if tokenizer is not None and vocabulary is None and lowercase is None:
        vocabulary, lowercase = tokenizer.vocabulary, tokenizer.lowercase
    if vocabulary is None or lowercase is None:
        raise KerasBertError(
            "Writing a model without a tokenizer needs vocabulary= (tokens or a vocab.txt path) "
            "and lowercase=."
        )
    if isinstance(vocabulary, (str, os.PathLike)):
        vocab_file, vocabulary = str(vocabulary), read_vocabulary(vocabulary)
    else:
        vocab_file, vocabulary = None, list(vocabulary)
    check_vocabulary_size(vocabulary, encoder.config, "the model to write")
    return LoadedBert(
        config=encoder.config,
        vocabulary=vocabulary,
        lowercase=bool(lowercase),
        encoder=encoder,
        pretrainer=pretrainer,
        classifier=classifier,
        vocab_file=vocab_file,
    )
