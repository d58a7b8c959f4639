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
