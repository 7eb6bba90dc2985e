"""Pure training metrics. Every function is a function of its arguments: no database, network or clock.

Modules (each docstring names its sources):

* ``running`` — VDOT (Daniels & Gilbert 1979), race equivalents, E/M/T/I/R paces, Riegel;
* ``power`` — NP (GoldenCheetah IsoPower convention), IF, TSS, VI, power curve, FIR,
  durability, zones, EF, Pa:Hr;
* ``load`` — hrTSS (Banister TRIMP), rTSS (Minetti-graded), swim TSS, session RPE, and
  ``activity_load`` that puts every sport on one TSS-like scale;
* ``pmc`` — CTL/ATL/TSB, ramp rate, acute:chronic ratio;
* ``strength`` — e1RM, EWMA and transition mode, capability bands, plateau, RPE chart,
  confidence (seed 004);
* ``readiness`` — morning check-in + recovery curves + HRV/RHR → score, colour, reasons;
* ``adherence`` — planned vs done, weekly compliance, prescription bias;
* ``athlete_profile`` — the athlete from recent activities, and ``models.History`` from it.
"""

from coach.engine.metrics.running import (
    equivalents,
    race_time_s,
    riegel_time_s,
    training_paces,
    vdot_from_race,
)

__all__ = [
    "equivalents",
    "race_time_s",
    "riegel_time_s",
    "training_paces",
    "vdot_from_race",
]
