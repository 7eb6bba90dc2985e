"""The webhook endpoint: Telegram's POST is stored in the inbox before it is answered 200.

PTB's own webhook server puts the update on a queue and answers 200 at once, so an update
could be acknowledged (and never sent again by Telegram) before it is stored anywhere. This
small tornado server (tornado comes with ``python-telegram-bot[webhooks]``) checks the secret
token, hands the body to ``on_update`` (which records it in the inbox and queues it for
handling) and only then answers 200. A missing or wrong secret is 403 and nothing is read
further; a body that is not an update is 400; a failure to store it is 500, so Telegram
delivers it again later.
"""

from __future__ import annotations

import hmac
import json
import logging
from collections.abc import Awaitable, Callable
from http import HTTPStatus
from typing import Any

import tornado.web
from tornado.httpserver import HTTPServer

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
MAX_BODY_BYTES = 1024 * 1024
"""An update is a few kilobytes (a file is only referenced); anything far larger is not one."""

OnUpdate = Callable[[dict[str, Any]], Awaitable[bool]]
"""Stores one update and queues it; False if the body is not an update."""


class _UpdateHandler(tornado.web.RequestHandler):
    SUPPORTED_METHODS = ("POST",)

    def initialize(self, server: WebhookServer) -> None:
        self.server = server

    def check_xsrf_cookie(self) -> None:  # an API endpoint, authenticated by the secret token
        return

    async def post(self, *_args: str) -> None:
        given = self.request.headers.get(SECRET_HEADER, "")
        if not given or not hmac.compare_digest(given.encode(), self.server.secret.encode()):
            log.warning("webhook request without the right secret token refused")
            self.send_error(HTTPStatus.FORBIDDEN)
            return
        if not self.server.accepting:
            self.send_error(HTTPStatus.SERVICE_UNAVAILABLE)  # shutting down: Telegram retries later
            return
        try:
            data = json.loads(self.request.body)
        except ValueError:
            self.send_error(HTTPStatus.BAD_REQUEST)
            return
        if not isinstance(data, dict) or not isinstance(data.get("update_id"), int):
            self.send_error(HTTPStatus.BAD_REQUEST)
            return
        try:
            accepted = await self.server.on_update(data)
        except Exception:
            log.exception("could not store webhook update %s; Telegram will send it again", data.get("update_id"))
            self.send_error(HTTPStatus.INTERNAL_SERVER_ERROR)
            return
        if not accepted:
            self.send_error(HTTPStatus.BAD_REQUEST)
            return
        self.set_status(HTTPStatus.OK)
        self.finish()


def _quiet_log(handler: tornado.web.RequestHandler) -> None:
    log.debug("%s %s %s", handler.get_status(), handler.request.method, handler.request.uri)


class WebhookServer:
    """Listens on ``listen:port`` (any path) for Telegram's POSTs."""

    def __init__(self, listen: str, port: int, secret: str, on_update: OnUpdate) -> None:
        if not secret:
            raise ValueError("a webhook needs a secret token (TELEGRAM_WEBHOOK_SECRET)")
        self.listen = listen
        self.port = port
        self.secret = secret
        self.on_update = on_update
        self.accepting = True
        app = tornado.web.Application([(r"/.*", _UpdateHandler, {"server": self})], log_function=_quiet_log)
        self._http = HTTPServer(app, max_body_size=MAX_BODY_BYTES)

    def start(self) -> None:
        self._http.listen(self.port, address=self.listen)

    async def stop(self) -> None:
        """Refuse new requests (503), stop listening and close open connections."""
        self.accepting = False
        self._http.stop()
        await self._http.close_all_connections()
