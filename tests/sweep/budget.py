"""How many inputs a sweep tries: CI runs a fixed, derandomized sample
(``WENDA_SWEEP_EXAMPLES``, default 60 per test); ``WENDA_SWEEP_EXAMPLES=1000`` runs the
measured sweeps of BENCHMARKS.md with fresh random inputs."""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

EXAMPLES = int(os.environ.get("WENDA_SWEEP_EXAMPLES", "60"))
SWEEP = settings(
    max_examples=EXAMPLES,
    derandomize=EXAMPLES <= 200,  # CI: the same inputs every run
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
