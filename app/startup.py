"""A window on screen at once while the embedded demo plays the day so far (a fresh demo
database takes several seconds), with its progress, instead of nothing at all."""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QLabel, QProgressBar, QVBoxLayout, QWidget


class StartupProgress(QWidget):
    def __init__(self, parent=None):
        super().__init__(parent, Qt.WindowType.Window)
        self.setObjectName("StartupProgress")
        self.setWindowTitle(self.tr("Xiaonao command cockpit"))
        title = QLabel(self.tr("Xiaonao command cockpit"))
        title.setProperty("kind", "heading")
        self.label = QLabel(self.tr("Starting the demo street: playing the day so far…"))
        self.bar = QProgressBar()
        self.bar.setRange(0, 100)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(24, 20, 24, 20)
        lay.addWidget(title)
        lay.addWidget(self.label)
        lay.addWidget(self.bar)
        self.resize(460, 140)

    def set_progress(self, fraction: float) -> None:
        """Show how far the demo has got, and keep the window painted (the cockpit's event
        loop has not started yet)."""
        self.bar.setValue(int(round(fraction * 100)))
        QApplication.processEvents()
