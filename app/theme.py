"""Moved: the palette and the theme live in widgets/style.py (widgets may not import app/).
Kept as a re-export so older call sites keep working; import widgets.style instead."""
from __future__ import annotations

from widgets.style import EMERGENCY, PRIORITY_COLOURS, SLA_COLOURS, TEAM_COLOURS, apply_theme

__all__ = ["EMERGENCY", "PRIORITY_COLOURS", "SLA_COLOURS", "TEAM_COLOURS", "apply_theme"]
