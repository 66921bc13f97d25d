"""A case's evidence in the cockpit: thumbnails grouped in the case detail (alert frame,
before, after, documents), the AI alert's marked region drawn on its frame, and the
viewer (zoom, pan, next/previous, open the original, save a copy; clips played with
QtMultimedia where the platform has it).

Widgets never await: they ask an `EvidenceSource` (thumbnails from memory or the local
cache, originals downloaded on the loop) and hear back through its signals.
"""
from __future__ import annotations

import os
import shutil
import time
from collections.abc import Callable
from functools import partial

from PySide6.QtCore import (
    QT_TRANSLATE_NOOP,
    QCoreApplication,
    QObject,
    QPointF,
    QRect,
    QRectF,
    QRunnable,
    QSize,
    Qt,
    QThreadPool,
    QUrl,
    Signal,
)
from PySide6.QtGui import (
    QBrush,
    QColor,
    QDesktopServices,
    QFont,
    QFontMetrics,
    QImage,
    QImageReader,
    QKeySequence,
    QPainter,
    QPen,
    QPixmap,
    QPolygonF,
    QShortcut,
)
from PySide6.QtWidgets import (
    QDialog,
    QFileDialog,
    QGraphicsPixmapItem,
    QGraphicsScene,
    QGraphicsView,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QStackedWidget,
    QToolTip,
    QVBoxLayout,
    QWidget,
)

from models.evidence_groups import GROUPS, Region, group_of, grouped, is_image, is_video, region_of
from models.timeutil import epoch
from widgets import media
from widgets.style import P, set_kind

GROUP_LABELS = {
    "alert-frame": QT_TRANSLATE_NOOP("Evidence", "Alert frame"),
    "before": QT_TRANSLATE_NOOP("Evidence", "Before"),
    "after": QT_TRANSLATE_NOOP("Evidence", "After"),
    "document": QT_TRANSLATE_NOOP("Evidence", "Documents"),
}
REGION_COLOUR = QColor("#ff3b30")
TILE = QSize(120, 90)          # a thumbnail's box in the detail
CAPTION_H = 18
GAP = 8


def group_label(group: str) -> str:
    return QCoreApplication.translate("Evidence", str(GROUP_LABELS.get(group, group)))


def _tr(text: object) -> str:
    """A string marked with QT_TRANSLATE_NOOP("Evidence", …), in the operator's language."""
    return QCoreApplication.translate("Evidence", str(text))


def png_bytes(img: QImage) -> bytes:
    """An image (pasted, dropped) as PNG bytes, what is uploaded."""
    from PySide6.QtCore import QBuffer, QByteArray, QIODevice
    ba = QByteArray()
    buf = QBuffer(ba)
    buf.open(QIODevice.OpenModeFlag.WriteOnly)
    img.save(buf, "PNG")                   # type: ignore[call-overload]
    buf.close()
    return bytes(ba.data())


def att_time(att: dict) -> str:
    at = att.get("at")
    if not at:
        return ""
    try:
        return time.strftime("%H:%M", time.localtime(epoch(at) if isinstance(at, str) else float(at)))
    except (TypeError, ValueError):
        return ""


def att_name(att: dict) -> str:
    return str(att.get("name") or att.get("filename") or att.get("id") or "")


def att_size(att: dict) -> tuple[float, float] | None:
    """The original image's size in pixels, as the server measured it."""
    w, h = att.get("width"), att.get("height")
    if isinstance(w, (int, float)) and isinstance(h, (int, float)) and w > 0 and h > 0:
        return float(w), float(h)
    return None


# ---- the marked region ---------------------------------------------------------------------

def draw_region(p: QPainter, region: Region, sx: float = 1.0, sy: float = 1.0, dx: float = 0.0, dy: float = 0.0,
                pt: float = 9.0) -> None:
    """Draw an AI alert's region (image pixels scaled by sx, sy and moved by dx, dy) with
    its caption ("label 87%") on a filled tab above it, in the painter's device pixels."""
    pts = [QPointF(dx + x * sx, dy + y * sy) for x, y in region.points]
    pen = QPen(REGION_COLOUR, 2)
    pen.setCosmetic(True)
    p.save()
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    p.setPen(pen)
    p.setBrush(QColor(255, 59, 48, 40))
    if region.kind == "box":
        p.drawRect(QRectF(pts[0], pts[1]))
    else:
        p.drawPolygon(QPolygonF(pts))
    caption = region.caption
    if caption:
        f = QFont(p.font())
        f.setPointSizeF(pt)
        f.setBold(True)
        p.setFont(f)
        fm = QFontMetrics(f)
        left = min(q.x() for q in pts)
        top = min(q.y() for q in pts)
        w, h = fm.horizontalAdvance(caption) + 8, fm.height() + 2
        y = top - h if top - h >= 0 else top          # above the region, or inside it at the top edge
        tab = QRectF(left, y, w, h)
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(REGION_COLOUR)
        p.drawRect(tab)
        p.setPen(QColor("white"))
        p.drawText(tab, Qt.AlignmentFlag.AlignCenter, caption)
    p.restore()


def region_for(att: dict, case: dict | None = None) -> Region | None:
    """The region of an alert frame: on the attachment, or the case's `alert` for its frame."""
    size = att_size(att)
    w, h = size if size else (None, None)
    r = region_of(att, w, h)
    if r is None and case and group_of(att) == "alert-frame":
        r = region_of(case.get("alert"), w, h)
    return r


# ---- where the pictures come from ----------------------------------------------------------

class EvidenceSource(QObject):
    """Thumbnails and originals for the views (the cockpit's is built on the link: they come
    from the server, and thumbnails from the local cache when offline).

    Signals:
        sig_thumbnail(str): the thumbnail of this attachment id is now available (or failed).
        sig_changed(): attachments or their fate changed (an upload queued, sent, refused).
    """
    sig_thumbnail = Signal(str)
    sig_changed = Signal()

    def thumbnail(self, att: dict, rendition: str = "thumb") -> QImage | None:
        """The thumbnail (or the `preview`, for the wall) if it is at hand (memory);
        otherwise None and it is fetched: its arrival is announced on sig_thumbnail."""
        return None

    def prefetch(self, atts: list[dict]) -> None:
        """A case detail is about to show these: read what is cached in one go."""

    def thumbnail_failed(self, att: dict, rendition: str = "thumb") -> str:
        """Why there is no thumbnail ("" while it may still come)."""
        return ""

    def original(self, att: dict, done: Callable[[str, str], None], rendition: str = "original") -> None:
        """Fetch the original (or its `preview`, the viewer's picture); done(local path, "")
        or done("", why) on the Qt thread."""
        done("", QCoreApplication.translate("Evidence", "The original is not available."))


