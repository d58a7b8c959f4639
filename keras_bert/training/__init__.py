"""Training machinery shared by the task models: optimizers and schedules, precision,
distribution strategies, step checkpoints with resume, step history and its plot, and the
stop on divergence (a NaN loss fails the run; non-finite weights are never saved)."""
