"""Every weight of our models named as in Google's original BERT checkpoints, with its layout.

Google's names (google-research/bert `modeling.py` and `run_pretraining.py`) are the common
language of the interop code: the Google reader and writer use them as they are, and the
Hugging Face code translates them (`hugging_face_names.py`). Arrays are exchanged in Google's
layout: Dense kernels [in, out], attention projections as [hidden, hidden] matrices, the
next-sentence weights [2, hidden]. Each `WeightSlot` knows how to turn such an array into our
variable's layout and back, so no format reader touches Keras layers directly.

The tables below are the one list of those names: each row pairs a Google name with the
attribute that holds the weight in our model and its layout. The slots of a built model
(`encoder_slots`, `pretrainer_slots`) and the names of a model not yet built
(`google_names`) both come from them.
"""

import dataclasses
import operator

import numpy as np

from keras_bert.errors import KerasBertError
from keras_bert.modeling.encoder import BertEncoder
from keras_bert.tasks.pretrainer import BertPretrainer

# How a Google-layout array becomes our variable's layout.
SAME = "same"  # identical shape
RESHAPE = "reshape"  # same values, regrouped by attention head
TRANSPOSE = "transpose"  # [2, hidden] <-> Dense kernel [hidden, 2]

POOLER_PREFIX = "bert/pooler/"
MASKED_LM_PREFIX = "cls/predictions/"
NEXT_SENTENCE_PREFIX = "cls/seq_relationship/"

# (Google name, attribute path in our layer, layout). Attention projections are the public
# `query_dense` ... `output_dense` sublayers of keras.layers.MultiHeadAttention.
EMBEDDING_WEIGHTS = (  # in BertEncoder
    ("bert/embeddings/word_embeddings", "embeddings.word_embeddings.embeddings", SAME),
    ("bert/embeddings/token_type_embeddings", "embeddings.token_type_embeddings.embeddings", SAME),
    ("bert/embeddings/position_embeddings", "embeddings.position_embeddings", SAME),
    ("bert/embeddings/LayerNorm/gamma", "embeddings.layer_norm.gamma", SAME),
    ("bert/embeddings/LayerNorm/beta", "embeddings.layer_norm.beta", SAME),
)
LAYER_WEIGHTS = (  # after bert/encoder/layer_N/, in BertEncoder.transformer_blocks[N]
    ("attention/self/query/kernel", "attention.query_dense.kernel", RESHAPE),
    ("attention/self/query/bias", "attention.query_dense.bias", RESHAPE),
    ("attention/self/key/kernel", "attention.key_dense.kernel", RESHAPE),
    ("attention/self/key/bias", "attention.key_dense.bias", RESHAPE),
    ("attention/self/value/kernel", "attention.value_dense.kernel", RESHAPE),
    ("attention/self/value/bias", "attention.value_dense.bias", RESHAPE),
    ("attention/output/dense/kernel", "attention.output_dense.kernel", RESHAPE),
    # The output projection's bias is [hidden] in both layouts.
    ("attention/output/dense/bias", "attention.output_dense.bias", SAME),
    ("attention/output/LayerNorm/gamma", "attention_layer_norm.gamma", SAME),
    ("attention/output/LayerNorm/beta", "attention_layer_norm.beta", SAME),
    ("intermediate/dense/kernel", "intermediate_dense.kernel", SAME),
    ("intermediate/dense/bias", "intermediate_dense.bias", SAME),
    ("output/dense/kernel", "output_dense.kernel", SAME),
    ("output/dense/bias", "output_dense.bias", SAME),
    ("output/LayerNorm/gamma", "output_layer_norm.gamma", SAME),
    ("output/LayerNorm/beta", "output_layer_norm.beta", SAME),
)
POOLER_WEIGHTS = (  # in BertEncoder
    (POOLER_PREFIX + "dense/kernel", "pooler.dense.kernel", SAME),
    (POOLER_PREFIX + "dense/bias", "pooler.dense.bias", SAME),
)
MASKED_LM_WEIGHTS = (  # in MaskedLMHead; its output projection is the tied word embeddings
    (MASKED_LM_PREFIX + "transform/dense/kernel", "transform_dense.kernel", SAME),
    (MASKED_LM_PREFIX + "transform/dense/bias", "transform_dense.bias", SAME),
    (MASKED_LM_PREFIX + "transform/LayerNorm/gamma", "transform_layer_norm.gamma", SAME),
    (MASKED_LM_PREFIX + "transform/LayerNorm/beta", "transform_layer_norm.beta", SAME),
    (MASKED_LM_PREFIX + "output_bias", "output_bias", SAME),
)
NEXT_SENTENCE_WEIGHTS = (  # in the pretrainer's next-sentence Dense layer
    (NEXT_SENTENCE_PREFIX + "output_weights", "kernel", TRANSPOSE),
    (NEXT_SENTENCE_PREFIX + "output_bias", "bias", SAME),
)


