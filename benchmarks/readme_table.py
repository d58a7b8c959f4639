"""Rewrite the README's benchmark table from benchmarks/results.json.

The table sits between `<!-- benchmarks:start -->` and `<!-- benchmarks:end -->`; nothing
outside the markers is touched. Every row is one stored record: the figures are its medians,
the settings beside them come from its `config` and `setups`.

    python -m benchmarks.readme_table [--results benchmarks/results.json] [--readme README.md]
"""

import argparse
import json
from pathlib import Path

from benchmarks.common import REPO_ROOT

START = "<!-- benchmarks:start -->"
END = "<!-- benchmarks:end -->"
DEFAULT_RESULTS = REPO_ROOT / "benchmarks" / "results.json"
DEFAULT_README = REPO_ROOT / "README.md"
NAMES = {"keras_hub": "keras-hub", "huggingface": "Hugging Face"}
KINDS = {
    "tokenize_pack": "Tokenize + pack to 128",
    "pretraining": "Masked-LM pretraining step",
    "serving": "Serving from raw strings",
    "finetuning": "Fine-tuning with fit()",
}


def number(value):
    if value is None:
        return "—"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    return f"{value:.3g}"


def percent(value):
    return "—" if value is None else f"{100 * value:.0f} %"


def figure(record, side):
    value = record["keras_bert"] if side == "keras_bert" else record["peers"].get(side)
    if value is None:
        return "not measured"
    text = f"{number(value)} [{percent(record['spread'].get(side))}]"
    mfu = (record.get("mfu") or {}).get(side)
    if mfu is not None:  # the side's own figure's, before any variant's
        text += f", MFU {100 * mfu:.1f} %"
    for variant in (record.get("variants") or {}).values():
        if variant.get("side", "keras_bert") == side:
            text += f"; {variant['label']}: {number(variant['median'])}"
    return text


def padding_and_xla(config):
    """How a serving record padded and compiled (older records: everything to 128, no XLA)."""
    if config.get("xla") is False:
        return "no XLA"
    return ("keras_bert and Hugging Face pad each batch to its longest text (rounded up to 8), "
            "keras-hub to 128; XLA only in the keras_bert variant that says so")


def speed_ratio(record, peer):
    """keras_bert's speed over the peer's: > 1 means keras_bert is faster."""
    ours, theirs = record["keras_bert"], record["peers"].get(peer)
    if ours is None or theirs is None:
        return "—"
    ratio = ours / theirs if record.get("higher_is_better", True) else theirs / ours
    return f"{ratio:.2f}"


def what(record):
    config = record["config"]
    kind = record["benchmark"].split("/")[0]
    if kind == "tokenize_pack":
        return f"tokenize + pack, {config['dataset']}, {config['mode']}, {record['unit']}"
    if kind == "pretraining":
        xla = "XLA on both" if config["jit_compile"] else "XLA off on both"
        return f"masked-LM train step, {config['preset']}, {xla}, {record['unit']}"
    if kind == "serving":
        if config["batch_size"] == 1:
            return f"strings → class, {config['preset']}, batch 1 latency, {record['unit']} (lower is better)"
        return f"strings → class, {config['preset']}, batch {config['batch_size']}, {record['unit']}"
    if kind == "finetuning":
        xla = "XLA on both" if config["jit_compile"] else "XLA off on both"
        return f"fine-tuning with fit(), {config['preset']}, {xla}, {record['unit']}"
    return f"{record['benchmark']}, {record['unit']}"


def settings(record):
    config = record["config"]
    kind = record["benchmark"].split("/")[0]
    rounds = f"median of {config['rounds']} rounds after {config['warmup_rounds']} warm-up"
    if kind == "tokenize_pack":
        agree = config.get("rows_with_ids_equal_to_keras_bert", {}).get("keras_hub")
        text = (
            f"{config['texts_per_round']:,} texts/round from {config['data_file']}, batches of "
            f"{config['batch_size']}, `{config['vocabulary']}`, lowercased; {config['how']}; {rounds}"
        )
        if agree is not None:
            text += f"; keras-hub's ids equal ours on {100 * agree:.0f} % of rows"
        if config.get("note"):
            text += f" ({config['note']})"
        return text
    if kind == "pretraining":
        return (
            f"L{config['layers']}/H{config['hidden_size']}, vocab {config['vocab_size']:,}, batch "
            f"{config['batch_size']}, seq {config['seq_length']}, {config['masked_positions']} masked "
            f"positions, tanh GELU, AdamW (same schedule, decay, clipping), {config['precision']}, "
            f"`train_step` in one tf.function, {config['steps_per_round']} steps/round; {rounds}"
        )
    if kind == "serving":
        per_round = (
            f"{config['texts_per_round']:,} texts/round" if "texts_per_round" in config
            else f"{config['calls_per_round']} calls/round"
        )
        return (
            f"L{config['layers']}/H{config['hidden_size']}, at most seq {config['seq_length']}, "
            f"tanh GELU, {config['texts']}, {per_round}, {padding_and_xla(config)}; {rounds}"
        )
    if kind == "finetuning":
        return (
            f"L{config['layers']}/H{config['hidden_size']}, SST-2 training sentences, batch "
            f"{config['batch_size']}, tanh GELU, dropout {config['dropout']}, AdamW lr "
            f"{config['learning_rate']:g} (same schedule, decay, clipping), {config['steps_per_round']} "
            f"steps/round in one fit() call; keras_bert pads each batch to its longest row (rounded "
            f"to 8; {config['keras_bert_mean_batch_width']:.1f} positions on average) and groups by "
            f"length, keras-hub pads to {config['seq_length']}; {rounds}"
        )
    return json.dumps(config)


