"""Fine-tuning throughput with `fit()`, training examples/s: keras_bert vs keras-hub on SST-2.

Each side fine-tunes a sentence classifier on the same SST-2 training sentences the way its
users do, alike in everything but the input pipeline:

- the same architecture from `BertConfig.from_preset` (random weights on both sides) and
  vocabulary (Google's uncased English, lowercased), with the tanh GELU that keras-hub's
  backbone hard-codes (`hidden_act="gelu_approx"` on ours); dropout 0.1 in the encoder and
  on the pooled [CLS] vector on both;
- the same optimizer: keras_bert's `create_optimizer` (AdamW, warm-up/linear decay, weight
  decay 0.01 with the same exclusions, global-norm clipping 1.0), at the rate
  `finetune_classifier` picks for the width; batch 32; sparse cross-entropy on logits;
- the same loop: `model.fit` over a tf.data dataset, `jit_compile` off on both (Keras's own
  choice on a CPU) or on on both (one process per setting), no callbacks but the timer;
  each side's default metrics (ours accuracy and F1, keras-hub's accuracy: ours does more).

The input pipelines are the point of the comparison:

- keras_bert: `keras_bert.data.labelled.classification_dataset` with its defaults: texts
  tokenized once in the pipeline and cached, shuffled, batches grouped by length
  (`group_by_length=50`) and each cut to its longest row rounded up to 8 (`trim_padding`).
- keras-hub: `BertTextClassifier(preprocessor=None)` fed by a tf.data pipeline that maps its
  `BertTextClassifierPreprocessor` (sequence_length 128) over batches of strings with
  AUTOTUNE, caches and prefetches, as keras-hub's getting-started guide shows (the batches are
  reshuffled each epoch after the cache); every batch is padded to 128.
- keras_bert padded to 128: ours with `trim_padding=False, group_by_length=None`, timed in
  the same rounds and stored under `variants`: the like-for-like figure.

A round is one `fit(steps_per_epoch=steps + 1)` call; its clock starts when the first step
has finished (starting the iterator, filling the shuffle buffer and tracing are not timed)
and stops at the end of the epoch. With XLA, one step on a batch of each width keras_bert's
batches take runs before the rounds, so XLA's per-shape compilations are not timed either.

    python -m benchmarks.finetuning [--preset bert_mini] [--jit-compile on] --out records.json [--quick]
"""

import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from benchmarks import common, timing  # noqa: E402

BATCH_SIZE = 32
NUM_CLASSES = 2
DROPOUT = 0.1
VOCAB_FILE = "google_uncased_en_vocab.txt"
HIDDEN_ACT = "gelu_approx"
TRAIN_FILE = ("sst2", "alps_train.tsv")
PADDED_VARIANT = "keras_bert_padded_128"
PADDING = {
    "keras_bert": "each batch padded to its longest row, rounded up to a multiple of 8, and batches "
                  "grouped by length (classification_dataset's defaults: trim_padding, group_by_length=50)",
    PADDED_VARIANT: "every batch padded to 128 (trim_padding=False, group_by_length=None), as keras-hub",
    "keras_hub": "every batch padded to 128 (BertTextClassifierPreprocessor(sequence_length=128))",
}
SETUPS = {
    "keras_bert": "BertClassifier(BertEncoder(config), 2), compiled as finetune_classifier does (its "
                  "default loss and metrics: accuracy and F1), fit on classification_dataset(shuffle=True) "
                  "with its default padding to the longest row and length grouping",
    "keras_hub": "BertTextClassifier(BertBackbone(same sizes), 2, preprocessor=None), its default loss and "
                 "metric (accuracy), fit on tf.data: batch(32).map(BertTextClassifierPreprocessor, "
                 "AUTOTUNE).cache(), batches reshuffled, prefetch(AUTOTUNE)",
    "huggingface": "not measured (a torch training loop is outside this fit() comparison)",
    "both": "keras_bert create_optimizer (AdamW, warm-up/linear decay, weight decay 0.01, clipnorm 1.0); "
            "model.fit, one call per round, timed from the end of its first step",
}


def step_window():
    """A Keras callback that times a `fit` epoch from the start of its second step to its end.

    The first step of each `fit` call pays for starting the dataset iterator (and, in the
    warm-up round, tracing); a tf.function call on the CPU returns when its step is done,
    so the second step's start is the first step's end. It overrides neither step end, so
    Keras keeps dispatching those asynchronously, as in a `fit` without callbacks.
    """
    import keras

    class StepWindow(keras.callbacks.Callback):
        def on_train_batch_begin(self, batch, logs=None):
            if batch == 1:
                self.started = time.perf_counter()

        def on_epoch_end(self, epoch, logs=None):
            self.seconds = time.perf_counter() - self.started

    return StepWindow()