class LocalFiles(EvidenceSource):
    """Attachments whose `path` is a file on this computer (the operator's own, before it
    is uploaded): thumbnails made here."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self._thumbs: dict[str, QImage] = {}

    def thumbnail(self, att, rendition="thumb"):
        key = str(att.get("id"))
        if key not in self._thumbs:
            if not att.get("path") or is_video(att):
                return None
            r = QImageReader(str(att["path"]))
            r.setAutoTransform(True)
            size = r.size()
            if size.isValid():
                r.setScaledSize(size.scaled(TILE * 2, Qt.AspectRatioMode.KeepAspectRatio))
            img = r.read()
            if img.isNull():
                return None
            self._thumbs[key] = img
        return self._thumbs[key]

    def original(self, att, done, rendition="original"):
        path = str(att.get("path") or "")
        done(path, "") if os.path.exists(path) else done("", QCoreApplication.translate("Evidence", "The file is no longer there."))


def case_of(att: dict) -> str:
    """The case an attachment is asked through (its URLs carry it: `?case=C000123`)."""
    for key in ("thumb", "url", "preview"):
        v = str(att.get(key) or "")
        if "case=" in v:
            return v.split("case=", 1)[1].split("&", 1)[0]
    return str(att.get("case_id") or "")


class LinkEvidence(EvidenceSource):
    """The cockpit's: thumbnails from the local cache or the server through the link
    (`client/qtlink.py`, `client/evidence.py`), decoded off the UI thread and kept in memory
    (the last MEMORY of them); originals and previews downloaded once into the cache's folder."""
    MEMORY = 600

    def __init__(self, link, parent=None):
        super().__init__(parent)
        self.link = link
        self._images: dict[str, QImage] = {}          # attachment id -> thumbnail, least recent first
        self._failed: dict[str, str] = {}
        self._asked: set[str] = set()
        self._decoder = _Decoder(self)
        self._decoder.sig_decoded.connect(self._decoded)
        if hasattr(link, "sig_link"):
            link.sig_link.connect(self._link)

    def _link(self, status) -> None:
        if getattr(status, "state", "") == "online" and self._failed:
            failed = list(self._failed)   # back online: what could not be fetched is asked again
            self._failed.clear()
            self._asked -= set(failed)
            for key in failed:
                self.sig_thumbnail.emit(key.split(":")[0])      # its view repaints, and so asks

    def thumbnail(self, att, rendition: str = "thumb"):
        key = str(att.get("id")) + ("" if rendition == "thumb" else ":" + rendition)
        img = self._images.get(key)
        if img is not None:
            self._images[key] = self._images.pop(key)        # most recently used last
            return img
        if key not in self._asked and key not in self._failed:
            self._asked.add(key)
            self.link.fetch_thumbnail(att, case_of(att), partial(self._fetched, key), rendition)
        return None

    def thumbnail_failed(self, att, rendition: str = "thumb"):
        return self._failed.get(str(att.get("id")) + ("" if rendition == "thumb" else ":" + rendition), "")

    def prefetch(self, atts):
        want = [str(a.get("id")) for a in atts if str(a.get("id")) not in self._images
                and str(a.get("id")) not in self._asked]
        if not want:
            return
        self._asked.update(want)
        by_id = {str(a.get("id")): a for a in atts}

        def done(got: dict[str, bytes]) -> None:
            self._decoder.decode(got)
            for key in want:                     # not in the cache: from the server, one by one
                if key not in got:
                    self.link.fetch_thumbnail(by_id[key], case_of(by_id[key]), partial(self._fetched, key))
        self.link.cached_thumbnails(want, done)

    def _fetched(self, key: str, body: bytes | None, err: str) -> None:
        if body is None:
            self._failed[key] = err or QCoreApplication.translate("Evidence", "not available")
            self._asked.discard(key)
            self.sig_thumbnail.emit(key.split(":")[0])
            return
        self._decoder.decode({key: body})

    def _decoded(self, images: dict) -> None:
        for key, img in images.items():
            if img.isNull():
                self._failed[key] = QCoreApplication.translate("Evidence", "the thumbnail could not be read")
            else:
                self._images[key] = img
                self._failed.pop(key, None)
        while len(self._images) > self.MEMORY:
            old = next(iter(self._images))
            del self._images[old]
            self._asked.discard(old)
        for key in images:
            self.sig_thumbnail.emit(key.split(":")[0])

    def original(self, att, done, rendition="original"):
        self.link.fetch_original(att, case_of(att), done, rendition)


def _hand_back(target: QObject, signal: str, *args) -> None:
    """A worker's result to the Qt thread through its target's signal; dropped when the
    target went away meanwhile (a viewer or case detail closed while its photo was read:
    the emit raises "Signal source has been deleted" on the pool's thread)."""
    try:
        getattr(target, signal).emit(*args)
    except RuntimeError:
        pass


class _Load(QRunnable):
    def __init__(self, path: str, token: int, target: _ImageLoader):
        super().__init__()
        self.path, self.token, self.target = path, token, target

    def run(self):
        r = QImageReader(self.path)
        r.setAutoTransform(True)            # EXIF orientation: the photo as it was taken
        img = r.read()
        _hand_back(self.target, "sig_loaded", self.token, img, "" if not img.isNull() else r.errorString())


class _Decode(QRunnable):
    """Thumbnails' bytes to images, off the UI thread, a batch at a time."""

    def __init__(self, bodies: dict[str, bytes], target: _Decoder):
        super().__init__()
        self.bodies, self.target = bodies, target

    def run(self):
        out = {}
        for key, body in self.bodies.items():
            img = QImage()
            img.loadFromData(body)
            out[key] = img
        _hand_back(self.target, "sig_decoded", out)


class _Decoder(QObject):
    sig_decoded = Signal(object)

    def decode(self, bodies: dict[str, bytes]) -> None:
        if bodies:
            QThreadPool.globalInstance().start(_Decode(bodies, self))


class _Job(QRunnable):
    def __init__(self, fn: Callable[[], object], target: _OffThread, token: int):
        super().__init__()
        self.fn, self.target, self.token = fn, target, token

    def run(self):
        try:
            result, error = self.fn(), None
        except Exception as e:                 # handed back to the Qt thread, said where the operator acted
            result, error = None, e
        _hand_back(self.target, "sig_done", self.token, result, error)


class _OffThread(QObject):
    """Runs blocking work (copying a 200 MB clip, encoding a pasted 4K screenshot) on Qt's
    thread pool and calls back on the Qt thread: the loop never waits for a disk."""
    sig_done = Signal(int, object, object)

    def __init__(self, parent=None):
        super().__init__(parent)
        self._next = 0
        self._callbacks: dict[int, Callable[[object, BaseException | None], None]] = {}
        self.sig_done.connect(self._done)

    def run(self, fn: Callable[[], object], done: Callable[[object, BaseException | None], None]) -> None:
        self._next += 1
        self._callbacks[self._next] = done
        QThreadPool.globalInstance().start(_Job(fn, self, self._next))

    def _done(self, token: int, result: object, error: object) -> None:
        cb = self._callbacks.pop(token, None)
        if cb is not None:
            cb(result, error if isinstance(error, BaseException) else None)


class _ImageLoader(QObject):
    """Decodes an original off the UI thread (a 20 MB photo takes a few hundred ms)."""
    sig_loaded = Signal(int, QImage, str)

    def load(self, path: str, token: int) -> None:
        QThreadPool.globalInstance().start(_Load(path, token, self))


# ---- thumbnails in the case detail ---------------------------------------------------------

