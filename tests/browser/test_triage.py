"""Triage in a real browser, at desktop (1280x800) and phone (390x844) size: a custody team
member opens the queue, filters it, opens an escalation, claims it, moves it through triaged,
raised with police and awaiting response to resolved, recording the police response and an
outcome for the visitor; then the visitor sees the outcome in My reports, and never the
internal note. axe-core checks every page on the way."""
import random
import re
import uuid
from contextlib import closing
from datetime import timedelta

import pytest

from icv import rulebook
from icv.db import connect
from icv.rules import BY_ID
from icv.times import to_iso, utcnow
from icv.visits.store import record_visit

from .helpers import expect

try:
    from axe_playwright_python.sync_playwright import Axe
except ImportError:  # the `playwright_instance` fixture skips or fails before any use
    Axe = None

pytestmark = pytest.mark.browser

WCAG = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]},
        "resultTypes": ["violations"]}
SIZES = {
    "desktop": {"viewport": {"width": 1280, "height": 800}, "device_scale_factor": 1,
                "is_mobile": False, "has_touch": False},
    "phone": {},  # the browser conftest's phone: 390x844 at 3x, touch
}
SS2_TITLE = BY_ID["SS2"].title
# A strip search by an officer of the other sex (SS2, critical), and nothing else.
SS2 = {"strip_search": {"context": "custody", "intimate_parts_exposed": "yes",
                        "orifice_contact": "no", "aa_present": "not_needed",
                        "searcher_same_sex": "no", "reason_recorded": "yes", "source": "staff"}}
POLICE = "The custody inspector agrees the search broke Annex A; the officers have been spoken to."
OUTCOME = "The police accepted your finding and have reminded the suite of the Code C rules."
NOTE = "Internal only: ask the panel chair about the pattern at this suite."


def raise_finding(database, record_no):
    """A report by the demo visitor and Priya Shah at Brixton two hours ago, raising SS2 for
    one detainee: what a visitor would have submitted from their phone (test_loop.py does
    that through the form)."""
    with closing(connect(database)) as db:
        user = {r["email"]: r["id"] for r in db.query("SELECT id, email FROM users")}
        suite = next(db.query("SELECT id FROM suites WHERE name = 'Brixton'"))["id"]
        arrived = utcnow() - timedelta(hours=2)
        report = {"client_id": str(uuid.uuid4()), "suite_id": suite,
                  "partner_id": user["priya.shah@example.org"], "arrived_at": to_iso(arrived),
                  "departed_at": to_iso(arrived + timedelta(hours=1)), "in_custody": 6,
                  "spoke_with": 3, "entries": [{"custody_record_no": record_no, "age_band": "25-34",
                                                "gender": "female", "ethnicity": "not_stated",
                                                "flags": SS2}]}
        record_visit(db, user["icv@example.org"], report, **rulebook.built_in())


def no_violations(page):
    results = Axe().run(page, options=WCAG)
    assert results.violations_count == 0, results.generate_report()


def fits(page):
    """Nothing wider than the screen (no sideways scrolling on a phone)."""
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def shot_at(screenshot, page, name, at):
    """One screen of the page, scrolled so that `at` is at the top."""
    at.evaluate("e => e.scrollIntoView({block: 'start', behavior: 'instant'})")
    screenshot(page, name, full_page=False)


def change_status(page, to, reason=None):
    page.get_by_role("group", name="Move to").get_by_label(to, exact=True).check()
    if reason:
        page.get_by_label("Reason", exact=True).fill(reason)
    page.get_by_role("button", name="Change status").click()
    expect(page.get_by_role("status").filter(has_text=f"Status changed to {to.lower()}.")).to_be_visible()
    expect(page.locator(".summary-list div").filter(has=page.get_by_text("Status", exact=True))
           .first.locator("dd")).to_contain_text(to)


