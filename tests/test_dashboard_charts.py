"""The dashboard's charts with nothing to show yet and in a short dock (the replay window, a
1366x768 screen): a sensible empty state (0-5 axes saying 'no data', a week of days), whole
numbers on count axes, never squeezed below a readable height. Offscreen, no server: the
charts draw what the room state holds."""
from __future__ import annotations

import math
from datetime import datetime

from models.qt.replay import ReplayRoom
from models.qt.room import RoomState
from models.state import empty_state, team_from_squad
from models.timeutil import iso


def _axis_values(plot, axis="left"):
    ax = plot.getAxis(axis)
    lo, hi = ax.range
    return [v for _spacing, values in ax.tickValues(lo, hi, plot.getViewBox().height()) for v in values]


def test_empty_charts_show_a_readable_empty_state_not_squeezed_axes(qtbot):
    from widgets.dashboard import PLOT_MIN_PX, DashboardPanel
    room = ReplayRoom()                # what the replay window shows before a range is loaded
    panel = DashboardPanel(room, parts=("kpis", "charts"))
    qtbot.addWidget(panel)
    panel.resize(1500, 300)            # the replay's dashboard dock was this short
    panel.show()
    panel.refresh()
    qtbot.wait(50)
    for key, plot in panel.plots.items():
        assert plot.height() >= PLOT_MIN_PX, key                     # not a strip with its labels piled up
        assert plot.no_data.isVisible(), key                         # says so
        if key != "categories":                                       # counts up the side: 0 to 5, not ±0.2
            lo, hi = plot.getAxis("left").range
            assert lo <= 0 and hi >= 5, (key, lo, hi)
            values = _axis_values(plot)
            assert 0 in values and all(v == int(v) for v in values), (key, values)
    lo, hi = panel.plots["categories"].getAxis("bottom").range
    assert lo <= 0 and hi >= 5
    days = panel.plots["trend"].getAxis("bottom")._tickLevels[0]
    assert len(days) == 7 and all(len(label) == 5 for _x, label in days)     # a week named, MM-DD


def test_count_axes_have_whole_numbers_spaced_for_their_labels(qtbot):
    from widgets.dashboard import DashboardPanel
    room = RoomState()
    st = empty_state()
    st["teams"] = {t["id"]: t for t in (team_from_squad({"id": f"W0{i}", "call_sign": f"九巡10{i}", "area": "west"})
                                        for i in range(1, 3))}        # two squads: a 0-2 range
    room.state = st
    panel = DashboardPanel(room, parts=("charts",))
    qtbot.addWidget(panel)
    panel.resize(1200, 260)
    panel.show()
    panel.refresh()
    qtbot.wait(50)
    squads = panel.plots["squads"]
    values = _axis_values(squads)
    assert values and all(v == int(v) for v in values), values           # no '0.5 squads'
    ax = squads.getAxis("left")
    for lo, hi, size in ((0, 25, 60), (0, 25, 200), (0, 1, 80), (0, 1234, 90)):
        vals = ax.tickValues(lo, hi, size)[0][1]
        assert all(v == int(v) for v in vals)
        px = (vals[1] - vals[0]) / (hi - lo) * size if len(vals) > 1 else math.inf
        assert px >= 11 * 1.8 - 0.01, (lo, hi, size, vals)            # a label's height apart at least


def test_the_week_figures_follow_a_replay_moved_back_in_time(qtbot):
    from widgets.dashboard import DashboardPanel
    room = ReplayRoom()
    day = 86400.0
    now = 1_800_000_000.0
    st = empty_state()
    st["cases"] = {"C000001": {"id": "C000001", "status": "new", "priority": 3, "category": "dispute",
                               "source": "12345", "location": {}, "times": {"reported": iso(now - 3 * day)}}}
    room.show(st, now)
    panel = DashboardPanel(room, parts=("charts",))
    qtbot.addWidget(panel)
    panel.refresh()
    later = panel.plots["trend"].getAxis("bottom")._tickLevels[0][-1][1]
    room.show(st, now - 5 * day)                  # the slider moved back five days
    panel.refresh()
    earlier = panel.plots["trend"].getAxis("bottom")._tickLevels[0][-1][1]
    assert earlier != later                       # the days named are those of the moment shown


def test_a_small_walls_charts_fit_their_panels_with_their_titles_whole(qtbot):
    """At 1366x768 in English a chart's title was wider than the room its panel left beside
    the category names: the chart was drawn past its panel, title and bars cut off."""
    from app import i18n
    from app.wall import WALL_MIN_PX
    from widgets.dashboard import DashboardPanel
    before = i18n.current()
    i18n.install("en")
    try:
        room = RoomState()
        st = empty_state()
        st["teams"] = {t["id"]: t for t in (team_from_squad({"id": f"W0{i}", "call_sign": f"九巡10{i}", "area": "west"})
                                            for i in range(1, 4))}
        room.state = st
        panel = DashboardPanel(room, scale=1.35, parts=("kpis", "charts"), min_px=WALL_MIN_PX)
        qtbot.addWidget(panel)
        panel.resize(1340, 600)
        panel.show()
        panel.refresh()
        qtbot.wait(100)
        for key, plot in panel.plots.items():
            item = plot.getPlotItem()
            assert item.geometry().width() <= plot.width() + 0.5, key            # drawn inside its panel
            shown = item.titleLabel.text.replace("<br>", " ")
            assert "…" not in shown and shown == plot._title, key               # the whole title, on two lines if need be
        assert any("<br>" in p.getPlotItem().titleLabel.text for p in panel.plots.values())
    finally:
        i18n.install(before)


def test_the_week_before_a_young_record_is_blank_not_zero(qtbot):
    """A street whose record began today (a new street, the demo) drew six days of zero
    cases before it: a claim the log cannot make. Those days are blank and said to be before
    the record; once older cases exist that the window let go, every day is drawn."""
    from widgets.dashboard import DashboardPanel
    room = ReplayRoom()
    day = 86400.0
    now = datetime.now().replace(hour=15, minute=0, second=0, microsecond=0).timestamp()
    st = empty_state()
    st["cases"] = {f"C00000{i}": {"id": f"C00000{i}", "status": "new", "priority": 3, "category": "dispute",
                                  "source": "12345", "location": {}, "times": {"reported": iso(now - (3 - i) * day)}}
                   for i in (1, 2)}          # two cases: the record began two days ago
    st["next_case_no"] = 3
    room.show(st, now)
    panel = DashboardPanel(room, parts=("charts",))
    qtbot.addWidget(panel)
    panel.refresh()
    trend = panel.plots["trend"]
    xs, ys = panel._trend_rep.getData()
    assert list(xs) == [4, 5, 6] and list(ys) == [1, 1, 0]           # from the record's first day on
    assert trend.before_record.isVisible() and "no record before" in trend.before_record.textItem.toPlainText()
    older = dict(st, next_case_no=40)             # 37 cases the window no longer holds
    room.show(older, now)
    panel.refresh()
    xs, _ys = panel._trend_rep.getData()
    assert list(xs) == list(range(7)) and not trend.before_record.isVisible()
