"""Structure detected in a recording: warm-up, repeats x duration @ intensity, recoveries,
cool-down — and the library they add up to over the athlete's history.

Deterministic by construction (no randomness, no clock, sorted inputs): the same recordings
always give the same library.

1. The intensity signal, one value a second: power for rides (% FTP when FTP is known), speed
   for runs and swims; a centred moving average smooths it (``library.yaml`` detection).
2. Two levels, work and rest, split by Otsu's threshold (N. Otsu, "A threshold selection method
   from gray-level histograms", IEEE Trans. SMC 9(1), 1979) — the split that best separates the
   two groups; a session whose work is not ``min_contrast`` times its rest was steady.
3. Runs of work and rest shorter than ``min_segment_s`` join their neighbour.
4. The first rest is the warm-up, the last the cool-down; ``min_reps`` or more work bouts in a
   row alike in duration and intensity are a repeat, the rests between them its recovery.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from coach.engine.models import SessionSport, Step, Target
from coach.engine.render import format_minutes, format_pace
from coach.library.model import Detection, Workout, classify, library_rules, total_seconds
from coach.sources.activity import ActivityStreams

_PERCENT: Final = 100.0
_METRES_PER_KM: Final = 1000.0
_BINS: Final = 256
_ROUND_SHORT_S: Final = 5  # bout durations are rounded to 5 s under 2 min, 15 s under 10 min, else 30 s
_ROUND_MID_S: Final = 15
_ROUND_LONG_S: Final = 30
_SHORT_S: Final = 120
_MID_S: Final = 600


@dataclass(frozen=True, slots=True)
class Segment:
    work: bool
    start: int
    seconds: int
    mean: float  # the raw signal's mean over the segment


def _signal(sport: str, streams: ActivityStreams) -> tuple[str, list[float]] | None:
    """("power" or "speed", one value a second), or None: rides are read from power (speed on a
    bike follows the road), runs from speed; swims and the rest are not read."""
    if sport in ("ride", "virtual_ride") and streams.power_w and any(v for v in streams.power_w if v):
        return "power", [float(v or 0.0) for v in streams.resample_1hz(streams.power_w)]
    if sport == "run" and streams.speed_m_per_s and any(v for v in streams.speed_m_per_s if v):
        out: list[float] = []
        last = 0.0
        for v in streams.resample_1hz(streams.speed_m_per_s):
            last = float(v) if v is not None else last
            out.append(last)
        return "speed", out
    return None


def _smooth(values: Sequence[float], window: int) -> list[float]:
    half = window // 2
    prefix = [0.0]
    for v in values:
        prefix.append(prefix[-1] + v)
    n = len(values)
    out = []
    for i in range(n):
        lo, hi = max(0, i - half), min(n, i + half + 1)
        out.append((prefix[hi] - prefix[lo]) / (hi - lo))
    return out


def otsu_threshold(values: Sequence[float]) -> float:
    """Otsu's threshold over a ``_BINS``-bin histogram (Otsu 1979): maximises between-class variance."""
    low, high = min(values), max(values)
    if high <= low:
        return high
    width = (high - low) / _BINS
    counts = [0] * _BINS
    for v in values:
        counts[min(int((v - low) / width), _BINS - 1)] += 1
    total = len(values)
    sum_all = sum((i + 0.5) * c for i, c in enumerate(counts))
    best, best_i = -1.0, 0
    weight_b = 0
    sum_b = 0.0
    for i, c in enumerate(counts):
        weight_b += c
        if weight_b == 0:
            continue
        weight_f = total - weight_b
        if weight_f == 0:
            break
        sum_b += (i + 0.5) * c
        mean_b, mean_f = sum_b / weight_b, (sum_all - sum_b) / weight_f
        between = weight_b * weight_f * (mean_b - mean_f) ** 2
        if between > best:
            best, best_i = between, i
    return low + (best_i + 1) * width


