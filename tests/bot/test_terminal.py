"""The terminal chat prints replies only: logs go to a file, no progress bars, the model loads in the background."""

from __future__ import annotations

import io
import logging
import os
import re
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from types import SimpleNamespace
from typing import Any, cast

import numpy as np
import pytest
from numpy.typing import NDArray

from bot.terminal import CHAT_ENVIRONMENT, CHAT_LOG_FILE, quiet_machinery, start_warm_up
from coach.brain.intents import IntentClassifier
from coach.brain.offline import OfflineBrain
from coach.clock import pause
from coach.service.service import CoachService

ONBOARDING = ["/start", "Run", "km", "10k", "2027-03-14", "Skip", "4 days", "Sun", "25", "12 km", "Skip", "London"]
FREE_TEXT = "honestly not feeling it this week, everything is a grind"
"""Matched by no rule, so the classifier embeds it: the model (and its progress bar) must load."""
LOG_LINE = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} (DEBUG|INFO|WARNING|ERROR) ")
MACHINERY = ("Loading weights", "it/s]", "\r", "Batches", "INFO ", "DEBUG ")


@pytest.mark.slow
def test_piped_chat_prints_only_replies_and_logs_to_a_file(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("TELEGRAM_", "ANTHROPIC_", "COACH_", "DATABASE_URL", "LOG_LEVEL", "HF_", "TQDM_", "TRANSFORMERS_"))}
    env |= {"COACH_DATA_DIR": str(tmp_path / "data"), "COACH_TODAY": "2026-11-23"}  # LOG_LEVEL left at INFO
    result = subprocess.run(
        [sys.executable, "-m", "coach.cli", "chat", "--athlete", "ann"], input="\n".join([*ONBOARDING, FREE_TEXT]) + "\n",
        capture_output=True, text=True, env=env, cwd=tmp_path, timeout=300,
    )
    assert result.returncode == 0, result.stderr
    assert "Your plan is ready." in result.stdout
    for stream in (result.stdout, result.stderr):
        assert not LOG_LINE.search(stream), stream
        assert not [m for m in MACHINERY if m in stream], stream
    assert result.stderr == ""
    chat_log = (tmp_path / "data" / CHAT_LOG_FILE).read_text(encoding="utf-8")
    assert "offline brain: intent" in chat_log  # the INFO records are kept, in the file


def test_quiet_machinery_sends_records_below_warning_to_the_file_only(tmp_path: Path) -> None:
    terminal = io.StringIO()
    logger = logging.Logger("chat-test", logging.DEBUG)
    logger.addHandler(logging.StreamHandler(terminal))
    environ = {"TQDM_DISABLE": "0"}
    path = quiet_machinery("INFO", tmp_path / "data", root=logger, environ=environ)
    try:
        assert path == tmp_path / "data" / CHAT_LOG_FILE
        logger.debug("below the level")
        logger.info("machinery")
        logger.warning("something the user must see")
        assert terminal.getvalue() == "something the user must see\n"
        text = path.read_text(encoding="utf-8")
        assert "machinery" in text and "something the user must see" in text and "below the level" not in text
    finally:
        for handler in logger.handlers:
            handler.close()
    assert environ == {**CHAT_ENVIRONMENT, "TQDM_DISABLE": "0"}  # set where unset, a user's choice kept


