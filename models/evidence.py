"""Evidence on cases, Qt-free: labels, the shape of an attachment, the AI alert region, and the
closing rules as data (docs/protocol.md, "Evidence").

The server's file store (server/files.py) says what a file *is* (kind, type, size,
dimensions); this module says what may be *attached* and what a case still *needs*:

- `check_attach_args(args)` / `report_evidence(args)`: the shape of `case.attach` and of a
  report's `alert_frame` / `attachments` / `images` (ids, labels, regions), raising CommandError;
- `attachment(meta, case_id, …)`: the attachment object a `case.attached` event carries;
- `rules(state)` / `missing_evidence(state, case, command)`: which labels a feedback or a close
  still needs on this case (empty when nothing is missing), and `is_private(state, category)`.
"""
from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping

from .domain import RESOURCES

LABELS = ("before", "after", "alert-frame", "document")
KINDS = ("photo", "clip", "document")
ID_RE = re.compile(r"[0-9a-f]{64}")
NOTE_LIMIT = 500
MAX_REPORT_ATTACHMENTS = 20
MAX_POLYGON = 64
DETECTOR_LABEL_LIMIT = 100
# which commands a rule's key governs
RULE_KEYS = {"case.feedback": "feedback_requires", "case.close": "close_requires"}


def _load_rules() -> dict[str, dict]:
    data = tomllib.loads((RESOURCES / "sla_profiles.toml").read_text(encoding="utf-8"))
    return {k: dict(v) for k, v in (data.get("evidence") or {}).items()}


DEFAULT_RULES: dict[str, dict] = _load_rules()


def _err(code: str, message: str, field: str | None = None):
    from .commands import CommandError  # (commands imports this module)
    return CommandError(code, message, field=field)


def is_attachment_id(v) -> bool:
    return isinstance(v, str) and ID_RE.fullmatch(v) is not None


def _att_id(v, key: str) -> str:
    if not is_attachment_id(v):
        raise _err("invalid", f"'{key}' must be an attachment id (the 64 hex digits an upload returned): "
                              "upload the file first (POST /files)", key)
    return v


def _region(v, key: str = "region") -> dict:
    """{"box": [x, y, w, h]} or {"polygon": [[x, y], …]}, numbers >= 0 (checked against the
    image's size by `check_region_fits`)."""
    def num(x) -> bool:
        return not isinstance(x, bool) and isinstance(x, (int, float)) and 0 <= x <= 1e6
    if not isinstance(v, dict) or len(v) != 1 or not ({"box", "polygon"} & set(v)):
        raise _err("invalid", f"'{key}' must be {{\"box\": [x, y, w, h]}} or {{\"polygon\": [[x, y], …]}}", key)
    if "box" in v:
        b = v["box"]
        if not (isinstance(b, list) and len(b) == 4 and all(num(x) for x in b) and b[2] > 0 and b[3] > 0):
            raise _err("invalid", f"'{key}.box' must be [x, y, width, height] in pixels, width and height > 0", key)
        return {"box": [float(x) for x in b]}
    pts = v["polygon"]
    if not (isinstance(pts, list) and 3 <= len(pts) <= MAX_POLYGON
            and all(isinstance(p, list) and len(p) == 2 and all(num(x) for x in p) for p in pts)):
        raise _err("invalid", f"'{key}.polygon' must be 3 to {MAX_POLYGON} points [x, y] in pixels", key)
    return {"polygon": [[float(x), float(y)] for x, y in pts]}


def check_region_fits(region: dict, width, height, key: str = "region") -> None:
    if not width or not height:
        return
    if "box" in region:
        x, y, w, h = region["box"]
        pts = [(x, y), (x + w, y + h)]
    else:
        pts = [tuple(p) for p in region["polygon"]]
    if any(px > width or py > height for px, py in pts):
        raise _err("invalid", f"'{key}' lies outside the {width}x{height} image", key)


def _detector(v, key: str = "detector") -> dict:
    if not isinstance(v, dict):
        raise _err("invalid", f"'{key}' must be {{\"label\": …, \"confidence\": 0..1}}", key)
    label = v.get("label")
    conf = v.get("confidence")
    if not isinstance(label, str) or not label.strip() or len(label) > DETECTOR_LABEL_LIMIT:
        raise _err("invalid", f"'{key}.label' must be a text of 1 to {DETECTOR_LABEL_LIMIT} characters", key)
    if isinstance(conf, bool) or not isinstance(conf, (int, float)) or not 0 <= conf <= 1:
        raise _err("invalid", f"'{key}.confidence' must be a number from 0 to 1", key)
    return {"label": label.strip(), "confidence": float(conf)}


def _note(v, key: str = "note") -> str:
    if v is None:
        return ""
    if not isinstance(v, str) or len(v.strip()) > NOTE_LIMIT:
        raise _err("invalid", f"'{key}' must be a text of at most {NOTE_LIMIT} characters", key)
    return v.strip()


