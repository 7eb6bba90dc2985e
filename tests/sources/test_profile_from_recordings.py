"""The athlete profile built from the real recordings fills models.History."""

from __future__ import annotations

import datetime as dt

from coach.engine.metrics.athlete_profile import build_profile, to_history
from coach.engine.models import History
from coach.sources.activity import ImportedActivity
from coach.sources.errors import ImportFailure


def test_profile_from_recordings(imported: dict[str, ImportedActivity | ImportFailure]) -> None:
    activities = [a for a in imported.values() if isinstance(a, ImportedActivity)]
    # shift every recording into the 12 weeks before as_of, keeping their order
    as_of = dt.date(2024, 6, 3)
    shifted = [
        a.model_copy(
            update={"start_time": dt.datetime(2024, 3, 11, 8, tzinfo=dt.UTC) + dt.timedelta(days=4 * i)}
        )
        for i, a in enumerate(sorted(activities, key=lambda a: a.start_time))
    ]
    profile = build_profile(shifted, as_of)
    assert profile.activity_count == len(shifted)
    assert {"ride", "run", "swim"} <= set(profile.sports)
    assert profile.ftp_w is not None  # the power ride gives an MMP20
    assert profile.max_hr_bpm is not None and profile.max_hr_bpm <= 230  # the 245 bpm strap was dropped
    assert profile.vdot is not None and profile.threshold_pace_s_per_km is not None
    history = to_history(profile, "run")
    assert isinstance(History.model_validate(history.model_dump()), History)
    assert history.weekly_km and history.longest_km is not None
