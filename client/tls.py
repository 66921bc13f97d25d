"""TLS for the link: the context for a wss:// URL (the system's CAs, or a CA file), the
refusal to send credentials in clear to another machine, and connection errors in words."""
from __future__ import annotations

import ipaddress
import ssl
from urllib.parse import urlsplit

from websockets.exceptions import InvalidStatus


def context_for(url: str, ca_file: str | None = None, given: ssl.SSLContext | None = None) -> ssl.SSLContext | None:
    """None for ws://; for wss:// the given context, else one that trusts the system's CAs
    (or only `ca_file`) and checks the host name."""
    if not url.lower().startswith("wss://"):
        return None
    if given is not None:
        return given
    return ssl.create_default_context(cafile=ca_file) if ca_file else ssl.create_default_context()


def is_loopback(url: str) -> bool:
    host = (urlsplit(url).hostname or "").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def cleartext_refusal(url: str, insecure: bool) -> str | None:
    """Why credentials must not go to this URL (None when they may)."""
    if insecure or url.lower().startswith("wss://") or is_loopback(url):
        return None
    host = urlsplit(url).hostname or url
    return (f"refusing to send a password over unencrypted ws:// to {host}: use wss:// "
            "(the server started with --cert and --key), or --insecure on a trusted network")


def describe(exc: BaseException) -> tuple[str, str]:
    """(kind, detail) of a failed connection: kind is one of tls, refused, unreachable,
    dns, timeout, server_full, http, closed, other."""
    if isinstance(exc, ssl.SSLCertVerificationError):
        return "tls", exc.verify_message or str(exc)
    if isinstance(exc, ssl.SSLError):
        return "tls", exc.reason or str(exc)
    if isinstance(exc, InvalidStatus):
        code = exc.response.status_code
        return ("server_full" if code == 503 else "http"), f"HTTP {code}"
    if isinstance(exc, ConnectionRefusedError):
        return "refused", str(exc)
    if isinstance(exc, TimeoutError):
        return "timeout", ""
    import socket
    if isinstance(exc, socket.gaierror):
        return "dns", str(exc)
    if isinstance(exc, OSError):
        return "unreachable", exc.strerror or str(exc)
    name = exc.__class__.__name__
    if name.startswith("ConnectionClosed"):
        return "closed", ""
    return "other", f"{name}: {exc}"
