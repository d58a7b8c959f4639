"""`finetune_tagging`: tagged word files → a fine-tuned token tagger model folder
(`keras-bert finetune --task tagging`).

Steps: check every setting before reading anything; read the training (and dev) file
(CoNLL columns or one character per line, any of IOB1 / BIO / BIOES / BMES, converted to BIO);
fix the BIO tag vocabulary from the entity types seen; start a `BertTokenTagger` from a
checkpoint or random weights; window sentences longer than seq_length (reported, never cut);
fine-tune with BERT's recipe (`finetune_classifier`: AdamW, warm-up then linear decay);
write the tagger's model folder, then score the dev set the conlleval way (entity-level
precision, recall and F1, overall and per type) and write summary.json.
"""

import dataclasses
import json
import os
import time

from keras_bert.errors import KerasBertError
from keras_bert.output_paths import staged_folder
from keras_bert.workflows.finetuning import RANDOM_INIT, finetuning_record
from keras_bert.workflows.checks import (
    check_finetuning_output,
    check_finetuning_start,
    check_optimizer_settings,
    check_choice,
    check_fraction,
    check_int,
    check_optional_int,
)

SUMMARY_FILE = "summary.json"


@dataclasses.dataclass
class TaggingSettings:
    """Everything that defines a tagging fine-tuning run (`keras-bert finetune --task tagging`)."""

    train: str  # tagged training file: CoNLL columns or one character per line
    out: str  # the tagger model folder to write
    init: str  # a checkpoint folder (ours, Google's, Hugging Face's), a published name, "random"
    dev: str = None  # tagged dev file: entity F1 after every epoch and in the summary
    # Reading (`data.tagging.read_tagged_file`).
    tag_format: str = "auto"  # "conll", "chars" (one character per line) or "auto"
    tag_scheme: str = "auto"  # "iob1", "iob2"/"bio", "bioes", "bmes" or "auto"
    encoding: str = "utf-8-sig"
    # The model.
    preset: str = None  # for init "random" (e.g. "bert_tiny")
    vocab: str = None  # vocab.txt, for init "random"
    lowercase: bool = True  # for init "random"; a checkpoint brings its own
    crf: bool = False  # a linear-chain CRF over the words (Viterbi decoding)
    dropout: float = 0.1  # before the tagging layer
    # Training.
    epochs: int = 3
    seq_length: int = 128  # longer sentences are split into overlapping windows
    batch_size: int = 32
    learning_rate: float = None  # peak rate; default: by the encoder's width
    warmup_fraction: float = 0.1
    weight_decay: float = 0.01
    max_train_sentences: int = None  # train on a seeded random subset of this size
    seed: int = 0
    log_every: int = 10
    overwrite: bool = False  # replace another kind of model at out (only the files written here)

    def validate(self):
        """A one-line `KerasBertError` naming the setting at fault, before any work."""
        from keras_bert.data.tag_schemes import SCHEMES
        from keras_bert.data.tagging import FORMATS

        check_finetuning_start(self, RANDOM_INIT)
        check_choice("tag_format", self.tag_format, FORMATS)
        check_choice("tag_scheme", self.tag_scheme, SCHEMES)
        check_fraction("dropout", self.dropout)
        check_int("seq_length", self.seq_length, minimum=3)
        check_optimizer_settings(self)
        check_optional_int("max_train_sentences", self.max_train_sentences)
        check_finetuning_output(self, "a keras_bert tagger", RANDOM_INIT)


def start_tagger(init, *, tags, seq_length=128, dropout=0.1, crf=False, preset=None,
                 vocab_file=None, lowercase=True, seed=None):
    """A `BertTokenTagger` holding its tokenizer: encoder from a checkpoint, or random."""
    from keras_bert.tasks.token_tagger import BertTokenTagger
    from keras_bert.workflows.encoder_start import start_encoder

    encoder, tokenizer = start_encoder(
        init, seq_length=seq_length, preset=preset, vocab_file=vocab_file, lowercase=lowercase,
        seed=seed,
    )
    return BertTokenTagger(
        encoder, tags=tags, dropout=dropout, seq_length=seq_length, crf=crf, tokenizer=tokenizer
    )


def evaluate_tagger(tagger, tagged, batch_size=32):
    """Entity scores (conlleval) of `tagger` on a `TaggedFile`'s words against its tags."""
    from keras_bert.tasks.entity_scores import entity_scores

    predicted = tagger.predict_word_tags(tagged, batch_size=batch_size)
    return entity_scores([sentence.tags for sentence in tagged], predicted)