class ThumbStrip(QWidget):
    """One group's thumbnails, wrapped into rows; painted, not one widget per tile, so a
    case with fifty of them opens at once. Click or Enter opens the viewer.

    Signals:
        sig_open(int): the index (within this strip) the operator opened.
    """
    sig_open = Signal(int)

    def __init__(self, source: EvidenceSource, parent=None):
        super().__init__(parent)
        self.source = source
        self.items: list[dict] = []
        self.case: dict | None = None
        self.current = -1
        sp = QSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Preferred)
        sp.setHeightForWidth(True)
        self.setSizePolicy(sp)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setMouseTracking(True)

    def set_items(self, items: list[dict], case: dict | None) -> None:
        self.items, self.case = items, case
        self.current = min(self.current, len(items) - 1)
        self.updateGeometry()
        self.update()

    def _per_row(self, width: int) -> int:
        return max(1, (width + GAP) // (TILE.width() + GAP))

    def hasHeightForWidth(self) -> bool:
        return True

    def heightForWidth(self, width: int) -> int:
        rows = -(-len(self.items) // self._per_row(width)) if self.items else 0
        return rows * (TILE.height() + CAPTION_H + GAP)

    def sizeHint(self) -> QSize:
        w = max(self.width(), 4 * (TILE.width() + GAP))
        return QSize(w, self.heightForWidth(w))

    def minimumSizeHint(self) -> QSize:
        return QSize(TILE.width(), self.heightForWidth(max(self.width(), TILE.width())))

    def resizeEvent(self, e):
        super().resizeEvent(e)
        if self.heightForWidth(e.size().width()) != e.size().height():
            self.updateGeometry()

    def tile_rect(self, i: int) -> QRect:
        per = self._per_row(self.width())
        r, c = divmod(i, per)
        return QRect(c * (TILE.width() + GAP), r * (TILE.height() + CAPTION_H + GAP), TILE.width(), TILE.height())

    def index_at(self, pos) -> int:
        for i in range(len(self.items)):
            if self.tile_rect(i).adjusted(0, 0, 0, CAPTION_H).contains(pos):
                return i
        return -1

    def tile_text(self, i: int) -> str:
        """What the tile says below its picture (also its tooltip's first line)."""
        a = self.items[i]
        return " ".join(x for x in (att_time(a), att_name(a)) if x)

    def paintEvent(self, _e):
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        fm = QFontMetrics(self.font())
        for i, a in enumerate(self.items):
            r = self.tile_rect(i)
            p.fillRect(r, QColor(P["base_alt"]))
            img = self.source.thumbnail(a)
            if img is not None and not img.isNull():
                scaled = QSize(img.width(), img.height()).scaled(r.size(), Qt.AspectRatioMode.KeepAspectRatio)
                target = QRect(r.x() + (r.width() - scaled.width()) // 2, r.y() + (r.height() - scaled.height()) // 2,
                               scaled.width(), scaled.height())
                p.drawImage(target, img)
                region = region_for(a, self.case)
                size = att_size(a) or (img.width(), img.height())
                if region is not None:
                    draw_region(p, region, target.width() / size[0], target.height() / size[1], target.x(), target.y(),
                                pt=7)
            else:
                why = self.source.thumbnail_failed(a)
                p.setPen(QColor(P["muted"]))
                glyph = "▶" if is_video(a) else ("…" if not why else "🗎" if group_of(a) == "document" else "✕")
                p.drawText(r, Qt.AlignmentFlag.AlignCenter, glyph)
            if is_video(a):
                p.setPen(QColor("white"))
                dur = a.get("duration")
                badge = "▶" + (f" {int(dur) // 60}:{int(dur) % 60:02d}" if isinstance(dur, (int, float)) else "")
                p.fillRect(QRect(r.x(), r.bottom() - fm.height(), fm.horizontalAdvance(badge) + 6, fm.height()),
                           QColor(0, 0, 0, 160))
                p.drawText(QRect(r.x() + 3, r.bottom() - fm.height(), r.width(), fm.height()),
                           Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, badge)
            if i == self.current and self.hasFocus():
                p.setPen(QPen(QColor(P["accent"]), 2))
                p.setBrush(Qt.BrushStyle.NoBrush)
                p.drawRect(r.adjusted(1, 1, -1, -1))
            p.setPen(QColor(P["muted"]))
            cap = QRect(r.x(), r.bottom() + 1, r.width(), CAPTION_H)
            p.drawText(cap, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                       fm.elidedText(self.tile_text(i), Qt.TextElideMode.ElideMiddle, r.width()))
        p.end()

    def mousePressEvent(self, e):
        i = self.index_at(e.position().toPoint())
        if i >= 0:
            self.current = i
            self.update()
            self.sig_open.emit(i)

    def keyPressEvent(self, e):
        if not self.items:
            return super().keyPressEvent(e)
        k = e.key()
        if k in (Qt.Key.Key_Right, Qt.Key.Key_Left):
            self.current = max(0, min(len(self.items) - 1, self.current + (1 if k == Qt.Key.Key_Right else -1)))
            self.update()
        elif k in (Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Space) and self.current >= 0:
            self.sig_open.emit(self.current)
        else:
            super().keyPressEvent(e)

    def event(self, e):
        if e.type() == e.Type.ToolTip:
            i = self.index_at(e.pos())
            if i >= 0:
                a = self.items[i]
                lines = [self.tile_text(i), group_label(group_of(a))]
                if a.get("by"):
                    lines.append(str(a["by"]))
                region = region_for(a, self.case)
                if region is not None and region.caption:
                    lines.append(region.caption)
                QToolTip.showText(e.globalPos(), "\n".join(x for x in lines if x), self)
            else:
                QToolTip.hideText()
            return True
        return super().event(e)


class EvidencePanel(QWidget):
    """The case detail's evidence: one heading and strip per group that has something, and
    a line saying there is none yet. Opening a tile opens the viewer at it.

    Signals:
        sig_opened(object): the AttachmentViewer just opened.
    """
    sig_opened = Signal(object)

    def __init__(self, source: EvidenceSource, parent=None):
        super().__init__(parent)
        self.setObjectName("EvidencePanel")
        self.source = source
        self.case: dict | None = None
        self.viewer: AttachmentViewer | None = None
        # remover() -> the function that removes (attachment, reason) -> command id, or None when the
        # role may not remove evidence (only a leader or an admin may)
        self.remover: Callable[[], Callable[[dict, str], str | None] | None] | None = None
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(4)
        self.empty = QLabel(self.tr("No photos, clips or files yet."))
        set_kind(self.empty, "muted")
        lay.addWidget(self.empty)
        self.headings: dict[str, QLabel] = {}
        self.strips: dict[str, ThumbStrip] = {}
        for g in GROUPS:
            h = QLabel()
            h.setObjectName(f"Evidence.{g}")
            strip = ThumbStrip(source, self)
            strip.setObjectName(f"Evidence.{g}.strip")
            strip.sig_open.connect(lambda i, g=g: self.open_viewer(g, i))
            self.headings[g], self.strips[g] = h, strip
            lay.addWidget(h)
            lay.addWidget(strip)
        lay.addStretch(1)
        source.sig_thumbnail.connect(self._thumbnail_arrived)
        self.set_case(None)

    def set_case(self, case: dict | None) -> None:
        self.case = case
        groups = grouped(case)
        total = 0
        for g in GROUPS:
            items = groups[g]
            total += len(items)
            self.headings[g].setText(f"{group_label(g)} ({len(items)})")
            self.headings[g].setVisible(bool(items))
            self.strips[g].set_items(items, case)
            self.strips[g].setVisible(bool(items))
        self.empty.setVisible(total == 0)
        if self.viewer is not None and self.viewer.isVisible():
            self.viewer.set_items(self.ordered(), case)

    def ordered(self) -> list[dict]:
        return self.ordered_of(self.case)

    @staticmethod
    def ordered_of(case: dict | None) -> list[dict]:
        g = grouped(case)
        return [a for name in GROUPS for a in g[name]]

    def _thumbnail_arrived(self, att_id: str) -> None:
        for strip in self.strips.values():
            if any(str(a.get("id")) == att_id for a in strip.items):
                strip.update()

    def open_viewer(self, group: str, i: int) -> AttachmentViewer:
        items = self.ordered()
        att = self.strips[group].items[i]
        index = next((k for k, a in enumerate(items) if a is att), 0)
        if self.viewer is None:
            self.viewer = AttachmentViewer(self.source, self.window())
        self.viewer.set_remover(self.remover() if self.remover is not None else None)
        self.viewer.set_items(items, self.case)
        self.viewer.show_index(index)
        self.viewer.show()
        self.viewer.raise_()
        self.sig_opened.emit(self.viewer)
        return self.viewer


# ---- the viewer ----------------------------------------------------------------------------

class ImageView(QGraphicsView):
    """A photo at its own pixels: wheel zooms about the pointer, drag pans, the region of an
    alert frame drawn over it (a cosmetic pen: as thin at 800 % as at 10 %)."""
    ZOOM_STEP = 1.25
    MIN_ZOOM, MAX_ZOOM = 0.02, 32.0

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setScene(QGraphicsScene(self))
        self.item = QGraphicsPixmapItem()
        self.item.setTransformationMode(Qt.TransformationMode.SmoothTransformation)
        self.scene().addItem(self.item)
        self.region: Region | None = None
        self.fitted = True
        self.setDragMode(QGraphicsView.DragMode.ScrollHandDrag)
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.AnchorUnderMouse)
        self.setResizeAnchor(QGraphicsView.ViewportAnchor.AnchorViewCenter)
        self.setBackgroundBrush(QBrush(QColor("#0b0e12")))
        self.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)

    def set_image(self, img: QImage, size: tuple[float, float] | None, region: Region | None, keep_view=False) -> None:
        """Show `img`, scaled to the original's pixel size (a thumbnail stands in for the
        original while it loads, at the same coordinates: the region stays put)."""
        pm = QPixmap.fromImage(img)
        self.item.setPixmap(pm)
        w, h = size or (pm.width(), pm.height())
        self.item.setScale(w / pm.width() if pm.width() else 1.0)
        self.scene().setSceneRect(QRectF(0, 0, w, h))
        self.region = region
        if not keep_view or self.fitted:
            self.fit()
        self.viewport().update()

    def zoom(self) -> float:
        return self.transform().m11()

    def zoom_by(self, factor: float) -> None:
        z = self.zoom()
        factor = max(self.MIN_ZOOM / z, min(self.MAX_ZOOM / z, factor))
        self.scale(factor, factor)
        self.fitted = False

    def fit(self) -> None:
        self.resetTransform()
        r = self.scene().sceneRect()
        if r.width() > 0 and r.height() > 0:
            self.fitInView(r, Qt.AspectRatioMode.KeepAspectRatio)
        self.fitted = True

    def actual_size(self) -> None:
        self.resetTransform()
        self.fitted = False

    def wheelEvent(self, e):
        d = e.angleDelta().y()
        if d:
            self.zoom_by(self.ZOOM_STEP if d > 0 else 1 / self.ZOOM_STEP)
        e.accept()

    def resizeEvent(self, e):
        super().resizeEvent(e)
        if self.fitted:
            self.fit()

    def drawForeground(self, p: QPainter, rect):
        if self.region is None:
            return
        t = self.transform()
        p.save()
        p.resetTransform()           # in viewport pixels: the caption keeps its size while zooming
        origin = self.mapFromScene(QPointF(0, 0))
        draw_region(p, self.region, t.m11(), t.m22(), origin.x(), origin.y(), pt=10)
        p.restore()


