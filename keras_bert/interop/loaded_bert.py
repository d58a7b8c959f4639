"""`LoadedBert`: what `load_checkpoint` returns, whatever format the folder was in.

One object carries the architecture, the vocabulary and the models built from a checkpoint, so
callers (the CLI, fine-tuning, export) need not know which format the weights came from.
"""

import dataclasses
import os
import tempfile


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
            from keras_bert.tokenization import BertTokenizer

            vocab_file = self.vocab_file
            if vocab_file is None or not os.path.exists(vocab_file):
                # A Hugging Face folder may hold its vocabulary only in tokenizer.json.
                handle, vocab_file = tempfile.mkstemp(suffix="_vocab.txt")
                with os.fdopen(handle, "w", encoding="utf-8") as file:
                    file.write("".join(token + "\n" for token in self.vocabulary))
                self.vocab_file = vocab_file
            self._tokenizer = BertTokenizer.from_vocab_file(vocab_file, lowercase=self.lowercase)
        return self._tokenizer
