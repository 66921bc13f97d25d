#!/usr/bin/env bash
# Build the one-folder cockpit into dist/xiaonao (then, on Windows, iscc packaging/xiaonao.iss).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh
.venv/bin/python -m pip install -q "pyinstaller>=6.10" -c packaging/constraints.txt
.venv/bin/python resources/i18n/build.py
.venv/bin/pyinstaller --noconfirm --log-level WARN --distpath dist --workpath build packaging/xiaonao.spec
echo "built dist/xiaonao/xiaonao"
