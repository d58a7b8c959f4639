"""Our encoder against keras-hub's `BertBackbone` on identical weights.

keras-hub's BERT uses the tanh GELU, LayerNorm epsilon 1e-12, learned positions and a tanh
pooler over [CLS]; with the same weights and `hidden_act="gelu_approx"`, both must agree.
"""

import keras_hub
import numpy as np

from keras_bert import BertConfig, BertEncoder


def copy_weights_into_keras_hub(encoder, backbone):
    """Assign each of our weights to the keras-hub variable that plays the same role."""
    embeddings = encoder.embeddings
    backbone.token_embedding.embeddings.assign(embeddings.word_embeddings.embeddings)
    backbone.position_embedding.position_embeddings.assign(embeddings.position_embeddings)
    backbone.segment_embedding.embeddings.assign(embeddings.token_type_embeddings.embeddings)
    backbone.embeddings_layer_norm.gamma.assign(embeddings.layer_norm.gamma)
    backbone.embeddings_layer_norm.beta.assign(embeddings.layer_norm.beta)
    for ours, theirs in zip(encoder.transformer_blocks, backbone.transformer_layers):
        pairs = [
            (ours.attention.query_dense, theirs._self_attention_layer.query_dense),
            (ours.attention.key_dense, theirs._self_attention_layer.key_dense),
            (ours.attention.value_dense, theirs._self_attention_layer.value_dense),
            (ours.attention.output_dense, theirs._self_attention_layer.output_dense),
            (ours.intermediate_dense, theirs._feedforward_intermediate_dense),
            (ours.output_dense, theirs._feedforward_output_dense),
        ]
        for source, target in pairs:
            target.kernel.assign(source.kernel)
            target.bias.assign(source.bias)
        for source, target in [
            (ours.attention_layer_norm, theirs._self_attention_layer_norm),
            (ours.output_layer_norm, theirs._feedforward_layer_norm),
        ]:
            target.gamma.assign(source.gamma)
            target.beta.assign(source.beta)
    backbone.pooled_dense.kernel.assign(encoder.pooler.dense.kernel)
    backbone.pooled_dense.bias.assign(encoder.pooler.dense.bias)


def randomise(model, seed):
    """Give every weight (LayerNorm and biases too) a non-trivial random value."""
    rng = np.random.default_rng(seed)
    model.set_weights([rng.normal(0, 0.2, w.shape).astype("float32") for w in model.get_weights()])


def test_matches_keras_hub_bert_backbone_on_identical_weights():
    config = BertConfig(
        vocab_size=101,
        hidden_size=32,
        num_hidden_layers=3,
        num_attention_heads=4,
        intermediate_size=64,
        hidden_act="gelu_approx",
        max_position_embeddings=40,
        hidden_dropout_prob=0.0,
        attention_probs_dropout_prob=0.0,
    )
    encoder = BertEncoder(config)
    randomise(encoder, seed=1)
    backbone = keras_hub.models.BertBackbone(
        vocabulary_size=101,
        num_layers=3,
        num_heads=4,
        hidden_dim=32,
        intermediate_dim=64,
        dropout=0.0,
        max_sequence_length=40,
        num_segments=2,
    )
    copy_weights_into_keras_hub(encoder, backbone)

    rng = np.random.default_rng(2)
    lengths = [33, 20, 7, 1]
    mask = (np.arange(33)[None, :] < np.array(lengths)[:, None]).astype("int32")
    word_ids = (rng.integers(1, 101, mask.shape) * mask).astype("int32")
    type_ids = (rng.integers(0, 2, mask.shape) * mask).astype("int32")

    ours = encoder(
        {"input_word_ids": word_ids, "input_mask": mask, "input_type_ids": type_ids}
    )
    theirs = backbone({"token_ids": word_ids, "padding_mask": mask, "segment_ids": type_ids})

    real = mask.astype(bool)
    sequence_difference = np.abs(
        np.asarray(ours["sequence_output"])[real] - np.asarray(theirs["sequence_output"])[real]
    ).max()
    pooled_difference = np.abs(
        np.asarray(ours["pooled_output"]) - np.asarray(theirs["pooled_output"])
    ).max()
    print(f"keras-hub parity: sequence max|diff| {sequence_difference:.2e}, "
          f"pooled max|diff| {pooled_difference:.2e}")
    assert sequence_difference <= 1e-5
    assert pooled_difference <= 1e-5
