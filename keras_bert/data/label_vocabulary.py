"""`LabelVocabulary`: the fixed mapping between label names and the class ids a model predicts.

The mapping is made once, from the training set, and travels with the model (as `labels` in
keras_bert.json and as labels.txt), so predictions are named the same way on any machine.
Names are sorted (numerically when every name is an integer), so the same training labels
always give the same ids whatever order the rows come in.
"""

import os


class LabelVocabulary:
    """Label names in class-id order: `names[i]` is the name of class i."""

    def __init__(self, names):
        names = [str(name) for name in names]
        if len(names) < 2:
            raise ValueError(
                f"A classifier needs at least 2 labels, got {len(names)}: {names!r}."
            )
        duplicates = sorted({name for name in names if names.count(name) > 1})
        if duplicates:
            raise ValueError(f"Duplicate label name(s): {', '.join(duplicates)}.")
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
        """Write labels.txt: one name per line, line i = class i."""
        for name in self.names:
            if "\n" in name or "\r" in name:
                raise ValueError(f"Label {name!r} contains a line break; labels.txt cannot hold it.")
        with open(path, "w", encoding="utf-8") as file:
            file.write("".join(name + "\n" for name in self.names))

    @classmethod
    def load(cls, path):
        if not os.path.exists(path):
            raise FileNotFoundError(f"Label file not found: {path}")
        with open(path, encoding="utf-8") as file:
            names = [line.rstrip("\r\n") for line in file]
        while names and names[-1] == "":
            names.pop()
        return cls(names)


def _is_integer(text):
    try:
        int(text)
    except ValueError:
        return False
    return True
