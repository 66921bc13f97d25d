"""Dispatch while the case changes under the operator (another console, a squad's terminal,
the demo's simulator): Enter does not send blindly. The dialog says the case was dispatched
meanwhile and a second Enter re-dispatches; the squad it is already with is not sent again;
a case transferred meanwhile cannot be dispatched. Driven on the real window, outcomes checked in
the room the server sends."""
from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtCore import Qt

SHOTS = Path(os.environ.get("XIAONAO_SHOTS", "/tmp"))


def _shot(widget, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    widget.grab().save(str(SHOTS / f"dispatch-{name}.png"))


def _report(win, loop, address: str) -> str:
    room, link = win.room, win.link
    link.submit("case.report", {"title": "占道经营", "category": "city_management", "source": "12345", "priority": 3,
                                "location": {"address": address}})
    loop.wait(lambda: any(c["location"]["address"] == address and not c.get("pending")
                          for c in room.state["cases"].values()), what="the case reported")
    return next(c["id"] for c in room.state["cases"].values() if c["location"]["address"] == address)


def _rows(dlg) -> list[str]:
    return [dlg.list.item(i).data(Qt.ItemDataRole.UserRole) for i in range(dlg.list.count())]


def _choose(dlg, tid: str) -> None:
    dlg.list.setCurrentRow(_rows(dlg).index(tid))


def _dispatched_elsewhere_while_open(win, loop, address: str, chosen: str | None = None):
    """A new case reported and selected, its dispatch dialog opened (nothing to warn about
    yet), the operator's choice made (`chosen`: "first" or "other" of the dialog's first two
    squads, or none); then someone else dispatches it to the first squad while the dialog is
    open. Returns (case id, the dialog, first squad, other squad)."""
    room, link = win.room, win.link
    cid = _report(win, loop, address)
    win.selection.set_case(cid)
    win.open_dispatch(cid)
    dlg = win.dialog
    assert not dlg.warning.isVisible()          # a new case: nothing to warn about
    first, other = _rows(dlg)[:2]
    if chosen is not None:
        _choose(dlg, {"first": first, "other": other}[chosen])
    link.submit("case.dispatch", {"case_id": cid, "team_id": first})
    loop.wait(lambda: room.state["cases"][cid]["team_id"] == first, what="dispatched elsewhere")
    return cid, dlg, first, other


def test_a_case_dispatched_meanwhile_is_said_and_a_second_enter_redispatches(cockpit, loop, qtbot):
    win = cockpit
    room = win.room
    # someone else dispatches it to the first squad while the dialog is open
    cid, dlg, first, other = _dispatched_elsewhere_while_open(win, loop, "九堡大道18号")
    # Enter on that same squad: nothing is sent, the dialog says why and stays
    _choose(dlg, first)
    qtbot.keyClick(dlg.list, Qt.Key.Key_Return)
    assert dlg.isVisible() and "already with" in dlg.warning.text() and first in dlg.warning.text()
    # another squad: sent (the operator has been told), the case moves to it
    _choose(dlg, other)
    qtbot.keyClick(dlg.list, Qt.Key.Key_Return)
    assert not dlg.isVisible()
    loop.wait(lambda: room.state["cases"][cid]["team_id"] == other, what="re-dispatched to the chosen squad")


def test_dispatched_meanwhile_to_another_squad_asks_once_then_sends(cockpit, loop, qtbot):
    win = cockpit
    room = win.room
    # the operator has chosen another squad when someone else dispatches it to the first
    cid, dlg, first, other = _dispatched_elsewhere_while_open(win, loop, "九堡大道20号", chosen="other")
    qtbot.keyClick(dlg.list, Qt.Key.Key_Return)
    assert dlg.isVisible() and "dispatched meanwhile" in dlg.warning.text() and first in dlg.warning.text()
    _shot(dlg, "meanwhile-en")
    assert room.state["cases"][cid]["team_id"] == first        # nothing sent by that Enter
    qtbot.keyClick(dlg.list, Qt.Key.Key_Return)
    assert not dlg.isVisible()
    loop.wait(lambda: room.state["cases"][cid]["team_id"] == other, what="the second Enter re-dispatched")
    # opened again on the dispatched case: it says whom it is with and does not preselect that squad
    win.open_dispatch(cid)
    again = win.dialog
    assert again.warning.isVisible() and "already with" in again.warning.text() and other in again.warning.text()
    assert again.chosen_team() != other
    again.reject()


def test_a_case_transferred_meanwhile_cannot_be_dispatched(cockpit, loop, qtbot):
    from app import i18n
    win = cockpit
    room, link = win.room, win.link
    cid = _report(win, loop, "九堡大道22号")
    win.open_dispatch(cid)
    dlg = win.dialog
    link.submit("case.transfer", {"case_id": cid, "to": "police", "note": "请派出所处置"})
    loop.wait(lambda: room.state["cases"][cid]["status"] == "transferred", what="transferred elsewhere")
    qtbot.keyClick(dlg.list, Qt.Key.Key_Return)
    assert dlg.isVisible() and "cannot be dispatched" in dlg.warning.text()
    assert room.state["cases"][cid]["status"] == "transferred" and not room.state["cases"][cid].get("team_id")
    dlg.reject()
    i18n.install("zh_CN")
    try:
        win.open_dispatch(cid)
        zh = win.dialog
        qtbot.keyClick(zh.list, Qt.Key.Key_Return)
        assert zh.isVisible() and "不能派单" in zh.warning.text()
        _shot(zh, "transferred-zh_CN")
        zh.reject()
    finally:
        i18n.install("en")


def test_the_squads_list_follows_the_squads_while_open_and_keeps_the_highlight(cockpit, loop, qtbot):
    """A squad that becomes busy, or goes off duty, while the operator chooses: its row says so
    at once, in place; the highlighted squad stays highlighted; the case dispatched meanwhile is
    said before Enter."""
    win = cockpit
    room, link = win.room, win.link
    cid = _report(win, loop, "九堡大道24号")
    win.open_dispatch(cid)
    dlg = win.dialog
    rows = _rows(dlg)
    chosen, busy, off = rows[0], rows[1], next(t for t in rows[2:] if not room.state["teams"][t]["cases"])
    _choose(dlg, chosen)
    text = {t: dlg.list.item(rows.index(t)).text() for t in rows}
    assert "Available" in text[busy]
    link.submit("team.status", {"team_id": busy, "status": "busy"})
    link.submit("team.duty", {"team_id": off, "on_duty": False})
    loop.wait(lambda: "Busy" in dlg.list.item(rows.index(busy)).text(), what="the busy squad's row")
    loop.wait(lambda: "off duty" in dlg.list.item(rows.index(off)).text(), what="the off-duty squad's row")
    assert _rows(dlg) == rows and dlg.chosen_team() == chosen       # nothing moved under the operator
    assert dlg.list.item(rows.index(chosen)).text() == text[chosen]
    link.submit("case.dispatch", {"case_id": cid, "team_id": busy})
    loop.wait(lambda: dlg.warning.isVisible() and "dispatched meanwhile" in dlg.warning.text(),
              what="the dispatch meanwhile said before Enter")
    _shot(dlg, "live-rows-en")
    dlg.reject()
