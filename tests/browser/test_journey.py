"""The whole journey in Chromium: three members join through the welcome path; Cy imports a
LinkedIn export and shares the people at one company blind; Ann, two hops away, finds a way
in to one of them on "Find a way in" and asks for an introduction with a pledge; Bob passes
it on; Cy asks the person by email; she accepts through the emailed link, and only then do
her details reach Ann; the hire is confirmed by Ann and by her through her own link; the
pledge's split shows as pending in Bob's and Cy's ledgers, and standing moves."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from tests.browser.conftest import (
    Person,
    Server,
    Shots,
    assert_charts_drawn,
    new_context,
    sign_up,
    skip_rest,
    welcome_profile,
)

LINKEDIN = Path(__file__).parent / "fixtures" / "Connections.csv"
TARGET_EMAIL = "maya.lindqvist@northwind.example"

pytestmark = pytest.mark.slow


def connect(a: Person, b: Person, server: Server) -> None:
    a.page.goto(f"{server.base}/members/{b.handle}")
    a.page.get_by_role("button", name=re.compile("^Connect")).first.click()
    b.page.goto(f"{server.base}/network")
    b.page.get_by_role("button", name="Accept").first.click()
    expect(b.page.get_by_role("status")).to_be_visible()


def test_from_sign_up_to_a_confirmed_hire(browser: Browser, server: Server) -> None:
    shots = Shots("journey")
    ann = sign_up(browser, server, "Ann Example", shots)
    welcome_profile(ann, "Founder hiring a data team", "data engineering, hiring", shots)
    skip_rest(ann)
    shots.page(ann.page, "welcome-done")

    bob = sign_up(browser, server, "Bob Example")
    welcome_profile(bob, "Engineering manager", "python, hiring")
    skip_rest(bob)

    cy = sign_up(browser, server, "Cy Example")
    welcome_profile(cy, "Recruiter for data people", "data engineering, recruiting")
    # Step 2: the LinkedIn export, then a preview of what each level would show.
    cy.page.get_by_label("Contact file").set_input_files(str(LINKEDIN))
    cy.page.get_by_label("Format").select_option("linkedin")
    cy.page.get_by_role("button", name="Import").click()
    expect(cy.page.get_by_role("status")).to_contain_text("Imported 7 new")
    preview = cy.page.locator("table.visibility-preview")
    expect(preview).to_contain_text("Nothing at all")
    expect(preview.locator("tr", has_text="blind")).not_to_contain_text("Lindqvist")
    shots.page(cy.page, "welcome-import-preview")
    cy.page.get_by_role("button", name="Continue").click()
    # Step 3: keep new contacts private by default.
    cy.page.get_by_role("radio", name=re.compile("private")).check()
    shots.page(cy.page, "welcome-sharing-default")
    cy.page.get_by_role("button", name="Save and continue").click()
    # Step 4: share the people at one company blind.
    cy.page.get_by_label("Company").select_option("Northwind Traders")
    shots.page(cy.page, "welcome-share-first")
    cy.page.get_by_role("button", name="Share them blind").click()
    expect(cy.page.get_by_role("heading", name="You're set")).to_be_visible()
    expect(cy.page.get_by_text("4 of 4 steps done")).to_be_visible()
    for who in (ann, bob, cy):
        assert who.handle, "the welcome path knows each member's handle"

    # Ann knows Bob, Bob knows Cy: Cy's blind cards are two hops from Ann.
    connect(ann, bob, server)
    connect(bob, cy, server)
    shots.page(bob.page, "network")
    server.cli("standing", "recompute")
    cy.page.goto(server.base + "/")
    before = cy.page.locator("[data-testid=standing-level]").inner_text()

    # Ann finds a way in to a data person at Northwind and asks, with a pledge.
    ann.page.goto(server.base + "/")
    shots.page(ann.page, "home")
    ann.page.get_by_role("link", name="Find a way in").first.click()
    ann.page.get_by_label("Company").fill("Northwind Traders")
    ann.page.get_by_label("Title words").fill("head of data")
    ann.page.get_by_role("button", name="Find paths").click()
    paths = ann.page.locator("ol.paths > li")
    expect(paths.first).to_contain_text("Bob Example")
    expect(paths.first.locator("svg")).to_be_visible()
    expect(ann.page.locator("main")).not_to_contain_text("Lindqvist")  # blind: never the name
    shots.page(ann.page, "find")
    paths.first.get_by_role("button", name="Ask for an introduction").click()
    ann.page.get_by_label("Why you want this introduction").fill(
        "We are building a data team and I would value twenty minutes of advice."
    )
    ann.page.get_by_label(re.compile("^Pledge points")).fill("20")
    shots.page(ann.page, "intro-new")
    ann.page.get_by_role("button", name="Send the request").click()
    expect(ann.page.get_by_role("status")).to_contain_text("on its way")
    intro_url = ann.page.url
    shots.page(ann.page, "intro-requested")

    # Bob passes it on; Cy, who holds the card, asks the person by email.
    bob.page.goto(server.base + "/intros?box=through")
    shots.page(bob.page, "intros-inbox")
    bob.page.goto(intro_url)
    bob.page.get_by_label("Note for the next person").fill("Ann is good people.")
    bob.page.get_by_role("button", name="Forward").click()
    expect(bob.page.get_by_role("status")).to_contain_text("Forwarded")
    cy.page.goto(intro_url)
    expect(cy.page.get_by_role("button", name="Ask them (by email)")).to_be_visible()
    choose = cy.page.locator("#at-c")  # a card names its person; a group asks the holder to
    if choose.count():
        choose.select_option(label="Maya Lindqvist, Head of Data")
    shots.page(cy.page, "intro-connector")
    cy.page.get_by_role("button", name="Ask them (by email)").click()
    ann.page.goto(intro_url)
    expect(ann.page.get_by_role("heading", name="How to reach them")).to_have_count(0)
    expect(ann.page.locator("main")).not_to_contain_text(TARGET_EMAIL)

    # Maya, not a member, accepts through the emailed link.
    maya = new_context(browser).new_page()
    maya.goto(server.link_in_mail(TARGET_EMAIL, "/intro-link"))
    expect(maya.get_by_role("heading", level=1)).to_contain_text("would like to introduce you")
    shots.page(maya, "intro-link")
    maya.get_by_role("button", name="Accept the introduction").click()
    expect(maya.get_by_role("status")).to_contain_text("contact details")

    # Only now does Ann see how to reach her.
    ann.page.goto(intro_url)
    expect(ann.page.get_by_role("heading", name="How to reach them")).to_be_visible()
    expect(ann.page.locator("main")).to_contain_text(TARGET_EMAIL)

    # The hire: Ann records and confirms it; Maya confirms through her own link.
    ann.page.get_by_label("What came of it").select_option("hire")
    ann.page.get_by_role("button", name="Record").click()
    confirm = ann.page.get_by_role("button", name="Confirm", exact=True)
    if confirm.count():
        confirm.click()
    shots.page(ann.page, "intro-accepted")
    maya.goto(server.link_in_mail(TARGET_EMAIL, "/intro-link"))
    expect(maya.get_by_role("heading", level=1)).to_contain_text("Did it lead somewhere?")
    maya.get_by_role("button", name="Yes, that is right").click()
    expect(maya.get_by_role("status")).to_contain_text("confirming")
    ann.page.goto(intro_url)
    expect(ann.page.locator("main")).to_contain_text("hire — confirmed")

    # The split is pending in each connector's ledger through the guarantee window.
    for connector in (bob, cy):
        connector.page.goto(server.base + "/ledger")
        incoming = int(connector.page.get_by_test_id("incoming").inner_text())
        assert incoming > 0, f"{connector.name} sees no pending share"
        expect(connector.page.locator("main")).to_contain_text("split pending")
    assert_charts_drawn(cy.page)
    shots.page(cy.page, "ledger")
    ann.page.goto(server.base + "/intros?box=from")
    assert_charts_drawn(ann.page)  # the funnel of Ann's own requests
    expect(ann.page.locator("figure table")).to_contain_text("Led to a confirmed outcome")
    shots.page(ann.page, "intros-funnel")

    # Standing moves once it is recomputed with the confirmed introduction in it.
    server.cli("standing", "recompute")
    cy.page.goto(server.base + "/")
    after = cy.page.locator("[data-testid=standing-level]").inner_text()
    assert after != before, f"Cy's standing stayed {before}"
    shots.page(cy.page, "home-after")
    cy.page.goto(f"{server.base}/members/{cy.handle}")
    assert_charts_drawn(cy.page)  # standing over time
    shots.page(cy.page, "profile")
    shots.assert_no_sideways_scroll(cy.page)
    shots.assert_accessible()