@dataclasses.dataclass
class WeightSlot:
    """One Google-named array and the Keras variable that holds it in our model."""

    name: str
    variable: object
    layout: str = SAME

    @property
    def ours_shape(self):
        return tuple(int(size) for size in self.variable.shape)

    @property
    def google_shape(self):
        shape = self.ours_shape
        if self.layout == TRANSPOSE:
            return shape[::-1]
        if self.layout == RESHAPE:
            # [hidden, heads, head] -> [hidden, hidden]; [heads, head, hidden] -> [hidden, hidden];
            # [heads, head] -> [hidden].
            if len(shape) == 2:
                return (shape[0] * shape[1],)
            if self.name.endswith("attention/output/dense/kernel"):
                return (shape[0] * shape[1], shape[2])
            return (shape[0], shape[1] * shape[2])
        return shape

    def to_ours(self, array):
        array = np.asarray(array, dtype=np.float32)
        if self.layout == TRANSPOSE:
            return np.ascontiguousarray(array.T)
        return array.reshape(self.ours_shape)

    def to_google(self):
        array = np.asarray(self.variable.numpy(), dtype=np.float32)
        if self.layout == TRANSPOSE:
            return np.ascontiguousarray(array.T)
        return array.reshape(self.google_shape)


def layer_prefix(index):
    return f"bert/encoder/layer_{index}/"


def google_names(num_layers, heads=True):
    """The Google names of an encoder of `num_layers` layers, both heads' too when `heads`.

    In the order of `encoder_slots` + `pretrainer_slots`'s heads, without building a model.
    """
    result = [name for name, _, _ in EMBEDDING_WEIGHTS]
    for index in range(num_layers):
        result += [layer_prefix(index) + name for name, _, _ in LAYER_WEIGHTS]
    result += [name for name, _, _ in POOLER_WEIGHTS]
    if heads:
        result += [name for name, _, _ in MASKED_LM_WEIGHTS + NEXT_SENTENCE_WEIGHTS]
    return result


def encoder_slots(encoder):
    """The encoder's weights under Google's `bert/...` names (the pooler included)."""
    slots = _slots(encoder, EMBEDDING_WEIGHTS)
    for index, block in enumerate(encoder.transformer_blocks):
        slots += _slots(block, LAYER_WEIGHTS, layer_prefix(index))
    return slots + _slots(encoder, POOLER_WEIGHTS)


def masked_lm_slots(masked_lm_head):
    """The masked-LM head; its output projection is the (tied) word embedding table."""
    return _slots(masked_lm_head, MASKED_LM_WEIGHTS)


def next_sentence_slots(next_sentence_head):
    return _slots(next_sentence_head, NEXT_SENTENCE_WEIGHTS)


def pretrainer_slots(pretrainer):
    slots = encoder_slots(pretrainer.encoder) + masked_lm_slots(pretrainer.masked_lm_head)
    if pretrainer.next_sentence_head is not None:
        slots += next_sentence_slots(pretrainer.next_sentence_head)
    return slots


def _slots(layer, weights, prefix=""):
    return [
        WeightSlot(prefix + name, operator.attrgetter(path)(layer), layout)
        for name, path, layout in weights
    ]


def has_masked_lm_weights(names):
    return any(name.startswith(MASKED_LM_PREFIX) for name in names)


def has_next_sentence_weights(names):
    return any(name.startswith(NEXT_SENTENCE_PREFIX) for name in names)


def build_models(config, names):
    """The encoder, and a `BertPretrainer` over it when `names` include the masked-LM head."""
    encoder = BertEncoder(config)
    if not has_masked_lm_weights(names):
        return encoder, None
    pretrainer = BertPretrainer(encoder, next_sentence=has_next_sentence_weights(names))
    return encoder, pretrainer


class GoogleNaming:
    """How messages name a Google-named, Google-layout array: as it is."""

    def name(self, google_name):
        return google_name

    def shape(self, google_name, google_shape):
        return list(google_shape)


def assign_slots(slots, arrays, source, naming=None, optional_prefixes=()):
    """Fill every slot from `arrays` ({Google name: Google-layout array}), all or nothing.

    A slot without an array is an error naming it, unless its name starts with one of
    `optional_prefixes` (then it keeps its initial value and its name is returned). Every
    shape is checked before anything is assigned, so a failed load leaves the model untouched.

    Args:
        source: the checkpoint's path, for messages.
        naming: says names and shapes in the source's own format (default: Google's).
    """
    naming = naming or GoogleNaming()
    missing, mismatched, skipped, values = [], [], [], []
    for slot in slots:
        if slot.name not in arrays:
            if slot.name.startswith(tuple(optional_prefixes)):
                skipped.append(slot.name)
            else:
                missing.append(naming.name(slot.name))
            continue
        array = arrays[slot.name]
        if tuple(array.shape) != slot.google_shape:
            mismatched.append(
                f"{naming.name(slot.name)}: expected shape "
                f"{naming.shape(slot.name, slot.google_shape)}, found "
                f"{naming.shape(slot.name, array.shape)}"
            )
            continue
        values.append((slot, array))
    problems = []
    if missing:
        problems.append(f"missing variable(s): {', '.join(missing)}")
    if mismatched:
        problems.append("mis-shaped variable(s): " + "; ".join(mismatched))
    if problems:
        raise KerasBertError(f"Checkpoint {source} does not fit the model: " + ". ".join(problems))
    for slot, array in values:
        slot.variable.assign(slot.to_ours(array))
    return skipped
