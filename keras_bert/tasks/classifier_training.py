"""BERT's fine-tuning recipe for a `BertClassifier`, as one function for the CLI and notebooks.

The recipe of Devlin et al. (2019, appendix A.3) and Google's `run_classifier.py`: AdamW with
weight decay 0.01 (not on LayerNorm weights and biases), peak learning rate 2e-5 … 5e-5 for
BERT-base (narrower encoders want more: `default_finetuning_rate`), linear warm-up over the
first 10 % of steps then linear decay to 0, a few epochs, gradients clipped to global norm 1.
The optimizer and schedule are the shared ones in `keras_bert.training`, so fine-tuning and
pretraining cannot drift apart.
"""

import math
import os

from keras_bert.training.curves import plot_training_curves
from keras_bert.training.learning_rates import default_finetuning_rate
from keras_bert.training.optimizers import create_optimizer
from keras_bert.training.step_history import StepHistory
from keras_bert.training.tensorboard_scalars import StepTensorBoard
from keras_bert.errors import KerasBertError

HISTORY_FILE = "history.json"
CURVES_FILE = "training_curves.png"
LOGS_DIR = "logs"


def finetune_classifier(
    classifier,
    train_data,
    dev_data=None,
    *,
    epochs=3,
    learning_rate=None,
    warmup_fraction=0.1,
    weight_decay=0.01,
    steps_per_epoch=None,
    out_dir=None,
    log_every=10,
    callbacks=(),
    verbose="auto",
    jit_compile="auto",
):
    """Compile `classifier` with the fine-tuning recipe and fit it; returns the Keras History.

    Args:
        learning_rate: the peak rate; by default the one for the encoder's width
            (`keras_bert.training.learning_rates.default_finetuning_rate`).
        train_data: tf.data of (encoder inputs, label ids) batches, shuffled as wanted
            (`keras_bert.data.labelled.classification_dataset`).
        dev_data: the same for validation: accuracy and F1 after every epoch.
        steps_per_epoch: batches per epoch; by default the dataset's cardinality. The
            schedule spans `epochs * steps_per_epoch` updates.
        out_dir: when given, write `history.json` (by step), TensorBoard scalars in `logs/`
            and `training_curves.png` there.

    A NaN or infinite training loss stops the run with `TrainingDivergedError` (a
    `KerasBertError` naming the step and the learning rate), so nothing diverged is saved.
    """
    if epochs < 1:
        raise KerasBertError(f"epochs must be at least 1, got {epochs!r}.")
    if not 0.0 <= warmup_fraction < 1.0:
        raise KerasBertError(f"warmup_fraction must be in [0, 1), got {warmup_fraction!r}.")
    if steps_per_epoch is None:
        steps_per_epoch = int(train_data.cardinality())
        if steps_per_epoch < 0:
            raise KerasBertError(
                "The training dataset's length is unknown; pass steps_per_epoch (batches per "
                "epoch) so the learning-rate schedule can span the run."
            )
    if learning_rate is None:
        learning_rate = default_finetuning_rate(classifier.encoder.config.hidden_size)
    total_steps = max(1, epochs * steps_per_epoch)
    optimizer = create_optimizer(
        total_steps,
        learning_rate=learning_rate,
        warmup_steps=min(int(math.floor(warmup_fraction * total_steps)), total_steps - 1),
        weight_decay=weight_decay,
    )
    classifier.compile(optimizer=optimizer, jit_compile=jit_compile)

    from keras_bert.training.divergence import StopOnNonFiniteLoss

    # First: a NaN / infinite loss fails the run before any other callback saves that step.
    callbacks = [StopOnNonFiniteLoss()] + [
        callback for callback in callbacks if not isinstance(callback, StopOnNonFiniteLoss)
    ]
    step_history = None
    if out_dir is not None:
        os.makedirs(out_dir, exist_ok=True)
        history_path = os.path.join(out_dir, HISTORY_FILE)
        if os.path.exists(history_path):
            os.remove(history_path)  # a new run, not a resumed one
        step_history = StepHistory(history_path, log_every)
        callbacks += [step_history, StepTensorBoard(os.path.join(out_dir, LOGS_DIR), log_every)]
    history = classifier.fit(
        train_data,
        validation_data=dev_data,
        epochs=epochs,
        steps_per_epoch=steps_per_epoch,
        shuffle=False,  # tf.data input: the dataset itself shuffles (Keras would only warn)
        callbacks=callbacks,
        verbose=verbose,
    )
    if step_history is not None:
        plot_training_curves(
            step_history.history,
            os.path.join(out_dir, CURVES_FILE),
            title=f"fine-tuning: {epochs} epoch(s), peak learning rate {learning_rate:g}",
        )
    return history
