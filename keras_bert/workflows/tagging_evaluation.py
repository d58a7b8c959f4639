"""`evaluate_tagging` and `predict_tagging`: a fine-tuned tagger on a file, as `keras-bert
evaluate` and `keras-bert predict` run it for a tagger model folder (or its export).

`evaluate_tagging` scores a tagged file (CoNLL columns or one character per line, any tag
scheme `read_tagged_file` reads) with conlleval's entity precision, recall and F1, overall and
per type. `predict_tagging` tags raw texts (one per line, or JSON lines of {"id", "text"}) and
writes JSON lines {"line" or "id", "text", "entities": [{"type", "start", "end", "text"}]}, the
offsets being characters of the text (`text[start:end] == entity["text"]`).
"""

import dataclasses
import json
import os

from keras_bert.errors import KerasBertError
from keras_bert.output_paths import check_output
from keras_bert.workflows.checks import check_choice, check_file, check_int
from keras_bert.workflows.evaluation_files import (
    check_evaluation_files,
    check_json_lines,
    is_task_folder,
    load_task_folder,
    write_json_lines,
    write_scores,
)

TAGGER_TASK = "tagger"


def is_tagger_folder(path):
    """Whether `path` is a keras_bert model folder (or export) holding a tagger."""
    return is_task_folder(path, TAGGER_TASK)


def load_tagger(path, name="model"):
    return load_task_folder(path, TAGGER_TASK, "a tagger (finetune --task tagging)", name)


@dataclasses.dataclass
class TagEvaluateSettings:
    """Scoring a tagger on a tagged file (`keras-bert evaluate --model TAGGER --input F`)."""

    model: str  # tagger model folder (from finetune --task tagging) or its export
    input: str  # tagged file: CoNLL columns or one character per line
    out: str = None  # also write the scores as JSON here
    predictions: str = None  # also write each sentence's words, gold and predicted tags (.jsonl)
    tag_format: str = "auto"  # "conll", "chars" or "auto"
    tag_scheme: str = "auto"  # "iob1", "iob2"/"bio", "bioes", "bmes" or "auto"
    encoding: str = "utf-8-sig"
    batch_size: int = 64

    def validate(self):
        from keras_bert.data.tag_schemes import SCHEMES
        from keras_bert.data.tagging import FORMATS

        check_evaluation_files(self)
        check_choice("tag_format", self.tag_format, FORMATS)
        check_choice("tag_scheme", self.tag_scheme, SCHEMES)
        check_int("batch_size", self.batch_size)


def evaluate_tagging(settings, verbose=1):
    """conlleval's entity scores of the tagger on `settings.input` (`entity_scores`, plus
    "data_file" and "sentences"); writes the optional files."""
    from keras_bert.data.tagging import read_tagged_file
    from keras_bert.tasks.entity_scores import entity_scores

    settings.validate()
    log = print if verbose else (lambda *args, **kwargs: None)
    tagger = load_tagger(settings.model)
    tagged = read_tagged_file(
        settings.input, format=settings.tag_format, scheme=settings.tag_scheme,
        encoding=settings.encoding,
    )
    log(tagged.report())
    if any(sentence.tags is None for sentence in tagged.sentences):
        raise KerasBertError(f"input {settings.input}: has no tags to score against.")
    unknown = sorted(
        {tag for s in tagged.sentences for tag in s.tags} - set(tagger.tag_names)
    )
    if unknown:
        log(f"tags the model never predicts (scored as misses): {', '.join(unknown)}")
    predicted = tagger.predict_word_tags(tagged, batch_size=settings.batch_size)
    scores = entity_scores([sentence.tags for sentence in tagged.sentences], predicted)
    scores.update(data_file=os.path.abspath(settings.input), sentences=len(tagged))
    if settings.predictions:
        write_json_lines("predictions", settings.predictions, (
            {"line": sentence.line, "words": sentence.words, "tags": sentence.tags,
             "predicted": tags}
            for sentence, tags in zip(tagged.sentences, predicted)
        ))
    if settings.out:
        write_scores(settings.out, scores)
    return scores


@dataclasses.dataclass
class TagPredictSettings:
    """Tagging the texts of a file (`keras-bert predict --model TAGGER --input F --out F`)."""

    model: str  # tagger model folder or its export
    input: str  # one text per line, or .jsonl of {"id", "text"}
    out: str  # entities: JSON lines
    batch_size: int = 64

    def validate(self):
        if not self.model or not os.path.isdir(self.model):
            raise KerasBertError(f"model {self.model}: no such folder.")
        check_file("input", self.input)
        check_int("batch_size", self.batch_size)
        check_json_lines("out", self.out)
        check_output("out", self.out, [("input", self.input), ("model", self.model)],
                     kind="file")


def predict_tagging(settings, verbose=1):
    """Tag every text of `settings.input`; write `settings.out`; return a summary: `out`,
    `texts`, `entities` (their total) and `types` (entities per type)."""
    settings.validate()
    log = print if verbose else (lambda *args, **kwargs: None)
    tagger = load_tagger(settings.model)
    keys, texts = read_texts(settings.input)
    log(f"{os.path.basename(settings.input)}: {len(texts):,} texts")
    found = tagger.predict_entities(texts, batch_size=settings.batch_size) if texts else []
    write_json_lines("out", settings.out, (
        {**key, "text": text, "entities": entities}
        for key, text, entities in zip(keys, texts, found)
    ))
    types = {}
    for entities in found:
        for entity in entities:
            types[entity["type"]] = types.get(entity["type"], 0) + 1
    return {"out": settings.out, "texts": len(texts), "entities": sum(types.values()),
            "types": types}


def read_texts(path):
    """([{"line": n} or {"id": ...}], texts): every non-blank line of a text file, or the
    "text" of every object of a .jsonl file (with its "id" when it has one)."""
    from keras_bert.text_files import read_text

    keys, texts = [], []
    json_lines = path.lower().endswith(".jsonl")
    content = read_text(path, "input").removeprefix("\ufeff")  # a byte order mark is no text
    for number, line in enumerate(content.split("\n"), 1):
        line = line.removesuffix("\r")
        if not line.strip():
            continue
        if not json_lines:
            keys.append({"line": number})
            texts.append(line)
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as error:
            raise KerasBertError(f"{path}:{number}: not JSON ({error.msg}).") from None
        if not isinstance(row, dict) or not isinstance(row.get("text"), str):
            raise KerasBertError(f"{path}:{number}: expected an object with a string 'text'.")
        keys.append({"id": row["id"]} if "id" in row else {"line": number})
        texts.append(row["text"])
    return keys, texts
