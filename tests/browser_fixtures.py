"""The field terminal's browser for the tests: Debian's Chromium (`XIAONAO_CHROMIUM`, never a
downloaded one; its headless shell where installed) through Playwright. `chromium` (session)
starts it once per worker, `browser` gives a test the worker's one Playwright connection to it.
Registered for every test by tests/conftest.py (`pytest_plugins`); the tests that use them
skip, saying why, where the browser cannot start."""
from __future__ import annotations

import asyncio
import os
import time
from pathlib import Path

import pytest
import pytest_asyncio

# Debian's chromium-headless-shell (scripts/bootstrap.sh installs it), the headless-only build
# Playwright itself runs headless tests in: the same Blink, V8 and DevTools protocol without the
# full browser's profile services, for 40 % of the full chromium's CPU for the same phones (a
# phone opened, logged in, reloaded and shot: 0.9 s of CPU against 2.2 s); the full chromium
# where it is not installed
# (the binary itself: /usr/bin/chromium-headless-shell is a shell script that runs it as its
# child, and ending the script left the browser running)
HEADLESS_SHELL = "/usr/lib/chromium/chromium-headless-shell"
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
    DevTools endpoint. The worker's one Playwright connects to it (`browser`); each test gets
    fresh browser contexts (cookies, storage, service workers: nothing carries over)."""
    import shutil
    import subprocess
    import tempfile
    reason = _why_no_browser()
    if reason:
        pytest.skip(reason)
    profile = Path(tempfile.mkdtemp(prefix="xiaonao-chromium-"))
    # a session of its own: ended as a whole below, whatever launcher script XIAONAO_CHROMIUM names
    proc = subprocess.Popen([CHROMIUM, *CHROMIUM_ARGS, "--remote-debugging-port=0", f"--user-data-dir={profile}",
                             "about:blank"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    try:
        port_file, deadline = profile / "DevToolsActivePort", time.monotonic() + 30
        while not (port_file.exists() and len(port_file.read_text().split()) >= 2):
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.skip(f"chromium cannot start here (exit {proc.poll()})")
            time.sleep(0.05)
        port, path = port_file.read_text().split()[:2]
        yield f"ws://127.0.0.1:{port}{path}"
    finally:
        import signal
        _signal_group(proc, signal.SIGTERM)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            pass
        # what is left of the browser's processes (a launcher's child, a renderer) goes too
        _signal_group(proc, signal.SIGKILL)
        if proc.poll() is None:
            proc.wait(10)
        shutil.rmtree(profile, ignore_errors=True)


def _signal_group(proc, sig) -> None:
    try:
        os.killpg(proc.pid, sig)
    except (ProcessLookupError, PermissionError):
        pass


class _Playwright:
    """The worker's one Playwright (its driver is a node process: ~0.7 s of CPU to start and
    connect, which each browser test paid) and its connection to the worker's Chromium,
    connected again should it have dropped."""

    def __init__(self, endpoint: str):
        self.endpoint = endpoint
        self.driver = None
        self.browser = None
        self.loop = None

    async def connected(self):
        if self.browser is None or not self.browser.is_connected():
            self.browser = await self.driver.chromium.connect_over_cdp(self.endpoint)
        return self.browser


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def _playwright(chromium):
    from playwright.async_api import async_playwright
    pw = _Playwright(chromium)
    async with async_playwright() as driver:
        pw.driver, pw.loop = driver, asyncio.get_running_loop()
        try:
            yield pw
        finally:
            if pw.browser is not None and pw.browser.is_connected():
                await pw.browser.close()          # (disconnects: the Chromium is `chromium`'s to end)


@pytest_asyncio.fixture(loop_scope="session")
async def browser(_playwright, request):
    """The worker's Chromium, through the worker's one Playwright, on the worker's one event
    loop: a module whose tests take `browser` runs them there (`pytestmark =
    pytest.mark.asyncio(loop_scope="session")`, its async fixtures `loop_scope="session"`,
    tests/test_field_web.py). The browser contexts the test made (its phones) are closed when
    it ends: the next test's start empty, as before."""
    marker = request.node.get_closest_marker("asyncio")
    if marker is None or (marker.kwargs.get("loop_scope") or marker.kwargs.get("scope")) != "session":
        pytest.fail(f"{request.node.nodeid} takes `browser`: its module needs "
                    "pytestmark = pytest.mark.asyncio(loop_scope='session') (tests/browser_fixtures.py)")
    b = await _playwright.connected()
    before = set(b.contexts)
    try:
        yield b
    finally:
        for ctx in [c for c in b.contexts if c not in before]:
            await ctx.close()
