"""The link state, always visible: online (round trip), reconnecting (next try in N s),
offline since HH:MM, resyncing, or showing cached data of a given age."""
from __future__ import annotations

import html
import time

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QLabel

from client.session import LinkStatus
from widgets.style import P

COLOURS = {"online": P["ok"], "connecting": P["warning"], "reconnecting": P["orange"], "resyncing": P["warning"],
           "auth_failed": P["alarm"], "stopped": P["muted"]}


class LinkIndicator(QLabel):
    def __init__(self, link, room, parent=None, big: bool = False, scale: float = 1.0):
        super().__init__(parent)
        self.link = link
        self.room = room
        self.big = big
        self.scale = scale
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.setTextFormat(Qt.TextFormat.RichText)
        link.sig_link.connect(self.refresh)
        room.sig_reset.connect(self.refresh)
        self._timer = QTimer(self, interval=1000)
        self._timer.timeout.connect(self.refresh)
        self._timer.start()
        self.refresh()

    def why(self, st: LinkStatus) -> str:
        """The last failure, in words, in the user's language ("" when there is none)."""
        e, d = st.error, st.message
        words = {
            "tls": self.tr("the server's certificate is not trusted (%1): start with --ca FILE, "
                           "or have the server use a certificate from a trusted CA"),
            "refused": self.tr("the server refused the connection (is it running on that port?)"),
            "unreachable": self.tr("the server cannot be reached (%1)"),
            "dns": self.tr("the server's name was not found"),
            "timeout": self.tr("the server did not answer in time"),
            "server_full": self.tr("the server is full (too many connections); retrying"),
            "unavailable": self.tr("the server's database is unavailable; retrying"),
            "http": self.tr("the address answered %1: not a Xiaonao server at /ws?"),
            "insecure": self.tr("not sent: the password would travel unencrypted (ws://) to another "
                                "machine; use wss://, or --insecure on a trusted network"),
            "ended_expired": self.tr("the session expired: log in again"),
            "ended_revoked": self.tr("the session was ended (password changed or logged out elsewhere)"),
            "ended_disabled": self.tr("this account was disabled"),
            "ended_role_changed": self.tr("your role was changed: reconnecting"),
            "ended_flood": self.tr("too many messages were sent: reconnecting"),
        }.get(e)
        if words is None:
            return ""
        return words.replace("%1", d)

    def task_words(self, st: LinkStatus) -> str:
        """A background job of the link that failed (not the cache), in words ("" when none)."""
        if not st.task:
            return ""
        if st.task == "token":
            words = self.tr("login not remembered (no usable system keyring: %1): the password is asked "
                            "for again at the next start")
        else:
            words = self.tr("a background job of the link failed (%1): the link works on; the log has "
                            "the details")
        return f' · <span style="color:{P["warning"]}">⚠ ' + words.replace("%1", html.escape(st.task_error)) + "</span>"

    def describe(self, st: LinkStatus) -> tuple[str, str]:
        if st.state == "online":
            rtt = f" · {st.rtt_ms:.0f} ms" if st.rtt_ms is not None else ""
            return "online", self.tr("Online") + rtt
        if st.state == "resyncing":
            return "resyncing", self.tr("Resyncing…")
        why = self.why(st)
        if st.state == "auth_failed":
            return "auth_failed", self.tr("Login refused: %1").replace("%1", why or st.message)
        if st.state == "connecting" and st.offline_since is None:
            return "connecting", self.tr("Connecting…") + (" · " + why if why else "")
        since = time.strftime("%H:%M", time.localtime(st.offline_since)) if st.offline_since else "--:--"
        text = self.tr("Offline since %1").replace("%1", since)
        if st.next_retry_at:
            n = max(0, round(st.next_retry_at - time.time()))
            text += " · " + self.tr("reconnecting in %1 s").replace("%1", str(n))
        else:
            text += " · " + self.tr("reconnecting…")
        if why:
            text += " · " + why
        return "reconnecting", text

    def refresh(self, *_):
        kind, text = self.describe(self.link.status)
        if kind != "online" and self.room.age is not None:
            mins = int(self.room.age // 60)
            text += " · " + self.tr("showing cached data from %1 min ago").replace("%1", str(mins))
        problem = self.link.status.cache_problem
        if problem:
            why = {"full": self.tr("disk full"), "locked": self.tr("file locked")}.get(problem, self.tr("write error"))
            text += ' · <span style="color:#ffb020">⚠ ' + self.tr("local cache not saved (%1): working from memory, "
                                                                  "nothing is lost while this window is open"
                                                                  ).replace("%1", why) + "</span>"
        text += self.task_words(self.link.status)
        colour = COLOURS.get(kind, P["muted"])
        size = f"{14 * self.scale:.0f}pt" if self.big else "10pt"
        self.setText(f'<span style="color:{colour}; font-size:{size}">●</span> '
                     f'<span style="font-size:{size}">{text}</span>')
        self.setProperty("linkState", kind)
        self.setToolTip(text)
