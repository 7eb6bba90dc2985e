"""Intent classification: accuracy on the labelled evaluation set, and the classifier's contracts.

The accuracy test uses the real all-MiniLM-L6-v2 embedder (loaded once for the module);
everything else runs on fakes so it stays instant.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any, get_args

import numpy as np
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.typing import NDArray

from coach.brain.intents import (
    CONTESTED_RULE_CONFIDENCE,
    INTENT_DESCRIPTIONS,
    INTENTS,
    RULE_CONFIDENCE,
    IntentCatalogueError,
    IntentClassifier,
    IntentResult,
    Method,
    SlotName,
    classify,
    get_classifier,
    load_catalogue,
    parse_catalogue,
)
from coach.brain.slots import Slots, parse_slots
from memory.embedder import HashingEmbedder, get_default_embedder

MESSAGES_FILE = Path(__file__).parent / "data" / "messages.yaml"
MIN_OVERALL_ACCURACY = 0.85
MIN_INTENT_ACCURACY = 0.6


def _evaluation_set() -> tuple[dt.date, list[dict[str, Any]]]:
    data = yaml.safe_load(MESSAGES_FILE.read_text(encoding="utf-8"))
    return data["today"], data["messages"]


class CountingEmbedder:
    """Hashing vectors, counting calls, so tests can see when the exemplars are embedded."""

    def __init__(self) -> None:
        self.inner = HashingEmbedder()
        self.calls: list[int] = []

    def embed(self, texts: Sequence[str]) -> NDArray[np.float32]:
        self.calls.append(len(texts))
        return self.inner.embed(texts)


class NoEmbedder:
    """Fails if called: proves a rule decided without the model."""

    def embed(self, texts: Sequence[str]) -> NDArray[np.float32]:
        raise AssertionError(f"the embedder was called for {list(texts)!r}")


@pytest.fixture(scope="module")
def minilm_classifier() -> IntentClassifier:
    classifier = IntentClassifier(get_default_embedder())
    classifier.warm_up()
    return classifier


# --------------------------------------------------------------------------- the evaluation set


def _accuracy_table(rows: list[tuple[str, int, int]], overall: float, misses: list[str]) -> str:
    lines = [f"{'intent':<18} {'correct':>7} {'total':>5} {'accuracy':>8}"]
    lines += [f"{name:<18} {ok:>7} {total:>5} {ok / total:>8.2f}" for name, ok, total in rows]
    lines.append(f"{'overall':<18} {'':>7} {'':>5} {overall:>8.3f}")
    if misses:
        lines.append("misclassified:")
        lines += [f"  {miss}" for miss in misses]
    return "\n".join(lines)


def test_accuracy_on_the_evaluation_set(minilm_classifier: IntentClassifier) -> None:
    today, messages = _evaluation_set()
    correct: Counter[str] = Counter()
    total: Counter[str] = Counter()
    misses: list[str] = []
    for message in messages:
        expected = message["intent"]
        result = minilm_classifier.classify(message["text"], today=today)
        total[expected] += 1
        if result.intent == expected:
            correct[expected] += 1
        else:
            misses.append(f"{message['text']!r}: expected {expected}, got {result.intent} ({result.source})")
    rows = [(name, correct[name], total[name]) for name in sorted(total)]
    overall = sum(correct.values()) / sum(total.values())
    table = _accuracy_table(rows, overall, misses)
    print("\n" + table)
    worst = min(ok / count for _, ok, count in rows)
    assert overall >= MIN_OVERALL_ACCURACY and worst >= MIN_INTENT_ACCURACY, table


def test_evaluation_set_covers_every_intent_and_is_big_enough() -> None:
    _, messages = _evaluation_set()
    assert len(messages) >= 180
    assert {m["intent"] for m in messages} == set(INTENTS)


def test_evaluation_messages_are_not_copied_from_the_exemplars() -> None:
    classifier = IntentClassifier(NoEmbedder())
    _, messages = _evaluation_set()
    copied = [m["text"] for m in messages if classifier.normalise(m["text"]) in classifier.exemplar_keys]
    assert copied == []


def test_evaluation_messages_are_unique() -> None:
    classifier = IntentClassifier(NoEmbedder())
    _, messages = _evaluation_set()
    keys = Counter(classifier.normalise(m["text"]) for m in messages)
    assert [key for key, count in keys.items() if count > 1] == []


# --------------------------------------------------------------------------- rules


def test_a_rule_that_fires_on_an_exemplar_agrees_with_its_label() -> None:
    """Guards rule precision: a new pattern that steals another intent's phrasing fails here."""
    classifier = IntentClassifier(NoEmbedder())
    today = dt.date(2026, 11, 18)
    wrong = []
    for intent, text in classifier.catalogue.exemplar_pairs():
        hits = classifier.rule_matches(classifier.normalise(text), parse_slots(text, today))
        if hits and hits[0][0] != intent:
            wrong.append(f"{text!r} is {intent} but the rules say {hits[0][0]}")
    assert wrong == []


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("missed Tuesday's run", "missed"),
        ("knee is sore", "injury"),
        ("delete my data", "delete_data"),
        ("please remember I have a 25m pool", "remember_note"),
        ("I'm travelling Thursday to Sunday", "unavailable"),
        ("can we move the long run to Sunday?", "move_session"),
        ("slept 4 hours, legs are dead", "fatigue"),
        ("sleep 7, energy 3, soreness 2", "checkin"),
    ],
)
def test_rules_decide_common_messages_without_the_model(text: str, intent: str) -> None:
    result = IntentClassifier(NoEmbedder()).classify(text)
    assert (result.intent, result.source) == (intent, "rule")
    assert result.confidence in (RULE_CONFIDENCE, CONTESTED_RULE_CONFIDENCE)
    assert result.rule is not None


