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
