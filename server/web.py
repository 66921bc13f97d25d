"""The field terminal's static files at /m/ (server/web/m/), served by the WebSocket server's
HTTP hook (websockets answers plain GETs through `process_request`).

Everything is read once, at start-up, into memory (the whole terminal is a few dozen KiB):
each file with its content type, a strong ETag, and a gzip copy for the compressible ones.
Only the files found there can be asked for (a request path is looked up in that table,
never joined to a directory), so no path can reach outside it.

Versioning without a build step: the token `%V%` in a text file is replaced with the
build's version, a hash of every file. The shell (`index.html`, `sw.js`, the manifest) is
fetched without a version and answered `no-cache` (revalidated with its ETag each time);
every other file is referred to as `name?v=<version>` and answered `immutable` for a year
when the version is the current one. A new version changes the shell, which names new URLs.
"""
from __future__ import annotations

import email.utils
import gzip
import hashlib
from dataclasses import dataclass
from http import HTTPStatus
from pathlib import Path

from websockets.datastructures import Headers
from websockets.http11 import Request, Response

WEB_ROOT = Path(__file__).resolve().parent / "web"
PREFIX = "/m/"

TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".json": "application/json; charset=utf-8",
    ".webmanifest": "application/manifest+json; charset=utf-8",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".ico": "image/x-icon",
    ".txt": "text/plain; charset=utf-8",
    ".wav": "audio/wav",
}
_TEXT = {".html", ".js", ".mjs", ".css", ".json", ".webmanifest", ".svg", ".txt"}
_SHELL = {"index.html", "sw.js", "manifest.webmanifest"}
_YEAR = 365 * 24 * 3600

# the terminal's pages may talk only to this server; no inline script or style
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' blob: data:; "
       "connect-src 'self'; media-src 'self' blob: data:; worker-src 'self'; manifest-src 'self'; "
       "base-uri 'none'; form-action 'none'; frame-ancestors 'none'")


@dataclass(frozen=True)
class Asset:
    body: bytes
    gz: bytes | None
    ctype: str
    etag: str
    shell: bool


# what `_load` made of a directory, while its files stay as they were (their paths, sizes and
# times): a process that starts several servers (the tests: hundreds) reads, hashes and
# gzips the terminal's files once (~4 ms a server start), not once a server
_LOADED: dict[tuple, tuple[str, dict[str, Asset]]] = {}


class StaticFiles:
    """The files under `root`, answered at `prefix`. `respond(request)` is the whole API."""

    def __init__(self, root: Path = WEB_ROOT / "m", prefix: str = PREFIX):
        self.root, self.prefix = root, prefix
        self.assets: dict[str, Asset] = {}
        self.version = ""
        self._load()

    def _load(self) -> None:
        files = sorted(p for p in self.root.rglob("*") if p.is_file() and p.suffix in TYPES) \
            if self.root.is_dir() else []
        key = (str(self.root), tuple((str(p), st.st_size, st.st_mtime_ns) for p in files for st in [p.stat()]))
        if key in _LOADED:
            self.version, assets = _LOADED[key]
            self.assets = dict(assets)
            return
        h = hashlib.sha256()
        raw = {}
        for p in files:
            rel = p.relative_to(self.root).as_posix()
            data = p.read_bytes()
            raw[rel] = data
            h.update(rel.encode() + b"\0" + data + b"\0")
        self.version = h.hexdigest()[:12]
        for rel, data in raw.items():
            suffix = Path(rel).suffix
            if suffix in _TEXT:
                data = data.replace(b"%V%", self.version.encode())
            gz = gzip.compress(data, 9, mtime=0) if suffix in _TEXT and len(data) > 256 else None
            if gz is not None and len(gz) >= len(data):
                gz = None
            etag = '"' + hashlib.sha256(data).hexdigest()[:20] + '"'
            self.assets[rel] = Asset(data, gz, TYPES[suffix], etag, rel in _SHELL)
        _LOADED[key] = (self.version, dict(self.assets))

    def handles(self, path: str) -> bool:
        path = path.split("?", 1)[0]
        return path == self.prefix.rstrip("/") or path.startswith(self.prefix)

    def respond(self, request: Request) -> Response:
        path, _, query = request.path.partition("?")
        if path == self.prefix.rstrip("/"):
            return _response(HTTPStatus.MOVED_PERMANENTLY, b"", [("Location", self.prefix + (f"?{query}" if query else ""))])
        rel = path[len(self.prefix):] or "index.html"
        asset = self.assets.get(rel)
        if asset is None:
            return _response(HTTPStatus.NOT_FOUND, b"not found\n", [("Content-Type", "text/plain; charset=utf-8")])
        versioned = f"v={self.version}" in query.split("&")
        cache = (f"public, max-age={_YEAR}, immutable" if versioned and not asset.shell else "no-cache")
        headers = [("Content-Type", asset.ctype), ("Cache-Control", cache), ("ETag", asset.etag),
                   ("X-Content-Type-Options", "nosniff"), ("Referrer-Policy", "no-referrer"), ("Vary", "Accept-Encoding")]
        if asset.ctype.startswith("text/html"):
            headers.append(("Content-Security-Policy", CSP))
        if rel == "sw.js":
            headers.append(("Service-Worker-Allowed", self.prefix))
        inm = request.headers.get("If-None-Match")
        if inm and asset.etag in [t.strip().removeprefix("W/") for t in inm.split(",")]:
            return _response(HTTPStatus.NOT_MODIFIED, b"", headers)
        body = asset.body
        if asset.gz is not None and _accepts_gzip(request.headers.get("Accept-Encoding", "")):
            body = asset.gz
            headers.append(("Content-Encoding", "gzip"))
        return _response(HTTPStatus.OK, body, headers)


def _accepts_gzip(header: str) -> bool:
    for part in header.split(","):
        name, _, params = part.strip().partition(";")
        if name.strip().lower() in ("gzip", "*"):
            q = params.strip()
            return not (q.startswith("q=") and q[2:].strip() in ("0", "0.0", "0.00", "0.000"))
    return False


def _response(status: HTTPStatus, body: bytes, headers: list[tuple[str, str]]) -> Response:
    h = Headers([("Date", email.utils.formatdate(usegmt=True)), ("Connection", "close")])
    for k, v in headers:
        h[k] = v
    if status is not HTTPStatus.NOT_MODIFIED:
        h["Content-Length"] = str(len(body))
    return Response(status.value, status.phrase, h, body)
