"""Writing a command's outputs without ever destroying a user's files.

Every subcommand and workflow that writes goes through here:

- `check_output(name, out, inputs, ...)`: refuse an output that is, contains or lies inside
  one of the inputs; a folder output that is an existing file, a file output that is an
  existing folder; a file output that would replace a file of a model folder; and a folder
  that holds another kind of model, unless `overwrite`.
- `output_lock(name, out)`: a lock file beside the output (`fcntl.flock`, released by the
  kernel when the process dies, so a killed run leaves no stale lock); a second run writing
  the same output at the same time is refused instead of interleaved. Whoever takes the lock
  removes the temporary siblings of `out` that a killed run left (only a lock holder writes
  them, so none is in use).
- `staged_file(name, out)` / `staged_folder(name, out)`: the output is written to a temporary
  sibling and renamed into place only when complete. A new folder is renamed into place in one
  step (a killed run leaves it whole or absent); into an existing folder the entries are moved
  one by one, so only what the command writes is replaced and any other file stays.

Problems (a read-only file system, a missing permission) become one-line `KerasBertError`s
naming the argument.
"""

import contextlib
import os
import re
import shutil
import tempfile

from keras_bert.errors import KerasBertError

try:  # POSIX; elsewhere the lock is an exclusively created file
    import fcntl
except ImportError:  # pragma: no cover
    fcntl = None

# Files that mark a folder as a model of some kind: (marker, kind).
_MODEL_MARKERS = (
    ("saved_model.pb", "an exported SavedModel"),
    ("bert_config.json", "a Google BERT checkpoint"),
    ("model.safetensors", "a Hugging Face checkpoint"),
    ("model.safetensors.index.json", "a Hugging Face checkpoint"),
    ("pytorch_model.bin", "a Hugging Face checkpoint"),
    ("run.json", "a pretraining run"),
)


def _real(path):
    return os.path.realpath(os.path.abspath(os.fspath(path)))


def _inside(path, folder):
    """Whether real path `path` lies strictly inside real path `folder`."""
    return path != folder and path.startswith(folder.rstrip(os.sep) + os.sep)


def folder_kind(path):
    """What the folder at `path` holds: None (absent or empty), "a keras_bert classifier" and
    the like, one of the `_MODEL_MARKERS` kinds, or "files" (anything else)."""
    if not os.path.isdir(path):
        return None
    try:
        names = set(os.listdir(path))
    except OSError:
        return "files"
    if not names:
        return None
    if "keras_bert.json" in names and "saved_model.pb" not in names:
        import json

        try:
            with open(os.path.join(path, "keras_bert.json"), encoding="utf-8") as file:
                task = json.load(file).get("task")
        except (OSError, ValueError, AttributeError):
            task = None
        return f"a keras_bert {task or 'model'}"
    for marker, kind in _MODEL_MARKERS:
        if marker in names:
            return kind
    if any(name.endswith(".ckpt.index") for name in names):
        return "a Google BERT checkpoint"
    return "files"


def enclosing_model_folder(path):
    """The nearest folder above `path` (a file path) that holds a model, or None."""
    folder = os.path.dirname(_real(path))
    while True:
        kind = folder_kind(folder)
        if kind not in (None, "files"):
            return folder, kind
        parent = os.path.dirname(folder)
        if parent == folder:
            return None
        folder = parent


