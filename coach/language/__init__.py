"""The language layer: reading athletes' own words into typed values.

One place for what onboarding, ``/log``, commands, the brain and memory all need to read.
It imports nothing of the coach but the engine's units, and never reads the clock: today is an
argument.
"""

from coach.language.quantities import ClockAmbiguity, plausible_speed_mps, read_clock

__all__ = ["ClockAmbiguity", "plausible_speed_mps", "read_clock"]
