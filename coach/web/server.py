"""The Mini App's HTTP server (tornado, which python-telegram-bot's webhooks already bring).

``/`` serves the page (``coach/web/static``: plain HTML, CSS and JavaScript, nothing fetched
from elsewhere); ``/api/...`` is JSON. Every API request carries its proof of who sent it in
``Authorization``: ``tma <initData>`` (Telegram's launch data, checked by ``coach.web.auth``) or
``Session <token>`` (from a one-time ``coach web --login`` link). Anything else is 401.

Other areas add routes (a Strava OAuth callback...) without touching this file: a module listed
in ``ROUTE_AREAS`` has ``ROUTES``, a list of ``(pattern, handler class, init kwargs)``; or call
``add_routes`` before the server starts. A handler finds the service as
``self.settings["coach_web"].service``.
"""

from __future__ import annotations

import importlib
import json
import logging
from dataclasses import dataclass
from http import HTTPStatus
from pathlib import Path
from typing import TYPE_CHECKING, Any

import tornado.web
from tornado.httpserver import HTTPServer

from coach.web import views
from coach.web.auth import MAX_INIT_DATA_AGE_S, AuthError, verify_init_data

if TYPE_CHECKING:
    from coach.service.service import CoachService

log = logging.getLogger(__name__)

STATIC_DIR = Path(__file__).resolve().parent / "static"
MAX_BODY_BYTES = 64 * 1024
"""The API takes small JSON documents (a date, a note)."""
CONTENT_SECURITY_POLICY = "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'"
"""Only this server's own files run in the page (no inline script, nothing from the internet)."""

Route = tuple[str, type[tornado.web.RequestHandler], dict[str, Any]]
ROUTE_AREAS: tuple[str, ...] = ("coach.connect.strava_web",)
"""Modules that contribute routes: each has ``ROUTES: list[Route]`` (imported when a server is built)."""
_added: list[Route] = []


def add_routes(routes: list[Route]) -> None:
    """Routes for every server built after this call (an area registering itself at import)."""
    _added.extend(routes)


def contributed_routes() -> list[Route]:
    routes = list(_added)
    for name in ROUTE_AREAS:
        routes += list(getattr(importlib.import_module(name), "ROUTES", []))
    return routes


@dataclass(frozen=True)
class WebContext:
    service: CoachService
    bot_token: str | None
    max_age_s: int = MAX_INIT_DATA_AGE_S


def _log_request(handler: tornado.web.RequestHandler) -> None:
    # never the URL's query or fragment, never the Authorization header: they hold credentials
    log.debug("%s %s %s", handler.get_status(), handler.request.method, handler.request.path)


