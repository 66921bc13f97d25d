"""The roster's squad tiles: every line readable in a narrow dock, nothing drawn over anything
else, in both languages (offscreen, no server: the tiles draw what the room state holds)."""
from __future__ import annotations

import time

import pytest

from models.qt.room import RoomState
from models.state import empty_state, team_from_squad
from models.timeutil import iso


def _room(now: float) -> RoomState:
    """Two squads as busy as a tile gets: on scene for 47 minutes with the status set by the room,
    two phones online, two members called up, a case with a long title and a long radio call."""
    room = RoomState()
    st = empty_state()
    st["street"] = {"areas": [{"id": "west", "name": "西片区", "name_en": "West area", "talkgroup": "TG-1"}]}
    members = [{"id": f"m{i}", "name": f"队员{i}", "on_duty": i < 3, "mobilised": i < 2} for i in range(10)]
    for tid, status in (("W01", "on_scene"), ("W02", "en_route")):
        t = team_from_squad({"id": tid, "call_sign": f"九巡10{tid[-1]}", "area": "west", "members": members})
        t.update(status=status, status_by="leader", status_since=iso(now - 2863 - 36000 * (status == "en_route")),
                 terminal={"online": 2, "since": iso(now - 600)}, case_id="C000043", cases=["C000043", "C000044"],
                 last_tx={"at": iso(now - 60), "by": "吕俊", "text": "群体聚集，情绪激动，请求派出所支援"})
        st["teams"][tid] = t
    st["cases"]["C000043"] = {"id": "C000043", "title": "预付卡退费纠纷，多名群众聚集在门店", "team_id": "W01"}
    room.state = st
    room.age = 90.0          # not live: the '≈' before the time makes the status line longer still
    return room


@pytest.mark.parametrize("lang", ["en", "zh_CN"])
@pytest.mark.parametrize("dock", [470, 440])
def test_squad_tiles_in_a_narrow_dock_draw_no_text_over_other_text(qtbot, lang, dock):
    from app import i18n
    from widgets.roster import RosterPanel
    i18n.install(lang)
    try:
        now = time.time()
        room = _room(now)
        panel = RosterPanel(room, None)
        qtbot.addWidget(panel)
        panel.resize(dock, 400)
        panel.show()
        qtbot.waitUntil(lambda: all(t.width() > 0 for t in panel.tiles.values()))
        for tile in panel.tiles.values():
            tile.grab()                                     # one paint: the texts placed
            texts = [t for _r, t in tile.drawn]
            assert any("47m" in t for t in texts) and "3/10 ⚑2" in texts, texts      # the time and the members
            rects = [r for r, _t in tile.drawn]
            overlapping = [(tile.drawn[i][1], tile.drawn[j][1]) for i, a in enumerate(rects)
                           for j, b in enumerate(rects) if i < j and a.intersects(b)]
            assert not overlapping, (tile.width(), overlapping)
            assert all(tile.rect().toRectF().contains(r) for r in rects), (tile.width(), tile.drawn)
    finally:
        i18n.install("en")
