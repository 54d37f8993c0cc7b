"""Two smaller journeys in Chromium: an insight is published, answered, answered again one
level deeper, marked useful, and reaches its author's Atom feed; and a holder's privacy
choices (sharing levels, their data page, the export) take effect for the others at once."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import feedparser
import httpx
import pytest
from playwright.sync_api import Browser, expect

from tests.browser.conftest import (
    Person,
    Server,
    Shots,
    sign_up,
    skip_rest,
    welcome_profile,
)

LINKEDIN = Path(__file__).parent / "fixtures" / "Connections.csv"
TITLE = "What I learned hiring our first data engineer"

pytestmark = pytest.mark.slow


def join(browser: Browser, server: Server, name: str, topics: str) -> Person:
    person = sign_up(browser, server, name)
    welcome_profile(person, f"{name.split()[0]} at work", topics)
    skip_rest(person)
    return person


def test_an_insight_is_answered_in_a_thread_marked_useful_and_in_the_feed(
    browser: Browser, server: Server
) -> None:
    shots = Shots("insights")
    dana = join(browser, server, "Dana Writer", "data engineering")
    eli = join(browser, server, "Eli Reader", "data engineering")
    page = dana.page
    # Keyboard first: the first Tab shows the skip link, and it leads to the content.
    page.goto(server.base + "/")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to content")
    expect(skip).to_be_focused()
    box = skip.bounding_box()
    assert box is not None and box["x"] >= 0 and box["y"] >= 0, "focused skip link is off-screen"
    page.keyboard.press("Enter")
    assert page.url.endswith("#main")
    page.goto(server.base + "/insights/new")
    page.get_by_label("Title").fill(TITLE)
    page.get_by_label("Text").fill("Start with **one** clear problem, then hire for it.")
    page.get_by_label("Topics").fill("data engineering")
    shots.page(page, "insight-new")
    page.get_by_role("button", name="Publish").click()
    expect(page.get_by_role("status")).to_contain_text("Published")
    insight_url = page.url

    eli.page.goto(insight_url)
    eli.page.get_by_label("Your comment").fill("Which problem did you start with?")
    eli.page.get_by_role("button", name="Post").click()
    expect(eli.page.locator("li.comment")).to_contain_text("Which problem")
    page.goto(insight_url)
    page.locator("li.comment").first.get_by_role("link", name="Reply").click()
    page.get_by_label("Your reply").fill("Late dashboards: every Monday they were a day behind.")
    page.get_by_role("button", name="Reply").click()
    expect(page.locator("main")).to_contain_text("Late dashboards")
    eli.page.goto(insight_url)
    nested = eli.page.locator("ol.thread ol.thread li.comment")
    expect(nested).to_contain_text("Late dashboards")  # the reply sits under the question
    eli.page.evaluate("window.stillThisPage = true")
    eli.page.get_by_role("button", name=re.compile("^Useful")).first.click()
    expect(eli.page.get_by_role("button", name=re.compile(r"^Useful · 1"))).to_have_attribute(
        "aria-pressed", "true"
    )
    shots.page(eli.page, "insight-thread")

    eli.page.goto(f"{server.base}/members/{dana.handle}/insights")
    feed_link = eli.page.get_by_role("link", name="Atom feed")
    shots.page(eli.page, "insights-by-member")
    feed = feedparser.parse(httpx.get(server.base + str(feed_link.get_attribute("href"))).text)
    assert [e.title for e in feed.entries] == [f"Insight: {TITLE}"]
    eli.page.get_by_role("button", name="Follow Dana Writer").click()
    expect(eli.page.get_by_role("button", name="Unfollow Dana Writer")).to_be_visible()
    eli.page.goto(server.base + "/")
    expect(eli.page.get_by_role("region", name="From your feed")).to_contain_text(TITLE)
    shots.page(eli.page, "home-feed")
    shots.assert_accessible()


def test_privacy_choices_take_effect_for_everyone_else(browser: Browser, server: Server) -> None:
    shots = Shots("privacy")
    fay = join(browser, server, "Fay Holder", "recruiting")
    gus = join(browser, server, "Gus Seeker", "hiring")
    # Fay imports her book and shares the Northwind people blind from the contacts pages.
    fay.page.goto(server.base + "/contacts/import")
    fay.page.get_by_label("Contact file").set_input_files(str(LINKEDIN))
    fay.page.get_by_role("button", name="Import").click()
    expect(fay.page.get_by_role("status")).to_contain_text("7")
    fay.page.goto(server.base + "/contacts-sharing")
    bulk = fay.page.locator("form[action='/contacts-sharing/bulk']")
    bulk.get_by_label("Which contacts").select_option("company")
    bulk.get_by_label("Tag or company").fill("Northwind Traders")
    bulk.get_by_label("Share as").select_option("blind")
    shots.page(fay.page, "sharing")
    bulk.get_by_role("button", name="Apply").click()
    expect(fay.page.get_by_role("status")).to_contain_text("5 contacts changed")

    fay.page.goto(f"{server.base}/members/{gus.handle}")
    fay.page.get_by_role("button", name=re.compile("^Connect")).first.click()
    gus.page.goto(server.base + "/network")
    gus.page.get_by_role("button", name="Accept").first.click()

    def paths_to_northwind() -> int:
        gus.page.goto(server.base + "/find?company=Northwind+Traders")
        return gus.page.locator("ol.paths > li").count()

    assert paths_to_northwind() >= 1
    # Fay takes them back to private: the path is gone for Gus on his next search.
    fay.page.goto(server.base + "/contacts-sharing")
    bulk.get_by_label("Which contacts").select_option("company")
    bulk.get_by_label("Tag or company").fill("Northwind Traders")
    bulk.get_by_label("Share as").select_option("private")
    bulk.get_by_role("button", name="Apply").click()
    assert paths_to_northwind() == 0
    expect(gus.page.locator("main")).to_contain_text("No path")
    shots.page(gus.page, "find-empty")

    # Her data page: everything downloadable in one archive.
    fay.page.goto(server.base + "/settings/data")
    shots.page(fay.page, "settings-data")
    with fay.page.expect_download() as download:
        fay.page.get_by_role("button", name=re.compile("Download my data")).click()
    archive = download.value.path()
    with zipfile.ZipFile(archive) as z:
        names = z.namelist()
    assert any("contacts" in n for n in names), names
    shots.assert_no_sideways_scroll(fay.page)
    shots.assert_accessible()