class AttachmentViewer(QDialog):
    """One case's photos, clips and files, one at a time: Left/Right (or the buttons) for
    the previous/next, the wheel or +/- to zoom, drag to pan, 0 to fit, 1 for actual pixels;
    "Open original" hands the file to the system's viewer, "Save a copy…" writes it where
    the operator chooses. Never modal: the room keeps working behind it."""

    def __init__(self, source: EvidenceSource, parent=None):
        super().__init__(parent)
        self.setObjectName("AttachmentViewer")
        self.setWindowTitle(self.tr("Evidence"))
        self.setModal(False)
        self.resize(960, 720)
        self.source = source
        self.items: list[dict] = []
        self.case: dict | None = None
        self.index = -1
        self._token = 0
        self._originals: dict[str, str] = {}       # attachment id -> local path of its original
        self._loader = _ImageLoader(self)
        self._loader.sig_loaded.connect(self._loaded)
        self._jobs = _OffThread(self)
        self._player: VideoPlayer | None = None
        self._save_dialog: QFileDialog | None = None
        self.title = QLabel()
        self.title.setObjectName("AttachmentViewer.title")
        self.title.setWordWrap(True)
        self.prev_b = QPushButton(self.tr("◀ Previous"))
        self.next_b = QPushButton(self.tr("Next ▶"))
        self.zoom_out_b = QPushButton(self.tr("Zoom out"))
        self.zoom_in_b = QPushButton(self.tr("Zoom in"))
        self.fit_b = QPushButton(self.tr("Fit"))
        self.open_b = QPushButton(self.tr("Open original"))
        self.save_b = QPushButton(self.tr("Save a copy…"))
        self.prev_b.setToolTip(self.tr("Previous (Left)"))
        self.next_b.setToolTip(self.tr("Next (Right)"))
        self.zoom_in_b.setToolTip(self.tr("Zoom in (+, mouse wheel)"))
        self.zoom_out_b.setToolTip(self.tr("Zoom out (-, mouse wheel)"))
        self.fit_b.setToolTip(self.tr("Fit to the window (0); actual pixels (1)"))
        self.open_b.setToolTip(self.tr("Open the original file with this computer's viewer"))
        self.save_b.setToolTip(self.tr("Save a copy of the original file (Ctrl+S)"))
        self.image = ImageView(self)
        self.prev_b.clicked.connect(self.previous)
        self.next_b.clicked.connect(self.next)
        self.zoom_in_b.clicked.connect(lambda: self.image.zoom_by(ImageView.ZOOM_STEP))
        self.zoom_out_b.clicked.connect(lambda: self.image.zoom_by(1 / ImageView.ZOOM_STEP))
        self.fit_b.clicked.connect(lambda: self.image.fit())
        self.open_b.clicked.connect(self.open_original)
        self.save_b.clicked.connect(self.save_copy)
        bar = QHBoxLayout()
        for b in (self.prev_b, self.next_b):
            bar.addWidget(b)
        bar.addSpacing(12)
        for b in (self.zoom_out_b, self.zoom_in_b, self.fit_b):
            bar.addWidget(b)
        bar.addStretch(1)
        bar.addWidget(self.open_b)
        bar.addWidget(self.save_b)
        self.message = QLabel()
        self.message.setObjectName("AttachmentViewer.message")
        self.message.setWordWrap(True)
        self.message.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.video: QWidget = QWidget()
        self.stack = QStackedWidget()
        self.stack.addWidget(self.image)
        self.stack.addWidget(self.message)
        self.stack.addWidget(self.video)
        self.info = QLabel()                       # the picture: loading, its size, when and where taken
        self.info.setObjectName("AttachmentViewer.info")
        self.info.setWordWrap(True)
        self.status = QLabel()                     # what became of the last action: saved, opened, removed, why not
        self.status.setObjectName("AttachmentViewer.status")
        self.status.setWordWrap(True)
        # removing it from the case (leader, admin): a reason is required, the bytes are kept
        from PySide6.QtWidgets import QLineEdit
        self.reason = QLineEdit(placeholderText=self.tr("Why it is removed from the case (required)"))
        self.reason.setMaxLength(4000)
        self.remove_b = QPushButton(self.tr("Remove from case"))
        self.remove_b.setToolTip(self.tr("Removes it from the case for everyone; the timeline keeps it and the reason"))
        self.remove_b.clicked.connect(self.remove)
        self.reason.textChanged.connect(lambda _t: self._buttons())
        self._remover: Callable[[dict, str], str | None] | None = None
        self.removing: dict[str, str] = {}          # command id -> attachment id
        rm = QHBoxLayout()
        rm.addWidget(self.reason, 1)
        rm.addWidget(self.remove_b)
        self._remove_row = QWidget()
        self._remove_row.setLayout(rm)
        self._remove_row.setVisible(False)
        lay = QVBoxLayout(self)
        lay.addWidget(self.title)
        lay.addLayout(bar)
        lay.addWidget(self.stack, 1)
        lay.addWidget(self._remove_row)
        foot = QHBoxLayout()
        foot.addWidget(self.info, 1)
        foot.addWidget(self.status, 1)
        lay.addLayout(foot)
        for keys, fn in ((Qt.Key.Key_Left, self.previous), (Qt.Key.Key_Right, self.next),
                         (Qt.Key.Key_Plus, lambda: self.image.zoom_by(ImageView.ZOOM_STEP)),
                         (Qt.Key.Key_Equal, lambda: self.image.zoom_by(ImageView.ZOOM_STEP)),
                         (Qt.Key.Key_Minus, lambda: self.image.zoom_by(1 / ImageView.ZOOM_STEP)),
                         (Qt.Key.Key_0, lambda: self.image.fit()), (Qt.Key.Key_1, lambda: self.image.actual_size())):
            QShortcut(QKeySequence(keys), self).activated.connect(fn)
        QShortcut(QKeySequence.StandardKey.Save, self).activated.connect(self.save_copy)
        source.sig_thumbnail.connect(self._thumbnail_arrived)

    # -- which one
    def set_items(self, items: list[dict], case: dict | None = None) -> None:
        """The case's attachments changed (one added, one detached): stay on the one shown."""
        shown = self.current()
        self.items, self.case = list(items), case
        if shown is not None:
            ids = [a.get("id") for a in self.items]
            if shown.get("id") in ids:
                self.index = ids.index(shown.get("id"))
                self._show_title()       # "1/1" becomes "1/2" when the field adds a photo
                self._buttons()
                return
            self.show_index(min(self.index, len(self.items) - 1))

    @property
    def player(self) -> VideoPlayer | None:
        """The clip's player while a clip is shown (None for a photo, or before the clip is fetched)."""
        return self._player

    def current(self) -> dict | None:
        return self.items[self.index] if 0 <= self.index < len(self.items) else None

    def previous(self) -> None:
        if self.index > 0:
            self.show_index(self.index - 1)

    def next(self) -> None:
        if self.index < len(self.items) - 1:
            self.show_index(self.index + 1)

    def _buttons(self) -> None:
        a = self.current()
        self.prev_b.setEnabled(self.index > 0)
        self.next_b.setEnabled(0 <= self.index < len(self.items) - 1)
        picture = a is not None and self.stack.currentWidget() is self.image
        for b in (self.zoom_in_b, self.zoom_out_b, self.fit_b):
            b.setEnabled(picture)
        self.open_b.setEnabled(a is not None)
        self.save_b.setEnabled(a is not None)
        self.remove_b.setEnabled(a is not None and bool(self.reason.text().strip()))

    def _show_title(self) -> None:
        a = self.current()
        if a is None:
            self.title.setText("")
            return
        region = region_for(a, self.case)
        parts = [f"{self.index + 1}/{len(self.items)}", group_label(group_of(a)), att_name(a), att_time(a),
                 str(a.get("by") or "")]
        if region is not None and region.caption:
            parts.append(region.caption)
        self.title.setText(" · ".join(x for x in parts if x))

    def show_index(self, i: int) -> None:
        self._stop_video()
        self.index = i
        self._token += 1
        a = self.current()
        if a is None:
            self.title.setText("")
            self.message.setText(self.tr("Nothing to show."))
            self.stack.setCurrentWidget(self.message)
            self._buttons()
            return
        region = region_for(a, self.case)
        self._show_title()
        self.info.clear()
        set_kind(self.info, "")
        self.status.clear()
        set_kind(self.status, "")
        if is_video(a):
            self._show_video(a)
        elif not is_image(a):
            self.message.setText(self.tr("%1 cannot be shown here: open the original or save a copy.")
                                 .replace("%1", att_name(a)))
            self.stack.setCurrentWidget(self.message)
        else:
            thumb = self.source.thumbnail(a)
            if thumb is not None and not thumb.isNull():
                self.image.set_image(thumb, att_size(a), region)
                self.stack.setCurrentWidget(self.image)
            else:
                self.message.setText(self.tr("Loading…"))
                self.stack.setCurrentWidget(self.message)
            self.info.setText(self.tr("Loading the picture…"))
            token = self._token
            # the preview (at most 1600 px) is the viewer's picture; the original is a click away
            self.source.original(a, partial(self._original, token), "preview")
        self._buttons()

    # -- removing
    def set_remover(self, remover: Callable[[dict, str], str | None] | None) -> None:
        """Where the role may remove evidence, the reason field and the button are shown."""
        self._remover = remover
        self._remove_row.setVisible(remover is not None)

    def remove(self) -> None:
        a = self.current()
        reason = self.reason.text().strip()
        if a is None or self._remover is None or not reason:
            return
        cid = self._remover(a, reason)
        if cid:
            self.removing[cid] = str(a.get("id"))
            from widgets import outcome
            self.status.setText(outcome.describe("pending", {"name": "case.detach"}))
            set_kind(self.status, None)

    def removal_result(self, cid: str, outcome_: str, detail: dict) -> None:
        """The fate of a removal asked here: acknowledged (the file leaves the list) or refused: why."""
        if cid not in self.removing or outcome_ == "pending":
            return
        del self.removing[cid]
        from widgets import outcome
        self.status.setText(outcome.describe(outcome_, dict(detail, name="case.detach")))
        set_kind(self.status, outcome.kind(outcome_))
        self.status.setToolTip(f"{detail.get('code')}: {detail.get('message')}" if outcome_ == "refused" else "")
        if outcome_ == "acked":
            self.reason.clear()

    # -- pictures
    def _thumbnail_arrived(self, att_id: str) -> None:
        a = self.current()
        if a is not None and str(a.get("id")) == att_id and self.stack.currentWidget() is self.message \
                and not is_video(a):
            thumb = self.source.thumbnail(a)
            if thumb is not None and not thumb.isNull():
                self.image.set_image(thumb, att_size(a), region_for(a, self.case))
                self.stack.setCurrentWidget(self.image)
                self._buttons()

    def _original(self, token: int, path: str, err: str) -> None:
        if token != self._token or self.current() is None:
            return
        if not path:
            self.info.setText(self.tr("The picture could not be fetched: %1").replace("%1", err))
            set_kind(self.info, "error")
            return
        self._loader.load(path, token)

    def _loaded(self, token: int, img: QImage, err: str) -> None:
        if token != self._token:
            return
        a = self.current()
        if img.isNull() or a is None:
            self.info.setText(self.tr("The picture could not be read: %1").replace("%1", err))
            set_kind(self.info, "error")
            return
        size = att_size(a)
        self.image.set_image(img, size or (img.width(), img.height()), region_for(a, self.case), keep_view=True)
        self.stack.setCurrentWidget(self.image)
        w, h = size or (img.width(), img.height())
        gps = a.get("gps")
        where = (" · " + self.tr("GPS %1, %2").replace("%1", f"{gps[0]:.5f}").replace("%2", f"{gps[1]:.5f}")
                 if isinstance(gps, (list, tuple)) and len(gps) == 2 else "")
        self.info.setText(self.tr("%1 × %2 pixels").replace("%1", str(int(w))).replace("%2", str(int(h)))
                            + (" · " + self.tr("taken %1").replace("%1", str(a["taken_at"])) if a.get("taken_at") else "")
                            + where)
        self._buttons()

    # -- clips
    def _show_video(self, a: dict) -> None:
        reason = media.unavailable_reason()
        if reason:
            self.message.setText(self.tr("Video cannot be played on this computer (%1). "
                                         "Open the original or save a copy to play it elsewhere.").replace("%1", reason))
            self.message.setToolTip(reason)
            self.stack.setCurrentWidget(self.message)
            return
        self.message.setText(self.tr("Loading the clip…"))
        self.stack.setCurrentWidget(self.message)
        token = self._token
        self.source.original(a, partial(self._clip, token))

    def _clip(self, token: int, path: str, err: str) -> None:
        a = self.current()
        if a is not None and path:
            self._originals[str(a.get("id"))] = path
        if token != self._token or a is None:
            return
        if not path:
            self.message.setText(self.tr("The clip could not be fetched: %1").replace("%1", err))
            return
        player = VideoPlayer(path, self.video_failed)
        self.stack.removeWidget(self.video)
        self.video.deleteLater()
        self._player = player
        self.video = player
        self.stack.addWidget(player)
        self.stack.setCurrentWidget(player)
        self._buttons()
        player.play()

    def video_failed(self, why: str) -> None:
        self.status.setText(self.tr("The clip cannot be played here (%1). Open the original or save a copy.")
                            .replace("%1", why))
        set_kind(self.status, "error")

    def _stop_video(self) -> None:
        if self._player is not None:
            self._player.stop()
            self._player = None

    # -- the original
    def open_original(self) -> None:
        a = self.current()
        if a is None:
            return

        def done(path: str, err: str) -> None:
            if not path:
                self.status.setText(self.tr("The original could not be fetched: %1").replace("%1", err))
                set_kind(self.status, "error")
            elif not QDesktopServices.openUrl(QUrl.fromLocalFile(path)):
                self.status.setText(self.tr("No program on this computer opens it; it is at %1").replace("%1", path))
                set_kind(self.status, "warning")
            else:
                self.status.setText(self.tr("Opened %1").replace("%1", att_name(a)))
        path = self._originals.get(str(a.get("id")))
        done(path, "") if path else self.source.original(a, done)

    def save_copy(self) -> QFileDialog | None:
        """Ask where (non-modal: `open()`, never `exec()`), then copy the original there."""
        a = self.current()
        if a is None:
            return None
        dlg = QFileDialog(self, self.tr("Save a copy"))
        dlg.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        dlg.setOption(QFileDialog.Option.DontUseNativeDialog, True)
        dlg.selectFile(att_name(a))
        dlg.fileSelected.connect(lambda target: self.save_to(target))
        dlg.open()
        self._save_dialog = dlg
        return dlg

    def save_to(self, target: str) -> None:
        a = self.current()
        if a is None or not target:
            return

        def done(path: str, err: str) -> None:
            if not path:
                self.status.setText(self.tr("The original could not be fetched: %1").replace("%1", err))
                set_kind(self.status, "error")
                return
            self.status.setText(self.tr("Saving a copy to %1…").replace("%1", target))
            set_kind(self.status, None)
            self._jobs.run(lambda: shutil.copyfile(path, target), copied)

        def copied(_result, e: BaseException | None) -> None:
            if e is not None:
                why = (e.strerror if isinstance(e, OSError) else None) or str(e)
                self.status.setText(self.tr("Not saved: %1").replace("%1", why))
                set_kind(self.status, "error")
                return
            self.status.setText(self.tr("Saved a copy to %1").replace("%1", target))
            set_kind(self.status, "ok")
        path = self._originals.get(str(a.get("id")))
        done(path, "") if path else self.source.original(a, done)

    def closeEvent(self, e):
        self._stop_video()
        super().closeEvent(e)


