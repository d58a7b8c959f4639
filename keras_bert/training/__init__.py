"""Training machinery shared by the task models: optimizers and schedules, precision,
distribution strategies, step checkpoints with resume, step history and its plot."""
