"""Languages: zh_CN (the default under a Chinese locale) and English (the source strings)."""
from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QLibraryInfo, QLocale, QTranslator

from models.domain import RESOURCES

I18N = RESOURCES / "i18n"
LANGUAGES = ("zh_CN", "en")
_installed: list[QTranslator] = []
_current = "en"


def current() -> str:
    """The language installed now."""
    return _current


def default_language() -> str:
    return "zh_CN" if QLocale.system().language() == QLocale.Language.Chinese else "en"


def install(lang: str) -> bool:
    """Install the translators for `lang`, replacing any installed before. True when loaded."""
    global _current
    _current = lang
    app = QCoreApplication.instance()
    if app is None:
        raise RuntimeError("i18n.install needs the QApplication first")
    for t in _installed:
        app.removeTranslator(t)
    _installed.clear()
    if lang == "en":
        QLocale.setDefault(QLocale(QLocale.Language.English, QLocale.Country.UnitedStates))
        return True
    ok = False
    own = QTranslator(app)
    if own.load(str(I18N / f"xiaonao_{lang}.qm")):
        app.installTranslator(own)
        _installed.append(own)
        ok = True
    qt = QTranslator(app)
    if qt.load(f"qtbase_{lang}", QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)):
        app.installTranslator(qt)
        _installed.append(qt)
    QLocale.setDefault(QLocale(lang))
    return ok
