"""Painted: from an intake sending case.report to the case's row painted in a real cockpit
window (offscreen), p50/p99."""
from __future__ import annotations

import asyncio
import os
import tempfile
import time
from pathlib import Path

from .common import ServerProcess, header, make_server_db, paced_reports, summary


def main(n: int = 150, rate: float = 10.0):
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    import qasync
    from PySide6.QtCore import QEvent, QObject, QSettings
    from PySide6.QtWidgets import QApplication
    app = QApplication.instance() or QApplication([])
    from app.gc_main import MainThreadGC
    app._gc = MainThreadGC(app)          # as the cockpit does
    from app.mainwindow import MainWindow
    from client.qtlink import LinkService
    from models.qt.room import RoomState, Selection
    from widgets.style import apply_theme
    apply_theme(app)
    header(f"painted: intake -> row painted in the cockpit ({n} cases at {rate:.0f}/s)")
    url = make_server_db()
    srv = ServerProcess(url).start()
    d = Path(tempfile.mkdtemp())
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    link = LinkService(srv.url, "op", "op-password")
    room, sel = RoomState(), Selection()
    room.attach(link)
    app._gc.follow(room)
    win = MainWindow(room, link, sel, QSettings(str(d / "s.ini"), QSettings.Format.IniFormat))
    win.resize(1920, 1080)
    win.show()
    sent: dict[str, float] = {}
    painted: list[float] = []
    seen: set[str] = set()
    by_case: dict[str, str] = {}

    def on_events(events):
        for e in events:
            if e["name"] == "case.reported" and e.get("command_id") in sent:
                by_case[e["data"]["case_id"]] = e["command_id"]

    room.sig_events.connect(on_events)

    class PaintWatch(QObject):
        def eventFilter(self, obj, ev):
            if ev.type() == QEvent.Type.Paint:
                t = time.perf_counter()
                for cid, cmd in list(by_case.items()):
                    if cmd not in seen and win.queue.model.row_of(cid) >= 0:
                        seen.add(cmd)
                        painted.append((t - sent[cmd]) * 1000)
            return False

    watch = PaintWatch()
    win.queue.view.viewport().installEventFilter(watch)
    link.start()

    async def go():
        while link.status.state != "online":
            await asyncio.sleep(0.02)
        await paced_reports(srv.url, sent, n, rate, lambda i: {
            "title": "井盖缺失", "category": "public_service", "source": "12345", "priority": 1,
            "location": {"address": f"顺福路{i + 1}号"}})

    try:
        loop.run_until_complete(go())
        print(f"painted: {summary(painted)}  (not painted: {n - len(painted)})", flush=True)
        loop.run_until_complete(link.shutdown())
    finally:
        srv.stop()


if __name__ == "__main__":
    main()