def finetune_tagging(settings, verbose=1):
    """Fine-tune the tagger described by `settings`; write its model folder; return the summary.

    The summary (also `out/summary.json`): sentences, windows and split sentences per split,
    training seconds, the last training metrics and, with a dev file, the dev entity scores
    (overall and per type, `entity_scores`).
    """
    settings.validate()
    with staged_folder("out", settings.out) as work:
        return _finetune_tagging(settings, work, verbose)


def _finetune_tagging(settings, work, verbose):
    """`finetune_tagging`, writing every file into the folder `work` (moved into place after)."""
    log = print if verbose else (lambda *args, **kwargs: None)

    from keras_bert.data.tag_schemes import bio_tag_names
    from keras_bert.data.tagging import encode_tagged_sentences, read_tagged_file, tagging_dataset
    from keras_bert.interop.native import write_model_folder
    from keras_bert.tasks.classifier_training import finetune_classifier
    from keras_bert.tasks.entity_scores import format_entity_scores
    from keras_bert.training.learning_rates import default_finetuning_rate

    def read(path):
        tagged = read_tagged_file(
            path, format=settings.tag_format, scheme=settings.tag_scheme,
            encoding=settings.encoding,
        )
        log(tagged.report())
        return tagged

    train = read(settings.train)
    dev = read(settings.dev) if settings.dev else None
    types = train.entity_types()
    if dev is not None:
        unseen = sorted(set(dev.entity_types()) - set(types))
        if unseen:
            log(f"dev holds entity types absent from train: {', '.join(unseen)} (kept as tags)")
            types = sorted(set(types) | set(unseen))
    if not types:
        raise KerasBertError(f"train {settings.train} holds no entities (every tag is O).")
    tags = bio_tag_names(types)
    if settings.max_train_sentences:
        train = train.subsample(settings.max_train_sentences, seed=settings.seed)
        log(f"training on a random subset of {len(train):,} sentences (seed {settings.seed})")
    log(f"tags ({len(tags)}): {', '.join(tags)}", flush=True)

    tagger = start_tagger(
        settings.init, tags=tags, seq_length=settings.seq_length, dropout=settings.dropout,
        crf=settings.crf, preset=settings.preset, vocab_file=settings.vocab,
        lowercase=settings.lowercase, seed=settings.seed,
    )
    learning_rate = settings.learning_rate
    if learning_rate is None:
        learning_rate = default_finetuning_rate(tagger.encoder.config.hidden_size)
        log(f"peak learning rate {learning_rate:g}, the default for a "
            f"{tagger.encoder.config.hidden_size}-wide encoder (learning_rate)")

    splits = {"train": train} if dev is None else {"train": train, "dev": dev}
    features = {}
    for name, tagged in splits.items():
        features[name] = encode_tagged_sentences(
            tagged, tagger.tokenizer, tags, seq_length=settings.seq_length
        )
        log(features[name].report(name))
    train_data = tagging_dataset(
        features["train"], tagger.tokenizer, tags, batch_size=settings.batch_size,
        shuffle=True, seed=settings.seed,
    )
    dev_data = None
    if dev is not None:
        dev_data = tagging_dataset(
            features["dev"], tagger.tokenizer, tags, batch_size=settings.batch_size
        )

    started = time.time()
    history = finetune_classifier(
        tagger, train_data, dev_data,
        epochs=settings.epochs, learning_rate=learning_rate,
        warmup_fraction=settings.warmup_fraction, weight_decay=settings.weight_decay,
        out_dir=work, log_every=settings.log_every, verbose="auto" if verbose else 0,
    )
    training_seconds = time.time() - started

    metadata = {
        "data": {"tag_format": train.format, "tag_scheme": train.scheme},
        "finetuning": finetuning_record(
            settings, learning_rate, train_sentences=len(train), crf=settings.crf
        ),
    }
    write_model_folder(work, tagger, metadata=metadata)

    summary = {
        "train_sentences": len(train),
        "tags": tags,
        "windows": {name: len(f) for name, f in features.items()},
        "split_sentences": {name: f.split_sentences for name, f in features.items()},
        "words_without_pieces": {name: f.words_without_pieces for name, f in features.items()},
        "training_seconds": round(training_seconds, 1),
        "final_train": {
            k: float(v[-1]) for k, v in history.history.items() if not k.startswith("val_")
        },
    }
    if dev is not None:
        summary["dev_file"] = os.path.abspath(settings.dev)
        summary["dev"] = evaluate_tagger(tagger, dev, batch_size=settings.batch_size)
        log(f"\ndev set ({os.path.basename(settings.dev)}):\n"
            f"{format_entity_scores(summary['dev'])}")
    with open(os.path.join(work, SUMMARY_FILE), "w", encoding="utf-8") as file:
        json.dump(summary, file, indent=2, ensure_ascii=False)
        file.write("\n")
    return summary
