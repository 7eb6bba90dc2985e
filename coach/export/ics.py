"""The plan as an iCalendar file (RFC 5545), for any calendar app.

One all-day event per session, with the structured workout (and its Intervals.icu text) in
the description. UIDs are stable per athlete, date and session, so re-importing an updated
plan updates events instead of doubling them.
"""

from __future__ import annotations

import datetime as dt

from icalendar import Calendar, Event

from coach.engine.models import Plan
from coach.service import render

PRODID = "-//coach//training plan//EN"


def plan_ics(plan: Plan, athlete_key: str, units: str, *, stamp: dt.datetime) -> bytes:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", "Training plan")
    for week in plan.weeks:
        per_day: dict[dt.date, int] = {}
        for session in week.sessions:
            n = per_day[session.date] = per_day.get(session.date, 0) + 1
            event = Event()
            event.add("uid", f"{athlete_key}-{session.date.isoformat()}-{n}@coach")
            event.add("dtstamp", stamp)
            event.add("dtstart", session.date)
            event.add("dtend", session.date + dt.timedelta(days=1))
            event.add("summary", render.session_title(session, units))
            description = render.session_text(session, units)
            if session.intervals_icu:
                description += "\n\nIntervals.icu:\n" + session.intervals_icu
            event.add("description", description)
            event.add("categories", [session.sport, session.type])
            calendar.add_component(event)
    ics: bytes = calendar.to_ical()
    return ics
