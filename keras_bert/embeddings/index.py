"""`SearchIndex`: a corpus embedded once, kept as a folder, searched by cosine similarity.

A corpus is a UTF-8 text file, one text per line (blank lines are skipped; each text keeps its
line number). Its sentence vectors are L2-normalised, so the cosine similarity of a query with
every text is one matrix product, and the top k are the largest dot products.

The folder:
    vectors.npy     [n, hidden] float32, unit length (a zero vector stays zero)
    texts.jsonl     one {"line": ..., "text": ...} per vector, in the same order
    index.json      what built it: the model (path, file fingerprint, pooling, seq_length) and
                    the corpus (path, size, modification time); written last, so a folder
                    that has it is complete

`stale_reasons` compares index.json with a corpus file and a model: an index built from an
older version of either is out of date (rebuild it); one built from another corpus or model
answers a different question (refuse it).
"""

import dataclasses
import json
import os
import time

import numpy as np

from keras_bert.embeddings.sentence_model import (
    DEFAULT_BATCH_SIZE,
    describe_model,
    embed_texts,
    folder_fingerprint,
    l2_normalize,
    load_sentence_model,
)
from keras_bert.errors import KerasBertError, MissingFileError
from keras_bert.text_files import read_json, read_text

FORMAT_NAME = "keras_bert_search_index"
FORMAT_VERSION = 1
INFO_FILE = "index.json"
VECTORS_FILE = "vectors.npy"
TEXTS_FILE = "texts.jsonl"


@dataclasses.dataclass
class Hit:
    """One search result: the cosine similarity, the text, its corpus line and its row."""

    score: float
    text: str
    line: int
    row: int


def read_corpus(path):
    """(texts, line numbers) of a one-text-per-line UTF-8 file; blank lines are skipped."""
    content = read_text(path, "corpus file")
    texts, lines = [], []
    for number, line in enumerate(content.split("\n"), 1):
        text = line.strip()
        if text:
            texts.append(text)
            lines.append(number)
    if not texts:
        raise KerasBertError(f"Corpus file {path} holds no text (one text per line).")
    return texts, lines


def corpus_stamp(path):
    """The corpus file's absolute path, size and modification time, as index.json keeps them."""
    stat = os.stat(path)
    return {
        "corpus": os.path.abspath(path),
        "corpus_size": stat.st_size,
        "corpus_mtime_ns": stat.st_mtime_ns,
    }


