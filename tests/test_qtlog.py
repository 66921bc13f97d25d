"""The console a start leaves: Qt's library probing is dropped, no audio said once in words."""
from __future__ import annotations

import logging

from PySide6.QtCore import qInstallMessageHandler, qWarning

from app import qtlog


def test_qt_probing_noise_is_dropped_and_no_audio_said_once(qapp, capsys, caplog):
    handler = qtlog.install(verbose=False)
    try:
        with caplog.at_level(logging.WARNING, logger="xiaonao"):
            qWarning("PulseAudioService: pa_context_connect() failed")
            for _ in range(3):
                qWarning("QSoundEffect: playback of this format is not supported on the selected audio device")
            qWarning("QObject::connect: something real went wrong")
        err = capsys.readouterr().err
        assert "pa_context_connect" not in err and "QSoundEffect" not in err
        assert "something real went wrong" in err            # everything else still reaches the console
        assert [r.getMessage() for r in caplog.records].count(
            "no usable audio device: alarm sounds are off (banners and colours still show)") == 1
        assert handler.dropped == 1
        qtlog.install(verbose=True)
        qWarning("PulseAudioService: pa_context_connect() failed")
        assert "pa_context_connect" in capsys.readouterr().err     # --verbose keeps them
    finally:
        qInstallMessageHandler(None)


def test_an_answer_arriving_after_its_dialog_closed_is_dropped_quietly(qapp):
    """A query's answer for a dialog closed meanwhile (the reports dialog, the replay window)
    is dropped, not a "C++ object already deleted" traceback in the link's task."""
    import shiboken6
    from PySide6.QtWidgets import QLabel, QWidget

    from client.qtlink import _alive

    class Box(QWidget):
        def __init__(self):
            super().__init__()
            self.status = QLabel(self)
            self.answers = []

        def answered(self, data, error):
            self.status.setText(str(data))
            self.answers.append(data)

    box = Box()
    done = _alive(box.answered)
    done("first", None)
    assert box.answers == ["first"]
    shiboken6.delete(box)
    assert done("late", None) is None          # nothing raised