def read_examples(data, count):
    """A seeded sample of `count` SST-2 training sentences with their labels, read as the
    library reads labelled files (double quotes are ordinary characters in SST-2)."""
    from keras_bert.data.labelled import read_labelled_file

    path = common.require(data.joinpath(*TRAIN_FILE))
    examples = read_labelled_file(str(path), text_column="sentence", label_column="label", quoting=False)
    return examples.subsample(count, seed=0)


def optimizer(total_steps, learning_rate):
    from keras_bert import create_optimizer

    return create_optimizer(total_steps, learning_rate=learning_rate)  # warm-up: 10 % of the steps


def keras_bert_model(config, vocab, examples, labels, total_steps, learning_rate, jit_compile, pad_to_128):
    """The one place this benchmark builds a keras_bert task model, and its training data."""
    import keras

    from keras_bert import BertClassifier, BertEncoder, BertTokenizer
    from keras_bert.data.labelled import classification_dataset

    keras.utils.set_random_seed(0)
    tokenizer = BertTokenizer.from_vocab_file(vocab, lowercase=True)
    classifier = BertClassifier(
        BertEncoder(config), NUM_CLASSES, dropout=DROPOUT, labels=labels.names,
        seq_length=common.SEQ_LENGTH, tokenizer=tokenizer,
    )
    classifier.compile(optimizer=optimizer(total_steps, learning_rate), jit_compile=jit_compile)
    padding = {"trim_padding": False, "group_by_length": None} if pad_to_128 else {}
    dataset = classification_dataset(
        examples, tokenizer, labels, seq_length=common.SEQ_LENGTH, batch_size=BATCH_SIZE,
        shuffle=True, seed=0, **padding,
    )
    return classifier, dataset


