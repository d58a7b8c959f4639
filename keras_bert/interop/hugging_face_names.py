"""Google's BERT variable names translated to Hugging Face transformers' parameter names.

Facts from transformers' `modeling_bert.py` (BertModel / BertForPreTraining state dicts):
`torch.nn.Linear` stores `weight` as [out, in], the transpose of Google's `kernel`;
embedding tables are `*.weight` in the same layout as Google's; LayerNorm is `weight`/`bias`
(files from before transformers 2.x say `gamma`/`beta`); layers are `encoder.layer.N`; the
masked-LM bias is `cls.predictions.bias` (`cls.predictions.decoder.bias` is the same
parameter; `cls.predictions.decoder.weight` is tied to the word embeddings); the
next-sentence head is `cls.seq_relationship.weight` [2, hidden], the same layout as Google's
`output_weights`. Encoder names are given without the `bert.` prefix that task models add.
"""

import re

EMBEDDING_TABLES = ("word_embeddings", "token_type_embeddings", "position_embeddings")
SPECIAL_NAMES = {
    "cls/predictions/output_bias": ("cls.predictions.bias", "cls.predictions.decoder.bias"),
    "cls/seq_relationship/output_weights": ("cls.seq_relationship.weight",),
    "cls/seq_relationship/output_bias": ("cls.seq_relationship.bias",),
}
LAST_PART = {"kernel": ("weight",), "bias": ("bias",), "gamma": ("weight", "gamma"),
             "beta": ("bias", "beta")}


def hugging_face_names(google_name):
    """Hugging Face names for a Google name, current spelling first (encoder: no `bert.`)."""
    if google_name in SPECIAL_NAMES:
        return SPECIAL_NAMES[google_name]
    parts = google_name.split("/")
    if parts[0] == "bert":
        parts = parts[1:]
    parts = [re.sub(r"^layer_(\d+)$", r"layer.\1", part) for part in parts]
    if parts[-1] in EMBEDDING_TABLES:
        return (".".join(parts + ["weight"]),)
    stem = ".".join(parts[:-1])
    return tuple(f"{stem}.{last}" for last in LAST_PART[parts[-1]])


# The encoder's word embeddings in Hugging Face names ("embeddings.word_embeddings.weight"),
# to find the prefix a file puts before the encoder's names.
WORD_EMBEDDINGS = hugging_face_names("bert/embeddings/word_embeddings")[0]


def is_transposed(google_name):
    """Linear weights are [out, in] in PyTorch, [in, out] (`kernel`) in Google's checkpoints."""
    return google_name.endswith("/kernel")


def is_encoder_name(google_name):
    return google_name.startswith("bert/")


class HuggingFaceNaming:
    """Says names and shapes in Hugging Face's terms in error messages (see weight_mapping)."""

    def __init__(self, encoder_prefix="bert."):
        self.encoder_prefix = encoder_prefix

    def name(self, google_name):
        name = hugging_face_names(google_name)[0]
        return self.encoder_prefix + name if is_encoder_name(google_name) else name

    def shape(self, google_name, google_shape):
        shape = list(google_shape)
        return shape[::-1] if is_transposed(google_name) else shape
