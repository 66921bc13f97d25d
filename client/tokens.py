"""Where a cockpit keeps its session token: the system keyring (through the `keyring`
library: Secret Service, Keychain, Credential Manager), never the local cache file, whose
copies (and its -wal) would carry a working token to another machine.

Without a usable keyring the token stays in memory only (a warning is logged once): the
cockpit asks for the password after a restart. Every method blocks (D-Bus and the like):
the link calls them on its cache thread.
"""
from __future__ import annotations

import logging

log = logging.getLogger("xiaonao.client")

SERVICE = "xiaonao"


class MemoryTokens:
    """A token in memory only (the fallback, and for tests)."""

    available = False
    problem = ""              # why the token is not kept where it should be ("" when it is)

    def __init__(self):
        self._token: str | None = None

    def get(self) -> str | None:
        return self._token

    def set(self, token: str | None) -> None:
        self._token = token


class KeyringTokens(MemoryTokens):
    """The token of one user on one server in the system keyring; memory if there is none."""

    def __init__(self, server_url: str, user: str, backend=None):
        super().__init__()
        self.key = f"{user}@{server_url}"
        self._backend = backend          # a keyring backend object; None: the system's
        self.available = True
        self._warned = False

    def _keyring(self):
        if self._backend is not None:
            return self._backend
        import keyring
        return keyring.get_keyring()

    def _failed(self, e: Exception) -> None:
        self.available = False
        self.problem = f"{e.__class__.__name__}: {e}"
        if not self._warned:
            self._warned = True
            log.warning("no usable system keyring (%s: %s): the session token is kept in memory only, "
                        "so the password is asked for again after a restart", e.__class__.__name__, e)

    def get(self) -> str | None:
        if self.available:
            try:
                return self._keyring().get_password(SERVICE, self.key)
            except Exception as e:  # noqa: BLE001 - any backend failure means: no keyring
                self._failed(e)
        return self._token

    def set(self, token: str | None) -> None:
        self._token = token
        if not self.available:
            return
        try:
            kr = self._keyring()
            if token is None:
                try:
                    kr.delete_password(SERVICE, self.key)
                except Exception as e:  # noqa: BLE001
                    if e.__class__.__name__ != "PasswordDeleteError":
                        raise
            else:
                kr.set_password(SERVICE, self.key, token)
        except Exception as e:  # noqa: BLE001
            self._failed(e)
