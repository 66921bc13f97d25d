"""Video playback where the platform has it.

QtMultimedia needs system libraries (PulseAudio's client library for its audio output,
the FFmpeg that PySide6 bundles for decoding); `import PySide6.QtMultimedia` raises
ImportError on a machine without them. The cockpit then still runs, and the viewer says
in words why a clip cannot be played here and offers to open or save the original.
"""
from __future__ import annotations

from functools import lru_cache
from types import ModuleType


@lru_cache(maxsize=1)
def _load() -> tuple[ModuleType | None, ModuleType | None, str]:
    try:
        from PySide6 import QtMultimedia, QtMultimediaWidgets
    except ImportError as e:            # e.g. "libpulse.so.0: cannot open shared object file"
        return None, None, str(e)
    return QtMultimedia, QtMultimediaWidgets, ""


def multimedia() -> tuple[ModuleType | None, ModuleType | None, str]:
    """(QtMultimedia, QtMultimediaWidgets, "") or (None, None, why not)."""
    return _load()


def unavailable_reason() -> str:
    """"" when clips can be played here; else the import error, for the viewer's message."""
    return _load()[2]