class SearchIndex:
    """Unit sentence vectors of a corpus, with its texts; `search` returns the top k `Hit`s.

    Build with `SearchIndex.build(corpus_file, model)`, keep with `save(folder)`, reopen with
    `SearchIndex.load(folder)`. The model embeds queries; an index loaded from a folder loads
    the model it was built with on the first search unless given one.
    """

    def __init__(self, vectors, texts, lines=None, info=None, model=None):
        vectors = np.asarray(vectors, np.float32)
        if vectors.ndim != 2 or len(vectors) != len(texts):
            raise KerasBertError(
                f"SearchIndex: vectors of shape {list(vectors.shape)} for {len(texts)} texts; "
                "expected one row per text."
            )
        self.vectors = vectors
        self.texts = list(texts)
        self.lines = list(lines) if lines is not None else list(range(1, len(texts) + 1))
        self.info = dict(info or {})
        self.model = model

    def __len__(self):
        return len(self.texts)

    @classmethod
    def build(cls, corpus, model, batch_size=DEFAULT_BATCH_SIZE, pooling=None, verbose=1):
        """Embed every text of the file `corpus` with `model` (see `load_sentence_model`).

        Args:
            pooling: replaces the model's own sentence pooling ("cls", "mean", "max").
            verbose: 1 shows a progress bar while embedding.
        """
        task = load_sentence_model(model, pooling=pooling)
        texts, lines = read_corpus(corpus)
        started = time.perf_counter()
        vectors = l2_normalize(embed_texts(task, texts, batch_size=batch_size, verbose=verbose))
        info = {
            "format": FORMAT_NAME,
            "format_version": FORMAT_VERSION,
            **describe_model(model, task),
            **corpus_stamp(corpus),
            "count": len(texts),
            "build_seconds": round(time.perf_counter() - started, 3),
        }
        return cls(vectors, texts, lines, info=info, model=task)

    def save(self, folder):
        """Write the index folder (module docstring); returns `folder`."""
        folder = os.fspath(folder)
        if os.path.isfile(folder):
            raise KerasBertError(f"Index folder {folder} is a file.")
        if not is_index_folder(folder, or_empty=True):
            raise KerasBertError(
                f"Index folder {folder} exists and holds files that are not a search index; "
                "choose another folder."
            )
        os.makedirs(folder, exist_ok=True)
        info_path = os.path.join(folder, INFO_FILE)
        if os.path.exists(info_path):
            os.remove(info_path)  # until it is written again, the folder is incomplete
        np.save(os.path.join(folder, VECTORS_FILE), self.vectors)
        with open(os.path.join(folder, TEXTS_FILE), "w", encoding="utf-8") as file:
            for line, text in zip(self.lines, self.texts):
                file.write(json.dumps({"line": line, "text": text}, ensure_ascii=False) + "\n")
        with open(info_path, "w", encoding="utf-8") as file:
            json.dump(self.info, file, indent=2, ensure_ascii=False)
            file.write("\n")
        return folder

    @classmethod
    def load(cls, folder, model=None):
        """The index saved in `folder`; `model` embeds queries (default: the one that built it)."""
        folder = os.fspath(folder)
        info = read_info(folder)
        vectors_path = os.path.join(folder, VECTORS_FILE)
        texts_path = os.path.join(folder, TEXTS_FILE)
        for path in (vectors_path, texts_path):
            if not os.path.isfile(path):
                raise MissingFileError(f"Index folder {folder} lacks {os.path.basename(path)}.")
        vectors = np.load(vectors_path, allow_pickle=False)
        texts, lines = [], []
        # Split on "\n" only: JSON keeps U+2028 and U+0085 unescaped inside a text.
        rows = read_text(texts_path, "index texts file").split("\n")
        for number, row in enumerate(rows[:-1] if rows[-1] == "" else rows, 1):
            try:
                record = json.loads(row)
                texts.append(record["text"])
                lines.append(int(record["line"]))
            except (ValueError, TypeError, KeyError):
                raise KerasBertError(
                    f"{texts_path}:{number}: not a {{\"line\": ..., \"text\": ...}} record."
                ) from None
        if vectors.shape != (info.get("count"), info.get("hidden_size")) or len(texts) != len(
            vectors
        ):
            raise KerasBertError(
                f"Index folder {folder}: {VECTORS_FILE} has shape {list(vectors.shape)} and "
                f"{TEXTS_FILE} {len(texts)} texts, but {INFO_FILE} says {info.get('count')} "
                f"× {info.get('hidden_size')}; build the index again."
            )
        return cls(vectors, texts, lines, info=info, model=model)

    def stale_reasons(self, corpus=None, model=None, pooling=None):
        """(out_of_date, different): why this index does not fit `corpus` and `model`.

        `out_of_date` lists changes to the same corpus file or model folder since the build
        (rebuild); `different` lists a different corpus file, model or pooling (refuse, or
        rebuild on purpose). Both empty: the index answers for them. `model` is a path (its
        pooling is the one recorded unless `pooling` says otherwise) or None (not checked).
        """
        out_of_date, different = [], []
        if corpus is not None:
            now = corpus_stamp(corpus)
            if now["corpus"] != self.info.get("corpus"):
                different.append(f"built from corpus {self.info.get('corpus')}, not {now['corpus']}")
            elif (now["corpus_size"], now["corpus_mtime_ns"]) != (
                self.info.get("corpus_size"), self.info.get("corpus_mtime_ns")
            ):
                out_of_date.append(f"the corpus {now['corpus']} changed since the index was built")
        if isinstance(model, (str, os.PathLike)):
            name = os.fspath(model)
            local = os.path.exists(name)
            source = os.path.abspath(name) if local else name
            if source != self.info.get("model"):
                different.append(f"built with model {self.info.get('model')}, not {source}")
            elif local and folder_fingerprint(name) != self.info.get("model_fingerprint"):
                out_of_date.append(f"the model {source} was written again since the index was built")
        if pooling is not None and pooling != self.info.get("pooling"):
            different.append(f"built with {self.info.get('pooling')} pooling, not {pooling}")
        return out_of_date, different

    def search(self, queries, k=10, model=None, batch_size=DEFAULT_BATCH_SIZE):
        """The `k` texts most similar to each query, best first, as `Hit`s.

        Args:
            queries: a string (returns one list of hits) or a list of strings (a list of lists).
            model: embeds the queries; default: the index's model (for a loaded index, the
                model folder it was built with, loaded with the recorded pooling).
        """
        if isinstance(k, bool) or not isinstance(k, int) or k < 1:
            raise KerasBertError(f"k must be an integer >= 1, got {k!r}.")
        single = isinstance(queries, str)
        queries = [queries] if single else list(queries)
        if model is not None:
            self.model = load_sentence_model(model, pooling=self.info.get("pooling"))
        vectors = l2_normalize(embed_texts(self._query_model(), queries, batch_size=batch_size))
        hits = self.search_vectors(vectors, k)
        return hits[0] if single else hits

    def search_vectors(self, vectors, k=10):
        """Top-k `Hit`s for each row of `vectors` ([q, hidden], unit length) by dot product."""
        vectors = np.asarray(vectors, np.float32)
        if vectors.ndim != 2 or vectors.shape[1] != self.vectors.shape[1]:
            raise KerasBertError(
                f"Query vectors of shape {list(vectors.shape)} for an index of "
                f"{self.vectors.shape[1]}-dimensional vectors."
            )
        scores = vectors @ self.vectors.T  # [q, n]
        k = min(k, len(self))
        results = []
        for row in scores:
            best = np.argpartition(-row, k - 1)[:k] if k < len(row) else np.arange(len(row))
            best = best[np.lexsort((best, -row[best]))]  # best first; ties by corpus order
            results.append([
                Hit(float(row[i]), self.texts[i], self.lines[i], int(i)) for i in best
            ])
        return results

    def _query_model(self):
        if self.model is None:
            from keras_bert.interop.remote import is_remote

            source = self.info.get("model", "")
            if not os.path.exists(source) and not is_remote(source):
                raise KerasBertError(
                    f"This index was built with {source or 'an unnamed model'}, which is not "
                    "here to embed the queries; pass model=... ."
                )
            self.model = load_sentence_model(source, pooling=self.info.get("pooling"))
        elif isinstance(self.model, (str, os.PathLike)) or not hasattr(self.model, "encoder"):
            self.model = load_sentence_model(self.model, pooling=self.info.get("pooling"))
        return self.model


def is_index_folder(folder, or_empty=False):
    """Whether `folder` holds a complete index (with `or_empty`: or nothing but index files,
    as an interrupted save leaves it, or nothing at all, or does not exist)."""
    if not or_empty:
        return os.path.isfile(os.path.join(folder, INFO_FILE))
    if not os.path.isdir(folder):
        return not os.path.exists(folder)
    return set(os.listdir(folder)) <= {INFO_FILE, VECTORS_FILE, TEXTS_FILE}


def read_info(folder):
    """index.json of an index folder, checked (format and version)."""
    path = os.path.join(folder, INFO_FILE)
    if not os.path.isfile(path):
        raise MissingFileError(f"{folder} is not a search index folder: no {INFO_FILE}.")
    info = read_json(path, "search index description", expect=dict)
    if info.get("format") != FORMAT_NAME or info.get("format_version") != FORMAT_VERSION:
        raise KerasBertError(
            f"{path} does not describe a {FORMAT_NAME} version {FORMAT_VERSION}; build the "
            "index again."
        )
    return info
