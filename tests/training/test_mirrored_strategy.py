"""BertPretrainer under MirroredStrategy over two logical CPU devices, in a subprocess.

Logical devices must be configured before TensorFlow initialises its devices, which this
test process has already done, hence the subprocess.
"""

import dataclasses
import json
import subprocess
import sys
import textwrap

SCRIPT = textwrap.dedent(
    """
    import json, sys
    import numpy as np
    import tensorflow as tf

    cpu = tf.config.list_physical_devices("CPU")[0]
    tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)

    import keras
    from keras_bert import BertConfig, BertEncoder
    from keras_bert.tasks.pretrainer import BertPretrainer
    from keras_bert.training.distribution import resolve_strategy
    from keras_bert.training.optimizers import create_optimizer
    from keras_bert.training.resumable_fit import fit_resumable

    config = BertConfig(**json.loads(sys.argv[2]))  # the tests' tiny config
    rng = np.random.default_rng(0)
    x = {"input_word_ids": rng.integers(0, 30, (8, 8)).astype("int32"),
         "input_mask": np.ones((8, 8), "int32"), "input_type_ids": np.zeros((8, 8), "int32"),
         "masked_lm_positions": rng.integers(0, 8, (8, 2)).astype("int32")}
    y = {"masked_lm_ids": rng.integers(0, 30, (8, 2)).astype("int32"),
         "masked_lm_weights": np.ones((8, 2), "float32"),
         "next_sentence_labels": rng.integers(0, 2, 8).astype("int32")}

    keras.utils.set_random_seed(0)
    single = BertPretrainer(BertEncoder(config))
    single.compile(optimizer="adamw")
    halves = [single.evaluate({k: v[s] for k, v in x.items()}, {k: v[s] for k, v in y.items()},
                              verbose=0, return_dict=True)
              for s in (slice(0, 4), slice(4, 8))]

    strategy = resolve_strategy("mirrored")
    with strategy.scope():
        model = BertPretrainer(BertEncoder(config))
        model.compile(optimizer=create_optimizer(total_steps=4, learning_rate=1e-3))
    model.set_weights(single.get_weights())
    dataset = tf.data.Dataset.from_tensors((x, y))
    mirrored = model.evaluate(dataset, verbose=0, return_dict=True)
    result = fit_resumable(model, dataset, 4, sys.argv[1], checkpoint_every=2, verbose=0)
    print("RESULT " + json.dumps({
        "replicas": strategy.num_replicas_in_sync,
        "devices": list(strategy.extended.worker_devices),
        "iterations": int(keras.ops.convert_to_numpy(model.optimizer.iterations)),
        "final_step": result.final_step,
        "mirrored_loss": mirrored["loss"],
        "half_losses": [h["loss"] for h in halves],
        "last_train_loss": result.history["train"][-1]["loss"],
    }))
    """
)


def test_pretrainer_trains_under_mirrored_strategy_on_two_logical_cpus(tmp_path, tiny_config):
    completed = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(tmp_path / "run"),
         json.dumps(dataclasses.asdict(tiny_config))],
        capture_output=True, text=True, timeout=400,
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    line = next(text for text in completed.stdout.splitlines() if text.startswith("RESULT "))
    result = json.loads(line[len("RESULT "):])
    assert result["replicas"] == 2 and len(result["devices"]) == 2
    assert result["iterations"] == result["final_step"] == 4
    # Each replica takes half of the batch of 8; the reported loss is the mean of the two
    # replicas' losses (not their sum: the per-replica loss is scaled by 1 / replicas).
    expected = sum(result["half_losses"]) / 2
    assert abs(result["mirrored_loss"] - expected) < 1e-4 * expected
    assert result["last_train_loss"] == result["last_train_loss"]  # not NaN
