"""The admin screen and the link indicator's words (issue 13, items 9 and 11), offscreen,
against the real server: an admin disables a user from the cockpit and the user's live
session ends at once; a weak password is refused with the reason; a TLS failure is told
in words, in both languages."""
from __future__ import annotations

import os

import pytest
from PySide6.QtCore import QObject, QSettings, Signal

from client.qtlink import LinkService
from client.session import LinkStatus, ServerLink
from models.qt.room import RoomState, Selection

from .conftest import make_db
from .helpers import ServerThread
from .qtasync import QtLoop


class StatusOnly(QObject):
    """What the indicator reads of a link: its status and the signal that it changed."""
    sig_link = Signal(object)

    def __init__(self):
        super().__init__()
        self.status = LinkStatus()


SHOTS = os.environ.get("XIAONAO_SHOTS")          # a folder: the screens are saved there to be looked at


@pytest.fixture
def loop(qapp):
    lp = QtLoop(qapp)
    yield lp
    lp.close()


@pytest.mark.parametrize("lang", ["en", "zh_CN"])
def test_an_admin_disables_a_user_from_the_cockpit(qtbot, loop, tmp_path, lang):
    from app import i18n
    from app.mainwindow import MainWindow
    i18n.install(lang)
    srv = ServerThread(make_db(tmp_path)).start()
    try:
        link = LinkService(srv.url, "admin", None, srv.issue_token("admin"))
        room = RoomState()
        room.attach(link)
        win = MainWindow(room, link, Selection(), QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat))
        qtbot.addWidget(win)
        win.show()
        link.start()
        op = ServerLink(srv.url, "op", None, token=srv.issue_token("op"))
        op_task = loop.loop.create_task(op.run())
        loop.wait(lambda: link.status.state == "online" and op.status.state == "online", what="both online")
        loop.wait(lambda: win.users_action.isVisible(), what="the admin's Users action")
        win.open_users()
        dlg = win.users_dialog
        loop.wait(lambda: len(dlg.users) >= 7, what="users listed")
        dlg.select("op")
        assert dlg.toggle_button.isEnabled()
        dlg.toggle_button.click()
        loop.wait(lambda: op.status.state == "auth_failed", what="op's session ended")
        loop.wait(lambda: any(u["name"] == "op" and u["disabled"] for u in dlg.users), what="shown disabled")
        assert "op" in dlg.message.text()
        dlg.select("lead")
        dlg.show_message("")
        dlg.password.setText("12345678")
        dlg.password_button.click()
        loop.wait(lambda: dlg.message.text() != "", what="the answer")
        assert "12" in dlg.message.text() and dlg.password.text() == ""      # refused, with the reason
        dlg.show_message("")
        dlg.password.setText("password2026")          # long enough, but on the common list: the server says so
        dlg.password_button.click()
        loop.wait(lambda: dlg.message.text() != "", what="the server's answer")
        if lang == "zh_CN":                           # in the user's language, not the server's English
            assert "常见" in dlg.message.text() and "password" not in dlg.message.text(), dlg.message.text()
        else:
            assert "too common" in dlg.message.text()
        dlg.show_message("")
        dlg.select("op")                              # a grid the street does not have: the server's
        dlg.role.setCurrentIndex(dlg.role.findData("community"))      # reason, in the user's words
        dlg.grids.setText("G99")
        dlg.role_button.click()
        loop.wait(lambda: dlg.message.text() != "", what="the role change's answer")
        said = dlg.message.text()
        assert "G99" in said and "G01" in said, said
        if lang == "zh_CN":
            assert "网格" in said and "street" not in said, said
        else:
            assert "no grid G99 in this street" in said, said
        assert any(u["name"] == "op" and u["role"] == "operator" for u in dlg.users)
        if SHOTS:
            dlg.grab().save(os.path.join(SHOTS, f"users_{lang}.png"))
        if lang == "zh_CN":
            assert "用户" in dlg.windowTitle()
        win.close()
        loop.run(op.stop())
        op_task.cancel()
        loop.run(link.shutdown())
    finally:
        srv.stop()
        i18n.install("en")


@pytest.mark.parametrize("lang", ["en", "zh_CN"])
def test_the_link_indicator_says_why_in_words(qapp, lang):
    from app import i18n
    from widgets.link_indicator import LinkIndicator
    i18n.install(lang)
    try:
        ind = LinkIndicator(StatusOnly(), RoomState())
        tls = LinkStatus(state="reconnecting", offline_since=1.0, error="tls",
                         message="certificate verify failed: unable to get local issuer certificate")
        insecure = LinkStatus(state="auth_failed", error="insecure", message="refusing …")
        _k, text = ind.describe(tls)
        _k2, text2 = ind.describe(insecure)
        assert "unable to get local issuer certificate" in text and "--ca" in text
        assert "wss://" in text2 and "--insecure" in text2
        if lang == "zh_CN":
            assert "证书" in text and "未加密" in text2
        else:
            assert "certificate" in text and "unencrypted" in text2
    finally:
        i18n.install("en")


