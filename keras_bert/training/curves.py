"""A PNG of loss and accuracy against step, the first thing to look at after a run."""

# A bare Figure, not pyplot: it draws to files on servers and in CI, and leaves the caller's
# matplotlib backend alone (a notebook keeps showing its own plots inline).
from matplotlib.figure import Figure


def plot_training_curves(history, path, title=None):
    """Plot `history` ({"train": [records], "validation": [records]}, records by "step").

    Left: every `*loss`; right: every `*accuracy` (plus any `baseline_*` given as
    `history["baselines"]`, drawn as horizontal lines). Returns `path`.
    """
    figure = Figure(figsize=(12, 4.5))
    loss_axis, accuracy_axis = figure.subplots(1, 2)
    for split, style in (("train", "-"), ("validation", "o--")):
        records = history.get(split) or []
        names = sorted({name for record in records for name in record if name != "step"})
        for name in names:
            points = [(r["step"], r[name]) for r in records if name in r]
            if not points:
                continue
            axis = accuracy_axis if name.endswith("accuracy") else loss_axis if name.endswith("loss") else None
            if axis is None:
                continue
            steps, values = zip(*points)
            axis.plot(steps, values, style, label=f"{split} {name}", markersize=4)
    for name, value in (history.get("baselines") or {}).items():
        accuracy_axis.axhline(value, color="grey", linestyle=":", label=name)
    loss_axis.set(xlabel="step", ylabel="loss", title="loss")
    accuracy_axis.set(xlabel="step", ylabel="accuracy", title="accuracy", ylim=(0, 1))
    for axis in (loss_axis, accuracy_axis):
        axis.grid(alpha=0.3)
        if axis.lines:
            axis.legend(fontsize=8)
    if title:
        figure.suptitle(title)
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    return path