def check_output(name, out, inputs=(), *, kind="folder", same_kinds=(), overwrite=False,
                 refuse_files=False, can_overwrite=True):
    """Refuse writing `out` (the argument `name`) when it would destroy something.

    Args:
        inputs: (argument name, path) pairs the command reads; None paths and remote names
            (hf://, https://) are skipped.
        kind: "folder" or "file": what `out` is.
        same_kinds: for a folder, the `folder_kind`s this command may replace without
            `overwrite` (its own earlier output).
        overwrite: the user allowed replacing another kind of model (or files).
        refuse_files: a non-empty folder of other files also needs `overwrite`.
        can_overwrite: whether the command has an --overwrite flag (for the message).
    """
    if not out:
        raise KerasBertError(f"{name} is required.")
    real_out = _real(out)
    for input_name, path in inputs:
        if not path or "://" in str(path):
            continue
        real_input = _real(path)
        if real_out == real_input:
            raise KerasBertError(f"{name} {out} is the same as {input_name} {path}; write elsewhere.")
        if _inside(real_input, real_out):
            raise KerasBertError(
                f"{name} {out} contains {input_name} {path}; writing it would destroy the input: "
                "write elsewhere."
            )
        if _inside(real_out, real_input):
            raise KerasBertError(f"{name} {out} lies inside {input_name} {path}; write elsewhere.")
    if kind == "file":
        if os.path.isdir(out):
            raise KerasBertError(f"{name} {out} is a folder; give a file name.")
        if os.path.isfile(out):
            model = enclosing_model_folder(out)
            if model is not None:
                raise KerasBertError(
                    f"{name} {out} is a file of {model[1]} ({model[0]}); replacing it would break "
                    "that model: write elsewhere."
                )
    else:
        if os.path.exists(out) and not os.path.isdir(out):
            raise KerasBertError(f"{name} {out} is a file; give a folder.")
        found = folder_kind(out)
        if found is not None and found not in same_kinds and not overwrite:
            if found != "files":
                hint = " (or pass --overwrite to replace what this command writes)" if can_overwrite else ""
                raise KerasBertError(
                    f"{name} {out} holds {found}; refusing to overwrite it: choose another "
                    f"folder{hint}."
                )
            if refuse_files:
                raise KerasBertError(
                    f"{name} {out} exists and is not empty; choose another folder or pass "
                    "--overwrite."
                )
    _check_parent(name, out)


def _check_parent(name, out):
    """The nearest existing folder above `out` must be a writable folder."""
    parent = os.path.dirname(_real(out))
    while not os.path.exists(parent):
        parent = os.path.dirname(parent)
    if not os.path.isdir(parent):
        raise KerasBertError(f"{name} {out}: {parent} is a file, not a folder.")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise KerasBertError(f"{name} {out}: cannot write in {parent} (read-only or no permission).")


def _make_parent(name, out):
    parent = os.path.dirname(os.path.abspath(out))
    try:
        os.makedirs(parent, exist_ok=True)
    except OSError as error:
        raise KerasBertError(f"{name} {out}: cannot create {parent} ({error.strerror}).") from None
    return parent


def _lock_path(out):
    out = os.path.abspath(out).rstrip(os.sep)
    return os.path.join(os.path.dirname(out), f".{os.path.basename(out)}.keras-bert.lock")


@contextlib.contextmanager
def output_lock(name, out):
    """Hold the lock of output `out`; a second holder at the same time is refused."""
    _make_parent(name, out)
    path = _lock_path(out)
    busy = KerasBertError(
        f"{name} {out} is being written by another keras-bert run (lock {path}); wait for it "
        "to finish or write elsewhere."
    )
    try:
        if fcntl is None:  # pragma: no cover
            try:
                descriptor = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
            except FileExistsError:
                raise busy from None
        else:
            descriptor = os.open(path, os.O_CREAT | os.O_WRONLY, 0o644)
    except OSError as error:
        raise KerasBertError(f"{name} {out}: cannot write there ({error.strerror}).") from None
    try:
        if fcntl is not None:
            try:
                fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                raise busy from None
            try:  # the file may have been removed by a holder releasing it meanwhile
                if os.stat(path).st_ino != os.fstat(descriptor).st_ino:
                    raise busy
            except FileNotFoundError:
                raise busy from None
        os.write(descriptor, f"{os.getpid()}\n".encode())
        _remove_partial_siblings(out)
        yield
    finally:
        with contextlib.suppress(OSError):
            os.remove(path)
        os.close(descriptor)


def _partial_sibling_pattern(out):
    """What `_temporary_sibling` names the temporaries of `out`: `.NAME.partial-XXXXXXXX` for a
    folder (with a second suffix when a staged folder is itself written through one), and
    `.BASE.partial-XXXXXXXX.EXT` for a file."""
    base, extension = os.path.splitext(os.path.basename(os.path.abspath(out)))
    suffix = r"\.partial-[a-z0-9_]{8}"
    name = re.escape(base + extension)
    return re.compile(
        rf"\.\.?{name}{suffix}({suffix})?|\.{re.escape(base)}{suffix}{re.escape(extension)}"
    )


