"""Issue 15: evidence on cases, server side (docs/protocol.md, Evidence).

A real server on a loopback port with its own data directory; real clients: the raw protocol
client for commands and events, `client/files.py` (the cockpit's helper) for the files, and
raw HTTP over a socket where a test needs to misbehave (lie about a length, drop mid-way).
Each test asserts what a user notices: the answer's status and words, what the other cockpits
receive, what can be downloaded afterwards, and that nothing half-stored is left behind.
"""
from __future__ import annotations

import asyncio
import hashlib
import io
import json
import ssl
import uuid

import pytest
from PIL import Image
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from client.files import FileClient, FileError
from server.app import XiaonaoServer
from server.files import FileLimits
from server.store import AuditRow, FileRow

from . import evidence_files as ef
from .conftest import RawClient, make_db
from .helpers import until

BACKENDS = ("sqlite", "postgres")


def report(title="占道经营", category="city_management", **more):
    return {"title": title, "category": category, "source": "grid", "priority": 2,
            "location": {"address": "九堡大道88号"}, **more}


@pytest.fixture
async def srv(db_url, tmp_path):
    s = XiaonaoServer(db_url, "127.0.0.1", 0, data_dir=str(tmp_path / "files"))
    await s.start()
    yield s
    await s.stop()


def url(s) -> str:
    return f"ws://127.0.0.1:{s.port}/ws"


async def login(s, user) -> tuple[RawClient, FileClient]:
    c = await RawClient.connect(url(s), user)
    assert c.welcome["type"] == "welcome", c.welcome
    await c.recv()                                  # its snapshot
    return c, FileClient(url(s), c.welcome["token"])


async def new_case(c: RawClient, **kw) -> str:
    ack, seen = await c.command("case.report", report(**kw))
    assert ack["type"] == "ack", ack
    return next(e["data"]["case_id"] for e in seen if e.get("name") == "case.reported")


def rows(s, model=FileRow) -> int:
    with Session(s.store.engine) as db:
        return db.scalar(select(func.count()).select_from(model))


def stored(s) -> list:
    """Every file in the content store (objects and anything left in tmp)."""
    return sorted(p.name for p in (s.content.root).rglob("*") if p.is_file())


async def checked(s) -> None:
    """The photos uploaded so far fully decoded (that runs after the upload's answer)."""
    await until(lambda: s.files.checks_under_way() == 0, what="the stored photos checked")


async def raw_http(s, head: str, body: bytes = b"", *, read=True, close_after=False) -> tuple[int, dict, bytes]:
    r, w = await asyncio.open_connection("127.0.0.1", s.port)
    w.write(head.encode() + body)
    await w.drain()
    if close_after:
        w.transport.abort()
        return 0, {}, b""
    raw = await asyncio.wait_for(r.readuntil(b"\r\n\r\n"), 10)
    lines = raw.decode().split("\r\n")
    status = int(lines[0].split()[1])
    hdrs = {k.lower(): v.strip() for k, _, v in (ln.partition(":") for ln in lines[1:] if ln)}
    payload = await asyncio.wait_for(r.readexactly(int(hdrs.get("content-length", 0))), 10) if read else b""
    w.close()
    return status, hdrs, payload


# ---- the whole path ----------------------------------------------------------------------

async def test_a_photo_goes_from_upload_to_every_cockpit_with_its_thumbnail(srv):
    op, files = await login(srv, "op")
    lead, lead_files = await login(srv, "lead")
    cid = await new_case(op)
    photo = ef.jpeg(4000, 3000, gps=(30.2861, 120.2153), taken="2026:11:30 14:12:09")
    meta = await files.upload(photo, name="IMG_2041.jpg", case_id=cid)
    assert meta["id"] == hashlib.sha256(photo).hexdigest() and meta["created"] is True
    assert (meta["kind"], meta["type"], meta["size"]) == ("photo", "image/jpeg", len(photo))
    assert (meta["width"], meta["height"]) == (4000, 3000)
    assert meta["taken_at"] == "2026-11-30T14:12:09"
    assert meta["gps"] == pytest.approx([30.2861, 120.2153], abs=1e-4)

    ack, seen = await op.command("case.attach", {"case_id": cid, "attachment": meta["id"], "label": "after",
                                                 "note": "门前已清理"})
    assert ack["type"] == "ack"
    ev = next(e for e in seen if e.get("name") == "case.attached")
    att = ev["data"]["attachment"]
    assert att["label"] == "after" and att["thumb"] == f"/files/{meta['id']}/thumb?case={cid}"
    # the other cockpit gets the event and can draw the row from the thumbnail alone
    while True:
        m = await lead.recv()
        if m.get("name") == "case.attached":
            break
    thumb = await lead_files.fetch(att["id"], case_id=cid, rendition="thumb")
    with Image.open(io.BytesIO(thumb)) as im:
        assert im.format == "JPEG" and max(im.size) <= 320 and im.size[0] > im.size[1]
    preview = await lead_files.fetch(att["id"], case_id=cid, rendition="preview")
    with Image.open(io.BytesIO(preview)) as im:
        assert max(im.size) == 1600
    # the original, byte for byte, to a file; every fetch is in the audit log
    dest = srv.content.root.parent / "copy.jpg"
    await lead_files.download(att["id"], dest, case_id=cid)
    assert dest.read_bytes() == photo
    assert srv.hub.state["cases"][cid]["attachments"][0]["by"] == "op"
    await until(lambda: srv.files.pending_audit() == 0, what="the audit batch")
    await asyncio.sleep(0)
    with Session(srv.store.engine) as db:
        await until(lambda: db.scalar(select(func.count()).select_from(AuditRow)
                                      .where(AuditRow.action == "file.get")) >= 3, what="audited downloads")
        actions = {(r.user, r.action) for r in db.scalars(select(AuditRow))}
    assert ("op", "file.upload") in actions and ("lead", "file.get") in actions
    for c in (files, lead_files):
        await c.close()
    await op.close(), await lead.close()


