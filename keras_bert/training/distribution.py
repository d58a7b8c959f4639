"""`tf.distribute` strategies by name, so one flag scales a run from a laptop to a TPU pod.

Build and compile the model inside `strategy.scope()`; `model.fit` then splits each global
batch across the replicas and all-reduces the gradients.
"""

import json
import os

import tensorflow as tf
from keras_bert.errors import KerasBertError

STRATEGIES = ("auto", "default", "mirrored", "multi_worker_mirrored", "tpu")


def resolve_strategy(strategy=None):
    """A `tf.distribute.Strategy` for a name (see STRATEGIES), a strategy object, or None.

    "auto"/None/"default": the default (one device) strategy. "mirrored": all local GPUs (or
    the CPU). "multi_worker_mirrored": the cluster in `TF_CONFIG`. "tpu": the TPU found by
    `TPUClusterResolver` (on Colab / Cloud TPU VMs).
    """
    if isinstance(strategy, tf.distribute.Strategy):
        return strategy
    if strategy in (None, "auto", "default"):
        return tf.distribute.get_strategy()
    if strategy == "mirrored":
        return tf.distribute.MirroredStrategy()
    if strategy == "multi_worker_mirrored":
        _check_tf_config()
        try:
            return MultiWorkerMirroredStrategy()
        except RuntimeError as error:  # TensorFlow ran an op before the strategy was made
            raise KerasBertError(
                f"Strategy 'multi_worker_mirrored' must be created before TensorFlow runs anything "
                f"in the process ({error})."
            ) from None
    if strategy == "tpu":
        try:
            resolver = tf.distribute.cluster_resolver.TPUClusterResolver()
            tf.config.experimental_connect_to_cluster(resolver)
            tf.tpu.experimental.initialize_tpu_system(resolver)
        except (ValueError, RuntimeError, tf.errors.OpError) as error:
            raise KerasBertError(f"No TPU reachable for strategy 'tpu': {error}") from None
        return tf.distribute.TPUStrategy(resolver)
    raise KerasBertError(f"Unknown strategy {strategy!r}; use one of {', '.join(STRATEGIES)}.")


class MultiWorkerMirroredStrategy(tf.distribute.MultiWorkerMirroredStrategy):
    """TensorFlow's multi-worker strategy with the two `reduce` calls Keras 3's `fit` makes.

    Without these, `fit` fails at once under this strategy (keras-team/keras#20329, #20585):
    it reduces a whole input batch (a dict of per-replica tensors) to build the model, which
    `MirroredStrategy.reduce` accepts and this one does not, so each tensor is reduced in turn;
    and it averages each scalar metric across replicas with `axis=0`, which a scalar does not
    have, so a scalar is averaged with `axis=None` (the mean over replicas, which Keras means).
    """

    def reduce(self, reduce_op, value, axis):
        reduce_one = super().reduce
        if isinstance(value, (dict, list, tuple)):
            return tf.nest.map_structure(lambda tensor: self.reduce(reduce_op, tensor, axis), value)
        if axis is not None and self.experimental_local_results(value)[0].shape.rank == 0:
            axis = None
        return reduce_one(reduce_op, value, axis)


def _check_tf_config():
    """A malformed `TF_CONFIG` is a user's mistake: one line naming it, not TensorFlow's trace."""
    text = os.environ.get("TF_CONFIG")
    if not text:
        return  # no cluster: TensorFlow trains on this machine alone (one worker)
    try:
        config = json.loads(text)
        workers = config["cluster"]["worker"]
        index = int(config["task"]["index"])
        kind = config["task"]["type"]
    except (ValueError, KeyError, TypeError) as error:
        raise KerasBertError(
            f"TF_CONFIG is not a cluster description ({type(error).__name__}: {error}); set it to JSON like "
            '{"cluster": {"worker": ["host1:port", "host2:port"]}, "task": {"type": "worker", "index": 0}}.'
        ) from None
    if kind not in ("worker", "chief") or not isinstance(workers, list):
        raise KerasBertError(f"TF_CONFIG task type must be 'worker' (or 'chief'), got {kind!r}.")
    if kind == "worker" and not 0 <= index < len(workers):
        raise KerasBertError(f"TF_CONFIG task index {index} is outside its {len(workers)} worker(s).")
