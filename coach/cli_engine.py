"""Command-line entry points of the plan engine (wired into ``coach`` by ``coach/cli.py``).

* ``cmd_plan(profile_path, as_json)`` — ``coach plan --profile FILE [--json]``;
* ``cmd_schema(name)`` — ``coach schema profile|plan``;
* ``write_schemas(directory)`` — regenerate ``coach/schemas/*.schema.json`` (package data).

Exit codes: 0 success (an infeasible goal is a successful answer), 1 broken rules files,
2 bad input (the message names the field; nothing is printed on stdout).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any, TextIO

from pydantic import BaseModel, ValidationError

from coach.engine import build_plan, load_rules, render_plan_text
from coach.engine.errors import ProfileError, RulesError
from coach.engine.models import Plan, Profile
from coach.package_data import SCHEMAS_DIR

EXIT_OK = 0
EXIT_RULES = 1
EXIT_BAD_INPUT = 2
SCHEMAS: dict[str, type[BaseModel]] = {"profile": Profile, "plan": Plan}
SCHEMA_DIR = SCHEMAS_DIR
_MAX_ERRORS_SHOWN = 3


def _field_name(loc: tuple[int | str, ...]) -> str:
    return ".".join(str(part) for part in loc) or "profile"


def describe_validation_error(exc: ValidationError) -> str:
    """One line per problem, each naming the field: "history.weekly_km.0: must be ≥ 0"."""
    lines = []
    for error in exc.errors()[:_MAX_ERRORS_SHOWN]:
        message = str(error["msg"]).removeprefix("Value error, ")
        lines.append(f"{_field_name(tuple(error['loc']))}: {message}")
    if exc.error_count() > _MAX_ERRORS_SHOWN:
        lines.append(f"(and {exc.error_count() - _MAX_ERRORS_SHOWN} more)")
    return "\n".join(lines)


def read_profile(profile_path: str, stdin: TextIO | None = None) -> Profile:
    """Read a profile from a file path or ``-`` (stdin). Raises ``ValueError`` with a clear sentence."""
    try:
        text = (
            (stdin or sys.stdin).read()
            if profile_path == "-"
            else Path(profile_path).read_text(encoding="utf-8")
        )
    except OSError as exc:
        raise ValueError(f"profile: cannot read {profile_path!r} ({exc.strerror or exc})") from exc
    try:
        data: Any = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(
            f"profile: not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})"
        ) from exc
    if not isinstance(data, dict):
        raise ValueError("profile: expected a JSON object")
    try:
        return Profile.model_validate(data)
    except ValidationError as exc:
        raise ValueError(describe_validation_error(exc)) from exc


def cmd_plan(profile_path: str, as_json: bool) -> int:
    """Build a plan for the profile at ``profile_path`` and print it (text, or JSON with ``as_json``)."""
    try:
        profile = read_profile(profile_path)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    try:
        rules = load_rules()
    except RulesError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_RULES
    try:
        plan = build_plan(profile, rules)
    except ProfileError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    if as_json:
        sys.stdout.write(plan.model_dump_json(indent=2) + "\n")
    else:
        sys.stdout.write(render_plan_text(plan, units=profile.units) + "\n")
    return EXIT_OK


def schema_text(name: str) -> str:
    """The JSON Schema of ``profile`` or ``plan`` as stable, indented text."""
    model = SCHEMAS[name]
    return json.dumps(model.model_json_schema(by_alias=True), indent=2, sort_keys=True) + "\n"


def cmd_schema(name: str) -> int:
    """Print the JSON Schema for ``profile`` or ``plan``."""
    if name not in SCHEMAS:
        print(f"error: schema must be one of {', '.join(sorted(SCHEMAS))}, not {name!r}", file=sys.stderr)
        return EXIT_BAD_INPUT
    sys.stdout.write(schema_text(name))
    return EXIT_OK


def write_schemas(directory: Path = SCHEMA_DIR) -> list[Path]:
    """Write ``<name>.schema.json`` for every public model; returns the paths written."""
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for name in sorted(SCHEMAS):
        path = directory / f"{name}.schema.json"
        path.write_text(schema_text(name), encoding="utf-8")
        written.append(path)
    return written


if __name__ == "__main__":  # pragma: no cover - regenerate the schema files
    for written_path in write_schemas():
        print(written_path)
