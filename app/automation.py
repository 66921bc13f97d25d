"""A map of the named widgets on screen, for tools that drive the real window like a person.

With XIAONAO_WIDGET_MAP=FILE in the environment, the cockpit (and the wall) write FILE a
few times a second: for every visible widget that has an object name, its rectangle in
screen coordinates (and the part of it not
scrolled out of view) and, for labels, line edits and buttons, the text it shows, plus which
widget has the keyboard focus. The acceptance tests (tests/acceptance/) read it to know
where to click (a squad tile, a button) and what a window shows; they type and click with
xdotool, like an operator. Without the variable nothing is written and nothing runs.
"""
from __future__ import annotations

import json
import os

from PySide6.QtCore import QObject, QTimer
from PySide6.QtWidgets import QAbstractButton, QApplication, QComboBox, QLabel, QLineEdit, QPlainTextEdit, QWidget

ENV = "XIAONAO_WIDGET_MAP"
EVERY_MS = 250


def widget_map() -> dict:
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    out: dict[str, dict] = {}
    focus = app.focusWidget()
    for top in app.topLevelWidgets():
        if not top.isVisible():
            continue
        for w in [top, *top.findChildren(QWidget)]:
            name = w.objectName()
            if not name or name.startswith("qt_") or not w.isVisible():
                continue
            vis = w.visibleRegion().boundingRect()      # the part not clipped by a scroll area
            if vis.isEmpty():
                continue
            p = w.mapToGlobal(w.rect().topLeft())
            v = w.mapToGlobal(vis.topLeft())
            row = {"x": p.x(), "y": p.y(), "w": w.width(), "h": w.height(), "enabled": w.isEnabled(),
                   "visible": [v.x(), v.y(), vis.width(), vis.height()]}
            if isinstance(w, (QLabel, QLineEdit, QAbstractButton)):
                row["text"] = w.text()
            elif isinstance(w, QPlainTextEdit):
                row["text"] = w.toPlainText()
            elif isinstance(w, QComboBox):
                row["text"] = w.currentText()
            if w.isWindow():
                row["title"] = w.windowTitle()
            prop = w.property("invalid")
            if prop:
                row["invalid"] = True
            if name in out:          # several of one name: the first keeps it, the others are numbered
                i = 2
                while f"{name}#{i}" in out:
                    i += 1
                name = f"{name}#{i}"
            out[name] = row
    return {"pid": os.getpid(), "focus": focus.objectName() if focus is not None else None,
            "widgets": out}


class WidgetMapWriter(QObject):
    def __init__(self, path: str, parent=None):
        super().__init__(parent)
        self.path = path
        self._last = ""
        self._timer = QTimer(self, interval=EVERY_MS)
        self._timer.timeout.connect(self.write)
        self._timer.start()

    def write(self) -> None:
        text = json.dumps(widget_map(), ensure_ascii=False)
        if text == self._last:
            return
        tmp = f"{self.path}.tmp"
        with open(tmp, "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(tmp, self.path)
        self._last = text


def install(app) -> WidgetMapWriter | None:
    path = os.environ.get(ENV)
    if not path:
        return None
    app._widget_map = WidgetMapWriter(path, app)
    return app._widget_map
