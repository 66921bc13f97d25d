#!/usr/bin/env python3
"""mypy with a baseline that only shrinks.

Runs mypy as configured in pyproject.toml and compares its errors with the checked-in
.mypy-baseline.txt (one line per error: `path: [code] message`, no line numbers, so edits
elsewhere in a file do not disturb it). Fails when there is an error the baseline does not
hold (a new one, or one more of a kind); says which entries are gone so the baseline can
be trimmed with `--update`. Nothing is added to the baseline by hand: fix the code instead.

    python scripts/mypy_baseline.py            # check (make lint, CI)
    python scripts/mypy_baseline.py --update   # rewrite the baseline after fixing errors
"""
from __future__ import annotations

import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BASELINE = ROOT / ".mypy-baseline.txt"
_LINE = re.compile(r"^(?P<path>[^:\s]+\.py):\d+(?::\d+)?: error: (?P<msg>.*?)(?:\s+\[(?P<code>[a-z0-9-]+)\])?$")


def normalise(msg: str) -> str:
    return re.sub(r"\bon line \d+\b", "on line N", msg)


def current() -> tuple[Counter[str], str]:
    r = subprocess.run([sys.executable, "-m", "mypy", "--no-error-summary", "--no-pretty", "--show-error-codes"],
                       cwd=ROOT, capture_output=True, text=True)
    if r.returncode not in (0, 1):                     # 2: mypy itself failed (bad config, crash)
        sys.exit(f"mypy failed to run:\n{r.stdout}{r.stderr}")
    found: Counter[str] = Counter()
    for line in r.stdout.splitlines():
        m = _LINE.match(line.strip())
        if m:
            found[f"{m['path']}: [{m['code'] or 'misc'}] {normalise(m['msg'])}"] += 1
    return found, r.stdout


def read_baseline() -> Counter[str]:
    if not BASELINE.exists():
        return Counter()
    return Counter(line for line in BASELINE.read_text(encoding="utf-8").splitlines()
                   if line.strip() and not line.startswith("#"))


def main(argv: list[str]) -> int:
    found, raw = current()
    if "--update" in argv:
        old = read_baseline()
        if found - old:
            print("refusing to add new errors to the baseline; fix these:", file=sys.stderr)
            for k in sorted((found - old).elements()):
                print("  " + k, file=sys.stderr)
            if "--allow-new" not in argv:
                return 1
        BASELINE.write_text("# mypy errors not fixed yet; scripts/mypy_baseline.py fails on any other.\n"
                            + "".join(k + "\n" for k in sorted(found.elements())), encoding="utf-8")
        print(f"baseline: {sum(found.values())} errors (was {sum(old.values())})")
        return 0
    base = read_baseline()
    new = found - base
    gone = base - found
    if new:
        print(f"mypy: {sum(new.values())} error(s) not in the baseline (.mypy-baseline.txt):")
        keys = set(new)
        for line in raw.splitlines():
            m = _LINE.match(line.strip())
            if m and f"{m['path']}: [{m['code'] or 'misc'}] {normalise(m['msg'])}" in keys:
                print("  " + line.strip())
        return 1
    note = f"; {sum(gone.values())} baseline entries fixed: run scripts/mypy_baseline.py --update" if gone else ""
    print(f"mypy: {sum(found.values())} known error(s) in the baseline, no new ones{note}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
