"""Dashboard and wall: time per redraw at 1920x1080 and 3840x2160 on a busy day's data."""
from __future__ import annotations

import asyncio
import os
import time
from datetime import datetime

from .common import header, pct


def busy_day_state():
    from server.app import XiaonaoServer
    from server.simulator import SimClock, Simulator

    from .common import make_server_db
    url = make_server_db()

    async def go():
        now = time.time()
        start = datetime.fromtimestamp(now).replace(hour=0, minute=0, second=0).timestamp()
        clock = SimClock(start)
        clock.manual = start
        srv = XiaonaoServer(url, port=0, clock=clock)
        await srv.start()
        sim = Simulator(srv.hub, seed=5, clock=clock, cases_per_day=900)   # a busy day
        await sim.run_until(now)
        state = srv.hub.state
        await srv.stop()
        return state
    return asyncio.run(go())


def main(frames: int = 30):
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication
    app = QApplication.instance() or QApplication([])
    from app.wall import WallWindow
    from models.qt.room import RoomState
    from widgets.style import apply_theme
    apply_theme(app)

    class NoLink:
        from PySide6.QtCore import QObject, Signal

        class _S(QObject):
            from PySide6.QtCore import Signal
            sig_link = Signal(object)
            sig_command = Signal(str, str, object)
        _s = _S()
        sig_link = _s.sig_link
        sig_command = _s.sig_command
        from client.session import LinkStatus
        status = LinkStatus(state="online", rtt_ms=2.0)

    state = busy_day_state()
    import gc
    gc.collect()
    gc.disable()          # as in the cockpit (app/gc_main.py): collections on a timer, not mid-frame
    gc.freeze()
    header(f"wall redraw on a busy day ({len(state['cases'])} cases so far today)")
    for w, h in ((1920, 1080), (3840, 2160)):
        room = RoomState()
        room.reset(state)
        win = WallWindow(room, NoLink(), scale=h / 1080 * 1.35, rotate_s=3600)
        win.resize(w, h)
        win.show()
        app.processEvents()
        for page in range(win.pages.count()):
            win._show_page(page)
            panel = win.pages.currentWidget()
            dash = panel if hasattr(panel, "refresh") else None
            compute, paint, live = [], [], []
            for _ in range(frames):
                t = time.perf_counter()
                if dash:
                    dash.refresh()
                else:
                    room.sig_tick.emit()
                t1 = time.perf_counter()
                win.grab()                       # the whole frame (a page change)
                t2 = time.perf_counter()
                compute.append((t1 - t) * 1000)
                paint.append((t2 - t1) * 1000)
            # the first repaint into the window after the grabs above paints all of it: that is
            # a whole frame (measured above), not a live second; it was the "one live second
            # in six" outlier of session 2
            room.sig_tick.emit()
            app.processEvents()
            for _ in range(frames):
                # a live second: the clock ticks, the figures refresh, and Qt repaints what
                # changed into the window's backing store
                time.sleep(0.02)
                t = time.perf_counter()
                room.sig_tick.emit()
                if dash:
                    dash.refresh()
                app.processEvents()
                live.append((time.perf_counter() - t) * 1000)
            over = sum(1 for p in paint if p > 16.7)
            over_live = sum(1 for p in live if p > 16.7)
            print(f"{w}x{h} page {page + 1} ({win.page_titles[page]}): whole frame p50 {pct(paint, 50):5.1f} ms "
                  f"p99 {pct(paint, 99):5.1f} ms, over 16.7 ms: {over}/{frames} | live second (data + repaint) "
                  f"p50 {pct(live, 50):5.1f} ms p99 {pct(live, 99):5.1f} ms, over 16.7 ms: {over_live}/{frames} | "
                  f"data refresh alone p50 {pct(compute, 50):5.1f} ms", flush=True)
        win.close()
        app.processEvents()


if __name__ == "__main__":
    main()
