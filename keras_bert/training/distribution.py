"""`tf.distribute` strategies by name, so one flag scales a run from a laptop to a TPU pod.

Build and compile the model inside `strategy.scope()`; `model.fit` then splits each global
batch across the replicas and all-reduces the gradients.
"""

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
        return tf.distribute.MultiWorkerMirroredStrategy()
    if strategy == "tpu":
        try:
            resolver = tf.distribute.cluster_resolver.TPUClusterResolver()
            tf.config.experimental_connect_to_cluster(resolver)
            tf.tpu.experimental.initialize_tpu_system(resolver)
        except (ValueError, RuntimeError, tf.errors.OpError) as error:
            raise KerasBertError(f"No TPU reachable for strategy 'tpu': {error}") from None
        return tf.distribute.TPUStrategy(resolver)
    raise KerasBertError(f"Unknown strategy {strategy!r}; use one of {', '.join(STRATEGIES)}.")
