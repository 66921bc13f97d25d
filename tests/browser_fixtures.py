"""The field terminal's browser for the tests: Debian's Chromium (`XIAONAO_CHROMIUM`, never a
downloaded one; its headless shell where installed) through Playwright. `chromium` (session) starts it once per worker, `browser`
connects a test to it. Registered for every test by tests/conftest.py (`pytest_plugins`); the
tests that use them skip, saying why, where the browser cannot start."""
from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

# Debian's chromium-headless-shell (scripts/bootstrap.sh installs it), the headless-only build
# Playwright itself runs headless tests in: the same Blink, V8 and DevTools protocol without the
# full browser's profile services, for 40 % of the full chromium's CPU for the same phones (a
# phone opened, logged in, reloaded and shot: 0.9 s of CPU against 2.2 s); the full chromium
# where it is not installed
HEADLESS_SHELL = "/usr/bin/chromium-headless-shell"
CHROMIUM = os.environ.get("XIAONAO_CHROMIUM") or (HEADLESS_SHELL if os.path.exists(HEADLESS_SHELL)
                                                  else "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def _why_no_browser() -> str | None:
    try:
        import playwright.async_api  # noqa: F401
    except ImportError:
        return "playwright is not installed (pip install -e '.[dev]' -c packaging/constraints.txt)"
    if not os.path.exists(CHROMIUM):
        return f"Debian's chromium is not installed at {CHROMIUM} (scripts/bootstrap.sh installs it)"
    return None


@pytest.fixture(scope="session")
def chromium():
    """Debian's Chromium, started once per worker (a launch costs about a second of CPU): its
    DevTools endpoint. Each test connects to it with its own Playwright and gets fresh
    browser contexts (cookies, storage, service workers: nothing carries over)."""
    import shutil
    import subprocess
    import tempfile
    reason = _why_no_browser()
    if reason:
        pytest.skip(reason)
    profile = Path(tempfile.mkdtemp(prefix="xiaonao-chromium-"))
    proc = subprocess.Popen([CHROMIUM, *CHROMIUM_ARGS, "--remote-debugging-port=0", f"--user-data-dir={profile}",
                             "about:blank"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        port_file, deadline = profile / "DevToolsActivePort", time.monotonic() + 30
        while not (port_file.exists() and len(port_file.read_text().split()) >= 2):
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.skip(f"chromium cannot start here (exit {proc.poll()})")
            time.sleep(0.05)
        port, path = port_file.read_text().split()[:2]
        yield f"ws://127.0.0.1:{port}{path}"
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)
        shutil.rmtree(profile, ignore_errors=True)


@pytest.fixture
async def browser(chromium):
    """The worker's Chromium, through this test's own Playwright; the contexts the test made
    are closed when it ends."""
    from playwright.async_api import async_playwright
    async with async_playwright() as p:
        b = await p.chromium.connect_over_cdp(chromium)
        try:
            yield b
        finally:
            await b.close()
