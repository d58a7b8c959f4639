"""The reading settings that finetune, evaluate and predict share, and reading a file with them.

The three workflows read labelled (or, for predict, unlabelled) CSV / TSV / JSON-lines files
the same way, so their settings carry the same reading fields: `text_column`,
`text_pair_column`, `label_column`, `format`, `quoting`, `encoding`, `drop_labels` and
`skip_bad_rows`. `finetune` records the columns and options in the model folder's metadata
(`data`); `evaluate` and `predict` default to them.
"""

from keras_bert.data.labelled import FORMATS, read_labelled_file
from keras_bert.errors import KerasBertError
from keras_bert.workflows.checks import check_choice

# The reading options a fine-tuned model folder records (metadata "data") for evaluate / predict.
RECORDED_OPTIONS = ("text_column", "text_pair_column", "label_column", "quoting", "drop_labels")


def reading_options(settings, model_metadata=None, *, with_label=True):
    """`read_labelled_file` keyword arguments from `settings`; a field left None (or empty)
    takes what `model_metadata["data"]` recorded at fine-tuning."""
    recorded = (model_metadata or {}).get("data") or {}

    def value(name, default=None):
        own = getattr(settings, name, None)
        if own is None or own == [] or own == ():
            own = recorded.get(name)
        return default if own is None else own

    options = {
        "text_column": value("text_column"),
        "text_pair_column": value("text_pair_column"),
        "label_column": value("label_column") if with_label else None,
        "file_format": settings.format,
        "quoting": value("quoting", True),
        "encoding": settings.encoding,
        "drop_labels": list(value("drop_labels", [])) if with_label else [],
    }
    if not options["text_column"]:
        raise KerasBertError("text_column is required (the model folder does not record one).")
    if with_label and not options["label_column"]:
        raise KerasBertError("label_column is required (the model folder does not record one).")
    named = [(name, options[name]) for name in ("text_column", "text_pair_column", "label_column")
             if options[name]]
    for index, (name, column) in enumerate(named):
        for other, other_column in named[index + 1:]:
            if column == other_column:
                raise KerasBertError(
                    f"{name} and {other} are both {column!r}; they must name different columns."
                )
    if settings.encoding is not None:
        import codecs

        try:
            codecs.lookup(settings.encoding)
        except LookupError:
            raise KerasBertError(
                f"encoding {settings.encoding!r} is not a known text encoding (e.g. utf-8, latin-1)."
            ) from None
    if options["file_format"] is not None:
        check_choice("format", options["file_format"], FORMATS)
    return options


def recorded_options(options):
    """What a model folder keeps of `reading_options(...)` (metadata "data")."""
    return {name: options[name] for name in RECORDED_OPTIONS}


def read_examples(path, options, *, label_vocabulary=None, skip_bad_rows=False, log=print):
    """`read_labelled_file(path, **options)`, logging what was read and what was not."""
    examples = read_labelled_file(
        path, **options, label_vocabulary=label_vocabulary, skip_bad_rows=skip_bad_rows
    )
    log(examples.report(), flush=True)
    return examples


def quiet(*args, **kwargs):
    """A `log` that prints nothing."""
