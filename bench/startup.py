"""Start-up: from an empty process state to the first frame showing 100k cached cases,
with the server unreachable (the cockpit must start on its cache)."""
from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

from .common import header


def main(n: int = 100_000):
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from client.cache import Cache
    from .synth import synth_state
    header(f"start-up: first frame showing {n:,} cached cases (server unreachable)")
    d = Path(tempfile.mkdtemp())
    cache = Cache(d / "cache.db")
    st = synth_state(n)
    t = time.perf_counter()
    cache.save_state(st)
    print(f"(writing the cache snapshot took {time.perf_counter() - t:.2f} s)")
    cache.close()
    del st
    import asyncio

    import qasync
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication
    t0 = time.perf_counter()
    app = QApplication.instance() or QApplication([])
    from app.gc_main import MainThreadGC
    app._gc = MainThreadGC(app)          # as the cockpit does
    from app.mainwindow import MainWindow
    from app.theme import apply_theme
    from client.qtlink import LinkService
    from models.qt.room import RoomState, Selection
    apply_theme(app)
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    link = LinkService("ws://127.0.0.1:9/ws", "op", "x", cache_path=d / "cache.db")
    room, sel = RoomState(), Selection()
    room.attach(link)
    app._gc.follow(room)
    win = MainWindow(room, link, sel, QSettings(str(d / "s.ini"), QSettings.Format.IniFormat))
    win.show()
    t_window = time.perf_counter()
    link.start()

    model = win.queue.model

    async def until_rows(k):
        while model.rowCount() < k:
            await asyncio.sleep(0.002)

    async def measure():
        # the first frame: the cache's hot part (open cases, the last day) with the room as
        # it will stay; the rows on screen are already the final ones (history sorts below)
        await until_rows(1)
        first_rows = [model.case_id(r) for r in range(40)]
        win.grab()
        t_frame = time.perf_counter()
        shown = model.rowCount()
        await until_rows(n)
        t_all = time.perf_counter()
        same = first_rows == [model.case_id(r) for r in range(40)]
        print(f"window built {t_window - t0:.2f} s; first frame {t_frame - t0:.2f} s after start "
              f"({shown:,} hot cases; the top 40 rows {'are' if same else 'are NOT'} the final ones); "
              f"all {model.rowCount():,} cases in the queue {t_all - t0:.2f} s after start", flush=True)
        await link.shutdown()

    loop.run_until_complete(measure())


if __name__ == "__main__":
    main()
