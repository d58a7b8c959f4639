"""Draw the attention probabilities of one layer of a BERT for a text, one heat map per head.

Rows are query tokens, columns the tokens they attend to; only real (unpadded) tokens are
drawn. Chinese word pieces need a CJK font: the first installed one that matplotlib finds is
used, and without one the labels fall back to code points (U+4F60) instead of empty boxes.
"""

import math
import unicodedata

import numpy as np

from keras_bert.modeling.encoder import BertEncoder
from keras_bert.errors import KerasBertError

# Font families that carry CJK glyphs, in order of preference, if installed.
CJK_FONT_FAMILIES = (
    "Noto Sans CJK SC",
    "Noto Sans CJK JP",
    "Noto Sans SC",
    "Source Han Sans SC",
    "WenQuanYi Zen Hei",
    "WenQuanYi Micro Hei",
    "SimHei",
    "Microsoft YaHei",
    "PingFang SC",
    "AR PL UMing CN",
)


def attention_probabilities(encoder, tokenizer, text, text_pair=None, seq_length=128):
    """Return (tokens, probs) with probs [layers, heads, n, n] over the n real tokens.

    The text is truncated to `seq_length`, itself capped at the model's position table.
    """
    seq_length = min(seq_length, encoder.config.max_position_embeddings)
    probe = BertEncoder(encoder.config, output_attention_probs=True)
    probe.set_weights(encoder.get_weights())
    pairs = None if text_pair is None else [text_pair]
    inputs = tokenizer.encode([text], text_pairs=pairs, seq_length=seq_length)
    inputs = {name: np.asarray(value) for name, value in inputs.items()}
    length = int(inputs["input_mask"].sum())
    outputs = probe(inputs, training=False)
    probs = np.stack([np.asarray(layer)[0, :, :length, :length] for layer in outputs["attention_probs"]])
    vocabulary = tokenizer.vocabulary
    tokens = [vocabulary[int(i)] for i in inputs["input_word_ids"][0, :length]]
    return tokens, probs


def plot_attention(encoder, tokenizer, text, path, layer=-1, text_pair=None, seq_length=128):
    """Write a PNG of every head's attention in `layer` (negative counts from the last); return path."""
    from matplotlib.figure import Figure  # not pyplot: the caller's backend stays as it is

    tokens, probs = attention_probabilities(encoder, tokenizer, text, text_pair, seq_length)
    num_layers = probs.shape[0]
    if not -num_layers <= layer < num_layers:
        raise KerasBertError(f"layer {layer} does not exist: this BERT has {num_layers} layers.")
    layer_index = layer % num_layers
    heads = probs[layer_index]
    font = _cjk_font_family() if _has_cjk(tokens) else None
    labels = _code_point_labels(tokens) if _has_cjk(tokens) and font is None else tokens

    num_heads = heads.shape[0]
    columns = min(num_heads, 4)
    rows = math.ceil(num_heads / columns)
    cell = max(3.0, 0.22 * len(tokens))
    figure = Figure(figsize=(cell * columns + 2, cell * rows + 1), layout="constrained")
    axes = figure.subplots(rows, columns, squeeze=False)
    font_options = {"fontfamily": font} if font else {}
    tick_size = max(4, min(9, 300 // max(len(tokens), 1)))
    for head, axis in enumerate(axes.ravel()):
        if head >= num_heads:
            axis.axis("off")
            continue
        # One colour scale for the layer, from 0 to its largest probability, so that the
        # heads compare and a near-uniform head is still visible.
        image = axis.imshow(heads[head], vmin=0.0, vmax=float(heads.max()), cmap="viridis")
        axis.set_title(f"head {head}", fontsize=10)
        axis.set_xticks(range(len(labels)))
        axis.set_yticks(range(len(labels)))
        axis.set_xticklabels(labels, rotation=90, fontsize=tick_size, **font_options)
        axis.set_yticklabels(labels, fontsize=tick_size, **font_options)
    figure.colorbar(image, ax=axes, shrink=0.6, label="attention probability")
    figure.suptitle(f"Layer {layer_index} of {num_layers}: rows attend to columns")
    figure.savefig(path, dpi=110)
    return path


def _needs_cjk_font(char):
    """Wide East Asian characters: CJK ideographs, kana, hangul and full-width punctuation."""
    return unicodedata.east_asian_width(char) in ("W", "F")


def _has_cjk(tokens):
    return any(_needs_cjk_font(char) for token in tokens for char in token)


def _cjk_font_family():
    from matplotlib import font_manager

    installed = {font.name for font in font_manager.fontManager.ttflist}
    for family in CJK_FONT_FAMILIES:
        if family in installed:
            return family
    return None


def _code_point_labels(tokens):
    """Tokens with CJK characters spelled as code points, for when no CJK font is installed."""
    return [
        "".join(f"U+{ord(c):04X}" if _needs_cjk_font(c) else c for c in token)
        for token in tokens
    ]