async def test_the_same_bytes_again_store_nothing_new_and_attach_once(srv):
    op, files = await login(srv, "op")
    cid = await new_case(op)
    photo = ef.jpeg()
    first = await files.upload(photo, name="a.jpg", case_id=cid)
    await checked(srv)
    before = stored(srv)
    again = await files.upload(photo, name="b.jpg", case_id=cid)
    assert again["id"] == first["id"] and again["created"] is False
    assert stored(srv) == before and rows(srv) == 1
    assert await files.has(first["id"]) and not await files.has("0" * 64)
    cmd = {"case_id": cid, "attachment": first["id"], "label": "before"}
    a1, _ = await op.command("case.attach", cmd, cid="attach-1")
    a2, _ = await op.command("case.attach", cmd, cid="attach-1")        # an outbox's resend
    assert a1["type"] == a2["type"] == "ack" and a1["seq"] == a2["seq"]
    dup, _ = await op.command("case.attach", {**cmd, "label": "after"})
    assert dup["code"] == "conflict" and "already attached" in dup["message"]
    assert len(srv.hub.state["cases"][cid]["attachments"]) == 1
    await files.close(), await op.close()


async def test_a_clip_gets_its_duration_and_a_poster_frame(srv):
    op, files = await login(srv, "op")
    cid = await new_case(op)
    meta = await files.upload(ef.mp4(seconds=2.0), name="clip.mp4", case_id=cid)
    assert (meta["kind"], meta["type"], meta["width"], meta["height"]) == ("clip", "video/mp4", 160, 120)
    assert meta["duration"] == pytest.approx(2.0, abs=0.3)
    with Image.open(io.BytesIO(await files.fetch(meta["id"]))) as im:      # its uploader, without a case
        r, g, b = im.convert("RGB").getpixel((10, im.size[1] // 2))
        assert r > 200 and im.size == (160, 120)                           # the real frame, not a placeholder
    doc = await files.upload(ef.pdf(), name="sheet.pdf")
    assert (doc["kind"], doc["type"]) == ("document", "application/pdf")
    await files.close(), await op.close()


async def test_video_seeking_reads_a_range(srv):
    op, files = await login(srv, "op")
    cid = await new_case(op)
    clip = ef.mp4()
    meta = await files.upload(clip, case_id=cid)
    await op.command("case.attach", {"case_id": cid, "attachment": meta["id"], "label": "document"})
    tok = op.welcome["token"]
    status, hdrs, body = await raw_http(srv, f"GET /files/{meta['id']}?case={cid} HTTP/1.1\r\nHost: x\r\n"
                                             f"Authorization: Bearer {tok}\r\nRange: bytes=100-199\r\n\r\n")
    assert status == 206 and body == clip[100:200] and hdrs["content-range"] == f"bytes 100-199/{len(clip)}"
    status, _h, _b = await raw_http(srv, f"GET /files/{meta['id']}?case={cid} HTTP/1.1\r\nHost: x\r\n"
                                         f"Authorization: Bearer {tok}\r\nIf-None-Match: \"{meta['id']}\"\r\n\r\n")
    assert status == 304
    await files.close(), await op.close()


# ---- bad input --------------------------------------------------------------------------

async def refused(files: FileClient, data: bytes, **kw) -> FileError:
    with pytest.raises(FileError) as e:
        await files.upload(data, **kw)
    return e.value


async def test_bad_files_get_a_clear_error_and_leave_nothing(srv):
    op, files = await login(srv, "op")
    good = ef.jpeg()
    cases = [
        (good[: len(good) // 2], 422, "invalid", "damaged or truncated"),                    # truncated
        (b"\xff\xd8\xff\xe0" + b"not really a jpeg " * 200, 422, "invalid", "damaged"),    # a JPEG header on garbage
        (b"MZ\x90\x00 this is a program" * 50, 415, "unsupported_type", "not a photo"),     # named .jpg, not one
        (ef.bomb_png(), 422, "invalid", "pixels"),                                          # decompression bomb
        (b"", 422, "invalid", "empty"),                                                     # 0 bytes
        (b"%PDF-1.4\n1 0 obj<<>>endobj\n", 422, "invalid", "truncated"),                    # a cut PDF
        (b"\x1a\x45\xdf\xa3" + b"\x00" * 400, 422, "invalid", "clip cannot be read"),       # not a WebM
    ]
    for data, status, code, words in cases:
        e = await refused(files, data, name="photo.jpg")
        assert (e.status, e.code) == (status, code), (e, data[:10])
        assert words in e.message, e.message
    assert rows(srv) == 0 and stored(srv) == []
    # the same server still takes a good photo afterwards
    assert (await files.upload(good, name="ok.jpg"))["created"]
    await files.close(), await op.close()


async def test_a_photo_damaged_inside_is_answered_at_once_and_never_attached(srv):
    """The upload is answered once the bytes are stored and the header is checked; the full
    decoding runs after it, and a case.attach sent meanwhile waits for it: a photo damaged
    inside is refused there, with the reason, and no cockpit ever sees it."""
    op, files = await login(srv, "op")
    lead, _lead_files = await login(srv, "lead")
    cid = await new_case(op)
    bad = ef.damaged_png()
    meta = await files.upload(bad, name="broken.png", case_id=cid)
    assert (meta["kind"], meta["width"], meta["height"]) == ("photo", 300, 200)
    ack, _seen = await op.command("case.attach", {"case_id": cid, "attachment": meta["id"], "label": "after"})
    assert ack["type"] == "error" and ack["code"] == "invalid", ack
    assert "is damaged and was not attached" in ack["message"] and "truncated" in ack["message"]
    assert not srv.hub.state["cases"][cid].get("attachments")
    # the uploader asking for its thumbnail is told so, in words; the same bytes again are refused at once
    with pytest.raises(FileError) as e:
        await files.fetch(meta["id"], rendition="thumb")
    assert (e.value.status, e.value.code) == (422, "damaged") and "damaged" in e.value.message
    again = await refused(files, bad, name="again.png")
    assert (again.status, again.code) == (422, "invalid") and "truncated" in again.message
    # a good photo attached in the same breath from the same cockpit: held behind its own check, in order
    good = await files.upload(ef.jpeg(2400, 1800, noise=True), name="ok.jpg", case_id=cid)
    attach_id = str(uuid.uuid4())
    await op.ws.send(json.dumps({"type": "command", "id": attach_id, "name": "case.attach",
                                 "args": {"case_id": cid, "attachment": good["id"], "label": "after"}}))
    ack, seen = await op.command("case.note", {"case_id": cid, "note": "照片已上传"})
    assert ack["type"] == "ack", ack
    answer = next(m for m in seen if m.get("id") == attach_id)       # answered first: the order is kept
    assert answer["type"] == "ack", answer
    att = srv.hub.state["cases"][cid]["attachments"]
    assert [a["id"] for a in att] == [good["id"]]
    assert srv.content.state(good["id"]) == "ok" and srv.content.state(meta["id"]) == "damaged"
    await files.close(), await op.close(), await lead.close()


async def test_a_check_cut_short_by_a_stop_is_done_at_the_next_start(db_url, tmp_path):
    from server.files import ContentStore
    content = ContentStore(tmp_path / "files")
    content.open()
    photo = ef.jpeg(1600, 1200)
    part = content.new_part()
    part.write_bytes(photo)
    fid = hashlib.sha256(photo).hexdigest()
    content.finish(part, fid, "photo", "image/jpeg", defer=True)          # stored, the server stopped then
    content.close()
    assert content.state(fid) == "checking" and content.unchecked() == [fid]
    s = XiaonaoServer(db_url, "127.0.0.1", 0, data_dir=str(tmp_path / "files"))
    await s.start()
    try:
        await until(lambda: s.content.state(fid) == "ok", what="the interrupted check done at start")
        assert s.content.unchecked() == []
    finally:
        await s.stop()


async def test_heic_and_avif_photos_are_taken_and_thumbnailed(srv):
    """Phones take HEIC (iPhone) and AVIF: stored as photos, read from their content, and
    thumbnailed as JPEG like any other; a cut one is refused like a cut JPEG."""
    op, files = await login(srv, "op")
    cid = await new_case(op)
    for data, mime, name in ((ef.heic(1200, 900), "image/heic", "IMG_0001.HEIC"),
                             (ef.avif(1200, 900), "image/avif", "frame.avif")):
        meta = await files.upload(data, name=name, case_id=cid)
        assert (meta["kind"], meta["type"], meta["width"], meta["height"]) == ("photo", mime, 1200, 900), meta
        ack, _ = await op.command("case.attach", {"case_id": cid, "attachment": meta["id"], "label": "after"})
        assert ack["type"] == "ack", ack
        thumb = await files.fetch(meta["id"], case_id=cid, rendition="thumb")
        with Image.open(io.BytesIO(thumb)) as im:
            assert im.format == "JPEG" and im.size == (320, 240)
        cut = await refused(files, data[: len(data) * 2 // 3], name="cut-" + name)
        assert (cut.status, cut.code) == (422, "invalid") and "truncated" in cut.message, cut
    assert [a["type"] for a in srv.hub.state["cases"][cid]["attachments"]] == ["image/heic", "image/avif"]
    await files.close(), await op.close()


async def test_a_huge_exif_block_and_odd_names_are_harmless(srv):
    op, files = await login(srv, "op")
    cid = await new_case(op)
    big_exif = ef.jpeg(exif_pad=60_000, gps=(30.1, 120.1))
    meta = await files.upload(big_exif, name="../../../etc/passwd\x00.jpg", case_id=cid)
    assert meta["name"] == "passwd.jpg" and meta["width"] == 1200
    meta2 = await files.upload(ef.png(), name="C:\\Users\\x\\..\\..\\evil.png")
    assert meta2["name"] == "evil.png" and meta2["kind"] == "photo"
    # nothing was written outside the store; the names only say what to call a saved copy
    assert not (srv.content.root.parent / "etc").exists()
    assert all(len(n.split(".")[0]) == 64 for n in stored(srv))
    await op.command("case.attach", {"case_id": cid, "attachment": meta["id"], "label": "before"})
    st, hdrs, _b = await raw_http(srv, f"HEAD /files/{meta['id']}?case={cid} HTTP/1.1\r\nHost: x\r\n"
                                       f"Authorization: Bearer {op.welcome['token']}\r\n\r\n", read=False)
    assert st == 200 and hdrs["content-disposition"] == "attachment; filename*=UTF-8''passwd.jpg"
    # a path in the URL is not a way out of the store either
    for bad in ("../../server.db", "..%2F..%2Fserver.db", "%2e%2e/%2e%2e/server.db"):
        st, _h, body = await raw_http(srv, f"GET /files/{bad} HTTP/1.1\r\nHost: x\r\n"
                                           f"Authorization: Bearer {op.welcome['token']}\r\n\r\n")
        assert st in (400, 404) and b"SQLite" not in body
    await files.close(), await op.close()


async def test_limits_refuse_before_the_bytes_are_sent(db_url, tmp_path):
    s = XiaonaoServer(db_url, "127.0.0.1", 0, data_dir=str(tmp_path / "f"),
                      file_limits=FileLimits(photo=50_000, clip=200_000, document=50_000))
    await s.start()
    try:
        op, files = await login(s, "op")
        tok = op.welcome["token"]
        # a length over every limit: answered at once, with nothing read (the client is still sending)
        st, _h, body = await raw_http(s, "POST /files HTTP/1.1\r\nHost: x\r\nContent-Length: 900000000\r\n"
                                         f"Authorization: Bearer {tok}\r\n\r\n")
        assert st == 413 and json.loads(body)["code"] == "too_large"
        assert json.loads(body)["details"] == {"size": 900000000, "limit": 200_000, "kind": None}
        e = await refused(files, ef.photo_of_size(120_000))
        assert (e.status, e.code) == (413, "too_large") and "a photo may be at most 0.05 MB" in e.message
        # (what a client words in its user's language: the kind's limit and the file's size)
        assert e.details["kind"] == "photo" and e.details["limit"] == 50_000 and e.details["size"] > 100_000
        st, _h, body = await raw_http(s, f"POST /files HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {tok}\r\n"
                                         "Transfer-Encoding: chunked\r\n\r\n")
        assert st == 411 and json.loads(body)["code"] == "length_required"
        st, _h, body = await raw_http(s, "POST /files HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n")
        assert st == 401 and json.loads(body)["code"] == "unauthenticated"
        st, _h, body = await raw_http(s, "POST /files HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n"
                                         "Authorization: Bearer not-a-token\r\n\r\n")
        assert st == 401
        assert rows(s) == 0
        await files.close(), await op.close()
    finally:
        await s.stop()


async def test_a_dropped_upload_leaves_nothing_and_can_be_sent_again(srv):
    op, files = await login(srv, "op")
    photo = ef.photo_of_size(2_000_000)
    head = (f"POST /files?name=a.jpg HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {op.welcome['token']}\r\n"
            f"Content-Length: {len(photo)}\r\n\r\n")
    await raw_http(srv, head, photo[: len(photo) // 2], close_after=True)      # the phone lost its network
    await until(lambda: srv.files.uploads_under_way() == 0, what="the dropped upload to end")
    await until(lambda: stored(srv) == [], what="its partial file removed")
    assert rows(srv) == 0
    meta = await files.upload(photo, name="a.jpg")                              # the retry
    assert meta["created"] and srv.content.original(meta["id"]).read_bytes() == photo
    await files.close(), await op.close()


async def test_an_upload_stalled_half_way_does_not_hold_another_photo_or_the_next_request(srv, monkeypatch):
    """A photo's full check gives way to upload bytes arriving (on two cores it would take a
    core from them), for a moment only: a phone whose upload stalls half-way holds neither
    another photo's attach nor its own upload, which finishes when its bytes come, and the
    request sent after it on the same connection is answered. Each photo is opened once for
    its header, its end marker and its full decoding."""
    import server.files as sf
    opened: list[str] = []
    real = sf.PhotoFile.__init__

    def counting(self, path):
        opened.append(path.name)
        real(self, path)
    monkeypatch.setattr(sf.PhotoFile, "__init__", counting)
    op, files = await login(srv, "op")
    cid = await new_case(op)
    slow = ef.photo_of_size(1_500_000)
    r, w = await asyncio.open_connection("127.0.0.1", srv.port)
    token = op.welcome["token"]
    w.write((f"POST /files?name=slow.jpg HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\n"
             f"Content-Length: {len(slow)}\r\n\r\n").encode() + slow[:len(slow) // 2])
    await w.drain()
    await until(lambda: srv.files.uploads_under_way() == 1, what="the slow upload under way")
    photo = ef.jpeg(2400, 1800, noise=True)
    meta = await files.upload(photo, name="ok.jpg", case_id=cid)
    ack, _seen = await op.command("case.attach", {"case_id": cid, "attachment": meta["id"], "label": "after"})
    assert ack["type"] == "ack", ack
    assert srv.content.state(meta["id"]) == "ok"
    # the rest of the slow one, and a second request on the same connection right behind it
    w.write(slow[len(slow) // 2:] + f"HEAD /files/{meta['id']} HTTP/1.1\r\nHost: x\r\n"
            f"Authorization: Bearer {token}\r\n\r\n".encode())
    await w.drain()
    head = (await asyncio.wait_for(r.readuntil(b"\r\n\r\n"), 10)).decode()
    assert head.startswith("HTTP/1.1 201"), head
    length = int(next(ln.split(":")[1] for ln in head.split("\r\n") if ln.lower().startswith("content-length")))
    answer = json.loads(await asyncio.wait_for(r.readexactly(length), 10))
    assert answer["id"] == hashlib.sha256(slow).hexdigest()
    second = (await asyncio.wait_for(r.readuntil(b"\r\n\r\n"), 10)).decode()
    assert second.startswith("HTTP/1.1 200"), second
    w.close()
    await checked(srv)
    assert srv.content.original(answer["id"]).read_bytes() == slow
    assert len(opened) == 2, opened            # one opening per photo, header to thumbnail
    await files.close(), await op.close()


async def test_who_may_upload_and_see_what(srv):
    op, files = await login(srv, "op")
    w01, w01_files = await login(srv, "w01")
    e01, e01_files = await login(srv, "e01")
    wall, wall_files = await login(srv, "wall")
    lead, lead_files = await login(srv, "lead")
    mine = await new_case(op)
    theirs = await new_case(op, title="另一个")
    for cid, team in ((mine, "W01"), (theirs, "E01")):
        ack, _ = await op.command("case.dispatch", {"case_id": cid, "team_id": team})
        assert ack["type"] == "ack"
    photo = ef.jpeg(colour=(1, 2, 3))
    # a squad uploads for its own case; another squad's case is refused before the bytes go
    meta = await w01_files.upload(photo, case_id=mine)
    e = await refused(w01_files, ef.jpeg(colour=(9, 9, 9)), case_id=theirs)
    assert (e.status, e.code) == (403, "forbidden") and "not assigned to your squad" in e.message
    assert e.details == {"case": theirs, "role": "field"}
    e = await refused(w01_files, photo, case_id="C999999")
    assert (e.status, e.code) == (404, "not_found") and "no case C999999" in e.message
    assert e.details == {"case": "C999999"}
    e = await refused(wall_files, photo)
    assert (e.status, e.code) == (403, "forbidden")
    ack, _ = await w01.command("case.attach", {"case_id": mine, "attachment": meta["id"], "label": "before"})
    assert ack["type"] == "ack"
    ack, _ = await w01.command("case.attach", {"case_id": theirs, "attachment": meta["id"], "label": "before"})
    assert ack["code"] == "forbidden"
    # E01 may not see W01's case nor fetch its file through it, or without a case
    with pytest.raises(FileError) as ex:
        await e01_files.fetch(meta["id"], case_id=mine)
    assert ex.value.status == 403
    with pytest.raises(FileError) as ex:
        await e01_files.fetch(meta["id"])
    assert ex.value.status == 403 and "name the case" in ex.value.message
    # through a case it may see, but that the file is not on: not found
    with pytest.raises(FileError) as ex:
        await e01_files.fetch(meta["id"], case_id=theirs)
    assert ex.value.status == 404
    # the wall: only what is marked for it
    with pytest.raises(FileError) as ex:
        await wall_files.fetch(meta["id"], case_id=mine)
    assert ex.value.status == 403 and "wall" in ex.value.message
    shown = await op.command("case.attach", {"case_id": theirs, "attachment": meta["id"], "label": "before",
                                             "wall": True})
    assert shown[0]["type"] == "ack"
    assert len(await wall_files.fetch(meta["id"], case_id=theirs)) > 100
    # removed: leader/admin only, with a reason; the others are told it is gone
    ack, _ = await op.command("case.detach", {"case_id": theirs, "attachment": meta["id"], "reason": "拍错了"})
    assert ack["code"] == "forbidden"
    ack, _ = await lead.command("case.detach", {"case_id": theirs, "attachment": meta["id"], "reason": ""})
    assert ack["code"] == "invalid"
    ack, _ = await lead.command("case.detach", {"case_id": theirs, "attachment": meta["id"], "reason": "拍错了"})
    assert ack["type"] == "ack"
    with pytest.raises(FileError) as ex:
        await e01_files.fetch(meta["id"], case_id=theirs)
    assert (ex.value.status, ex.value.code) == (410, "gone") and "拍错了" in ex.value.message
    assert len(await lead_files.fetch(meta["id"], case_id=theirs, rendition="original")) == len(photo)
    assert srv.content.original(meta["id"]).exists()                  # the bytes are kept
    # still on the case it was not removed from
    assert len(await w01_files.fetch(meta["id"], case_id=mine)) > 100
    for c in (files, w01_files, e01_files, wall_files, lead_files):
        await c.close()
    for c in (op, w01, e01, wall, lead):
        await c.close()


async def test_the_wall_never_gets_evidence_of_a_private_category(srv):
    op, files = await login(srv, "op")
    wall = await RawClient.connect(url(srv), "wall")
    await wall.recv()
    wall_files = FileClient(url(srv), wall.welcome["token"])
    cid = await new_case(op, title="纠纷", category="dispute")             # dispute: private in the shipped rules
    meta = await files.upload(ef.jpeg(), name="faces.jpg", case_id=cid)
    ack, _ = await op.command("case.attach", {"case_id": cid, "attachment": meta["id"], "label": "before",
                                              "wall": True, "note": "当事人 王小明"})
    assert ack["type"] == "ack"
    while True:
        m = await wall.recv()
        if m.get("name") == "case.attached":
            break
    a = m["data"]["attachment"]
    assert a["hidden"] is True and "thumb" not in a and "name" not in a and "note" not in a
    with pytest.raises(FileError) as ex:
        await wall_files.fetch(meta["id"], case_id=cid)
    assert ex.value.status == 403
    await files.close(), await wall_files.close(), await op.close(), await wall.close()


async def test_tls_serves_files_on_the_same_port(tmp_path):
    trustme = pytest.importorskip("trustme")
    ca = trustme.CA()
    cert = ca.issue_cert("127.0.0.1")
    certfile, keyfile = tmp_path / "c.pem", tmp_path / "k.pem"
    cert.private_key_and_cert_chain_pem.write_to_path(str(certfile))
    cert.private_key_pem.write_to_path(str(keyfile))
    s = XiaonaoServer(make_db(tmp_path), "127.0.0.1", 0, certfile=str(certfile), keyfile=str(keyfile),
                      data_dir=str(tmp_path / "files"))
    await s.start()
    try:
        ctx = ssl.create_default_context()
        ca.configure_trust(ctx)
        import websockets
        async with websockets.connect(f"wss://127.0.0.1:{s.port}/ws", ssl=ctx) as ws:
            await ws.send(json.dumps({"type": "hello", "user": "op", "password": "op-password"}))
            token = json.loads(await ws.recv())["token"]
        files = FileClient(f"wss://127.0.0.1:{s.port}/ws", token, ssl=ctx)
        photo = ef.jpeg()
        meta = await files.upload(photo)
        assert meta["created"] and len(await files.fetch(meta["id"])) > 100
        await files.close()
        untrusted = FileClient(f"wss://127.0.0.1:{s.port}/ws", token)
        with pytest.raises(FileError) as ex:
            await untrusted.upload(photo)
        assert ex.value.code == "unavailable"
        await untrusted.close()
    finally:
        await s.stop()


# ---- AI alerts and closing rules ------------------------------------------------------------

async def test_an_alert_frame_from_intake_carries_its_region_and_detector(srv):
    intake, files = await login(srv, "intake")
    op, op_files = await login(srv, "op")
    frame = ef.jpeg(1920, 1080)
    meta = await files.upload(frame, name="cam12-0931.jpg")
    ack, seen = await intake.command("case.report", report(
        "出店经营", source="video",
        alert_frame={"attachment": meta["id"], "region": {"box": [812, 340, 220, 160]},
                     "detector": {"label": "出店经营", "confidence": 0.93}}))
    assert ack["type"] == "ack", ack
    while True:
        m = await op.recv()
        if m.get("name") == "case.attached":
            break
    a = m["data"]["attachment"]
    assert (a["label"], a["wall"], a["region"], a["detector"]) == (
        "alert-frame", True, {"box": [812.0, 340.0, 220.0, 160.0]}, {"label": "出店经营", "confidence": 0.93})
    cid = m["data"]["case_id"]
    assert len(await op_files.fetch(meta["id"], case_id=cid)) > 100
    # `images` is no longer dropped: ids are attached, anything else is refused by name
    other = await files.upload(ef.jpeg(colour=(0, 0, 200)))
    ack, _ = await intake.command("case.report", report("又一个", source="video", images=[other["id"]]))
    assert ack["type"] == "ack"
    newest = max(srv.hub.state["cases"])
    assert [x["label"] for x in srv.hub.state["cases"][newest]["attachments"]] == ["alert-frame"]
    ack, _ = await intake.command("case.report", report("链接", images=["http://cam/1.jpg"]))
    assert ack["code"] == "invalid" and "images[0]" in ack["message"] and "upload the file first" in ack["message"]
    ack, _ = await intake.command("case.report", report(
        "出界", alert_frame={"attachment": meta["id"], "region": {"box": [1900, 1000, 200, 200]}}))
    assert ack["code"] == "invalid" and "outside the 1920x1080 image" in ack["message"]
    ack, _ = await intake.command("case.report", report("没上传", alert_frame={"attachment": "a" * 64}))
    assert ack["code"] == "not_found" and "upload it first" in ack["message"]
    await files.close(), await op_files.close(), await intake.close(), await op.close()


async def test_an_intake_attaches_to_its_own_reported_cases_after_the_report_and_only_to_those(srv):
    """The video platform sends a later frame of the same alert: after case.report, an intake
    account uploads for (?case=) and attaches to the cases it reported itself, and to no other."""
    intake, files = await login(srv, "intake")
    op, _op_files = await login(srv, "op")
    ack, seen = await intake.command("case.report", report("出店经营", source="video"))
    assert ack["type"] == "ack", ack
    own = next(c["id"] for c in srv.hub.state["cases"].values() if c["timeline"][0]["actor"] == "intake")
    later = await files.upload(ef.jpeg(1280, 720, colour=(9, 9, 90)), name="frame-2.jpg", case_id=own)
    ack, seen = await intake.command("case.attach", {"case_id": own, "attachment": later["id"],
                                                     "label": "alert-frame", "detector": {"label": "出店经营",
                                                                                          "confidence": 0.81}})
    assert ack["type"] == "ack", ack
    att = srv.hub.state["cases"][own]["attachments"][0]
    assert att["label"] == "alert-frame" and att["detector"]["confidence"] == 0.81 and att["by"] == "intake"
    assert await files.fetch(later["id"], case_id=own, rendition="thumb")       # its view shows it
    # a case the room reported is not the intake's: refused before the bytes, and as a command
    assert (await op.command("case.report", report("门前堆物")))[0]["type"] == "ack"
    theirs = next(c["id"] for c in srv.hub.state["cases"].values() if c["title"] == "门前堆物")
    e = await refused(files, ef.jpeg(), name="x.jpg", case_id=theirs)
    assert (e.status, e.code) == (403, "forbidden") and "not one this account reported" in e.message
    ack, _ = await intake.command("case.attach", {"case_id": theirs, "attachment": later["id"], "label": "document"})
    assert ack["type"] == "error" and ack["code"] in ("forbidden", "not_found"), ack
    # and an intake still may not do anything else to its case
    ack, _ = await intake.command("case.note", {"case_id": own, "note": "x"})
    assert ack["type"] == "error" and ack["code"] == "forbidden"
    assert [a["id"] for a in srv.hub.state["cases"][own]["attachments"]] == [later["id"]]
    assert not srv.hub.state["cases"][theirs].get("attachments")
    await files.close(), await _op_files.close(), await intake.close(), await op.close()


async def test_a_category_that_needs_an_after_photo_cannot_be_fed_back_without_one(srv):
    st = srv.hub.state
    st["street"]["evidence"] = {"city_management": {"feedback_requires": ["after"], "close_requires": ["after"]}}
    op, files = await login(srv, "op")
    w01, w01_files = await login(srv, "w01")
    cid = await new_case(op)
    for name, args in (("case.dispatch", {"team_id": "W01"}),):
        assert (await op.command(name, {"case_id": cid, **args}))[0]["type"] == "ack"
    for name in ("case.sign", "case.arrive"):
        assert (await w01.command(name, {"case_id": cid}))[0]["type"] == "ack"
    ack, _ = await w01.command("case.feedback", {"case_id": cid, "note": "已处理"})
    assert ack["code"] == "conflict" and "needs an 'after' photo before feedback" in ack["message"]
    before = await w01_files.upload(ef.jpeg(colour=(5, 5, 5)), case_id=cid)
    await w01.command("case.attach", {"case_id": cid, "attachment": before["id"], "label": "before"})
    ack, _ = await w01.command("case.feedback", {"case_id": cid, "note": "已处理"})
    assert ack["code"] == "conflict"                                  # a 'before' photo is not an 'after' one
    after = await w01_files.upload(ef.jpeg(colour=(6, 6, 6)), case_id=cid)
    assert (await w01.command("case.attach", {"case_id": cid, "attachment": after["id"],
                                              "label": "after"}))[0]["type"] == "ack"
    assert (await w01.command("case.feedback", {"case_id": cid, "note": "已处理"}))[0]["type"] == "ack"
    assert (await op.command("case.close", {"case_id": cid, "resolution": "好了"}))[0]["type"] == "ack"
    await files.close(), await w01_files.close(), await op.close(), await w01.close()


# ---- import -------------------------------------------------------------------------------

def import_folder(tmp_path):
    d = tmp_path / "export"
    (d / "photos").mkdir(parents=True)
    (d / "photos" / "0012-after.jpg").write_bytes(ef.jpeg(colour=(0, 90, 0)))
    (d / "photos" / "sheet.pdf").write_bytes(ef.pdf())
    (d / "photos" / "fake.jpg").write_bytes(b"<html>not a photo</html>" * 10)
    (tmp_path / "secret.jpg").write_bytes(ef.jpeg(colour=(1, 1, 1)))
    rows = [
        "title,category,source,priority,address,attachments",
        "占道经营,city_management,grid,2,九堡大道88号,after:photos/0012-after.jpg;photos/sheet.pdf",
        "乱堆放,city_management,grid,3,九堡大道90号,../secret.jpg",
        "没有的文件,city_management,grid,3,九堡大道92号,photos/none.jpg",
        "假照片,city_management,grid,3,九堡大道94号,photos/fake.jpg",
        "视频告警,city_management,video,2,九堡大道96号,file:photos/0012-after.jpg",
        "无附件,city_management,grid,3,九堡大道98号,",
    ]
    f = d / "export.csv"
    f.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return f


def test_import_attaches_the_files_a_row_names_once(tmp_path, capsys):
    from server.cli import main
    from server.store import EventStore
    db = make_db(tmp_path)
    f = import_folder(tmp_path)
    data = str(tmp_path / "files")
    assert main(["import", str(f), "--db", db, "--data-dir", data]) == 0
    out = capsys.readouterr().out
    assert "row 3: rejected: the file '../secret.jpg' is outside the import file's folder" in out
    assert "row 4: rejected: the file 'photos/none.jpg' does not exist" in out
    assert "row 5: rejected: fake.jpg: the content is not a photo" in out
    assert "loaded 3 case(s)" in out
    store = EventStore(db)
    try:
        events = store.events_after(0, 10_000)
        attached = [e["data"] for e in events if e["name"] == "case.attached"]
        assert [(a["case_id"], a["attachment"]["label"], a["attachment"]["kind"]) for a in attached] == [
            ("C000001", "after", "photo"), ("C000001", "document", "document"), ("C000002", "alert-frame", "photo")]
        with Session(store.engine) as s:
            assert s.scalar(select(func.count()).select_from(FileRow)) == 2      # the same photo twice: stored once
        # again: nothing new (the rows' command ids), the refused rows refused again
        assert main(["import", str(f), "--db", db, "--data-dir", data]) == 0
        assert len([e for e in store.events_after(0, 10_000) if e["name"] == "case.attached"]) == 3
    finally:
        store.dispose()
    assert not (tmp_path / "files" / "tmp").exists() or not any((tmp_path / "files" / "tmp").iterdir())


async def test_import_through_the_server_uploads_and_attaches(srv, tmp_path):
    from server.intake import _import_via_server
    f = import_folder(tmp_path)
    lines = []
    report = await _import_via_server(url(srv), "intake", "intake-password", str(f),
                                      lambda n, why: lines.append((n, why)), None, 100)
    assert report.accepted == 3 and [n for n, _ in lines] == [3, 4, 5]
    cases = srv.hub.state["cases"]
    assert [a["label"] for a in cases["C000001"]["attachments"]] == ["after", "document"]
    again = await _import_via_server(url(srv), "intake", "intake-password", str(f), None, None, 100)
    assert again.accepted == 3 and [a["label"] for a in cases["C000001"]["attachments"]] == ["after", "document"]
    assert rows(srv) == 2


async def test_each_role_holds_exactly_its_view_of_the_evidence(srv):
    """The wall's and the squads' states, reduced from the events they received, are the
    server's view for their role (the wall's hidden stubs included), after attaching and
    removing files."""
    from .test_views import same, view_of, watch
    op, files = await login(srv, "op")
    lead, _lf = await login(srv, "lead")
    watchers = {u: await watch(srv, u) for u in ("wall", "w01", "intake")}
    await until(lambda: all(w.state is not None for w in watchers.values()), what="snapshots")
    shown = await new_case(op)                                         # city_management: not private
    private = await new_case(op, title="纠纷", category="dispute")
    await op.command("case.dispatch", {"case_id": shown, "team_id": "W01"})
    head = None
    for i, (cid, wall) in enumerate(((shown, True), (shown, False), (private, True))):
        meta = await files.upload(ef.jpeg(colour=(60 * i, 50, 50)), name=f"p{i}.jpg", case_id=cid)
        ack, _ = await op.command("case.attach", {"case_id": cid, "attachment": meta["id"], "label": "before",
                                                  "wall": wall, "note": f"说明 {i}"})
        assert ack["type"] == "ack"
    first = srv.hub.state["cases"][shown]["attachments"][0]["id"]
    ack, _ = await lead.command("case.detach", {"case_id": shown, "attachment": first, "reason": "重复"})
    # a case whose category becomes private: the wall stops showing its evidence at once
    third = await new_case(op, title="先是城管")
    meta = await files.upload(ef.jpeg(colour=(10, 200, 10)), case_id=third)
    await op.command("case.attach", {"case_id": third, "attachment": meta["id"], "label": "before", "wall": True})
    await until(lambda: watchers["wall"].state["cases"].get(third, {}).get("attachments"), what="the wall's copy")
    assert not watchers["wall"].state["cases"][third]["attachments"][0].get("hidden")
    ack, _ = await op.command("case.amend", {"case_id": third, "category": "dispute"})
    assert ack["type"] == "ack"
    head = ack["seq"]
    await until(lambda: all(w.state["seq"] == head for w in watchers.values()), what="every view at the head")
    late = await watch(srv, "wall")                                   # and from a snapshot
    await until(lambda: late.state is not None and late.state["seq"] == head, what="a late wall")
    for w, user, role, team in ((watchers["wall"], "wall", "wall", None), (late, "wall", "wall", None),
                                (watchers["w01"], "w01", "field", "W01"), (watchers["intake"], "intake", "intake", None)):
        want, _teams = view_of(srv, user, role, team)
        assert same(w.state["cases"], want), user
    wall_atts = watchers["wall"].state["cases"][shown]["attachments"]
    assert [bool(a.get("hidden")) for a in wall_atts] == [False, True]
    assert all(a.get("hidden") for a in watchers["wall"].state["cases"][private]["attachments"])
    assert watchers["wall"].state["cases"][third]["attachments"][0]["hidden"] is True
    assert "说明" not in watchers["wall"].text() and "重复" not in watchers["wall"].text()
    assert [a["id"] for a in watchers["w01"].state["cases"][shown]["attachments"]] == \
        [a["id"] for a in srv.hub.state["cases"][shown]["attachments"][1:]]      # the removed one is gone
    for w in (*watchers.values(), late):
        await w.close()
    await files.close(), await op.close(), await lead.close()


# ---- the rules, without a server (decide + apply) ---------------------------------------------

def test_the_domain_rules_of_attaching(tmp_path):
    from models.commands import Actor, CommandError, decide
    from models.evidence import missing_evidence
    from models.state import apply, empty_state
    from models.street import load_street
    st = empty_state()
    seq = [0]

    def run(actor, name, args, files=None):
        for ev_name, data in decide(st, actor, name, args, files=files):
            seq[0] += 1
            apply(st, {"type": "event", "seq": seq[0], "at": "2026-12-01T00:00:00.000Z", "name": ev_name,
                       "actor": actor.name, "data": data})
    street = load_street()
    street["evidence"] = {"environment": {"close_requires": ["after"]}}
    apply(st, {"type": "event", "seq": 1, "at": "2026-12-01T00:00:00.000Z", "name": "street.loaded",
               "data": {"street": street}})
    seq[0] = 1
    op, lead, field = Actor("op", "operator"), Actor("lead", "leader"), Actor("w01", "field", "W01")
    run(op, "case.report", report(category="environment"))
    cid = "C000001"
    photo = {"id": "a" * 64, "kind": "photo", "type": "image/jpeg", "size": 10, "width": 100, "height": 80}
    clip = {**photo, "id": "b" * 64, "kind": "clip", "type": "video/mp4"}
    files = {photo["id"]: photo, clip["id"]: clip}
    for bad, code, words in (
            ({"attachment": "x", "label": "after"}, "invalid", "attachment id"),
            ({"attachment": "c" * 64, "label": "after"}, "not_found", "upload it first"),
            ({"attachment": "a" * 64, "label": "selfie"}, "invalid", "'label' must be one of"),
            ({"attachment": "b" * 64, "label": "after", "region": {"box": [1, 1, 5, 5]}}, "invalid", "needs a photo"),
            ({"attachment": "a" * 64, "label": "after", "region": {"polygon": [[1, 1], [2, 2]]}}, "invalid", "3 to 64")):
        with pytest.raises(CommandError) as e:
            decide(st, op, "case.attach", {"case_id": cid, **bad}, files=files)
        assert e.value.code == code and words in e.value.message, e.value.message
    assert missing_evidence(st, st["cases"][cid], "case.close") == ["after"]
    run(op, "case.attach", {"case_id": cid, "attachment": clip["id"], "label": "after"}, files)
    assert missing_evidence(st, st["cases"][cid], "case.close") == ["after"]        # a clip is not a photo
    run(op, "case.attach", {"case_id": cid, "attachment": photo["id"], "label": "after"}, files)
    assert missing_evidence(st, st["cases"][cid], "case.close") == []
    with pytest.raises(CommandError) as e:
        decide(st, field, "case.attach", {"case_id": cid, "attachment": photo["id"], "label": "after"}, files=files)
    assert e.value.code == "forbidden"                                              # not its squad's case
    with pytest.raises(CommandError) as e:
        decide(st, op, "case.detach", {"case_id": cid, "attachment": photo["id"], "reason": "x"})
    assert e.value.code == "forbidden"
    run(lead, "case.detach", {"case_id": cid, "attachment": photo["id"], "reason": "模糊"})
    assert st["cases"][cid]["attachments"][1]["removed"]["reason"] == "模糊"
    assert missing_evidence(st, st["cases"][cid], "case.close") == ["after"]        # removed: missing again
    assert [e["name"] for e in st["cases"][cid]["timeline"]][-3:] == ["case.attached", "case.attached",
                                                                       "case.detached"]
    assert "by_role" not in st["cases"][cid]["timeline"][-2]                        # the room's own file
    # a squad's photo from its terminal is marked as the terminal's in the timeline
    run(op, "case.dispatch", {"case_id": cid, "team_id": "W01"})
    run(field, "case.attach", {"case_id": cid, "attachment": photo["id"], "label": "after"},
        files)
    assert st["cases"][cid]["timeline"][-1]["by_role"] == "field"


async def test_a_logged_out_token_and_too_many_uploads_at_once_are_refused(srv):
    op, files = await login(srv, "op")
    tok = op.welcome["token"]
    photo = ef.photo_of_size(300_000)
    # four uploads under way (their bytes still coming), the fifth of the same account waits its turn
    held = []
    for _ in range(4):
        r, w = await asyncio.open_connection("127.0.0.1", srv.port)
        w.write(f"POST /files HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {tok}\r\n"
                f"Content-Length: {len(photo)}\r\n\r\n".encode() + photo[:1000])
        await w.drain()
        held.append((r, w))
    await until(lambda: srv.files.uploads_under_way() == 4, what="four uploads under way")
    e = await refused(files, photo)
    assert (e.status, e.code) == (429, "busy") and "4 uploads of this account" in e.message
    for r, w in held:
        w.write(photo[1000:])
        await w.drain()
        status = (await r.readuntil(b"\r\n\r\n")).split(b"\r\n")[0]
        assert b" 201 " in status or b" 200 " in status          # the same bytes: stored by the first
        w.close()
    assert (await files.upload(photo))["created"] is False            # and now it goes (stored once)
    # logging out ends the token for files too, at once
    await op.ws.send(json.dumps({"type": "logout"}))
    assert (await op.recv())["type"] == "session.ended"
    e = await refused(files, ef.jpeg())
    assert (e.status, e.code) == (401, "unauthenticated")
    await files.close()


async def test_a_store_that_cannot_write_answers_unavailable_and_keeps_nothing(srv):
    op, files = await login(srv, "op")
    tmp = srv.content.tmp
    tmp.rmdir()
    tmp.write_bytes(b"")                    # the folder uploads go to cannot be written (a full or broken disk)
    try:
        e = await refused(files, ef.jpeg())
        assert (e.status, e.code) == (503, "unavailable") and "nothing was stored" in e.message
        assert rows(srv) == 0
        # a refusal to a HEAD request has no body (the next request on the connection is not confused)
        st, hdrs, body = await raw_http(srv, "HEAD /files/" + "0" * 64 + "/thumb?case=C1 HTTP/1.1\r\nHost: x\r\n\r\n",
                                        read=False)
        assert st == 401
    finally:
        tmp.unlink()
        tmp.mkdir()
    assert (await files.upload(ef.jpeg()))["created"]          # and once it can, it does
    await files.close(), await op.close()


async def test_the_case_sheet_prints_the_case_evidence_thumbnails(srv, db_url, tmp_path):
    """`xiaonao-server case-sheet` puts the case's evidence on the A4 sheet: each thumbnail from
    the server's content store, captioned with its label and name; a removed one is left out."""
    import shutil
    import subprocess

    from server.reports import export_case_sheet
    op, files = await login(srv, "op")
    lead, _ = await login(srv, "lead")
    cid = await new_case(op)
    for label, name, w in (("before", "before.jpg", 800), ("after", "after.jpg", 900), ("after", "gone.jpg", 700)):
        meta = await files.upload(ef.jpeg(w, 600), name=name, case_id=cid)
        ack, _ = await op.command("case.attach", {"case_id": cid, "attachment": meta["id"], "label": label})
        assert ack["type"] == "ack", ack
        if name == "gone.jpg":
            ack, _ = await lead.command("case.detach", {"case_id": cid, "attachment": meta["id"],
                                                        "reason": "拍错了"})
            assert ack["type"] == "ack", ack
    path = await asyncio.get_running_loop().run_in_executor(
        None, lambda: export_case_sheet(db_url, cid, tmp_path / "sheet.pdf", "zh_CN", data_dir=srv.data_dir))
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True).stdout
    assert "现场证据" in text and "处置前" in text and "before.jpg" in text and "after.jpg" in text
    assert "gone.jpg" not in text and "暂无证据" not in text
    if shutil.which("pdfimages"):
        listed = subprocess.run(["pdfimages", "-list", str(path)], capture_output=True, text=True).stdout
        assert len([ln for ln in listed.splitlines()[2:] if ln.strip()]) == 2        # two thumbnails drawn
    for c in (op, lead):
        await c.close()
