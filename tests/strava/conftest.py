"""The Strava fixtures (the loopback fake, a movable clock, a coach with Ann) for every test here."""

from tests.strava.test_strava import clock, coach, strava  # noqa: F401
