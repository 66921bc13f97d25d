"""The loud offline state: while the link is not live, a banner across the window says so,
since when, that clocks, deadlines and squad timers show the last known state, and how many
commands wait to be sent. The cockpit and the wall both show it."""
from __future__ import annotations

import time

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QLabel

from widgets.style import P


class OfflineBanner(QLabel):
    def __init__(self, link, room, scale: float = 1.0, parent=None):
        super().__init__(parent)
        self.setObjectName("OfflineBanner")
        self.link, self.room, self.scale = link, room, scale
        self.setWordWrap(True)
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.setStyleSheet(f"#OfflineBanner {{ background: {P['offline']}; color: {P['text_strong']}; font-weight: bold; "
                           f"font-size: {13 * scale:.0f}pt; padding: {6 * scale:.0f}px; }}")
        link.sig_link.connect(self.refresh)
        link.sig_command.connect(self.refresh)
        self._timer = QTimer(self, interval=1000)
        self._timer.timeout.connect(self.refresh)
        self._timer.start()
        self.refresh()

    def offline(self) -> bool:
        st = self.link.status
        if st.state == "online":
            return False
        # the very first connection attempt, with nothing shown yet, is not "offline"
        return st.offline_since is not None or st.state in ("auth_failed", "resyncing") or self.room.age is not None

    def refresh(self, *_args) -> None:
        if not self.offline():
            self.setVisible(False)
            return
        st = self.link.status
        if st.offline_since:
            since = time.strftime("%H:%M:%S", time.localtime(st.offline_since))
            text = self.tr("OFFLINE since %1: not live. Clocks, deadlines and squad timers show the last known "
                           "state.").replace("%1", since)
        else:                    # the first connection is still being made: the local cache is shown
            text = self.tr("CONNECTING: not live yet. Clocks, deadlines and squad timers show the last known "
                           "state (the local cache).")
        pending = len(self.link.link.pending_commands()) if hasattr(self.link, "link") else 0
        if pending:
            text += " " + self.tr("%1 command(s) wait to be sent and go when the link is back.").replace(
                "%1", str(pending))
        if st.state == "auth_failed":
            text += " " + self.tr("Login refused: log in again.")
        self.setText("⚠ " + text)
        self.setVisible(True)
