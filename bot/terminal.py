"""The terminal chat: the same service as Telegram, on stdin/stdout.

Interactive when stdin is a terminal; otherwise one message per input line and the replies
on stdout, so a conversation can be scripted and checked with ``coach show``.

Buttons are shown as ``[Label]``; typing a label (case-insensitive) taps it.
"""

from __future__ import annotations

import asyncio
import sys
from typing import TextIO

from coach.service.service import CoachService, Who
from coach.service.types import Button, Incoming, Reply


def parse_line(line: str, buttons: list[Button]) -> Incoming:
    """Turn a typed line into an ``Incoming``: a command, a button tap, or text."""
    text = line.rstrip("\n")
    stripped = text.strip()
    if stripped.startswith("/") and len(stripped) > 1:
        head, _, args = stripped[1:].partition(" ")
        command = head.split("@", 1)[0].lower()
        return Incoming(kind="command", text=stripped, command=command, args=args)
    for button in buttons:
        if stripped.lower() == button.label.lower():
            return Incoming(kind="callback", text=stripped, callback_data=button.data)
    return Incoming(kind="text", text=text)


def format_reply(reply: Reply) -> str:
    lines = [reply.text]
    for row in reply.buttons:
        lines.append("  " + "  ".join(f"[{b.label}]" for b in row))
    if reply.document is not None:
        lines.append(f"  (file: {reply.document.file_name}, {len(reply.document.data)} bytes)")
    return "\n".join(lines)


async def run_chat(service: CoachService, name: str, stdin: TextIO, stdout: TextIO, *, interactive: bool) -> int:
    who = Who(name=name)
    buttons: list[Button] = []
    if interactive:
        stdout.write(f"Talking to the coach as {name!r}. Type /help for commands, Ctrl-D to leave.\n")
        result = await service.handle(who, Incoming(kind="command", text="/start", command="start"))
        for reply in result.replies:
            stdout.write(format_reply(reply) + "\n")
            buttons = [b for row in reply.buttons for b in row] or buttons
    while True:
        if interactive:
            stdout.write("> ")
            stdout.flush()
        line = await asyncio.to_thread(stdin.readline)
        if not line:
            break
        if not line.strip() and not interactive:
            continue
        incoming = parse_line(line, buttons)
        result = await service.handle(who, incoming)
        new_buttons: list[Button] = []
        for reply in result.replies:
            stdout.write(format_reply(reply) + "\n")
            new_buttons += [b for row in reply.buttons for b in row]
        buttons = new_buttons
        if not interactive:
            stdout.write("\n")
        stdout.flush()
    return 0


def stdin_is_interactive() -> bool:
    return sys.stdin.isatty()
