"""The evidence file store: content-addressed bytes under the data directory, checked from their
content, with thumbnails and previews made here (docs/protocol.md, Evidence).

Layout under `root` (the server's data directory, `--data-dir`):

    objects/9f/9f86d0…0a08              the bytes, named by their SHA-256
    objects/9f/9f86d0…0a08.thumb.jpg    at most 320 px on the longer side
    objects/9f/9f86d0…0a08.preview.jpg  at most 1600 px
    objects/9f/9f86d0…0a08.damaged      a photo whose full decoding failed: the reason, in words
    checking/9f86d0…0a08                a photo's bytes, stored, not yet fully decoded (checked at start)
    tmp/                                uploads under way (removed when they fail, and at start)

An upload is written to tmp/, hashed on the way, then `finish()` reads what it is (magic bytes,
then its header: type, dimensions, EXIF, a pixel count under the bomb limit, the format's end
marker; clips are opened with PyAV), fsyncs and renames it into objects/. The metadata row
(`files`) is committed after that, so a row always has its bytes, and a failed or dropped upload
leaves nothing a client can see.

A photo's full decoding (the check that it is not damaged inside) and its thumbnail take most
of the time of an upload, so they are not on the request's path: `check()` does them on the
HTTP front's checker thread right after the answer. A `case.attach` (or a report) naming a
photo still being checked waits for it (server/hub.py holds that source's commands), and one
whose decoding failed is refused with the reason: a case never shows a damaged photo.

All of this is blocking: the HTTP front (server/http_files.py) runs it on worker threads.
"""
from __future__ import annotations

import contextlib
import hashlib
import io
import logging
import os
import re
import secrets
import sys
import threading
import time
import warnings
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from .store import EventStore, FileRow, FileUploadRow

log = logging.getLogger("xiaonao.files")

MB = 1_000_000
THUMB_PX = 320
PREVIEW_PX = 1600
EXIF_MAX = 256 * 1024          # a larger EXIF block is not read (it is kept in the bytes)
SNIFF = 64                     # bytes that tell the type
RENDITIONS = ("original", "thumb", "preview")
ID_PATTERN = re.compile(r"[0-9a-f]{64}")


@dataclass(frozen=True)
class FileLimits:
    photo: int = 20 * MB
    clip: int = 200 * MB
    document: int = 20 * MB
    max_pixels: int = 100_000_000
    uploads_per_account: int = 4
    uploads_total: int = 32

    def of(self, kind: str) -> int:
        return {"photo": self.photo, "clip": self.clip, "document": self.document}[kind]

    @property
    def largest(self) -> int:
        return max(self.photo, self.clip, self.document)


class FileRefused(Exception):
    """A refusal with its HTTP status, the protocol's code, a message in English for logs and
    tools, and `details` a client words in its user's language (docs/protocol.md, Errors):
    too_large {size, limit, kind}, invalid {reason}, not_found / forbidden {case}."""

    def __init__(self, status: int, code: str, message: str, details: dict | None = None):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message
        self.details = details or {}


def too_large(size: int, limit: int, kind: str | None = None) -> FileRefused:
    """413: over the kind's limit (`kind` None: over the largest any kind may be)."""
    what = KIND_WORDS[kind] if kind else "a file"
    return FileRefused(413, "too_large", f"{what} may be at most {limit / MB:g} MB; this one is {size / MB:.1f} MB",
                       {"size": size, "limit": limit, "kind": kind})


def invalid(reason: str, message: str) -> FileRefused:
    """422: the content is not what it claims: `reason` empty, truncated, damaged, bomb,
    pixels (more than the server decodes), no_video."""
    return FileRefused(422, "invalid", message, {"reason": reason})


EMPTY = "the file is empty (0 bytes)"


KIND_WORDS = {"photo": "a photo", "clip": "a clip", "document": "a document"}
UNSUPPORTED = "the content is not a photo (JPEG, PNG, WebP, HEIC, AVIF), a clip (MP4, QuickTime, WebM) or a PDF"


