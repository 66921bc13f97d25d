"""Issue 15: resumable uploads (docs/protocol.md, "Resumable upload"). A real server on a
loopback port; raw HTTP where the test must misbehave (drop mid-way, send from the wrong
offset), `client/files.py` through a proxy that drops the connection mid-upload, and the
cockpit's upload queue (client/evidence.py) going on from where it stopped."""
from __future__ import annotations

import hashlib
import json

import pytest

from client.files import FileClient, FileError
from server.app import XiaonaoServer

from . import evidence_files as ef
from .faultproxy import FaultProxy
from .helpers import until
from .test_evidence import login, new_case, raw_http, rows

BACKENDS = ("sqlite", "postgres")


@pytest.fixture
async def srv(db_url, tmp_path):
    s = XiaonaoServer(db_url, "127.0.0.1", 0, data_dir=str(tmp_path / "files"))
    await s.start()
    yield s
    await s.stop()


def auth(c) -> str:
    return f"Authorization: Bearer {c.welcome['token']}\r\n"


async def create(s, c, size: int, query: str = "") -> dict:
    st, _h, body = await raw_http(s, f"POST /files/uploads{query} HTTP/1.1\r\nHost: x\r\n{auth(c)}"
                                     f"Upload-Length: {size}\r\nContent-Length: 0\r\n\r\n")
    assert st == 201, body
    return json.loads(body)


async def offset_of(s, c, uid: str) -> tuple[int, dict]:
    st, hdrs, _b = await raw_http(s, f"HEAD /files/uploads/{uid} HTTP/1.1\r\nHost: x\r\n{auth(c)}\r\n", read=False)
    return st, hdrs


async def test_an_upload_dropped_mid_way_goes_on_from_the_servers_offset_and_nothing_shows_before(srv):
    op, files = await login(srv, "op")
    cid = await new_case(op)
    photo = ef.photo_of_size(3_000_000)
    sha = hashlib.sha256(photo).hexdigest()
    up = await create(srv, op, len(photo), f"?name=a.jpg&case={cid}&sha256={sha}")
    uid = up["upload"]
    assert up["offset"] == 0 and up["url"] == f"/files/uploads/{uid}"
    half = len(photo) // 2
    put = (f"PUT /files/uploads/{uid} HTTP/1.1\r\nHost: x\r\n{auth(op)}Content-Length: {len(photo)}\r\n"
           f"Content-Range: bytes 0-{len(photo) - 1}/{len(photo)}\r\n\r\n")
    await raw_http(srv, put, photo[:half], close_after=True)                  # the network went
    part = srv.content.root / "uploads" / f"{uid}.part"
    await until(lambda: part.stat().st_size > 0 and srv.files.uploads_under_way() == 0,
                what="the dropped request to end with what it brought kept")
    st, hdrs = await offset_of(srv, op, uid)
    got = int(hdrs["upload-offset"])
    assert st == 200 and 0 < got <= half and int(hdrs["upload-length"]) == len(photo)
    # nothing of it is a file yet: no row, the server does not hold those bytes, nothing to attach
    assert rows(srv) == 0 and not await files.has(sha)
    ack, _ = await op.command("case.attach", {"case_id": cid, "attachment": sha, "label": "after"})
    assert ack["type"] == "error" and ack["code"] == "not_found"
    # from the wrong place: told where the server's copy ends
    wrong = (f"PUT /files/uploads/{uid} HTTP/1.1\r\nHost: x\r\n{auth(op)}Content-Length: 10\r\n"
             f"Content-Range: bytes 0-9/{len(photo)}\r\n\r\n")
    st, _h, body = await raw_http(srv, wrong, photo[:10])
    assert st == 409 and f"send from byte {got}" in json.loads(body)["message"]
    # another account cannot see or continue it
    lead, lead_files = await login(srv, "lead")
    assert (await offset_of(srv, lead, uid))[0] == 404
    rest = (f"PUT /files/uploads/{uid} HTTP/1.1\r\nHost: x\r\n{auth(op)}Content-Length: {len(photo) - got}\r\n"
            f"Content-Range: bytes {got}-{len(photo) - 1}/{len(photo)}\r\n\r\n")
    st, _h, body = await raw_http(srv, rest, photo[got:])
    meta = json.loads(body)
    assert st == 201 and meta["id"] == sha and meta["name"] == "a.jpg" and meta["kind"] == "photo"
    assert srv.content.original(sha).read_bytes() == photo
    # the session is over: kept a day as finished, so a client that lost this answer learns the file
    st, hdrs = await offset_of(srv, op, uid)
    assert st == 200 and hdrs["upload-file"] == sha and int(hdrs["upload-offset"]) == len(photo)
    st, _h, body = await raw_http(srv, rest, photo[got:])
    assert st == 409 and sha in json.loads(body)["message"]
    again = srv.content.root.parent / "a.jpg"
    again.write_bytes(photo)
    assert await files.upload_resumable(again, upload_id=uid) == {"id": sha, "created": False}
    assert not list((srv.content.root / "uploads").glob("*.part"))
    ack, _ = await op.command("case.attach", {"case_id": cid, "attachment": sha, "label": "after"})
    assert ack["type"] == "ack"
    for c in (files, lead_files):
        await c.close()
    await op.close(), await lead.close()