class VideoPlayer(QWidget):
    """A clip with play/pause and a position slider (QtMultimedia's FFmpeg backend). Only
    built when `widgets.media` found QtMultimedia."""

    def __init__(self, path: str, failed: Callable[[str], None], parent=None):
        super().__init__(parent)
        from PySide6.QtWidgets import QSlider
        mm, mmw, _ = media.multimedia()
        assert mm is not None and mmw is not None
        self.player = mm.QMediaPlayer(self)
        self.audio = mm.QAudioOutput(self)
        self.player.setAudioOutput(self.audio)
        self.view = mmw.QVideoWidget(self)
        self.player.setVideoOutput(self.view)
        self.play_b = QPushButton(self.tr("Play"))
        self.play_b.clicked.connect(self.toggle)
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.sliderMoved.connect(self.player.setPosition)
        self.time = QLabel("0:00")
        self.player.durationChanged.connect(lambda d: self.slider.setRange(0, d))
        self.player.positionChanged.connect(self._position)
        self.player.errorOccurred.connect(lambda _err, text: failed(text or self.tr("unknown error")))
        self.player.playbackStateChanged.connect(self._state)
        row = QHBoxLayout()
        row.addWidget(self.play_b)
        row.addWidget(self.slider, 1)
        row.addWidget(self.time)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.view, 1)
        lay.addLayout(row)
        self.player.setSource(QUrl.fromLocalFile(path))

    def play(self) -> None:
        self.player.play()

    def stop(self) -> None:
        self.player.stop()

    def toggle(self) -> None:
        mm = media.multimedia()[0]
        assert mm is not None
        if self.player.playbackState() == mm.QMediaPlayer.PlaybackState.PlayingState:
            self.player.pause()
        else:
            self.player.play()

    def _state(self, state) -> None:
        mm = media.multimedia()[0]
        assert mm is not None
        playing = state == mm.QMediaPlayer.PlaybackState.PlayingState
        self.play_b.setText(self.tr("Pause") if playing else self.tr("Play"))

    def _position(self, ms: int) -> None:
        if not self.slider.isSliderDown():
            self.slider.setValue(ms)
        s = ms // 1000
        self.time.setText(f"{s // 60}:{s % 60:02d}")


