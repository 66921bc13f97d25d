"""The idle lock: after a set time without input the cockpit covers itself and asks for the
password again, which the server checks (the cockpit never stores it). Floating panels on
other monitors are hidden while locked. The wall and the embedded demo do not lock."""
from __future__ import annotations

import asyncio
import logging
import time

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import QApplication, QLabel, QLineEdit, QPushButton, QVBoxLayout, QWidget

from models import protocol
from widgets.style import set_kind

log = logging.getLogger("xiaonao.lock")

INPUT_EVENTS = {QEvent.Type.KeyPress, QEvent.Type.MouseButtonPress, QEvent.Type.MouseMove, QEvent.Type.Wheel,
                QEvent.Type.TouchBegin}


async def verify_password(url: str, user: str, password: str, ssl=None, insecure: bool = False) -> tuple[bool, str]:
    """Ask the server whether this is the user's password: a commands-only hello (no
    snapshot, no events) on a short-lived connection."""
    import websockets

    from client.tls import cleartext_refusal
    refusal = cleartext_refusal(url, insecure)
    if refusal:
        return False, refusal
    try:
        async with websockets.connect(url, ssl=ssl, open_timeout=5, close_timeout=1) as ws:
            await ws.send(protocol.hello(user, password, subscribe=False))
            reply = protocol.parse_server_frame(await asyncio.wait_for(ws.recv(), 10))
            if reply.get("type") == "welcome":
                await ws.send(protocol.logout())      # the check's own token is dropped
    except (OSError, asyncio.TimeoutError, Exception) as e:  # noqa: BLE001
        return False, f"cannot reach the server to check the password ({e.__class__.__name__})"
    if reply.get("type") == "welcome":
        return True, ""
    return False, reply.get("message", "refused")


class LockOverlay(QWidget):
    """Covers the window; the only thing to do is to type the password."""
    sig_unlock = Signal(str)

    def __init__(self, parent: QWidget, user: str):
        super().__init__(parent)
        self.setObjectName("LockOverlay")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        # (its labels on its own ground: the theme's panel colour drew a box behind each)
        self.setStyleSheet("#LockOverlay { background: #0b0e12; } #LockOverlay QLabel { background: transparent; }")
        title = QLabel(self.tr("Locked after inactivity"))
        title.setStyleSheet("font-size: 20pt; font-weight: bold; color: white")
        who = QLabel(self.tr("User: %1").replace("%1", user))
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setPlaceholderText(self.tr("Password"))
        self.password.setMaximumWidth(320)
        self.password.setMinimumWidth(260)
        self.button = QPushButton(self.tr("Unlock"))
        self.button.setProperty("role", "primary")
        self.message = QLabel()
        set_kind(self.message, "error")
        lay = QVBoxLayout(self)
        lay.addStretch(1)
        for w in (title, who, self.password, self.button, self.message):
            lay.addWidget(w, 0, Qt.AlignmentFlag.AlignHCenter)
        lay.addStretch(1)
        self.button.clicked.connect(self.submit)
        self.password.returnPressed.connect(self.submit)

    def submit(self) -> None:
        if self.password.text():
            self.button.setEnabled(False)
            self.message.setText(self.tr("Checking…"))
            self.sig_unlock.emit(self.password.text())

    def resize_to_parent(self) -> None:
        parent = self.parentWidget()
        if parent is not None:
            self.setGeometry(parent.rect())


class IdleLock(QObject):
    """Signals:
        sig_locked(bool): the cockpit locked (True) or unlocked (False).
    """
    sig_locked = Signal(bool)

    def __init__(self, window, url: str, user: str, lock_after_s: float, ssl=None, parent=None,
                 insecure: bool = False):
        super().__init__(parent or window)
        self.window, self.url, self.user, self.ssl = window, url, user, ssl
        self.insecure = insecure
        self.lock_after_s = lock_after_s
        self.last_input = time.monotonic()
        self.locked = False
        self.overlay: LockOverlay | None = None
        self._hidden_docks: list = []
        self._task: asyncio.Task | None = None
        app = QApplication.instance()
        assert app is not None, "the idle lock needs the QApplication"
        app.installEventFilter(self)
        self._timer = QTimer(self, interval=min(5000, max(100, int(lock_after_s * 250))))
        self._timer.timeout.connect(self._check)
        self._timer.start()
        window.destroyed.connect(self.stop)

    def stop(self) -> None:
        """Stop watching: the application-wide event filter must not outlive the window."""
        self._timer.stop()
        app = QApplication.instance()
        if app is not None:
            app.removeEventFilter(self)

    def eventFilter(self, obj, ev):
        if ev.type() in INPUT_EVENTS and not self.locked:
            self.last_input = time.monotonic()
        if ev.type() == QEvent.Type.Resize and obj is self.window and self.overlay is not None:
            self.overlay.resize_to_parent()
        return False

    def _check(self) -> None:
        if not self.locked and time.monotonic() - self.last_input >= self.lock_after_s:
            self.lock()

    def lock(self) -> None:
        self.locked = True
        self._hidden_docks = [d for d in getattr(self.window, "docks", {}).values() if d.isFloating() and d.isVisible()]
        for d in self._hidden_docks:
            d.hide()
        self.overlay = LockOverlay(self.window, self.user)
        self.overlay.sig_unlock.connect(self._try)
        self.overlay.resize_to_parent()
        self.overlay.show()
        self.overlay.raise_()
        self.overlay.password.setFocus()
        log.info("cockpit locked after %.0f s without input", self.lock_after_s)
        self.sig_locked.emit(True)

    def _try(self, password: str) -> None:
        async def check():
            ok, message = await verify_password(self.url, self.user, password, self.ssl, self.insecure)
            if self.overlay is None:
                return
            if ok:
                self.unlock()
            else:
                self.overlay.message.setText(message)
                self.overlay.password.clear()
                self.overlay.button.setEnabled(True)
        self._task = asyncio.ensure_future(check())

    def unlock(self) -> None:
        self.locked = False
        self.last_input = time.monotonic()
        if self.overlay is not None:
            self.overlay.hide()
            self.overlay.deleteLater()
            self.overlay = None
        for d in self._hidden_docks:
            d.show()
        self._hidden_docks = []
        self.sig_locked.emit(False)
