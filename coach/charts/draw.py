"""Draw a chart's data (``coach/charts/data.py``) as PNG bytes, readable on a phone.

matplotlib's object API on the Agg canvas: no pyplot, no GUI backend and no global figure
state, so charts can be drawn in worker threads (``asyncio.to_thread``) while the bot serves
other chats. Pictures are 1080 px wide (Telegram shows photos up to 1280 px), with large type,
few ticks and no grid clutter. matplotlib is imported on the first drawing, not at start-up.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import threading
from collections import OrderedDict
from typing import TYPE_CHECKING, Any, Final

from coach.charts.data import (
    Chart,
    PmcChart,
    ReadinessChart,
    StrengthChart,
    VolumeChart,
    WeekChart,
    WeekSession,
)

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

WIDTH_IN: Final = 6.0
DPI: Final = 180
"""6 in × 180 dpi = 1080 px wide."""
FONT_PT: Final = 13
TITLE_PT: Final = 16
MIME_TYPE: Final = "image/png"

INTENSITY_COLOUR: Final = {"easy": "#2e7d32", "moderate": "#ef6c00", "hard": "#c62828"}
STATUS_MARK: Final = {"planned": "", "done": "✓ done", "partial": "◐ partial", "missed": "✗ missed", "moved": "→ moved", "skipped": "– skipped"}
GREY: Final = "#9e9e9e"
INK: Final = "#212121"
CTL_COLOUR: Final = "#1565c0"
ATL_COLOUR: Final = "#d81b60"
READINESS_COLOUR: Final = {"green": "#2e7d32", "amber": "#f9a825", "red": "#c62828"}
LIFT_COLOURS: Final = ("#1565c0", "#c62828", "#2e7d32", "#6a1b9a")
SPORT_NAME: Final = {"run": "Run", "ride": "Ride", "swim": "Swim", "strength": "Strength", "brick": "Brick", "other": "Session"}


_DRAWING = threading.Lock()
"""One drawing at a time: matplotlib's font and text caches are shared by every figure and are
not documented as thread-safe, and drawings run in worker threads."""


CACHE_PICTURES: Final = 256
"""Pictures kept (about 50-80 kB each: ~20 MB at most). The weekly batch draws every athlete's
week; athletes on one template with nothing logged yet have the same week data, so the same
picture (matplotlib, ~110 ms of CPU each, was most of the batch's time)."""

_cache: OrderedDict[str, bytes] = OrderedDict()
_cache_lock = threading.Lock()


def chart_key(chart: Chart) -> str:
    """SHA-256 of the chart's data: frozen dataclasses of dates, numbers and strings, whose repr
    names every field, so equal data gives an equal key and any difference another one."""
    return hashlib.sha256(repr(chart).encode("utf-8")).hexdigest()


def cached(chart: Chart) -> bytes | None:
    """The chart's PNG if the same data was drawn lately (no thread needed to find out), else None."""
    return _cached(chart_key(chart))


def _cached(key: str) -> bytes | None:
    with _cache_lock:
        png = _cache.get(key)
        if png is not None:
            _cache.move_to_end(key)
        return png


def draw(chart: Chart) -> bytes:
    """The chart as a PNG; the same data drawn again is the same picture, taken from the cache."""
    key = chart_key(chart)
    png = _cached(key)
    if png is not None:
        return png
    with _DRAWING:
        with _cache_lock:  # drawn by another thread while this one waited
            png = _cache.get(key)
        if png is None:
            png = _draw(chart)
    with _cache_lock:
        _cache[key] = png
        while len(_cache) > CACHE_PICTURES:
            _cache.popitem(last=False)
    return png


def _draw(chart: Chart) -> bytes:
    if isinstance(chart, WeekChart):
        figure = _week(chart)
    elif isinstance(chart, PmcChart):
        figure = _pmc(chart)
    elif isinstance(chart, ReadinessChart):
        figure = _readiness(chart)
    elif isinstance(chart, VolumeChart):
        figure = _volume(chart)
    else:
        figure = _strength(chart)
    return _png(figure)


def file_name(chart: Chart) -> str:
    return f"{chart.kind}.png"


# --------------------------------------------------------------------------- machinery


def _figure(height_in: float) -> Figure:
    from matplotlib.figure import Figure

    figure = Figure(figsize=(WIDTH_IN, height_in), dpi=DPI, facecolor="white")
    return figure


def _png(figure: Figure) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI, metadata={"Software": None})  # the Agg renderer, no GUI backend
    return buffer.getvalue()