# ---- attaching: drag-and-drop, a file dialog, the clipboard; the uploads' fate ------------

ATTACH_LABELS = {
    "before": QT_TRANSLATE_NOOP("Evidence", "Before"),
    "after": QT_TRANSLATE_NOOP("Evidence", "After"),
    "document": QT_TRANSLATE_NOOP("Evidence", "Document"),
}
UPLOAD_STATES = {
    "waiting": QT_TRANSLATE_NOOP("Evidence", "waiting to be sent"),
    "waiting_offline": QT_TRANSLATE_NOOP("Evidence", "offline, waiting to be sent"),
    "uploading": QT_TRANSLATE_NOOP("Evidence", "uploading %1%"),
    "attaching": QT_TRANSLATE_NOOP("Evidence", "uploaded, waiting for the server"),
    "sent": QT_TRANSLATE_NOOP("Evidence", "sent"),
    "refused": QT_TRANSLATE_NOOP("Evidence", "refused: %1"),
}
# why an upload was refused, as a person would say it (the server's message is on hover)
UPLOAD_REASONS = {
    "too_large": QT_TRANSLATE_NOOP("Evidence", "the file is larger than the server takes"),
    "unsupported_type": QT_TRANSLATE_NOOP("Evidence", "not a photo (JPEG, PNG, WebP, HEIC, AVIF), a clip (MP4, MOV, WebM) or a PDF, whatever its name says"),  # noqa: E501
    "invalid": QT_TRANSLATE_NOOP("Evidence", "the file is empty, damaged or truncated"),
    "forbidden": QT_TRANSLATE_NOOP("Evidence", "your role may not attach files to this case"),
    "not_found": QT_TRANSLATE_NOOP("Evidence", "no such case"),
    "gone": QT_TRANSLATE_NOOP("Evidence", "the file was removed from the case"),
    "conflict": QT_TRANSLATE_NOOP("Evidence", "the case does not take files now"),
    "damaged": QT_TRANSLATE_NOOP("Evidence", "the photo turned out damaged when the server decoded it"),
    "mismatch": QT_TRANSLATE_NOOP("Evidence", "the bytes arrived changed; it is sent again from the start"),
    "bad_request": QT_TRANSLATE_NOOP("Evidence", "the server could not read the request (a fault of this program)"),
    "length_required": QT_TRANSLATE_NOOP("Evidence", "the server could not read the request (a fault of this program)"),
    "missing": QT_TRANSLATE_NOOP("Evidence", "the copy waiting to be sent is gone from this computer"),
    "busy": QT_TRANSLATE_NOOP("Evidence", "the server is busy; it is tried again shortly"),
    "unavailable": QT_TRANSLATE_NOOP("Evidence", "the server cannot be reached; it is tried again shortly"),
    "unauthenticated": QT_TRANSLATE_NOOP("Evidence", "the session is being renewed; it is tried again shortly"),
}
# ...and more precisely where the server said more (its `details`: docs/protocol.md, Errors)
TOO_LARGE = {
    "photo": QT_TRANSLATE_NOOP("Evidence", "a photo may be at most %1 MB; this one is %2 MB"),
    "clip": QT_TRANSLATE_NOOP("Evidence", "a clip may be at most %1 MB; this one is %2 MB"),
    "document": QT_TRANSLATE_NOOP("Evidence", "a document may be at most %1 MB; this one is %2 MB"),
    "": QT_TRANSLATE_NOOP("Evidence", "a file may be at most %1 MB; this one is %2 MB"),
}
INVALID_REASONS = {
    "empty": QT_TRANSLATE_NOOP("Evidence", "the file is empty (0 bytes)"),
    "truncated": QT_TRANSLATE_NOOP("Evidence", "the file is cut short (truncated): send it again whole"),
    "damaged": QT_TRANSLATE_NOOP("Evidence", "the file is damaged and cannot be read"),
    "bomb": QT_TRANSLATE_NOOP("Evidence", "the photo is too large to decode safely"),
    "pixels": QT_TRANSLATE_NOOP("Evidence", "the photo has more pixels than the server decodes"),
    "no_video": QT_TRANSLATE_NOOP("Evidence", "the clip has no picture (no video stream)"),
}
CASE_REASONS = {
    "not_found": QT_TRANSLATE_NOOP("Evidence", "there is no case %1"),
    "forbidden": QT_TRANSLATE_NOOP("Evidence", "you may not attach files to case %1"),
}


def _mb(n) -> str:
    return f"{float(n) / 1_000_000:.1f}".removesuffix(".0")        # (the server's MB: 10^6 bytes)


def refusal_text(code: str, details: dict | None = None, message: str = "") -> str:
    """Why an upload was refused, in the operator's language: the server's code and its
    details (a limit and the file's size, which check failed, the case), never the raw code;
    the server's English message only for a code this cockpit does not know."""
    d = details or {}
    if code == "too_large" and d.get("limit"):
        return _tr(TOO_LARGE.get(d.get("kind") or "", TOO_LARGE[""])).replace(
            "%1", _mb(d["limit"])).replace("%2", _mb(d.get("size") or 0))
    if code == "invalid" and d.get("reason") in INVALID_REASONS:
        return _tr(INVALID_REASONS[d["reason"]])
    if code in CASE_REASONS and d.get("case"):
        return _tr(CASE_REASONS[code]).replace("%1", str(d["case"]))
    if code in UPLOAD_REASONS:
        return _tr(UPLOAD_REASONS[code])
    return message or code


# a clip or photo dropped or chosen: what the file dialog offers first
FILE_FILTER = QT_TRANSLATE_NOOP("Evidence", "Photos, clips and PDF (*.jpg *.jpeg *.png *.webp *.heic *.heif *.avif *.mp4 *.mov *.webm *.mkv *.pdf)")  # noqa: E501
ALL_FILES = QT_TRANSLATE_NOOP("Evidence", "All files (*)")


