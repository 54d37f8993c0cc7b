"""Browser journeys: a real ``sharewell serve`` process on a free port with its own SQLite
file, driven by Debian's Chromium through Playwright. Mail is not sent (no SMTP host): it
lands in the outbox table, which the tests read straight from the SQLite file, as an
administrator would with ``sharewell mail outbox``.

Screenshots of every main page go to ``test-artifacts/`` at desktop (1280 px) and phone
(375 px) widths; axe-core (bundled by axe-playwright-python) checks each main page."""

from __future__ import annotations

import os
import re
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

playwright_api = pytest.importorskip(
    "playwright.sync_api", reason="Playwright for Python is not installed (pip install -e .[dev])"
)
from axe_playwright_python.sync_playwright import Axe  # noqa: E402
from playwright.sync_api import (  # noqa: E402
    Browser,
    BrowserContext,
    Page,
    expect,
    sync_playwright,
)

from tests.functional.test_real_server import free_port  # noqa: E402

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]  # fmt: skip
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 375, "height": 800}
PASSWORD = "correct horse battery"
SERIOUS = ("serious", "critical")


def chromium_path() -> str | None:
    found = os.environ.get("SHAREWELL_CHROMIUM") or "/usr/bin/chromium"
    return found if Path(found).is_file() else None


@dataclass
class Server:
    base: str
    db_path: Path
    env: dict[str, str]
    log: Path

    def mails_to(self, address: str) -> list[tuple[str, str]]:
        """(subject, body) of every message queued for this address, oldest first."""
        with sqlite3.connect(self.db_path) as conn:
            rows = conn.execute(
                "SELECT subject, body FROM mail_messages WHERE to_addr = ? ORDER BY id",
                (address,),
            ).fetchall()
        return [(str(s), str(b)) for s, b in rows]

    def link_in_mail(self, address: str, path: str) -> str:
        """The newest link to ``path`` mailed to ``address`` (a verification, an introduction
        or a confirmation link), as the recipient would click it."""
        for _subject, body in reversed(self.mails_to(address)):
            found = re.findall(re.escape(self.base) + re.escape(path) + r"[^\s>\"]*", body)
            if found:
                return found[-1]
        raise AssertionError(f"no mail to {address} with a link to {path}")

    def cli(self, *args: str) -> str:
        """Run a ``sharewell`` command against the same database, as the operator would."""
        done = subprocess.run(
            [sys.executable, "-m", "sharewell.cli.main", *args],
            env=self.env, capture_output=True, text=True, timeout=120,
        )  # fmt: skip
        assert done.returncode == 0, done.stdout + done.stderr
        return done.stdout


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    if chromium_path() is None:
        pytest.skip(
            "No Chromium: install Debian's chromium package (/usr/bin/chromium) or point "
            "SHAREWELL_CHROMIUM at a Chromium binary."
        )
    folder = tmp_path_factory.mktemp("browser")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    db_path = folder / "sharewell.sqlite3"
    env = {
        **os.environ,
        "SHAREWELL_DATA_DIR": str(folder),
        "SHAREWELL_DATABASE_URL": f"sqlite:///{db_path}",
        "SHAREWELL_BASE_URL": base,
        "SHAREWELL_SECRET_KEY": "browser-journey-secret-" + "x" * 32,
        # Several members sign up from one address within seconds, as they never would.
        "SHAREWELL_RATE_LIMITS": "false",
        # The journey makes its connections minutes before the gives it counts.
        "SHAREWELL_LEDGER_MIN_CONNECTION_DAYS": "0",
    }
    for name in ("SHAREWELL_SMTP_HOST", "SHAREWELL_REDIS_URL", "SHAREWELL_ENV"):
        env.pop(name, None)
    log = folder / "server.log"
    with log.open("w") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "sharewell.cli.main", "serve", "--port", str(port)],
            env=env, stdout=out, stderr=subprocess.STDOUT, text=True,
        )  # fmt: skip
    try:
        deadline = time.monotonic() + 180  # generous: only a failing start waits this long
        while True:
            try:
                if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"the server did not start:\n{log.read_text()[-4000:]}")
            time.sleep(0.2)
        yield Server(base, db_path, env, log)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()


@pytest.fixture(scope="module")
def browser(server: Server) -> Iterator[Browser]:
    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@dataclass
