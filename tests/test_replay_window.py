"""The replay window (widgets/replay.py) against a real server and the real cockpit: the
slider moves the replayed room, play runs at the chosen speed, the squads' tracks are drawn,
nothing can be issued from it, and the live room beside it goes on undisturbed. Screenshots
in English and Chinese (build/replay-shots/)."""
from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QPoint, QSettings, Qt
from PySide6.QtWidgets import QLineEdit

from client.qtlink import LinkService
from models.qt.room import RoomState, Selection

from .conftest import make_db
from .helpers import Clock
from .test_replay import DAY, MIN, scenario

SHOTS = Path(__file__).resolve().parent.parent / "build" / "replay-shots"


def _open(qtbot, loop, tmp_path):
    import time

    from app import i18n
    from app.mainwindow import MainWindow
    from server.app import XiaonaoServer
    i18n.install("en")
    clock = Clock(time.time() + 1)
    srv = XiaonaoServer(make_db(tmp_path), "127.0.0.1", 0, clock=clock, data_dir=str(tmp_path / "files"))
    loop.run(srv.start())
    url = f"ws://127.0.0.1:{srv.port}/ws"
    room_cmds, marks = loop.run(scenario(srv, clock, url), timeout=60)
    link = LinkService(url, "lead", "lead-password", cache_path=tmp_path / "cache.db")
    room, sel = RoomState(), Selection()
    room.attach(link)
    win = MainWindow(room, link, sel, QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat))
    qtbot.addWidget(win)
    win.show()
    link.start()
    loop.wait(lambda: link.status.state == "online" and room.state["teams"], what="online")
    return srv, clock, room_cmds, marks, win


def test_the_replay_window_replays_a_shift_read_only_while_the_live_room_goes_on(qtbot, loop, tmp_path):
    srv, clock, cmds, marks, win = _open(qtbot, loop, tmp_path)
    try:
        live = win.room
        live_seq, live_alerts = live.state["seq"], len(win.alerts.alerts)
        rw = win.open_replay()
        assert "REPLAY" in rw.windowTitle() and "REPLAY" in rw.banner.text()
        assert not rw.play_button.isEnabled()                   # nothing to play before a range is loaded
        rw.set_range(marks["shift_from"], marks["shift_to"])
        rw.load()
        loop.wait(lambda: rw.replay is not None, what="the replay loaded")
        assert "events" in rw.status.text() and rw.play_button.isEnabled()
        ids = marks["ids"]
        # at the start of the range: none of the shift's cases yet, peacetime
        assert rw.room.state["mode"] == "peacetime" and not set(ids) & set(rw.room.state["cases"])
        assert rw.queue.model.rowCount() == len(rw.room.state["cases"])
        # the slider moves the room: at the end all three cases are in the queue, wartime, tracks drawn
        rw.slider.setValue(rw.slider.maximum())
        loop.pump(0.1)
        assert rw.room.state["mode"] == "wartime" and set(ids) <= set(rw.room.state["cases"])
        rows = {rw.queue.model.case_id(r) for r in range(rw.queue.model.rowCount())}
        assert set(ids) <= rows
        assert "W01" in rw.map.track_items and rw.map.track_items["W01"].path().elementCount() >= 9
        assert rw.room.now() == marks["shift_to"] - 1 or abs(rw.room.now() - (marks["shift_to"] - 1)) < 2
        # back to the middle: the first case is there, not yet closed; the track is shorter
        rw.slider.setValue(int(marks["mid"] - rw.replay.lo) + 1)
        loop.pump(0.05)
        assert rw.room.state["cases"][ids[0]]["status"] != "closed" and rw.room.state["mode"] == "peacetime"
        assert len(rw.replay.track("W01", rw.room.now())) == 6
        # dragged: the room follows the handle while it moves, and lands where it is let go
        rw.slider.setSliderDown(True)
        rw.slider.setValue(rw.slider.maximum())
        loop.wait(lambda: rw.room.state["mode"] == "wartime", what="the room followed the drag")
        rw.slider.setValue(int(marks["mid"] - rw.replay.lo) + 1)
        rw.slider.setSliderDown(False)
        assert rw.room.state["mode"] == "peacetime" and len(rw.replay.track("W01", rw.room.now())) == 6
        # a P1 case reported in the range: shown in the replay, not an alert in the live room
        p1 = marks["ids"][2]
        rw.seek(marks["shift_from"])
        rw.speed.setCurrentIndex(rw.speed.findData(60))
        rw.toggle_play()
        rw.step(60.0)                              # the first hour at 60x, past the reports
        loop.pump(0.1)
        assert rw.room.state["cases"][p1]["priority"] == 1 and p1 in rw.room.open_ids
        assert len(win.alerts.alerts) == live_alerts
        rw.pause()
        rw.slider.setValue(int(marks["mid"] - rw.replay.lo) + 1)
        # play at 60x: 10 s of real time are 10 minutes of the shift
        rw.speed.setCurrentIndex(rw.speed.findData(60))
        rw.toggle_play()
        assert rw.playing and rw.play_button.text() == "Pause"
        t0 = rw.room.now()
        rw.step(10.0)
        assert abs(rw.room.now() - (t0 + 600)) < 1.0
        assert rw.slider.value() == int(rw.room.now() - rw.replay.lo)
        rw.pause()
        # read-only: no command line, the dispatch keys and a double-click on a squad issue nothing
        assert not [e for e in rw.findChildren(QLineEdit) if e.objectName() == "CommandLine"]
        assert not any(rw.room.may(c) for c in ("case.dispatch", "case.accept", "case.close", "mode.set"))
        head = srv.hub.head
        rw.queue.view.setFocus()
        for key in (Qt.Key.Key_D, Qt.Key.Key_A, Qt.Key.Key_F2, Qt.Key.Key_F3, Qt.Key.Key_Return):
            qtbot.keyClick(rw.queue.view, key)
        tile = next(iter(rw.roster.tiles.values()))
        qtbot.mouseDClick(tile, Qt.MouseButton.LeftButton, pos=QPoint(10, 10))
        loop.pump(0.2)
        assert srv.hub.head == head and not win.link.link.pending_commands() and win.dialog is None
        # the live room did not move with the replay; its alerts did not hear the replay's events
        assert live.state["seq"] == live_seq and len(win.alerts.alerts) == live_alerts
        assert live.state["mode"] == "wartime"
        # and it goes on live: a command now reaches it, not the replay
        seq = live.state["seq"]
        win.link.submit("mode.set", {"mode": "peacetime"})
        loop.wait(lambda: live.state["seq"] > seq and live.state["mode"] == "peacetime", what="live event")
        assert rw.room.state["seq"] < seq + 1 and rw.room.state is not live.state
        # screenshots, both languages
        SHOTS.mkdir(parents=True, exist_ok=True)
        rw.slider.setValue(int(marks["mid"] - rw.replay.lo) + 60)
        rw.resize(1500, 920)
        loop.pump(1.3)                     # (the dashboard refreshes once a second)
        rw.grab().save(str(SHOTS / "replay-en.png"))
        from app import i18n
        i18n.install("zh_CN")
        try:
            zh = win.open_replay()
            zh.set_range(marks["shift_from"], marks["shift_to"])
            zh.load()
            loop.wait(lambda: zh.replay is not None, what="the Chinese replay loaded")
            zh.slider.setValue(int(marks["mid"] - zh.replay.lo) + 60)
            zh.resize(1500, 920)
            loop.pump(1.3)                     # (the dashboard refreshes once a second)
            assert "回放" in zh.banner.text() and "回放" in zh.windowTitle()
            zh.grab().save(str(SHOTS / "replay-zh_CN.png"))
            zh.close()
        finally:
            i18n.install("en")
        rw.close()
    finally:
        win.close()
        loop.run(win.link.shutdown())
        loop.run(cmds.close())
        loop.run(srv.stop())


