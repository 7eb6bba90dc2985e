"""The weekly batch (seed 000): every athlete's next week pre-computed before their Sunday message,
in-process or fanned out over a task queue (``coach.batch.queue``), idempotent per (athlete, week).

Kept light: importing the package loads nothing heavy (the CLI imports it at start-up)."""
