"""WebSocket compression (permessage-deflate, RFC 7692) for large frames only.

A window's snapshot is tens of MB of JSON (30 days of a street: ~15,000 cases, 28 MiB) and
compresses about 8x; live events are a few hundred bytes each, broadcast to hundreds of
connections, and compressing them would cost the fan-out more than it saves. RFC 7692 lets
an endpoint send any message uncompressed (RSV1 clear), so when a client offers the
extension the server accepts it (with no context takeover on its side: every compressed
message stands alone) and compresses only messages of at least COMPRESS_MIN bytes:
snapshot pages and archive answers.

A full snapshot's pages are compressed once, on the thread that builds them
(`deflated_pages`, zlib releases the GIL), and kept with them; sending one to a connection
then costs no compression on the event loop. Anything else large is compressed as it is
sent. A client that does not offer the extension gets every frame as before.
"""
from __future__ import annotations

import zlib
from typing import Any

from websockets.extensions.permessage_deflate import PerMessageDeflate, ServerPerMessageDeflateFactory
from websockets.frames import CONT, CTRL_OPCODES, Frame

COMPRESS_MIN = 16 * 1024      # bytes: smaller messages go uncompressed
LEVEL = 1                     # zlib level: ~8x on case JSON at level 1, ~1.3x the time at 6 for ~10 % less
_TAIL = b"\x00\x00\xff\xff"


class DeflatedText(bytes):
    """A text frame's UTF-8 with its permessage-deflate payload made in advance
    (window bits -> payload)."""
    deflated: dict[int, bytes]


def deflate(data: bytes, wbits: int = 15, level: int = LEVEL) -> bytes:
    """The permessage-deflate payload of one message (no context takeover)."""
    c = zlib.compressobj(level, zlib.DEFLATED, -wbits, 8)
    out = c.compress(data) + c.flush(zlib.Z_SYNC_FLUSH)
    assert out.endswith(_TAIL)
    return out[:-4]


def deflated_pages(frames: list[bytes], wbits: int = 15) -> list[bytes]:
    """The frames, each large one carrying its compressed payload (for the default window)."""
    out: list[bytes] = []
    for f in frames:
        if len(f) >= COMPRESS_MIN:
            d = DeflatedText(f)
            d.deflated = {wbits: deflate(f, wbits)}
            out.append(d)
        else:
            out.append(f)
    return out


class LargeFrameDeflate(PerMessageDeflate):
    """permessage-deflate that leaves small messages uncompressed."""

    _plain = False        # the message being sent in fragments goes uncompressed

    def encode(self, frame: Frame) -> Frame:
        if frame.opcode in CTRL_OPCODES:
            return frame
        if frame.opcode is CONT:
            return frame if self._plain else super().encode(frame)
        if len(frame.data) < COMPRESS_MIN:
            self._plain = not frame.fin
            return frame
        self._plain = False
        ready = getattr(frame.data, "deflated", None)
        if ready is not None and frame.fin and self.local_no_context_takeover:
            payload = ready.get(self.local_max_window_bits)
            if payload is not None:
                return Frame(frame.opcode, payload, True, True, frame.rsv2, frame.rsv3)
        return super().encode(frame)


class LargeFrameDeflateFactory(ServerPerMessageDeflateFactory):
    """Accepts a client's permessage-deflate offer: no context takeover on the server's side
    (so a page compressed in advance is valid on every connection), small frames plain."""

    def __init__(self) -> None:
        super().__init__(server_no_context_takeover=True, compress_settings={"level": LEVEL, "memLevel": 8})

    def process_request_params(self, params: Any, accepted_extensions: Any) -> Any:
        response, ext = super().process_request_params(params, accepted_extensions)
        ours = LargeFrameDeflate(ext.remote_no_context_takeover, ext.local_no_context_takeover,
                                 ext.remote_max_window_bits, ext.local_max_window_bits, self.compress_settings)
        return response, ours