@pytest.mark.parametrize("lang", ["en", "zh_CN"])
def test_the_link_indicator_tells_a_background_job_that_failed(qtbot, lang, tmp_path):
    """A job of the link that failed is said beside the link's state, in words: the session's
    token not kept (no keyring: the password is asked for at the next start), or another job;
    the cache's own problem keeps its words."""
    from app import i18n
    from widgets.link_indicator import LinkIndicator
    i18n.install(lang)
    try:
        link = StatusOnly()
        ind = LinkIndicator(link, RoomState())
        qtbot.addWidget(ind)
        ind.resize(1100, 40)
        ind.show()
        assert "⚠" not in ind.text()
        link.status = LinkStatus(state="online", rtt_ms=12.0, task="token",
                                 task_error="RuntimeError: no Secret Service on this bus")
        link.sig_link.emit(link.status)
        token_text = ind.text()
        assert "no Secret Service on this bus" in token_text
        ind.grab().save(os.path.join(SHOTS or str(tmp_path), f"link_task_token_{lang}.png"))
        link.status = LinkStatus(state="online", task="link", task_error="ValueError: <bad> frame")
        link.sig_link.emit(link.status)
        assert "&lt;bad&gt; frame" in ind.text()
        if lang == "zh_CN":
            assert "密钥环" in token_text and "重新输入密码" in token_text and "后台任务失败" in ind.text()
        else:
            assert "keyring" in token_text and "password is asked for again" in token_text
            assert "background job of the link failed" in ind.text()
        link.status = LinkStatus(state="online")
        link.sig_link.emit(link.status)
        assert "⚠" not in ind.text()
    finally:
        i18n.install("en")


def test_an_admin_binds_a_user_to_a_department_and_to_grids(qtbot, loop, tmp_path):
    """The users dialog shows the department list for a department, a grids field for a
    community; the server keeps the binding, and refuses a grid the street does not have."""
    from app.mainwindow import MainWindow
    from server.store import EventStore
    url = make_db(tmp_path)
    srv = ServerThread(url).start()
    try:
        link = LinkService(srv.url, "admin", None, srv.issue_token("admin"))
        room = RoomState()
        room.attach(link)
        win = MainWindow(room, link, Selection(), QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat))
        qtbot.addWidget(win)
        win.show()
        link.start()
        loop.wait(lambda: link.status.state == "online" and win.users_action.isVisible(), what="online, an admin")
        win.open_users()
        dlg = win.users_dialog
        loop.wait(lambda: len(dlg.users) >= 7, what="users listed")
        dlg.select("op")
        dlg.role.setCurrentIndex(dlg.role.findData("department"))
        assert dlg.department.isVisibleTo(dlg) and not dlg.grids.isVisibleTo(dlg) and not dlg.team.isVisibleTo(dlg)
        dlg.department.setCurrentIndex(dlg.department.findData("police"))
        dlg.role_button.click()
        loop.wait(lambda: any(u["name"] == "op" and u["role"] == "department" for u in dlg.users), what="op a department")
        assert next(u for u in dlg.users if u["name"] == "op")["department"] == "police"
        row = next(i for i, u in enumerate(dlg.users) if u["name"] == "op")
        assert dlg.table.item(row, 2).text() == "police"
        dlg.select("lead")
        dlg.role.setCurrentIndex(dlg.role.findData("community"))
        assert dlg.grids.isVisibleTo(dlg) and not dlg.department.isVisibleTo(dlg)
        dlg.grids.setText("G01,G99")
        dlg.show_message("")
        dlg.role_button.click()
        loop.wait(lambda: dlg.message.text() != "", what="the refusal")
        assert "G99" in dlg.message.text()
        dlg.role.setCurrentIndex(dlg.role.findData("community"))     # the dialog shows lead's role again
        dlg.grids.setText("G01,G02")
        dlg.role_button.click()
        loop.wait(lambda: any(u["name"] == "lead" and u["role"] == "community" for u in dlg.users), what="lead bound")
        if SHOTS:
            dlg.grab().save(os.path.join(SHOTS, "users_bindings_en.png"))
        win.close()
        loop.run(link.shutdown())
    finally:
        srv.stop()
    store = EventStore(url)
    try:
        assert store.get_user("lead")["grids"] == ["G01", "G02"] and store.get_user("op")["department"] == "police"
    finally:
        store.dispose()
