"""Masked-LM pretraining train-step throughput, tokens/s, with MFU: keras_bert vs keras-hub.

keras_bert's `BertPretrainer` in masked-LM-only mode (keras-hub's `BertMaskedLM` has no
next-sentence head) against keras-hub's `BertMaskedLM` over a `BertBackbone`, alike in
everything that costs time:

- the same architecture from `BertConfig.from_preset` and vocabulary size (30,522), with
  the tanh GELU that keras-hub's backbone hard-codes (`hidden_act="gelu_approx"` on ours;
  keras-hub's masked-LM head keeps its exact GELU on its [masked positions, H] transform,
  a cost too small to see), dropout 0.1 on both;
- the same in-memory batch (batch 32, seq 128, 20 masked positions, float32);
- the same optimizer: keras_bert's `create_optimizer` (AdamW, warm-up/linear decay, weight
  decay exclusions, global-norm clipping);
- the same step: each model's own `train_step` (forward, loss, gradients, optimizer update,
  metrics) in one `tf.function`, with `jit_compile` off on both or on on both (one process
  per setting). No `fit()` loop, callbacks or input pipeline is timed; tracing and XLA
  compilation happen in the untimed warm-up.

MFU = tokens/s x training FLOPs per token (3 x the forward matmul FLOPs of the encoder and
the masked-LM head, output projection onto the vocabulary included, counted from the config)
/ the float32 matmul peak measured in the same process (a [2048, 2048] matmul timed as one
more contender in the same rounds; its best round).

    python -m benchmarks.pretraining --preset bert_mini --jit-compile on --out records.json
"""

import os
import warnings

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
# Both models compute a [CLS] pooler that the masked-LM loss does not use; Keras warns once each.
warnings.filterwarnings("ignore", message="Gradients do not exist for variables")

from benchmarks import common, timing  # noqa: E402

BATCH_SIZE = 32
PREDICTIONS = 20
VOCAB_SIZE = 30522
HIDDEN_ACT = "gelu_approx"
LEARNING_RATE = 1e-4


