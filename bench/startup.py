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
    cache.save_snapshot(st["seq"], Cache.state_json(st))
    print(f"(writing the cache snapshot took {time.perf_counter() - t:.2f} s)")
    cache.close()
    del st
    import asyncio

    import qasync
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication
    t0 = time.perf_counter()
    app = QApplication.instance() or QApplication([])
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
    win = MainWindow(room, link, sel, QSettings(str(d / "s.ini"), QSettings.Format.IniFormat))
    win.show()
    t_window = time.perf_counter()
    link.start()

    async def until_loaded():
        while win.queue.model.rowCount() < n:
            await asyncio.sleep(0.005)

    loop.run_until_complete(until_loaded())
    win.grab()                       # the frame, outside any coroutine
    t_frame = time.perf_counter()
    print(f"window built {t_window - t0:.2f} s; first frame with {win.queue.model.rowCount():,} cases "
          f"{t_frame - t0:.2f} s after start", flush=True)
    loop.run_until_complete(link.shutdown())


if __name__ == "__main__":
    main()
