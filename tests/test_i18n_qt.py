"""Qt's own dialogs speak the user's language: the strings qtbase_zh_CN leaves English are ours."""
from __future__ import annotations

from PySide6.QtWidgets import QComboBox, QFileDialog, QLabel

from app import i18n


def _texts(dlg: QFileDialog) -> set[str]:
    return {w.text() for w in dlg.findChildren(QLabel)}


def test_the_attach_file_dialog_is_all_chinese_in_zh_cn(qtbot, qapp):
    i18n.install("zh_CN")
    try:
        dlg = QFileDialog(None, "附加文件")
        dlg.setOption(QFileDialog.Option.DontUseNativeDialog, True)
        qtbot.addWidget(dlg)
        dlg.show()
        texts = _texts(dlg)
        assert "查找范围(&I):" in texts and "文件类型(&T):" in texts
        assert not {"&Look in:", "Files of &type:"} & texts
    finally:
        i18n.install("en")
    dlg2 = QFileDialog(None, "Attach")
    dlg2.setOption(QFileDialog.Option.DontUseNativeDialog, True)
    qtbot.addWidget(dlg2)
    dlg2.show()
    assert "&Look in:" in _texts(dlg2)             # English stays Qt's own
    assert dlg2.findChildren(QComboBox)


def test_a_machine_with_no_locale_opens_the_cockpit_in_chinese_another_language_in_english():
    from PySide6.QtCore import QLocale
    assert i18n.default_language(QLocale.c()) == "zh_CN"             # LANG unset: the "C" locale
    assert i18n.default_language(QLocale("zh_TW")) == "zh_CN"
    assert i18n.default_language(QLocale("en_GB")) == "en"           # English only where asked for
    assert i18n.default_language(QLocale("de_DE")) == "en"           # (a language we do not ship)
