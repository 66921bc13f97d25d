"""The domain, the headless client and the server do not import Qt (as napari's
import-linter contract): the server, benchmarks and headless clients use them as they are."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HEADLESS = ["models.domain", "models.state", "models.commands", "models.sla", "models.street", "models.kpi",
            "models.dispatch", "models.cmdline", "client.session", "client.cache", "client.tasks",
            "server.store", "server.hub", "server.app", "server.cli", "server.simulator", "server.intake",
            "models.reports", "server.reports", "reporting.xlsx", "reporting.pdf", "reporting.casesheet"]


def test_headless_layers_do_not_import_qt():
    code = ("import importlib, sys\n"
            f"for m in {HEADLESS!r}: importlib.import_module(m)\n"
            "bad = sorted(m for m in sys.modules if m.startswith(('PySide6', 'shiboken6', 'pyqtgraph', 'qasync')))\n"
            "print(bad)\n"
            "sys.exit(1 if bad else 0)\n")
    r = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stdout + r.stderr
