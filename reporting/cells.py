"""A report cell's value and format, and its text for a page (the Excel writer keeps numbers)."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from models.timeutil import epoch


def unpack(cell, column_format: str) -> tuple[Any, str]:
    """(value, format) of a cell: a plain value takes its column's format; a summary cell
    {"v": value, "f": format} carries its own (its row decides whether it is a count or a
    rate); a column of format `signed` is a change, shown with its sign."""
    if isinstance(cell, dict) and "v" in cell:
        f = cell.get("f", "text")
        return cell["v"], ("signed_" + f if column_format == "signed" else f)
    return cell, column_format


def local_datetime(s: str) -> datetime:
    """An ISO UTC timestamp as a naive local datetime (what Excel and a reader expect)."""
    return datetime.fromtimestamp(epoch(s))


def text(cell, column_format: str, none: str = "–") -> str:
    v: Any
    v, f = unpack(cell, column_format)
    if v is None or v == "":
        return none if f != "text" else ""
    if f in ("pct", "signed_pct"):
        s = f"{v * 100:.1f}%"
        if f == "signed_pct":
            s = ("+" if v > 0 else "") + f"{v * 100:.1f} pp"
        return s
    if f in ("int", "signed_int"):
        return (("+" if f == "signed_int" and v > 0 else "") + f"{int(v):,}")
    if f in ("float", "minutes", "signed_float", "signed_minutes"):
        return ("+" if f.startswith("signed") and v > 0 else "") + f"{float(v):.1f}"
    if f == "id":
        return str(v)
    if f == "datetime":
        try:
            return local_datetime(v).strftime("%Y-%m-%d %H:%M")
        except (TypeError, ValueError):
            return str(v)
    return str(v)


def is_numeric(column_format: str) -> bool:
    return column_format in ("int", "pct", "float", "minutes", "num", "signed", "id")


def label_column(table) -> int:
    """The column a chart names its categories by: the first text one (a ranking's squad, not its rank)."""
    return next((i for i, c in enumerate(table.columns) if c.format == "text"), 0)