def label_text(label: str) -> str:
    """One file's label in words ("Document", not the group's "Documents")."""
    key = group_of({"label": label})
    return _tr(ATTACH_LABELS.get(key, GROUP_LABELS.get(key, key)))


def upload_text(row: dict, online: bool = True) -> str:
    """"IMG_2041.jpg · After · uploading 45%": one line per upload, where the operator attached it."""
    st = row.get("status", "waiting")
    if st == "waiting" and not online:
        st = "waiting_offline"
    text = _tr(UPLOAD_STATES.get(st, st))
    if st == "uploading":
        text = text.replace("%1", str(int(100 * float(row.get("progress") or 0))))
    elif st == "refused":
        text = text.replace("%1", refusal_text(row.get("code") or "", row.get("details"), row.get("message") or ""))
    elif st == "waiting" and row.get("code") in UPLOAD_REASONS:       # tried, the server could not take it yet
        text += " (" + _tr(UPLOAD_REASONS[row["code"]]) + ")"
    label = label_text(str(row.get("label", "")))
    return f"{row.get('name', '')} · {label} · {text}"


class EvidenceSection(QWidget):
    """The case detail's evidence with its controls: which label a new file gets (before,
    after, document), "Attach file…" (a file dialog, opened with open(), never exec()),
    "Paste image" (Ctrl+Shift+V, or Ctrl+V over the thumbnails), and files dropped anywhere
    on it; what the closing rule still needs; and each upload's fate (waiting, uploading,
    sent, refused: why) until it is in the thumbnails."""

    def __init__(self, room, link, source: EvidenceSource | None = None, parent=None):
        super().__init__(parent)
        self.setObjectName("EvidenceSection")
        self.room, self.link = room, link
        self.source = source or LinkEvidence(link, self)
        self.case_id = ""
        self._dialog: QFileDialog | None = None
        self._jobs = _OffThread(self)
        self._recent: dict[str, dict] = {}           # command id -> upload row shown here (sent ones a while)
        from PySide6.QtWidgets import QComboBox, QToolButton
        self.title = QLabel(self.tr("Evidence"))
        self.title.setProperty("kind", "heading")
        self.label_box = QComboBox()
        self.label_box.setObjectName("Evidence.label")
        self.label_box.setToolTip(self.tr("What a file attached now shows: the scene before handling, after it, "
                                          "or a document"))
        for key, text in ATTACH_LABELS.items():
            self.label_box.addItem(_tr(text), key)
        self.attach_b = QToolButton()
        self.attach_b.setText(self.tr("Attach file…"))
        self.attach_b.setToolTip(self.tr("Attach photos, clips or PDFs to this case (or drop files here)"))
        self.attach_b.clicked.connect(self.choose_files)
        self.paste_b = QToolButton()
        self.paste_b.setText(self.tr("Paste image"))
        self.paste_b.setToolTip(self.tr("Attach the image on the clipboard (Ctrl+Shift+V)"))
        self.paste_b.clicked.connect(self.paste)
        # the controls on a row of their own under the title: beside it they made the case detail
        # 434 px wide at least (a horizontal scroll bar across the whole detail on a 1366 px screen)
        controls = QHBoxLayout()
        controls.addWidget(QLabel(self.tr("Label:")))
        controls.addWidget(self.label_box)
        controls.addWidget(self.attach_b)
        controls.addWidget(self.paste_b)
        controls.addStretch(1)
        head = QVBoxLayout()
        head.addWidget(self.title)
        head.addLayout(controls)
        self.rule = QLabel()                 # the closing rule: what feedback or closing still needs
        self.rule.setObjectName("Evidence.rule")
        self.rule.setWordWrap(True)
        set_kind(self.rule, "warning")
        self.outcome = QLabel()              # the uploads of this case, one line each
        self.outcome.setObjectName("Evidence.uploads")
        self.outcome.setWordWrap(True)
        self.outcome.setTextFormat(Qt.TextFormat.PlainText)
        self.dismiss_b = QToolButton()
        self.dismiss_b.setText(self.tr("Dismiss refused"))
        self.dismiss_b.clicked.connect(self.dismiss_refused)
        self.panel = EvidencePanel(self.source, self)
        self.panel.remover = lambda: self.remove_attachment if self.room.may("case.detach") else None
        if hasattr(link, "sig_command"):
            link.sig_command.connect(self._command)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addLayout(head)
        lay.addWidget(self.rule)
        lay.addWidget(self.panel)
        up = QHBoxLayout()
        up.addWidget(self.outcome, 1)
        up.addWidget(self.dismiss_b, 0, Qt.AlignmentFlag.AlignTop)
        lay.addLayout(up)
        self.setAcceptDrops(True)
        for keys, widget in ((QKeySequence("Ctrl+Shift+V"), self), (QKeySequence(QKeySequence.StandardKey.Paste), self.panel)):
            sc = QShortcut(keys, widget)
            sc.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            sc.activated.connect(self.paste)
        if hasattr(link, "sig_upload"):
            link.sig_upload.connect(self._upload)
        if hasattr(link, "sig_link"):
            link.sig_link.connect(self._link_changed)
        self.set_case(None)

    def _online(self) -> bool:
        st = getattr(self.link, "status", None)
        return getattr(st, "state", "online") == "online"

    def may_attach(self, case: dict | None) -> bool:
        return bool(case) and not (case or {}).get("pending") and self.room.may("case.attach") \
            and (case or {}).get("status") != "merged"

    def set_case(self, case: dict | None) -> None:
        if case is None or case.get("id") != self.case_id:
            self._recent = {}
            if case is not None:
                # the label a new file most likely has: 'after' once the squad is on scene
                after = case.get("status") in ("on_scene", "resolved", "closed") or bool((case.get("times") or {})
                                                                                          .get("on_scene"))
                self.label_box.setCurrentIndex(self.label_box.findData("after" if after else "before"))
        self.case_id = case["id"] if case else ""
        may = self.may_attach(case)
        for w in (self.label_box, self.attach_b, self.paste_b):
            w.setEnabled(may)
            w.setToolTip(w.toolTip() if may else self.tr("Your role may not attach files to cases"))
        self.panel.source.prefetch(self.panel.ordered_of(case))
        self.panel.set_case(case)
        self._show_rule(case)
        self._show_uploads()

    # -- the closing rule
    def missing(self, case: dict | None, command: str) -> list[str]:
        try:
            from models.evidence import missing_evidence
        except ImportError:                  # an older models/ without evidence rules
            return []
        if not case:
            return []
        return list(missing_evidence(self.room.state, case, command))

    def rule_text(self, case: dict | None) -> str:
        """"Feedback and closing need an 'after' photo: attach one first." — before the operator tries."""
        if not case or case.get("status") in ("closed", "merged"):
            return ""
        fb, cl = self.missing(case, "case.feedback"), self.missing(case, "case.close")
        if not fb and not cl:
            return ""
        labels_ = sorted(set(fb) | set(cl), key=lambda x: GROUPS.index(x) if x in GROUPS else 9)
        what = ", ".join(self.tr("'%1'").replace("%1", group_label(x)) for x in labels_)
        if fb and cl:
            text = self.tr("Feedback and closing need a photo labelled %1: attach one first.")
        elif fb:
            text = self.tr("Feedback needs a photo labelled %1: attach one first.")
        else:
            text = self.tr("Closing needs a photo labelled %1: attach one first.")
        text = text.replace("%1", what)
        waiting = [r for r in self._uploads() if r.get("label") in labels_ and r.get("status") != "refused"]
        if waiting:
            text += " " + self.tr("(%1 waiting to be sent: feedback or closing after it is in.)").replace(
                "%1", str(len(waiting)))
        return text

    def _show_rule(self, case: dict | None) -> None:
        text = self.rule_text(case)
        self.rule.setText(text)
        self.rule.setVisible(bool(text))

    # -- uploads
    def _uploads(self) -> list[dict]:
        rows = {r["id"]: r for r in (self.link.uploads(self.case_id) if hasattr(self.link, "uploads") else [])}
        for cid, r in self._recent.items():
            rows[cid] = r if cid not in rows or r.get("status") == "sent" else rows[cid]
        return [r for r in rows.values() if r.get("case_id") == self.case_id]

    def _link_changed(self, _status) -> None:
        self._show_uploads()

    def remove_attachment(self, att: dict, reason: str) -> str | None:
        """case.detach (leader, admin): the server refuses any other role, and says so."""
        if not self.case_id or not self.room.may("case.detach"):
            return None
        return self.link.submit("case.detach", {"case_id": self.case_id, "attachment": att["id"], "reason": reason})

    def _command(self, cid: str, outcome_: str, detail: dict) -> None:
        if self.panel.viewer is not None:
            self.panel.viewer.removal_result(cid, outcome_, detail)

    def _upload(self, row: dict) -> None:
        if row.get("case_id") != self.case_id:
            return
        if row.get("status") == "dismissed":
            self._recent.pop(row["id"], None)
        else:
            self._recent[row["id"]] = row
        self._show_uploads()
        self._show_rule(self.room.state["cases"].get(self.case_id))

    def _show_uploads(self) -> None:
        rows = self._uploads()
        online = self._online()
        self.outcome.setText("\n".join(upload_text(r, online) for r in rows))
        self.outcome.setToolTip("\n".join(f"{r.get('name')}: {r.get('code')}: {r.get('message')}" for r in rows
                                          if r.get("message")))
        self.outcome.setVisible(bool(rows))
        refused = [r for r in rows if r.get("status") == "refused"]
        kinds = {r.get("status") for r in rows}
        set_kind(self.outcome, "error" if refused else "ok" if kinds == {"sent"} else
                 ("warning" if not online else None))
        self.dismiss_b.setVisible(bool(refused))

    def dismiss_refused(self) -> None:
        for r in self._uploads():
            if r.get("status") == "refused":
                self._recent.pop(r["id"], None)
                self.link.dismiss_upload(r["id"])
        self._show_uploads()

    # -- ways in
    def label(self) -> str:
        return self.label_box.currentData() or "document"

    def attach(self, source, name: str | None = None) -> bool:
        """Queue one file (a path) or image bytes for the shown case, with the chosen label."""
        case = self.room.state["cases"].get(self.case_id)
        if not self.may_attach(case):
            return False
        self.link.attach_file(self.case_id, self.label(), source, name=name, done=self._queued)
        return True

    def attach_image(self, img: QImage, name: str) -> bool:
        """An image (pasted, dropped from another program) as a PNG, encoded off the UI thread."""
        case = self.room.state["cases"].get(self.case_id)
        if not self.may_attach(case):
            return False
        case_id, label = self.case_id, self.label()

        def encoded(body, e: BaseException | None) -> None:
            if e is not None or not body:
                self._queued(None, str(e or self.tr("the image could not be encoded")))
                return
            self.link.attach_file(case_id, label, body, name=name, done=self._queued)
        self._jobs.run(lambda: png_bytes(img), encoded)
        return True

    def _queued(self, row: dict | None, err: str) -> None:
        if row is None:
            self.outcome.setText(self.tr("Not attached: %1").replace("%1", err))
            set_kind(self.outcome, "error")
            self.outcome.setVisible(True)

    def choose_files(self) -> QFileDialog:
        dlg = QFileDialog(self, self.tr("Attach files to %1").replace("%1", self.case_id))
        dlg.setFileMode(QFileDialog.FileMode.ExistingFiles)
        dlg.setOption(QFileDialog.Option.DontUseNativeDialog, True)
        dlg.setNameFilters([_tr(FILE_FILTER), _tr(ALL_FILES)])
        dlg.filesSelected.connect(self.attach_paths)
        dlg.open()
        self._dialog = dlg
        return dlg

    def attach_paths(self, paths: list[str]) -> int:
        return sum(1 for p in paths if p and os.path.isfile(p) and self.attach(p))

    def paste(self) -> bool:
        """The clipboard's image (a screenshot, a picture copied from a chat) as a PNG; or
        the files copied in a file manager."""
        from PySide6.QtGui import QGuiApplication
        md = QGuiApplication.clipboard().mimeData()
        if md is not None and md.hasUrls() and any(u.isLocalFile() for u in md.urls()):
            return self.attach_paths([u.toLocalFile() for u in md.urls() if u.isLocalFile()]) > 0
        img = QGuiApplication.clipboard().image()
        if img.isNull():
            self.outcome.setText(self.tr("There is no image on the clipboard."))
            set_kind(self.outcome, "warning")
            self.outcome.setVisible(True)
            return False
        return self.attach_image(img, time.strftime("pasted-%Y%m%d-%H%M%S.png"))

    def dragEnterEvent(self, e):
        md = e.mimeData()
        if self.may_attach(self.room.state["cases"].get(self.case_id)) and (
                (md.hasUrls() and any(u.isLocalFile() for u in md.urls())) or md.hasImage()):
            e.acceptProposedAction()
        else:
            e.ignore()

    def dragMoveEvent(self, e):
        self.dragEnterEvent(e)

    def dropEvent(self, e):
        md = e.mimeData()
        if md.hasUrls():
            n = self.attach_paths([u.toLocalFile() for u in md.urls() if u.isLocalFile()])
        elif md.hasImage():
            n = int(self.attach_image(QImage(md.imageData()), time.strftime("dropped-%Y%m%d-%H%M%S.png")))
        else:
            n = 0
        if n:
            e.acceptProposedAction()
        else:
            e.ignore()