class _Page(tornado.web.RequestHandler):
    def set_default_headers(self) -> None:
        self.set_header("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        self.set_header("Referrer-Policy", "no-referrer")
        self.set_header("X-Content-Type-Options", "nosniff")

    def get(self) -> None:
        self.set_header("Content-Type", "text/html; charset=utf-8")
        self.set_header("Cache-Control", "no-cache")
        self.write((STATIC_DIR / "index.html").read_bytes())


class _Static(tornado.web.StaticFileHandler):
    def set_default_headers(self) -> None:
        self.set_header("X-Content-Type-Options", "nosniff")


class ApiHandler(tornado.web.RequestHandler):
    """JSON in and out; ``viewer()`` is who sent the request, or 401."""

    @property
    def web(self) -> WebContext:
        context: WebContext = self.settings["coach_web"]
        return context

    def check_xsrf_cookie(self) -> None:  # no cookies: every request proves itself in Authorization
        return

    def set_default_headers(self) -> None:
        self.set_header("Content-Type", "application/json; charset=utf-8")
        self.set_header("Cache-Control", "no-store")
        self.set_header("X-Content-Type-Options", "nosniff")

    def body(self) -> dict[str, Any]:
        if not self.request.body:
            return {}
        try:
            data = json.loads(self.request.body)
        except ValueError:
            raise views.Invalid("The request body is not JSON.") from None
        if not isinstance(data, dict):
            raise views.Invalid("The request body must be a JSON object.")
        return data

    async def viewer(self) -> views.Viewer:
        scheme, _, credential = self.request.headers.get("Authorization", "").partition(" ")
        credential = credential.strip()
        if scheme.lower() == "tma":
            user = verify_init_data(credential, self.web.bot_token or "", self.web.service.clock.now(), self.web.max_age_s)
            return await views.viewer_for_telegram(self.web.service, user)
        if scheme.lower() == "session" and credential:
            return await views.viewer_for_session(self.web.service, credential)
        raise AuthError("no credentials")

    def reply(self, document: dict[str, Any], status: int = HTTPStatus.OK) -> None:
        self.set_status(status)
        self.finish(json.dumps(document, ensure_ascii=False))

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        self.finish(json.dumps({"error": self._reason}))

    async def run(self, work: Any) -> None:
        """Await ``work`` (a coroutine of a dict) and answer it; known failures become 4xx with a sentence."""
        try:
            self.reply(await work)
        except AuthError as error:
            log.info("web request refused: %s", error)
            self.reply({"error": "Not signed in: open this page from the bot, or print a new link with coach web --login."},
                       HTTPStatus.UNAUTHORIZED)
        except views.Forbidden as error:
            self.reply({"error": str(error)}, HTTPStatus.FORBIDDEN)
        except views.NotFound as error:
            self.reply({"error": str(error)}, HTTPStatus.NOT_FOUND)
        except views.Invalid as error:
            self.reply({"error": str(error)}, HTTPStatus.BAD_REQUEST)


def _athlete_id(body: dict[str, Any]) -> int:
    value = body.get("athlete_id")
    if not isinstance(value, int):
        raise views.Invalid("athlete_id must be a number.")
    return value


class _Login(ApiHandler):
    async def post(self) -> None:
        async def work() -> dict[str, Any]:
            token = str(self.body().get("token") or "")
            return {"session": await views.redeem_login(self.web.service, token)}

        await self.run(work())


class _Me(ApiHandler):
    async def get(self) -> None:
        async def work() -> dict[str, Any]:
            return await views.me(self.web.service, await self.viewer())

        await self.run(work())


class _Calendar(ApiHandler):
    async def get(self, athlete_id: str) -> None:
        async def work() -> dict[str, Any]:
            return await views.calendar(self.web.service, await self.viewer(), int(athlete_id))

        await self.run(work())


class _Progress(ApiHandler):
    async def get(self, athlete_id: str, kind: str) -> None:
        async def work() -> dict[str, Any]:
            return await views.progress(self.web.service, await self.viewer(), int(athlete_id), kind)

        await self.run(work())


class _Action(ApiHandler):
    async def post(self, athlete_id: str, action: str) -> None:
        async def work() -> dict[str, Any]:
            viewer = await self.viewer()
            return await views.act(self.web.service, viewer, int(athlete_id), action, self.body())

        await self.run(work())


class _Coach(ApiHandler):
    async def get(self) -> None:
        async def work() -> dict[str, Any]:
            return await views.coach_dashboard(self.web.service, await self.viewer())

        await self.run(work())


class _CoachAction(ApiHandler):
    async def post(self, action: str) -> None:
        async def work() -> dict[str, Any]:
            viewer = await self.viewer()
            body = self.body()
            service = self.web.service
            if action == "approve":
                return await views.approve(service, viewer, _athlete_id(body), body.get("week_start"))
            if action == "note":
                return await views.note(service, viewer, _athlete_id(body), body.get("text"))
            return await views.override(service, viewer, _athlete_id(body), body)

        await self.run(work())


class _NotFoundApi(ApiHandler):
    def prepare(self) -> None:
        self.reply({"error": "No such API endpoint."}, HTTPStatus.NOT_FOUND)


def make_app(context: WebContext) -> tornado.web.Application:
    routes: list[Any] = [
        (r"/", _Page),
        (r"/static/(.*)", _Static, {"path": str(STATIC_DIR)}),
        (r"/api/login", _Login),
        (r"/api/me", _Me),
        (r"/api/athletes/([0-9]+)/calendar", _Calendar),
        (r"/api/athletes/([0-9]+)/(move|done|skip|why)", _Action),
        (r"/api/athletes/([0-9]+)/progress/([a-z]+)", _Progress),
        (r"/api/coach", _Coach),
        (r"/api/coach/(approve|note|override)", _CoachAction),
        *contributed_routes(),
        (r"/api/.*", _NotFoundApi),
    ]
    return tornado.web.Application(routes, coach_web=context, log_function=_log_request, compress_response=True)


class WebServer:
    """Listens on ``host:port``; ``start`` inside a running event loop, ``stop`` to close."""

    def __init__(self, service: CoachService, bot_token: str | None, host: str, port: int) -> None:
        self.host = host
        self.port = port
        self._http = HTTPServer(make_app(WebContext(service, bot_token)), max_body_size=MAX_BODY_BYTES, xheaders=True)

    def start(self) -> None:
        self._http.listen(self.port, address=self.host)
        log.info("the Mini App is served on http://%s:%d/", self.host, self.port)

    async def stop(self) -> None:
        self._http.stop()
        await self._http.close_all_connections()


def webapp_problem(url: str) -> str | None:
    """Why ``WEBAPP_URL`` can't be a Mini App's address (Telegram opens only HTTPS ones), or None."""
    if not url.startswith("https://"):
        return f"WEBAPP_URL {url!r} must be an https:// address: Telegram opens Mini Apps only over HTTPS."
    return None


def listen_address(text: str) -> tuple[str, int]:
    """``WEBAPP_LISTEN``: ``HOST:PORT`` (``127.0.0.1:8080``) -> (host, port); ``ValueError`` names the problem."""
    host, _, port = text.rpartition(":")
    if not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise ValueError(f"WEBAPP_LISTEN {text!r} is not HOST:PORT like 127.0.0.1:8080")
    return host.strip("[]"), int(port)


def start_for_run(service: CoachService, bot_token: str, listen: str) -> WebServer:
    """The Mini App inside ``coach run`` (same process, same service, same event loop)."""
    host, port = listen_address(listen)
    server = WebServer(service, bot_token, host, port)
    server.start()
    return server
