"""axe-core (WCAG 2.2 A and AA rules) on every page, at phone size, in the states people see."""
import sqlite3

import pytest

from .helpers import FLAG_QUESTIONS, expect, radio

try:
    from axe_playwright_python.sync_playwright import Axe
except ImportError:  # the `playwright_instance` fixture skips or fails before any use
    Axe = None

pytestmark = pytest.mark.browser

WCAG = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]}}


def flagged_visit(database):
    """A demo visit whose detainee entries raised escalations (for the report page)."""
    with sqlite3.connect(database) as conn:
        row = conn.execute("""SELECT visit_id FROM escalations WHERE detainee_entry_id IS NOT NULL
                              GROUP BY visit_id ORDER BY count(*) DESC, visit_id LIMIT 1""").fetchone()
    assert row, "the demo data has no flagged visit"
    return row[0]


def login_page(page, server):
    page.goto("/login")


def login_with_errors(page, server):
    page.goto("/login")
    page.get_by_label("Email address").fill("icv@example.org")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_contain_text("Enter your password")


def wrong_password(page, server):
    page.goto("/login")
    page.get_by_label("Email address").fill("icv@example.org")
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_contain_text("not right")


def my_reports(page, server):
    page.goto("/visits/")
    expect(page.get_by_role("heading", level=1, name="My reports")).to_be_visible()


def new_report(page, server):
    page.goto("/visits/new")
    expect(page.get_by_role("heading", level=1, name="New visit report")).to_be_visible()


def new_report_with_errors(page, server):
    new_report(page, server)
    page.get_by_role("button", name="Submit report").click()
    expect(page.get_by_role("alert")).to_contain_text("There is a problem")


def new_report_with_flags_revealed(page, server):
    new_report(page, server)
    detainee = page.get_by_role("group", name="Detainee 1", exact=True)
    for question in FLAG_QUESTIONS.values():
        radio(detainee, question, "Yes")
    expect(detainee.get_by_role("group", name="Child: details", exact=True)).to_be_visible()


def new_report_with_flag_errors(page, server):
    """Flags answered yes with their questions left blank: errors inside the revealed questions."""
    new_report_with_flags_revealed(page, server)
    page.get_by_role("button", name="Submit report").click()
    expect(page.get_by_role("alert")).to_contain_text("Strip search:")


def report_detail(page, server):
    page.goto(f"/visits/{flagged_visit(server.database)}")
    expect(page.get_by_role("heading", level=2, name="Detainee entries")).to_be_visible()


def escalation_queue(page, server):
    page.goto("/escalations/")
    expect(page.get_by_role("heading", level=1, name="Escalations")).to_be_visible()


def monthly_summary(page, server):
    page.goto("/summaries/")
    expect(page.get_by_role("region", name="Visits by suite")).to_be_visible()


def monthly_summary_with_error(page, server):
    page.goto("/summaries/?month=2026-13")
    expect(page.get_by_role("alert")).to_contain_text("Enter a real month")


def not_found(page, server):
    page.goto("/no-such-page")
    expect(page.get_by_role("heading", level=1, name="Page not found")).to_be_visible()


def forbidden(page, server):
    page.goto("/summaries/")
    expect(page.get_by_role("heading", level=1, name="You cannot see this page")).to_be_visible()


PAGES = [
    (None, login_page),
    (None, login_with_errors),
    (None, wrong_password),
    ("icv", my_reports),
    ("icv", new_report),
    ("icv", new_report_with_errors),
    ("icv", new_report_with_flags_revealed),
    ("icv", new_report_with_flag_errors),
    ("custody_team", report_detail),
    ("custody_team", escalation_queue),
    ("coordinator", monthly_summary),
    ("coordinator", monthly_summary_with_error),
    (None, not_found),
    ("icv", not_found),
    ("icv", forbidden),
]


@pytest.mark.parametrize("role, open_page", PAGES,
                         ids=[f"{f.__name__}-{role or 'signed-out'}" for role, f in PAGES])
def test_page_has_no_wcag_violations(role, open_page, new_context, page_as, live_server, screenshot):
    page = page_as(role) if role else new_context().new_page()
    open_page(page, live_server)
    results = Axe().run(page, options=WCAG)
    screenshot(page, f"a11y-{open_page.__name__}-{role or 'signed-out'}")
    assert results.violations_count == 0, results.generate_report()
