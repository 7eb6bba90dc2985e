"""Compile the plan engine's hot modules with mypyc, in place (``make setup`` runs this).

Usage::

    .venv/bin/python tools/build_engine.py          # build (about a minute on 2 cores)
    .venv/bin/python tools/build_engine.py --clean  # remove the build: the engine runs as pure Python

The module list lives in ``coach/engine/_native.py``; after a successful build this writes
``coach/engine/_native.json`` with the SHA-256 of every engine source, so an edited source
is never shadowed by a stale extension. If compiling fails (no C compiler, no mypy), the
engine stays pure Python, with the same output, and this exits 0 after saying why, unless
``--strict`` is given.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import shutil
import sys
import tempfile
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parent.parent


def _native() -> ModuleType:
    """``coach/engine/_native.py`` loaded by path (importing the package would load the
    extension modules this script is about to replace)."""
    spec = importlib.util.spec_from_file_location("_coach_native", ROOT / "coach/engine/_native.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def clean(native: ModuleType) -> None:
    for module in (*native.NATIVE_MODULES, native.SHARED_LIBRARY):
        path = native.extension_path(module, ROOT)
        while path is not None:
            path.unlink()  # unlink, never overwrite: a running process may have it mapped
            path = native.extension_path(module, ROOT)
    native.MANIFEST.unlink(missing_ok=True)


def build(native: ModuleType) -> None:
    from mypyc.build import mypycify
    from setuptools import setup

    sources = [str(native.source_path(m, ROOT).relative_to(ROOT)) for m in native.NATIVE_MODULES]
    digests = native.engine_sources(ROOT)
    clean(native)
    with tempfile.TemporaryDirectory(prefix="coach-engine-build-") as temp:
        extensions = mypycify(
            sources,
            opt_level="3",
            group_name=native.GROUP,
            target_dir=os.path.join(temp, "c"),
        )
        setup(
            name="coach-engine-native",
            ext_modules=extensions,
            script_args=["--quiet", "build_ext", "--inplace", "--build-temp", os.path.join(temp, "o")],
        )
    shutil.rmtree(ROOT / "build", ignore_errors=True)
    native.MANIFEST.write_text(
        json.dumps({"compiler": "mypyc", "sources": digests}, indent=2, sort_keys=True) + "\n",
        encoding="utf-8",
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clean", action="store_true", help="remove the compiled modules")
    parser.add_argument("--strict", action="store_true", help="exit 1 if compiling fails")
    args = parser.parse_args()
    os.chdir(ROOT)
    native = _native()
    if args.clean:
        clean(native)
        print("engine: compiled modules removed; it runs as pure Python")
        return 0
    try:
        build(native)
    except (Exception, SystemExit) as exc:  # setuptools reports compiler failures as SystemExit
        clean(native)
        print(f"engine: could not compile ({exc}); it runs as pure Python, with the same output")
        return 1 if args.strict else 0
    status = native.native_status(ROOT)
    print(f"engine: {status.summary}")
    return 0 if status.compiled or not args.strict else 1


if __name__ == "__main__":
    sys.exit(main())
