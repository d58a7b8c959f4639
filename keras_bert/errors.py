"""The one exception type for mistakes a user can fix.

The library raises `KerasBertError` (a `ValueError`, so existing `except ValueError` code keeps
working) with a message that names the argument, file or line at fault and what to do. The
command line prints exactly these as one line and exits with code 2; any other exception is a
bug and keeps its traceback.
"""


class KerasBertError(ValueError):
    """A bad argument, setting or input file, described in one line."""


class MissingFileError(KerasBertError, FileNotFoundError):
    """A file or folder the user named does not exist (also a `FileNotFoundError`)."""
