"""Telegram rendering: long replies split at line boundaries, nothing lost."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from bot.constants import MAX_TEXT_CHARS
from bot.telegram import split_text
from bot.terminal import parse_line
from coach.service.types import Button


def test_short_text_is_one_part() -> None:
    assert split_text("hello\nthere") == ["hello\nthere"]


def test_long_text_splits_at_line_boundaries() -> None:
    lines = [f"line {i} " + "x" * 50 for i in range(200)]
    parts = split_text("\n".join(lines))
    assert len(parts) > 1
    assert all(len(p) <= MAX_TEXT_CHARS for p in parts)
    assert "\n".join(parts).split("\n") == lines  # every line intact, in order


@given(st.text(alphabet=st.sampled_from("ab \n"), max_size=3000), st.integers(min_value=5, max_value=200))
def test_split_respects_limit_and_keeps_every_character(text: str, limit: int) -> None:
    parts = split_text(text, limit)
    assert all(len(p) <= limit for p in parts)
    assert "".join(parts).replace("\n", "").replace(" ", "") == text.replace("\n", "").replace(" ", "")


def test_terminal_lines() -> None:
    assert parse_line("/today", []).command == "today"
    assert parse_line("/log ran 5k", []).args == "ran 5k"
    tapped = parse_line("Run", [Button("Run", "ob:run")])
    assert tapped.kind == "callback" and tapped.callback_data == "ob:run"
    assert parse_line("running", [Button("Run", "ob:run")]).kind == "text"
