"""Benchmark the offline brain's language understanding: both classifiers, accuracy and latency.

Usage:
    .venv/bin/python bench/bench_nlu.py              # accuracy and latency, trained classifier vs k-NN
    .venv/bin/python bench/bench_nlu.py --passes 5   # more passes for a steadier p95
    .venv/bin/python bench/bench_nlu.py --cv         # also 5-fold cross-validation over the exemplars
    .venv/bin/python bench/bench_nlu.py --scores     # also the k-NN score spread behind the similarity floors

What is measured, per classifier (``method="lr"``: calibrated logistic regression, the
default; ``method="knn"``: the earlier nearest-exemplar vote):

* accuracy on tests/brain/data/messages.yaml, which shares no sentence with the exemplars
  the classifiers learn from (a held-out set): the whole pipeline (rules first), the
  classifier alone with the rules switched off, and on the messages no rule catches;
* ``--cv``: accuracy over the exemplars themselves by stratified 5-fold cross-validation,
  and for the regression the calibration (negative log-likelihood and expected calibration
  error before and after temperature scaling, on held-out folds);
* warm-up (embed the exemplars; train and calibrate the regression) and per-message latency.

Why these numbers: the brief asks for p95 <= 15 ms per message after warm-up on 2 cores.
Every pass embeds every message again (nothing caches query vectors), so the figure is the
cost of a message the bot has never seen. Torch is pinned to ``--threads`` (default 1, the
memory embedder's own default) so a big machine does not flatter the result. On a shared
box wall time includes waiting for the CPU, so with one thread the per-thread CPU time is
printed too: that is what a message costs on an idle core.
"""

from __future__ import annotations

import argparse
import datetime as dt
import itertools
import statistics
import sys
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import yaml
from numpy.typing import NDArray

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from coach.brain.intents import (  # noqa: E402
    MIN_NEAREST_SIMILARITY,
    MIN_SIMILARITY,
    UNKNOWN,
    IntentClassifier,
    Method,
    cross_validated_logits,
    fit_temperature,
    softmax,
    train_model,
)
from memory.embedder import MiniLMEmbedder  # noqa: E402

MESSAGES_FILE = ROOT / "tests" / "brain" / "data" / "messages.yaml"
DEFAULT_PASSES = 3
DEFAULT_THREADS = 1
TARGET_P95_MS = 15.0
METHODS: tuple[Method, ...] = ("lr", "knn")
CV_FOLDS = 5
SOURCES = ("rule", "lr", "knn", "empty")
CALIBRATION_BINS = 10


def percentile(values: list[float], fraction: float) -> float:
    """Nearest-rank percentile: the smallest value with at least ``fraction`` of the data at or below it."""
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(fraction * len(ordered) + 0.5)))
    return ordered[rank - 1]


def load_messages() -> tuple[dt.date, list[dict[str, Any]]]:
    data = yaml.safe_load(MESSAGES_FILE.read_text(encoding="utf-8"))
    return data["today"], data["messages"]


class CachingEmbedder:
    """Embeds each distinct text once, so cross-validation folds do not re-run the model."""

    def __init__(self, inner: MiniLMEmbedder) -> None:
        self.inner = inner
        self.cache: dict[str, NDArray[np.float32]] = {}

    def embed(self, texts: Sequence[str]) -> NDArray[np.float32]:
        missing = [text for text in dict.fromkeys(texts) if text not in self.cache]
        if missing:
            for text, vector in zip(missing, self.inner.embed(missing), strict=True):
                self.cache[text] = vector
        return np.stack([self.cache[text] for text in texts]) if texts else self.inner.embed([])


def calibration_error(confidence: NDArray[np.float64], right: NDArray[np.bool_]) -> float:
    """Expected calibration error: mean |accuracy - confidence| over equal-width confidence bins,
    weighted by bin size."""
    edges = np.linspace(0.0, 1.0, CALIBRATION_BINS + 1)
    error = 0.0
    for low, high in itertools.pairwise(edges):
        in_bin = (confidence > low) & (confidence <= high)
        if in_bin.any():
            error += in_bin.mean() * abs(right[in_bin].mean() - confidence[in_bin].mean())
    return float(error)


def expected_calibration_error(probabilities: NDArray[np.float64], targets: NDArray[np.int64]) -> float:
    return calibration_error(probabilities.max(axis=1), probabilities.argmax(axis=1) == targets)


def negative_log_likelihood(probabilities: NDArray[np.float64], targets: NDArray[np.int64]) -> float:
    return float(-np.log(np.clip(probabilities[np.arange(len(targets)), targets], 1e-12, None)).mean())


