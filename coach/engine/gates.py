"""KPI gates: measured conditions that release a phase change (seed 002).

"KPIs drive progression, deload timing, and phase transitions instead of relying on fixed
calendar intervals" (seed 002, RPS). The gates live in ``coach/rules/kpi_gates.yaml`` per event
profile. When next week is planned to start a new phase and a *mandatory* gate for that
transition fails on the athlete's measured data, that week is held in the earlier phase: its
hard sessions become aerobic ones of the same length, and the week's note names the gate and
the value. A gate with no data is not a failure: the coach says "not measured yet" and the
calendar decides (MISSION principle 5: it says "I don't know yet" rather than invent).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

from coach.engine.adapt import Adaptation, Change, rebuild_weeks
from coach.engine.athlete import anchors_of
from coach.engine.fix import fix_plan
from coach.engine.models import Phase, Plan, Profile, Session
from coach.engine.rules import KpiGate, Rules
from coach.engine.validate import validate_plan
from coach.engine.workouts import converted

TRANSITIONS: dict[tuple[Phase, Phase], str] = {("base", "build"): "base_to_build", ("build", "peak"): "build_to_peak",
                                                ("peak", "taper"): "peak_to_taper"}
NO_PHASE_CHANGE = "No phase change to judge."
SAME_PHASE = "Next week stays in the same phase: no gate to judge."
NOTHING_TO_JUDGE = frozenset({NO_PHASE_CHANGE, SAME_PHASE})
HELD_TYPES = frozenset({"tempo", "threshold", "intervals"})
"""The work a gate holds back; easy, long and recovery sessions stay as planned."""


@dataclass(frozen=True)
class GateResult:
    kpi: str
    note: str
    mandatory: bool
    value: float | None
    passed: bool | None  # None: not measured yet

    def sentence(self) -> str:
        if self.passed is None:
            return f"{self.note}: not measured yet"
        verdict = "met" if self.passed else "not met"
        return f"{self.note}: {verdict} ({self.kpi} {self.value:g})"


def _passes(gate: KpiGate, value: float) -> bool:
    if gate.op == "ge":
        return gate.low is not None and value >= gate.low
    if gate.op == "le":
        return gate.high is not None and value <= gate.high
    return gate.low is not None and gate.high is not None and gate.low <= value <= gate.high


def evaluate_gates(profile: Profile, rules: Rules, kpis: Mapping[str, float], transition: str) -> list[GateResult]:
    """Every gate of the athlete's event profile for ``transition``, judged on ``kpis``."""
    kpi_profile = rules.events.events[profile.goal.event].kpi_profile
    gates = [g for g in rules.kpi.profiles[kpi_profile].gates if g.transition == transition]
    results = []
    for gate in gates:
        value = kpis.get(gate.kpi)
        results.append(GateResult(gate.kpi, gate.note, gate.mandatory, value, None if value is None else _passes(gate, value)))
    return results


def hold_for_gates(plan: Plan, profile: Profile, rules: Rules, kpis: Mapping[str, float], today: dt.date) -> Adaptation:
    """Hold next week in its earlier phase when a mandatory gate of its transition fails on data."""
    upcoming = [w for w in plan.weeks if w.start > today]
    previous = [w for w in plan.weeks if w.start <= today]
    if not upcoming or not previous:
        return Adaptation(plan=plan, profile=profile, summary=NO_PHASE_CHANGE)
    week, before = upcoming[0], previous[-1]
    transition = TRANSITIONS.get((before.phase, week.phase))
    if transition is None:
        return Adaptation(plan=plan, profile=profile, summary=SAME_PHASE)
    results = evaluate_gates(profile, rules, kpis, transition)
    failed = [r for r in results if r.mandatory and r.passed is False]
    notes = [r.sentence() for r in results]
    if not failed:
        summary = f"{transition.replace('_', ' ')}: " + ("; ".join(notes) if notes else "no gate for this transition") + "."
        return Adaptation(plan=plan, profile=profile, summary=summary)
    anchors = anchors_of(profile, rules)
    why = "; ".join(r.sentence() for r in failed)
    sessions: list[Session] = []
    changes: list[Change] = []
    for w in plan.weeks:
        for s in w.sessions:
            if w is week and s.type in HELD_TYPES:
                after = converted(s, s.sport, "easy", anchors, rules, duration_min=s.duration_min)
                sessions.append(after)
                changes.append(Change(date=s.date, before=s, after=after, reason=f"held in {before.phase}: {why}",
                                      rule_ids=["kpi_gate"], values={r.kpi: r.value for r in failed}))
            else:
                sessions.append(s)
    draft = rebuild_weeks(plan, sessions)
    weeks = [
        w.model_copy(update={"phase": before.phase, "notes": [*w.notes, f"Held in {before.phase} (KPI gate, seed 002): {why}."]})
        if w.start == week.start else w
        for w in draft.weeks
    ]
    held = fix_plan(draft.model_copy(update={"weeks": weeks}), profile, rules, editable=(week.start, week.start + dt.timedelta(days=6)))
    if validate_plan(held, profile, rules):
        return Adaptation(plan=plan, profile=profile, summary="Holding the phase would break a guardrail; the calendar decides.",
                          accepted=False, refused_reason="holding the phase would break a guardrail")
    return Adaptation(plan=held, profile=profile, changes=changes, summary=f"Next week stays in {before.phase}: {why}.")
