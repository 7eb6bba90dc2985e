"""The terminal chat: the same service as Telegram, on stdin/stdout.

Interactive when stdin is a terminal; otherwise one message per input line and the replies
on stdout, so a conversation can be scripted and checked with ``coach show``.

Buttons are shown as ``[Label]``; typing a label (case-insensitive) taps it.

Only replies go to stdout. The machinery stays out of the conversation: log records go to
``COACH_DATA_DIR/chat.log`` and only warnings reach stderr (``quiet_machinery``), no progress
bar is drawn, and the language model (MiniLM and the intent exemplars, 5–10 s) loads in a
background thread from the start (``start_warm_up``), so the first free-text message does not
wait for it.
"""

from __future__ import annotations

import asyncio
import logging
import os
import sys
import threading
from collections.abc import MutableMapping
from logging.handlers import RotatingFileHandler
from pathlib import Path
from typing import Final, TextIO

from bot.runner import WARM_UP_THREAD
from coach.service.service import CoachService, Who
from coach.service.types import Button, Incoming, Reply

log = logging.getLogger(__name__)

CHAT_LOG_FILE: Final = "chat.log"
CHAT_LOG_MAX_BYTES: Final = 1_000_000
CHAT_LOG_BACKUPS: Final = 2
CHAT_ENVIRONMENT: Final = {
    "HF_HUB_DISABLE_PROGRESS_BARS": "1",  # transformers' "Loading weights" bar follows this
    "TQDM_DISABLE": "1",
    "TRANSFORMERS_VERBOSITY": "error",
    "TOKENIZERS_PARALLELISM": "false",
}
"""Set (unless already set) before the model loads: no bars or advisories between replies."""
_LOG_FORMAT: Final = "%(asctime)s %(levelname)s %(name)s: %(message)s"


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


def format_reply(reply: Reply, saved: Path | None = None) -> str:
    lines = [reply.text]
    for row in reply.buttons:
        lines.append("  " + "  ".join(f"[{b.label}]" for b in row))
    if saved is not None:
        lines.append(f"  (picture: {saved})")
    elif reply.document is not None:
        lines.append(f"  (file: {reply.document.file_name}, {len(reply.document.data)} bytes)")
    return "\n".join(lines)


def save_picture(reply: Reply, folder: Path | None) -> Path | None:
    """A picture (a chart) can't be shown in a terminal: it is saved under ``folder`` (a new name
    each time) and its path printed instead. Nothing is saved without a folder, or on an error."""
    document = reply.document
    if folder is None or document is None or not document.mime_type.startswith("image/"):
        return None
    stem, _, suffix = Path(document.file_name).name.rpartition(".")
    try:
        folder.mkdir(parents=True, exist_ok=True)
        for number in range(1, 10_000):
            path = folder / f"{stem or 'picture'}-{number}.{suffix or 'png'}"
            try:
                with path.open("xb") as file:
                    file.write(document.data)
            except FileExistsError:
                continue
            return path
    except OSError as error:
        log.warning("can't save the picture in %s (%s)", folder, error.strerror or error)
    return None


async def run_chat(
    service: CoachService, name: str, stdin: TextIO, stdout: TextIO, *, interactive: bool, pictures: Path | None = None
) -> int:
    """``pictures``: the folder where pictures in replies are saved (their paths are printed)."""
    who = Who(name=name)
    buttons: list[Button] = []
    if interactive:
        stdout.write(f"Talking to the coach as {name!r}. Type /help for commands, Ctrl-D to leave.\n")
        result = await service.handle(who, Incoming(kind="command", text="/start", command="start"))
        for reply in result.replies:
            stdout.write(format_reply(reply, save_picture(reply, pictures)) + "\n")
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
            stdout.write(format_reply(reply, save_picture(reply, pictures)) + "\n")
            new_buttons += [b for row in reply.buttons for b in row]
        buttons = new_buttons
        if not interactive:
            stdout.write("\n")
        stdout.flush()
    return 0


def stdin_is_interactive() -> bool:
    return sys.stdin.isatty()


def quiet_machinery(
    level: str,
    log_dir: Path | None,
    *,
    root: logging.Logger | None = None,
    environ: MutableMapping[str, str] | None = None,
) -> Path | None:
    """Keep logs and progress bars out of the conversation.

    The terminal handlers of ``root`` (default: the root logger) let through WARNING and above
    only; every record at ``level`` also goes to ``log_dir/chat.log`` (rotated at 1 MB, two
    old files kept). ``CHAT_ENVIRONMENT`` goes into ``environ`` (default: ``os.environ``)
    where unset. Returns the log file, or None where ``log_dir`` is None or can't be written
    (then the records below WARNING are dropped).
    """
    env = os.environ if environ is None else environ
    for key, value in CHAT_ENVIRONMENT.items():
        env.setdefault(key, value)
    root = root if root is not None else logging.getLogger()
    named = logging.getLevelName(level)
    threshold = named if isinstance(named, int) else logging.INFO
    for handler in root.handlers:
        if isinstance(handler, logging.StreamHandler) and not isinstance(handler, logging.FileHandler):
            handler.setLevel(max(logging.WARNING, threshold))
    if log_dir is None:
        return None
    path = log_dir / CHAT_LOG_FILE
    try:
        log_dir.mkdir(parents=True, exist_ok=True)
        file_handler = RotatingFileHandler(
            path, maxBytes=CHAT_LOG_MAX_BYTES, backupCount=CHAT_LOG_BACKUPS, encoding="utf-8"
        )
    except OSError as error:
        log.warning("can't write the chat log %s (%s); only warnings are shown", path, error.strerror or error)
        return None
    file_handler.setLevel(threshold)
    file_handler.setFormatter(logging.Formatter(_LOG_FORMAT))
    root.addHandler(file_handler)
    return path


def start_warm_up(service: CoachService) -> threading.Thread:
    """Start loading the offline brain's classifier (the MiniLM embedder, which memory shares,
    and the embedded intent exemplars) in a daemon thread, and return at once.

    The loads are thread-safe: the embedder loads under its lock and the exemplars under the
    classifier's, so a message that needs them meanwhile waits for this load, never starts a
    second one. A failure here is only logged: the first message that needs the model meets
    it again and answers as it would have without a warm-up.
    """
    thread = threading.Thread(target=_warm_up, args=(service,), name=WARM_UP_THREAD, daemon=True)
    thread.start()
    return thread


def _warm_up(service: CoachService) -> None:
    try:
        service.offline.classifier().warm_up()
    except Exception:  # reported where it matters: on the message that needs the model
        log.info("warming up the language model failed", exc_info=True)
    else:
        log.info("language model loaded in the background")
