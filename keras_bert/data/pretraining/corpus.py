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

`iter_documents` reads lazily, a line at a time, so a corpus larger than memory can stream
(`keras-bert prepare`); `read_corpus` is the list of what it yields. Memory then grows with the
longest line and the longest document only (a file with no line end, or lone CR line ends only,
is one line).
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
    bytes_read: int = 0  # of the files, as reading goes (streaming progress)

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


_BOM = b"\xef\xbb\xbf"


def _decode_lines(path, utf8_errors, stats=None):
    """The file's lines as text, one at a time (CRLF, CR and LF all end a line; a BOM is skipped)."""
    with open(path, "rb") as file:
        number = 0
        for physical in file:
            if stats is not None:
                stats.bytes_read += len(physical)
            if number == 0 and physical.startswith(_BOM):
                physical = physical[len(_BOM):]
            ended = physical.endswith(b"\n")
            if ended:
                physical = physical[:-2] if physical.endswith(b"\r\n") else physical[:-1]
            pieces = physical.split(b"\r")
            if not ended and pieces[-1] == b"":
                pieces.pop()  # the file ends with a lone CR: no empty line after it
            for raw in pieces:
                number += 1
                try:
                    yield raw.decode("utf-8")
                except UnicodeDecodeError as error:
                    if utf8_errors == "strict":
                        raise KerasBertError(
                            f"{path}, line {number}: invalid UTF-8 (byte 0x{raw[error.start]:02x} at "
                            f"byte {error.start + 1} of the line); fix the file, or replace such bytes "
                            "with utf8_errors='replace' (CLI: --utf8-errors replace)."
                        ) from None
                    if stats is not None:
                        stats.invalid_utf8_lines_replaced += 1
                    yield raw.decode("utf-8", "replace")


def _has_blank_line(path):
    """For layout "auto": whether a blank line separates documents (read up to the first one)."""
    return any(not line.strip() for line in _decode_lines(path, "replace"))


def _check_reading_options(layout, utf8_errors):
    if layout not in LAYOUTS:
        raise KerasBertError(f"Unknown corpus layout {layout!r}; use one of {', '.join(LAYOUTS)}.")
    if utf8_errors not in UTF8_ERROR_MODES:
        raise KerasBertError(f"utf8_errors must be one of {', '.join(UTF8_ERROR_MODES)}, got {utf8_errors!r}.")


def iter_documents(paths, layout="auto", utf8_errors="strict", split=True, stats=None):
    """Yield the documents of corpus files (or directories of them) one at a time, lazily.

    Each document is a list of sentence strings; documents never span files. `stats` (a
    `CorpusStats`, updated as reading goes, `bytes_read` included) receives the counts.
    """
    _check_reading_options(layout, utf8_errors)
    files = expand_corpus_paths(paths)
    stats = stats if stats is not None else CorpusStats()
    stats.files = len(files)
    for path in files:
        file_layout = layout if layout != "auto" else ("google" if _has_blank_line(path) else "lines")
        stats.layouts[path] = file_layout
        current = []
        for line in _decode_lines(path, utf8_errors, stats):
            stats.lines += 1
            if not line.strip():
                stats.blank_lines += 1
                if file_layout == "google" and current:
                    yield _counted(current, stats)
                    current = []
                continue
            pieces = split_sentences(line) if split else [line.strip()]
            if len(pieces) > 1:
                stats.lines_split_into_sentences += 1
            current.extend(pieces)
            if file_layout == "lines":
                yield _counted(current, stats)
                current = []
        if current:
            yield _counted(current, stats)


def _counted(document, stats):
    stats.documents += 1
    stats.sentences += len(document)
    return document


def read_corpus(paths, layout="auto", utf8_errors="strict", split=True):
    """Read corpus files (or directories of them) into a `Corpus`; documents never span files."""
    stats = CorpusStats()
    documents = list(iter_documents(paths, layout=layout, utf8_errors=utf8_errors, split=split, stats=stats))
    if not documents:
        raise KerasBertError(f"The corpus is empty: no text in {', '.join(expand_corpus_paths(paths))}.")
    return Corpus(documents, stats)
