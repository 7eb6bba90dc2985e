"""Start-up stays light: the offline path never pays for heavy imports it doesn't use."""

from __future__ import annotations

import json
import subprocess
import sys


def test_the_service_loads_without_the_anthropic_sdk_or_the_embedding_model() -> None:
    """The anthropic SDK (~1 s) loads only when a key is set; sentence-transformers (~5 s) on first embedding."""
    script = "import json, sys, coach.service.service, coach.cli; print(json.dumps(sorted(sys.modules)))"
    loaded = set(json.loads(subprocess.run([sys.executable, "-c", script], check=True, capture_output=True, text=True).stdout))
    assert "anthropic" not in loaded
    assert "sentence_transformers" not in loaded and "torch" not in loaded
