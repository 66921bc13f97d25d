"""Evidence detail: a case with 50 photos opened in a real cockpit window (offscreen), from
selecting the case to the detail laid out and to all 50 thumbnails painted: thumbnails
fetched from the server (cold), read from the local cache (a new cockpit on the same
cache file, whose thumbnail table is filled to its cap with other cases' thumbnails), and
already in memory (back to a case seen a moment ago). Goal: <= 200 ms."""
from __future__ import annotations

import asyncio
import os
import shutil
import tempfile
import time
import uuid
from pathlib import Path

from .common import ServerProcess, header, make_server_db

N_PHOTOS = 50


def _jpeg(i: int) -> bytes:
    import io

    from PIL import Image, ImageDraw
    im = Image.new("RGB", (1600, 1200), ((i * 37) % 255, (i * 91) % 255, (i * 53) % 255))
    ImageDraw.Draw(im).rectangle([400, 300, 900 + i * 5, 800], fill=(240, 220, 120))
    out = io.BytesIO()
    im.save(out, "JPEG", quality=85)
    return out.getvalue()


async def _case_with_photos(url: str, n: int) -> str:
    from client.files import FileClient
    from tests.conftest import RawClient
    op = await RawClient.connect(url, "op")
    await op.recv()
    ack, seen = await op.command("case.report", {"title": "占道经营", "category": "city_management", "source": "grid",
                                                 "priority": 2, "location": {"address": "九堡大道88号"}})
    cid = next(e["data"]["case_id"] for e in seen if e.get("name") == "case.reported")
    await op.command("case.report", {"title": "噪音扰民", "category": "dispute", "source": "12345", "priority": 3,
                                     "location": {"address": "九和路120号"}})      # the case shown before it
    files = FileClient(url, op.welcome["token"])
    labels = ("before", "after", "document")
    for i in range(n):
        meta = await files.upload(_jpeg(i), name=f"IMG_{i:04d}.jpg", case_id=cid)
        ack, _ = await op.command("case.attach", {"case_id": cid, "attachment": meta["id"], "label": labels[i % 3]})
        assert ack["type"] == "ack", ack
    await files.close()
    await op.close()
    return cid


def _fill_thumbs(cache: Path, n: int) -> None:
    """Other cases' thumbnails in the cache file, up to its cap (what a long-used cockpit has)."""
    from client.evidence import EvidenceStore
    body = _jpeg(7)[:20_000]
    st = EvidenceStore(cache)
    from sqlalchemy.orm import Session

    from client.evidence import ThumbRow
    with Session(st.engine) as s, s.begin():
        now = time.time() - 3600
        s.add_all([ThumbRow(key=f"{uuid.uuid4().hex}{uuid.uuid4().hex}:thumb", body=body, used=now + i)
                   for i in range(n)])
    st.close()


def main(n: int = N_PHOTOS, runs: int = 3):
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    import qasync
    from PySide6.QtCore import QEvent, QObject, QSettings
    from PySide6.QtWidgets import QApplication
    app = QApplication.instance() or QApplication([])
    from app.gc_main import MainThreadGC
    app._gc = MainThreadGC(app)
    from app.mainwindow import MainWindow
    from client.evidence import THUMBS_KEPT
    from client.qtlink import LinkService
    from models.qt.room import RoomState, Selection
    from widgets.style import apply_theme
    apply_theme(app)
    header(f"evidence detail: a case with {n} photos opened in the cockpit ({runs} runs each)")
    url = make_server_db()
    srv = ServerProcess(url).start()
    d = Path(tempfile.mkdtemp())
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    t0 = time.perf_counter()
    cid = loop.run_until_complete(_case_with_photos(srv.url, n))
    print(f"  set-up: {n} photos uploaded and attached in {time.perf_counter() - t0:.1f} s", flush=True)
    results: dict[str, list[tuple[float, float]]] = {"cold (from the server)": [], "local cache": [], "in memory": []}

    def cockpit(cache: Path):
        link = LinkService(srv.url, "op", "op-password", cache_path=cache)
        room, sel = RoomState(), Selection()
        room.attach(link)
        win = MainWindow(room, link, sel, QSettings(str(d / f"{cache.name}.ini"), QSettings.Format.IniFormat))
        win.resize(1920, 1080)
        win.show()
        link.start()
        return link, room, win

    class Watch(QObject):
        """When the detail's strips have painted every thumbnail (time of the paint)."""
        def __init__(self, section):
            super().__init__()
            self.section, self.done_at = section, None
            for strip in section.panel.strips.values():
                strip.installEventFilter(self)

        def eventFilter(self, obj, ev):
            if ev.type() == QEvent.Type.Paint and self.done_at is None:
                strips = [s for s in self.section.panel.strips.values() if s.items]
                total = sum(len(s.items) for s in strips)
                if total == n and all(s.source.thumbnail(a) is not None for s in strips for a in s.items):
                    self.done_at = time.perf_counter()
            return False

    async def until(pred, timeout=30.0):
        end = time.monotonic() + timeout
        while not pred():
            if time.monotonic() > end:
                raise TimeoutError
            await asyncio.sleep(0.002)

    async def open_case(win, room, other: str | None) -> tuple[float, float]:
        detail = win.panels["detail"]
        watch = Watch(detail.evidence)
        if other:
            win.queue.select_case(other)
            await asyncio.sleep(0.05)
        watch.done_at = None
        from PySide6.QtWidgets import QScrollArea
        scroll = detail.findChild(QScrollArea)
        t = time.perf_counter()
        win.queue.select_case(cid)
        scroll.ensureWidgetVisible(detail.evidence.panel, 0, 0)     # the thumbnails in view, as an operator scrolls
        laid_out = time.perf_counter()            # the detail built, its strips sized (placeholders)
        await until(lambda: watch.done_at is not None)
        return (laid_out - t) * 1000, (watch.done_at - t) * 1000

    async def run():
        for r in range(runs):
            cache = d / f"cache-{r}.db"
            link, room, win = cockpit(cache)
            await until(lambda: link.status.state == "online" and cid in room.state["cases"]
                        and win.queue.model.row_of(cid) >= 0)
            other = next(c for c in room.state["cases"] if c != cid) if len(room.state["cases"]) > 1 else None
            results["cold (from the server)"].append(await open_case(win, room, other))
            await asyncio.sleep(0.3)
            results["in memory"].append(await open_case(win, room, other))
            await link.shutdown()
            win.close()
            _fill_thumbs(cache, THUMBS_KEPT - n)
            link, room, win = cockpit(cache)
            await until(lambda: link.status.state == "online" and cid in room.state["cases"]
                        and win.queue.model.row_of(cid) >= 0)
            results["local cache"].append(await open_case(win, room, other))
            await link.shutdown()
            win.close()

    try:
        loop.run_until_complete(run())
        load = os.getloadavg()
        for name, vals in results.items():
            built = sorted(v[0] for v in vals)
            drawn = sorted(v[1] for v in vals)
            print(f"  {name:24s} detail shown {built[len(built) // 2]:6.1f} ms (max {built[-1]:.1f}); "
                  f"all {n} thumbnails painted median {drawn[len(drawn) // 2]:6.1f} ms, max {drawn[-1]:.1f} ms",
                  flush=True)
        print(f"  load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}", flush=True)
    finally:
        srv.stop()
        shutil.rmtree(d, ignore_errors=True)          # the cockpits' cache files (~100 MB each)
