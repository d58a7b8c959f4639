"""Package attributes that import their defining module on first use (PEP 562).

`keras_bert` and some of its packages re-export names whose modules import TensorFlow.
Importing those only when a name is first used keeps `keras-bert --help`, the validation of
settings and the reading of a vocab.txt fast, and lets the command line set TensorFlow's log
level before TensorFlow loads.
"""

import importlib
import sys


def lazy_exports(package, exports):
    """`(__getattr__, __dir__, __all__)` for `package`, re-exporting `exports` lazily.

    Args:
        package: the package's `__name__`.
        exports: {public name: module defining it}, a full dotted name or one relative to
            `package` (no dot).
    """

    def __getattr__(name):
        if name not in exports:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        module = exports[name] if "." in exports[name] else f"{package}.{exports[name]}"
        value = getattr(importlib.import_module(module), name)
        setattr(sys.modules[package], name, value)  # later look-ups skip this function
        return value

    def __dir__():
        return sorted(set(vars(sys.modules[package])) | set(exports))

    return __getattr__, __dir__, sorted(exports)
