"""Render the field terminal's PWA icons (server/web/m/icons/*.png) from icon.svg.

Run once after changing the SVG: `QT_QPA_PLATFORM=offscreen .venv/bin/python scripts/field_icons.py`.
The PNGs are committed (the server serves files as they are; there is no build step)."""
from pathlib import Path

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QGuiApplication, QImage, QPainter
from PySide6.QtSvg import QSvgRenderer

ICONS = Path(__file__).resolve().parent.parent / "server" / "web" / "m" / "icons"


def render(size: int, out: Path, maskable: bool = False) -> None:
    img = QImage(size, size, QImage.Format.Format_ARGB32)
    img.fill(QColor("#14324b") if maskable else Qt.GlobalColor.transparent)
    p = QPainter(img)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    pad = size * 0.1 if maskable else 0          # the maskable icon keeps its drawing in the safe zone
    QSvgRenderer(str(ICONS / "icon.svg")).render(p, QRectF(pad, pad, size - 2 * pad, size - 2 * pad))
    p.end()
    img.save(str(out), "PNG")


if __name__ == "__main__":
    app = QGuiApplication([])
    render(192, ICONS / "icon-192.png")
    render(512, ICONS / "icon-512.png")
    render(512, ICONS / "icon-maskable-512.png", maskable=True)
