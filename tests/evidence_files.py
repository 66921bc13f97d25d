"""Test files for the evidence tests and the bench: real photos, clips and PDFs made here."""
from __future__ import annotations

import io
import os
from fractions import Fraction


def jpeg(w: int = 1200, h: int = 900, *, colour=(200, 40, 40), gps: tuple[float, float] | None = None,
         taken: str | None = None, orientation: int | None = None, noise: bool = False,
         quality: int = 90, exif_pad: int = 0) -> bytes:
    from PIL import Image
    if noise:
        img = Image.frombytes("RGB", (w, h), os.urandom(w * h * 3))
    else:
        img = Image.new("RGB", (w, h), colour)
    exif = Image.Exif()
    if taken:
        exif.get_ifd(0x8769)[0x9003] = taken
    if gps:
        def dms(x):
            x = abs(x)
            d = int(x)
            m = int((x - d) * 60)
            s = round(((x - d) * 60 - m) * 60, 4)
            return (Fraction(d), Fraction(m), Fraction(s).limit_denominator(10000))
        g = exif.get_ifd(0x8825)
        g[1], g[2] = ("N" if gps[0] >= 0 else "S"), dms(gps[0])
        g[3], g[4] = ("E" if gps[1] >= 0 else "W"), dms(gps[1])
    if orientation:
        exif[0x0112] = orientation
    if exif_pad:
        exif[0x010E] = "x" * exif_pad        # ImageDescription: a large EXIF block
    out = io.BytesIO()
    img.save(out, "JPEG", quality=quality, exif=exif.tobytes() if (taken or gps or orientation or exif_pad) else b"")
    return out.getvalue()


def photo_of_size(target: int) -> bytes:
    """A real JPEG of about `target` bytes (noise does not compress)."""
    side = int((target / 1.2) ** 0.5 / 1.3)
    data = jpeg(side, side, noise=True, quality=95)
    while len(data) < target * 0.9:
        side = int(side * (target / len(data)) ** 0.5)
        data = jpeg(side, side, noise=True, quality=95)
    return data


def png(w: int = 64, h: int = 48) -> bytes:
    from PIL import Image
    out = io.BytesIO()
    Image.new("RGB", (w, h), (10, 120, 10)).save(out, "PNG")
    return out.getvalue()


def bomb_png(side: int = 12_000) -> bytes:
    """A small PNG (a few hundred KB) that decodes to side x side pixels."""
    from PIL import Image
    out = io.BytesIO()
    Image.new("1", (side, side), 0).save(out, "PNG", optimize=True)
    return out.getvalue()


def mp4(seconds: float = 1.0, w: int = 160, h: int = 120, fps: int = 10) -> bytes:
    import av
    import numpy as np
    out = io.BytesIO()
    with av.open(out, "w", format="mp4") as c:
        s = c.add_stream("mpeg4", rate=fps)
        s.width, s.height, s.pix_fmt = w, h, "yuv420p"
        for i in range(int(seconds * fps)):
            arr = np.full((h, w, 3), (i * 20) % 255, dtype=np.uint8)
            arr[:, : w // 2, 0] = 250
            for p in s.encode(av.VideoFrame.from_ndarray(arr, format="rgb24")):
                c.mux(p)
        for p in s.encode():
            c.mux(p)
    return out.getvalue()


def pdf() -> bytes:
    from reportlab.pdfgen import canvas
    out = io.BytesIO()
    c = canvas.Canvas(out)
    c.drawString(100, 750, "case sheet")
    c.save()
    return out.getvalue()


def padded_mp4(size: int) -> bytes:
    """A valid MP4 of about `size` bytes: a short clip and a `free` box of random bytes (which
    players skip): for measuring the transfer, not the decoding."""
    clip = mp4(seconds=0.5)
    pad = max(0, size - len(clip) - 8)
    return clip + (pad + 8).to_bytes(4, "big") + b"free" + os.urandom(pad)


def damaged_png(w: int = 300, h: int = 200) -> bytes:
    """A PNG whose header and end are whole but whose pixel data is cut in half: only a full
    decoding finds it damaged."""
    import struct
    import zlib

    from PIL import Image
    out = io.BytesIO()
    Image.frombytes("RGB", (w, h), os.urandom(w * h * 3)).save(out, "PNG")
    data = out.getvalue()
    i = data.index(b"IDAT")
    n = int.from_bytes(data[i - 4:i], "big")

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)
    return data[:i - 4] + chunk(b"IDAT", data[i + 4:i + 4 + n // 2]) + chunk(b"IEND", b"")


def avif(w: int = 1200, h: int = 900) -> bytes:
    """An AVIF still (Pillow writes it)."""
    from PIL import Image
    out = io.BytesIO()
    Image.new("RGB", (w, h), (30, 90, 200)).save(out, "AVIF", quality=50, speed=10)
    return out.getvalue()


def heic(w: int = 1200, h: int = 900) -> bytes:
    """A HEIC still, as phones take them (pillow-heif writes it)."""
    import pillow_heif
    from PIL import Image
    pillow_heif.register_heif_opener()
    out = io.BytesIO()
    Image.new("RGB", (w, h), (200, 160, 20)).save(out, "HEIF", quality=50)
    return out.getvalue()
