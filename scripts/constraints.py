#!/usr/bin/env python3
"""Write packaging/constraints.txt: the exact versions the frozen build ships (the project's
runtime dependencies, the PostgreSQL driver and PyInstaller, with everything they pull in),
as installed in this venv. pyproject.toml keeps the ranges; bootstrap.sh and packaging/
install with `-c packaging/constraints.txt`, so CI and the build get these versions.

    .venv/bin/python scripts/constraints.py      # after changing a dependency; commit the result
"""
from __future__ import annotations

import re
import sys
import tomllib
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "packaging" / "constraints.txt"
EXTRA_ROOTS = ["pyinstaller"]
# pinned for CI too, though not shipped: the browser tests' driver (tests/test_field_web.py)
TEST_ROOTS = ["playwright"]


def _name(req: str) -> str:
    return re.split(r"[\s\[<>=!~;(]", req.strip(), maxsplit=1)[0].lower().replace("_", "-")


def closure(roots: list[str]) -> dict[str, str]:
    seen: dict[str, str] = {}
    todo = list(roots)
    while todo:
        req = todo.pop()
        name = _name(req)
        if not name or name in seen:
            continue
        try:
            dist = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            continue                        # an optional dependency not installed here
        seen[name] = dist.version
        extras = set(re.findall(r"\[([^\]]+)\]", req.split(";")[0])[0].split(",")) if "[" in req.split(";")[0] else set()
        for sub in dist.requires or []:
            marker = sub.split(";", 1)[1] if ";" in sub else ""
            if "extra ==" in marker and not any(f'extra == "{e.strip()}"' in marker for e in extras):
                continue
            todo.append(sub)
    return seen


def main() -> int:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    roots = list(project["dependencies"]) + list(project["optional-dependencies"]["postgres"]) + EXTRA_ROOTS + TEST_ROOTS
    pins = closure(roots)
    for own in ("xiaonao", "setuptools", "pip", "wheel"):     # the project itself and the venv's tools
        pins.pop(own, None)
    lines = ["# What the frozen build ships and CI tests with (scripts/constraints.py writes it; pyproject.toml",
             "# keeps the ranges). Regenerate after changing a dependency.",
             *[f"{n}=={v}" for n, v in sorted(pins.items())]]
    OUT.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"{OUT.relative_to(ROOT)}: {len(pins)} packages")
    return 0


if __name__ == "__main__":
    sys.exit(main())
