"""执法手册 in the cockpit (pytest-qt, offscreen, the real window and the real server): the
operator ticks a case's checklist from the detail and sees who ticked what; an admin edits a
category's guide in the admin screen, a refusal is said in words, and another cockpit shows
the edit at once."""
from __future__ import annotations

import os

import pytest
from PySide6.QtCore import QSettings, Qt

from client.qtlink import LinkService
from models.qt.room import RoomState, Selection

from .conftest import make_db
from .test_admin_screen import ServerThread
from .test_resident_cockpit import _case_by_title

SHOTS = os.environ.get("XIAONAO_SHOTS")


def window(qtbot, loop, srv, user, tmp_path):
    from app.mainwindow import MainWindow
    link = LinkService(srv.url, user, None, srv.issue_token(user), cache_path=tmp_path / f"{user}-cache.db")
    room, sel = RoomState(), Selection()
    room.user = user
    room.attach(link)
    win = MainWindow(room, link, sel, QSettings(str(tmp_path / f"{user}.ini"), QSettings.Format.IniFormat))
    qtbot.addWidget(win)
    win.show()
    link.start()
    loop.wait(lambda: link.status.state == "online" and room.state["teams"], what=f"{user} online")
    return win


@pytest.mark.gui
@pytest.mark.parametrize("lang", ["en", "zh_CN"])
def test_the_room_ticks_the_checklist_and_an_admin_edits_the_guide(qtbot, loop, tmp_path, lang):
    from app import i18n
    i18n.install(lang)
    srv = ServerThread(make_db(tmp_path)).start()
    wins = []
    try:
        op = window(qtbot, loop, srv, "op", tmp_path)
        wins.append(op)
        op.link.submit("case.report", {"title": "燃气泄漏", "category": "emergency", "source": "110", "priority": 1,
                                       "location": {"address": "九和路120号"}})
        loop.wait(lambda: _case_by_title(op.room, "燃气泄漏") and not _case_by_title(op.room, "燃气泄漏").get("pending"),
                  what="reported")
        cid = _case_by_title(op.room, "燃气泄漏")["id"]
        for name, args in [("case.dispatch", {"team_id": "W01"}), ("case.sign", {}), ("case.arrive", {})]:
            op.link.submit(name, {"case_id": cid, **args})
        loop.wait(lambda: op.room.state["cases"][cid]["status"] == "on_scene", what="on scene")
        op.selection.set_case(cid)
        box = op.panels["detail"].guide
        loop.wait(lambda: box.case is not None and box.case["id"] == cid, what="the guide shown")
        assert box.isVisibleTo(op.panels["detail"]) and box.need.isVisibleTo(box)
        from widgets.style import P
        assert f"color:{P['accent']}" in box.checklist.text()      # the items to tick readable on the dark theme
        assert ("立即报告值班长" if lang == "zh_CN" else "Report to the shift leader") in box.need.text()
        # feedback before the required items: refused in the detail, in words
        detail = op.panels["detail"]
        detail.text.setText("已处置")
        detail.act("case.feedback")
        loop.wait(lambda: "refused" in detail.error.text() or "拒绝" in detail.error.text(), what="refused")
        assert op.room.state["cases"][cid]["status"] == "on_scene"
        box.toggle("em1")
        box.toggle("em3")
        loop.wait(lambda: set(op.room.state["cases"][cid].get("checklist") or {}) == {"em1", "em3"}, what="ticked")
        loop.wait(lambda: not box.need.isVisibleTo(box), what="nothing required left")
        assert "☑" in box.checklist.text() and "op" in box.checklist.text()
        lines = [detail.timeline.item(i).text() for i in range(detail.timeline.count())]
        assert any("☑" in line and "立即报告值班长" in line for line in lines)
        if SHOTS:
            box.grab().save(os.path.join(SHOTS, f"guide_box_{lang}.png"))

        # the admin edits the emergency guide; an operator's cockpit shows the edit at once
        admin = window(qtbot, loop, srv, "admin", tmp_path)
        wins.append(admin)
        loop.wait(lambda: admin.guides_action.isVisible(), what="the admin's action")
        assert not op.guides_action.isVisible()
        admin.open_guides()
        ed = admin.guides_dialog
        ed.select("emergency")
        assert ed.items.rowCount() == 5 and ed.items.item(0, 2).checkState() == Qt.CheckState.Checked
        # a refusal in words before anything is sent: an item without its English words
        ed.add_item("拍摄现场照片", "", False)
        assert ed.save() is None and ("English" in ed.message.text() or "英文" in ed.message.text())
        ed.items.item(5, 1).setText("Photograph the scene")
        ed.guide.setPlainText("先救人，后处置；立即报告值班长。")
        ed.items.setCurrentCell(5, 0)
        ed.move_item(-1)                                    # the new item goes up one
        assert ed.guide_args()["items"][4]["zh"] == "拍摄现场照片"
        ed.save()
        loop.wait(lambda: "guidance" in op.room.state and "emergency" in op.room.state["guidance"],
                  what="the edit reaches the operator")
        loop.wait(lambda: ed.message.property("kind") == "ok", what="saved")
        assert "先救人" in box.guide.text() or lang == "en"
        op_box_items = box.item_ids()
        assert len(op_box_items) == 6 and op_box_items[:2] == ["em1", "em2"]
        assert ed.reset_button.isEnabled()
        if SHOTS:
            ed.grab().save(os.path.join(SHOTS, f"guidance_editor_{lang}.png"))
        # the server has the last word: the same guide again changes nothing (refused, said so)
        ed.save()
        loop.wait(lambda: ed.message.property("kind") == "error", what="refused")
        assert "nothing changed" in ed.message.text()
        ed.reset()
        loop.wait(lambda: "emergency" not in (op.room.state.get("guidance") or {}), what="back to the shipped one")
        loop.wait(lambda: len(box.item_ids()) == 5, what="the operator's box follows")
    finally:
        for w in wins:
            w.close()
            loop.run(w.link.shutdown())
        srv.stop()
        i18n.install("en")