def keras_hub_model(config, vocab, examples, labels, total_steps, learning_rate, jit_compile):
    import keras
    import keras_hub
    import numpy as np
    import tensorflow as tf

    keras.utils.set_random_seed(0)
    tokenizer = keras_hub.models.BertTokenizer(vocabulary=str(vocab), lowercase=True)
    preprocessor = keras_hub.models.BertTextClassifierPreprocessor(tokenizer, sequence_length=common.SEQ_LENGTH)
    backbone = common.keras_hub_backbone(config, dropout=DROPOUT)
    classifier = keras_hub.models.BertTextClassifier(backbone, NUM_CLASSES, preprocessor=None, dropout=DROPOUT)
    classifier.compile(optimizer=optimizer(total_steps, learning_rate), jit_compile=jit_compile)
    batches = -(-len(examples) // BATCH_SIZE)
    label_ids = np.asarray(labels.ids(examples.labels), "int32")
    dataset = (
        tf.data.Dataset.from_tensor_slices((examples.texts, label_ids))
        .shuffle(len(examples), seed=0, reshuffle_each_iteration=False)
        .batch(BATCH_SIZE)
        .map(preprocessor, num_parallel_calls=tf.data.AUTOTUNE)
        .cache()
        .shuffle(batches, seed=0, reshuffle_each_iteration=True)
        .prefetch(tf.data.AUTOTUNE)
    )
    return classifier, dataset


def fit_round(model, dataset, steps):
    """A round: one `fit` call of `steps + 1` steps, timed over the last `steps`."""
    window = step_window()

    def run():
        model.fit(dataset, epochs=1, steps_per_epoch=steps + 1, callbacks=[window], verbose=0, shuffle=False)
        return steps * BATCH_SIZE, window.seconds

    return run


def batch_widths(dataset):
    """One epoch of keras_bert's dataset: (mean batch width, mean real tokens per example,
    {width: the first batch of that width}). The pass also fills the dataset's cache before
    any round runs."""
    widths, tokens, examples, first = [], 0, 0, {}
    for inputs, labels in dataset.as_numpy_iterator():
        width = inputs["input_mask"].shape[1]
        widths.append(width)
        first.setdefault(width, (inputs, labels))
        tokens += int(inputs["input_mask"].sum())
        examples += len(inputs["input_mask"])
    return sum(widths) / len(widths), tokens / examples, first


def compile_every_width(model, dataset, batches):
    """With XLA: one `fit` step on a batch of each width keras_bert's batches take (XLA
    compiles each shape once), so no timed round pays a compilation. The batches come with
    the training dataset's element spec, so `fit` reuses the traced step."""
    import tensorflow as tf

    widths = tf.data.Dataset.from_generator(lambda: iter(batches.values()), output_signature=dataset.element_spec)
    model.fit(widths, epochs=1, verbose=0, shuffle=False)


def main():
    parser = common.argument_parser(__doc__.splitlines()[0])
    parser.add_argument("--preset", help="architecture (default bert_tiny quick, bert_mini full)")
    parser.add_argument("--jit-compile", choices=("on", "off"), default="off",
                        help="XLA on both or off on both (default off: Keras's own choice on a CPU)")
    parser.add_argument("--steps", type=int, help="timed train steps per round (default 20 quick, 100 full)")
    parser.add_argument("--texts", type=int, default=8192,
                        help="SST-2 training sentences drawn (seeded) for the epoch each round starts")
    args = parser.parse_args()
    common.configure_threads(args.threads)

    from keras_bert import BertConfig
    from keras_bert.data.label_vocabulary import LabelVocabulary
    from keras_bert.training.learning_rates import default_finetuning_rate

    args.preset = args.preset or ("bert_tiny" if args.quick else "bert_mini")
    jit_compile = args.jit_compile == "on"
    steps = args.steps or (20 if args.quick else 100)
    if args.texts < (steps + 1) * BATCH_SIZE:
        parser.error(f"--texts must hold a round's {steps + 1} batches of {BATCH_SIZE}")
    vocab = common.require(args.data / "vocab" / VOCAB_FILE)
    examples = read_examples(args.data, args.texts)
    labels = LabelVocabulary.from_labels(examples.labels)
    config = BertConfig.from_preset(args.preset, vocab_size=30522, hidden_act=HIDDEN_ACT)
    learning_rate = default_finetuning_rate(config.hidden_size)
    total_steps = (args.warmup + args.rounds) * (steps + 1) + common.SEQ_LENGTH // 8  # + XLA's width steps
    build = (config, vocab, examples, labels, total_steps, learning_rate, jit_compile)
    models = {
        "keras_bert": keras_bert_model(*build, pad_to_128=False),
        PADDED_VARIANT: keras_bert_model(*build, pad_to_128=True),
        "keras_hub": keras_hub_model(*build),
    }
    mean_width, mean_tokens, width_batches = batch_widths(models["keras_bert"][1])
    if jit_compile:
        compile_every_width(*models["keras_bert"], width_batches)
    parameters = {name: model.count_params() for name, (model, _) in models.items()}
    contenders = {name: fit_round(model, dataset, steps) for name, (model, dataset) in models.items()}

    common.log(f"finetuning {args.preset}, jit_compile={jit_compile}: {steps} steps of {BATCH_SIZE} per "
               f"round, {args.rounds} timed rounds; keras_bert's batches average {mean_width:.1f} "
               f"positions ({mean_tokens:.1f} real tokens per text)")
    per_unit = timing.interleaved_rounds(contenders, args.rounds, args.warmup, log=common.log)
    summaries = {name: timing.summarise(values) for name, values in timing.rates(per_unit).items()}
    for name, summary in summaries.items():
        common.log(f"  {name}: {summary['median']:.1f} examples/s (spread {summary['spread']:.2f})")

    config_record = {
        "preset": args.preset,
        "layers": config.num_hidden_layers,
        "hidden_size": config.hidden_size,
        "attention_heads": config.num_attention_heads,
        "intermediate_size": config.intermediate_size,
        "vocab_size": config.vocab_size,
        "vocabulary": VOCAB_FILE,
        "hidden_act": "tanh GELU in the encoder on both",
        "dropout": DROPOUT,
        "texts": f"{len(examples):,} SST-2 training sentences (seeded sample of {'/'.join(TRAIN_FILE)})",
        "data_file": "/".join(TRAIN_FILE),
        "batch_size": BATCH_SIZE,
        "seq_length": common.SEQ_LENGTH,
        "padding": PADDING,
        "padding_note": (
            "keras_bert pads each batch to its longest row (rounded up to 8) and groups batches by "
            "length; keras-hub pads every batch to 128. That difference is the library feature "
            f"measured; the {PADDED_VARIANT} variant pads to 128 like keras-hub (like for like)"
        ),
        "keras_bert_mean_batch_width": round(mean_width, 2),
        "mean_real_tokens_per_text": round(mean_tokens, 2),
        "optimizer": f"keras_bert create_optimizer: AdamW, lr {learning_rate:g} warm-up/linear decay, "
                     "weight decay 0.01, clipnorm 1.0 (both)",
        "learning_rate": learning_rate,
        **common.timing_settings(args, steps, jit_compile, parameters),
    }
    padded = summaries[PADDED_VARIANT]
    record = common.make_record(
        f"finetuning/{args.preset}/xla_{args.jit_compile}",
        config_record,
        "examples/s",
        {"keras_bert": summaries["keras_bert"], "keras_hub": summaries["keras_hub"], "huggingface": None},
        SETUPS,
        common.environment(args.threads),
        extra={
            "variants": {
                PADDED_VARIANT: {
                    "label": "padded to 128 like keras-hub",
                    "median": padded["median"],
                    "spread": padded["spread"],
                    "rounds": padded["rounds"],
                }
            }
        },
    )
    common.write_records(args.out, [record])


if __name__ == "__main__":
    common.run_comparison(main)