def synthetic_batch(config, seed=0):
    import numpy as np

    rng = np.random.default_rng(seed)
    seq = common.SEQ_LENGTH
    positions = np.sort(
        np.stack([rng.choice(np.arange(1, seq - 1), PREDICTIONS, replace=False) for _ in range(BATCH_SIZE)]),
        axis=1,
    ).astype("int32")
    return {
        "input_word_ids": rng.integers(1000, config.vocab_size, (BATCH_SIZE, seq)).astype("int32"),
        "input_mask": np.ones((BATCH_SIZE, seq), "int32"),
        "input_type_ids": (np.arange(seq)[None, :] >= seq // 2).repeat(BATCH_SIZE, 0).astype("int32"),
        "masked_lm_positions": positions,
        "masked_lm_ids": rng.integers(1000, config.vocab_size, (BATCH_SIZE, PREDICTIONS)).astype("int32"),
        "masked_lm_weights": np.ones((BATCH_SIZE, PREDICTIONS), "float32"),
    }


def optimizer(total_steps):
    from keras_bert import create_optimizer

    return create_optimizer(total_steps, learning_rate=LEARNING_RATE)


def keras_bert_model(config, batch, total_steps, jit_compile):
    """The one place this benchmark builds a keras_bert task model."""
    from keras_bert import BertEncoder, BertPretrainer

    model = BertPretrainer(BertEncoder(config), next_sentence=False)
    model.compile(optimizer=optimizer(total_steps), jit_compile=jit_compile)
    x = {k: batch[k] for k in ("input_word_ids", "input_mask", "input_type_ids", "masked_lm_positions")}
    y = {k: batch[k] for k in ("masked_lm_ids", "masked_lm_weights")}
    return model, (x, y)


def keras_hub_model(config, batch, total_steps, jit_compile):
    import keras
    import keras_hub

    backbone = common.keras_hub_backbone(config, dropout=config.hidden_dropout_prob)
    model = keras_hub.models.BertMaskedLM(backbone, preprocessor=None)
    model.compile(
        optimizer=optimizer(total_steps),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        weighted_metrics=[keras.metrics.SparseCategoricalAccuracy()],
        jit_compile=jit_compile,
    )
    x = {
        "token_ids": batch["input_word_ids"],
        "padding_mask": batch["input_mask"].astype(bool),
        "segment_ids": batch["input_type_ids"],
        "mask_positions": batch["masked_lm_positions"],
    }
    return model, (x, batch["masked_lm_ids"], batch["masked_lm_weights"])


def train_round(model, data, jit_compile, steps):
    """A round of `steps` train steps on the in-memory batch, through the model's own
    `train_step` in one tf.function (XLA when `jit_compile`)."""
    import tensorflow as tf

    data = tf.nest.map_structure(tf.constant, data)
    model.train_step(data)  # eager once: builds optimizer slots and metrics outside the trace
    step = tf.function(model.train_step, jit_compile=jit_compile)

    def run():
        for _ in range(steps):
            logs = step(data)
        float(logs["loss"])  # the round ends when its last step has
        return steps * BATCH_SIZE * common.SEQ_LENGTH

    return run


def main():
    parser = common.argument_parser(__doc__.splitlines()[0])
    parser.add_argument("--preset", required=True)
    parser.add_argument("--jit-compile", choices=("on", "off"), required=True)
    parser.add_argument("--steps", type=int, help="train steps per round (default 3 quick, 10 full)")
    args = parser.parse_args()
    common.configure_threads(args.threads)
    import keras

    from keras_bert import BertConfig

    jit_compile = args.jit_compile == "on"
    steps = args.steps or (3 if args.quick else 10)
    config = BertConfig.from_preset(args.preset, vocab_size=VOCAB_SIZE, hidden_act=HIDDEN_ACT)
    batch = synthetic_batch(config)
    total_steps = 2 + (args.warmup + args.rounds) * steps
    keras.utils.set_random_seed(0)
    models = {
        "keras_bert": keras_bert_model(config, batch, total_steps, jit_compile),
        "keras_hub": keras_hub_model(config, batch, total_steps, jit_compile),
    }
    parameters = {name: model.count_params() for name, (model, _) in models.items()}
    contenders = {name: train_round(model, data, jit_compile, steps) for name, (model, data) in models.items()}

    common.log(f"pretraining {args.preset}, jit_compile={jit_compile}: {steps} steps per round, "
               f"{args.rounds} timed rounds")
    contenders[common.PEAK_CONTENDER] = common.matmul_peak_round()
    per_unit = timing.interleaved_rounds(contenders, args.rounds, args.warmup, log=common.log)
    rates = timing.rates(per_unit)
    peak_rates = rates.pop(common.PEAK_CONTENDER)
    summaries = {name: timing.summarise(values) for name, values in rates.items()}
    flops_per_token = 3 * (
        common.encoder_forward_flops(config, common.SEQ_LENGTH)
        + common.masked_lm_head_forward_flops(config, PREDICTIONS)
    ) / common.SEQ_LENGTH
    config_record = {
        "preset": args.preset,
        "layers": config.num_hidden_layers,
        "hidden_size": config.hidden_size,
        "vocab_size": config.vocab_size,
        "hidden_act": "tanh GELU in the encoder on both",
        "batch_size": BATCH_SIZE,
        "seq_length": common.SEQ_LENGTH,
        "masked_positions": PREDICTIONS,
        "optimizer": "keras_bert create_optimizer: AdamW, lr 1e-4 warm-up/linear decay, weight decay 0.01, clipnorm 1.0 (both)",
        **common.timing_settings(args, steps, jit_compile, parameters),
    }
    setups = {
        "keras_bert": "BertPretrainer(BertEncoder(config), next_sentence=False): masked LM only",
        "keras_hub": "BertMaskedLM(BertBackbone(same sizes), preprocessor=None), SparseCategoricalCrossentropy(from_logits) with the masked-LM weights as sample weights",
        "huggingface": "not measured (a torch training step is outside this TF comparison)",
        "both": "the model's own train_step in one tf.function, jit_compile as the row says, on one in-memory batch; no fit() loop timed",
    }
    record = common.make_record(
        f"pretraining/{args.preset}/xla_{args.jit_compile}",
        config_record,
        "tokens/s",
        {"keras_bert": summaries["keras_bert"], "keras_hub": summaries["keras_hub"], "huggingface": None},
        setups,
        common.environment(args.threads),
        mfu=common.mfu_record(flops_per_token, summaries, peak_rates),
    )
    common.write_records(args.out, [record])


if __name__ == "__main__":
    common.run_comparison(main)
