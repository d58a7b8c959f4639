"""`search`: the texts of a corpus file most similar to queries (`keras-bert search`).

The corpus is embedded once into a `SearchIndex` folder and reused while the corpus file and
the model folder stay as they were: a changed one (size or modification time) is embedded
again; an index folder built from another corpus, model or pooling is refused unless `rebuild`.
Without `index`, the folder is kept in the cache ($KERAS_BERT_CACHE/search_indexes/), one per
corpus, model and pooling.
"""

import dataclasses
import hashlib
import os
import time

from keras_bert.embeddings.index import SearchIndex, is_index_folder
from keras_bert.errors import KerasBertError
from keras_bert.workflows.checks import check_file, check_int, check_model_source
from keras_bert.workflows.labelled_files import quiet

INDEX_CACHE = "search_indexes"


@dataclasses.dataclass
class SearchSettings:
    """A search (the `keras-bert search` flags, one to one)."""

    model: str  # model folder, export folder, any checkpoint folder or hf://ORG/NAME
    corpus: str  # text file, one text per line
    query: list  # the query texts
    k: int = 10  # results per query
    index: str = None  # the index folder; default: one in the cache per corpus, model, pooling
    rebuild: bool = False  # embed the corpus again, replacing what the index folder holds
    pooling: str = None  # "cls", "mean" or "max"; default: the model's own
    batch_size: int = 64

    def validate(self):
        check_model_source("model", self.model)
        check_file("corpus", self.corpus)
        if isinstance(self.query, str):
            self.query = [self.query]
        if not self.query or not all(isinstance(q, str) and q.strip() for q in self.query):
            raise KerasBertError("query must be one or more non-empty texts.")
        check_int("k", self.k)
        check_int("batch_size", self.batch_size)
        check_pooling_setting(self.pooling)
        if self.index is not None:
            if os.path.isfile(self.index):
                raise KerasBertError(f"index {self.index} is a file; give a folder.")
            if not is_index_folder(self.index, or_empty=True):
                raise KerasBertError(
                    f"index {self.index} exists and is not a search index folder; give another."
                )
            model = os.path.realpath(self.model)
            if os.path.realpath(self.index).startswith(model.rstrip(os.sep) + os.sep):
                raise KerasBertError(
                    f"index {self.index} lies inside the model folder {self.model}; give a "
                    "folder outside it."
                )


def check_pooling_setting(pooling):
    """None (the model's own pooling) or one of the sentence pooling modes."""
    if pooling is not None:
        from keras_bert.tasks.sentence_encoder import check_pooling  # imports TensorFlow

        check_pooling(pooling)


def default_index_folder(settings):
    """The cache folder of the index of `settings.corpus` by `settings.model` and pooling."""
    from keras_bert.interop.remote import cache_root, is_remote

    model = settings.model if is_remote(settings.model) else os.path.abspath(settings.model)
    key = "\0".join([os.path.abspath(settings.corpus), model, str(settings.pooling)])
    digest = hashlib.sha256(key.encode("utf-8")).hexdigest()[:16]
    stem = os.path.splitext(os.path.basename(settings.corpus))[0] or "corpus"
    return os.path.join(cache_root(), INDEX_CACHE, f"{digest}-{stem}")


def open_index(settings, log=print, verbose=1):
    """(the index for `settings`, whether it was built now): reused when it fits, else built."""
    folder = settings.index or default_index_folder(settings)
    if is_index_folder(folder) and not settings.rebuild:
        index = SearchIndex.load(folder, model=settings.model)
        out_of_date, different = index.stale_reasons(
            settings.corpus, settings.model, settings.pooling
        )
        if different:
            raise KerasBertError(
                f"index {folder} does not fit this search: {'; '.join(different)}. Pass "
                "rebuild (--rebuild) to replace it, or another index folder."
            )
        if not out_of_date:
            return index, False
        log(f"rebuilding the index: {'; '.join(out_of_date)}")
    log(f"embedding {settings.corpus} into the index {folder}", flush=True)
    index = SearchIndex.build(
        settings.corpus, settings.model, batch_size=settings.batch_size,
        pooling=settings.pooling, verbose=verbose,
    )
    index.save(folder)
    return index, True


def search(settings, verbose=1):
    """Run the search; returns {"index", "built", "count", "build_seconds", "query_seconds",
    "results": [{"query", "hits": [{"score", "text", "line"}, ...]}, ...]}."""
    settings.validate()
    log = print if verbose else quiet
    index, built = open_index(settings, log=log, verbose=verbose)
    started = time.perf_counter()
    hits = index.search(settings.query, k=settings.k, batch_size=settings.batch_size)
    query_seconds = time.perf_counter() - started
    return {
        "index": settings.index or default_index_folder(settings),
        "built": built,
        "count": len(index),
        "pooling": index.info.get("pooling"),
        "build_seconds": index.info.get("build_seconds"),
        "query_seconds": round(query_seconds, 3),
        "results": [
            {
                "query": query,
                "hits": [{"score": h.score, "text": h.text, "line": h.line} for h in query_hits],
            }
            for query, query_hits in zip(settings.query, hits)
        ],
    }