def check_attach_args(args: dict, prefix: str = "") -> dict:
    """The checked request of one attachment: {attachment, label, note, wall, region?, detector?}."""
    att = _att_id(args.get("attachment"), prefix + "attachment")
    label = args.get("label")
    if label not in LABELS:
        raise _err("invalid", f"'{prefix}label' must be one of {', '.join(LABELS)}", prefix + "label")
    wall = args.get("wall", label == "alert-frame")
    if not isinstance(wall, bool):
        raise _err("invalid", f"'{prefix}wall' must be true or false", prefix + "wall")
    out: dict = {"attachment": att, "label": label, "note": _note(args.get("note"), prefix + "note"), "wall": wall}
    if args.get("region") is not None:
        out["region"] = _region(args["region"], prefix + "region")
    if args.get("detector") is not None:
        out["detector"] = _detector(args["detector"], prefix + "detector")
    return out


def report_evidence(args: dict) -> list[dict]:
    """A report's files to attach, in order (the alert frame first), each as check_attach_args
    returns it. `images` (an older field, a list) is taken, not dropped: each entry must be an
    attachment id; it is an alert frame for a report from video or a sensor, else a document."""
    out: list[dict] = []
    af = args.get("alert_frame")
    if af is not None:
        if not isinstance(af, dict):
            raise _err("invalid", "'alert_frame' must be {\"attachment\": id, \"region\"?: …, \"detector\"?: …}",
                       "alert_frame")
        out.append(check_attach_args({**af, "label": "alert-frame", "wall": af.get("wall", True)}, "alert_frame."))
    more = args.get("attachments")
    if more is not None:
        if not isinstance(more, list) or len(more) > MAX_REPORT_ATTACHMENTS:
            raise _err("invalid", f"'attachments' must be a list of at most {MAX_REPORT_ATTACHMENTS} "
                                  "{attachment, label, note?}", "attachments")
        for i, a in enumerate(more):
            if not isinstance(a, dict):
                raise _err("invalid", f"'attachments[{i}]' must be {{attachment, label, note?}}", "attachments")
            out.append(check_attach_args({"label": "document", **a}, f"attachments[{i}]."))
    images = args.get("images")
    if images is not None:
        if not isinstance(images, list) or len(images) > MAX_REPORT_ATTACHMENTS:
            raise _err("invalid", f"'images' must be a list of at most {MAX_REPORT_ATTACHMENTS} attachment ids",
                       "images")
        label = "alert-frame" if args.get("source") in ("video", "sensor") else "document"
        for i, v in enumerate(images):
            out.append(check_attach_args({"attachment": _att_id(v, f"images[{i}]"), "label": label}, f"images[{i}]."))
    seen: set[str] = set()
    for a in out:
        if a["attachment"] in seen:
            raise _err("invalid", f"file {a['attachment'][:12]}… is given twice", "attachments")
        seen.add(a["attachment"])
    if len(out) > MAX_REPORT_ATTACHMENTS + 1:
        raise _err("invalid", f"a report carries at most {MAX_REPORT_ATTACHMENTS + 1} files", "attachments")
    return out


def file_paths(att_id: str, case_id: str) -> dict:
    base = f"/files/{att_id}"
    q = f"?case={case_id}"
    return {"url": base + q, "thumb": base + "/thumb" + q, "preview": base + "/preview" + q}


def attachment(meta: Mapping, case_id: str, req: dict) -> dict:
    """The attachment object of a case.attached event: the server's metadata of the file
    (`meta`, from the upload) and the request's label, note, wall flag, region, detector."""
    a = {"id": meta["id"], "label": req["label"], "kind": meta["kind"], "type": meta["type"],
         "size": meta["size"], "name": meta.get("name") or "", "width": meta.get("width"),
         "height": meta.get("height"), "duration": meta.get("duration"), "taken_at": meta.get("taken_at"),
         "gps": meta.get("gps"), "note": req.get("note", ""), "wall": bool(req.get("wall")),
         **file_paths(meta["id"], case_id)}
    if req.get("region") is not None:
        if meta["kind"] != "photo":
            raise _err("invalid", "a marked region needs a photo as the alert frame", "region")
        check_region_fits(req["region"], meta.get("width"), meta.get("height"))
        a["region"] = req["region"]
    if req.get("detector") is not None:
        a["detector"] = req["detector"]
    return a


# ---- rules -------------------------------------------------------------------------

def rules(state: Mapping) -> dict[str, dict]:
    """The evidence rules in force: the street's own table, else the shipped defaults."""
    street = state.get("street") or {}
    own = street.get("evidence")
    return own if isinstance(own, dict) else DEFAULT_RULES


def is_private(state: Mapping, category: str | None) -> bool:
    return bool((rules(state).get(category or "") or {}).get("private"))


def private_categories(state: Mapping) -> frozenset[str]:
    return frozenset(c for c, r in rules(state).items() if isinstance(r, dict) and r.get("private"))


def live_attachments(case: Mapping) -> list[dict]:
    return [a for a in case.get("attachments") or () if not a.get("removed")]


def missing_evidence(state: Mapping, case: Mapping, command: str) -> list[str]:
    """The labels `command` (case.feedback / case.close) still needs on `case`: photos with
    that label, attached and not removed. Empty when nothing is missing."""
    key = RULE_KEYS.get(command)
    if key is None:
        return []
    need = (rules(state).get(case.get("category") or "") or {}).get(key) or []
    have = {a.get("label") for a in live_attachments(case) if a.get("kind") == "photo"}
    return [label for label in need if label not in have]
