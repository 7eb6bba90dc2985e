"""Train the offline brain's effect model on the tuning blind sets (issue 10).

What it learns: from a message's MiniLM embedding, the main change a good coach makes after it
(the ``expect`` effects of the blind sets: removed, unavailable, cap, eased, moved, swapped,
days_off_permanent, partial, missed, logged, injury, checkin, note, ask, none), by multinomial
logistic regression (scikit-learn's ``LogisticRegression``, L2, lbfgs: deterministic). The
offline brain consults it only where its rules decided nothing and the exemplar vote is weak
(``coach/brain/effects.py``).

Trained on the sets used for tuning (A, C, D, E, F), **never** on the held-out sets B and G, so
their figures stay an outsider's measure. Prints the 5-fold cross-validated accuracy per
probability threshold (how the threshold in ``effects.py`` was chosen) and writes
``coach/brain/effect_model.json`` (coefficients, classes, the sets and their sizes).

Usage::

    .venv/bin/python tools/train_effects.py            # writes coach/brain/effect_model.json
    .venv/bin/python tools/train_effects.py --check    # CV figures only, nothing written
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from coach.brain.effects import EFFECTS, MODEL_FILE, primary_effect  # noqa: E402

TRAINING_SETS = ("a", "c", "d", "e", "f", "h", "i", "j")
HELD_OUT = ("b", "g")
REGULARISATION_C = 4.0
"""Inverse L2 strength; 1, 4 and 16 gave 0.79, 0.80 and 0.79 cross-validated accuracy (all classes)."""
THRESHOLDS = (0.0, 0.5, 0.6, 0.7, 0.8, 0.9)


def load(letter: str) -> list[dict[str, Any]]:
    path = ROOT / "tests" / "blind" / f"set_{letter}.jsonl"
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="print the cross-validated figures only")
    args = parser.parse_args(argv)
    assert not set(TRAINING_SETS) & set(HELD_OUT)

    from sklearn.linear_model import LogisticRegression  # type: ignore[import-untyped]
    from sklearn.model_selection import StratifiedKFold, cross_val_predict  # type: ignore[import-untyped]

    from coach.brain.intents import IntentClassifier
    from memory.embedder import MiniLMEmbedder

    items = [item for letter in TRAINING_SETS for item in load(letter)]
    embedder = MiniLMEmbedder()
    normalise = IntentClassifier(embedder).normalise  # the text the brain embeds
    vectors = np.asarray(embedder.embed([normalise(item["text"]) for item in items]), dtype=np.float64)
    labels = np.asarray([primary_effect(item["expect"]) for item in items])

    model = LogisticRegression(C=REGULARISATION_C, max_iter=5000)
    folds = StratifiedKFold(n_splits=5, shuffle=True, random_state=0)
    probabilities = cross_val_predict(model, vectors, labels, cv=folds, method="predict_proba")
    classes = sorted(set(labels))
    predicted = np.asarray(classes)[probabilities.argmax(axis=1)]
    print(f"{len(items)} messages from sets {', '.join(TRAINING_SETS).upper()}; 5-fold cross-validation:")
    for threshold in THRESHOLDS:
        sure = probabilities.max(axis=1) >= threshold
        accuracy = float((predicted[sure] == labels[sure]).mean()) if sure.any() else float("nan")
        print(f"  probability >= {threshold:.1f}: covers {sure.mean():.0%} of messages, right on {accuracy:.1%}")
    if args.check:
        return 0
    model.fit(vectors, labels)
    assert list(model.classes_) == classes and set(classes) <= set(EFFECTS)
    document = {
        "version": 1,
        "embedder": "all-MiniLM-L6-v2",
        "trained_on": [f"tests/blind/set_{letter}.jsonl" for letter in TRAINING_SETS],
        "held_out": [f"tests/blind/set_{letter}.jsonl" for letter in HELD_OUT],
        "messages": len(items),
        "regularisation_c": REGULARISATION_C,
        "classes": classes,
        "intercept": [round(float(x), 6) for x in model.intercept_],
        "coef": [[round(float(x), 6) for x in row] for row in model.coef_],
    }
    path = ROOT / "coach" / "brain" / MODEL_FILE
    path.write_text(json.dumps(document, separators=(",", ":")) + "\n", encoding="utf-8")
    print(f"wrote {path.relative_to(ROOT)} ({path.stat().st_size / 1024:.0f} kB)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
