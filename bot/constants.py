"""Telegram's limits, named once (python-telegram-bot publishes them; we re-export what we use)."""

from __future__ import annotations

from telegram.constants import InlineKeyboardButtonLimit, MessageLimit

MAX_TEXT_CHARS: int = MessageLimit.MAX_TEXT_LENGTH  # 4096
MAX_CAPTION_CHARS: int = MessageLimit.CAPTION_LENGTH  # 1024
MAX_CALLBACK_DATA_BYTES: int = InlineKeyboardButtonLimit.MAX_CALLBACK_DATA  # 64
MAX_DOWNLOAD_BYTES = 20 * 1024 * 1024
"""The Bot API's getFile limit for bots: files above 20 MB cannot be downloaded."""
RATE_LIMITER_MAX_RETRIES = 3
"""AIORateLimiter retries a 429 this many times (its default is 0)."""
POLL_TIMEOUT_S = 30
"""Long-polling timeout for getUpdates."""
MAX_UPDATE_ATTEMPTS = 3
"""An update that fails this many times is left in the inbox with its error, not retried forever."""
MAX_CONCURRENT_UPDATES = 64
"""Chats handled at the same time (updates of one chat always go one after another). A Claude
turn mostly waits for the model and holds no transaction meanwhile, so many can wait at once:
bench/bench_transport.py, 200 athletes at once with a 2 s model, reply-ready p95 28.6 s with 16,
17.8 s with 64, no better with 256 on 2 cores (then the CPU is the limit)."""
MAX_PENDING_UPDATES = 256
"""Updates in flight at once (handled or waiting for their chat); polling waits beyond it."""
OUTBOX_POLL_S = 5.0
"""The sender looks at the outbox this often even when nothing woke it (other processes' rows,
the end of a hold)."""
SHUTDOWN_GRACE_S = 1.5
"""On SIGTERM, updates being handled get this long to finish; then they are cancelled and roll
back (they stay in the inbox). Sends in flight get the same, concurrently."""
CONFIRM_TIMEOUT_S = 0.5
"""On a clean stop, the last getUpdates that confirms the handled batch gets this long (the
inbox dedups a re-delivery anyway)."""
POLL_RETRY_MAX_S = 30.0
"""getUpdates failing on the network is retried with doubling waits up to this."""
TYPING_AFTER_S = 1.0
""""typing…" is shown when a reply takes longer than this (a quick reply needs none)."""
TYPING_MAX_IN_FLIGHT = 8
"""…and only while at most this many updates are in flight: the sends under a burst are for replies."""
