"""Interleaved timing rounds, the median and the spread: the one way every comparison is timed.

Each contender is a callable that does one round of work and returns how many units it did
(texts, tokens, calls). Contenders take turns, one round each (A B C, B C A, C A B, ...: the
starting contender rotates so none always runs right after the same neighbour), so a slow
patch of a shared machine falls on all of them alike. The first `warmup` rounds of each are
not timed (tracing, XLA compilation, caches). The figure kept is the median of the timed
rounds; the spread is (max - min) / median of those rounds, so 0.10 means the fastest and
slowest round differ by 10 % of the median.
"""

import statistics
import time

SPREAD_MEASURE = "(max - min) / median of the timed rounds"


def interleaved_rounds(contenders, rounds, warmup=1, log=None):
    """Time `contenders` ({name: round_callable}) in interleaved rounds.

    A round callable returns the units of work it did, or `(units, seconds)` when it times
    its own window (to leave out a start-up that is not the work measured).

    Returns {name: [seconds per unit, one per timed round]}.
    """
    names = list(contenders)
    per_unit = {name: [] for name in names}
    for round_index in range(warmup + rounds):
        shift = round_index % len(names)
        for name in names[shift:] + names[:shift]:
            started = time.perf_counter()
            units = contenders[name]()
            seconds = time.perf_counter() - started
            if isinstance(units, tuple):  # (units, seconds): the round timed its own window
                units, seconds = units
            if round_index >= warmup:
                per_unit[name].append(seconds / units)
        if log is not None:
            label = "warm-up" if round_index < warmup else "timed"
            log(f"  round {round_index + 1}/{warmup + rounds} ({label}) done")
    return per_unit


def summarise(values):
    """{"median", "spread", "rounds"} of a list of per-round figures."""
    median = statistics.median(values)
    return {
        "median": median,
        "spread": (max(values) - min(values)) / median if median else None,
        "rounds": list(values),
    }


def rates(per_unit):
    """Units per second per round ({name: [rate, ...]}), from seconds per unit."""
    return {name: [1.0 / seconds for seconds in values] for name, values in per_unit.items()}


def milliseconds(per_unit):
    """Milliseconds per unit per round (for latencies)."""
    return {name: [1000.0 * seconds for seconds in values] for name, values in per_unit.items()}