def accuracy_figures(
    classifier: IntentClassifier, messages: list[dict[str, Any]], today: dt.date
) -> tuple[float, float, float, int, float]:
    """Pipeline accuracy, classifier-alone accuracy, accuracy where no rule fires (and how many),
    and the classifier-alone expected calibration error (confidence vs being right)."""
    pipeline = alone = unruled = unruled_right = 0
    confidences: list[float] = []
    rights: list[bool] = []
    for message in messages:
        expected = message["intent"]
        full = classifier.classify(message["text"], today=today)
        bare = classifier.classify(message["text"], today=today, rules=False)
        pipeline += full.intent == expected
        alone += bare.intent == expected
        if full.source != "rule":
            unruled += 1
            unruled_right += full.intent == expected
        if bare.intent != UNKNOWN and bare.confidence > 0:
            confidences.append(bare.confidence)
            rights.append(bare.intent == expected)
    n = len(messages)
    ece = calibration_error(np.array(confidences), np.array(rights))
    return pipeline / n, alone / n, unruled_right / max(unruled, 1), unruled, float(ece)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--passes", type=int, default=DEFAULT_PASSES, help="timed passes over the evaluation set"
    )
    parser.add_argument("--threads", type=int, default=DEFAULT_THREADS, help="torch intra-op threads")
    parser.add_argument(
        "--cv", action="store_true", help="cross-validate both classifiers over the exemplars"
    )
    parser.add_argument("--scores", action="store_true", help="print the k-NN score spread per outcome")
    args = parser.parse_args()

    today, messages = load_messages()

    started = time.perf_counter()
    embedder = MiniLMEmbedder(threads=args.threads)
    embedder.load()  # imports torch and sentence-transformers, reads the weights
    load_s = time.perf_counter() - started
    import torch

    print(f"model load (import torch + sentence-transformers, read weights): {load_s:.2f} s")
    print(f"torch threads: {torch.get_num_threads()}")
    classifiers: dict[Method, IntentClassifier] = {}
    for method in METHODS:
        classifier = IntentClassifier(embedder, method=method)
        started = time.perf_counter()
        classifier.warm_up()
        warm_up_s = time.perf_counter() - started
        trained = ""
        if method == "lr":  # the exemplars are embedded by now: time the training and calibration alone
            started = time.perf_counter()
            model = train_model(classifier.exemplar_vectors(), classifier.exemplar_labels)
            trained = (
                f"; of which train + calibrate {time.perf_counter() - started:.2f} s "
                f"(temperature {model.temperature:.3f})"
            )
        print(
            f"[{method}] warm-up (embed {classifier.exemplar_count} exemplars once{', train' if method == 'lr' else ''}): "
            f"{warm_up_s:.2f} s{trained}"
        )
        classifiers[method] = classifier

    print(f"\naccuracy on {len(messages)} labelled messages (none of them an exemplar):")
    print(
        f"  {'method':<6} {'pipeline':>8} {'no rules':>8} {'where no rule fires':>20} {'ECE (no rules)':>15}"
    )
    for method, classifier in classifiers.items():
        pipeline, alone, unruled, n_unruled, ece = accuracy_figures(classifier, messages, today)
        print(f"  {method:<6} {pipeline:>8.3f} {alone:>8.3f} {unruled:>13.3f} (n={n_unruled}) {ece:>15.3f}")

    time_messages(classifiers, embedder, messages, today, args.passes, torch.get_num_threads())

    if args.cv:
        cross_validate(CachingEmbedder(embedder))
    if args.scores:
        print_score_spread(classifiers["knn"], messages)


def time_messages(
    classifiers: dict[Method, IntentClassifier],
    embedder: MiniLMEmbedder,
    messages: list[dict[str, Any]],
    today: dt.date,
    passes: int,
    threads: int,
) -> None:
    """Per-message latency of each classifier, interleaved message by message so that a busy
    machine slows both alike; then the decision alone (after the embedding) per method."""
    for classifier in classifiers.values():
        for message in messages[:20]:  # let torch settle its kernels before timing
            classifier.classify(message["text"], today=today)
    latencies_ms: dict[Method, dict[str, list[float]]] = {m: {s: [] for s in SOURCES} for m in classifiers}
    cpu_ms: dict[Method, list[float]] = {m: [] for m in classifiers}
    for _ in range(passes):
        for message in messages:
            for method, classifier in classifiers.items():
                started, started_cpu = time.perf_counter(), time.thread_time()
                result = classifier.classify(message["text"], today=today)
                latencies_ms[method][result.source].append((time.perf_counter() - started) * 1000)
                cpu_ms[method].append((time.thread_time() - started_cpu) * 1000)
    embed_only_ms = []
    for message in messages:
        started = time.perf_counter()
        embedder.embed([next(iter(classifiers.values())).normalise(message["text"])])
        embed_only_ms.append((time.perf_counter() - started) * 1000)
    print(
        f"\nlatency, message -> classification ({len(messages)} messages x {passes} passes, methods interleaved)"
    )
    for method, by_source in latencies_ms.items():
        every = [value for values in by_source.values() for value in values]
        verdict = "meets" if percentile(every, 0.95) <= TARGET_P95_MS else "MISSES"
        print(
            f"  [{method}] p50 {statistics.median(every):.2f} ms, p95 {percentile(every, 0.95):.2f} ms, "
            f"max {max(every):.2f} ms ({verdict} the p95 <= {TARGET_P95_MS:g} ms target)"
        )
        for source, values in by_source.items():
            if values:
                print(
                    f"    {source:<5} n={len(values) // passes:<4} p50 {statistics.median(values):.2f} ms, "
                    f"p95 {percentile(values, 0.95):.2f} ms"
                )
        if threads == 1:
            # With one torch thread all the work runs on this thread, so its CPU time is what the
            # message costs on an idle core; wall time also counts waiting for a busy machine.
            print(
                f"    cpu time on this thread: p50 {statistics.median(cpu_ms[method]):.2f} ms, "
                f"p95 {percentile(cpu_ms[method], 0.95):.2f} ms (the idle-machine equivalent)"
            )
    print(
        f"  one bare embedding: p50 {statistics.median(embed_only_ms):.2f} ms, "
        f"p95 {percentile(embed_only_ms, 0.95):.2f} ms"
    )
    queries = [embedder.embed([text]) for text in [m["text"] for m in messages]]
    for method, classifier in classifiers.items():
        decision_us = []
        for query in queries:
            vector = query.reshape(-1)
            started = time.perf_counter()
            classifier.decide(vector)
            decision_us.append((time.perf_counter() - started) * 1e6)
        print(
            f"  [{method}] decision after the embedding: p50 {statistics.median(decision_us):.0f} us, "
            f"p95 {percentile(decision_us, 0.95):.0f} us"
        )