def test_quiet_machinery_without_a_writable_folder_still_quiets_the_terminal(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    terminal = io.StringIO()
    logger = logging.Logger("chat-test-2", logging.DEBUG)
    logger.addHandler(logging.StreamHandler(terminal))
    assert quiet_machinery("DEBUG", blocker / "data", root=logger, environ={}) is None
    logger.info("machinery")
    assert terminal.getvalue() == ""


class _GatedEmbedder:
    """Embeds slowly on purpose: the exemplars wait for ``release``, so a test can look mid-load."""

    def __init__(self) -> None:
        self.started = threading.Event()
        self.release = threading.Event()
        self.batches: list[int] = []
        self._lock = threading.Lock()

    def embed(self, texts: Sequence[str]) -> NDArray[np.float32]:
        with self._lock:
            self.batches.append(len(texts))
        if len(texts) > 1:  # the exemplar matrix
            self.started.set()
            assert _until(self.release.is_set), "the test never released the load"
        vectors = np.zeros((len(texts), 8), dtype=np.float32)
        vectors[:, 0] = 1.0
        return vectors


def _until(condition: Callable[[], bool], timeout_s: float = 30.0) -> bool:
    """Poll instead of a timed wait: timed waits on locks never return under libfaketime, and the
    suite runs with the clock a year ahead (``faketime -f '+365d'``); ``pause``, not ``time.sleep``,
    which fails there with ``FAKETIME_DONT_FAKE_MONOTONIC=1``."""
    for _ in range(int(timeout_s / 0.01)):
        if condition():
            return True
        pause(0.01)
    return condition()


def _service_with(classifier: IntentClassifier) -> CoachService:
    return cast(CoachService, SimpleNamespace(offline=OfflineBrain(lambda: classifier)))


def test_warm_up_starts_the_load_in_the_background_and_returns() -> None:
    embedder = _GatedEmbedder()
    classifier = IntentClassifier(embedder)
    thread = start_warm_up(_service_with(classifier))
    try:
        assert _until(embedder.started.is_set)  # the exemplars are being embedded...
        assert thread.is_alive() and thread.daemon  # ...while the caller already has control back
        assert thread.name == "coach-warm-up"
    finally:
        embedder.release.set()
        _until(lambda: not thread.is_alive())
    assert not thread.is_alive()
    assert embedder.batches == [classifier.exemplar_count]


def test_a_message_during_the_warm_up_waits_for_it_and_nothing_loads_twice() -> None:
    embedder = _GatedEmbedder()
    classifier = IntentClassifier(embedder)
    service = _service_with(classifier)
    thread = start_warm_up(service)
    assert _until(embedder.started.is_set)
    results: list[Any] = []
    message = threading.Thread(target=lambda: results.append(service.offline.classifier().classify(FREE_TEXT)))
    message.start()
    try:
        pause(0.2)
        assert message.is_alive() and not results  # it waits for the exemplars, it doesn't embed them again
    finally:
        embedder.release.set()
        _until(lambda: not thread.is_alive() and not message.is_alive())
    assert len(results) == 1
    assert embedder.batches.count(classifier.exemplar_count) == 1  # the exemplars were embedded once


def test_a_failed_warm_up_is_logged_not_raised(caplog: pytest.LogCaptureFixture) -> None:
    def broken() -> IntentClassifier:
        raise RuntimeError("no model here")

    service = cast(CoachService, SimpleNamespace(offline=OfflineBrain(broken)))
    with caplog.at_level(logging.INFO, logger="bot.terminal"):
        thread = start_warm_up(service)
        _until(lambda: not thread.is_alive())
    assert "warming up the language model failed" in caplog.text


def test_a_message_while_the_model_still_loads_is_answered_without_it_within_a_second() -> None:
    """Issue 10: the first free-text message after start answers within 1 s; past the short wait the
    model's reading is 'unknown' (source 'loading') and the rest of the brain still reads the words."""
    embedder = _GatedEmbedder()
    classifier = IntentClassifier(embedder)
    thread = start_warm_up(_service_with(classifier))
    try:
        assert _until(embedder.started.is_set)
        result = classifier.classify(FREE_TEXT)
        assert (result.intent, result.source) == ("unknown", "loading")
        assert not embedder.release.is_set() and thread.is_alive()  # it did not wait for the load
    finally:
        embedder.release.set()
        _until(lambda: not thread.is_alive())
    assert classifier.classify(FREE_TEXT).source != "loading"  # once loaded, the model reads it


CHAT_WHILE_LOADING = textwrap.dedent(
    """
    import atexit, os, sys
    import bot.terminal
    from coach.clock import pause

    bot.terminal._warm_up = lambda service: pause(120)  # a model that loads for two minutes
    atexit.register(lambda: os.write(2, b"interpreter finalised while the model loaded"))
    from coach.cli import main

    sys.exit(main(["chat", "--athlete", "ann"]))
    """
)


@pytest.mark.slow
def test_chat_input_ending_while_the_model_loads_leaves_at_once_without_finalising(tmp_path: Path) -> None:
    """CI once saw ``coach chat`` abort (exit -6, "terminate called without an active exception"):
    the input ended while torch was still importing in the warm-up thread, and the interpreter's
    finalisation tore it down. The chat now leaves without finalising while the model loads."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("TELEGRAM_", "ANTHROPIC_", "COACH_", "DATABASE_URL", "LOG_LEVEL"))}
    env |= {"COACH_DATA_DIR": str(tmp_path / "data"), "COACH_TODAY": "2026-11-23"}
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-c", CHAT_WHILE_LOADING], input="/start\n", capture_output=True, text=True,
        env=env, cwd=Path(__file__).resolve().parents[2], timeout=110,
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""  # no finalisation, no warning
    assert "Welcome" in result.stdout or "sport" in result.stdout.lower(), result.stdout  # the reply was flushed
    assert time.monotonic() - started < 100  # not the load's 120 s
    assert (tmp_path / "data" / CHAT_LOG_FILE).exists()