def _x(day: dt.date) -> float:
    """A date as a plain x position (its ordinal): no date converter, the ticks are labelled here."""
    return float(day.toordinal())


def _style(axes: Axes) -> None:
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)
    axes.tick_params(labelsize=FONT_PT, length=0, pad=6)
    axes.spines["left"].set_color(GREY)
    axes.spines["bottom"].set_color(GREY)


def _date_axis(axes: Axes, first: dt.date, last: dt.date, ticks: int = 4) -> None:
    span = (last - first).days + 1
    step = span / ticks
    # Ticks inside the span, never at its edges, where a label would be cut off.
    positions = sorted({first + dt.timedelta(days=int(step * (k + 0.5))) for k in range(ticks)})
    axes.set_xticks([_x(p) for p in positions])
    axes.set_xticklabels([f"{p.day} {p:%b}" for p in positions])
    axes.set_xlim(_x(first) - 0.5, _x(last) + 0.5)


# --------------------------------------------------------------------------- the week


def _session_label(s: WeekSession, units: str) -> str:
    what = SPORT_NAME.get(s.sport, s.sport.title())
    kind = "" if s.type in ("strength", "commitment") or s.type == s.sport else f" {s.type}"
    minutes = f"{s.duration_min // 60} h {s.duration_min % 60:02d}" if s.duration_min >= 60 else f"{s.duration_min} min"
    distance = f" · {s.distance:.1f} {units}" if s.distance else ""
    return f"{what}{kind}{' ★' if s.key else ''}\n{minutes}{distance}"


def _week(chart: WeekChart) -> Figure:
    from matplotlib.patches import FancyBboxPatch, Patch

    figure = _figure(8.4)
    axes = figure.add_axes((0.02, 0.13, 0.96, 0.79))
    axes.set_xlim(0, 100)
    axes.set_ylim(7, 0)
    axes.axis("off")
    figure.text(0.5, 0.965, f"Week {chart.week_index} · {chart.phase}{' (cutback)' if chart.cutback else ''}",
                ha="center", va="center", fontsize=TITLE_PT + 2, weight="bold", color=INK)
    left = 20.0
    for row, day in enumerate(chart.days):
        today = day == chart.today
        if today:
            axes.add_patch(FancyBboxPatch((0.5, row + 0.04), 99, 0.92, boxstyle="round,pad=0,rounding_size=0.15",
                                          facecolor="#e3f2fd", edgecolor="none", mutation_aspect=0.07))
        axes.text(1.5, row + 0.5, f"{day:%a}\n{day.day} {day:%b}", va="center", ha="left", fontsize=FONT_PT + 1,
                  weight="bold" if today else "normal", color=INK, linespacing=1.3)
        sessions = [s for s in chart.sessions if s.date == day]
        if not sessions:
            axes.text(left + 2, row + 0.5, "rest", va="center", ha="left", fontsize=FONT_PT, color=GREY, style="italic")
            continue
        width = (99.0 - left) / len(sessions)
        for i, session in enumerate(sessions):
            x = left + i * width + 0.8
            _session_box(axes, session, chart.units, x, row, width - 1.6)
    handles = [Patch(facecolor=colour, label=name) for name, colour in INTENSITY_COLOUR.items()]
    figure.legend(handles=handles, loc="lower center", ncol=3, frameon=False, fontsize=FONT_PT, bbox_to_anchor=(0.5, 0.055))
    figure.text(0.5, 0.03, "pale: planned · ✓ done  ◐ partial  ✗ missed  → moved  – skipped", ha="center",
                va="center", fontsize=FONT_PT - 2, color="#616161")
    return figure