def _segments(raw: Sequence[float], work: Sequence[bool], min_s: int) -> list[Segment]:
    runs: list[list[int]] = []  # [work, start, length]
    for i, is_work in enumerate(work):
        if runs and bool(runs[-1][0]) == is_work:
            runs[-1][2] += 1
        else:
            runs.append([int(is_work), i, 1])
    merged: list[list[int]] = []
    for run in runs:
        if (merged and (run[2] < min_s or (merged[-1][2] < min_s and len(merged) == 1))) or (merged and bool(merged[-1][0]) == bool(run[0])):
            merged[-1][2] += run[2]
        else:
            merged.append(list(run))
    out = []
    for flag, start, length in merged:
        chunk = raw[start:start + length]
        out.append(Segment(bool(flag), start, length, sum(chunk) / len(chunk)))
    # neighbours of one kind after merging: join them
    joined: list[Segment] = []
    for seg in out:
        if joined and joined[-1].work == seg.work:
            prev = joined[-1]
            total = prev.seconds + seg.seconds
            joined[-1] = Segment(seg.work, prev.start, total, (prev.mean * prev.seconds + seg.mean * seg.seconds) / total)
        else:
            joined.append(seg)
    return joined


def _round_s(seconds: float) -> int:
    unit = _ROUND_SHORT_S if seconds < _SHORT_S else _ROUND_MID_S if seconds < _MID_S else _ROUND_LONG_S
    return max(unit, round(seconds / unit) * unit)


def _target(kind: str, mean: float, ftp_w: float | None, rules: Detection) -> Target | None:
    if kind == "power":
        if ftp_w:
            pct = round(mean / ftp_w * _PERCENT)
            return Target(unit="pct_ftp", low=round(pct - rules.band_pct_ftp, 1), high=round(pct + rules.band_pct_ftp, 1))
        return Target(unit="w", low=round(mean * 0.97), high=round(mean * 1.03))
    if mean <= 0:
        return None
    pace = round(_METRES_PER_KM / mean / _ROUND_SHORT_S) * _ROUND_SHORT_S
    return Target(unit="s_per_km", low=pace - rules.band_s_per_km, high=pace + rules.band_s_per_km)


def _alike(a: Segment, b: Segment, rules: Detection) -> bool:
    duration_ok = abs(a.seconds - b.seconds) <= max(rules.same_duration_s, a.seconds * rules.same_duration_pct / _PERCENT)
    intensity_ok = abs(a.mean - b.mean) <= a.mean * rules.same_intensity_pct / _PERCENT
    return duration_ok and intensity_ok


