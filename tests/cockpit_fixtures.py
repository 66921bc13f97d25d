"""The real cockpit window on the embedded demo server, offscreen, for tests that drive it as
an operator does: `loop` (qasync on the test's QApplication), `demo_server` (the demo street,
no simulator) and `cockpit` (the main window logged in as the demo's shift leader, online).
Registered for every test by tests/conftest.py (`pytest_plugins`); a module that needs
another `loop` or `demo_server` defines its own, which wins there."""
from __future__ import annotations

import pytest
from PySide6.QtCore import QSettings

from app.embedded import DEMO_USER, EmbeddedServer
from client.qtlink import LinkService
from models.qt.room import RoomState, Selection

from .conftest import demo_db
from .qtasync import QtLoop


@pytest.fixture
def loop(qapp):
    lp = QtLoop(qapp)
    yield lp
    lp.close()


@pytest.fixture
def demo_server(tmp_path):
    srv = EmbeddedServer(demo_db(tmp_path), simulate=False).start()
    yield srv
    srv.stop()


@pytest.fixture
def cockpit(qtbot, loop, demo_server, tmp_path):
    from app import i18n
    from app.mainwindow import MainWindow
    i18n.install("en")
    link = LinkService(demo_server.url, DEMO_USER, None, demo_server.tokens[DEMO_USER],
                       cache_path=tmp_path / "cache.db")
    room, sel = RoomState(), Selection()
    room.user = DEMO_USER
    room.attach(link)
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    win = MainWindow(room, link, sel, settings)
    qtbot.addWidget(win)
    win.show()
    link.start()
    loop.wait(lambda: link.status.state == "online" and room.state["teams"], what="online")
    loop.pump(0.1)
    yield win
    win.close()
    loop.run(link.shutdown())