# ---- the wall: the frame of the pinned alert -----------------------------------------------

def alert_frame_of(case: dict | None) -> dict | None:
    """The case's alert frame the wall may show (marked `wall`, the default for a frame)."""
    for a in grouped(case)["alert-frame"]:
        if a.get("wall", True) and is_image(a):
            return a
    return None


class AlertFrame(QWidget):
    """The AI alert's frame, large, with its marked region and the detector's label and
    confidence, under the alert pinned across the wall; hidden when that alert has none."""

    def __init__(self, source: EvidenceSource, scale: float = 1.0, parent=None):
        super().__init__(parent)
        self.setObjectName("AlertFrame")
        self.source, self.scale = source, scale
        self.att: dict | None = None
        self.case: dict | None = None
        self.caption = QLabel()
        self.caption.setObjectName("AlertFrame.caption")
        self.caption.setWordWrap(True)
        self.caption.setStyleSheet(f"font-size: {max(20, int(14 * scale * 96 / 72))}px; font-weight: bold")
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.caption)           # above the frame: what was detected, where
        lay.addStretch(1)
        self.setMinimumSize(int(320 * scale), int(240 * scale))
        source.sig_thumbnail.connect(self._arrived)
        self.show_alert(None)

    def show_alert(self, case: dict | None) -> None:
        self.case = case
        self.att = alert_frame_of(case)
        self.setVisible(self.att is not None)
        if self.att is None:
            return
        region = region_for(self.att, case)
        bits = [group_label("alert-frame"), region.caption if region is not None and region.caption else "",
                str(case["id"]) if case else "", str(((case or {}).get("location") or {}).get("address") or "")]
        self.caption.setText(" · ".join(b for b in bits if b))
        self.source.thumbnail(self.att, "preview")
        self.update()

    def _arrived(self, att_id: str) -> None:
        if self.att is not None and str(self.att.get("id")) == att_id:
            self.update()

    def image(self) -> QImage | None:
        if self.att is None:
            return None
        return self.source.thumbnail(self.att, "preview") or self.source.thumbnail(self.att)

    def picture_rect(self) -> QRect:
        return self.rect().adjusted(0, self.caption.geometry().bottom() + 6, 0, 0)

    def paintEvent(self, _e):
        img = self.image()
        if img is None or img.isNull() or self.att is None:
            return
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        box = self.picture_rect()
        scaled = QSize(img.width(), img.height()).scaled(box.size(), Qt.AspectRatioMode.KeepAspectRatio)
        target = QRect(box.x() + (box.width() - scaled.width()) // 2, box.y(), scaled.width(), scaled.height())
        p.drawImage(target, img)
        region = region_for(self.att, self.case)
        size = att_size(self.att) or (img.width(), img.height())
        if region is not None:
            draw_region(p, region, target.width() / size[0], target.height() / size[1], target.x(), target.y(),
                        pt=12 * self.scale)
        p.end()
