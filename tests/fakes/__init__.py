"""Loopback HTTP fakes of the external APIs the coach talks to (Telegram, Anthropic)."""
