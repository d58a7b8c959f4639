"""`BertConfig`: the one description of a BERT architecture, in Google's `bert_config.json` keys.

Every part of keras_bert (encoder, heads, checkpoint readers and writers, export) is built
from this object, so a model's shape is stated in exactly one place. The keys are Google's
(https://github.com/google-research/bert, `modeling.BertConfig`) plus `layer_norm_eps`, so a
Google `bert_config.json` loads as it is and ours loads in Google's code.
"""

import dataclasses
import json
import os

# `hidden_act` values and what they mean. "gelu" is the exact erf form (Hugging Face's
# "gelu"); "gelu_approx" is the tanh approximation that Google's original code calls "gelu".
ACTIVATIONS = ("gelu", "gelu_approx", "relu", "silu", "tanh", "linear")

# Google's 24 small BERTs ("Well-Read Students Learn Better", Turc et al. 2019) span
# these depths and widths; heads = hidden / 64 and intermediate = 4 * hidden throughout.
SMALL_BERT_LAYERS = (2, 4, 6, 8, 10, 12)
SMALL_BERT_HIDDEN_SIZES = (128, 256, 512, 768)

# Readable names for the architectures people ask for most, as Google's README names them.
NAMED_PRESETS = {
    "bert_tiny": (2, 128),
    "bert_mini": (4, 256),
    "bert_small": (4, 512),
    "bert_medium": (8, 512),
    "bert_base": (12, 768),
    "bert_large": (24, 1024),
}


@dataclasses.dataclass
class BertConfig:
    """Hyper-parameters of a BERT encoder, with Google's names and defaults (BERT-Base)."""

    vocab_size: int = 30522
    hidden_size: int = 768
    num_hidden_layers: int = 12
    num_attention_heads: int = 12
    intermediate_size: int = 3072
    hidden_act: str = "gelu"
    hidden_dropout_prob: float = 0.1
    attention_probs_dropout_prob: float = 0.1
    max_position_embeddings: int = 512
    type_vocab_size: int = 2
    initializer_range: float = 0.02
    layer_norm_eps: float = 1e-12

    def __post_init__(self):
        self.validate()

    def validate(self):
        """Raise ValueError naming the key at fault, before any weight is built."""
        for key in (
            "vocab_size",
            "hidden_size",
            "num_hidden_layers",
            "num_attention_heads",
            "intermediate_size",
            "max_position_embeddings",
            "type_vocab_size",
        ):
            value = getattr(self, key)
            if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
                raise ValueError(f"BertConfig.{key} must be a positive integer, got {value!r}.")
        if self.hidden_size % self.num_attention_heads:
            raise ValueError(
                f"BertConfig.hidden_size ({self.hidden_size}) must be divisible by "
                f"num_attention_heads ({self.num_attention_heads})."
            )
        if self.hidden_act not in ACTIVATIONS:
            raise ValueError(
                f"BertConfig.hidden_act {self.hidden_act!r} is unknown; use one of "
                f"{', '.join(ACTIVATIONS)} ('gelu' is the exact form, 'gelu_approx' the tanh "
                "form that Google's original code calls 'gelu')."
            )
        for key in ("hidden_dropout_prob", "attention_probs_dropout_prob"):
            value = getattr(self, key)
            if not 0.0 <= value < 1.0:
                raise ValueError(f"BertConfig.{key} must be in [0, 1), got {value!r}.")
        for key in ("initializer_range", "layer_norm_eps"):
            value = getattr(self, key)
            if not value > 0:
                raise ValueError(f"BertConfig.{key} must be positive, got {value!r}.")

    @property
    def head_size(self):
        return self.hidden_size // self.num_attention_heads

    def to_dict(self):
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, values, **overrides):
        """Build from a dict of Google keys; unknown keys are an error, not silently dropped."""
        values = {**values, **overrides}
        known = {field.name for field in dataclasses.fields(cls)}
        unknown = sorted(set(values) - known)
        if unknown:
            raise ValueError(
                f"Unknown BertConfig key(s): {', '.join(unknown)}. Known keys: "
                f"{', '.join(sorted(known))}."
            )
        return cls(**values)

    def to_json(self, path):
        """Write a `bert_config.json` that Google's code and ours both read."""
        with open(path, "w", encoding="utf-8") as file:
            json.dump(self.to_dict(), file, indent=2, sort_keys=True)
            file.write("\n")

    @classmethod
    def from_json(cls, path, **overrides):
        if not os.path.exists(path):
            raise FileNotFoundError(f"BERT config file not found: {path}")
        with open(path, encoding="utf-8") as file:
            try:
                values = json.load(file)
            except json.JSONDecodeError as error:
                raise ValueError(f"{path} is not valid JSON: {error}") from None
        if not isinstance(values, dict):
            raise ValueError(f"{path} must hold a JSON object of BertConfig keys.")
        try:
            return cls.from_dict(values, **overrides)
        except (TypeError, ValueError) as error:
            raise ValueError(f"{path}: {error}") from None

    @classmethod
    def from_preset(cls, name, **overrides):
        """A named architecture; `overrides` replace any key (e.g. `vocab_size`)."""
        shape = preset_shapes().get(name)
        if shape is None:
            raise ValueError(
                f"Unknown BERT preset {name!r}. Valid presets: {', '.join(preset_names())}."
            )
        num_layers, hidden_size = shape
        values = dict(
            hidden_size=hidden_size,
            num_hidden_layers=num_layers,
            num_attention_heads=hidden_size // 64,
            intermediate_size=4 * hidden_size,
        )
        return cls.from_dict(values, **overrides)


def preset_shapes():
    """Every preset name mapped to (num_hidden_layers, hidden_size)."""
    shapes = dict(NAMED_PRESETS)
    for num_layers in SMALL_BERT_LAYERS:
        for hidden_size in SMALL_BERT_HIDDEN_SIZES:
            shapes[f"L-{num_layers}_H-{hidden_size}"] = (num_layers, hidden_size)
    return shapes


def preset_names():
    return list(preset_shapes())