@pytest.mark.parametrize("size", SIZES)
def test_triage_from_queue_to_resolution_and_the_visitor_sees_the_outcome(
        size, page_as, live_server, screenshot, docs_screenshot):
    number = random.randint(10000, 99999)
    record_no = f"01BX/{number}/26"
    outcome = f"{OUTCOME} Our reference: T{number}."  # each run finds its own
    raise_finding(live_server.database, record_no)
    shot = f"triage-{size}"

    # The queue: the custody team's home page, with its views and counts.
    page = page_as("custody_team", **SIZES[size])
    page.goto("/")
    expect(page.get_by_role("heading", level=1, name="Escalations")).to_be_visible()
    views = page.get_by_role("navigation", name="Views")
    expect(views.get_by_role("link", name=re.compile(r"^All \d+$"))).to_have_attribute("aria-current", "page")
    no_violations(page)
    fits(page)
    screenshot(page, f"{shot}-01-queue", full_page=False)
    if size == "desktop":  # at a desk: a table, the filters beside it (README, the loop, 3)
        docs_screenshot(page, "queue-desktop")

    # Filter to new escalations at Brixton, then the unassigned view: all in the address.
    # On a phone the filters fold away under a summary; at a desk they show in a side column.
    filters = page.get_by_text("Filter by priority, status, suite, panel or rule")
    if size == "phone":
        filters.click()
    else:
        expect(filters).to_be_hidden()
        expect(page.get_by_role("heading", level=2, name="Filters")).to_be_visible()
    page.get_by_label("Custody suite").select_option(label="Brixton")
    page.get_by_label("Status").select_option(label="New")
    page.get_by_role("button", name="Apply filters").click()
    expect(page).to_have_url(re.compile(r"/escalations/\?suite=\d+&status=new$"))  # no empty boxes
    views.get_by_role("link", name=re.compile(r"^Unassigned \d+$")).click()
    expect(page).to_have_url(re.compile(r"/escalations/\?view=unassigned&suite=\d+&status=new$"))
    item = page.get_by_role("row").filter(has_text=record_no)  # a card on a phone
    expect(item).to_contain_text("Critical")
    expect(item).to_contain_text(re.compile(r"Due (today|\w{3} \d+ \w{3} \d{4})"))  # the next working day
    expect(item).to_contain_text("Nobody yet")
    no_violations(page)
    fits(page)
    screenshot(page, f"{shot}-02-filtered", full_page=False)

    # The escalation: the finding in context, the rule's rationale, the history.
    item.get_by_role("link", name=SS2_TITLE).click()
    expect(page.get_by_role("heading", level=1, name=f"SS2: {SS2_TITLE}")).to_be_visible()
    entry = page.get_by_role("region", name=f"Detainee 1: {record_no}", exact=True)
    expect(entry).to_contain_text("Was the searching officer the same sex as the detainee?")
    expect(page.get_by_text(BY_ID["SS2"].rationale)).to_be_visible()
    no_violations(page)
    fits(page)
    screenshot(page, f"{shot}-03-escalation", full_page=False)
    if size == "desktop":  # the finding on the left, the work on it on the right
        docs_screenshot(page, "escalation-desktop")
    shot_at(screenshot, page, f"{shot}-03b-finding", page.get_by_role("heading", name="The finding"))
    shot_at(screenshot, page, f"{shot}-03c-actions", page.get_by_role("heading", name="Work on it"))

    page.get_by_role("button", name="Claim this escalation").click()
    expect(page.get_by_role("status").filter(has_text="You have claimed this escalation.")).to_be_visible()
    expect(page.get_by_text("This escalation is assigned to you.")).to_be_visible()
    change_status(page, "Triaged")
    page.get_by_label("Add an internal note").fill(NOTE)
    page.get_by_role("button", name="Add note").click()
    expect(page.get_by_role("status").filter(has_text="Note added.")).to_be_visible()
    change_status(page, "Raised with police")
    change_status(page, "Awaiting response")
    page.get_by_label("Police response", exact=True).fill(POLICE)
    page.get_by_role("button", name="Save police response").click()
    expect(page.get_by_role("status").filter(has_text="Police response saved.")).to_be_visible()
    page.get_by_label("Outcome for the visitor", exact=True).fill(outcome)
    page.get_by_role("button", name="Save outcome for the visitor").click()
    expect(page.get_by_role("status").filter(has_text="Outcome for the visitor saved.")).to_be_visible()

    # Resolving needs a reason: without one the error summary says so and links to the box.
    page.get_by_role("group", name="Move to").get_by_label("Resolved", exact=True).check()
    page.get_by_role("button", name="Change status").click()
    summary = page.get_by_role("alert")
    expect(summary).to_contain_text("Enter how it was resolved")
    expect(page).to_have_title(re.compile(r"^Error: "))
    no_violations(page)
    screenshot(page, f"{shot}-04-reason-needed", full_page=False)
    summary.get_by_role("link", name="Enter how it was resolved").click()
    expect(page.get_by_label("Reason", exact=True)).to_be_focused()
    change_status(page, "Resolved", reason="Police accepted the finding and acted on it.")

    history = page.get_by_role("list").filter(has_text="Raised by the rules")
    for line in ("Jordan Ellis (you): Claimed it.", "Status: New → Triaged.", "Internal note.",
                 "Status: Triaged → Raised with police.", "Police response recorded.",
                 "Outcome for the visitor written.", "Status: Awaiting response → Resolved."):
        expect(history).to_contain_text(line)
    expect(history.get_by_text("Shown to the visitor")).to_have_count(1)
    no_violations(page)
    fits(page)
    screenshot(page, f"{shot}-05-resolved", full_page=False)
    shot_at(screenshot, page, f"{shot}-05b-history", page.get_by_role("heading", name="History"))

    # The visitor sees the status and the outcome in My reports; not the note or the response.
    page = page_as("icv", **SIZES[size])
    page.goto("/visits/")
    card = page.get_by_role("listitem").filter(has_text=outcome).filter(
        has=page.get_by_role("link", name=re.compile(r"^Brixton, ")))
    expect(card).to_have_count(1)
    expect(card.get_by_role("listitem").filter(has_text=f"SS2: {SS2_TITLE}")).to_contain_text("Resolved")
    expect(page.get_by_text(NOTE)).to_have_count(0)
    expect(page.get_by_text(POLICE)).to_have_count(0)
    no_violations(page)
    fits(page)
    screenshot(page, f"{shot}-06-my-reports", full_page=False)
    card.get_by_role("link", name=re.compile(r"^Brixton, ")).click()
    expect(page.get_by_role("region", name=f"Detainee 1: {record_no}", exact=True)).to_contain_text(outcome)
    expect(page.get_by_text(NOTE)).to_have_count(0)