def test_a_range_the_server_refuses_is_said_in_the_window(qtbot, loop, tmp_path):
    srv, clock, cmds, marks, win = _open(qtbot, loop, tmp_path)
    try:
        rw = win.open_replay()
        rw.set_range(marks["shift_to"], marks["shift_from"])
        rw.load()
        assert "after its start" in rw.status.text() and rw.replay is None
        rw.set_range(marks["shift_from"], marks["shift_from"] + 2 * DAY)
        rw.load()
        assert "at most 24 hours" in rw.status.text()
        # a range before the log began: the server's words are shown
        rw.set_range(marks["shift_from"] - 400 * DAY, marks["shift_from"] - 400 * DAY + 30 * MIN)
        rw.load()
        loop.wait(lambda: rw.load_button.isEnabled() and "Loading" not in rw.status.text(), what="answered")
        assert rw.replay is not None or "Could not load" in rw.status.text()
        rw.close()
    finally:
        win.close()
        loop.run(win.link.shutdown())
        loop.run(cmds.close())
        loop.run(srv.stop())


def test_a_range_from_before_the_street_was_loaded_shows_its_squads_and_map_once_it_is(qtbot, loop, tmp_path):
    """The demo's default range (the last 8 hours) begins before its street was loaded: the
    roster and the map were left empty while the queue and the figures filled."""
    import time

    from app import i18n
    from models.timeutil import epoch
    from server.app import XiaonaoServer
    from widgets.replay import ReplayWindow
    i18n.install("en")
    clock = Clock(time.time() + 1)
    srv = XiaonaoServer(make_db(tmp_path), "127.0.0.1", 0, clock=clock, data_dir=str(tmp_path / "files"))
    loop.run(srv.start())
    link = LinkService(f"ws://127.0.0.1:{srv.port}/ws", "lead", "lead-password", cache_path=tmp_path / "cache.db")
    room = RoomState()
    room.attach(link)
    link.start()
    rw = None
    try:
        loop.wait(lambda: link.status.state == "online" and room.state["teams"], what="online")
        loaded = next(e for e in srv.store.events_after(0, limit=20) if e["name"] == "street.loaded")
        rw = ReplayWindow(link, room)
        qtbot.addWidget(rw)
        rw.set_range(epoch(loaded["at"]) - 10 * MIN, clock())
        rw.load()
        loop.wait(lambda: rw.replay is not None, what="the replay loaded")
        assert not rw.room.state["teams"] and not rw.roster.tiles          # no street yet at the start
        rw.slider.setValue(rw.slider.maximum())                             # past the street's loading
        squads = set(room.state["teams"])
        loop.wait(lambda: set(rw.room.state["teams"]) == squads, what="the replayed street")
        assert set(rw.roster.tiles) == squads
        assert set(rw.map.team_items) == squads
    finally:
        if rw is not None:
            rw.close()
        loop.run(link.shutdown())
        loop.run(srv.stop())
