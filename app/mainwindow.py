"""The operator's main window: the case queue in the middle, every other feature a dock
panel that can float to another monitor. The window knows panels only by the factory that
builds each; each panel owns its widgets and connections."""
from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Callable

from PySide6.QtCore import QT_TRANSLATE_NOOP, QByteArray, QCoreApplication, QRect, QSettings, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QGuiApplication, QKeySequence
from PySide6.QtWidgets import QDockWidget, QLabel, QMainWindow, QMessageBox, QVBoxLayout, QWidget

from models.qt import labels
from widgets.alerts import ESCALATE_AFTER_MIN, MUTABLE, AlertBanner, AlertCenter
from widgets.case_detail import CaseDetailPanel
from widgets.case_queue import CaseQueuePanel
from widgets.command_line import CommandLine
from widgets.dispatch import DispatchDialog
from widgets.leader import LeaderPanel
from widgets.link_indicator import LinkIndicator
from widgets.new_case import NewCaseDialog
from widgets.offline import OfflineBanner
from widgets.outbox import OutboxPanel
from widgets.roster import RosterPanel
from widgets.street_map import StreetMap

LAYOUT_VERSION = 1


@dataclass(frozen=True)
class PanelSpec:
    key: str
    title: str
    area: Qt.DockWidgetArea
    build: Callable
    deferred: bool = False     # built just after the first frame (charts: pyqtgraph and its plots)


def _dashboard(room, parts):
    from widgets.dashboard import DashboardPanel  # pyqtgraph: 0.3 s to import, after the first frame
    return DashboardPanel(room, parts=parts)


DEFER_AFTER_RESET_MS = 200    # the queue's first paint, then the charts
DEFER_AT_MOST_MS = 1500       # with no cached state to show, do not wait for one


