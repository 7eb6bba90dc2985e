"""Transport-neutral messages between transports (Telegram, terminal, CLI) and the service."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

IncomingKind = Literal["text", "command", "callback", "document", "unsupported"]


@dataclass(frozen=True)
class Incoming:
    """One thing the user did: a text, a command, a button tap, a file, or something we don't handle."""

    kind: IncomingKind
    text: str = ""
    command: str | None = None  # without the slash, lower case
    args: str = ""
    callback_data: str | None = None
    file_name: str | None = None
    file_bytes: bytes | None = None
    unsupported_what: str | None = None  # "sticker", "photo", "voice note"...


@dataclass(frozen=True)
class Button:
    label: str
    data: str
    web_app_url: str | None = None
    """Opens this address as a Telegram Mini App instead of sending ``data`` back (private chats only)."""


@dataclass(frozen=True)
class Document:
    file_name: str
    data: bytes
    mime_type: str = "application/octet-stream"


@dataclass(frozen=True)
class Reply:
    """What the coach says. ``text`` is plain text; transports escape and format it."""

    text: str
    buttons: list[list[Button]] = field(default_factory=list)
    document: Document | None = None
    edit_key: str | None = None
    """Replies with the same key in one chat are one message: the first is sent, later ones edit it
    in place (Telegram's editMessageText; a terminal just prints them). E.g. a rest timer."""

    def to_payload(self) -> dict[str, object]:
        payload: dict[str, object] = {
            "text": self.text,
            "buttons": [[{"label": b.label, "data": b.data, **({"web_app_url": b.web_app_url} if b.web_app_url else {})} for b in row]
                        for row in self.buttons],
            "document": None
            if self.document is None
            else {"file_name": self.document.file_name, "mime_type": self.document.mime_type, "data_hex": self.document.data.hex()},
        }
        if self.edit_key is not None:
            payload["edit_key"] = self.edit_key
        return payload

    @classmethod
    def from_payload(cls, payload: dict[str, object]) -> Reply:
        rows = payload.get("buttons") or []
        assert isinstance(rows, list)
        buttons = [[Button(str(b["label"]), str(b["data"]), b.get("web_app_url")) for b in row] for row in rows]
        doc = payload.get("document")
        document = None
        if isinstance(doc, dict):
            document = Document(str(doc["file_name"]), bytes.fromhex(str(doc["data_hex"])), str(doc["mime_type"]))
        edit_key = payload.get("edit_key")
        return cls(text=str(payload["text"]), buttons=buttons, document=document, edit_key=None if edit_key is None else str(edit_key))


MAX_INCOMING_TEXT_CHARS = 4000
"""Longer messages are refused with a clear reply (Telegram itself caps at 4096)."""