def _session_box(axes: Axes, s: WeekSession, units: str, x: float, row: int, width: float) -> None:
    from matplotlib.patches import FancyBboxPatch

    colour = INTENSITY_COLOUR.get(s.intensity, GREY)
    style: dict[str, Any] = {"linewidth": 2.5}
    text_colour = INK
    if s.status == "done":
        style |= {"facecolor": colour, "edgecolor": colour}
        text_colour = "white"
    elif s.status == "partial":
        style |= {"facecolor": colour + "80", "edgecolor": colour, "hatch": "//"}
    elif s.status in ("missed", "skipped"):
        style |= {"facecolor": "#eeeeee", "edgecolor": GREY}
        text_colour = "#616161"
    elif s.status == "moved":
        style |= {"facecolor": "white", "edgecolor": GREY, "linestyle": (0, (4, 3))}
        text_colour = "#616161"
    else:  # planned
        style |= {"facecolor": colour + "33", "edgecolor": colour}
    axes.add_patch(FancyBboxPatch((x, row + 0.1), width, 0.8, boxstyle="round,pad=0,rounding_size=0.12",
                                  mutation_aspect=0.07, **style))
    size = FONT_PT if width > 40 else FONT_PT - 2
    axes.text(x + 2, row + 0.5, _session_label(s, units), va="center", ha="left", fontsize=size, color=text_colour,
              linespacing=1.25, clip_on=True)
    mark = STATUS_MARK.get(s.status, s.status)
    if mark and width > 40:
        axes.text(x + width - 2, row + 0.5, mark, va="center", ha="right", fontsize=FONT_PT, color=text_colour,
                  weight="bold")
    elif mark:
        axes.text(x + width - 1.5, row + 0.22, mark.split(" ")[0], va="center", ha="right", fontsize=FONT_PT, color=text_colour,
                  weight="bold")


# --------------------------------------------------------------------------- PMC


def _pmc(chart: PmcChart) -> Figure:
    from matplotlib.lines import Line2D

    figure = _figure(7.2)
    grid = figure.add_gridspec(2, 1, height_ratios=(3, 1.4), hspace=0.1, left=0.1, right=0.92, top=0.83, bottom=0.07)
    top = figure.add_subplot(grid[0])
    bottom = figure.add_subplot(grid[1], sharex=top)
    done = [p for p in chart.points if not p.projected]
    ahead = [p for p in chart.points if p.projected]
    if ahead:
        ahead = [done[-1], *ahead]  # the projection starts where today ends
    for points, dashed in ((done, False), (ahead, True)):
        if not points:
            continue
        days = [_x(p.date) for p in points]
        line = (0, (5, 3)) if dashed else "solid"
        top.plot(days, [p.ctl for p in points], color=CTL_COLOUR, linewidth=3.5, linestyle=line, alpha=0.6 if dashed else 1.0)
        top.plot(days, [p.atl for p in points], color=ATL_COLOUR, linewidth=1.8, linestyle=line, alpha=0.5 if dashed else 0.9)
        tsb = [p.tsb for p in points]
        bottom.fill_between(days, tsb, 0, where=[v >= 0 for v in tsb], color="#43a047", alpha=0.35 if dashed else 0.7,
                            interpolate=True, linewidth=0)
        bottom.fill_between(days, tsb, 0, where=[v < 0 for v in tsb], color="#e53935", alpha=0.35 if dashed else 0.7,
                            interpolate=True, linewidth=0)
    now = chart.today_point
    race = chart.race_date is not None and chart.points[-1].date >= chart.race_date
    for axes in (top, bottom):
        _style(axes)
        axes.axvline(_x(chart.today), color=INK, linewidth=1.2, linestyle=":")
        if race and chart.race_date is not None:
            axes.axvline(_x(chart.race_date), color="#6a1b9a", linewidth=2)
    bottom.axhline(0, color=GREY, linewidth=1)
    top.set_ylim(0, max(max(p.ctl for p in chart.points), max(p.atl for p in chart.points)) * 1.08 + 1)
    labels = [(chart.today, "today", INK)]
    if race and chart.race_date is not None:
        labels.append((chart.race_date, "race", "#6a1b9a"))
    for day, label, colour in labels:
        top.annotate(label, (_x(day), top.get_ylim()[1]), ha="center", va="bottom", fontsize=FONT_PT - 1,
                     color=colour, weight="bold", annotation_clip=False)
    bottom.text(0.01, 0.97, "form (TSB)", transform=bottom.transAxes, ha="left", va="top", fontsize=FONT_PT - 1, color="#616161")
    top.tick_params(labelbottom=False)
    _date_axis(bottom, chart.points[0].date, chart.points[-1].date)
    handles = [Line2D([], [], color=CTL_COLOUR, linewidth=3.5, label="fitness (CTL)"),
               Line2D([], [], color=ATL_COLOUR, linewidth=1.8, label="fatigue (ATL)")]
    if ahead:
        handles.append(Line2D([], [], color=GREY, linewidth=2, linestyle=(0, (5, 3)), label="planned"))
    figure.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, 0.935), ncol=len(handles), frameon=False,
                  fontsize=FONT_PT - 1, handlelength=1.6, columnspacing=1.2)
    figure.suptitle(f"Fitness {now.ctl:.0f} · fatigue {now.atl:.0f} · form {now.tsb:+.0f}", fontsize=TITLE_PT + 1,
                    weight="bold", color=INK, y=0.975)
    return figure


