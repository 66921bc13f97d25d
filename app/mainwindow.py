"""The operator's main window: the case queue in the middle, every other feature a dock
panel that can float to another monitor. The window knows panels only by the factory that
builds each; each panel owns its widgets and connections."""
from __future__ import annotations

import functools
import json
import time
from dataclasses import dataclass
from typing import Callable

from PySide6.QtCore import (
    QT_TRANSLATE_NOOP,
    QByteArray,
    QCoreApplication,
    QPoint,
    QRect,
    QSettings,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QAction, QActionGroup, QGuiApplication, QKeySequence
from PySide6.QtWidgets import QDockWidget, QLabel, QMainWindow, QMenu, QMessageBox, QVBoxLayout, QWidget

from app import i18n
from models.commands import PERMISSIONS, allowed_case_commands
from models.qt import labels
from widgets.alerts import ESCALATE_AFTER_MIN, MUTABLE, AlertBanner, AlertCenter
from widgets.callback import CallbackPanel
from widgets.case_detail import CaseDetailPanel
from widgets.case_queue import CaseQueuePanel
from widgets.command_line import CommandLine
from widgets.common import fill_with_scroll
from widgets.dispatch import DispatchDialog
from widgets.leader import LeaderPanel
from widgets.link_indicator import LinkIndicator
from widgets.new_case import NewCaseDialog
from widgets.offline import OfflineBanner
from widgets.outbox import OutboxPanel
from widgets.radio import RadioPanel
from widgets.roster import RosterPanel
from widgets.rota import RotaPanel
from widgets.street_map import StreetMap
from widgets.style import ZOOM_STEPS, apply_theme, set_kind, zoom_step

LAYOUT_VERSION = 1


@dataclass(frozen=True)
class PanelSpec:
    key: str
    title: str
    area: Qt.DockWidgetArea
    build: Callable
    deferred: bool = False     # built just after the first frame (charts: pyqtgraph and its plots)


def _dashboard(room, parts, zoom=1.0, link=None):
    from widgets.dashboard import DashboardPanel  # pyqtgraph: 0.3 s to import, after the first frame
    return DashboardPanel(room, parts=parts, scale=zoom, link=link)


def _history(link):
    from widgets.history import HistoryPanel
    return HistoryPanel(link)


SCROLLED_PANELS = ("performance", "history", "rota", "callback", "radio", "outbox")
DEFER_AFTER_RESET_MS = 200    # the queue's first paint, then the charts
DEFER_AT_MOST_MS = 1500       # with no cached state to show, do not wait for one


PANELS = [
    PanelSpec("roster", QT_TRANSLATE_NOOP("MainWindow", "Radio roster"), Qt.DockWidgetArea.LeftDockWidgetArea,
              lambda w: RosterPanel(w.room, w.selection, scale=w.zoom)),
    PanelSpec("detail", QT_TRANSLATE_NOOP("MainWindow", "Case detail"), Qt.DockWidgetArea.RightDockWidgetArea,
              lambda w: CaseDetailPanel(w.room, w.selection, w.link)),
    PanelSpec("dashboard", QT_TRANSLATE_NOOP("MainWindow", "Dashboard"), Qt.DockWidgetArea.BottomDockWidgetArea,
              lambda w: _dashboard(w.room, ("kpis", "charts"), w.zoom), deferred=True),
    PanelSpec("performance", QT_TRANSLATE_NOOP("MainWindow", "Performance and warnings"),
              Qt.DockWidgetArea.BottomDockWidgetArea, lambda w: _dashboard(w.room, ("tables",), w.zoom, w.link),
              deferred=True),
    PanelSpec("history", str(QT_TRANSLATE_NOOP("MainWindow", "Performance by month and year")),
              Qt.DockWidgetArea.BottomDockWidgetArea, lambda w: _history(w.link), deferred=True),
    PanelSpec("map", QT_TRANSLATE_NOOP("MainWindow", "Street map"), Qt.DockWidgetArea.BottomDockWidgetArea,
              lambda w: StreetMap(w.room, w.selection, scale=w.zoom)),
    PanelSpec("leader", QT_TRANSLATE_NOOP("MainWindow", "Shift leader"), Qt.DockWidgetArea.BottomDockWidgetArea,
              lambda w: LeaderPanel(w.room, w.link)),
    PanelSpec("rota", str(QT_TRANSLATE_NOOP("MainWindow", "Rota and roads")), Qt.DockWidgetArea.BottomDockWidgetArea,
              lambda w: RotaPanel(w.room, w.link)),
    PanelSpec("callback", str(QT_TRANSLATE_NOOP("MainWindow", "Citizen callback")), Qt.DockWidgetArea.BottomDockWidgetArea,
              lambda w: CallbackPanel(w.room, w.link, w.selection)),
    PanelSpec("radio", str(QT_TRANSLATE_NOOP("MainWindow", "Radio console")), Qt.DockWidgetArea.BottomDockWidgetArea,
              lambda w: RadioPanel(w.room, w.link, w.selection)),
    PanelSpec("outbox", QT_TRANSLATE_NOOP("MainWindow", "Outbox"), Qt.DockWidgetArea.BottomDockWidgetArea,
              lambda w: OutboxPanel(w.link)),
]


def visible_on_some_screen(rect: QRect, min_overlap: int = 80) -> bool:
    for s in QGuiApplication.screens():
        inter = s.availableGeometry().intersected(rect)
        if inter.width() >= min_overlap and inter.height() >= min_overlap:
            return True
    return False


class MainWindow(QMainWindow):
    """Signals:
        sig_language(str): the operator chose another language (the app rebuilds the window).
        sig_zoom(float): the operator zoomed the console (Ctrl+= / Ctrl+- / Ctrl+0): the theme
            is already re-applied; the app rebuilds the window so every panel follows.
    """
    sig_language = Signal(str)
    sig_zoom = Signal(float)

    def __init__(self, room, link, selection, settings: QSettings | None = None, parent=None):
        super().__init__(parent)
        self.setObjectName("MainWindow")
        self.room, self.link, self.selection = room, link, selection
        self.settings = settings or QSettings("Xiaonao", "cockpit")
        self.setWindowTitle(self.tr("Xiaonao command cockpit"))
        self.setDockNestingEnabled(True)
        self.alerts = AlertCenter(room, link, self, escalate_after_min=float(str(self.settings.value(
            "alerts/escalate_after_min", ESCALATE_AFTER_MIN))))
        self.zoom = float(str(self.settings.value("zoom", 1.0)))
        self.queue = CaseQueuePanel(room, selection)
        self.queue.view.verticalHeader().setDefaultSectionSize(int(26 * self.zoom))
        self.banner = AlertBanner(self.alerts, selection, scale=self.zoom)
        self.cmdline = CommandLine(room, link, selection)
        central = QWidget()
        lay = QVBoxLayout(central)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(0)
        self.offline_banner = OfflineBanner(link, room)
        lay.addWidget(self.offline_banner)
        lay.addWidget(self.banner)
        lay.addWidget(self.queue, 1)
        lay.addWidget(self.cmdline)
        self.setCentralWidget(central)
        self.docks: dict[str, QDockWidget] = {}
        self.panels: dict[str, QWidget] = {}
        for spec in PANELS:
            dock = QDockWidget(QCoreApplication.translate("MainWindow", spec.title), self)
            dock.setObjectName(f"dock-{spec.key}")
            if spec.deferred:
                panel = QLabel(self.tr("Loading…"), alignment=Qt.AlignmentFlag.AlignCenter)
                panel.setProperty("kind", "muted")
            else:
                panel = spec.build(self)
            dock.setWidget(self._docked(spec.key, panel))
            if not spec.deferred:
                self._connect_panel(spec.key, panel)
            self.addDockWidget(spec.area, dock)
            self.docks[spec.key] = dock
            self.panels[spec.key] = panel
        # the charts come just after the first frame: on the first state shown, or soon anyway
        self._deferred_timer = QTimer(self, singleShot=True, interval=DEFER_AT_MOST_MS)
        self._deferred_timer.timeout.connect(self.build_deferred_panels)
        self._deferred_timer.start()
        room.sig_reset.connect(self._first_state)
        self.tabifyDockWidget(self.docks["dashboard"], self.docks["performance"])
        self.tabifyDockWidget(self.docks["performance"], self.docks["history"])
        self.tabifyDockWidget(self.docks["history"], self.docks["map"])
        self.tabifyDockWidget(self.docks["map"], self.docks["leader"])
        self.tabifyDockWidget(self.docks["leader"], self.docks["rota"])
        self.tabifyDockWidget(self.docks["rota"], self.docks["callback"])
        self.tabifyDockWidget(self.docks["callback"], self.docks["radio"])
        self.tabifyDockWidget(self.docks["radio"], self.docks["outbox"])
        self.docks["dashboard"].raise_()
        self.fit_default_docks(self.size())
        self._build_status_bar()
        self._build_menus()
        self._show_muted()
        self._replay_outbox()
        self._pending_changed()
        selection.sig_dispatch_requested.connect(self.open_dispatch)
        selection.sig_dispatch_to.connect(self.open_dispatch)
        self.queue.sig_row_menu.connect(self.case_menu)
        room.sig_room.connect(self._room_changed)
        room.sig_reset.connect(self._room_changed)
        room.sig_reset.connect(self.queue.select_first_if_none)
        link.sig_command.connect(self._pending_changed)
        if hasattr(link, "sig_upload"):              # files waiting to be sent count as waiting too
            link.sig_upload.connect(self._pending_changed)
        self._reports: dict[str, str | None] = {}      # report command id -> its case, once in
        room.sig_events.connect(self._reported)
        room.sig_cases.connect(self._provisional_shown)
        self.outbox.sig_open_report.connect(lambda cid, args: self.open_new_case(args, cid))
        self.resize(1600, 950)
        self._default_state = self.saveState(LAYOUT_VERSION)
        self._default_geometry = self.saveGeometry()
        self._docks_fitted = self.restore_layout()     # a saved layout is the operator's: never refitted
        self._room_changed()
        self.queue.view.setFocus()        # at start the queue has the keys: D dispatches, it does not type

    def fit_default_docks(self, size) -> None:
        """The default docks' sizes for a window of this size: at 1600 px and wider the roster's
        two columns of tiles (440) and the detail (470); narrower (a 1366x768 laptop) one column of
        tiles and a narrower detail, so the queue keeps its share; the bottom docks 45 % of the height."""
        w, h = size.width(), size.height()
        side = (440, 470) if w >= 1560 else (250, max(380, min(470, int(w * 0.3))))
        self.resizeDocks([self.docks["roster"], self.docks["detail"]], list(side), Qt.Orientation.Horizontal)
        self.resizeDocks([self.docks["dashboard"]], [max(300, int(h * 0.45))], Qt.Orientation.Vertical)

    def showEvent(self, e):
        super().showEvent(e)
        if not self._docks_fitted:
            # the first show without a saved layout: fit the docks to the size the window has now,
            # or to the screen when it opens maximised (the first start)
            self._docks_fitted = True
            maximised = self.windowState() & (Qt.WindowState.WindowMaximized | Qt.WindowState.WindowFullScreen)
            screen = self.screen().availableGeometry().size() if self.screen() is not None else self.size()
            self._fit_size = screen if maximised else self.size()
            QTimer.singleShot(0, self, self._refit)
        elif not getattr(self, "_rescaled", False):
            self._rescaled = True
            QTimer.singleShot(0, self, self._rescale_saved_docks)

    def _rescale_saved_docks(self) -> None:
        """A layout saved on another screen size (a 1080p monitor's, opened on a 1366x768
        laptop): its docks scaled to the window as it is now, not kept in pixels (the
        dashboard kept its 480 px and left the queue three rows)."""
        try:
            saved = json.loads(self.settings.value(self._settings_key() + "/docks") or "null")
            sw, sh = saved["size"]
        except (TypeError, ValueError, KeyError):
            return
        w, h = self.width(), self.height()
        if sw <= 0 or sh <= 0 or (abs(w - sw) / sw < 0.08 and abs(h - sh) / sh < 0.08):
            return
        across = (Qt.DockWidgetArea.LeftDockWidgetArea, Qt.DockWidgetArea.RightDockWidgetArea)
        horiz: tuple[list, list] = ([], [])
        vert: tuple[list, list] = ([], [])
        for key, (dw, dh) in saved["docks"].items():
            dock = self.docks.get(key)
            if dock is None or dock.isFloating() or not dock.isVisible():
                continue
            if self.dockWidgetArea(dock) in across:
                horiz[0].append(dock)
                horiz[1].append(max(120, int(dw * w / sw)))
            else:
                vert[0].append(dock)
                vert[1].append(max(120, int(dh * h / sh)))
        if horiz[0]:
            self.resizeDocks(horiz[0], horiz[1], Qt.Orientation.Horizontal)
        if vert[0]:
            self.resizeDocks(vert[0], vert[1], Qt.Orientation.Vertical)

    def _refit(self) -> None:
        """The first show's fit, once the layout has its size (a bound method: a window closed
        meanwhile takes the timer's call with it)."""
        self.fit_default_docks(self._fit_size)

    def has_saved_layout(self) -> bool:
        geo = self.settings.value(self._settings_key() + "/geometry")
        return isinstance(geo, QByteArray) and not geo.isEmpty()

    def _first_state(self) -> None:
        if self._deferred_timer.isActive() and self._deferred_timer.remainingTime() > DEFER_AFTER_RESET_MS:
            self._deferred_timer.start(DEFER_AFTER_RESET_MS)

    def build_deferred_panels(self) -> None:
        """Build the panels left for after the first frame, in their docks."""
        self._deferred_timer.stop()
        for spec in PANELS:
            if spec.deferred and isinstance(self.panels[spec.key], QLabel):
                old = self.docks[spec.key].widget()
                self.panels[spec.key] = panel = spec.build(self)
                self.docks[spec.key].setWidget(self._docked(spec.key, panel))
                old.deleteLater()
                self._connect_panel(spec.key, panel)
        if getattr(self, "_fit_size", None) is not None:     # the charts came in at their own size: refit
            QTimer.singleShot(0, self, self._refit)

    def _docked(self, key: str, panel: QWidget) -> QWidget:
        """What goes in the panel's dock: the panel, or for those whose forms and tables need more
        height than a short dock has (a 1366x768 screen), the panel scrolling inside it (they
        made the bottom docks, and so the window, taller than the screen)."""
        if key not in SCROLLED_PANELS:
            return panel
        holder = QWidget()
        holder.setObjectName(f"scroll-{key}")
        fill_with_scroll(holder, panel)
        return holder

    def _connect_panel(self, key: str, panel: QWidget) -> None:
        """What a panel asks of the window: drill-downs into the queue, menus."""
        if hasattr(panel, "sig_drill"):
            panel.sig_drill.connect(self.drill)
        if key == "roster":
            assert isinstance(panel, RosterPanel)
            panel.sig_tile_menu.connect(self.squad_menu)

    # ---- chrome --------------------------------------------------------------------
    def _build_status_bar(self) -> None:
        sb = self.statusBar()
        self.link_indicator = LinkIndicator(self.link, self.room)
        self.user_label = QLabel()
        self.user_label.setObjectName("UserLabel")
        self.mode_label = QLabel()
        self.mode_label.setObjectName("ModeLabel")
        self.pending_label = QLabel()
        self.pending_label.setObjectName("PendingLabel")
        self.mute_label = QLabel()
        self.mute_label.setObjectName("MuteIndicator")
        set_kind(self.mute_label, "warning")
        self.mute_label.setToolTip(self.tr("Alert sounds muted (Alerts menu); emergencies always sound"))
        self.mute_label.setVisible(False)
        self.clock = QLabel()
        sb.addWidget(self.link_indicator)
        sb.addWidget(self.pending_label)
        sb.addPermanentWidget(self.mute_label)
        sb.addPermanentWidget(self.mode_label)
        sb.addPermanentWidget(self.user_label)
        sb.addPermanentWidget(self.clock)
        self.room.sig_tick.connect(self._tick)
        self.link.sig_welcome.connect(lambda w: self._show_user(w.get("user"), w.get("role")))
        self._show_user(self.room.user, self.room.role)     # a rebuilt window (language, zoom) keeps it
        self._tick()

    def _show_user(self, user: str | None, role: str | None) -> None:
        if user and role:
            self.user_label.setText(self.tr("%1 · %2").replace("%1", user).replace("%2", labels.role(role)))

    def _tick(self) -> None:
        text = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(self.room.now()))
        if not self.room.live:
            text += " · " + self.tr("not live")
        self.clock.setText(text)
        self.clock.setStyleSheet("" if self.room.live else "color:#ffb020; font-weight:bold")

    def _room_changed(self) -> None:
        st = self.room.state
        war = st.get("mode") == "wartime"
        self.mode_label.setText(f" {labels.mode(st.get('mode', 'peacetime'))} · {labels.profile(st.get('sla_profile'))} ")
        set_kind(self.mode_label, "war" if war else "peace")
        street = self.room.street
        if street:
            zh = QCoreApplication.translate("Domain", "Dispute") != "Dispute"
            self.setWindowTitle(self.tr("Xiaonao command cockpit") + " — " +
                                (street.get("name") if zh else street.get("name_en", street.get("name"))))

    def _replay_outbox(self) -> None:
        """A rebuilt window (another language, zoom) shows the commands still pending or refused."""
        outbox = self.panels["outbox"]
        rows = getattr(getattr(self.link, "link", None), "outbox", None) or {}
        for cid, row in list(rows.items()):
            if row.get("status") in ("pending", "refused") and isinstance(outbox, OutboxPanel):
                outbox.on_command(cid, row["status"], dict(row))

    def _pending_changed(self, *_):
        outbox = self.panels["outbox"]
        p, r = outbox.pending(), outbox.refused()
        text = []
        if p:
            text.append(self.tr("%1 command(s) waiting to be sent").replace("%1", str(p)))
        if r:
            text.append(self.tr("%1 refused (see Outbox)").replace("%1", str(r)))
        self.pending_label.setText(" · ".join(text))
        set_kind(self.pending_label, "warning" if text else None)

    def _action(self, menu, text, slot, shortcut=None) -> QAction:
        a = QAction(text, self)
        if shortcut:
            a.setShortcuts([QKeySequence(s) for s in shortcut] if isinstance(shortcut, list) else [QKeySequence(shortcut)])
        a.triggered.connect(slot)
        menu.addAction(a)
        self.addAction(a)
        return a

    def _build_menus(self) -> None:
        mb = self.menuBar()
        case = mb.addMenu(self.tr("&Case"))
        self._action(case, self.tr("New case…"), lambda: self.open_new_case(), "Ctrl+N")
        self._action(case, self.tr("Dispatch selected case…"), lambda: self.open_dispatch(self.selection.case_id),
                     ["F2", "D"])
        self._action(case, self.tr("Accept selected case"), lambda: self._case_cmd("case.accept"), ["F3", "A"])
        self._action(case, self.tr("Supervise selected case"), lambda: self._case_cmd("case.supervise"), "F4")
        self._action(case, self.tr("Find…"), self.queue.focus_search, "Ctrl+F")
        self._action(case, self.tr("Command line"), lambda: self.cmdline.edit.setFocus(), "Ctrl+L")
        self._action(case, self.tr("Acknowledge alert"), self.banner.acknowledge, "F9")
        case.addSeparator()
        self._action(case, self.tr("Quit"), self.confirm_quit, "Ctrl+Q")   # closing the last window quits
        view = mb.addMenu(self.tr("&View"))
        for key, dock in self.docks.items():
            a = dock.toggleViewAction()
            view.addAction(a)
        view.addSeparator()
        self._action(view, self.tr("Reset layout"), self.reset_layout)
        view.addSeparator()
        self._action(view, self.tr("Zoom in"), lambda: self.set_zoom(zoom_step(self.zoom, +1)),
                     ["Ctrl+=", "Ctrl++"])
        self._action(view, self.tr("Zoom out"), lambda: self.set_zoom(zoom_step(self.zoom, -1)), "Ctrl+-")
        self._action(view, self.tr("Actual size"), lambda: self.set_zoom(1.0), "Ctrl+0")
        lang = view.addMenu(self.tr("Language"))
        group = QActionGroup(self)
        self.language_actions: dict[str, QAction] = {}
        for code, name in (("zh_CN", "中文"), ("en", "English")):
            a = self._action(lang, name, lambda _=False, c=code: self.sig_language.emit(c))
            a.setCheckable(True)
            a.setChecked(code == i18n.current())        # the language in use is marked
            group.addAction(a)
            self.language_actions[code] = a
        reports = mb.addMenu(self.tr("&Reports"))
        self._action(reports, self.tr("Daily, weekly, monthly reports and bulletins…"), self.open_reports, "Ctrl+R")
        self._action(reports, self.tr("Print the selected case's sheet…"), self.open_case_sheet, "Ctrl+P")
        reports.addSeparator()
        self._action(reports, self.tr("Replay a shift…"), self.open_replay, "Ctrl+Shift+R")
        alerts = mb.addMenu(self.tr("&Alerts"))
        names = {"p1": self.tr("Mute new P1 case alerts"), "overdue": self.tr("Mute missed-deadline alerts")}
        self.mute_actions: dict[str, QAction] = {}
        for kind in MUTABLE:
            a = QAction(names[kind], self, checkable=True)
            a.setChecked(bool(self.settings.value(f"alerts/mute_{kind}", False, type=bool)))
            self.alerts.set_muted(kind, a.isChecked())
            a.toggled.connect(lambda on, k=kind: self.set_muted(k, on))
            alerts.addAction(a)
            self.mute_actions[kind] = a
        note = QAction(self.tr("Emergency calls cannot be muted"), self)
        note.setEnabled(False)
        alerts.addAction(note)
        self._action(alerts, self.tr("Acknowledge all missed-deadline alerts"),
                     lambda: self.alerts.acknowledge_all("overdue"))
        account = mb.addMenu(self.tr("A&ccount"))
        self.users_action = self._action(account, self.tr("Users…"), self.open_users)
        self.users_action.setVisible(self.room.role == "admin")       # the server decides; admins only
        self.link.sig_welcome.connect(lambda w: self.users_action.setVisible(w.get("role") == "admin"))
        self.guides_action = self._action(account, self.tr("Handling guides…"), self.open_guides)
        self.guides_action.setVisible(self.room.role == "admin")
        self.link.sig_welcome.connect(lambda w: self.guides_action.setVisible(w.get("role") == "admin"))
        self._action(account, self.tr("Log out and quit"), self.log_out)

    def open_users(self) -> None:
        """The admin screen: users, roles, passwords (the server refuses anyone else)."""
        from widgets.admin_users import UsersDialog
        if getattr(self, "users_dialog", None) is None:
            self.users_dialog = UsersDialog(self.link, self.room, self)
        self.users_dialog.show()
        self.users_dialog.raise_()

    def open_guides(self) -> None:
        """The handling guides' editor (执法手册, admins only: the server refuses anyone else)."""
        from widgets.guidance_editor import GuidanceEditor
        if getattr(self, "guides_dialog", None) is None:
            self.guides_dialog = GuidanceEditor(self.room, self.link, self)
        self.guides_dialog.show()
        self.guides_dialog.raise_()

    def log_out(self) -> None:
        """End the session on the server (its token stops working), then quit."""
        self.link.logout(self.close)

    def set_zoom(self, zoom: float) -> None:
        """Zoom the whole console; remembered for the next start."""
        from PySide6.QtWidgets import QApplication
        zoom = round(max(ZOOM_STEPS[0], min(ZOOM_STEPS[-1], zoom)), 2)
        if zoom == self.zoom:
            return
        self.zoom = zoom
        self.settings.setValue("zoom", zoom)
        app = QApplication.instance()
        assert isinstance(app, QApplication)
        apply_theme(app, zoom=zoom)
        self.queue.view.verticalHeader().setDefaultSectionSize(int(26 * zoom))
        self.statusBar().showMessage(self.tr("Zoom %1 %").replace("%1", f"{zoom * 100:.0f}"), 3000)
        self.sig_zoom.emit(zoom)

    def set_muted(self, kind: str, muted: bool) -> None:
        """Mute one kind of alert sound; remembered, and shown in the status bar."""
        self.alerts.set_muted(kind, muted)
        self.settings.setValue(f"alerts/mute_{kind}", muted)
        if self.mute_actions[kind].isChecked() != muted:
            self.mute_actions[kind].setChecked(muted)
        self._show_muted()

    def _show_muted(self) -> None:
        names = {"p1": self.tr("new P1"), "overdue": self.tr("missed deadlines")}
        muted = [names[k] for k in MUTABLE if k in self.alerts.muted]
        self.mute_label.setVisible(bool(muted))
        self.mute_label.setText(self.tr("Muted: %1").replace("%1", ", ".join(muted)) if muted else "")

    def _report_lang(self) -> str:
        return i18n.current()

    def open_reports(self):
        """The Reports dialog (widgets/reports.py): asked of the server, previewed, saved, printed."""
        from widgets.reports import ReportDialog
        dlg = ReportDialog(self.link, self._report_lang(), parent=self)
        dlg.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dlg.show()
        return dlg

    def open_replay(self):
        """The replay window (widgets/replay.py): a past range of the room from the server's log,
        read-only, beside the live room (which goes on)."""
        from widgets.replay import ReplayWindow
        win = ReplayWindow(self.link, self.room, parent=self, scale=self.zoom)   # a window of its own
        win.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        win.show()
        return win

    def open_case_sheet(self):
        """The case on screen on A4, to preview, save or print."""
        case = self.room.state["cases"].get(self.selection.case_id)
        if case is None:
            self.statusBar().showMessage(self.tr("Select a case first."), 5000)
            return None
        from widgets.reports import CaseSheetDialog
        dlg = CaseSheetDialog(case, self.room.state, self.link.role, self._report_lang(), parent=self,
                              link=self.link)
        dlg.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dlg.show()
        return dlg

    def _case_cmd(self, name: str) -> None:
        if self.selection.case_id:
            self.link.submit(name, {"case_id": self.selection.case_id})

    # ---- drill-down and menus -------------------------------------------------------------
    def drill(self, title: str, ids) -> None:
        """Show just these cases in the queue (a KPI tile, an early warning, a squad's cases)."""
        self.queue.show_only(title, list(ids))
        self.queue.focus_queue()

    def case_menu(self, cid: str, pos: QPoint) -> None:
        """The frequent actions on a queue row (popup, never exec(): the loop keeps running)."""
        case = self.room.state["cases"].get(cid)
        if case is None:
            self.queue.menu_closed()
            return
        allowed = set(allowed_case_commands(case, self.room.role or "operator"))
        m = QMenu(self)
        for cmd, text, slot in (
                ("case.dispatch", self.tr("Dispatch…"), lambda: self.open_dispatch(cid)),
                ("case.accept", self.tr("Accept"), lambda: self.link.submit("case.accept", {"case_id": cid})),
                ("case.supervise", self.tr("Supervise"), lambda: self.link.submit("case.supervise", {"case_id": cid})),
                ("case.amend", self.tr("Amend…"), self._amend_selected)):
            a = m.addAction(text, slot)
            a.setObjectName(cmd)
            a.setEnabled(cmd in allowed)
        alerts = [a for a in self.alerts.unacknowledged() if a.key == cid and a.kind != "emergency"]
        if alerts:
            a = m.addAction(self.tr("Acknowledge alert"), lambda: self._acknowledge(alerts))
            a.setObjectName("alert.ack")
        m.addSeparator()
        m.addAction(self.tr("Copy case number"), lambda: QGuiApplication.clipboard().setText(cid)).setObjectName("copy")
        m.aboutToHide.connect(self.queue.menu_closed)
        m.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        m.popup(pos)
        self._menu = m

    def _amend_selected(self) -> None:
        detail = self.panels["detail"]
        assert isinstance(detail, CaseDetailPanel)
        detail.open_amend()

    def _acknowledge(self, alerts) -> None:
        for a in alerts:
            self.alerts.acknowledge(a)

    def _squad_cases(self, tid: str) -> list[str]:
        return [c for c, v in self.room.state["cases"].items() if v.get("team_id") == tid and v["status"] != "closed"]

    def squad_menu(self, tid: str, pos: QPoint) -> None:
        """The frequent actions on a squad tile."""
        team = self.room.state["teams"].get(tid)
        if team is None:
            return
        perms = PERMISSIONS.get(self.room.role or "operator", frozenset())
        m = QMenu(self)
        cid = self.selection.case_id
        case = self.room.state["cases"].get(cid) if cid else None
        if case is not None:
            a = m.addAction(self.tr("Dispatch %1 to this squad").replace("%1", cid),
                            lambda: self.link.submit("case.dispatch", {"case_id": cid, "team_id": tid}))
            a.setObjectName("case.dispatch")
            a.setEnabled("case.dispatch" in perms and team["on_duty"]
                         and "case.dispatch" in allowed_case_commands(case, self.room.role or "operator"))
        a = m.addAction(self.tr("Show this squad's cases"), lambda: self.drill(team["call_sign"], self._squad_cases(tid)))
        a.setObjectName("drill")
        if team.get("emergency"):
            a = m.addAction(self.tr("Acknowledge emergency"), lambda: self.link.submit("radio.ack", {"team_id": tid}))
            a.setObjectName("radio.ack")
            a.setEnabled("radio.ack" in perms)
        if team.get("reinforcement"):
            a = m.addAction(self.tr("Acknowledge reinforcement request"),
                            lambda: self.link.submit("team.reinforcement_ack", {"team_id": tid}))
            a.setObjectName("team.reinforcement_ack")
            a.setEnabled("team.reinforcement_ack" in perms)
        status = m.addMenu(self.tr("Set status"))
        for st in ("available", "busy"):
            a = status.addAction(labels.team_status(st), functools.partial(
                self.link.submit, "team.status", {"team_id": tid, "status": st}))
            a.setObjectName(f"team.status:{st}")
            a.setEnabled("team.status" in perms and team["on_duty"] and team["status"] != st)
        m.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        m.popup(pos)
        self._menu = m

    # ---- dialogs (never exec(): open() and signals) ---------------------------------
    def open_dispatch(self, cid: str, team_id: str = "") -> None:
        if not cid or cid not in self.room.state["cases"] or self.room.state["cases"][cid].get("pending"):
            return
        dlg = DispatchDialog(self.room, self.link, cid, self, team_id=team_id or None)
        dlg.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dlg.open()
        self._dialog = dlg

    def open_new_case(self, args: dict | None = None, replaces: str = "") -> None:
        """The new-case form; with `args`, a refused report (Outbox entry `replaces`) to correct."""
        dlg = NewCaseDialog(self.room, self.link, self, args=args)
        dlg.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dlg.sig_submitted.connect(self._follow_report)
        if replaces:
            dlg.sig_submitted.connect(lambda _cid: self.outbox.forget(replaces))
        dlg.open()
        self._dialog = dlg

    @property
    def dialog(self):
        """The dialog opened last from the window (dispatch, new case), None before any."""
        return getattr(self, "_dialog", None)

    @property
    def menu(self) -> QMenu | None:
        """The context menu popped up last (a case row's, a squad tile's)."""
        return getattr(self, "_menu", None)

    @property
    def quit_box(self):
        """The 'Quit anyway?' question, once asked."""
        return getattr(self, "_quit_box", None)

    @property
    def outbox(self) -> OutboxPanel:
        panel = self.panels["outbox"]
        assert isinstance(panel, OutboxPanel)
        return panel

    def _follow_report(self, command_id: str) -> None:
        if command_id:
            self._reports[command_id] = None

    def _provisional_shown(self, _changed, new) -> None:
        """A report waiting to be sent (offline) is in the queue at once: select it."""
        for cmd in self._reports:
            pid = self.room.provisional_case(cmd)
            if pid and pid in new:
                self.queue.show_case(pid)

    def _reported(self, events: list[dict]) -> None:
        """The operator's own report is in (its event is durable): select the new case, and
        show it even if the queue's filter would hide it, so `D` acts on it."""
        for ev in events:
            cmd = ev.get("command_id")
            if cmd not in self._reports:
                continue
            d = ev.get("data") or {}
            if ev["name"] == "case.reported":
                self._reports[cmd] = d.get("case_id")
            elif ev["name"] == "case.merged":
                self._reports[cmd] = d.get("into")      # a repeat call: the case it joined
        for cmd, case_id in list(self._reports.items()):
            if case_id:
                del self._reports[cmd]
                self.queue.show_case(case_id)

    # ---- layout ------------------------------------------------------------------------
    def _settings_key(self) -> str:
        return f"layout/{self.room.user or 'local'}"

    def save_layout(self) -> None:
        s = self.settings
        s.setValue(self._settings_key() + "/geometry", self.saveGeometry())
        s.setValue(self._settings_key() + "/state", self.saveState(LAYOUT_VERSION))
        # (the size it was saved at, and its docks': scaled on another screen)
        docks = {k: (d.width(), d.height()) for k, d in self.docks.items() if d.isVisible() and not d.isFloating()}
        s.setValue(self._settings_key() + "/docks",
                   json.dumps({"size": (self.width(), self.height()), "docks": docks}))
        s.sync()

    def restore_layout(self) -> bool:
        """The operator's saved geometry and docks; False when there were none."""
        s = self.settings
        geo = s.value(self._settings_key() + "/geometry")
        state = s.value(self._settings_key() + "/state")
        if isinstance(geo, QByteArray) and not geo.isEmpty():
            self.restoreGeometry(geo)
        restored = isinstance(state, QByteArray) and not state.isEmpty() and self.restoreState(state, LAYOUT_VERSION)
        self.ensure_on_screen()
        return bool(restored)

    def ensure_on_screen(self) -> None:
        """A monitor may be gone since the layout was saved: bring back what would be off-screen."""
        screen = QGuiApplication.primaryScreen().availableGeometry()
        if not visible_on_some_screen(self.frameGeometry()):
            w, h = min(self.width(), screen.width()), min(self.height(), screen.height())
            self.setGeometry(screen.x() + (screen.width() - w) // 2, screen.y() + (screen.height() - h) // 2, w, h)
        for dock in self.docks.values():
            if dock.isFloating() and not visible_on_some_screen(dock.frameGeometry()):
                dock.setFloating(False)

    def reset_layout(self) -> None:
        """The default docks; a maximised (or full-screen) window stays so."""
        keep = self.windowState() & (Qt.WindowState.WindowMaximized | Qt.WindowState.WindowFullScreen)
        if not keep:
            self.restoreGeometry(self._default_geometry)
        self.restoreState(self._default_state, LAYOUT_VERSION)
        for dock in self.docks.values():
            dock.setFloating(False)
            dock.show()
        if keep:
            self.setWindowState(self.windowState() | keep)
        self.fit_default_docks(self.size())
        self.ensure_on_screen()

    # ---- quitting ------------------------------------------------------------------------
    def quit_warnings(self) -> list[str]:
        """What would be left behind by quitting now (empty: nothing)."""
        out = []
        outbox = self.panels["outbox"]
        assert isinstance(outbox, OutboxPanel)
        if outbox.pending():
            out.append(self.tr("%1 command(s) not yet sent or acknowledged").replace("%1", str(outbox.pending())))
        n = len(self.alerts.unacknowledged())
        if n:
            out.append(self.tr("%1 unacknowledged alert(s)").replace("%1", str(n)))
        return out

    def confirm_quit(self) -> None:
        """Ctrl+Q: quit at once, or ask first when commands are pending or alerts unacknowledged."""
        warnings = self.quit_warnings()
        if not warnings:
            self._quit_confirmed = True
            self.close()
            return
        box = QMessageBox(QMessageBox.Icon.Warning, self.tr("Quit the cockpit?"),
                          self.tr("Quit anyway?") + "\n\n" + "\n".join("• " + w for w in warnings),
                          QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, self)
        yes = box.button(QMessageBox.StandardButton.Yes)
        yes.setText(self.tr("Quit"))
        box.button(QMessageBox.StandardButton.No).setText(self.tr("Stay"))
        box.setDefaultButton(QMessageBox.StandardButton.No)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.buttonClicked.connect(lambda b: self._quit_now() if b is yes else None)
        box.open()                       # never exec(): the event loop keeps running
        self._quit_box = box

    def _quit_now(self) -> None:
        self._quit_confirmed = True
        self.close()

    def closeEvent(self, e):
        if e.spontaneous() and not getattr(self, "_quit_confirmed", False) and self.quit_warnings():
            e.ignore()                  # the window manager's close button: ask as Ctrl+Q does
            self.confirm_quit()
            return
        self.save_layout()
        super().closeEvent(e)
