"""Commands of one area of the product (see CLI_AREAS in coach/cli.py)."""

from __future__ import annotations

import argparse
from typing import Any

COMMANDS: frozenset[str] = frozenset()
"""The top-level commands this module owns."""


def add_parsers(sub: Any) -> None:
    """Add this area's subcommands to ``coach``'s subparsers."""


def run(settings: Any, args: argparse.Namespace) -> int:
    raise NotImplementedError(args.command)
