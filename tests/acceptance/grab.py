"""Save the whole X screen to a PNG: `python grab.py OUT.png` with DISPLAY set.

The acceptance harness uses it instead of ImageMagick's `import -window root` (one less
system package): Qt's xcb platform reads the root window like any screenshot tool."""
from __future__ import annotations

import os
import sys

os.environ["QT_QPA_PLATFORM"] = "xcb"

from PySide6.QtGui import QGuiApplication  # noqa: E402


def main(out: str) -> int:
    app = QGuiApplication(sys.argv[:1])
    pix = app.primaryScreen().grabWindow(0)
    ok = pix.save(out, "PNG")
    print(f"{out} {pix.width()}x{pix.height()}" if ok else f"could not save {out}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
