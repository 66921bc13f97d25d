"""Languages: zh_CN (the default under a Chinese locale) and English (the source strings)."""
from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QLibraryInfo, QLocale, QTranslator

from models.domain import RESOURCES

I18N = RESOURCES / "i18n"
LANGUAGES = ("zh_CN", "en")
_installed: list[QTranslator] = []
_current = "en"


class _QtGaps(QTranslator):
    """Qt's own strings that its shipped qtbase_zh_CN.qm leaves in English (the file dialog's
    "Look in:", "Files of type:", "Folder"): ours, from resources/i18n/qt_gaps_LANG.tsv.
    Anything not listed falls through to Qt's translator (None is "no translation here")."""

    def __init__(self, parent, table: dict[tuple[str, str], str]) -> None:
        super().__init__(parent)
        self._table = table

    def translate(self, context, source, disambiguation=None, n=-1):  # type: ignore[override]
        return self._table.get((context, source))

    def isEmpty(self) -> bool:  # noqa: N802 (Qt's name)
        return not self._table


def qt_gaps(lang: str) -> dict[tuple[str, str], str]:
    """(context, source) -> translation for the Qt strings qtbase leaves untranslated in `lang`."""
    path = I18N / f"qt_gaps_{lang}.tsv"
    if not path.exists():
        return {}
    out = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            ctx, src, text = line.split("\t")
            out[(ctx, src)] = text
    return out


def current() -> str:
    """The language installed now."""
    return _current


def default_language(locale: QLocale | None = None) -> str:
    """The language a cockpit opens in when neither --lang nor a saved choice says: the
    system's where it is one we ship, Chinese otherwise. The users read Chinese, and a
    console machine set up with no locale at all (LANG unset: the "C" locale) is not an
    English speaker's choice; another language's speaker reads English sooner than Chinese."""
    language = (locale or QLocale.system()).language()
    chinese = (QLocale.Language.Chinese, QLocale.Language.C, QLocale.Language.AnyLanguage)
    return "zh_CN" if language in chinese else "en"


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
    gaps = qt_gaps(lang)
    if gaps:                          # installed last: asked first, only for what it lists
        g = _QtGaps(app, gaps)
        app.installTranslator(g)
        _installed.append(g)
    QLocale.setDefault(QLocale(lang))
    return ok
