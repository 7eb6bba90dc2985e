"""Strava's two doors into the Mini App server (``coach web`` / ``coach run``; listed in
``coach.web.server.ROUTE_AREAS``):

- ``GET /strava/callback?code&scope&state`` (or ``error=access_denied``): where Strava sends the
  athlete after the authorisation page. The ``state`` names the athlete (encrypted, dated); the
  code is traded for tokens, stored encrypted, and the athlete hears about it in the chat too.
- ``/strava/webhook``: ``GET`` with ``hub.mode=subscribe``, ``hub.verify_token`` and
  ``hub.challenge`` is the subscription's validation handshake (echo ``{"hub.challenge": ...}``
  when the token is ``STRAVA_VERIFY_TOKEN``, else 403); ``POST`` is an event, stored
  (``coach/connect/strava_events.py``; a repeated delivery once), answered 200, and handled after
  (Strava wants the answer within two seconds); 500 when it could not be stored, so Strava retries.

Neither logs the query string (it holds the code): the server logs paths only.
"""

from __future__ import annotations

import hmac
import json
import logging
from http import HTTPStatus
from typing import Any

import tornado.web
from tornado.escape import xhtml_escape

from coach.connect.strava import CALLBACK_PATH, WEBHOOK_PATH

log = logging.getLogger(__name__)

PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>Strava</title></head><body style="font-family:sans-serif;max-width:30em;margin:3em auto;padding:0 1em">
<h1>{title}</h1><p>{text}</p></body></html>"""


class _Base(tornado.web.RequestHandler):
    @property
    def service(self) -> Any:
        return self.settings["coach_web"].service

    def config(self) -> Any:
        from coach.connect.config import config_for

        return config_for(self.service)

    def set_default_headers(self) -> None:
        self.set_header("Cache-Control", "no-store")
        self.set_header("X-Content-Type-Options", "nosniff")
        self.set_header("Referrer-Policy", "no-referrer")


class StravaCallback(_Base):
    def set_default_headers(self) -> None:
        super().set_default_headers()
        self.set_header("Content-Type", "text/html; charset=utf-8")
        self.set_header("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'")

    def page(self, status: int, title: str, text: str) -> None:
        self.set_status(status)
        self.finish(PAGE.format(title=xhtml_escape(title), text=xhtml_escape(text)))

    async def get(self) -> None:
        from coach.connect.errors import ConnectError
        from coach.connect.secrets import BadSecretKey
        from coach.connect.strava import PROVIDER_NAME, Returned, read_state
        from coach.connect.strava_sync import _notify, exchange, save_connection, strava_name
        from coach.store import models as m

        now = self.service.clock.now()
        try:
            config = self.config()
        except BadSecretKey as error:
            log.error("connections are off: %s", error)
            self.page(HTTPStatus.SERVICE_UNAVAILABLE, "Not connected", "The coach can't store access safely right now.")
            return
        state = self.get_query_argument("state", "")
        athlete_id = read_state(config.box, state, now) if state else None
        if athlete_id is None:
            self.page(HTTPStatus.BAD_REQUEST, "Not connected",
                      "This link is old or wasn't made by your coach: send /connect strava in the chat for a new one.")
            return
        if self.get_query_argument("error", ""):
            self.page(HTTPStatus.OK, "Not connected",
                      "You didn't allow access on Strava, so nothing was connected. Send /connect strava to try again.")
            return
        returned = Returned(self.get_query_argument("code", ""), state, self.get_query_argument("scope", None))
        if not returned.code:
            self.page(HTTPStatus.BAD_REQUEST, "Not connected", "Strava sent no code: send /connect strava for a new link.")
            return
        try:
            tokens, who = await exchange(config, returned, athlete_id, now)
            async with self.service.db.transaction() as s:
                athlete = await s.get(m.Athlete, athlete_id)
                if athlete is None:
                    raise ConnectError("The athlete this link was made for is no longer here.")
                await save_connection(s, athlete, tokens, who, config.box)
        except ConnectError as error:
            self.page(HTTPStatus.BAD_REQUEST, "Not connected", f"{error}")
            return
        name = strava_name(who)
        await _notify(self.service, athlete_id, f"strava:connected:{athlete_id}:{now:%Y%m%d%H%M%S}",
                      f"Connected to {PROVIDER_NAME} as {name}. Within a minute I'll bring in your last year of "
                      "activities; send /sync to do it now.")
        self.page(HTTPStatus.OK, f"Connected to {PROVIDER_NAME}",
                  f"Connected as {name}. You can close this page and go back to the chat.")


class StravaWebhook(_Base):
    def set_default_headers(self) -> None:
        super().set_default_headers()
        self.set_header("Content-Type", "application/json; charset=utf-8")

    def check_xsrf_cookie(self) -> None:
        return

    def answer(self, status: int, document: dict[str, Any]) -> None:
        self.set_status(status)
        self.finish(json.dumps(document))

    def get(self) -> None:
        expected = self.config().strava.verify_token
        given = self.get_query_argument("hub.verify_token", "")
        if (self.get_query_argument("hub.mode", "") != "subscribe" or not expected
                or not hmac.compare_digest(given.encode(), expected.encode())):
            self.answer(HTTPStatus.FORBIDDEN, {"error": "verify token does not match"})
            return
        self.answer(HTTPStatus.OK, {"hub.challenge": self.get_query_argument("hub.challenge", "")})

    async def post(self) -> None:
        from coach.connect.strava_events import process_in_background, record
        from coach.connect.strava_sync import Event

        config = self.config()
        if not config.strava.configured:
            self.answer(HTTPStatus.NOT_FOUND, {"error": "Strava is not set up here"})
            return
        try:
            body = json.loads(self.request.body or b"null")
        except ValueError:
            body = None
        event = Event.read(body)
        if event is None:
            self.answer(HTTPStatus.BAD_REQUEST, {"error": "not a Strava event"})
            return
        try:  # stored before the 200: a crash after it loses nothing (Strava won't send it again)
            await record(self.service.db, event)
        except Exception:
            log.exception("a Strava webhook event could not be stored; Strava will deliver it again")
            self.answer(HTTPStatus.INTERNAL_SERVER_ERROR, {"error": "not stored"})
            return
        process_in_background(self.service, config)
        self.answer(HTTPStatus.OK, {"ok": True})


ROUTES: list[tuple[str, type[tornado.web.RequestHandler], dict[str, Any]]] = [
    (CALLBACK_PATH, StravaCallback, {}),
    (WEBHOOK_PATH, StravaWebhook, {}),
]