PANELS = [
    PanelSpec("roster", QT_TRANSLATE_NOOP("MainWindow", "Radio roster"), Qt.DockWidgetArea.LeftDockWidgetArea,
              lambda w: RosterPanel(w.room, w.selection)),
    PanelSpec("detail", QT_TRANSLATE_NOOP("MainWindow", "Case detail"), Qt.DockWidgetArea.RightDockWidgetArea,
              lambda w: CaseDetailPanel(w.room, w.selection, w.link)),
    PanelSpec("dashboard", QT_TRANSLATE_NOOP("MainWindow", "Dashboard"), Qt.DockWidgetArea.BottomDockWidgetArea,
              lambda w: _dashboard(w.room, ("kpis", "charts")), deferred=True),
    PanelSpec("performance", QT_TRANSLATE_NOOP("MainWindow", "Performance and warnings"),
              Qt.DockWidgetArea.BottomDockWidgetArea, lambda w: _dashboard(w.room, ("tables",)), deferred=True),
    PanelSpec("map", QT_TRANSLATE_NOOP("MainWindow", "Street map"), Qt.DockWidgetArea.BottomDockWidgetArea,
              lambda w: StreetMap(w.room, w.selection)),
    PanelSpec("leader", QT_TRANSLATE_NOOP("MainWindow", "Shift leader"), Qt.DockWidgetArea.BottomDockWidgetArea,
              lambda w: LeaderPanel(w.room, w.link)),
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
    """
    sig_language = Signal(str)

    def __init__(self, room, link, selection, settings: QSettings | None = None, parent=None):
        super().__init__(parent)
        self.setObjectName("MainWindow")
        self.room, self.link, self.selection = room, link, selection
        self.settings = settings or QSettings("Xiaonao", "cockpit")
        self.setWindowTitle(self.tr("Xiaonao command cockpit"))
        self.setDockNestingEnabled(True)
        self.alerts = AlertCenter(room, link, self, escalate_after_min=float(str(self.settings.value(
            "alerts/escalate_after_min", ESCALATE_AFTER_MIN))))
        self.queue = CaseQueuePanel(room, selection)
        self.banner = AlertBanner(self.alerts, selection)
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
            dock.setWidget(panel)
            self.addDockWidget(spec.area, dock)
            self.docks[spec.key] = dock
            self.panels[spec.key] = panel
        # the charts come just after the first frame: on the first state shown, or soon anyway
        self._deferred_timer = QTimer(self, singleShot=True, interval=DEFER_AT_MOST_MS,
                                      timeout=self.build_deferred_panels)
        self._deferred_timer.start()
        room.sig_reset.connect(self._first_state)
        self.tabifyDockWidget(self.docks["dashboard"], self.docks["performance"])
        self.tabifyDockWidget(self.docks["performance"], self.docks["map"])
        self.tabifyDockWidget(self.docks["map"], self.docks["leader"])
        self.tabifyDockWidget(self.docks["leader"], self.docks["outbox"])
        self.docks["dashboard"].raise_()
        self.resizeDocks([self.docks["roster"], self.docks["detail"]], [440, 470], Qt.Orientation.Horizontal)
        self.resizeDocks([self.docks["dashboard"]], [390], Qt.Orientation.Vertical)
        self._build_status_bar()
        self._build_menus()
        self._show_muted()
        selection.sig_dispatch_requested.connect(self.open_dispatch)
        selection.sig_dispatch_to.connect(self.open_dispatch)
        room.sig_room.connect(self._room_changed)
        room.sig_reset.connect(self._room_changed)
        room.sig_reset.connect(self.queue.select_first_if_none)
        link.sig_command.connect(self._pending_changed)
        self._reports: dict[str, str | None] = {}      # report command id -> its case, once in
        room.sig_events.connect(self._reported)
        room.sig_cases.connect(self._provisional_shown)
        self.outbox.sig_open_report.connect(lambda cid, args: self.open_new_case(args, cid))
        self.resize(1600, 950)
        self._default_state = self.saveState(LAYOUT_VERSION)
        self._default_geometry = self.saveGeometry()
        self.restore_layout()
        self._room_changed()
        self.queue.view.setFocus()        # at start the queue has the keys: D dispatches, it does not type

    def _first_state(self) -> None:
        if self._deferred_timer.isActive() and self._deferred_timer.remainingTime() > DEFER_AFTER_RESET_MS:
            self._deferred_timer.start(DEFER_AFTER_RESET_MS)

    def build_deferred_panels(self) -> None:
        """Build the panels left for after the first frame, in their docks."""
        self._deferred_timer.stop()
        for spec in PANELS:
            if spec.deferred and isinstance(self.panels[spec.key], QLabel):
                old = self.panels[spec.key]
                self.panels[spec.key] = panel = spec.build(self)
                self.docks[spec.key].setWidget(panel)
                old.deleteLater()

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
        self.mute_label.setStyleSheet("color:#ffb020; font-weight:bold; padding:0 6px")
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
        self.link.sig_welcome.connect(lambda w: self.user_label.setText(
            self.tr("%1 · %2").replace("%1", w.get("user", "")).replace("%2", w.get("role", ""))))
        self._tick()

    def _tick(self) -> None:
        text = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(self.room.now()))
        if not self.room.live:
            text += " · " + self.tr("not live")
        self.clock.setText(text)
        self.clock.setStyleSheet("" if self.room.live else "color:#ffb020; font-weight:bold")

    def _room_changed(self) -> None:
        st = self.room.state
        war = st.get("mode") == "wartime"
        self.mode_label.setText(f" {labels.mode(st.get('mode', 'peacetime'))} · {st.get('sla_profile', '')} ")
        self.mode_label.setStyleSheet("background:#c0392b; color:white; font-weight:bold; padding:2px 8px" if war
                                      else "color:#9fb3c8")
        street = self.room.street
        if street:
            zh = QCoreApplication.translate("Domain", "Dispute") != "Dispute"
            self.setWindowTitle(self.tr("Xiaonao command cockpit") + " — " +
                                (street.get("name") if zh else street.get("name_en", street.get("name"))))

    def _pending_changed(self, *_):
        outbox = self.panels["outbox"]
        p, r = outbox.pending(), outbox.refused()
        text = []
        if p:
            text.append(self.tr("%1 command(s) waiting to be sent").replace("%1", str(p)))
        if r:
            text.append(self.tr("%1 refused (see Outbox)").replace("%1", str(r)))
        self.pending_label.setText(" · ".join(text))
        self.pending_label.setStyleSheet("color:#ffb020; font-weight:bold" if text else "")

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
        lang = view.addMenu(self.tr("Language"))
        self._action(lang, "中文", lambda: self.sig_language.emit("zh_CN"))
        self._action(lang, "English", lambda: self.sig_language.emit("en"))
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
        self.mute_label.setText("🔕 " + self.tr("Muted: %1").replace("%1", ", ".join(muted)) if muted else "")

    def _case_cmd(self, name: str) -> None:
        if self.selection.case_id:
            self.link.submit(name, {"case_id": self.selection.case_id})

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
        s.sync()

    def restore_layout(self) -> None:
        s = self.settings
        geo = s.value(self._settings_key() + "/geometry")
        state = s.value(self._settings_key() + "/state")
        if isinstance(geo, QByteArray) and not geo.isEmpty():
            self.restoreGeometry(geo)
        if isinstance(state, QByteArray) and not state.isEmpty():
            self.restoreState(state, LAYOUT_VERSION)
        self.ensure_on_screen()

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
        self.restoreGeometry(self._default_geometry)
        self.restoreState(self._default_state, LAYOUT_VERSION)
        for dock in self.docks.values():
            dock.setFloating(False)
            dock.show()
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
