"""Intake from other systems: `xiaonao-server import FILE` (JSON lines or CSV).

Each row becomes a `case.report` under an intake role, through the same checks as any
client. Command ids come from the file's content and the row number, so importing the
same file twice reports nothing twice. Headers may be English or the Chinese column names
of a 12345-hotline export.
"""
from __future__ import annotations

import asyncio
import csv
import hashlib
import io
import json
from dataclasses import dataclass, field
from pathlib import Path

from models.commands import Actor, CommandError

HEADER_ALIASES = {
    "标题": "title", "事件标题": "title", "类别": "category", "分类": "category", "事件类别": "category",
    "来源": "source", "渠道": "source", "优先级": "priority", "紧急程度": "priority", "地址": "address",
    "事发地址": "address", "网格": "grid", "片区": "area", "描述": "description", "内容": "description",
    "诉求内容": "description", "联系人": "reporter_name", "来电人": "reporter_name", "联系电话": "reporter_phone",
    "来电号码": "reporter_phone", "商户": "business", "涉及商户": "business",
}
CATEGORY_ALIASES = {"纠纷": "dispute", "矛盾纠纷": "dispute", "城市管理": "city_management", "城管": "city_management",
                    "市场监管": "market", "消防": "fire", "消防安全": "fire", "治安": "public_security",
                    "社会治安": "public_security", "交通": "traffic", "公共服务": "public_service",
                    "环境": "environment", "生态环境": "environment", "应急": "emergency"}
SOURCE_ALIASES = {"12345热线": "12345", "热线": "12345", "网格员": "grid", "网格": "grid", "视频": "video",
                  "城市眼": "video", "巡查": "patrol", "传感器": "sensor", "来访": "walk_in", "扫码": "qrcode"}


@dataclass
class ImportReport:
    accepted: list[tuple[int, str]] = field(default_factory=list)    # (row, case id)
    rejected: list[tuple[int, str]] = field(default_factory=list)    # (row, reason)

    def lines(self) -> list[str]:
        out = [f"row {row}: rejected: {why}" for row, why in self.rejected]
        ids = [cid for _r, cid in self.accepted]
        span = f" ({ids[0]} to {ids[-1]})" if ids else ""
        out.append(f"loaded {len(ids)} case(s){span}; rejected {len(self.rejected)} row(s)")
        return out


def parse_rows(path: str | Path) -> tuple[str, list[tuple[int, dict | str]]]:
    """(file digest, [(row number, args or a reason it cannot be read)])."""
    raw = Path(path).read_bytes()
    digest = hashlib.sha1(raw).hexdigest()[:12]
    text = raw.decode("utf-8-sig")
    rows: list[tuple[int, dict | str]] = []
    if Path(path).suffix.lower() in (".jsonl", ".ndjson", ".json"):
        for n, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except ValueError as e:
                rows.append((n, f"not valid JSON ({e.msg})"))
                continue
            rows.append((n, _to_args(obj) if isinstance(obj, dict) else "a row must be a JSON object"))
    else:
        reader = csv.DictReader(io.StringIO(text))
        for n, rec in enumerate(reader, start=2):     # row 1 is the header
            rows.append((n, _to_args({HEADER_ALIASES.get(k.strip(), k.strip()): (v or "").strip()
                                      for k, v in rec.items() if k})))
    return digest, rows


def _to_args(obj: dict) -> dict:
    obj = {HEADER_ALIASES.get(k, k): v for k, v in obj.items()}
    args = {k: obj[k] for k in ("title", "category", "source", "description", "business", "subtags") if obj.get(k)}
    if isinstance(args.get("category"), str):
        args["category"] = CATEGORY_ALIASES.get(args["category"], args["category"])
    if isinstance(args.get("source"), str):
        args["source"] = SOURCE_ALIASES.get(args["source"], args["source"])
    args.setdefault("source", "12345")
    pr = obj.get("priority", 3)
    try:
        args["priority"] = int(pr) if pr not in ("", None) else 3
    except (TypeError, ValueError):
        args["priority"] = pr
    loc = obj.get("location") if isinstance(obj.get("location"), dict) else {}
    loc = dict(loc)
    for k in ("address", "grid", "area"):
        if obj.get(k):
            loc[k] = obj[k]
    args["location"] = loc
    if obj.get("reporter_name") or obj.get("reporter_phone"):
        args["reporter"] = {"name": obj.get("reporter_name", ""), "phone": str(obj.get("reporter_phone", ""))}
    elif isinstance(obj.get("reporter"), (dict, str)):
        args["reporter"] = obj["reporter"]
    return args


def import_file(db_url: str, path: str, as_user: str = "import") -> ImportReport:
    return asyncio.run(_import(db_url, path, as_user))


async def _import(db_url: str, path: str, as_user: str) -> ImportReport:
    from .hub import Hub
    from .store import EventStore
    digest, rows = parse_rows(path)
    store = EventStore(db_url)
    hub = Hub(store)
    await hub.start()
    report = ImportReport()
    actor = Actor(as_user, "intake")
    try:
        for n, args in rows:
            if isinstance(args, str):
                report.rejected.append((n, args))
                continue
            try:
                seq = await hub.execute(actor, "case.report", args, command_id=f"import:{digest}:{n}", peer=f"file:{path}")
            except CommandError as e:
                report.rejected.append((n, e.message))
                continue
            ev = (await hub.run_db(store.events_after, seq - 1, seq))[0]
            report.accepted.append((n, ev["data"]["case_id"]))
    finally:
        await hub.stop()
        store.dispose()
    return report