def _remove_partial_siblings(out):
    """Remove what killed runs left beside `out` (called with its lock held)."""
    parent = os.path.dirname(os.path.abspath(out))
    pattern = _partial_sibling_pattern(out)
    with contextlib.suppress(OSError):
        for entry in os.listdir(parent):
            if pattern.fullmatch(entry):
                path = os.path.join(parent, entry)
                if os.path.isdir(path) and not os.path.islink(path):
                    shutil.rmtree(path, ignore_errors=True)
                else:
                    with contextlib.suppress(OSError):
                        os.remove(path)


def _temporary_sibling(name, out, folder):
    parent = _make_parent(name, out)
    base, extension = os.path.splitext(os.path.basename(os.path.abspath(out)))
    try:
        if folder:
            return tempfile.mkdtemp(prefix=f".{base}{extension}.partial-", dir=parent)
        descriptor, path = tempfile.mkstemp(prefix=f".{base}.partial-", suffix=extension, dir=parent)
        os.close(descriptor)
        return path
    except OSError as error:
        raise KerasBertError(f"{name} {out}: cannot write there ({error.strerror}).") from None


@contextlib.contextmanager
def staged_file(name, out, lock=True):
    """Yield a temporary path beside `out` (same extension); it replaces `out` on success."""
    with output_lock(name, out) if lock else contextlib.nullcontext():
        temporary = _temporary_sibling(name, out, folder=False)
        try:
            yield temporary
            try:
                os.replace(temporary, out)
            except OSError as error:
                raise KerasBertError(f"{name} {out}: cannot write it ({error.strerror}).") from None
        finally:
            with contextlib.suppress(OSError):
                os.remove(temporary)


@contextlib.contextmanager
def staged_folder(name, out, lock=True):
    """Yield a temporary folder beside `out`; on success each entry written there replaces
    the same-named entry of `out` (created if needed), and other entries of `out` stay."""
    with output_lock(name, out) if lock else contextlib.nullcontext():
        temporary = _temporary_sibling(name, out, folder=True)
        try:
            yield temporary
            move_entries(name, temporary, out)
        finally:
            shutil.rmtree(temporary, ignore_errors=True)


def move_entries(name, source, out):
    """Move every entry of folder `source` into folder `out`, replacing same-named entries
    (when `out` does not exist, `source` itself is renamed to it: one atomic step)."""
    try:
        if not os.path.lexists(out):
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(source, 0o777 & ~umask)  # mkdtemp made it private
            os.replace(source, out)
            return
        os.makedirs(out, exist_ok=True)
        marker = os.path.join(out, "keras_bert.json")
        if os.path.exists(os.path.join(source, "keras_bert.json")) and os.path.isfile(marker):
            os.remove(marker)  # until it is moved in again, the folder is incomplete
        for entry in sorted(os.listdir(source), key=lambda e: e == "keras_bert.json"):
            # keras_bert.json last: a folder that has it was written completely.
            target = os.path.join(out, entry)
            if os.path.isdir(target) and not os.path.islink(target):
                shutil.rmtree(target)
            elif os.path.lexists(target):
                os.remove(target)
            os.replace(os.path.join(source, entry), target)
    except OSError as error:
        raise KerasBertError(f"{name} {out}: cannot write there ({error.strerror}).") from None


def wrap_os_error(name, out):
    """A context turning an `OSError` while writing `out` into a one-line error naming `name`."""
    return _OsErrorAsKerasBertError(name, out)


class _OsErrorAsKerasBertError(contextlib.AbstractContextManager):
    def __init__(self, name, out):
        self.name, self.out = name, out

    def __exit__(self, kind, error, traceback):
        if kind is not None and issubclass(kind, OSError) and not isinstance(error, KerasBertError):
            raise KerasBertError(
                f"{self.name} {self.out}: cannot write it ({error.strerror or error})."
            ) from None
        return False
