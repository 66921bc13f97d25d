"""A case's evidence as the cockpit shows it (Qt-free): attachments grouped by label in the
order the room reads them (the alert frame, before, after, documents), the viewer's
next/previous order, the marked region of an AI alert checked and clipped to its image,
and what a closing rule still needs before feedback or closure.

The attachments themselves arrive with the case (`case["attachments"]`, filled by the
reducer from `case.attached` / `case.detached` events: docs/protocol.md, "Evidence").
"""
from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

# the groups of the case detail, in the order they are shown
GROUPS = ("alert-frame", "before", "after", "document")
_ALIASES = {"alert_frame": "alert-frame", "alert": "alert-frame", "frame": "alert-frame",
            "documents": "document", "doc": "document", "file": "document"}
MAX_POLYGON_POINTS = 256


def group_of(att: Mapping) -> str:
    """The group an attachment is shown in: its label, or "document" when it has none
    (or one this cockpit does not know)."""
    label = str(att.get("label") or "").strip().lower()
    label = _ALIASES.get(label, label)
    return label if label in GROUPS else "document"


def attachments(case: Mapping | None) -> list[dict]:
    """The case's attachments that are still attached (a removed one leaves the detail; the
    timeline keeps both events), in the order attached."""
    if not case:
        return []
    return [a for a in case.get("attachments") or [] if isinstance(a, dict) and not a.get("removed")]


def grouped(case: Mapping | None) -> dict[str, list[dict]]:
    """GROUPS -> that group's attachments (every group present, maybe empty)."""
    out: dict[str, list[dict]] = {g: [] for g in GROUPS}
    for a in attachments(case):
        out[group_of(a)].append(a)
    return out


def viewer_order(case: Mapping | None) -> list[dict]:
    """Next/previous in the viewer walks the groups in the order they are shown."""
    g = grouped(case)
    return [a for name in GROUPS for a in g[name]]


def is_video(att: Mapping) -> bool:
    return att.get("kind") in ("clip", "video") or str(att.get("type") or att.get("mime") or "").startswith("video/")


def is_image(att: Mapping) -> bool:
    return att.get("kind") in ("image", "photo") or str(att.get("type") or att.get("mime") or "").startswith("image/")


@dataclass(frozen=True)
class Region:
    """An AI alert's marked region in image pixels: a box (x, y, w, h) or a polygon."""
    kind: str                                  # "box" | "polygon"
    points: tuple[tuple[float, float], ...]    # box: its top-left and bottom-right corners
    label: str = ""
    confidence: float | None = None

    @property
    def caption(self) -> str:
        """"illegal_vending 87%": what is written beside the region."""
        conf = f"{round(self.confidence * 100)}%" if self.confidence is not None else ""
        return " ".join(x for x in (self.label, conf) if x)

    def bounds(self) -> tuple[float, float, float, float]:
        xs = [p[0] for p in self.points]
        ys = [p[1] for p in self.points]
        return min(xs), min(ys), max(xs) - min(xs), max(ys) - min(ys)


def _num(v) -> float | None:
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        return None
    v = float(v)
    return v if math.isfinite(v) else None


def _box(v) -> tuple[float, float, float, float] | None:
    """[x, y, w, h], {x, y, w, h} / {x, y, width, height}, or {x1, y1, x2, y2}."""
    if isinstance(v, Sequence) and not isinstance(v, str) and len(v) == 4:
        nums = [_num(x) for x in v]
        if None in nums:
            return None
        x, y, w, h = nums  # type: ignore[misc]
        return (x, y, w, h) if w > 0 and h > 0 else None    # type: ignore[operator,return-value]
    if isinstance(v, Mapping):
        if "x1" in v:
            c = [_num(v.get(k)) for k in ("x1", "y1", "x2", "y2")]
            if None in c:
                return None
            x1, y1, x2, y2 = c  # type: ignore[misc]
            return _box([min(x1, x2), min(y1, y2), abs(x2 - x1), abs(y2 - y1)])    # type: ignore[type-var,operator]
        return _box([v.get("x"), v.get("y"), v.get("w", v.get("width")), v.get("h", v.get("height"))])
    return None


def region_of(source: Mapping | None, width: float | None = None, height: float | None = None) -> Region | None:
    """The marked region of an alert frame, from the attachment (or the case's `alert`):
    `region` = {"box": [x, y, w, h]} or {"polygon": [[x, y], ...]} in image pixels, with
    the detector's `label` and `confidence` (0..1) beside it or inside `detector`.

    Points are clipped to the image when its size is known; a region that is malformed,
    empty or wholly outside the image is None (the frame is shown without it)."""
    if not source:
        return None
    reg = source.get("region")
    if not isinstance(reg, Mapping):
        return None
    det = source.get("detector")
    if not isinstance(det, Mapping):
        det = {}
    label = str(reg.get("label") or det.get("label") or source.get("detector_label") or "")[:60]
    conf = _num(reg.get("confidence", det.get("confidence", source.get("confidence"))))
    if conf is not None:
        conf = conf / 100 if 1 < conf <= 100 else conf      # 87 means 87 %
        conf = min(max(conf, 0.0), 1.0)
    kind = str(reg.get("type") or ("polygon" if "polygon" in reg else "box"))

    def clip(p: tuple[float, float]) -> tuple[float, float]:
        x, y = p
        if width:
            x = min(max(x, 0.0), float(width))
        if height:
            y = min(max(y, 0.0), float(height))
        return x, y

    if kind == "polygon":
        raw = reg.get("polygon") or reg.get("points")
        if not isinstance(raw, Sequence) or isinstance(raw, str) or not 3 <= len(raw) <= MAX_POLYGON_POINTS:
            return None
        pts = []
        for p in raw:
            if isinstance(p, Mapping):
                p = (p.get("x"), p.get("y"))
            if not isinstance(p, Sequence) or isinstance(p, str) or len(p) != 2:
                return None
            x, y = _num(p[0]), _num(p[1])
            if x is None or y is None:
                return None
            pts.append(clip((x, y)))
        region = Region("polygon", tuple(pts), label, conf)
    else:
        b = _box(reg.get("box") if "box" in reg else reg)
        if b is None:
            return None
        x, y, w, h = b
        region = Region("box", (clip((x, y)), clip((x + w, y + h))), label, conf)
    _, _, bw, bh = region.bounds()
    return region if bw > 0 and bh > 0 else None
