"""The strength model: e1RM, smoothing, transition mode, capability bands, plateau, RPE chart.

Sources
-------
* Epley, B. (1985) *Poundage Chart*, Boyd Epley Workout: ``e1RM = weight · (1 + reps / 30)``.
* Seed 004 ("How the coach actually works"), which this module implements rule by rule:

  - e1RM counted on top sets of 3–10 reps only, "so a high-rep burnout never inflates it";
  - EWMA with α = 1/3 over the last 5 top sets;
  - transition mode after a calibration, deload end, phase change or layoff: a 3-session plain
    mean with Bessel-corrected variance; after a ≥ 28-day gap the pre-gap sets are trimmed out
    of the window, and the mode holds until the old sets have aged out of the EWMA window;
  - capability bands: floor = round-down median of recent sessions, stretch = floor × (1 +
    7.5 % progressing / 4 % plateaued / 2.5 % declining); the floor only ratchets up, when the
    current value reaches stretch + one full band width, to round-down(current);
  - plateau verdict: e1RM spread (max − min) / mean ≤ 2.5 % and weekly volume-load spread
    ≤ 5 % over the trailing 4 weeks; declining wins;
  - confidence: "established" at ≥ 8 sessions with an e1RM coefficient of variation ≤ 7.5 %;
    one rung per session at most, never backwards.
* RPE → %1RM: the RTS chart (Tuchscherer 2008) kept in ``coach/rules/rpe_chart.yaml``.

Where the seed leaves a number open (the lower confidence rungs, the RPE gate, the plate
increment), the constant below says so.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Final, Literal

import yaml

# --- seed 004 ---------------------------------------------------------------------------------
EPLEY_REPS_DIVISOR: Final = 30.0
TOP_SET_MIN_REPS: Final = 3
TOP_SET_MAX_REPS: Final = 10
EWMA_ALPHA: Final = 1.0 / 3.0
EWMA_WINDOW_SETS: Final = 5
TRANSITION_WINDOW_SESSIONS: Final = 3
LAYOFF_GAP_DAYS: Final = 28
STRETCH_MARGIN: Final[dict[str, float]] = {"progressing": 0.075, "plateaued": 0.04, "declining": 0.025}
PLATEAU_E1RM_SPREAD: Final = 0.025
PLATEAU_VOLUME_SPREAD: Final = 0.05
PLATEAU_WINDOW_WEEKS: Final = 4
ESTABLISHED_MIN_SESSIONS: Final = 8
ESTABLISHED_MAX_CV: Final = 0.075

# --- ours (the seed gives no number) ----------------------------------------------------------
#: Sessions whose median sets the band: the same five-session window as the EWMA.
BAND_WINDOW_SESSIONS: Final = 5
#: Round-down step for floors: the smallest pair of change plates in most gyms.
PLATE_INCREMENT_KG: Final = 2.5
#: A top set logged below this RPE says little about capacity, so the plateau track skips it
#: ("RPE-gated" in seed 004); sets without an RPE are kept.
PLATEAU_MIN_RPE: Final = 7.0
#: The e1RM track needs this many sessions; when four weeks hold fewer, the window widens
#: (the seed's "frequency-scaled window") up to ``PLATEAU_MAX_WINDOW_WEEKS``.
PLATEAU_MIN_SESSIONS: Final = 3
PLATEAU_MAX_WINDOW_WEEKS: Final = 8
#: Rungs below "established" and what earns them.
MODERATE_MIN_SESSIONS: Final = 4
LOW_MIN_SESSIONS: Final = 1
#: Stimulus split: sets of up to this many reps count as neuromuscular, more as metabolic;
#: RPE ≥ 9 counts as both (seed 004: "under-counting fatigue is the one error it won't make").
NEUROMUSCULAR_MAX_REPS: Final = 6
BOTH_SYSTEMS_MIN_RPE: Final = 9.0

#: ``coach/rules/``: package data, found through importlib.resources wherever the package is installed.
RULES_DIR: Final = Path(str(resources.files("coach").joinpath("rules")))
RPE_CHART_PATH: Final = RULES_DIR / "rpe_chart.yaml"
RPE_STEP: Final = 0.5

Trend = Literal["progressing", "plateaued", "declining"]
Verdict = Literal["progressing", "plateaued", "declining", "not_enough_data"]
EstimateMode = Literal["ewma", "transition"]
TransitionReason = Literal["calibration", "deload_end", "phase_change"]
ConfidenceLevel = Literal["none", "low", "moderate", "established"]
Stimulus = Literal["neuromuscular", "metabolic", "both"]
CONFIDENCE_LADDER: Final[tuple[ConfidenceLevel, ...]] = ("none", "low", "moderate", "established")


@dataclass(frozen=True, slots=True)
class StrengthSet:
    """One logged set. ``rpe`` on the 1–10 scale (Zourdos et al. 2016), optional."""

    exercise: str
    date: dt.date
    weight_kg: float
    reps: int
    rpe: float | None = None
    warmup: bool = False


@dataclass(frozen=True, slots=True)
class TopSet:
    """The heaviest qualifying set of one session (by e1RM)."""

    date: dt.date
    weight_kg: float
    reps: int
    rpe: float | None
    e1rm_kg: float


@dataclass(frozen=True, slots=True)
class TransitionEvent:
    """A calibration, the end of a deload, or a phase change: the estimate re-anchors after it."""

    date: dt.date
    reason: TransitionReason


@dataclass(frozen=True, slots=True)
class E1rmEstimate:
    """Smoothed e1RM of one lift and how it was computed."""

    value_kg: float
    mode: EstimateMode
    sample_count: int
    sd_kg: float | None
    reason: str


@dataclass(frozen=True, slots=True)
class CapabilityBand:
    """Floor (never overstated, ratchets up only) and stretch target for one lift."""

    floor_kg: float
    stretch_kg: float
    trend: Trend
    ratcheted: bool = False

    @property
    def width_kg(self) -> float:
        return self.stretch_kg - self.floor_kg


@dataclass(frozen=True, slots=True)
class PlateauVerdict:
    """Two-track verdict (e1RM spread, weekly volume-load), declining wins."""

    status: Verdict
    e1rm_track: Verdict
    volume_track: Verdict
    e1rm_spread_pct: float | None
    volume_spread_pct: float | None
    reasons: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class LiftState:
    """What must persist between sessions so the floor and confidence never go backwards."""

    exercise: str
    band: CapabilityBand | None = None
    confidence: ConfidenceLevel = "none"
    sessions_seen: int = 0


@dataclass(frozen=True, slots=True)
class LiftStatus:
    """Everything the coach knows about one lift today; ``status`` says whether there is data."""

    exercise: str
    status: Literal["not_enough_data", "ok"]
    message: str
    estimate: E1rmEstimate | None = None
    verdict: PlateauVerdict | None = None
    band: CapabilityBand | None = None
    confidence: ConfidenceLevel = "none"
    state: LiftState = field(default_factory=lambda: LiftState(exercise=""))


# --------------------------------------------------------------------------- e1RM


def epley_e1rm_kg(weight_kg: float, reps: int) -> float:
    """Epley (1985): ``weight · (1 + reps / 30)``; a single is its own 1RM."""
    if weight_kg < 0 or reps < 1:
        raise ValueError("weight_kg must be ≥ 0 and reps ≥ 1")
    if reps == 1:
        return weight_kg
    return weight_kg * (1.0 + reps / EPLEY_REPS_DIVISOR)


def _qualifies(s: StrengthSet) -> bool:
    return not s.warmup and TOP_SET_MIN_REPS <= s.reps <= TOP_SET_MAX_REPS and s.weight_kg > 0


def top_sets(sets: Iterable[StrengthSet], exercise: str | None = None) -> list[TopSet]:
    """One top set per session (exercise, date), oldest first; only 3–10-rep work sets qualify."""
    best: dict[dt.date, TopSet] = {}
    for s in sets:
        if exercise is not None and s.exercise != exercise:
            continue
        if not _qualifies(s):
            continue
        candidate = TopSet(s.date, s.weight_kg, s.reps, s.rpe, epley_e1rm_kg(s.weight_kg, s.reps))
        current = best.get(s.date)
        if current is None or candidate.e1rm_kg > current.e1rm_kg:
            best[s.date] = candidate
    return [best[day] for day in sorted(best)]


def ewma(values: Sequence[float], alpha: float = EWMA_ALPHA) -> float:
    """Exponentially weighted mean, seeded with the first value, newest weighted ``alpha``."""
    if not values:
        raise ValueError("ewma needs at least one value")
    smoothed = values[0]
    for value in values[1:]:
        smoothed = alpha * value + (1.0 - alpha) * smoothed
    return smoothed


def _latest_anchor(
    tops: Sequence[TopSet], events: Iterable[TransitionEvent]
) -> tuple[dt.date, str, bool] | None:
    """Most recent re-anchoring point: (date, reason, trims_old_sets)."""
    anchors: list[tuple[dt.date, str, bool]] = []
    for previous, current in itertools.pairwise(tops):
        gap = (current.date - previous.date).days
        if gap >= LAYOFF_GAP_DAYS:
            anchors.append((current.date, f"a {gap}-day layoff", True))
    last = tops[-1].date
    for event in events:
        if event.date <= last:
            anchors.append((event.date, event.reason.replace("_", " "), False))
    return max(anchors, key=lambda a: (a[0], a[2])) if anchors else None


def estimate_e1rm(
    sets: Iterable[StrengthSet], exercise: str | None = None, events: Iterable[TransitionEvent] = ()
) -> E1rmEstimate | None:
    """Smoothed e1RM of one lift; ``None`` before there is a qualifying top set ("not enough data").

    EWMA (α = 1/3) over the last 5 top sets, unless a transition anchor (layoff ≥ 28 days,
    calibration, deload end, phase change) falls inside that window: then the plain mean of the
    last 3 sessions, pre-gap sessions trimmed after a layoff.
    """
    tops = top_sets(sets, exercise)
    if not tops:
        return None
    window = tops[-EWMA_WINDOW_SETS:]
    anchor = _latest_anchor(tops, events)
    if anchor is not None and window[0].date < anchor[0]:
        anchor_date, why, trims = anchor
        pool = [t for t in tops if t.date >= anchor_date] if trims else tops
        recent = [t.e1rm_kg for t in pool[-TRANSITION_WINDOW_SESSIONS:]]
        sd = statistics.stdev(recent) if len(recent) > 1 else None
        return E1rmEstimate(
            value_kg=statistics.fmean(recent),
            mode="transition",
            sample_count=len(recent),
            sd_kg=sd,
            reason=f"re-anchoring after {why} on {anchor_date.isoformat()}: mean of the last {len(recent)} session(s)",
        )
    values = [t.e1rm_kg for t in window]
    return E1rmEstimate(
        value_kg=ewma(values),
        mode="ewma",
        sample_count=len(values),
        sd_kg=statistics.stdev(values) if len(values) > 1 else None,
        reason=f"EWMA (α = 1/3) of the last {len(values)} top set(s)",
    )


# --------------------------------------------------------------------------- bands


def round_down_kg(value_kg: float, increment_kg: float = PLATE_INCREMENT_KG) -> float:
    """Round down to the plate increment, so a floor never overstates (seed 004)."""
    if increment_kg <= 0:
        raise ValueError("increment_kg must be positive")
    return math.floor(value_kg / increment_kg + 1e-9) * increment_kg


def capability_band(
    session_e1rms_kg: Sequence[float],
    trend: Trend,
    previous: CapabilityBand | None = None,
    increment_kg: float = PLATE_INCREMENT_KG,
) -> CapabilityBand | None:
    """Floor and stretch from the median of the last 5 sessions; the floor only ratchets up.

    With a ``previous`` band the floor is kept until the current median reaches previous stretch
    + one band width; then it becomes round-down(current). ``None`` with no sessions.
    """
    if not session_e1rms_kg:
        return previous
    current = statistics.median(session_e1rms_kg[-BAND_WINDOW_SESSIONS:])
    margin = STRETCH_MARGIN[trend]
    ratcheted = False
    if previous is None:
        floor = round_down_kg(current, increment_kg)
    elif current >= previous.stretch_kg + previous.width_kg:
        floor = max(previous.floor_kg, round_down_kg(current, increment_kg))
        ratcheted = floor > previous.floor_kg
    else:
        floor = previous.floor_kg
    return CapabilityBand(floor_kg=floor, stretch_kg=floor * (1.0 + margin), trend=trend, ratcheted=ratcheted)


# --------------------------------------------------------------------------- plateau


def _spread(values: Sequence[float]) -> float:
    mean = statistics.fmean(values)
    return (max(values) - min(values)) / mean if mean > 0 else 0.0


def _slope(xs: Sequence[float], ys: Sequence[float]) -> float:
    mean_x, mean_y = statistics.fmean(xs), statistics.fmean(ys)
    denominator = math.fsum((x - mean_x) ** 2 for x in xs)
    if denominator == 0:
        return 0.0
    return math.fsum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys, strict=True)) / denominator


def _track(values: Sequence[float], xs: Sequence[float], flat_spread: float) -> tuple[Verdict, float]:
    spread = _spread(values)
    if spread <= flat_spread:
        return "plateaued", spread
    return ("progressing" if _slope(xs, values) > 0 else "declining"), spread


def weekly_volume_load_kg(
    sets: Iterable[StrengthSet], on: dt.date, weeks: int = PLATEAU_WINDOW_WEEKS
) -> list[float]:
    """Σ weight × reps of work sets per trailing 7-day bucket, oldest first, the last ending ``on``."""
    buckets = [0.0] * weeks
    for s in sets:
        if s.warmup:
            continue
        age_days = (on - s.date).days
        if 0 <= age_days < weeks * 7:
            buckets[weeks - 1 - age_days // 7] += s.weight_kg * s.reps
    return buckets


def plateau_verdict(sets: Sequence[StrengthSet], on: dt.date, exercise: str | None = None) -> PlateauVerdict:
    """Progressing / plateaued / declining for one lift on ``on``; declining wins (seed 004)."""
    chosen = [s for s in sets if exercise is None or s.exercise == exercise]
    tops = [t for t in top_sets(chosen) if t.date <= on and (t.rpe is None or t.rpe >= PLATEAU_MIN_RPE)]
    reasons: list[str] = []
    window_tops: list[TopSet] = []
    for weeks in range(PLATEAU_WINDOW_WEEKS, PLATEAU_MAX_WINDOW_WEEKS + 1):
        window_tops = [t for t in tops if (on - t.date).days < weeks * 7]
        if len(window_tops) >= PLATEAU_MIN_SESSIONS:
            break
    e1rm_track: Verdict = "not_enough_data"
    e1rm_spread: float | None = None
    if len(window_tops) >= PLATEAU_MIN_SESSIONS:
        e1rm_track, e1rm_spread = _track(
            [t.e1rm_kg for t in window_tops],
            [float(t.date.toordinal()) for t in window_tops],
            PLATEAU_E1RM_SPREAD,
        )
        reasons.append(
            f"e1RM spread {e1rm_spread * 100:.1f} % over {len(window_tops)} sessions "
            f"(flat at ≤ {PLATEAU_E1RM_SPREAD * 100:.1f} %): {e1rm_track}"
        )
    else:
        reasons.append(f"{len(window_tops)} hard top set(s) in the window; {PLATEAU_MIN_SESSIONS} are needed")
    volumes = weekly_volume_load_kg(chosen, on)
    volume_track: Verdict = "not_enough_data"
    volume_spread: float | None = None
    if sum(1 for v in volumes if v > 0) >= 2:
        volume_track, volume_spread = _track(
            volumes, [float(i) for i in range(len(volumes))], PLATEAU_VOLUME_SPREAD
        )
        reasons.append(
            f"weekly volume-load spread {volume_spread * 100:.1f} % over {PLATEAU_WINDOW_WEEKS} weeks "
            f"(flat at ≤ {PLATEAU_VOLUME_SPREAD * 100:.0f} %): {volume_track}"
        )
    status: Verdict
    if e1rm_track == "not_enough_data":
        status = "not_enough_data"
    elif "declining" in (e1rm_track, volume_track):
        status = "declining"
    elif e1rm_track == "plateaued" and volume_track in ("plateaued", "not_enough_data"):
        status = "plateaued"
    else:
        status = "progressing"
    return PlateauVerdict(status, e1rm_track, volume_track, e1rm_spread, volume_spread, tuple(reasons))


# --------------------------------------------------------------------------- confidence


def e1rm_cv(tops: Sequence[TopSet], window: int = ESTABLISHED_MIN_SESSIONS) -> float | None:
    """Coefficient of variation (Bessel) of the last ``window`` session e1RMs; ``None`` below 2."""
    values = [t.e1rm_kg for t in tops[-window:]]
    if len(values) < 2:
        return None
    return statistics.stdev(values) / statistics.fmean(values)


def earned_confidence(session_count: int, cv: float | None) -> ConfidenceLevel:
    """The rung the evidence alone supports (seed 004 for "established"; lower rungs are ours)."""
    if session_count >= ESTABLISHED_MIN_SESSIONS and cv is not None and cv <= ESTABLISHED_MAX_CV:
        return "established"
    if session_count >= MODERATE_MIN_SESSIONS:
        return "moderate"
    if session_count >= LOW_MIN_SESSIONS:
        return "low"
    return "none"


def next_confidence(previous: ConfidenceLevel, session_count: int, cv: float | None) -> ConfidenceLevel:
    """Forward-only ladder: at most one rung up per call, never down."""
    have = CONFIDENCE_LADDER.index(previous)
    earned = CONFIDENCE_LADDER.index(earned_confidence(session_count, cv))
    return CONFIDENCE_LADDER[have + 1] if earned > have else previous


# --------------------------------------------------------------------------- RPE chart


@dataclass(frozen=True, slots=True)
class RpeChart:
    """%1RM by RPE (6–10, half steps) and reps (1–12); ``None`` cells are off the chart."""

    source: str
    reps: tuple[int, ...]
    pct_by_rpe: dict[float, tuple[float | None, ...]]


def _parse_rpe_chart(document: object, origin: str) -> RpeChart:
    if not isinstance(document, dict):
        raise ValueError(f"{origin}: expected a mapping with 'reps' and 'pct_1rm'")
    reps = tuple(int(r) for r in document["reps"])
    table: dict[float, tuple[float | None, ...]] = {}
    for rpe, row in document["pct_1rm"].items():
        values = tuple(None if v is None else float(v) for v in row)
        if len(values) != len(reps):
            raise ValueError(f"{origin}: RPE {rpe} has {len(values)} cells for {len(reps)} rep counts")
        table[float(rpe)] = values
    return RpeChart(source=str(document.get("source", "")), reps=reps, pct_by_rpe=table)


@lru_cache(maxsize=4)
def load_rpe_chart(path: Path = RPE_CHART_PATH) -> RpeChart:
    """Read the RPE chart from ``coach/rules/rpe_chart.yaml`` (cached)."""
    return _parse_rpe_chart(yaml.safe_load(path.read_text(encoding="utf-8")), str(path))


def _round_rpe(rpe: float) -> float:
    return round(rpe / RPE_STEP) * RPE_STEP


def pct_1rm(reps: int, rpe: float, chart: RpeChart | None = None) -> float:
    """Percent of 1RM that ``reps`` at ``rpe`` represents; ``ValueError`` off the chart."""
    table = chart or load_rpe_chart()
    key = _round_rpe(rpe)
    if key not in table.pct_by_rpe or reps not in table.reps:
        raise ValueError(
            f"RPE {rpe:g} for {reps} reps is outside the chart (RPE {min(table.pct_by_rpe):g}–"
            f"{max(table.pct_by_rpe):g}, {min(table.reps)}–{max(table.reps)} reps)"
        )
    value = table.pct_by_rpe[key][table.reps.index(reps)]
    if value is None:
        raise ValueError(f"the chart has no value for {reps} reps at RPE {key:g}")
    return value


def e1rm_from_rpe_kg(weight_kg: float, reps: int, rpe: float, chart: RpeChart | None = None) -> float:
    """e1RM implied by a set and its RPE: weight / (%1RM / 100)."""
    return weight_kg / (pct_1rm(reps, rpe, chart) / 100.0)


def load_for_kg(
    e1rm_kg: float,
    reps: int,
    rpe: float,
    chart: RpeChart | None = None,
    increment_kg: float | None = PLATE_INCREMENT_KG,
) -> float:
    """Weight to load for ``reps`` at ``rpe`` given ``e1rm_kg``, rounded down to the plates."""
    weight = e1rm_kg * pct_1rm(reps, rpe, chart) / 100.0
    return round_down_kg(weight, increment_kg) if increment_kg else weight


def classify_stimulus(reps: int, rpe: float | None) -> Stimulus:
    """Which recovery system a set taxes: heavy low-rep neuromuscular, higher-rep metabolic, RPE ≥ 9 both."""
    if rpe is not None and rpe >= BOTH_SYSTEMS_MIN_RPE:
        return "both"
    return "neuromuscular" if reps <= NEUROMUSCULAR_MAX_REPS else "metabolic"


# --------------------------------------------------------------------------- one lift


def assess_lift(
    exercise: str,
    sets: Sequence[StrengthSet],
    on: dt.date,
    *,
    previous: LiftState | None = None,
    events: Iterable[TransitionEvent] = (),
) -> LiftStatus:
    """Estimate, verdict, band and confidence of one lift on ``on`` from its sets up to that day.

    Pass the ``state`` of the previous call as ``previous``: the floor and the confidence rung
    are carried forward and never lowered. Before the first qualifying top set the status is
    ``"not_enough_data"`` and no number is given.
    """
    state = previous or LiftState(exercise=exercise)
    mine = [s for s in sets if s.exercise == exercise and s.date <= on]
    event_list = list(events)
    tops = top_sets(mine)
    estimate = estimate_e1rm(mine, events=event_list)
    if estimate is None:
        return LiftStatus(
            exercise=exercise,
            status="not_enough_data",
            message=(
                f"Not enough data yet for {exercise}: log a work set of {TOP_SET_MIN_REPS}–{TOP_SET_MAX_REPS} reps "
                "and I will estimate your strength from it."
            ),
            band=state.band,
            confidence=state.confidence,
            state=state,
        )
    verdict = plateau_verdict(mine, on)
    trend: Trend = "plateaued" if verdict.status == "not_enough_data" else verdict.status
    band = capability_band([t.e1rm_kg for t in tops], trend, state.band)
    confidence = state.confidence
    if len(tops) > state.sessions_seen:
        confidence = next_confidence(state.confidence, len(tops), e1rm_cv(tops))
    new_state = LiftState(exercise=exercise, band=band, confidence=confidence, sessions_seen=len(tops))
    message = (
        f"{exercise}: e1RM {estimate.value_kg:.1f} kg ({estimate.reason}); {verdict.status.replace('_', ' ')}"
    )
    return LiftStatus(
        exercise=exercise,
        status="ok",
        message=message,
        estimate=estimate,
        verdict=verdict,
        band=band,
        confidence=confidence,
        state=new_state,
    )