async def test_bad_resumable_uploads_get_a_clear_error_and_leave_nothing(srv):
    op, files = await login(srv, "op")
    wall, _wf = await login(srv, "wall")
    st, _h, body = await raw_http(srv, f"POST /files/uploads HTTP/1.1\r\nHost: x\r\n{auth(op)}"
                                       "Content-Length: 0\r\n\r\n")
    assert st == 400 and "Upload-Length" in json.loads(body)["message"]
    st, _h, body = await raw_http(srv, f"POST /files/uploads HTTP/1.1\r\nHost: x\r\n{auth(op)}"
                                       "Upload-Length: 900000000\r\nContent-Length: 0\r\n\r\n")
    assert st == 413
    st, _h, _b = await raw_http(srv, f"POST /files/uploads HTTP/1.1\r\nHost: x\r\n{auth(wall)}"
                                     "Upload-Length: 100\r\nContent-Length: 0\r\n\r\n")
    assert st == 403
    # a program named .jpg: refused at its first bytes, and the upload ends there
    fake = b"MZ\x90\x00 this is a program" * 50
    uid = (await create(srv, op, len(fake)))["upload"]
    st, _h, body = await raw_http(srv, f"PUT /files/uploads/{uid} HTTP/1.1\r\nHost: x\r\n{auth(op)}"
                                       f"Content-Length: {len(fake)}\r\nContent-Range: bytes 0-{len(fake) - 1}/"
                                       f"{len(fake)}\r\n\r\n", fake)
    assert st == 415 and json.loads(body)["code"] == "unsupported_type"
    assert (await offset_of(srv, op, uid))[0] == 404
    # bytes that are not the file announced: nothing stored, start again
    photo = ef.jpeg()
    uid = (await create(srv, op, len(photo), "?sha256=" + "0" * 64))["upload"]
    st, _h, body = await raw_http(srv, f"PUT /files/uploads/{uid} HTTP/1.1\r\nHost: x\r\n{auth(op)}"
                                       f"Content-Length: {len(photo)}\r\nContent-Range: bytes 0-{len(photo) - 1}/"
                                       f"{len(photo)}\r\n\r\n", photo)
    assert st == 422 and json.loads(body)["code"] == "mismatch"
    # abandoned: gone
    uid = (await create(srv, op, 1000))["upload"]
    st, _h, _b = await raw_http(srv, f"DELETE /files/uploads/{uid} HTTP/1.1\r\nHost: x\r\n{auth(op)}\r\n", read=False)
    assert st == 204 and (await offset_of(srv, op, uid))[0] == 404
    assert rows(srv) == 0 and not list((srv.content.root / "uploads").iterdir())
    await files.close(), await op.close(), await wall.close()


async def test_the_file_client_resumes_after_the_connection_drops(srv, tmp_path):
    proxy = await FaultProxy("127.0.0.1", srv.port).start()
    op, _files = await login(srv, "op")
    files = FileClient(f"ws://127.0.0.1:{proxy.port}/ws", op.welcome["token"])
    clip = tmp_path / "clip.mp4"
    clip.write_bytes(ef.padded_mp4(8_000_000))
    size = clip.stat().st_size
    sha = hashlib.sha256(clip.read_bytes()).hexdigest()
    sessions: list[str] = []
    proxy.cut_after(size // 2)
    with pytest.raises(FileError) as e:
        await files.upload_resumable(clip, sha256=sha, on_session=sessions.append)
    assert e.value.code == "unavailable" and len(sessions) == 1
    sent_before = proxy.up_bytes
    starts: list[int] = []
    meta = await files.upload_resumable(clip, sha256=sha, upload_id=sessions[0], on_session=sessions.append,
                                        progress=lambda sent, total: starts.append(sent))
    assert meta["id"] == sha and meta["kind"] == "clip" and len(sessions) == 1      # the same session
    assert starts[0] > size // 4                               # went on from the server's offset
    assert proxy.up_bytes - sent_before < size * 0.75          # and did not send it all again
    assert srv.content.original(sha).read_bytes() == clip.read_bytes()
    await files.close(), await _files.close(), await op.close()
    await proxy.stop()