def cross_validate(embedder: CachingEmbedder) -> None:
    """Stratified 5-fold cross-validation over the exemplars: each fold's exemplars are classified
    (rules off) by both classifiers built from the other four folds."""
    from sklearn.model_selection import StratifiedKFold  # type: ignore[import-untyped]

    full = IntentClassifier(embedder)
    pairs = full.catalogue.exemplar_pairs()
    labels = np.array([intent for intent, _ in pairs])
    right: Counter[str] = Counter()
    splitter = StratifiedKFold(n_splits=CV_FOLDS, shuffle=True, random_state=1)
    for train, test in splitter.split(labels, labels):
        kept: dict[str, list[str]] = {}
        for row in train:
            kept.setdefault(pairs[row][0], []).append(pairs[row][1])
        catalogue = full.catalogue.model_copy(
            update={
                "intents": {
                    intent: spec.model_copy(update={"exemplars": tuple(kept[intent])})
                    for intent, spec in full.catalogue.intents.items()
                }
            }
        )
        for method in METHODS:
            fold = IntentClassifier(embedder, catalogue, method=method)
            for row in test:
                intent, text = pairs[row]
                right[method] += fold.classify(text, rules=False).intent == intent
    print(
        f"\n{CV_FOLDS}-fold cross-validation over {len(pairs)} exemplars (rules off, unknown thresholds on):"
    )
    for method in METHODS:
        print(f"  {method:<6} accuracy {right[method] / len(pairs):.3f}")

    # Calibration of the regression on held-out folds, before and after temperature scaling
    vectors = full.exemplar_vectors()
    classes = sorted(set(labels))
    targets = np.searchsorted(classes, labels).astype(np.int64)
    logits = cross_validated_logits(vectors, targets)
    temperature = fit_temperature(logits, targets)
    raw, scaled = softmax(logits), softmax(logits / temperature)
    print(f"  lr calibration on held-out folds (temperature {temperature:.3f}):")
    print(
        f"    raw:    NLL {negative_log_likelihood(raw, targets):.3f}, ECE {expected_calibration_error(raw, targets):.3f}"
    )
    print(
        f"    scaled: NLL {negative_log_likelihood(scaled, targets):.3f}, ECE {expected_calibration_error(scaled, targets):.3f}"
    )


def print_score_spread(classifier: IntentClassifier, messages: list[dict[str, Any]]) -> None:
    """Best k-NN score of each message that no rule decides, split by whether the vote was right.

    MIN_SIMILARITY (k-NN) and MIN_NEAREST_SIMILARITY (the regression's "nothing is near" floor)
    should sit above most off-topic scores and below most right answers.
    """
    buckets: dict[str, list[float]] = {"right": [], "wrong": [], "off-topic": []}
    outcomes: Counter[str] = Counter()
    for message in messages:
        normalised = classifier.normalise(message["text"])
        best_intent, best = classifier.knn_scores(normalised)[0]
        if message["intent"] == "unknown":
            buckets["off-topic"].append(best)
        else:
            buckets["right" if best_intent == message["intent"] else "wrong"].append(best)
        outcomes[f"{message['intent'] == best_intent}"] += 1
    print(f"\nk-NN alone (no rules), top-1 accuracy {outcomes['True'] / len(messages):.3f}")
    print(
        f"best-score spread (MIN_SIMILARITY = {MIN_SIMILARITY}, MIN_NEAREST_SIMILARITY = {MIN_NEAREST_SIMILARITY}):"
    )
    for name, values in buckets.items():
        if values:
            below = sum(v < MIN_SIMILARITY for v in values)
            print(
                f"  {name:<9} n={len(values):<4} min {min(values):.2f}  p25 {percentile(values, 0.25):.2f}  "
                f"median {statistics.median(values):.2f}  p75 {percentile(values, 0.75):.2f}  "
                f"max {max(values):.2f}  below threshold {below}"
            )


if __name__ == "__main__":
    main()
