"""The one table of Google names: names without a model agree with the slots of a built one."""

import keras_bert
from keras_bert.interop import weight_mapping
from keras_bert.tasks.pretrainer import BertPretrainer
from tests.interop import reference_bert as ref


def test_google_names_are_the_built_models_slot_names_and_googles(tiny_config):
    pretrainer = BertPretrainer(keras_bert.BertEncoder(tiny_config), next_sentence=True)
    slot_names = [slot.name for slot in weight_mapping.pretrainer_slots(pretrainer)]
    layers = tiny_config.num_hidden_layers
    assert weight_mapping.google_names(layers) == slot_names
    encoder_names = [slot.name for slot in weight_mapping.encoder_slots(pretrainer.encoder)]
    assert weight_mapping.google_names(layers, heads=False) == encoder_names
    # ... and both are the names Google's code writes (spelled out independently in ref).
    reference = ref.random_google_weights(tiny_config.to_dict())
    assert sorted(slot_names) == sorted(reference)
    assert len(set(slot_names)) == len(slot_names)


def test_attention_slots_hold_the_public_multi_head_attention_sublayers(tiny_config):
    encoder = keras_bert.BertEncoder(tiny_config)
    slots = {slot.name: slot for slot in weight_mapping.encoder_slots(encoder)}
    attention = encoder.transformer_blocks[1].attention
    prefix = "bert/encoder/layer_1/attention/"
    assert slots[prefix + "self/query/kernel"].variable is attention.query_dense.kernel
    assert slots[prefix + "self/key/bias"].variable is attention.key_dense.bias
    assert slots[prefix + "self/value/kernel"].variable is attention.value_dense.kernel
    output_kernel = slots[prefix + "output/dense/kernel"]
    assert output_kernel.variable is attention.output_dense.kernel
    hidden = tiny_config.hidden_size
    assert output_kernel.google_shape == (hidden, hidden)
    assert slots[prefix + "output/dense/bias"].layout == weight_mapping.SAME
