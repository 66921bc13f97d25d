"""Issue 16 in the cockpit: the room sees the field. Against the real (embedded) server,
offscreen: a squad's phone (a raw protocol client as a field account) logs in, the roster
shows its terminal online, then when it was last seen; the stages the phone stamped are
marked so in the case's timeline, apart from those the operator entered on the squad's
behalf; a reinforcement request from the phone shows on the squad's tile until the room
acknowledges it from the tile's menu. In English and Chinese; the panels are grabbed to PNG."""
from __future__ import annotations

import os

import pytest
from PySide6.QtCore import QSettings

from app.embedded import DEMO_USER, EmbeddedServer
from client.qtlink import LinkService
from models.qt.room import RoomState, Selection
from server.cli import add_user

from .conftest import RawClient, demo_db
from .qtasync import QtLoop

REPORT = {"title": "楼上噪音扰民", "category": "dispute", "source": "110", "priority": 2,
          "location": {"address": "九堡大道88号"}, "reporter": {"name": "王女士", "phone": "13811112222"}}
TEXTS = {"en": {"online": "● online", "seen": "○ ", "terminal": "[field terminal]",
                "behalf": "(entered by the room)", "reinforce": "✚ Requests reinforcement: 人多"},
         "zh_CN": {"online": "● 终端在线", "seen": "○ ", "terminal": "[移动终端]",
                   "behalf": "(指挥室代录)", "reinforce": "✚ 请求增援: 人多"}}


@pytest.fixture
def loop(qapp):
    lp = QtLoop(qapp)
    yield lp
    lp.close()


@pytest.fixture
def demo_server(tmp_path):
    srv = EmbeddedServer(demo_db(tmp_path), simulate=False).start()
    add_user(f"sqlite:///{tmp_path / 'street.db'}", "w01", "field", "w01-password", "W01")
    yield srv
    srv.stop()


def shot(widget, name: str, tmp_path) -> None:
    """The widget as a PNG (in XIAONAO_SHOTS when set, to look at)."""
    folder = os.environ.get("XIAONAO_SHOTS") or str(tmp_path)
    os.makedirs(folder, exist_ok=True)
    path = os.path.join(folder, name)
    assert widget.grab().save(path) and os.path.getsize(path) > 1000


@pytest.mark.parametrize("lang", ["en", "zh_CN"])
def test_the_room_sees_the_field_terminal_and_its_stamps(qtbot, loop, demo_server, tmp_path, lang):
    from app import i18n
    from app.mainwindow import MainWindow
    i18n.install(lang)
    t = TEXTS[lang]
    link = LinkService(demo_server.url, DEMO_USER, None, demo_server.tokens[DEMO_USER],
                       cache_path=tmp_path / "cache.db")
    room, sel = RoomState(), Selection()
    room.user = DEMO_USER
    room.attach(link)
    win = MainWindow(room, link, sel, QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat))
    qtbot.addWidget(win)
    win.resize(1600, 1000)
    win.show()
    link.start()
    try:
        loop.wait(lambda: link.status.state == "online" and room.state["teams"], what="online")
        roster = win.panels["roster"]
        tile = roster.tiles["W01"]
        assert tile.content()[-3] == ""                                   # no terminal has ever connected
        assert "No field terminal" in tile.toolTip() or "尚无移动终端" in tile.toolTip()

        phone = loop.run(RawClient.connect(demo_server.url, "w01"))
        assert phone.welcome["type"] == "welcome", phone.welcome
        loop.wait(lambda: tile.content()[-3] == t["online"], what="W01's terminal online on its tile")
        assert tile.content()[-2] is True
        assert "W01" not in [tid for tid, tl in roster.tiles.items() if tl.content()[-3] and tid != "W01"]

        before = set(room.state["cases"])
        link.submit("case.report", REPORT)
        loop.wait(lambda: set(room.state["cases"]) - before, what="reported")
        cid = (set(room.state["cases"]) - before).pop()
        link.submit("case.dispatch", {"case_id": cid, "team_id": "W01"})
        loop.wait(lambda: room.state["cases"][cid]["status"] == "dispatched", what="dispatched")
        ans, _ = loop.run(phone.command("case.sign", {"case_id": cid}))           # the squad's own stamp
        assert ans["type"] == "ack", ans
        link.submit("case.contact", {"case_id": cid})                            # from the radio, by the room
        loop.wait(lambda: room.state["cases"][cid]["status"] == "contacted", what="contacted")
        ans, _ = loop.run(phone.command("team.request_reinforcement",
                                        {"team_id": "W01", "case_id": cid, "note": "人多"}))
        assert ans["type"] == "ack", ans
        loop.wait(lambda: tile.content()[12] == t["reinforce"], what="the request on the tile")
        assert tile.content()[-1] is True

        sel.set_case(cid)
        detail = win.panels["detail"]
        loop.wait(lambda: detail.timeline.count() >= 5, what="the timeline")
        rows = [detail.timeline.item(i).text() for i in range(detail.timeline.count())]
        signed = next(r for r in rows if ("Signed for" in r or "签收" in r) and "w01" in r)
        contacted = next(r for r in rows if DEMO_USER in r and ("contacted" in r or "联系" in r))
        assert signed.endswith("w01 " + t["terminal"]) and t["behalf"] not in signed
        assert contacted.endswith(DEMO_USER + " " + t["behalf"])
        loop.pump(0.2)
        detail.timeline.scrollToBottom()
        shot(detail.timeline, f"field-timeline-{lang}.png", tmp_path)
        shot(roster, f"field-roster-online-{lang}.png", tmp_path)

        # the room acknowledges the request from the tile's menu
        win.squad_menu("W01", tile.mapToGlobal(tile.rect().center()))
        menu = win.menu
        ack = next(a for a in menu.actions() if a.objectName() == "team.reinforcement_ack")
        assert ack.isEnabled()
        ack.trigger()
        menu.close()
        loop.wait(lambda: not tile.content()[-1], what="the request acknowledged")

        loop.run(phone.close())
        loop.wait(lambda: tile.content()[-3].startswith(t["seen"]), what="W01's terminal last seen")
        assert tile.content()[-2] is False
        assert "last seen" in tile.toolTip() or "最后在线" in tile.toolTip()
        loop.pump(0.2)
        shot(roster, f"field-roster-offline-{lang}.png", tmp_path)
    finally:
        win.close()
        loop.run(link.shutdown())
        i18n.install("en")
