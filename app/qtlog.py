"""Qt's own console messages, filtered: a start on a machine without VA-API, PipeWire or a sound
server printed a dozen lines of library probing ("Couldn't resolve va symbols",
"pa_context_connect() failed") that say nothing to an operator. Those are dropped (kept with
--verbose); "no audio device" becomes one line saying what it means; everything else passes."""
from __future__ import annotations

import logging
import sys

from PySide6.QtCore import QtMsgType, qInstallMessageHandler

log = logging.getLogger("xiaonao")

# (category, start of the message) of Qt's probing noise
NOISE = (
    ("qt.multimedia.symbolsresolver", ""),
    ("qt.multimedia.ffmpeg", "Using Qt multimedia with FFmpeg"),
    ("", "PulseAudioService: pa_context_connect() failed"),
    ("", "This plugin does not support propagateSizeHints()"),
)
NO_AUDIO = "QSoundEffect: playback of this format is not supported"


class QtMessages:
    def __init__(self, verbose: bool = False) -> None:
        self.verbose = verbose
        self.dropped = 0
        self.said_no_audio = False

    def __call__(self, mode, context, message: str) -> None:
        category = context.category if context is not None and context.category != "default" else ""
        if not self.verbose and mode != QtMsgType.QtFatalMsg:
            if any(category.startswith(c) and message.startswith(m) for c, m in NOISE if c or m):
                self.dropped += 1
                return
            if message.startswith(NO_AUDIO):
                if not self.said_no_audio:
                    self.said_no_audio = True
                    log.warning("no usable audio device: alarm sounds are off (banners and colours still show)")
                return
        sys.stderr.write(f"{category}: {message}\n" if category else f"{message}\n")


def install(verbose: bool = False) -> QtMessages:
    """Install the filter for the process (before the QApplication, so start-up lines are caught)."""
    handler = QtMessages(verbose)
    qInstallMessageHandler(handler)
    return handler