def test_two_people_on_one_escalation_the_second_is_told_what_changed(page_as, live_server,
                                                                      screenshot):
    """Two custody team members open the same new escalation; one claims it; the other's claim
    is refused, naming who has it, with the change shown; axe finds nothing on that page."""
    number = random.randint(10000, 99999)
    raise_finding(live_server.database, f"01BX/{number}/26")
    with closing(connect(live_server.database)) as db:
        escalation_id = next(db.query("""SELECT e.id FROM escalations e JOIN detainee_entries d
            ON d.id = e.detainee_entry_id WHERE d.custody_record_no = ?""", [f"01BX/{number}/26"]))["id"]
    mine, theirs = page_as("custody_team"), page_as("admin")
    for page in (mine, theirs):
        page.goto(f"/escalations/{escalation_id}")
    theirs.get_by_role("button", name="Claim this escalation").click()
    expect(theirs.get_by_role("status").filter(has_text="You have claimed")).to_be_visible()

    mine.get_by_role("button", name="Claim this escalation").click()
    summary = mine.get_by_role("alert")
    expect(summary).to_contain_text("Sam Taylor claimed this escalation first. It was not "
                                    "assigned to you.")
    changes = mine.get_by_role("region", name="Changed since you opened this page")
    expect(changes).to_contain_text("Sam Taylor: Claimed it.")
    expect(mine.locator(".summary-list div").filter(has=mine.get_by_text("Assigned to", exact=True))
           .locator("dd")).to_have_text("Sam Taylor")
    no_violations(mine)
    fits(mine)
    screenshot(mine, "triage-phone-07-claimed-first", full_page=False)