def environment_line(records):
    env = records[0]["environment"]
    versions = env["versions"]
    threads = env["threads"]
    listed = ", ".join(
        f"{name} {versions[name]}" for name in
        ("tensorflow", "keras", "keras-hub", "tokenizers", "torch", "transformers") if versions.get(name)
    )
    loads = sorted({r["environment"]["load_average_1min"] for r in records})
    quick = any(r["config"].get("quick") for r in records)
    return (
        f"Measured {env['date'][:10]} on {env['cpu']} ({env['cpu_count']} CPUs), "
        f"{threads['requested']} threads for TensorFlow (intra- and inter-op), Rayon and torch; "
        f"1-minute load average {loads[0]}–{loads[-1]} at the comparisons' ends"
        f"{' (a machine shared with other jobs: read the spreads)' if loads[-1] > 0.5 * env['cpu_count'] else ''}; "
        f"keras_bert {versions['keras_bert']}, python {versions['python']}, {listed}."
        + (" **Quick mode** (`--quick`: small models, few units per round): figures for checking the "
           "harness, not for quoting." if quick else "")
    )


def setups_lines(records):
    lines = []
    for kind, title in KINDS.items():
        seen = []
        for record in records:
            if record["benchmark"].split("/")[0] != kind:
                continue
            for side, text in record["setups"].items():
                entry = (side, text)
                if entry not in seen:
                    seen.append(entry)
        if seen:
            parts = "; ".join(f"{NAMES.get(side, side)}: {text}" for side, text in seen)
            lines.append(f"- {title}: {parts}.")
    return lines


def render(records):
    if not records:
        return "No stored results: run `python -m benchmarks`."
    header = [
        "Generated by `python -m benchmarks` from [`benchmarks/results.json`](benchmarks/results.json); "
        "each comparison runs in its own process, contenders in interleaved rounds. A figure is the "
        "median of the timed rounds, [the spread]: (max − min) / median of those rounds. "
        "Speed ratio: keras_bert's speed over the peer's (> 1: keras_bert faster, < 1: slower). "
        "MFU: model matmul FLOPs (encoder and heads, masked-LM output projection included, training = "
        "3 × forward) per second over the float32 matmul peak measured in the same process.",
        "",
        "| comparison | keras_bert | keras-hub | Hugging Face | speed ratio vs keras-hub / vs HF | settings |",
        "|---|---|---|---|---|---|",
    ]
    rows = [
        f"| {what(r)} | {figure(r, 'keras_bert')} | {figure(r, 'keras_hub')} | {figure(r, 'huggingface')} "
        f"| {speed_ratio(r, 'keras_hub')} / {speed_ratio(r, 'huggingface')} | {settings(r)} |"
        for r in records
    ]
    footer = ["", "How each side runs:", "", *setups_lines(records), "", environment_line(records)]
    return "\n".join(header + rows + footer)


def update_readme(records, readme=DEFAULT_README):
    readme = Path(readme)
    text = readme.read_text(encoding="utf-8")
    if START not in text or END not in text:
        raise SystemExit(f"{readme} has no {START} ... {END} markers to write the table between.")
    before, rest = text.split(START, 1)
    _, after = rest.split(END, 1)
    readme.write_text(f"{before}{START}\n{render(records)}\n{END}{after}", encoding="utf-8")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--results", type=Path, default=DEFAULT_RESULTS)
    parser.add_argument("--readme", type=Path, default=DEFAULT_README)
    args = parser.parse_args()
    update_readme(json.loads(args.results.read_text(encoding="utf-8")), args.readme)
    print(f"rewrote the benchmark table in {args.readme}")


if __name__ == "__main__":
    main()
