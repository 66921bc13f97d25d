"""Rebuild the translations: extract strings (lupdate), fill zh_CN from zh_CN.tsv, compile (lrelease).

    python resources/i18n/build.py          # exits 1 and lists what is untranslated
"""
from __future__ import annotations

import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
TS = HERE / "xiaonao_zh_CN.ts"
SOURCES = ["app", "widgets", "models/qt", "client/qtlink.py"]


def tool(name: str) -> str:
    exe = Path(sys.executable).parent / name
    return str(exe) if exe.exists() else shutil.which(name) or name


def table() -> dict[tuple[str, str], str]:
    out = {}
    for line in (HERE / "zh_CN.tsv").read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        ctx, src, zh = line.split("\t")
        out[(ctx, src)] = zh
    return out


def main() -> int:
    files = []
    for s in SOURCES:
        p = ROOT / s
        files += sorted(str(f) for f in p.rglob("*.py")) if p.is_dir() else [str(p)]
    subprocess.run([tool("pyside6-lupdate"), *files, "-no-obsolete", "-ts", str(TS)], check=True,
                   capture_output=True)
    tree = ET.parse(TS)
    zh = table()
    missing = []
    for ctx in tree.getroot().findall("context"):
        name = ctx.find("name").text
        for m in ctx.findall("message"):
            src = m.find("source").text
            tr = m.find("translation")
            if (name, src) in zh:
                tr.text = zh[(name, src)]
                tr.attrib.pop("type", None)
            else:
                missing.append((name, src))
    tree.write(TS, encoding="utf-8", xml_declaration=True)
    subprocess.run([tool("pyside6-lrelease"), str(TS), "-qm", str(HERE / "xiaonao_zh_CN.qm")], check=True,
                   capture_output=True)
    for name, src in missing:
        print(f"untranslated: {name}\t{src}")
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
