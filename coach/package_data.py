"""The data files that ship inside the ``coach`` package, found with :mod:`importlib.resources`.

``coach/rules/`` (the training rules, YAML), ``coach/prompts/`` (the system prompt and the
offline brain's templates) and ``coach/schemas/`` (the JSON Schemas of the profile and plan
documents) are package data: they are in the wheel, so ``pip install .`` or ``pipx install .``
finds them wherever the package lands, as a checkout does. The plan engine computes its own
``rules`` path the same way (it imports nothing of ours outside ``coach.engine``).
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Final


def package_dir(name: str) -> Path:
    """The folder ``name`` inside the installed ``coach`` package.

    pip installs a wheel unpacked, so the package's folder is a real directory; the rules loader
    reads modification times from it, which a zip member does not have.
    """
    return Path(str(resources.files("coach").joinpath(name)))


RULES_DIR: Final = package_dir("rules")
PROMPTS_DIR: Final = package_dir("prompts")
SCHEMAS_DIR: Final = package_dir("schemas")
