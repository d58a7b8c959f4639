"""`evaluate_sts`: a model's sentence vectors on an STS Benchmark file → Spearman and Pearson
×100 between cosine similarity and the gold scores (`keras-bert evaluate-sts`)."""

import dataclasses
import json
import os
import time

from keras_bert.errors import KerasBertError
from keras_bert.workflows.checks import check_file, check_int, check_model_source
from keras_bert.workflows.labelled_files import quiet
from keras_bert.workflows.sentence_search import check_pooling_setting


@dataclasses.dataclass
class StsSettings:
    """An STS evaluation (the `keras-bert evaluate-sts` flags, one to one)."""

    model: str  # model folder, export folder, any checkpoint folder or hf://ORG/NAME
    input: str  # STS Benchmark file: genre, file, year, id, score, sentence1, sentence2 (TSV)
    pooling: str = None  # "cls", "mean" or "max"; default: the model's own
    batch_size: int = 64
    out: str = None  # also write the scores as JSON here

    def validate(self):
        check_model_source("model", self.model)
        check_file("input", self.input)
        check_pooling_setting(self.pooling)
        check_int("batch_size", self.batch_size)
        if self.out is not None:
            if os.path.isdir(self.out):
                raise KerasBertError(f"out {self.out} is a folder; give a .json file path.")
            if os.path.realpath(self.out) == os.path.realpath(self.input):
                raise KerasBertError(f"out {self.out} is the data file; give another path.")


def evaluate_sts(settings, verbose=1):
    """Score the model on `settings.input`; returns {"spearman", "pearson" (×100), "pairs",
    "data_file", "model", "pooling", "seconds"} (also written to `settings.out`)."""
    settings.validate()
    log = print if verbose else quiet

    from keras_bert.embeddings.sentence_model import load_sentence_model
    from keras_bert.embeddings.sts import read_sts, score_sts

    pairs = read_sts(settings.input)
    model = load_sentence_model(settings.model, pooling=settings.pooling)
    log(f"{os.path.basename(settings.input)}: {len(pairs):,} pairs; sentence vectors by "
        f"{model.sentence_pooling} pooling", flush=True)
    started = time.perf_counter()
    scores = score_sts(model, pairs, batch_size=settings.batch_size, verbose=verbose)
    scores.update(
        data_file=os.path.abspath(settings.input),
        model=settings.model,
        pooling=model.sentence_pooling,
        seconds=round(time.perf_counter() - started, 3),
    )
    if settings.out:
        with open(settings.out, "w", encoding="utf-8") as file:
            json.dump(scores, file, indent=2, ensure_ascii=False)
            file.write("\n")
    return scores
