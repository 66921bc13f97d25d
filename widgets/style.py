"""The cockpit's one palette and the style sheet templated from it.

Every colour a view uses comes from here: the named palette (`PALETTE`), the colours that
carry meaning (SLA lights, squad status, priority, emergency) and the dark theme's QSS,
which is `resources/themes/dark.qss` with `$name` placeholders filled from `PALETTE`.
Widgets show states through `setProperty("kind", ...)` and the QSS selectors below rather
than inline style sheets with colour literals.
"""
from __future__ import annotations

import re
from string import Template

from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication, QWidget

from models.domain import RESOURCES

# The named palette of the dark theme (a dim command room: low glare, urgent things loud).
PALETTE: dict[str, str] = {
    "window": "#14181e",        # the background of every widget
    "text": "#dfe4ea",          # ordinary text
    "text_strong": "#ffffff",   # headings, values, text on a coloured ground
    "text_soft": "#c9d1d9",     # secondary text that must stay legible
    "muted": "#8593a3",         # captions, hints, "nothing here"
    "dim": "#5b6573",           # disabled text
    "heading": "#9fb3c8",       # dock titles, header sections, status bar
    "base": "#161b22",          # tables, lists, charts
    "base_alt": "#1a2029",      # alternate rows, cards
    "field": "#0f1318",         # input fields, the map's ground
    "panel": "#1c222b",         # title bars, header sections, tabs
    "status_bar": "#10141a",
    "lock": "#0b0e12",          # the lock overlay
    "border": "#2a313b",
    "border_field": "#2f3844",
    "border_button": "#34404f",
    "grid": "#252c36",
    "map_road": "#4b5563",
    "map_block": "#394350",
    "button": "#253041",
    "button_hover": "#2e3b4f",
    "accent": "#3d8bfd",        # focus, selection outline, the command prompt
    "selection": "#1f4e79",
    "primary": "#1f5fae",
    "danger": "#8e1f1f",
    "danger_border": "#c0392b",
    "error": "#ff6b6b",         # refused / failed messages
    "ok": "#34c759",            # done / acknowledged
    "warning": "#ffb020",       # pending, degraded, due soon
    "alarm": "#ff3b30",         # overdue, failed
    "orange": "#ff9500",
    "war": "#c0392b",           # the war-time mode badge
    "offline": "#a34f00",       # the offline banner's ground (white text on it, 5:1)
    "emergency": "#ff1f1f",
    "emergency_off": "#5a0a0a",
    "emergency_banner_off": "#7a0000",
    "row_overdue": "#7a1010",       # the queue's overdue row (text_strong on it) ...
    "row_overdue_blink": "#a3281c", # ... and its ground while blinking
    "row_due_soon": "#5c4300",      # the queue's due-soon row ...
    "row_due_soon_text": "#ffe08a", # ... and its text
    "met_text": "#6fae82",          # SLA lights as text on the queue's rows (4.5:1 on base and base_alt)
    "late_text": "#c97a7a",
    "skipped_text": "#8a8f96",
    "purple": "#b36bff",
    "teal": "#2ec4b6",
    "coral": "#f78c6b",
    "pink": "#e056fd",
    "late": "#a05050",
    "met": "#5a8f6a",
    "skipped": "#666a70",
    "off_duty": "#59616b",
}
P = PALETTE

# Colours that carry meaning, shared by every view.
SLA_COLOURS = {"overdue": P["alarm"], "due_soon": P["warning"], "on_time": P["ok"], "met": P["met"],
               "late": P["late"], "skipped": P["skipped"]}
TEAM_COLOURS = {"available": P["ok"], "en_route": P["accent"], "on_scene": P["warning"], "busy": P["purple"],
                "off_duty": P["off_duty"]}
# The queue's colours (widgets/case_queue.py's delegate paints them), each text colour at
# least 4.5:1 against the ground it is drawn on (WCAG AA; tests/test_console_readability.py
# checks every pair): the SLA light's text on an ordinary row (base / alternate base), and
# the alert rows: light -> (ground, ground while blinking, text on it).
QUEUE_LIGHT_TEXT = {"overdue": P["alarm"], "due_soon": P["warning"], "on_time": P["ok"], "met": P["met_text"],
                    "late": P["late_text"], "skipped": P["skipped_text"]}