def test_precedence_puts_health_before_scheduling() -> None:
    result = IntentClassifier(NoEmbedder()).classify("can we move the long run to Sunday, my knee hurts")
    assert result.intent == "injury"
    assert "move_session" in [name for name, _ in result.alternatives]
    assert result.confidence < RULE_CONFIDENCE


# --------------------------------------------------------------------------- the model and unknown


def test_off_topic_and_empty_messages_are_unknown(minilm_classifier: IntentClassifier) -> None:
    for text in ["", "   ", "?!", "what's the capital of mongolia", "zxcvbnm qwerty"]:
        assert minilm_classifier.classify(text).intent == "unknown", text


@pytest.mark.parametrize("method", ["lr", "knn"])
def test_model_result_has_ordered_alternatives(minilm_classifier: IntentClassifier, method: Method) -> None:
    classifier = IntentClassifier(minilm_classifier.embedder, method=method)
    result = classifier.classify("hmm not sure about all this honestly")
    assert result.source == method
    scores = [score for _, score in result.alternatives]
    assert scores == sorted(scores, reverse=True)
    assert result.intent not in [name for name, _ in result.alternatives]
    assert 0.0 <= result.confidence <= 1.0


def test_classification_is_deterministic(minilm_classifier: IntentClassifier) -> None:
    texts = ["my legs are kind of meh", "what's the plan", "sunday long one?"]
    first = [minilm_classifier.classify(t) for t in texts]
    second = [minilm_classifier.classify(t) for t in texts]
    assert first == second


def test_slots_come_back_only_with_today() -> None:
    classifier = IntentClassifier(NoEmbedder())
    with_today = classifier.classify("missed Tuesday's run", today=dt.date(2026, 11, 18))
    assert with_today.slots is not None and with_today.slots.date == dt.date(2026, 11, 17)
    assert classifier.classify("missed Tuesday's run").slots is None


_HASHING_CLASSIFIER = IntentClassifier(HashingEmbedder())


@settings(max_examples=150, deadline=None, derandomize=True)
@given(text=st.text(max_size=200))
def test_any_text_gets_a_valid_result(text: str) -> None:
    result = _HASHING_CLASSIFIER.classify(text, today=dt.date(2026, 11, 18))
    assert result.intent in INTENTS
    assert 0.0 <= result.confidence <= 1.0
    assert result.slots is not None


# --------------------------------------------------------------------------- caching


def test_exemplars_are_embedded_once_per_embedder() -> None:
    embedder = CountingEmbedder()
    first = classify("something vague about life", embedder)
    classify("another vague thing", embedder)
    assert get_classifier(embedder) is get_classifier(embedder)
    exemplar_batches = [n for n in embedder.calls if n > 1]
    assert len(exemplar_batches) == 1
    assert exemplar_batches[0] == get_classifier(embedder).exemplar_count
    assert isinstance(first, IntentResult)


def test_each_embedder_gets_its_own_classifier() -> None:
    assert get_classifier(CountingEmbedder()) is not get_classifier(CountingEmbedder())


# --------------------------------------------------------------------------- the catalogue file


def test_rules_can_only_require_real_slots() -> None:
    assert set(get_args(SlotName)) <= set(Slots.model_fields)


def test_catalogue_describes_every_intent() -> None:
    catalogue = load_catalogue()
    assert set(catalogue.intents) == set(INTENTS)
    assert set(INTENT_DESCRIPTIONS) == set(INTENTS)
    assert all(description.strip() for description in INTENT_DESCRIPTIONS.values())


def _minimal_catalogue() -> dict[str, Any]:
    return {
        "version": 1,
        "precedence": [i for i in INTENTS if i != "unknown"],
        "intents": {i: {"description": i, "rules": [], "exemplars": [f"example for {i}"]} for i in INTENTS},
    }


def test_minimal_catalogue_loads() -> None:
    assert parse_catalogue(yaml.safe_dump(_minimal_catalogue())).version == 1


@pytest.mark.parametrize(
    "breakage",
    [
        lambda c: c["intents"]["greeting"].update(rules=["(unclosed"]),
        lambda c: c["intents"].pop("thanks"),
        lambda c: c["intents"].update(smalltalk={"description": "x", "exemplars": ["y"]}),
        lambda c: c["precedence"].pop(),
        lambda c: c.update(version=99),
        lambda c: c["intents"]["help"].update(exemplars=[]),
        lambda c: c["intents"]["help"].update(exemplars=["example for thanks"]),
        lambda c: c["intents"]["help"].update(rules=[{"pattern": "x", "requires": ["mood"]}]),
    ],
    ids=[
        "bad-regex",
        "missing-intent",
        "unknown-intent",
        "incomplete-precedence",
        "version",
        "no-exemplars",
        "exemplar-two-labels",
        "unknown-slot",
    ],
)
def test_broken_catalogue_is_rejected_with_a_reason(breakage: Any) -> None:
    catalogue = _minimal_catalogue()
    breakage(catalogue)
    with pytest.raises(IntentCatalogueError, match="invalid"):
        parse_catalogue(yaml.safe_dump(catalogue))