class Shots:
    """Screenshots and accessibility checks of the main pages a journey passes through."""

    journey: str
    taken: list[Path] = field(default_factory=list)
    axe: dict[str, list[str]] = field(default_factory=dict)
    too_wide: dict[str, int] = field(default_factory=dict)  # page -> width at 375 px

    def __post_init__(self) -> None:
        for old in (ARTIFACTS / self.journey).glob("*.png"):  # no stale pictures from a rerun
            old.unlink()

    def page(self, page: Page, name: str, *, check: bool = True) -> None:
        folder = ARTIFACTS / self.journey
        folder.mkdir(parents=True, exist_ok=True)
        original = page.viewport_size or DESKTOP
        for label, size in (("desktop", DESKTOP), ("phone", PHONE)):
            page.set_viewport_size(size)
            path = folder / f"{len(self.taken) // 2 + 1:02d}-{name}-{label}.png"
            page.screenshot(path=str(path), full_page=True)
            self.taken.append(path)
            if label == "phone":
                wide = int(page.evaluate("document.documentElement.scrollWidth"))
                if wide > PHONE["width"] + 1:
                    self.too_wide[name] = wide
        page.set_viewport_size(original)
        if check:
            results = Axe().run(page)
            serious = [
                f"{v['id']} ({v['impact']}): {v['help']} — "
                + "; ".join(n["target"][0] for n in v["nodes"][:3])
                for v in results.response["violations"]
                if v.get("impact") in SERIOUS
            ]
            self.axe[name] = serious

    def assert_accessible(self) -> None:
        """No serious or critical axe finding, and no page wider than a 375-pixel phone."""
        bad = {name: found for name, found in self.axe.items() if found}
        assert not bad, f"serious accessibility violations: {bad}"
        assert not self.too_wide, f"pages scroll sideways on a phone: {self.too_wide}"
        assert self.axe, "no page was checked"

    def assert_no_sideways_scroll(self, page: Page) -> None:
        """At phone width nothing may push the page wider than the screen."""
        page.set_viewport_size(PHONE)
        wide = page.evaluate("document.documentElement.scrollWidth")
        page.set_viewport_size(DESKTOP)
        assert wide <= PHONE["width"] + 1, f"{page.url} is {wide}px wide on a 375px screen"


def new_context(browser: Browser) -> BrowserContext:
    context = browser.new_context(viewport=DESKTOP, base_url=None)
    context.set_default_timeout(30_000)  # a loaded 2-core CI machine; no timing is asserted
    return context


@dataclass
class Person:
    name: str
    email: str
    page: Page
    handle: str = ""


def sign_up(browser: Browser, server: Server, name: str, shots: Shots | None = None) -> Person:
    """Join through the pages, confirm the address through the emailed link, and arrive on
    the welcome path."""
    email = f"{name.split()[0].lower()}@example.org"
    page = new_context(browser).new_page()
    page.goto(server.base + "/")
    page.locator("header").get_by_role("button", name="Join").click()
    page.get_by_label("Your name").fill(name)
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    if shots:
        shots.page(page, "signup")
    page.get_by_role("button", name="Create my account").click()
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r".*/welcome.*"))
    page.goto(server.link_in_mail(email, "/verify-email"))
    confirm = page.get_by_role("button", name=re.compile("Confirm", re.I))
    if confirm.count():
        confirm.first.click()
    page.goto(server.base + "/welcome")
    handle = page.evaluate("document.querySelector('input[name=handle]')?.value || ''") or ""
    return Person(name, email, page, handle)


def welcome_profile(p: Person, headline: str, topics: str, shots: Shots | None = None) -> None:
    page = p.page
    expect(page.get_by_role("heading", name=re.compile("Step 1 of 4"))).to_be_visible()
    expect(page.get_by_text("0 of 4 steps done")).to_be_visible()
    page.get_by_label("Headline").fill(headline)
    page.get_by_label("Topics you know about").fill(topics)
    if shots:
        shots.page(page, "welcome-shop-window")
    page.get_by_role("button", name="Save and continue").click()
    expect(page.get_by_role("heading", name=re.compile("Step 2 of 4"))).to_be_visible()
    expect(page.get_by_text("1 of 4 steps done")).to_be_visible()


def skip_rest(p: Person) -> None:
    for _ in range(3):
        p.page.get_by_role("link", name=re.compile(r"^Skip(:| this)")).click()
    expect(p.page.get_by_role("heading", name="You're set")).to_be_visible()


def assert_charts_drawn(page: Page) -> None:
    """Every chart image on the page loaded and was drawn (a CSP or server error would leave
    it broken, with no width)."""
    charts = page.locator("img.chart")
    assert charts.count() >= 1, f"no chart on {page.url}"
    for i in range(charts.count()):
        chart = charts.nth(i)
        chart.scroll_into_view_if_needed()
        page.wait_for_function("img => img.complete", arg=chart.element_handle())
        width = chart.evaluate("img => img.naturalWidth")
        assert width > 0, f"chart {chart.get_attribute('src')} did not draw on {page.url}"
