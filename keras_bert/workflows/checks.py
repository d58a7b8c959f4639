"""One-line checks of a workflow's settings, each naming the setting at fault."""

import os

from keras_bert.errors import KerasBertError, MissingFileError


def check_int(name, value, minimum=1):
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise KerasBertError(f"{name} must be an integer >= {minimum}, got {value!r}.")


def check_optional_int(name, value, minimum=1):
    if value is not None:
        check_int(name, value, minimum)


def check_fraction(name, value, *, closed_top=False):
    """`value` in [0, 1) (or [0, 1] with `closed_top`)."""
    top_ok = value <= 1.0 if closed_top else value < 1.0
    if (
        isinstance(value, bool)
        or not isinstance(value, (int, float))
        or not (value >= 0.0 and top_ok)
    ):
        bracket = "]" if closed_top else ")"
        raise KerasBertError(f"{name} must be in [0, 1{bracket}, got {value!r}.")


def check_choice(name, value, choices):
    if value not in choices:
        raise KerasBertError(
            f"{name} must be one of {', '.join(map(str, choices))}, got {value!r}."
        )


def check_file(name, path):
    if not path:
        raise KerasBertError(f"{name} is required.")
    if not os.path.isfile(path):
        raise MissingFileError(f"{name} {path}: no such file.")


def check_model_source(name, value):
    """A model folder that exists, or a well-formed published name (hf://..., https://...)."""
    from keras_bert.interop import remote

    if not value:
        raise KerasBertError(f"{name} is required.")
    if remote.is_remote(value):
        remote.check_name(value)  # malformed, or offline and not cached
    elif not os.path.isdir(value):
        raise MissingFileError(f"{name} {value}: no such folder.")


def check_finetuning_output(settings, kind, random_init="random"):
    """`settings.out`: never one of the run's inputs (train, dev, a local init, vocab), and a
    folder holding another kind of model only with `overwrite` (`kind`, e.g. "a keras_bert
    tagger", is what this job writes). Checked last, after the inputs themselves."""
    from keras_bert.interop import remote
    from keras_bert.output_paths import check_output

    init = settings.init
    local_init = None if init == random_init or remote.is_remote(init) else init
    check_output(
        "out", settings.out,
        [("train", settings.train), ("dev", settings.dev), ("init", local_init),
         ("vocab", settings.vocab)],
        same_kinds=(kind,), overwrite=settings.overwrite,
    )


def check_finetuning_start(settings, random_init="random"):
    """The train/dev files, `out`, and where training starts (`init`, `preset`, `vocab`): the
    checks every fine-tuning job's settings share."""
    from keras_bert.config import preset_names
    from keras_bert.interop import remote

    check_file("train", settings.train)
    if settings.dev is not None:
        check_file("dev", settings.dev)
    if not settings.out:
        raise KerasBertError("out is required: the model folder to write.")
    if settings.init == random_init:
        if not settings.preset or not settings.vocab:
            raise KerasBertError(
                "init 'random' needs preset (e.g. 'bert_tiny') and vocab (a vocab.txt)."
            )
        if settings.preset not in preset_names():
            raise KerasBertError(
                f"Unknown preset {settings.preset!r}; `keras-bert presets` lists them."
            )
        check_file("vocab", settings.vocab)
        return
    if remote.is_remote(settings.init):
        remote.check_name(settings.init)  # malformed, or offline and not cached
    elif not settings.init or not os.path.isdir(settings.init):
        raise MissingFileError(
            f"init {settings.init}: no such folder (give a checkpoint folder, a published "
            "name such as hf://ORG/NAME, or 'random')."
        )
    if settings.preset:
        raise KerasBertError(
            f"preset only applies to init 'random'; {settings.init} has its own architecture."
        )


def check_optimizer_settings(settings):
    """Epochs, batch size and the optimizer's rate, warm-up and weight decay."""
    check_int("epochs", settings.epochs)
    check_int("batch_size", settings.batch_size)
    if settings.learning_rate is not None and not settings.learning_rate > 0:
        raise KerasBertError(f"learning_rate must be positive, got {settings.learning_rate!r}.")
    check_fraction("warmup_fraction", settings.warmup_fraction)
    if not settings.weight_decay >= 0:
        raise KerasBertError(f"weight_decay must be >= 0, got {settings.weight_decay!r}.")
    check_int("log_every", settings.log_every)
