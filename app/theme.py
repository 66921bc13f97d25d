"""Themes: a dark theme fit for a dim command room (the default) and the platform's light one."""
from __future__ import annotations

from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication

from models.domain import RESOURCES

# Colours that carry meaning, shared by every view.
SLA_COLOURS = {"overdue": "#ff3b30", "due_soon": "#ffb020", "on_time": "#34c759", "met": "#5a8f6a",
               "late": "#a05050", "skipped": "#666a70"}
TEAM_COLOURS = {"available": "#34c759", "en_route": "#3d8bfd", "on_scene": "#ffb020", "busy": "#b36bff",
                "off_duty": "#59616b"}
PRIORITY_COLOURS = {1: "#ff3b30", 2: "#ff9500", 3: "#3d8bfd", 4: "#8593a3"}
EMERGENCY = "#ff1f1f"


def apply_theme(app: QApplication, name: str = "dark") -> None:
    if name != "dark":
        return
    app.setStyle("Fusion")
    pal = QPalette()
    for role, colour in [(QPalette.ColorRole.Window, "#14181e"), (QPalette.ColorRole.WindowText, "#dfe4ea"),
                         (QPalette.ColorRole.Base, "#161b22"), (QPalette.ColorRole.AlternateBase, "#1a2029"),
                         (QPalette.ColorRole.Text, "#dfe4ea"), (QPalette.ColorRole.Button, "#253041"),
                         (QPalette.ColorRole.ButtonText, "#dfe4ea"), (QPalette.ColorRole.Highlight, "#1f4e79"),
                         (QPalette.ColorRole.HighlightedText, "#ffffff"), (QPalette.ColorRole.ToolTipBase, "#253041"),
                         (QPalette.ColorRole.ToolTipText, "#ffffff"), (QPalette.ColorRole.PlaceholderText, "#6b7785")]:
        pal.setColor(role, QColor(colour))
    app.setPalette(pal)
    app.setStyleSheet((RESOURCES / "themes" / "dark.qss").read_text(encoding="utf-8"))
