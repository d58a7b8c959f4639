"""`LabelVocabulary`: the fixed mapping between label names and the class ids a model predicts.

The mapping is made once, from the training set, and travels with the model (as `labels` in
keras_bert.json and as labels.txt), so predictions are named the same way on any machine.
Names are sorted (numerically when every name is an integer), so the same training labels
always give the same ids whatever order the rows come in.

labels.txt is read by the same rules as vocab.txt (`keras_bert.text_files.read_lines`): lines
split on "\\n" only, each stripped, a final newline adds no line. A blank line, wherever it is
(extra blank lines at the end included), is an error naming its line number: a label name
cannot be empty, and silently dropping the line could shift every later class id.
"""

from keras_bert.errors import KerasBertError
from keras_bert.text_files import read_lines, write_lines

LABELS_WHAT = "label file"


class LabelVocabulary:
    """Label names in class-id order: `names[i]` is the name of class i."""

    def __init__(self, names):
        names = [str(name) for name in names]
        if len(names) < 2:
            raise KerasBertError(
                f"A classifier needs at least 2 labels, got {len(names)}: {names!r}."
            )
        duplicates = sorted({name for name in names if names.count(name) > 1})
        if duplicates:
            raise KerasBertError(f"Duplicate label name(s): {', '.join(duplicates)}.")
        self.names = names
        self._ids = {name: index for index, name in enumerate(names)}

    @classmethod
    def from_labels(cls, labels):
        """The sorted set of `labels`; integer names sort as numbers ("2" before "10")."""
        unique = set(str(label) for label in labels)
        if all(_is_integer(name) for name in unique):
            return cls(sorted(unique, key=int))
        return cls(sorted(unique))

    def __len__(self):
        return len(self.names)

    def __contains__(self, name):
        return str(name) in self._ids

    def __eq__(self, other):
        return isinstance(other, LabelVocabulary) and self.names == other.names

    def __repr__(self):
        return f"LabelVocabulary({self.names!r})"

    def id(self, name):
        return self._ids[str(name)]

    def ids(self, names):
        """Class ids of `names`; an unknown name is a KeyError naming it and the known ones."""
        result = []
        for name in names:
            name = str(name)
            if name not in self._ids:
                raise KeyError(
                    f"Label {name!r} is not in the label vocabulary ({', '.join(self.names)})."
                )
            result.append(self._ids[name])
        return result

    def save(self, path):
        """Write labels.txt: one name per line, line i = class i.

        A name that `load` could not read back as it is (empty, with a line break or with
        surrounding whitespace) is a KerasBertError.
        """
        for name in self.names:
            if not name or name != name.strip():
                raise KerasBertError(
                    f"Label {name!r} is empty or starts or ends with whitespace; labels.txt "
                    "cannot hold it (its lines are read stripped)."
                )
        write_lines(path, self.names, "label")

    @classmethod
    def load(cls, path):
        """Read labels.txt, as `save` writes it; a missing file is a MissingFileError."""
        names = read_lines(path, LABELS_WHAT)
        blank = [number for number, name in enumerate(names, start=1) if not name]
        if blank:
            raise KerasBertError(
                f"Label file {path}: line(s) {', '.join(map(str, blank))} blank; it must hold "
                "one label name per line, line i naming class i, with no blank lines."
            )
        return cls(names)


def _is_integer(text):
    try:
        int(text)
    except ValueError:
        return False
    return True
