#!/usr/bin/env bash
# Set up everything Xiaonao needs on a fresh Debian/Ubuntu machine (or any machine with
# Python 3.11+): the system libraries Qt needs to draw (offscreen or on a display), CJK
# fonts, and a virtualenv in .venv with the project and its test tools. Idempotent: a
# second run only checks.
set -euo pipefail
cd "$(dirname "$0")/.."

PY=${PYTHON:-python3}
need_libs=()
# grep -c reads all its input: with pipefail, grep -q would let the writer die of SIGPIPE
# and the pipeline fail although the match was found (apt-get ran on every start)
have_lib() { ldconfig -p 2>/dev/null | grep -c "$1" >/dev/null; }
have_font() { fc-list 2>/dev/null | grep -ci "$1" >/dev/null; }
have_lib libEGL.so.1        || need_libs+=(libegl1)
have_lib libGL.so.1         || need_libs+=(libgl1)
have_lib libxkbcommon.so.0  || need_libs+=(libxkbcommon0)
have_lib libfontconfig.so.1 || need_libs+=(libfontconfig1)
have_lib libdbus-1.so.3     || need_libs+=(libdbus-1-3)
# Qt's xcb platform plugin (a real display, the acceptance suite under Xvfb) links each of
# these: check them one by one (a machine with libxcb-cursor0 but not libxcb-icccm4 could not
# start the cockpit on a display: "Could not load the Qt platform plugin xcb")
have_lib libxcb-cursor.so.0      || need_libs+=(libxcb-cursor0)
have_lib libxkbcommon-x11.so.0   || need_libs+=(libxkbcommon-x11-0)
have_lib libxcb-icccm.so.4       || need_libs+=(libxcb-icccm4)
have_lib libxcb-image.so.0       || need_libs+=(libxcb-image0)
have_lib libxcb-keysyms.so.1     || need_libs+=(libxcb-keysyms1)
have_lib libxcb-randr.so.0       || need_libs+=(libxcb-randr0)
have_lib libxcb-render-util.so.0 || need_libs+=(libxcb-render-util0)
have_lib libxcb-shape.so.0       || need_libs+=(libxcb-shape0)
have_lib libxcb-xinerama.so.0    || need_libs+=(libxcb-xinerama0)
have_lib libxcb-xkb.so.1         || need_libs+=(libxcb-xkb1)
have_font cjk || need_libs+=(fonts-noto-cjk)
# QtMultimedia (video evidence, alert sounds): PySide6 bundles FFmpeg, but its audio output
# links PulseAudio's client library; without it `import PySide6.QtMultimedia` fails
have_lib libpulse.so.0      || need_libs+=(libpulse0)
# the acceptance suite (tests/acceptance/) drives the real window on a virtual X server
command -v Xvfb >/dev/null 2>&1    || need_libs+=(xvfb)
command -v xdotool >/dev/null 2>&1 || need_libs+=(xdotool)
# PDF reports embed a TrueType CJK font (ReportLab cannot embed Noto's CFF outlines); the tests
# read the PDFs back with poppler's pdftotext/pdffonts/pdftoppm
have_font wqy-microhei || need_libs+=(fonts-wqy-microhei)
command -v pdftotext >/dev/null 2>&1 || need_libs+=(poppler-utils)
# the field terminal's browser tests (tests/test_field_web.py) and bench/field.py drive Debian's
# Chromium through Playwright (launched with executable_path; no browser is downloaded)
[ -x /usr/bin/chromium ] || need_libs+=(chromium)
# ... and the tests through its headless shell (tests/browser_fixtures.py: 40 % of the CPU)
[ -x /usr/bin/chromium-headless-shell ] || need_libs+=(chromium-headless-shell)
command -v chromedriver >/dev/null 2>&1 || need_libs+=(chromium-driver)
if [ ${#need_libs[@]} -gt 0 ]; then
  if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
    echo "bootstrap: installing system packages: ${need_libs[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_libs[@]}" >/dev/null
  else
    echo "bootstrap: please install these system packages: ${need_libs[*]}" >&2
  fi
fi

stamp=.venv/.xiaonao-installed
want=$(cat pyproject.toml packaging/constraints.txt | sha1sum | cut -d' ' -f1)
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  # pip runs quietly: say what the minutes of silence are (a first `make demo` printed nothing)
  echo "bootstrap: installing the Python packages into .venv (the first time takes a few minutes)..."
  .venv/bin/python -m pip install -q --upgrade pip
  # the versions the frozen build ships (packaging/constraints.txt); pyproject.toml has the ranges
  .venv/bin/python -m pip install -q -e ".[dev]" -c packaging/constraints.txt
  echo "$want" > "$stamp"
fi
