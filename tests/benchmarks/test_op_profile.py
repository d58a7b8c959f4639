"""benchmarks/op_profile.py attributes executor time to the op types a function runs."""

import tensorflow as tf

from benchmarks.op_profile import ELEMENTWISE_AND_LAYOUT, MATRIX_PRODUCTS, op_times, report


def test_op_times_counts_each_op_of_a_call_once_per_call(tmp_path):
    weights = tf.random.normal([64, 64])

    @tf.function
    def product_then_tanh(x):
        return tf.tanh(tf.matmul(x, weights))

    batches = [tf.random.normal([32, 64]) for _ in range(4)]
    times = op_times(lambda batch: product_then_tanh(batch).numpy(), batches, str(tmp_path))
    assert times["Tanh"][1] == 1.0
    assert sum(times[op][1] for op in times if op in MATRIX_PRODUCTS) == 1.0
    assert times["Tanh"][0] > 0
    assert "Process" not in times  # the executor's span around the ops, not an op
    assert sum(times[op][0] for op in times if op in MATRIX_PRODUCTS) > 0


def test_report_groups_products_apart_from_elementwise_ops(capsys):
    groups = report({"MatMul": (2.0, 1.0), "Tanh": (1.0, 1.0), "FastWordpieceTokenizeWithOffsets": (0.5, 1.0)}, top=5)
    assert groups == {"matrix products": 2.0, "elementwise and layout": 1.0, "other": 0.5}
    assert "Tanh" in ELEMENTWISE_AND_LAYOUT
    assert "57%" in capsys.readouterr().out
