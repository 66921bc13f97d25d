"""扫码打分 in the cockpit (pytest-qt, offscreen, the real window on the embedded demo server):
the operator shows and prints the rating code from the case detail, the resident rates
through the page over real HTTP, and the detail and the callback queue follow."""
from __future__ import annotations

import os

import pytest
from PySide6.QtPrintSupport import QPrinter

from .test_resident_rating import form, http

SHOTS = os.environ.get("XIAONAO_SHOTS")


def _case_by_title(room, title):
    return next((c for c in room.state["cases"].values() if c["title"] == title), None)


def resolved_case(win, loop, title, phone="13812345678"):
    """A case reported, dispatched, signed, on scene and fed back through the cockpit's own link."""
    link, room = win.link, win.room
    link.submit("case.report", {"title": title, "category": "dispute", "source": "12345", "priority": 3,
                                "location": {"address": "九和路120号"}, "reporter": {"name": "王女士", "phone": phone}})
    loop.wait(lambda: _case_by_title(room, title) and not _case_by_title(room, title).get("pending"),
              what="the case reported")
    cid = _case_by_title(room, title)["id"]
    free = next(t["id"] for t in room.state["teams"].values() if t["on_duty"] and not t["cases"])
    for name, args in [("case.dispatch", {"team_id": free}), ("case.sign", {}), ("case.arrive", {}),
                       ("case.feedback", {"note": "已调解"})]:
        link.submit(name, {"case_id": cid, **args})
    loop.wait(lambda: room.state["cases"][cid]["status"] == "resolved", what="fed back")
    return cid


@pytest.mark.gui
@pytest.mark.parametrize("lang", ["en", "zh_CN"])
def test_the_operator_shows_and_prints_the_code_and_the_residents_rating_lands(cockpit, loop, demo_server,
                                                                              tmp_path, lang):
    from app import i18n
    i18n.install(lang)
    win = cockpit
    try:
        cid = resolved_case(win, loop, f"楼道噪音扰民 {lang}")
        win.selection.set_case(cid)
        detail = win.panels["detail"]
        loop.wait(lambda: detail.case_id == cid, what="the detail shows the case")
        assert detail.rating_code.isVisibleTo(detail)
        dlg = detail.open_rating_code()
        loop.wait(lambda: dlg.data is not None or dlg.status.text(), what="the server's answer")
        assert dlg.data is not None, dlg.status.text()
        assert not dlg.qr.pixmap().isNull() and dlg.url.text().startswith("http://127.0.0.1:")
        assert dlg.print_btn.isEnabled()
        assert dlg.title.text().startswith(("Case C0", "案件 C0"))      # the id the room knows it by, not "#13"
        if SHOTS:
            dlg.grab().save(os.path.join(SHOTS, f"rating_code_dialog_{lang}.png"))
        pdf = tmp_path / "card.pdf"
        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
        printer.setOutputFileName(str(pdf))
        assert dlg.print_on(printer) and pdf.stat().st_size > 2000
        case = win.room.state["cases"][cid]
        assert case["rating_link"]["by"] == win.room.user
        # shown again: the same code
        again = detail.open_rating_code()
        loop.wait(lambda: again.data is not None, what="shown again")
        assert again.data["token"] == dlg.data["token"] and not again.data["new"]
        dlg.close()
        again.close()
        # the resident rates on the page (real HTTP to the same port)
        port = int(demo_server.url.split(":")[2].split("/")[0])
        body, h = form(rating="5", note="很及时", lang="zh_CN")
        status, _hdrs, _ = loop.run(http(port, "POST", "/r/" + again.data["token"], body, h))
        assert status == 303
        loop.wait(lambda: win.room.state["cases"][cid].get("rating") == 5, what="the rating reaches the cockpit")
        detail.show_case(cid)
        text = detail.field_text("rating")
        assert text.startswith("★★★★★")
        assert (("QR" in text) if lang == "en" else ("扫码" in text)), text
        lines = [detail.timeline.item(i).text() for i in range(detail.timeline.count())]
        assert any("★★★★★" in line for line in lines)
        assert not detail.rating_code.isVisibleTo(detail)       # rated: no code to show
        # closed, it never reaches the callback queue: the resident already rated it
        win.link.submit("case.close", {"case_id": cid, "resolution": "办结"})
        loop.wait(lambda: win.room.state["cases"][cid]["status"] == "closed", what="closed")
        callback = win.panels["callback"]
        callback.refresh()
        assert cid not in [c["id"] for c in callback.queue(None)]
        # the satisfaction tile says how today's closed cases were rated
        dash = win.panels["dashboard"]
        dash.refresh()
        tip = dash.tiles["satisfaction"].toolTip()
        assert ("1 by the resident's QR code" in tip) if lang == "en" else ("居民扫码 1 件" in tip), tip
    finally:
        i18n.install("en")


@pytest.mark.gui
def test_a_refusal_is_said_in_the_dialog(cockpit, loop):
    win = cockpit
    link, room = win.link, win.room
    title = "未处置的案件"
    link.submit("case.report", {"title": title, "category": "dispute", "source": "12345", "priority": 3,
                                "location": {"address": "九和路120号"}})
    loop.wait(lambda: _case_by_title(room, title) and not _case_by_title(room, title).get("pending"), what="reported")
    case = _case_by_title(room, title)
    from widgets.rating_code import RatingCodeDialog
    dlg = RatingCodeDialog(case, link, parent=win)      # (the detail offers no button for it: not fed back)
    loop.wait(lambda: dlg.status.text(), what="the refusal")
    assert dlg.data is None and "refused" in dlg.status.text() and "cannot" in dlg.status.text()
    assert not dlg.print_btn.isEnabled()
    dlg.close()
