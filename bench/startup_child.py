"""The cockpit's start-up in a fresh process, as `xiaonao` does it, timed from the launch.

`python -m bench.startup_child CACHE LAUNCHED N`: LAUNCHED is the parent's time.time() just
before it started this process; prints one JSON line of marks (seconds after launch).
"""
from __future__ import annotations

import json
import os
import sys
import time


def main(cache: str, launched: float, n: int) -> None:
    marks = {"interpreter": time.time() - launched}
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    import asyncio

    import qasync
    from PySide6.QtCore import QSettings, QTimer
    from PySide6.QtWidgets import QApplication

    from app import i18n
    from widgets.style import apply_theme
    app = QApplication(sys.argv[:1])
    from app.gc_main import MainThreadGC
    app._gc = MainThreadGC(app)
    i18n.install("zh_CN")
    apply_theme(app)
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    from client.qtlink import LinkService
    from models.qt.room import RoomState, Selection
    link = LinkService("ws://127.0.0.1:9/ws", "op", "x", cache_path=cache)
    room, sel = RoomState(), Selection()
    room.attach(link)
    app._gc.follow(room)
    marks["qt_and_link"] = time.time() - launched
    from app.mainwindow import MainWindow
    marks["imports"] = time.time() - launched
    d = os.path.dirname(cache)
    win = MainWindow(room, link, sel, QSettings(os.path.join(d, "s.ini"), QSettings.Format.IniFormat))
    win.resize(1920, 1080)
    win.show()
    marks["window"] = time.time() - launched
    model = win.queue.model
    first: list = []

    def frame():
        """The next pass of the event loop after the cached state is shown: where Qt paints
        it. The window is rendered (grab) and its rows noted."""
        if first or model.rowCount() < 1:
            return
        first.extend(model.case_id(r) for r in range(40))
        marks["rows"] = time.time() - launched
        win.grab()
        marks["first_frame"] = time.time() - launched
        marks["hot_cases"] = model.rowCount()
    room.sig_reset.connect(lambda: (marks.setdefault("shown", time.time() - launched), QTimer.singleShot(0, frame)))
    link.start()

    async def measure():
        while not first:
            await asyncio.sleep(0.01)
        await link.link.history_loaded.wait()
        while model.rowCount() < n:               # the queue adds the last page's rows
            await asyncio.sleep(0.01)
        marks["all"] = time.time() - launched
        marks["same_top_rows"] = first == [model.case_id(r) for r in range(40)]
        await link.shutdown()
    loop.run_until_complete(measure())
    print(json.dumps(marks), flush=True)


if __name__ == "__main__":
    main(sys.argv[1], float(sys.argv[2]), int(sys.argv[3]))
