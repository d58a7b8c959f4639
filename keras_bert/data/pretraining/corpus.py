"""Plain-text corpora → documents of sentences, with every skipped or repaired line counted.

Two layouts are read (`layout=`):

- `"google"`: Google's `create_pretraining_data.py` format: one sentence per line, a blank line
  (empty or whitespace only) between documents.
- `"lines"`: one document per line (CLUECorpus, many web dumps).
- `"auto"` (default), decided per file: a file with at least one blank line is `"google"`,
  a file without any is `"lines"`. A Google-format file holding a single document (so no
  blank line) is therefore read as one document per line: pass `layout="google"` for it.

Every line is also split into sentences (`split_sentences`), since real text often holds a
paragraph per line. Files are UTF-8 (a leading BOM is skipped; CRLF and CR line ends are
handled). Invalid UTF-8 is an error naming the file and line (`utf8_errors="strict"`, the
default), or is replaced by U+FFFD and the lines counted (`utf8_errors="replace"`).
"""

import dataclasses
import os

from keras_bert.data.pretraining.sentences import split_sentences
from keras_bert.errors import KerasBertError, MissingFileError

LAYOUTS = ("auto", "google", "lines")
UTF8_ERROR_MODES = ("strict", "replace")


@dataclasses.dataclass
class CorpusStats:
    """What reading found, so nothing is dropped or repaired without the user being told."""

    files: int = 0
    lines: int = 0
    blank_lines: int = 0
    documents: int = 0
    sentences: int = 0
    lines_split_into_sentences: int = 0
    invalid_utf8_lines_replaced: int = 0
    layouts: dict = dataclasses.field(default_factory=dict)

    def summary(self):
        if not self.files:  # built in memory (from_texts, from_documents): no files or lines to report
            return f"{self.documents} documents, {self.sentences} sentences"
        layouts = ", ".join(f"{os.path.basename(path)}: {layout}" for path, layout in self.layouts.items())
        text = (
            f"{self.files} file(s) ({layouts}), {self.lines} lines ({self.blank_lines} blank), "
            f"{self.documents} documents, {self.sentences} sentences "
            f"({self.lines_split_into_sentences} lines held several)"
        )
        if self.invalid_utf8_lines_replaced:
            text += f", {self.invalid_utf8_lines_replaced} lines with invalid UTF-8 replaced"
        return text


@dataclasses.dataclass
class Corpus:
    """Documents, each a list of sentence strings, and how they were read."""

    documents: list
    stats: CorpusStats = dataclasses.field(default_factory=CorpusStats)

    @classmethod
    def from_texts(cls, texts, split=True):
        """One document per string (split into sentences), e.g. for tests or in-memory data."""
        stats = CorpusStats()
        documents = []
        for text in texts:
            sentences = []
            for line in str(text).splitlines():
                pieces = split_sentences(line) if split else ([line.strip()] if line.strip() else [])
                sentences.extend(pieces)
            if sentences:
                documents.append(sentences)
        stats.documents = len(documents)
        stats.sentences = sum(len(document) for document in documents)
        return cls(documents, stats)

    @classmethod
    def from_documents(cls, documents):
        """Documents given as lists of sentences, taken as they are (empty ones left out)."""
        documents = [[s for s in document if s.strip()] for document in documents]
        documents = [document for document in documents if document]
        stats = CorpusStats(documents=len(documents), sentences=sum(map(len, documents)))
        return cls(documents, stats)


def expand_corpus_paths(paths):
    """Files named directly, and the files (sorted, not hidden) of any directory named."""
    if isinstance(paths, (str, os.PathLike)):
        paths = [paths]
    files = []
    for path in paths:
        path = os.fspath(path)
        if os.path.isdir(path):
            names = sorted(name for name in os.listdir(path) if not name.startswith("."))
            found = [os.path.join(path, name) for name in names if os.path.isfile(os.path.join(path, name))]
            if not found:
                raise KerasBertError(f"Corpus directory {path} holds no files.")
            files.extend(found)
        elif os.path.isfile(path):
            files.append(path)
        else:
            raise MissingFileError(f"Corpus file not found: {path}")
    if not files:
        raise KerasBertError("No corpus files were given.")
    return files


def _decode_lines(path, utf8_errors, stats):
    with open(path, "rb") as file:
        data = file.read()
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    raw_lines = data.replace(b"\r\n", b"\n").replace(b"\r", b"\n").split(b"\n")
    if raw_lines and raw_lines[-1] == b"":
        raw_lines.pop()
    lines = []
    for number, raw in enumerate(raw_lines, start=1):
        try:
            lines.append(raw.decode("utf-8"))
        except UnicodeDecodeError as error:
            if utf8_errors == "strict":
                raise KerasBertError(
                    f"{path}, line {number}: invalid UTF-8 (byte 0x{raw[error.start]:02x} at "
                    f"byte {error.start + 1} of the line); fix the file, or replace such bytes "
                    "with utf8_errors='replace' (CLI: --utf8-errors replace)."
                ) from None
            lines.append(raw.decode("utf-8", "replace"))
            stats.invalid_utf8_lines_replaced += 1
    return lines


def read_corpus(paths, layout="auto", utf8_errors="strict", split=True):
    """Read corpus files (or directories of them) into a `Corpus`; documents never span files."""
    if layout not in LAYOUTS:
        raise KerasBertError(f"Unknown corpus layout {layout!r}; use one of {', '.join(LAYOUTS)}.")
    if utf8_errors not in UTF8_ERROR_MODES:
        raise KerasBertError(f"utf8_errors must be one of {', '.join(UTF8_ERROR_MODES)}, got {utf8_errors!r}.")
    files = expand_corpus_paths(paths)
    stats = CorpusStats(files=len(files))
    documents = []
    for path in files:
        lines = _decode_lines(path, utf8_errors, stats)
        stats.lines += len(lines)
        blank = sum(1 for line in lines if not line.strip())
        stats.blank_lines += blank
        file_layout = layout if layout != "auto" else ("google" if blank else "lines")
        stats.layouts[path] = file_layout
        current = []
        for line in lines:
            if not line.strip():
                if file_layout == "google" and current:
                    documents.append(current)
                    current = []
                continue
            pieces = split_sentences(line) if split else [line.strip()]
            if len(pieces) > 1:
                stats.lines_split_into_sentences += 1
            current.extend(pieces)
            if file_layout == "lines":
                documents.append(current)
                current = []
        if current:
            documents.append(current)
    stats.documents = len(documents)
    stats.sentences = sum(len(document) for document in documents)
    if not documents:
        raise KerasBertError(f"The corpus is empty: no text in {', '.join(files)}.")
    return Corpus(documents, stats)
