"""Every weight of our models named as in Google's original BERT checkpoints, with its layout.

Google's names (google-research/bert `modeling.py` and `run_pretraining.py`) are the common
language of the interop code: the Google reader and writer use them as they are, and the
Hugging Face code translates them (`hugging_face_names.py`). Arrays are exchanged in Google's
layout: Dense kernels [in, out], attention projections as [hidden, hidden] matrices, the
next-sentence weights [2, hidden]. Each `WeightSlot` knows how to turn such an array into our
variable's layout and back, so no format reader touches Keras layers directly.

Google's names used here:
    bert/embeddings/{word_embeddings, token_type_embeddings, position_embeddings}
    bert/embeddings/LayerNorm/{gamma, beta}
    bert/encoder/layer_N/attention/self/{query, key, value}/{kernel, bias}
    bert/encoder/layer_N/attention/output/dense/{kernel, bias}
    bert/encoder/layer_N/attention/output/LayerNorm/{gamma, beta}
    bert/encoder/layer_N/intermediate/dense/{kernel, bias}
    bert/encoder/layer_N/output/dense/{kernel, bias}
    bert/encoder/layer_N/output/LayerNorm/{gamma, beta}
    bert/pooler/dense/{kernel, bias}
    cls/predictions/transform/dense/{kernel, bias}
    cls/predictions/transform/LayerNorm/{gamma, beta}
    cls/predictions/output_bias
    cls/seq_relationship/{output_weights [2, hidden], output_bias}
"""

import dataclasses

import numpy as np

# How a Google-layout array becomes our variable's layout.
SAME = "same"  # identical shape
RESHAPE = "reshape"  # same values, regrouped by attention head
TRANSPOSE = "transpose"  # [2, hidden] <-> Dense kernel [hidden, 2]

POOLER_PREFIX = "bert/pooler/"
MASKED_LM_PREFIX = "cls/predictions/"
NEXT_SENTENCE_PREFIX = "cls/seq_relationship/"


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


def encoder_slots(encoder):
    """The encoder's weights under Google's `bert/...` names (the pooler included)."""
    embeddings = encoder.embeddings
    slots = [
        WeightSlot("bert/embeddings/word_embeddings", embeddings.word_embeddings.embeddings),
        WeightSlot(
            "bert/embeddings/token_type_embeddings", embeddings.token_type_embeddings.embeddings
        ),
        WeightSlot("bert/embeddings/position_embeddings", embeddings.position_embeddings),
        *layer_norm_slots("bert/embeddings/LayerNorm", embeddings.layer_norm),
    ]
    for index, block in enumerate(encoder.transformer_blocks):
        prefix = f"bert/encoder/layer_{index}"
        attention = block.attention
        for google_name, dense in (
            ("query", attention._query_dense),
            ("key", attention._key_dense),
            ("value", attention._value_dense),
        ):
            slots += dense_slots(f"{prefix}/attention/self/{google_name}", dense, RESHAPE)
        slots += dense_slots(f"{prefix}/attention/output/dense", attention._output_dense, RESHAPE)
        # The output projection's bias is [hidden] in both layouts.
        slots[-1].layout = SAME
        slots += layer_norm_slots(
            f"{prefix}/attention/output/LayerNorm", block.attention_layer_norm
        )
        slots += dense_slots(f"{prefix}/intermediate/dense", block.intermediate_dense)
        slots += dense_slots(f"{prefix}/output/dense", block.output_dense)
        slots += layer_norm_slots(f"{prefix}/output/LayerNorm", block.output_layer_norm)
    slots += dense_slots("bert/pooler/dense", encoder.pooler.dense)
    return slots


def masked_lm_slots(masked_lm_head):
    """The masked-LM head; its output projection is the (tied) word embedding table."""
    return [
        *dense_slots("cls/predictions/transform/dense", masked_lm_head.transform_dense),
        *layer_norm_slots(
            "cls/predictions/transform/LayerNorm", masked_lm_head.transform_layer_norm
        ),
        WeightSlot("cls/predictions/output_bias", masked_lm_head.output_bias),
    ]


def next_sentence_slots(next_sentence_head):
    return [
        WeightSlot(
            "cls/seq_relationship/output_weights", next_sentence_head.kernel, TRANSPOSE
        ),
        WeightSlot("cls/seq_relationship/output_bias", next_sentence_head.bias),
    ]


def pretrainer_slots(pretrainer):
    slots = encoder_slots(pretrainer.encoder) + masked_lm_slots(pretrainer.masked_lm_head)
    if pretrainer.next_sentence_head is not None:
        slots += next_sentence_slots(pretrainer.next_sentence_head)
    return slots


def dense_slots(prefix, dense, layout=SAME):
    return [
        WeightSlot(f"{prefix}/kernel", dense.kernel, layout),
        WeightSlot(f"{prefix}/bias", dense.bias, layout),
    ]


def layer_norm_slots(prefix, layer_norm):
    return [
        WeightSlot(f"{prefix}/gamma", layer_norm.gamma),
        WeightSlot(f"{prefix}/beta", layer_norm.beta),
    ]


def has_masked_lm_weights(names):
    return any(name.startswith(MASKED_LM_PREFIX) for name in names)


def has_next_sentence_weights(names):
    return any(name.startswith(NEXT_SENTENCE_PREFIX) for name in names)


def build_models(config, names):
    """The encoder, and a `BertPretrainer` over it when `names` include the masked-LM head."""
    from keras_bert.modeling.encoder import BertEncoder

    encoder = BertEncoder(config)
    if not has_masked_lm_weights(names):
        return encoder, None
    from keras_bert.tasks.pretrainer import BertPretrainer

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
        raise ValueError(f"Checkpoint {source} does not fit the model: " + ". ".join(problems))
    for slot, array in values:
        slot.variable.assign(slot.to_ours(array))
    return skipped
