"""Connections to the athlete's other training services: Intervals.icu (activities, wellness and
calendar in; the plan's workouts out). Strava comes later through the same seams.

- ``secrets``: keys encrypted at rest with ``COACH_SECRET_KEY`` (Fernet).
- ``intervals``: the Intervals.icu HTTP client (httpx, Basic auth ``API_KEY`` + key).
- ``sync``: pull (activities, wellness, events) and push (planned workouts), idempotent.
- ``config``: where the client finds its base URL and the secret box.

Nothing here is imported at start-up: chat commands and the CLI import it when used.
"""