def structure(sport: str, streams: ActivityStreams | None, ftp_w: float | None = None) -> list[Step] | None:
    """The recording's steps when it holds repeats, else None (a steady session, no signal)."""
    if streams is None or not streams.time_s:
        return None
    rules = library_rules().detection
    signal = _signal(sport, streams)
    if signal is None or len(signal[1]) < rules.min_activity_s:
        return None
    kind, raw = signal
    smooth = _smooth(raw, rules.smoothing_s)
    threshold = otsu_threshold(smooth)
    segments = _segments(raw, [v > threshold for v in smooth], rules.min_segment_s)
    work_means = [s.mean for s in segments if s.work]
    rest_means = [s.mean for s in segments if not s.work]
    if not work_means or not rest_means or statistics.fmean(rest_means) <= 0:
        return None
    if statistics.fmean(work_means) < statistics.fmean(rest_means) * rules.min_contrast:
        return None
    steps: list[Step] = []
    i = 0
    if not segments[0].work:
        steps.append(Step(kind="warmup", duration_s=_round_s(segments[0].seconds), target=_target(kind, segments[0].mean, ftp_w, rules)))
        i = 1
    end = len(segments) - 1 if not segments[-1].work and len(segments) > 1 else len(segments)
    found_repeat = False
    while i < end:
        seg = segments[i]
        if not seg.work:
            steps.append(Step(kind="main", label="steady", duration_s=_round_s(seg.seconds), target=_target(kind, seg.mean, ftp_w, rules)))
            i += 1
            continue
        # gather like bouts: work, rest, work, rest, ...
        bouts: list[Segment] = [seg]
        rests: list[Segment] = []
        j = i
        while j + 2 < end + (1 if end < len(segments) else 0) and j + 2 < len(segments):
            rest, nxt = segments[j + 1], segments[j + 2]
            if not nxt.work or not _alike(seg, nxt, rules) or (rests and not _alike(rests[0], rest, rules)):
                break
            rests.append(rest)
            bouts.append(nxt)
            j += 2
        if len(bouts) >= rules.min_reps and seg.seconds >= rules.min_work_s:
            work_s = _round_s(statistics.median(b.seconds for b in bouts))
            work_mean = statistics.fmean(b.mean for b in bouts)
            children = [Step(kind="main", label="work", duration_s=work_s, target=_target(kind, work_mean, ftp_w, rules))]
            if rests:
                rest_mean = statistics.fmean(r.mean for r in rests)
                children.append(Step(kind="recovery", label="recovery", duration_s=_round_s(statistics.median(r.seconds for r in rests)),
                                     target=_target(kind, rest_mean, ftp_w, rules)))
            steps.append(Step(kind="repeat", repeat=len(bouts), steps=children))
            found_repeat = True
            i = j + 1
        else:
            steps.append(Step(kind="main", duration_s=_round_s(seg.seconds), target=_target(kind, seg.mean, ftp_w, rules)))
            i += 1
    if end < len(segments):
        last = segments[-1]
        steps.append(Step(kind="cooldown", duration_s=_round_s(last.seconds), target=_target(kind, last.mean, ftp_w, rules)))
    return steps if found_repeat else None


def _intensity_text(target: Target | None, units: str = "km") -> str:
    if target is None:
        return ""
    middle = (target.low + target.high) / 2
    if target.unit == "pct_ftp":
        return f" @ {middle:.0f}% FTP"
    if target.unit == "w":
        return f" @ {middle:.0f} W"
    if target.unit == "s_per_km":
        return f" @ {format_pace(middle, units)}/{units}"  # type: ignore[arg-type]
    return ""


def _duration_text(seconds: int) -> str:
    return f"{seconds} s" if seconds < 60 else format_minutes(seconds / 60)


def structure_name(steps: Sequence[Step]) -> str:
    """``5 × 4 min @ 105% FTP`` (each repeat, joined with +)."""
    parts = []
    for step in steps:
        if step.kind == "repeat" and step.steps:
            work = step.steps[0]
            parts.append(f"{step.repeat} × {_duration_text(work.duration_s or 0)}{_intensity_text(work.target)}")
    return " + ".join(parts)


@dataclass(frozen=True, slots=True)
class Recorded:
    """One recording's detected structure, as stored."""

    fingerprint: str
    sport: str
    start: dt.datetime
    steps: list[Step]


def _family(sport: str) -> SessionSport:
    return "ride" if sport in ("ride", "virtual_ride") else "swim" if sport == "swim" else "run"


def library_from(recorded: Sequence[Recorded]) -> list[Workout]:
    """The detected library: one workout per distinct structure (sport + name), its steps from
    the latest recording that showed it, how often it was seen and when last. Sorted by key."""
    groups: dict[str, list[Recorded]] = {}
    for item in sorted(recorded, key=lambda r: (r.start, r.fingerprint)):
        name = structure_name(item.steps)
        if not name:
            continue
        groups.setdefault(f"detected:{_family(item.sport)}:{name}", []).append(item)
    out = []
    for key in sorted(groups):
        items = groups[key]
        latest = items[-1]
        sport = _family(latest.sport)
        name = structure_name(latest.steps)
        out.append(Workout(
            key=key, name=name, sport=sport, purpose=classify(latest.steps, sport), source="detected",
            source_ref=f"{len(items)} recording{'s' if len(items) != 1 else ''}", steps=latest.steps,
            seen=len(items), last_seen=latest.start.date().isoformat(),
            description=f"{_duration_text(total_seconds(latest.steps))} in all",
        ))
    return out
