"""`BertConfig`: the one description of a BERT architecture, in Google's `bert_config.json` keys.

Every part of keras_bert (encoder, heads, checkpoint readers and writers, export) is built
from this object, so a model's shape is stated in exactly one place. The keys are Google's
(https://github.com/google-research/bert, `modeling.BertConfig`) plus `layer_norm_eps`, so a
Google `bert_config.json` loads as it is and ours loads in Google's code.
"""

import dataclasses
import json
from keras_bert.errors import KerasBertError
from keras_bert.text_files import read_json

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
                raise KerasBertError(f"BertConfig.{key} must be a positive integer, got {value!r}.")
        if self.hidden_size % self.num_attention_heads:
            raise KerasBertError(
                f"BertConfig.hidden_size ({self.hidden_size}) must be divisible by "
                f"num_attention_heads ({self.num_attention_heads})."
            )
        if self.hidden_act not in ACTIVATIONS:
            raise KerasBertError(
                f"BertConfig.hidden_act {self.hidden_act!r} is unknown; use one of "
                f"{', '.join(ACTIVATIONS)} ('gelu' is the exact form, 'gelu_approx' the tanh "
                "form that Google's original code calls 'gelu')."
            )
        for key in ("hidden_dropout_prob", "attention_probs_dropout_prob"):
            value = getattr(self, key)
            if not 0.0 <= value < 1.0:
                raise KerasBertError(f"BertConfig.{key} must be in [0, 1), got {value!r}.")
        for key in ("initializer_range", "layer_norm_eps"):
            value = getattr(self, key)
            if not value > 0:
                raise KerasBertError(f"BertConfig.{key} must be positive, got {value!r}.")

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
            raise KerasBertError(
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
        values = read_json(path, "BERT config file", expect=dict)
        try:
            return cls.from_dict(values, **overrides)
        except (TypeError, ValueError) as error:
            raise KerasBertError(f"{path}: {error}") from None

    @classmethod
    def from_preset(cls, name, **overrides):
        """A named architecture; `overrides` replace any key (e.g. `vocab_size`)."""
        shape = preset_shapes().get(name)
        if shape is None:
            raise KerasBertError(
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


def parameter_count(config):
    """Weights of the encoder (embeddings, blocks, pooler), counted from `config` alone."""
    hidden, intermediate = config.hidden_size, config.intermediate_size
    embeddings = (
        (config.vocab_size + config.max_position_embeddings + config.type_vocab_size) * hidden
        + 2 * hidden
    )
    attention = 4 * (hidden * hidden + hidden)
    feed_forward = hidden * intermediate + intermediate + intermediate * hidden + hidden
    block = attention + feed_forward + 2 * 2 * hidden
    pooler = hidden * hidden + hidden
    return embeddings + config.num_hidden_layers * block + pooler


def flops_per_token(config, seq_length=128):
    """Forward-pass FLOPs per token (2 per multiply-add) at `seq_length`, without embeddings.

    Per layer: the four attention projections, the feed-forward pair, and the two
    [seq, seq] attention products (scores and weighted sum).
    """
    hidden, intermediate = config.hidden_size, config.intermediate_size
    per_layer = 2 * (4 * hidden * hidden + 2 * hidden * intermediate) + 2 * 2 * seq_length * hidden
    return config.num_hidden_layers * per_layer
