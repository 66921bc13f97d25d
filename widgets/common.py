"""Small pieces the panels share."""
from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtWidgets import QAbstractSpinBox, QApplication, QComboBox, QFrame, QScrollArea, QVBoxLayout, QWidget


class WheelScrollsPanel(QObject):
    """The wheel over a choice (combo box, spin box) inside a scrolling panel scrolls the
    panel, not the choice, unless the choice has the keyboard focus (clicked into)."""

    def __init__(self, scroll: QScrollArea):
        super().__init__(scroll)
        self.scroll = scroll

    def eventFilter(self, obj, ev):
        if ev.type() == QEvent.Type.Wheel and isinstance(obj, QWidget) and not obj.hasFocus():
            QApplication.sendEvent(self.scroll.verticalScrollBar(), ev)
            return True
        return super().eventFilter(obj, ev)

    def watch(self, root: QWidget) -> None:
        for w in root.findChildren(QComboBox) + root.findChildren(QAbstractSpinBox):
            w.setFocusPolicy(Qt.FocusPolicy.StrongFocus)      # the wheel alone does not focus it
            w.installEventFilter(self)


def fill_with_scroll(panel: QWidget, inner: QWidget) -> QScrollArea:
    """Make `inner` the scrollable content filling `panel` edge to edge; it is laid out to
    the panel's width (no horizontal scroll bar), and the wheel over a choice in it scrolls."""
    scroll = QScrollArea()
    scroll.setWidgetResizable(True)
    scroll.setFrameShape(QFrame.Shape.NoFrame)
    scroll.setWidget(inner)
    outer = QVBoxLayout(panel)
    outer.setContentsMargins(0, 0, 0, 0)
    outer.addWidget(scroll)
    wheel = WheelScrollsPanel(scroll)
    wheel.watch(inner)
    scroll.wheel_filter = wheel       # type: ignore[attr-defined]
    return scroll
