"""`BertTask`: what every task model adds to its encoder: its tokenizer, and `encode(text)`.

A task model (classifier, pretrainer, sentence encoder, ...) holds the `BertTokenizer` whose
ids its encoder was trained on, as part of the model (`get_config` and saved assets), so a
loaded model takes raw strings with nothing else. `encode` is the one method every task
shares: texts → the sentence vector the task reads (its `sentence_pooling`) and the token
vectors, as the exported SavedModel's `encode` signature returns them.
"""

import numpy as np

from keras_bert.errors import KerasBertError
from keras_bert.modeling.functional_model import FunctionalModel

DEFAULT_SEQ_LENGTH = 128


class BertTask(FunctionalModel):
    """A `FunctionalModel` with `encoder`, `tokenizer` and `seq_length` attributes."""

    # The sentence vector `encode` returns: overridden where the task reads another one.
    sentence_pooling = "cls"
    normalize_sentences = False

    def encode(self, texts, text_pairs=None, batch_size=32):
        """Raw strings → {"sentence_embedding", "pooled_output", "sequence_output", "input_mask"}.

        One string gives one vector per output without a batch axis (`sequence_output` and
        `input_mask` then cover the real tokens only); a list gives [n, ...] arrays, the
        token outputs padded to the longest text. Numpy float32 (int32 for the mask).
        """
        from keras_bert.data.labelled import trim_batch_padding
        from keras_bert.tasks.sentence_encoder import pool_sentences

        if self.tokenizer is None:
            raise KerasBertError(
                f"This {type(self).__name__} has no tokenizer; build it with tokenizer=... ."
            )
        texts, text_pairs = as_python_strings(texts), as_python_strings(text_pairs)
        single = isinstance(texts, (str, bytes))
        texts = [texts] if single else list(texts)
        if text_pairs is not None:
            text_pairs = [text_pairs] if isinstance(text_pairs, (str, bytes)) else list(text_pairs)
            if len(text_pairs) != len(texts):
                raise KerasBertError(f"{len(texts)} texts but {len(text_pairs)} text_pairs.")
        seq_length = getattr(self, "seq_length", None) or DEFAULT_SEQ_LENGTH
        batches = []
        for start in range(0, len(texts), batch_size):
            pairs = text_pairs[start : start + batch_size] if text_pairs is not None else None
            features = trim_batch_padding(
                self.tokenizer.encode(texts[start : start + batch_size], pairs, seq_length=seq_length)
            )
            outputs = self.encoder(features, training=False)
            sentence = pool_sentences(
                outputs["pooled_output"], outputs["sequence_output"], features["input_mask"],
                self.sentence_pooling, self.normalize_sentences,
            )
            batches.append({
                "sentence_embedding": np.asarray(sentence, "float32"),
                "pooled_output": np.asarray(outputs["pooled_output"], "float32"),
                "sequence_output": np.asarray(outputs["sequence_output"], "float32"),
                "input_mask": np.asarray(features["input_mask"], "int32"),
            })
        result = _concatenate_padded(batches, self.encoder.config.hidden_size)
        if single:
            length = int(result["input_mask"][0].sum())
            result = {key: value[0] for key, value in result.items()}
            result["sequence_output"] = result["sequence_output"][:length]
            result["input_mask"] = result["input_mask"][:length]
        return result


def as_python_strings(texts):
    """A string tensor or numpy array as Python bytes (one, or a list); anything else as given."""
    if hasattr(texts, "numpy"):
        texts = texts.numpy()
    if isinstance(texts, np.ndarray):
        return texts.item() if texts.ndim == 0 else texts.tolist()
    return texts


def _concatenate_padded(batches, hidden_size):
    """Join per-batch outputs, padding the token axes to the longest batch."""
    if not batches:
        return {
            "sentence_embedding": np.zeros((0, hidden_size), "float32"),
            "pooled_output": np.zeros((0, hidden_size), "float32"),
            "sequence_output": np.zeros((0, 0, hidden_size), "float32"),
            "input_mask": np.zeros((0, 0), "int32"),
        }
    longest = max(batch["input_mask"].shape[1] for batch in batches)
    for batch in batches:
        missing = longest - batch["input_mask"].shape[1]
        batch["sequence_output"] = np.pad(batch["sequence_output"], ((0, 0), (0, missing), (0, 0)))
        batch["input_mask"] = np.pad(batch["input_mask"], ((0, 0), (0, missing)))
    return {key: np.concatenate([batch[key] for batch in batches]) for key in batches[0]}
