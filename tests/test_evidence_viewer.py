"""Evidence in the cockpit, the parts that need no server: thumbnails grouped as the room reads
them, the AI alert's region drawn on its frame, the viewer (zoom, pan, next/previous, save a
copy) and video where the platform can play it. Real files (Pillow), offscreen Qt."""
from __future__ import annotations

import os

import pytest
from PIL import Image, ImageDraw
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QColor, QWheelEvent

from models.evidence_groups import GROUPS, grouped, region_of, viewer_order
from widgets import media
from widgets.evidence import REGION_COLOUR, EvidencePanel, LocalFiles


def _photo(path, colour, size=(1600, 1200)):
    im = Image.new("RGB", size, colour)
    ImageDraw.Draw(im).rectangle([size[0] // 3, size[1] // 3, size[0] // 2, size[1] // 2], fill="#e0d090")
    im.save(path, "JPEG", quality=85)
    return str(path)


def _att(i, label, path, **kw):
    return {"id": f"{i:064x}", "label": label, "kind": "photo", "type": "image/jpeg", "name": f"IMG_{i}.jpg",
            "at": f"2026-12-01T08:0{i}:00.000Z", "by": "op", "width": 1600, "height": 1200, "path": path, **kw}


@pytest.fixture(autouse=True)
def english(qapp):
    """These tests read the English labels; the language is process-wide, so say it here."""
    from app import i18n
    i18n.install("en")


@pytest.fixture
def case(tmp_path):
    atts = [
        _att(1, "before", _photo(tmp_path / "1.jpg", "#665544")),
        _att(2, "alert-frame", _photo(tmp_path / "2.jpg", "#334455"),
             region={"box": [480, 380, 440, 440]}, detector={"label": "出店经营", "confidence": 0.93}),
        _att(3, "after", _photo(tmp_path / "3.jpg", "#446655")),
        _att(4, "document", _photo(tmp_path / "4.jpg", "#555555")),
        _att(5, "before", _photo(tmp_path / "5.jpg", "#664466")),
        _att(6, "after", _photo(tmp_path / "6.jpg", "#222222"), removed={"at": "x", "by": "lead", "reason": "拍错了"}),
    ]
    return {"id": "C000001", "category": "city_management", "status": "on_scene", "attachments": atts}


def red_pixels(img, box=None, step: int = 2) -> int:
    """How many pixels of the grabbed picture are the region's red (every `step`th)."""
    img = img.toImage() if hasattr(img, "toImage") else img
    x0, y0, x1, y1 = box or (0, 0, img.width(), img.height())
    n = 0
    for y in range(max(0, y0), min(img.height(), y1), step):
        for x in range(max(0, x0), min(img.width(), x1), step):
            c = QColor(img.pixel(x, y))
            if abs(c.red() - REGION_COLOUR.red()) < 40 and c.green() < 110 and c.blue() < 110:
                n += 1
    return n


def test_groups_follow_the_room_s_reading_order_and_removed_files_leave():
    case = {"attachments": [{"id": "a", "label": "after"}, {"id": "b", "label": "alert-frame"},
                            {"id": "c", "label": "whatever"}, {"id": "d", "label": "before"},
                            {"id": "e", "label": "before", "removed": {"reason": "wrong case"}}]}
    g = grouped(case)
    assert list(g) == list(GROUPS) == ["alert-frame", "before", "after", "document"]
    assert [a["id"] for a in g["before"]] == ["d"] and [a["id"] for a in g["document"]] == ["c"]
    assert [a["id"] for a in viewer_order(case)] == ["b", "d", "a", "c"]
    assert grouped(None) == {k: [] for k in GROUPS}


def test_a_region_is_checked_and_clipped_to_its_image():
    r = region_of({"region": {"box": [812, 340, 220, 160]}, "detector": {"label": "出店经营", "confidence": 0.93}},
                  1920, 1080)
    assert r.kind == "box" and r.points == ((812, 340), (1032, 500)) and r.caption == "出店经营 93%"
    poly = region_of({"region": {"polygon": [[10, 10], [3000, 20], [50, 900]]}}, 1920, 1080)
    assert poly.kind == "polygon" and poly.points[1] == (1920, 20)       # clipped to the frame
    for bad in ({"box": [1, 2, 3]}, {"box": [1, 2, -3, 4]}, {"polygon": [[1, 2], [3, 4]]}, {"box": "x"},
                {"polygon": [[1, float("nan")], [2, 3], [4, 5]]}, {"box": [5000, 5000, 10, 10]}, None, 7):
        assert region_of({"region": bad}, 1920, 1080) is None, bad


def test_detail_thumbnails_are_grouped_and_the_alert_frame_shows_its_region(qtbot, case):
    src = LocalFiles()
    panel = EvidencePanel(src)
    qtbot.addWidget(panel)
    panel.resize(600, 700)
    panel.set_case(case)
    panel.show()
    shown = [g for g in GROUPS if panel.headings[g].isVisible()]
    assert shown == ["alert-frame", "before", "after", "document"]
    assert [panel.headings[g].text() for g in shown] == ["Alert frame (1)", "Before (2)", "After (1)", "Documents (1)"]
    assert panel.strips["before"].tile_text(0) .endswith("IMG_1.jpg")
    assert not panel.empty.isVisible()
    strip = panel.strips["alert-frame"]
    qtbot.waitUntil(lambda: src.thumbnail(strip.items[0]) is not None)
    r = strip.tile_rect(0)
    assert red_pixels(strip.grab(), (r.x(), r.y(), r.right(), r.bottom())) > 20       # the box drawn on the frame
    before = panel.strips["before"]
    rb = before.tile_rect(0)
    assert red_pixels(before.grab(), (rb.x(), rb.y(), rb.right(), rb.bottom())) == 0
    panel.set_case({"id": "C2", "attachments": []})
    assert panel.empty.isVisible() and not any(h.isVisible() for h in panel.headings.values())


def test_viewer_walks_zooms_pans_and_saves_a_copy(qtbot, case, tmp_path):
    src = LocalFiles()
    panel = EvidencePanel(src)
    qtbot.addWidget(panel)
    panel.resize(600, 700)
    panel.set_case(case)
    panel.show()
    strip = panel.strips["alert-frame"]
    qtbot.mouseClick(strip, Qt.MouseButton.LeftButton, pos=strip.tile_rect(0).center())
    v = panel.viewer
    qtbot.addWidget(v)
    v.resize(900, 700)
    assert v.isVisible() and v.title.text().startswith("1/5 · Alert frame · IMG_2.jpg")
    assert "出店经营 93%" in v.title.text()
    qtbot.waitUntil(lambda: "1600 × 1200 pixels" in v.info.text())
    assert red_pixels(v.image.grab()) > 50                 # the region over the photo
    assert not v.prev_b.isEnabled() and v.next_b.isEnabled()
    # zoom in with the wheel and the button, back to fit
    fit = v.image.zoom()
    wheel = QWheelEvent(QPointF(450, 300), QPointF(450, 300), QPoint(0, 0), QPoint(0, 120), Qt.MouseButton.NoButton,
                        Qt.KeyboardModifier.NoModifier, Qt.ScrollPhase.NoScrollPhase, False)
    v.image.wheelEvent(wheel)
    qtbot.mouseClick(v.zoom_in_b, Qt.MouseButton.LeftButton)
    assert v.image.zoom() == pytest.approx(fit * 1.25 * 1.25)
    # pan: the view scrolls when zoomed past the window
    h = v.image.horizontalScrollBar()
    assert h.maximum() > 0
    h.setValue(h.maximum())
    assert v.image.mapToScene(v.image.viewport().rect().center()).x() > 800
    qtbot.mouseClick(v.fit_b, Qt.MouseButton.LeftButton)
    assert v.image.zoom() == pytest.approx(fit)
    # next and previous, with the keys; the walk crosses groups in their order
    qtbot.keyClick(v, Qt.Key.Key_Right)
    assert v.title.text().startswith("2/5 · Before · IMG_1.jpg")
    assert red_pixels(v.image.grab()) == 0
    for _ in range(5):
        qtbot.keyClick(v, Qt.Key.Key_Right)
    assert v.title.text().startswith("5/5 · Documents") and not v.next_b.isEnabled()
    qtbot.keyClick(v, Qt.Key.Key_Left)
    assert v.title.text().startswith("4/5 · After")
    # save a copy: the dialog is opened with open(), never exec(); the bytes are the original's
    dlg = v.save_copy()
    assert dlg.isVisible() and dlg.windowModality() == Qt.WindowModality.WindowModal   # open(): the room goes on
    target = tmp_path / "copy.jpg"
    dlg.selectFile(str(target))
    dlg.accept()
    qtbot.waitUntil(lambda: "Saved a copy to" in v.status.text())        # copied off the UI thread
    assert target.read_bytes() == open(case["attachments"][2]["path"], "rb").read()
    # a copy that cannot be written says why
    v.save_to(str(tmp_path / "no" / "such" / "dir" / "x.jpg"))
    qtbot.waitUntil(lambda: v.status.text().startswith("Not saved:"))


def test_a_clip_plays_where_the_platform_can_and_says_why_not_where_it_cannot(qtbot, tmp_path):
    clip = tmp_path / "clip.mp4"
    clip.write_bytes(b"\x00\x00\x00\x18ftypmp42" + os.urandom(64))
    case = {"id": "C1", "attachments": [{"id": "c" * 64, "label": "after", "kind": "clip", "type": "video/mp4",
                                         "name": "clip.mp4", "duration": 75, "path": str(clip)}]}
    panel = EvidencePanel(LocalFiles())
    qtbot.addWidget(panel)
    panel.set_case(case)
    panel.show()
    assert panel.strips["after"].tile_text(0).endswith("clip.mp4")
    v = panel.open_viewer("after", 0)
    qtbot.addWidget(v)
    reason = media.unavailable_reason()
    if reason:
        assert v.stack.currentWidget() is v.message
        assert "Video cannot be played on this computer" in v.message.text() and reason in v.message.text()
    else:
        assert v.stack.currentWidget() is v.video and v.player is not None
        # these bytes are no real clip: the player says so where the operator looks
        qtbot.waitUntil(lambda: "cannot be played here" in v.status.text(), timeout=10000)
    assert v.open_b.isEnabled() and v.save_b.isEnabled()       # the original is a click away either way


@pytest.mark.skipif(bool(media.unavailable_reason()), reason="QtMultimedia does not load here")
def test_a_real_clip_plays_in_the_viewer(qtbot, tmp_path):
    from . import evidence_files as ef
    clip = tmp_path / "clip.mp4"
    clip.write_bytes(ef.mp4(seconds=2.0))
    case = {"id": "C1", "attachments": [{"id": "d" * 64, "label": "after", "kind": "clip", "type": "video/mp4",
                                         "name": "clip.mp4", "duration": 2.0, "path": str(clip)}]}
    panel = EvidencePanel(LocalFiles())
    qtbot.addWidget(panel)
    panel.set_case(case)
    v = panel.open_viewer("after", 0)
    qtbot.addWidget(v)
    v.resize(800, 600)
    assert v.stack.currentWidget() is v.video
    player = v.player
    assert player is not None
    qtbot.waitUntil(lambda: player.player.duration() > 1500, timeout=10000)       # the clip opened: 2 s long
    qtbot.waitUntil(lambda: player.play_b.text() == "Pause", timeout=10000)                  # playing
    assert "cannot be played" not in v.status.text()
    qtbot.mouseClick(player.play_b, Qt.MouseButton.LeftButton)                   # pause
    qtbot.waitUntil(lambda: player.play_b.text() == "Play", timeout=5000)
    v.close()


def test_a_polygon_region_is_drawn_where_the_detector_marked_it(qtbot, tmp_path):
    path = _photo(tmp_path / "f.jpg", "#203040", (1000, 1000))
    att = _att(9, "alert-frame", path, width=1000, height=1000,
               region={"polygon": [[100, 600], [400, 600], [250, 900]]}, detector={"label": "占道", "confidence": 0.5})
    panel = EvidencePanel(LocalFiles())
    qtbot.addWidget(panel)
    panel.set_case({"id": "C9", "attachments": [att]})
    v = panel.open_viewer("alert-frame", 0)
    qtbot.addWidget(v)
    v.resize(700, 800)
    qtbot.waitUntil(lambda: "1000 × 1000" in v.info.text())
    view = v.image
    img = view.viewport().grab().toImage()                   # in the viewport's pixels, as mapFromScene
    inside = view.mapFromScene(QPointF(250, 600))            # the polygon's top edge
    outside = view.mapFromScene(QPointF(800, 200))           # far from it
    r = 6
    assert red_pixels(img, (inside.x() - r, inside.y() - r, inside.x() + r, inside.y() + r), step=1) > 0
    assert red_pixels(img, (outside.x() - r, outside.y() - r, outside.x() + r, outside.y() + r), step=1) == 0
    assert "占道 50%" in v.title.text()


def test_the_viewer_s_count_follows_a_photo_attached_while_it_is_open(qtbot, case, tmp_path):
    """Found trying main: a squad's 'after' photo arrived while the operator looked at the first
    one, and the viewer still said 1/1 although Next was enabled and led to a second."""
    src = LocalFiles()
    panel = EvidencePanel(src)
    qtbot.addWidget(panel)
    first = {**case, "attachments": [case["attachments"][2]]}
    panel.set_case(first)
    panel.show()
    v = panel.open_viewer("after", 0)
    qtbot.addWidget(v)
    assert v.title.text().startswith("1/1 · After · IMG_3.jpg") and not v.next_b.isEnabled()
    late = _att(7, "after", _photo(tmp_path / "7.jpg", "#448844"), by="w01")
    panel.set_case({**case, "attachments": [case["attachments"][2], late]})
    assert v.title.text().startswith("1/2 · After · IMG_3.jpg") and v.next_b.isEnabled()   # still on the one shown
    qtbot.mouseClick(v.next_b, Qt.MouseButton.LeftButton)
    assert v.title.text().startswith("2/2 · After · IMG_7.jpg") and "w01" in v.title.text()