QUEUE_ROWS = {"overdue": (P["row_overdue"], P["row_overdue_blink"], P["text_strong"]),
              "due_soon": (P["row_due_soon"], P["row_due_soon"], P["row_due_soon_text"])}
QUEUE_P1_TEXT = P["error"]
PRIORITY_COLOURS = {1: P["alarm"], 2: P["orange"], 3: P["accent"], 4: P["muted"]}
EMERGENCY = P["emergency"]
# categorical series (areas on the map, sources on the dashboard)
SERIES_COLOURS = [P["accent"], P["ok"], P["warning"], P["error"], P["purple"], P["teal"], P["coral"],
                  P["muted"], P["pink"]]


ZOOM_STEPS = (0.8, 0.9, 1.0, 1.1, 1.25, 1.4, 1.6, 1.8, 2.0)


def style_sheet(name: str = "dark", zoom: float = 1.0) -> str:
    """The theme's QSS with the palette filled in, its type sizes times `zoom`."""
    template = (RESOURCES / "themes" / f"{name}.qss").read_text(encoding="utf-8")
    # $themes: the theme folder, for the arrow images of spin boxes and date edits (a styled box
    # otherwise draws its arrows dark on dark)
    themes = (RESOURCES / "themes").as_posix()
    qss = Template(template).substitute(PALETTE, themes=themes)
    if zoom != 1.0:
        qss = re.sub(r"font-size:\s*(\d+(?:\.\d+)?)pt", lambda m: f"font-size: {float(m[1]) * zoom:.1f}pt", qss)
    return qss


def zoom_step(zoom: float, step: int) -> float:
    """The next zoom level up (+1) or down (-1) from `zoom`; 0 is 100 %."""
    if step == 0:
        return 1.0
    i = min(range(len(ZOOM_STEPS)), key=lambda k: abs(ZOOM_STEPS[k] - zoom))
    return ZOOM_STEPS[max(0, min(len(ZOOM_STEPS) - 1, i + step))]


def set_kind(widget: QWidget, kind: str | None) -> None:
    """Show a state through the `kind` property and the QSS selectors (re-polished so the
    change shows at once)."""
    if widget.property("kind") == kind:
        return
    widget.setProperty("kind", kind)
    style = widget.style()
    style.unpolish(widget)
    style.polish(widget)


_BASE_FONT_PT: float | None = None


def apply_theme(app: QApplication, name: str = "dark", zoom: float = 1.0) -> None:
    """The theme, with every type size times `zoom` (Ctrl+= / Ctrl+- / Ctrl+0)."""
    global _BASE_FONT_PT
    if _BASE_FONT_PT is None:
        _BASE_FONT_PT = app.font().pointSizeF() if app.font().pointSizeF() > 0 else 10.0
    f = app.font()
    f.setPointSizeF(_BASE_FONT_PT * zoom)
    app.setFont(f)
    if name != "dark":
        return
    # the style and the palette do not change with the zoom: each set of them re-polishes or
    # repaints every widget alive (a zoom's cost, with the style sheet's, grows with the window)
    if app.property("xiaonao_style") != "Fusion":
        app.setStyle("Fusion")
        app.setProperty("xiaonao_style", "Fusion")
    pal = QPalette()
    for role, colour in [(QPalette.ColorRole.Window, P["window"]), (QPalette.ColorRole.WindowText, P["text"]),
                         (QPalette.ColorRole.Base, P["base"]), (QPalette.ColorRole.AlternateBase, P["base_alt"]),
                         (QPalette.ColorRole.Text, P["text"]), (QPalette.ColorRole.Button, P["button"]),
                         (QPalette.ColorRole.ButtonText, P["text"]), (QPalette.ColorRole.Highlight, P["selection"]),
                         (QPalette.ColorRole.HighlightedText, P["text_strong"]),
                         (QPalette.ColorRole.ToolTipBase, P["button"]),
                         (QPalette.ColorRole.ToolTipText, P["text_strong"]),
                         (QPalette.ColorRole.PlaceholderText, "#6b7785")]:
        pal.setColor(role, QColor(colour))
    # what is off looks off: a disabled menu action, the calendar's days of other months
    for role in (QPalette.ColorRole.Text, QPalette.ColorRole.WindowText, QPalette.ColorRole.ButtonText):
        pal.setColor(QPalette.ColorGroup.Disabled, role, QColor(P["dim"]))
    if app.palette() != pal:
        app.setPalette(pal)
    app.setStyleSheet(style_sheet(name, zoom))
