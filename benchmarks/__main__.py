"""`python -m benchmarks`: every speed comparison of keras_bert with keras-hub and Hugging Face,
each in its own process, stored in benchmarks/results.json and written into the README's table.

    python -m benchmarks                 # the full run (bert_mini / bert_small; long on a small CPU)
    python -m benchmarks --quick         # a few minutes: bert_tiny, few units per round
    python -m benchmarks --only serving  # rerun some comparisons, keep the other stored records
    python -m benchmarks --job "finetuning bert_mini XLA on"  # rerun the jobs whose label has this
    python -m benchmarks --table-only    # rewrite the README table from the stored results

Comparisons (one subprocess each; see each module's docstring for what is compared and how):
  tokenization  tokenize + pack to 128 on SST-2 and ChnSentiCorp    benchmarks/tokenization.py
  pretraining   masked-LM train step, XLA off on both and on both     benchmarks/pretraining.py
  serving       raw strings → class, batch 32 and batch-1 latency     benchmarks/serving.py
  finetuning    fit() on SST-2 sentences, XLA off and on on both      benchmarks/finetuning.py
Timing: benchmarks/timing.py (interleaved rounds, median, spread). A comparison whose data
(../shared/data) or packages are absent is skipped with its reason.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks import readme_table
from benchmarks.common import DEFAULT_DATA, REPO_ROOT, SKIP_EXIT_CODE

RESULTS = REPO_ROOT / "benchmarks" / "results.json"
KINDS = ("tokenization", "pretraining", "serving", "finetuning")


def jobs(quick):
    """(kind, label, module arguments) of every comparison."""
    pretraining_presets = ["bert_tiny"] if quick else ["bert_mini", "bert_small"]
    serving = [("bert_tiny", [])] if quick else [
        ("bert_tiny", []),
        ("bert_small", ["--texts", "256", "--single-texts", "32"]),
    ]
    listed = [("tokenization", f"tokenization {name}", ["--dataset", name]) for name in ("sst2", "chnsenticorp")]
    listed += [
        ("pretraining", f"pretraining {preset} XLA {jit}", ["--preset", preset, "--jit-compile", jit])
        for preset in pretraining_presets
        for jit in ("off", "on")
    ]
    listed += [("serving", f"serving {preset}", ["--preset", preset, *extra]) for preset, extra in serving]
    listed += [
        ("finetuning", f"finetuning {preset} XLA {jit}", ["--preset", preset, "--jit-compile", jit])
        for preset in (["bert_tiny"] if quick else ["bert_mini"])
        for jit in ("off", "on")
    ]
    return listed


def run_job(kind, label, arguments, common_arguments, out, timeout):
    command = [sys.executable, "-m", f"benchmarks.{kind}", *arguments, *common_arguments, "--out", str(out)]
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL=os.environ.get("TF_CPP_MIN_LOG_LEVEL", "2"))
    print(f"\n== {label}: {' '.join(command[1:])}", flush=True)
    started = time.perf_counter()
    try:
        result = subprocess.run(command, cwd=REPO_ROOT, env=env, timeout=timeout)
    except subprocess.TimeoutExpired:
        print(f"== {label}: FAILED, over {timeout} s", flush=True)
        return "failed", []
    seconds = time.perf_counter() - started
    if result.returncode == SKIP_EXIT_CODE:
        print(f"== {label}: skipped ({seconds:.0f} s)", flush=True)
        return "skipped", []
    if result.returncode != 0:
        print(f"== {label}: FAILED with exit code {result.returncode} ({seconds:.0f} s)", flush=True)
        return "failed", []
    records = json.loads(Path(out).read_text(encoding="utf-8"))
    print(f"== {label}: {len(records)} record(s) in {seconds:.0f} s", flush=True)
    for record in records:
        peers = ", ".join(f"{name} {readme_table.number(value)}" for name, value in record["peers"].items()
                          if value is not None)
        print(f"   {record['benchmark']}: keras_bert {readme_table.number(record['keras_bert'])} {record['unit']}; {peers}")
    return "ok", records


def main():
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks", description=__doc__.split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__.split("\n\n", 1)[1],
    )
    parser.add_argument("--quick", action="store_true", help="bert_tiny and few units per round (a few minutes)")
    parser.add_argument("--only", nargs="+", choices=KINDS, help="run these comparisons, keep the other stored records")
    parser.add_argument("--job", action="append", metavar="TEXT",
                        help="run only the jobs whose label contains TEXT (repeatable; labels are printed "
                             "as '== LABEL'); a new record replaces the stored one of the same benchmark")
    parser.add_argument("--rounds", type=int, default=5, help="timed rounds per contender (at least 5)")
    parser.add_argument("--warmup", type=int, default=1, help="untimed rounds per contender")
    parser.add_argument("--threads", type=int, default=os.cpu_count(),
                        help="threads for TensorFlow, Rayon (RAYON_NUM_THREADS) and torch (default: all CPUs)")
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="the real data (SST-2, ChnSentiCorp, vocabularies)")
    parser.add_argument("--results", type=Path, default=RESULTS)
    parser.add_argument("--no-readme", action="store_true", help="do not rewrite the README table")
    parser.add_argument("--table-only", action="store_true", help="only rewrite the README table from --results")
    parser.add_argument("--timeout", type=int, help="seconds per comparison (default 900 quick, 7200 full)")
    args = parser.parse_args()

    if args.table_only:
        readme_table.update_readme(json.loads(args.results.read_text(encoding="utf-8")))
        print(f"rewrote the README table from {args.results}")
        return
    if args.rounds < 5:
        parser.error("--rounds must be at least 5")

    common_arguments = ["--data", str(args.data), "--threads", str(args.threads), "--rounds", str(args.rounds),
                        "--warmup", str(args.warmup)] + (["--quick"] if args.quick else [])
    timeout = args.timeout or (900 if args.quick else 7200)
    selected = [job for job in jobs(args.quick) if not args.only or job[0] in args.only]
    if args.job:
        selected = [job for job in selected if any(text in job[1] for text in args.job)]
        if not selected:
            parser.error(f"no job label contains {args.job}; labels: {[label for _, label, _ in jobs(args.quick)]}")
    records, outcomes = [], {}
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as folder:
        for index, (kind, label, arguments) in enumerate(selected):
            outcome, new = run_job(kind, label, arguments, common_arguments, Path(folder) / f"{index}.json", timeout)
            outcomes[label] = outcome
            records += new

    partial = (args.only or args.job) and args.results.exists()
    stored = json.loads(args.results.read_text(encoding="utf-8")) if partial else []
    records = merge_records(stored, records, replaced_kinds=() if args.job else (args.only or ()))
    args.results.write_text(json.dumps(records, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"\nwrote {len(records)} records to {args.results} ({time.perf_counter() - started:.0f} s)")
    if not args.no_readme and records:
        readme_table.update_readme(records)
        print("rewrote the README's benchmark table")
    for label, outcome in outcomes.items():
        if outcome != "ok":
            print(f"{label}: {outcome}")
    if "failed" in outcomes.values():
        sys.exit(1)


def merge_records(stored, new, replaced_kinds=()):
    """`new` records, and the `stored` ones they do not replace, in KINDS order.

    A new record replaces the stored record of the same benchmark; every stored record of a
    kind in `replaced_kinds` goes too (`--only`: that comparison was rerun as a whole).
    """
    names = {record["benchmark"] for record in new}
    kept = [r for r in stored if r["benchmark"] not in names and _kind(r) not in replaced_kinds]
    return sorted(kept + new, key=lambda record: KINDS.index(_kind(record)) if _kind(record) in KINDS else len(KINDS))


def _kind(record):
    prefix = record["benchmark"].split("/")[0]
    return {"tokenize_pack": "tokenization"}.get(prefix, prefix)


if __name__ == "__main__":
    main()
