"""Flags → settings, from one source: a subcommand's flags are named after the fields of its
workflow's settings dataclass (`--seq-length` ↔ `seq_length`), take their defaults from it,
and map onto it one to one. Not a subcommand."""

import dataclasses


def use_defaults_of(parser, settings_class):
    """Give every flag named after a field of `settings_class` that field's default."""
    defaults = {}
    for field in dataclasses.fields(settings_class):
        if field.default is not dataclasses.MISSING:
            defaults[field.name] = field.default
        elif field.default_factory is not dataclasses.MISSING:
            defaults[field.name] = field.default_factory()
    parser.set_defaults(**defaults)


def settings_from_args(settings_class, args):
    """`settings_class` filled from the parsed flags: every field must have its flag."""
    return settings_class(
        **{field.name: getattr(args, field.name) for field in dataclasses.fields(settings_class)}
    )
