"""The fine-tuning benchmark's helpers: what it reports about keras_bert's batch widths, and
the README row its record becomes."""

import numpy as np
import tensorflow as tf

from benchmarks import finetuning, readme_table


def test_batch_widths_reports_mean_width_real_tokens_and_one_batch_per_width():
    masks = [np.array([[1, 1, 0, 0], [1, 0, 0, 0]]), np.array([[1, 1, 1, 1, 1, 1, 0, 0]] * 2)]
    batches = [({"input_mask": mask}, np.zeros(len(mask), "int32")) for mask in masks]
    batches.append(({"input_mask": np.ones((2, 4), "int64")}, np.ones(2, "int32")))
    spec = ({"input_mask": tf.TensorSpec([None, None], tf.int64)}, tf.TensorSpec([None], tf.int32))
    dataset = tf.data.Dataset.from_generator(lambda: iter(batches), output_signature=spec)

    mean_width, mean_tokens, first = finetuning.batch_widths(dataset)

    assert mean_width == (4 + 8 + 4) / 3
    assert mean_tokens == (2 + 1 + 6 + 6 + 4 + 4) / 6
    assert sorted(first) == [4, 8]
    assert first[4][0]["input_mask"].sum() == 3  # the first batch of width 4, not the last


def test_readme_row_shows_both_keras_bert_figures_and_the_padding_difference():
    record = {
        "benchmark": "finetuning/bert_tiny/xla_off",
        "config": {
            "preset": "bert_tiny", "layers": 2, "hidden_size": 128, "batch_size": 32, "seq_length": 128,
            "dropout": 0.1, "learning_rate": 1e-3, "steps_per_round": 20, "jit_compile": False,
            "keras_bert_mean_batch_width": 17.3, "rounds": 5, "warmup_rounds": 1,
        },
        "unit": "examples/s",
        "higher_is_better": True,
        "keras_bert": 400.0,
        "peers": {"keras_hub": 100.0, "huggingface": None},
        "spread": {"keras_bert": 0.1, "keras_hub": 0.2},
        "variants": {"keras_bert_padded_128": {"label": "padded to 128 like keras-hub", "median": 110.0}},
        "setups": {},
    }

    assert readme_table.what(record) == "fine-tuning with fit(), bert_tiny, XLA off on both, examples/s"
    assert readme_table.figure(record, "keras_bert") == "400 [10 %]; padded to 128 like keras-hub: 110"
    assert readme_table.speed_ratio(record, "keras_hub") == "4.00"
    settings = readme_table.settings(record)
    assert "17.3 positions on average" in settings and "keras-hub pads to 128" in settings
