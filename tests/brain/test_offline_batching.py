"""The offline brain reads messages through the embedding batcher, and ahead of their turn.

Hashing vectors are the same alone or in a batch, so the brain's async reading must equal the
classifier's own ``classify`` exactly.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

from coach.brain.intents import IntentClassifier, ModelQuery
from coach.brain.offline import READ_AHEAD_KEPT, OfflineBrain
from memory.embedder import HashingEmbedder

TODAY = dt.date(2026, 11, 25)
MESSAGES = (
    "what's on today?",  # a rule
    "how is it going mate",  # the model
    "feeling a bit meh about the whole thing",  # the model
    "missed Tuesday's run",  # a rule
    "",  # empty
    "can we talk about my shoes at some point",  # the model
)


class CountingEmbedder:
    def __init__(self) -> None:
        self.inner = HashingEmbedder()
        self.texts: list[str] = []

    def embed(self, texts: Sequence[str]) -> NDArray[np.float32]:
        self.texts.extend(texts)
        return self.inner.embed(texts)


def _brain() -> tuple[OfflineBrain, IntentClassifier, CountingEmbedder]:
    embedder = CountingEmbedder()
    classifier = IntentClassifier(embedder)
    classifier.warm_up()
    embedder.texts.clear()
    return OfflineBrain(lambda: classifier), classifier, embedder


async def test_concurrent_readings_equal_the_classifiers_own() -> None:
    brain, classifier, _ = _brain()
    results = await asyncio.gather(*(brain.classify(text, TODAY) for text in MESSAGES * 3))
    for text, result in zip(MESSAGES * 3, results, strict=True):
        assert result == classifier.classify(text, today=TODAY)
    assert {r.source for r in results} == {"rule", classifier.method, "empty"}


async def test_only_messages_the_rules_leave_are_embedded() -> None:
    brain, classifier, embedder = _brain()
    await asyncio.gather(*(brain.classify(text, TODAY) for text in MESSAGES))
    model_read = [text for text in MESSAGES if isinstance(classifier.prepare(text, today=TODAY), ModelQuery)]
    assert len(model_read) == 3
    assert sorted(embedder.texts) == sorted(classifier.normalise(text) for text in model_read)


async def test_a_reading_made_ahead_is_what_its_turn_uses() -> None:
    brain, classifier, embedder = _brain()
    expected = classifier.classify("how is it going mate", today=TODAY)
    embedder.texts.clear()
    await brain.read_ahead("how is it going mate", TODAY)
    assert len(embedder.texts) == 1
    assert await brain.classify("how is it going mate", TODAY) == expected
    await brain.classify("how is it going mate", TODAY)  # the same words on the same day: read once
    assert len(embedder.texts) == 1


async def test_a_reading_ahead_for_another_day_is_not_used() -> None:
    brain, _, embedder = _brain()
    await brain.read_ahead("how is it going mate", TODAY)
    result = await brain.classify("how is it going mate", TODAY + dt.timedelta(days=1))
    assert len(embedder.texts) == 2
    assert result.slots is not None


async def test_the_least_recently_used_readings_are_dropped_first() -> None:
    brain, _, _ = _brain()
    for i in range(READ_AHEAD_KEPT + 5):
        await brain.read_ahead(f"what's on today {i}?", TODAY)
    await brain.classify("what's on today 1?", TODAY)  # used: kept longer
    await brain.read_ahead("what's on today, once more?", TODAY)
    assert len(brain._ahead) == READ_AHEAD_KEPT
    assert ("what's on today 0?", TODAY) not in brain._ahead
    assert ("what's on today 1?", TODAY) in brain._ahead
    assert ("what's on today 6?", TODAY) not in brain._ahead


async def test_a_reading_ahead_made_while_the_model_loads_is_read_again_in_its_turn() -> None:
    brain, classifier, _ = _brain()
    classifier._warming = True
    classifier._ready.clear()  # as while the start-up warm-up loads the model
    try:
        assert (await brain.read_ahead("how is it going mate", TODAY)).source == "loading"
    finally:
        classifier._ready.set()
    assert (await brain.classify("how is it going mate", TODAY)).source == classifier.method


async def test_the_same_message_read_ahead_twice_is_read_once() -> None:
    brain, _, embedder = _brain()
    first = brain.read_ahead("how is it going mate", TODAY)
    assert brain.read_ahead("how is it going mate", TODAY) is first
    await first
    assert len(embedder.texts) == 1


async def test_a_reading_ahead_that_failed_is_read_again_in_its_turn() -> None:
    calls: list[str] = []
    classifier = IntentClassifier(HashingEmbedder())
    classifier.warm_up()

    class Flaky:
        def embed(self, texts: Sequence[str]) -> NDArray[np.float32]:
            calls.extend(texts)
            if len(calls) == 1:
                raise RuntimeError("the model fell over once")
            return HashingEmbedder().embed(texts)

    classifier.embedder = Flaky()
    brain = OfflineBrain(lambda: classifier)
    reading = brain.read_ahead("how is it going mate", TODAY)
    await asyncio.gather(reading, return_exceptions=True)
    assert isinstance(reading.exception(), RuntimeError)
    result = await brain.classify("how is it going mate", TODAY)
    assert result.source == classifier.method and len(calls) == 2