# --------------------------------------------------------------------------- readiness


def _readiness(chart: ReadinessChart) -> Figure:
    figure = _figure(5.4)
    axes = figure.add_axes((0.11, 0.13, 0.86, 0.7))
    _style(axes)
    days = [_x(p.date) for p in chart.points]
    axes.bar(days, [p.readiness for p in chart.points], width=0.8,
             color=[READINESS_COLOUR.get(p.colour, GREY) for p in chart.points])
    axes.set_ylim(0, 100)
    axes.set_yticks([0, 50, 100])
    _date_axis(axes, chart.first, chart.today)
    latest = chart.points[-1]
    figure.suptitle(f"Readiness · latest {latest.readiness}/100", fontsize=TITLE_PT + 1, weight="bold", color=INK, y=0.95)
    figure.text(0.5, 0.875, f"last {(chart.today - chart.first).days + 1} days · green / amber / red", ha="center",
                fontsize=FONT_PT - 2, color="#616161")
    return figure


# --------------------------------------------------------------------------- volume


def _volume(chart: VolumeChart) -> Figure:
    figure = _figure(6.0)
    axes = figure.add_axes((0.12, 0.16, 0.85, 0.66))
    _style(axes)
    xs = list(range(len(chart.weeks)))
    axes.bar([x - 0.2 for x in xs], [w.planned for w in chart.weeks], width=0.4, color="#cfd8dc", label="planned")
    axes.bar([x + 0.2 for x in xs], [w.done or 0.0 for w in chart.weeks], width=0.4, color=CTL_COLOUR, label="done")
    axes.set_xticks(xs)
    axes.set_xticklabels([f"W{w.index}\n{w.start.day} {w.start:%b}" for w in chart.weeks], fontsize=FONT_PT - 2)
    for x, week in zip(xs, chart.weeks, strict=True):
        if week.current:
            axes.get_xticklabels()[x].set_fontweight("bold")
            axes.axvspan(x - 0.5, x + 0.5, color="#e3f2fd", zorder=0)
    axes.set_ylabel(chart.unit, fontsize=FONT_PT)
    axes.legend(loc="upper left", frameon=False, fontsize=FONT_PT, ncol=2)
    axes.set_ylim(0, max(max(w.planned for w in chart.weeks), max(w.done or 0 for w in chart.weeks)) * 1.25 or 1)
    now = next(w for w in chart.weeks if w.current)
    unit = " h" if chart.unit == "h" else f" {chart.unit}"
    figure.suptitle(f"This week: {now.done or 0:.1f} of {now.planned:.1f}{unit}", fontsize=TITLE_PT + 1, weight="bold",
                    color=INK, y=0.95)
    return figure


# --------------------------------------------------------------------------- strength


def _strength(chart: StrengthChart) -> Figure:
    figure = _figure(6.0)
    axes = figure.add_axes((0.13, 0.12, 0.84, 0.7))
    _style(axes)
    first = min(p.date for lift in chart.lifts for p in lift.points)
    last = max(p.date for lift in chart.lifts for p in lift.points)
    for lift, colour in zip(chart.lifts, LIFT_COLOURS, strict=False):
        days = [_x(p.date) for p in lift.points]
        axes.plot(days, [p.estimate_kg for p in lift.points], color=colour, linewidth=3,
                  label=f"{lift.exercise.replace('_', ' ')} {lift.points[-1].estimate_kg:.0f} kg")
        axes.scatter(days, [p.top_set_e1rm_kg for p in lift.points], color=colour, s=30, alpha=0.5, zorder=3)
    axes.set_ylabel("e1RM (kg)", fontsize=FONT_PT)
    axes.legend(loc="upper left", frameon=False, fontsize=FONT_PT, bbox_to_anchor=(0, 1.02))
    low, high = axes.get_ylim()
    axes.set_ylim(low, high + (high - low) * 0.35)
    _date_axis(axes, first, last)
    figure.suptitle("Strength: estimated 1RM", fontsize=TITLE_PT + 1, weight="bold", color=INK, y=0.95)
    figure.text(0.5, 0.875, "line: the coach's estimate · dots: each session's top set", ha="center", fontsize=FONT_PT - 2,
                color="#616161")
    return figure