def sniff(head: bytes) -> tuple[str, str] | None:
    """(kind, MIME type) from the first bytes, or None for anything this server does not take."""
    if head[:3] == b"\xff\xd8\xff":
        return "photo", "image/jpeg"
    if head[:8] == b"\x89PNG\r\n\x1a\n":
        return "photo", "image/png"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "photo", "image/webp"
    if head[4:8] == b"ftyp":
        brand = head[8:12]
        box = head[8:min(len(head), int.from_bytes(head[:4], "big") or len(head))]   # major + compatible brands
        if brand in (b"avif", b"avis") or (brand in (b"mif1", b"msf1") and b"avif" in box[8:]):
            return "photo", "image/avif"     # AVIF: Pillow reads it
        if brand in (b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1", b"msf1"):
            return ("photo", "image/heic") if heif_readable() else None    # HEIC: through pillow-heif
        return "clip", "video/quicktime" if brand == b"qt  " else "video/mp4"
    if head[:4] == b"\x1a\x45\xdf\xa3":
        return "clip", "video/webm" if b"webm" in head[:SNIFF] else "video/x-matroska"
    if head[:5] == b"%PDF-":
        return "document", "application/pdf"
    return None


_heif: bool | None = None


def warm_up() -> None:
    """Load what reading a photo's header needs (Pillow, its plugins, pillow-heif) before the
    first upload does: 40-130 ms that the first photo after a start otherwise waits for."""
    import io

    from PIL import Image
    heif_readable()
    Image.init()
    buf = io.BytesIO()
    Image.new("RGB", (8, 8)).save(buf, "JPEG")
    with Image.open(io.BytesIO(buf.getvalue())) as im:
        im.getexif()
        im.draft("RGB", (4, 4))
        im.load()


def heif_readable() -> bool:
    """Whether HEIC photos can be read here (pillow-heif installed: its opener registered once)."""
    global _heif
    if _heif is None:
        try:
            import pillow_heif
            pillow_heif.register_heif_opener()
            _heif = True
        except ImportError:            # pragma: no cover - a dependency; a build without it refuses HEIC
            _heif = False
    return _heif


_NAME_BAD = re.compile(r"[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def clean_name(name: str | None) -> str:
    """A file name for display only: no directory part, no control characters, at most 200."""
    if not name:
        return ""
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = _NAME_BAD.sub("", name).strip().lstrip(".")
    return name[:200]


def _placeholder(kind: str, size: int) -> bytes:
    from PIL import Image, ImageDraw
    img = Image.new("RGB", (size, size * 3 // 4), (60, 64, 72))
    d = ImageDraw.Draw(img)
    w, h = img.size
    if kind == "clip":
        d.polygon([(w * 0.4, h * 0.3), (w * 0.4, h * 0.7), (w * 0.65, h * 0.5)], fill=(220, 220, 220))
    else:
        d.rectangle([w * 0.35, h * 0.2, w * 0.65, h * 0.8], outline=(220, 220, 220), width=max(2, size // 80))
        d.text((w * 0.42, h * 0.45), "PDF", fill=(220, 220, 220))
    return _jpeg(img)


def _jpeg(img, quality: int = 82) -> bytes:
    out = io.BytesIO()
    (img if img.mode in ("RGB", "L") else img.convert("RGB")).save(out, "JPEG", quality=quality)
    return out.getvalue()


def _renditions(img, preview: bool = True) -> tuple[bytes, bytes | None]:
    """(thumb, preview or None) JPEGs of a decoded picture (which is shrunk in place)."""
    from PIL import Image
    if img.mode not in ("RGB", "L"):
        img = img.convert("RGB")
    prev = None
    if preview:
        img.thumbnail((PREVIEW_PX, PREVIEW_PX), Image.Resampling.BILINEAR, reducing_gap=2.0)
        prev = _jpeg(img, 85)
    img.thumbnail((THUMB_PX, THUMB_PX), Image.Resampling.BICUBIC, reducing_gap=2.0)
    return _jpeg(img, 80), prev


def _exif_time(v) -> str | None:
    if not isinstance(v, str):
        return None
    try:
        return datetime.strptime(v.strip()[:19], "%Y:%m:%d %H:%M:%S").strftime("%Y-%m-%dT%H:%M:%S")
    except ValueError:
        return None


def _gps(ifd) -> list[float] | None:
    def deg(v, ref) -> float | None:
        try:
            d, m, s = (float(x) for x in v)
        except (TypeError, ValueError, ZeroDivisionError):
            return None
        x = d + m / 60 + s / 3600
        return -x if ref in ("S", "W", b"S", b"W") else x
    try:
        lat, lon = deg(ifd.get(2), ifd.get(1)), deg(ifd.get(4), ifd.get(3))
    except Exception:  # noqa: BLE001 - a broken GPS block is ignored
        return None
    if lat is None or lon is None or not (-90 <= lat <= 90 and -180 <= lon <= 180):
        return None
    return [round(lat, 7), round(lon, 7)]


class PhotoFile:
    """A photo's bytes, opened once for everything read of them: the header and EXIF, the end
    marker, the fsync, then (on the checker thread, perhaps after the answer) the full
    decoding. `gate`, when set, is called before each read (the checker yields to uploads
    being received: FileService)."""

    def __init__(self, path: Path):
        self.f = open(path, "rb")
        self.gate = None

    def read(self, n: int = -1) -> bytes:
        if self.gate is not None:
            self.gate()
        return self.f.read(n)

    def seek(self, *args) -> int:
        return self.f.seek(*args)

    def tell(self) -> int:
        return self.f.tell()

    def fileno(self) -> int:
        return self.f.fileno()

    def close(self) -> None:
        self.f.close()

    def __getattr__(self, name):
        return getattr(self.f, name)


def _refusal(e: BaseException) -> FileRefused:
    from PIL import Image
    if isinstance(e, (Image.DecompressionBombError, Image.DecompressionBombWarning)):
        return invalid("bomb", f"the photo is too large to decode safely (a decompression bomb?): {e}")
    return invalid("damaged", f"the photo is damaged or truncated ({e})")


_PHOTO_ERRORS = (OSError, SyntaxError, ValueError, MemoryError, EOFError)


def open_photo(path: Path, limits: FileLimits, end_check: bool = True):
    """(metadata, image, file): a photo's header read without decoding its pixels: what Pillow
    reads on open (format, dimensions: a decompression bomb is refused here), EXIF (capture
    time, GPS, orientation) and, with `end_check`, the format's end marker (a truncated file is
    refused here). The image stays open on the one file for `decode_photo`; the caller closes
    the file (FileRefused: nothing is left open)."""
    from PIL import Image
    Image.MAX_IMAGE_PIXELS = limits.max_pixels
    heif_readable()
    fp = PhotoFile(path)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            im = Image.open(fp)
        w, h = im.size
        if w * h > limits.max_pixels:
            raise invalid("pixels", f"the photo has {w}x{h} pixels, more than the "
                                    f"{limits.max_pixels:,} this server decodes")
        if w <= 0 or h <= 0:
            raise invalid("damaged", "the photo is damaged (no pixels)")
        meta: dict = {}
        try:
            exif = im.getexif()            # (kept on the image: the decoding turns it by its orientation)
            raw = im.info.get("exif") or b""
            if len(raw) <= EXIF_MAX:
                meta["taken_at"] = _exif_time(exif.get_ifd(0x8769).get(0x9003) or exif.get(0x0132))
                meta["gps"] = _gps(exif.get_ifd(0x8825))
            if exif.get(0x0112) in (5, 6, 7, 8):
                w, h = h, w              # as it is shown (turned by its EXIF orientation)
        except Exception as e:  # noqa: BLE001 - an unreadable EXIF block is not fatal
            log.info("EXIF not read: %s", e)
        if end_check:
            at = fp.tell()
            _check_end(fp, os.fstat(fp.fileno()).st_size, im.format)
            fp.seek(at)
        return {"width": w, "height": h, "duration": None, **meta}, im, fp
    except FileRefused:
        fp.close()
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning, *_PHOTO_ERRORS) as e:
        fp.close()
        raise _refusal(e) from None
    except BaseException:
        fp.close()
        raise


def decode_photo(im, preview: bool = False) -> tuple[bytes, bytes | None]:
    """(thumb, preview or None) of a photo opened by `open_photo`, decoding the whole of it
    (that is the check) at the smallest scale the thumbnail allows; FileRefused (422) for one
    that does not decode (damaged, truncated)."""
    from PIL import Image, ImageOps
    try:
        w, h = im.size
        if im.format == "JPEG":
            # decode at a fraction of the size (draft keeps both sides >= the request)
            k = min(1.0, (PREVIEW_PX if preview else THUMB_PX) / max(w, h))
            im.draft("RGB", (max(1, int(w * k)), max(1, int(h * k))))
        im.load()
        img: Image.Image = im
        with contextlib.suppress(Exception):
            if im.getexif().get(0x0112) in (2, 3, 4, 5, 6, 7, 8):
                img = ImageOps.exif_transpose(im)     # as it is shown (turned by its EXIF orientation)
        return _renditions(img, preview)
    except FileRefused:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning, *_PHOTO_ERRORS) as e:
        raise _refusal(e) from None


def probe_photo(path: Path, limits: FileLimits, preview: bool = False) -> tuple[dict, bytes, bytes | None]:
    """(metadata, thumb, preview) of a photo, or FileRefused (422) for one that does not decode:
    truncated, damaged, a decompression bomb: `open_photo` and `decode_photo` on one opening of
    the file. The preview, only when asked (it is made on its first request:
    ContentStore.ensure_preview)."""
    meta, im, fp = open_photo(path, limits, end_check=False)
    try:
        thumb, prev = decode_photo(im, preview)
    finally:
        fp.close()
    return meta, thumb, prev


def quick_probe_photo(path: Path, limits: FileLimits) -> dict:
    """A photo's metadata from its header (`open_photo`, with its end marker), the file closed after."""
    meta, _im, fp = open_photo(path, limits)
    fp.close()
    return meta


END_WINDOW = 4096        # a camera may pad after the end marker; the marker is within this


def _check_end(f, size: int, fmt: str | None) -> None:
    """The end of the open file `f` (of `size` bytes) as its format ends: JPEG's EOI, PNG's
    IEND, WebP's RIFF length, HEIC/AVIF's boxes."""
    f.seek(max(0, size - END_WINDOW))
    tail = f.read()
    ok = True
    if fmt in ("HEIF", "AVIF"):
        ok = _boxes_complete(f, size)
    elif fmt == "JPEG":
        ok = b"\xff\xd9" in tail
    elif fmt == "PNG":
        ok = b"IEND" in tail[-64:]
    elif fmt == "WEBP":
        f.seek(4)
        ok = int.from_bytes(f.read(4), "little") + 8 <= size
    if not ok:
        raise invalid("truncated", f"the photo is damaged or truncated (no {fmt} end marker: it was cut short)")


def _boxes_complete(f, size: int) -> bool:
    """An ISO media file (HEIC, AVIF) is whole when its top-level boxes end where it ends (a
    cut file's last box, its pixel data, claims more bytes than there are)."""
    at = 0
    for _ in range(10_000):
        if at == size:
            return True
        f.seek(at)
        hdr = f.read(16)
        if len(hdr) < 8:
            return False
        n = int.from_bytes(hdr[:4], "big")
        if n == 1 and len(hdr) == 16:
            n = int.from_bytes(hdr[8:16], "big")
        elif n == 0:
            n = size - at                     # to the end of the file
        if n < 8 or at + n > size:
            return False
        at += n
    return False


def probe_clip(path: Path) -> tuple[dict, bytes, bytes | None]:
    """(metadata, thumb, preview) of a clip: duration and size from its video stream, a poster
    frame through PyAV (FFmpeg inside the wheel); a placeholder when no frame decodes."""
    try:
        import av
    except ImportError:          # pragma: no cover - av is a dependency; a build without it still takes clips
        return {"width": None, "height": None, "duration": None}, _placeholder("clip", THUMB_PX), \
            _placeholder("clip", 800)
    try:
        with av.open(str(path), metadata_errors="ignore") as c:
            if not c.streams.video:
                raise invalid("no_video", "the clip has no video stream")
            vs = c.streams.video[0]
            w, h = vs.codec_context.width or None, vs.codec_context.height or None
            dur = None
            if c.duration:
                dur = c.duration / 1_000_000
            elif vs.duration and vs.time_base:
                dur = float(vs.duration * vs.time_base)
            poster = None
            try:
                for i, frame in enumerate(c.decode(vs)):
                    poster = frame.to_image()
                    if i >= 0:
                        break
            except Exception as e:  # noqa: BLE001 - no poster: a placeholder
                log.info("no poster frame: %s", e)
    except FileRefused:
        raise
    except Exception as e:  # noqa: BLE001 - av raises its own error tree (InvalidDataError, …)
        raise invalid("damaged", f"the clip cannot be read ({e.__class__.__name__}: {e})") from None
    preview: bytes | None
    if poster is None:
        thumb, preview = _placeholder("clip", THUMB_PX), _placeholder("clip", 800)
    else:
        thumb, preview = _renditions(poster)
    return {"width": w, "height": h, "duration": round(dur, 3) if dur else None}, thumb, preview


def probe_pdf(path: Path) -> tuple[dict, bytes, bytes]:
    with open(path, "rb") as f:
        f.seek(max(0, path.stat().st_size - 2048))
        tail = f.read()
    if b"%%EOF" not in tail:
        raise invalid("truncated", "the PDF is truncated (no end-of-file marker)")
    return {"width": None, "height": None, "duration": None}, _placeholder("document", THUMB_PX), \
        _placeholder("document", 800)


_sync_file_range: Any = None       # None: not looked up yet; False: not on this platform


def start_writeback(fd: int, offset: int, nbytes: int) -> None:
    """Ask the kernel to start writing this range of the file to disk now, without waiting
    (Linux sync_file_range(SYNC_FILE_RANGE_WRITE)); elsewhere nothing: the fsync does it all."""
    global _sync_file_range
    if _sync_file_range is None:
        _sync_file_range = False
        if sys.platform.startswith("linux"):
            with contextlib.suppress(Exception):
                import ctypes
                fn = ctypes.CDLL(None, use_errno=True).sync_file_range
                fn.argtypes = (ctypes.c_int, ctypes.c_int64, ctypes.c_int64, ctypes.c_uint)
                _sync_file_range = fn
    if _sync_file_range:
        _sync_file_range(fd, offset, nbytes, 2)        # SYNC_FILE_RANGE_WRITE


def _fsync_dir(path: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


class ContentStore:
    def __init__(self, root: str | os.PathLike, limits: FileLimits | None = None):
        self.root = Path(root)
        self.limits = limits or FileLimits()
        self.objects = self.root / "objects"
        self.tmp = self.root / "tmp"
        self.checking = self.root / "checking"
        # photos in checking/ whose header was read at the upload, still open for their full
        # decoding (check()): the file is opened once for both
        self._opened: dict[str, tuple[object, PhotoFile]] = {}
        self._opened_lock = threading.Lock()

    def _keep_open(self, file_id: str, im, fp: PhotoFile) -> None:
        with self._opened_lock:
            old = self._opened.pop(file_id, None)
            self._opened[file_id] = (im, fp)
        if old is not None:
            old[1].close()

    def _take_open(self, file_id: str):
        with self._opened_lock:
            return self._opened.pop(file_id, None)

    def close(self) -> None:
        """Close the photos kept open for a check that will not come now (a stop: they are
        checked at the next start)."""
        with self._opened_lock:
            kept, self._opened = self._opened, {}
        for _im, fp in kept.values():
            fp.close()

    def open(self) -> None:
        """Create the folders; remove what uploads under way left (a crash, a kill)."""
        self.objects.mkdir(parents=True, exist_ok=True)
        self.tmp.mkdir(parents=True, exist_ok=True)
        self.checking.mkdir(parents=True, exist_ok=True)
        # (not the last minute's: another server process may share the folder and be receiving)
        old = time.time() - 60
        left = [p for p in self.tmp.iterdir() if p.stat().st_mtime < old]
        for p in left:
            with contextlib.suppress(OSError):
                p.unlink()
        if left:
            log.info("removed %d unfinished uploads from %s", len(left), self.tmp)

    def path(self, file_id: str, rendition: str = "original") -> Path:
        base = self.objects / file_id[:2] / file_id
        if rendition == "damaged":
            return base.with_name(f"{file_id}.damaged")
        return base if rendition == "original" else base.with_name(f"{file_id}.{rendition}.jpg")

    def original(self, file_id: str) -> Path:
        """Where the bytes are: in objects/, or in checking/ while a photo is being decoded."""
        final = self.path(file_id)
        if final.exists():
            return final
        waiting = self.checking / file_id
        return waiting if waiting.exists() else final

    def has(self, file_id: str) -> bool:
        """The bytes are stored (checked, or a photo still being checked; not a damaged one)."""
        return self.state(file_id) in ("ok", "checking")

    def state(self, file_id: str) -> str | None:
        """"ok" (checked: its thumbnail made), "checking", "damaged", or None (not stored)."""
        if self.path(file_id).exists():
            return "damaged" if self.path(file_id, "damaged").exists() else "ok"
        return "checking" if (self.checking / file_id).exists() else None

    def damage(self, file_id: str) -> str | None:
        """Why a stored photo is damaged (its full decoding failed), or None."""
        try:
            return self.path(file_id, "damaged").read_text(encoding="utf-8")
        except OSError:
            return None

    def unchecked(self) -> list[str]:
        """Photos stored and not yet fully decoded (a stop or a crash came between)."""
        with contextlib.suppress(OSError):
            return sorted(p.name for p in self.checking.iterdir() if ID_PATTERN.fullmatch(p.name))
        return []

    def check(self, file_id: str, gate=None) -> str | None:
        """Decode a photo in checking/ fully, make its thumbnail (or note why it is damaged)
        and move it into objects/ (blocking: the checker thread). Returns None when it
        decodes, else the reason it is damaged. The file opened at the upload is decoded
        (its header is not read again); `gate()` is called before each read of it."""
        opened = self._take_open(file_id)
        src = self.checking / file_id
        final = self.path(file_id)
        try:
            if not src.exists():
                return self.damage(file_id)            # checked already
            final.parent.mkdir(parents=True, exist_ok=True)
            why = None
            if not self.path(file_id, "thumb").exists():
                try:
                    if opened is None:                # (a check after a restart)
                        _meta, im, fp = open_photo(src, self.limits, end_check=False)
                        opened = (im, fp)
                    opened[1].gate = gate
                    thumb, _prev = decode_photo(opened[0])
                    self._write(self.path(file_id, "thumb"), thumb)
                except FileRefused as e:
                    why = e.message
                    self._write(self.path(file_id, "damaged"), why.encode("utf-8"))
                    log.warning("stored photo %s is damaged: %s", file_id[:12], why)
            os.replace(src, final)            # the renditions first: in objects/ means checked
            _fsync_dir(final.parent)
            return why
        finally:
            if opened is not None:
                opened[1].close()

    def _write(self, dest: Path, data: bytes) -> None:
        tmp = self.tmp / f"{secrets.token_hex(8)}.{dest.name.rsplit('.', 2)[-2]}"
        with open(tmp, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, dest)

    def ensure_preview(self, file_id: str) -> Path:
        """The preview of a stored photo, made now if it was not yet (atomically: two requests
        at once both get a whole file)."""
        path = self.path(file_id, "preview")
        if path.exists():
            return path
        _meta, _thumb, preview = probe_photo(self.original(file_id), self.limits, preview=True)
        assert preview is not None
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.tmp / f"{secrets.token_hex(8)}.preview"
        with open(tmp, "wb") as f:
            f.write(preview)
        os.replace(tmp, path)
        return path

    def new_part(self) -> Path:
        return self.tmp / f"{secrets.token_hex(8)}.part"

    def discard(self, part: Path) -> None:
        with contextlib.suppress(OSError):
            part.unlink()

    def finish(self, part: Path, file_id: str, kind: str, mime: str, defer: bool = False) -> dict:
        """Check the finished upload at `part`, make its renditions, and move all into the store
        (or remove it and raise FileRefused). Returns the metadata the content gives.
        `defer`: a photo's header is checked now, its full decoding and thumbnail are left to
        `check()` (it is marked in checking/ until then)."""
        try:
            if kind == "photo" and defer:
                meta, im, fp = open_photo(part, self.limits)
                keep = False
                try:
                    if self.state(file_id) is not None:      # the same bytes stored by another upload meanwhile
                        return meta
                    os.fsync(fp.fileno())
                    os.replace(part, self.checking / file_id)     # check() moves it into objects/
                    _fsync_dir(self.checking)
                    keep = True
                finally:
                    if keep:
                        self._keep_open(file_id, im, fp)      # the full decoding reads this same opening
                    else:
                        fp.close()
                return meta
            if kind == "photo":
                meta, thumb, preview = probe_photo(part, self.limits)
            elif kind == "clip":
                meta, thumb, preview = probe_clip(part)
            else:
                meta, thumb, preview = probe_pdf(part)
            final = self.path(file_id)
            final.parent.mkdir(parents=True, exist_ok=True)
            if self.state(file_id) is not None:      # another upload of the same bytes finished first
                return meta
            for rendition, data in (("thumb", thumb), ("preview", preview)):
                if data is None:
                    continue                  # a photo's preview: made on its first request
                tmp = self.tmp / f"{secrets.token_hex(8)}.{rendition}"
                with open(tmp, "wb") as f:
                    f.write(data)
                    f.flush()
                    os.fsync(f.fileno())
                os.replace(tmp, self.path(file_id, rendition))
            with open(part, "rb") as f:
                os.fsync(f.fileno())
            # the original last: has() is true only once everything is in place
            os.replace(part, final)
            _fsync_dir(final.parent)
            return meta
        finally:
            self.discard(part)


# ---- the metadata rows ---------------------------------------------------------------

def _row_meta(r: FileRow) -> dict:
    return {"id": r.id, "kind": r.kind, "type": r.type, "size": r.size, "name": r.name, "width": r.width,
            "height": r.height, "duration": r.duration, "taken_at": r.taken_at,
            "gps": [r.lat, r.lon] if r.lat is not None and r.lon is not None else None,
            "created": r.created, "created_by": r.created_by}


def get_files(store: EventStore, ids) -> dict[str, dict]:
    ids = [i for i in dict.fromkeys(ids) if isinstance(i, str)]
    if not ids:
        return {}
    with Session(store.engine) as s:
        return {r.id: _row_meta(r) for r in s.scalars(select(FileRow).where(FileRow.id.in_(ids)))}


def record_upload(store: EventStore, meta: dict, user: str, case_hint: str | None) -> tuple[dict, bool]:
    """Insert the file's row unless it is there, and the (file, user) upload row; returns the
    stored metadata and whether the row is new."""
    now = time.time()
    gps = meta.get("gps") or [None, None]
    created = False
    with Session(store.engine) as s, s.begin():
        row = s.get(FileRow, meta["id"])
        if row is None:
            try:
                with s.begin_nested():
                    s.execute(insert(FileRow).values(
                        id=meta["id"], kind=meta["kind"], type=meta["type"], size=meta["size"],
                        name=meta.get("name") or "", width=meta.get("width"), height=meta.get("height"),
                        duration=meta.get("duration"), taken_at=meta.get("taken_at"), lat=gps[0], lon=gps[1],
                        created=now, created_by=user, case_hint=case_hint))
                created = True
            except IntegrityError:      # the same bytes committed by another upload meanwhile
                pass
            row = s.get(FileRow, meta["id"])
        if s.get(FileUploadRow, (meta["id"], user)) is None:
            try:
                with s.begin_nested():
                    s.add(FileUploadRow(file_id=meta["id"], user=user, at=now))
            except IntegrityError:
                pass
        assert row is not None
        return _row_meta(row), created


def uploaded_by(store: EventStore, file_id: str, user: str) -> bool:
    with Session(store.engine) as s:
        return s.get(FileUploadRow, (file_id, user)) is not None


def sha256_of(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            h.update(chunk)
    return h.hexdigest()


def utc_now_iso() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def ingest_path(content: ContentStore, store: EventStore, path: Path, user: str, case_hint: str | None = None) -> dict:
    """Store a local file as an upload would (import, bench): the same checks, limits and
    renditions. Returns its metadata; raises FileRefused."""
    size = path.stat().st_size
    if size == 0:
        raise invalid("empty", EMPTY)
    with open(path, "rb") as f:
        head = f.read(SNIFF)
    kt = sniff(head)
    if kt is None:
        raise FileRefused(415, "unsupported_type", UNSUPPORTED)
    kind, mime = kt
    if size > content.limits.of(kind):
        raise too_large(size, content.limits.of(kind), kind)
    part = content.new_part()
    h = hashlib.sha256()
    try:
        with open(path, "rb") as src, open(part, "wb") as dst:
            while chunk := src.read(1 << 20):
                h.update(chunk)
                dst.write(chunk)
        file_id = h.hexdigest()
        known = get_files(store, [file_id]).get(file_id)
        if known is not None and content.has(file_id):
            meta = known
        else:
            probed = content.finish(part, file_id, kind, mime)
            meta = {"id": file_id, "kind": kind, "type": mime, "size": size, "name": clean_name(path.name), **probed}
        return record_upload(store, meta, user, case_hint)[0]
    finally:
        content.discard(part)


def media_self_check() -> int:
    """Decode what the evidence store decodes, from files made here: a clip's poster frame
    (PyAV), a HEIC and an AVIF photo. Prints what it found; 0 when all work (`xiaonao
    --media-check` in the frozen build: `make package-check`)."""
    import tempfile

    from PIL import Image
    ok = True
    lines = []
    with tempfile.TemporaryDirectory(prefix="xiaonao-media-") as d:
        try:
            import av
            clip = Path(d) / "c.mp4"
            with av.open(str(clip), "w", format="mp4") as c:
                s = c.add_stream("mpeg4", rate=10)
                s.width, s.height, s.pix_fmt = 160, 120, "yuv420p"
                for i in range(5):
                    frame = av.VideoFrame.from_image(Image.new("RGB", (160, 120), (40 * i, 200, 40)))
                    for p in s.encode(frame):
                        c.mux(p)
                for p in s.encode():
                    c.mux(p)
            meta, thumb, _prev = probe_clip(clip)
            with Image.open(io.BytesIO(thumb)) as im:
                green = im.convert("RGB").getpixel((10, 10))
                real = isinstance(green, tuple) and green[1] > 150    # the clip's green, not the grey placeholder
            lines.append(f"clip: {meta['width']}x{meta['height']}, poster frame {'decoded' if real else 'MISSING'} "
                         f"(PyAV {av.__version__})")
            ok &= real
        except Exception as e:  # noqa: BLE001 - said, and the check fails
            lines.append(f"clip: FAILED ({e.__class__.__name__}: {e})")
            ok = False
        for fmt, name in (("HEIF", "h.heic"), ("AVIF", "a.avif")):
            try:
                heif_readable()
                path = Path(d) / name
                Image.new("RGB", (64, 48), (200, 30, 30)).save(path, fmt)
                meta, _thumb, _prev = probe_photo(path, FileLimits())
                lines.append(f"{fmt}: {meta['width']}x{meta['height']} decoded")
            except Exception as e:  # noqa: BLE001
                lines.append(f"{fmt}: FAILED ({e.__class__.__name__}: {e})")
                ok = False
    for line in lines:
        print(line)
    print("media check: ok" if ok else "media check: FAILED")
    return 0 if ok else 1
