"""Benchmark the offline brain's language understanding: model load, warm-up, per-message latency.

Usage:
    .venv/bin/python bench/bench_nlu.py              # latency p50/p95 over the evaluation set
    .venv/bin/python bench/bench_nlu.py --passes 5   # more passes for a steadier p95
    .venv/bin/python bench/bench_nlu.py --scores     # also the k-NN score spread behind MIN_SIMILARITY

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
import statistics
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from coach.brain.intents import MIN_SIMILARITY, IntentClassifier  # noqa: E402
from memory.embedder import MiniLMEmbedder  # noqa: E402

MESSAGES_FILE = ROOT / "tests" / "brain" / "data" / "messages.yaml"
DEFAULT_PASSES = 3
DEFAULT_THREADS = 1
TARGET_P95_MS = 15.0


def percentile(values: list[float], fraction: float) -> float:
    """Nearest-rank percentile: the smallest value with at least ``fraction`` of the data at or below it."""
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(fraction * len(ordered) + 0.5)))
    return ordered[rank - 1]


def load_messages() -> tuple[dt.date, list[dict[str, Any]]]:
    data = yaml.safe_load(MESSAGES_FILE.read_text(encoding="utf-8"))
    return data["today"], data["messages"]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--passes", type=int, default=DEFAULT_PASSES, help="timed passes over the evaluation set"
    )
    parser.add_argument("--threads", type=int, default=DEFAULT_THREADS, help="torch intra-op threads")
    parser.add_argument("--scores", action="store_true", help="print the k-NN score spread per outcome")
    args = parser.parse_args()

    today, messages = load_messages()

    started = time.perf_counter()
    embedder = MiniLMEmbedder(threads=args.threads)
    embedder.load()  # imports torch and sentence-transformers, reads the weights
    load_s = time.perf_counter() - started
    import torch

    classifier = IntentClassifier(embedder)
    started = time.perf_counter()
    classifier.warm_up()
    warm_up_s = time.perf_counter() - started
    for message in messages[:20]:  # let torch settle its kernels before timing
        classifier.classify(message["text"], today=today)

    latencies_ms: dict[str, list[float]] = {"rule": [], "knn": [], "empty": []}
    cpu_ms: list[float] = []
    correct = 0
    for _ in range(args.passes):
        for message in messages:
            started, started_cpu = time.perf_counter(), time.thread_time()
            result = classifier.classify(message["text"], today=today)
            latencies_ms[result.source].append((time.perf_counter() - started) * 1000)
            cpu_ms.append((time.thread_time() - started_cpu) * 1000)
            correct += result.intent == message["intent"]
    every = [value for values in latencies_ms.values() for value in values]
    embed_only_ms = []
    for message in messages:
        started = time.perf_counter()
        embedder.embed([classifier.normalise(message["text"])])
        embed_only_ms.append((time.perf_counter() - started) * 1000)

    print(f"model load (import torch + sentence-transformers, read weights): {load_s:.2f} s")
    print(f"warm-up (embed {classifier.exemplar_count} exemplars once): {warm_up_s:.2f} s")
    print(f"torch threads: {torch.get_num_threads()}")
    print(f"messages: {len(messages)} x {args.passes} passes, accuracy {correct / len(every):.3f}")
    print(
        f"latency p50 {statistics.median(every):.2f} ms, p95 {percentile(every, 0.95):.2f} ms, max {max(every):.2f} ms"
    )
    for source, values in latencies_ms.items():
        if values:
            print(
                f"  {source:<5} n={len(values) // args.passes:<4} p50 {statistics.median(values):.2f} ms, "
                f"p95 {percentile(values, 0.95):.2f} ms"
            )
    print(
        f"  (one bare embedding: p50 {statistics.median(embed_only_ms):.2f} ms, "
        f"p95 {percentile(embed_only_ms, 0.95):.2f} ms)"
    )
    if torch.get_num_threads() == 1:
        # With one torch thread all the work runs on this thread, so its CPU time is what the
        # message costs on an idle core; wall time also counts waiting for a busy machine.
        print(
            f"  cpu time on this thread: p50 {statistics.median(cpu_ms):.2f} ms, "
            f"p95 {percentile(cpu_ms, 0.95):.2f} ms (the idle-machine equivalent)"
        )
    verdict = "meets" if percentile(every, 0.95) <= TARGET_P95_MS else "MISSES"
    print(f"{verdict} the p95 <= {TARGET_P95_MS:g} ms target")

    if args.scores:
        print_score_spread(classifier, messages)


def print_score_spread(classifier: IntentClassifier, messages: list[dict[str, Any]]) -> None:
    """Best k-NN score of each message that no rule decides, split by whether the vote was right.

    MIN_SIMILARITY should sit above most off-topic scores and below most right answers.
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
    print(f"best-score spread (MIN_SIMILARITY = {MIN_SIMILARITY}):")
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
