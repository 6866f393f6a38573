"""axe-core (WCAG 2.2 A and AA rules) on every page, at phone size, in the states people see:
the report form blank, with every flag's questions open, with errors; check your answers; a
corrected report with its versions; the delete-draft question; the correction conflict."""
import re
import sqlite3
import uuid

import pyotp
import pytest

from icv.accounts import twofactor
from icv.auth import create_user
from icv.db import connect
from icv.times import london_today, utcnow
from icv import people
from icv.accounts import links, sessions

from .helpers import (LOGINS, CONSENT_YES, FLAG_QUESTIONS, SS1_ANSWERS, add_issue, continue_to_check, open_checks,
                      detainee, expect, fill_visit, flag_details, radio, section, submit_report,
                      visit_times)

try:
    from axe_playwright_python.sync_playwright import Axe
except ImportError:  # the `playwright_instance` fixture skips or fails before any use
    Axe = None

pytestmark = pytest.mark.browser

# resultTypes: full detail for violations only (passes would serialise every node of a long page).
WCAG = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]},
        "resultTypes": ["violations"]}
PARTNER = ("priya.shah@example.org", "demo-visitor-pass")  # the demo ICV's visiting partner


def flagged_visit(database):
    """A demo visit whose detainee entries raised escalations (for the report page)."""
    with sqlite3.connect(database) as conn:
        row = conn.execute("""SELECT visit_id FROM escalations WHERE detainee_entry_id IS NOT NULL
                              GROUP BY visit_id ORDER BY count(*) DESC, visit_id LIMIT 1""").fetchone()
    assert row, "the demo data has no flagged visit"
    return row[0]


def demo_visit_with_partner(database, n):
    """The n-th oldest demo visit the demo ICV made with Priya Shah (tests only add newer ones),
    so each page that corrects a report has one of its own, whatever ran before."""
    with sqlite3.connect(database) as conn:
        row = conn.execute("""SELECT v.id FROM visits v JOIN users a ON a.id = v.created_by
                              JOIN users b ON b.id = v.partner_id
                              WHERE a.email IN (?, ?) AND b.email IN (?, ?)
                              ORDER BY v.id LIMIT 1 OFFSET ?""",
                           ["icv@example.org", PARTNER[0]] * 2 + [n]).fetchone()
    assert row, "the demo data has no visit by the demo ICV and Priya Shah"
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


def save_a_draft(page):
    """Start a report and save it as a draft; returns the draft's address."""
    page.goto("/visits/new")
    section(page, "visit").get_by_label("Custody suite").select_option(label="Brixton")
    section(page, "visit").get_by_role("button", name="Save draft").click()
    expect(page.get_by_role("status").filter(has_text="Draft saved")).to_be_visible()
    return page.url.split("#")[0]


def my_reports_with_a_draft(page, server):
    save_a_draft(page)
    page.goto("/visits/")
    expect(page.get_by_role("heading", level=1, name="My reports")).to_be_visible()
    expect(page.get_by_role("heading", level=2, name="Drafts")).to_be_visible()
    expect(page.get_by_role("heading", level=2, name="Submitted")).to_be_visible()


def delete_draft_question(page, server):
    save_a_draft(page)
    page.get_by_role("link", name="Delete this draft").click()
    expect(page.get_by_role("heading", level=1, name="Delete this draft?")).to_be_visible()


def new_report(page, server):
    page.goto("/visits/new")
    expect(page.get_by_role("heading", level=1, name="Visit report")).to_be_visible()


def new_report_with_flags_and_errors(page, server):
    """Every hidden question open (the rights checks and all four flags) with an issue added,
    then Continue with nothing else answered: errors everywhere, inside the opened questions too."""
    new_report(page, server)
    entry = detainee(page, 1)
    radio(entry, "Did the detainee speak with you?", CONSENT_YES)
    entry.get_by_label("Age band").select_option(label="14 to 15")  # a child: the child's questions
    for question in filter(None, FLAG_QUESTIONS.values()):
        radio(entry, question, "Yes")
    expect(entry.get_by_role("group", name="Child: details", exact=True)).to_be_visible()
    expect(open_checks(entry)).to_be_visible()
    add_issue(page, category="Legal advice", description="Solicitor not called for 3 hours")
    page.get_by_role("button", name="Continue to check your answers").click()
    alert = page.get_by_role("alert")
    for problem in ("Select the custody suite", "Enter a number for 'Detainees in custody'",
                    "Enter the custody record number", "Strip search:", "Intimate search:",
                    "Use of force:", "Child:"):
        expect(alert).to_contain_text(problem)
    expect(flag_details(detainee(page, 1), "intimate_search")).to_be_visible()


def fill_a_report(page):
    day, arrived, left = visit_times()
    page.goto("/visits/new")
    fill_visit(page, "77XY/10001/26", day=day, arrived=arrived, left=left, age_band="16 to 17",
               flags={"strip_search": SS1_ANSWERS, "child": {
                   "Appropriate adult": "Present", "Where is the child held?": "Juvenile detention room",
                   "Is the child sharing a cell or room with an adult?": "No",
                   "Is the child expected to stay overnight?": "No"}})


def check_your_answers(page, server):
    fill_a_report(page)
    continue_to_check(page)


def corrected_report(page, server):
    """A report with two versions: the versions list and the table of changes."""
    page.goto(f"/visits/{demo_visit_with_partner(server.database, 0)}")
    page.get_by_role("button", name="Correct this report").click()
    page.get_by_label("Custody officer on duty (rank and number)").fill("PS 2024")
    page.get_by_label("What are you correcting, and why?").fill("The sergeant's number was wrong.")
    continue_to_check(page)
    submit_report(page, button="Save correction")
    expect(page.get_by_role("region", name="Changes").first).to_be_visible()


def correction_conflict(page, server):
    """Two visitors correct the same report; the second to save is shown the first's change."""
    visit_id = demo_visit_with_partner(server.database, 1)
    page.goto(f"/visits/{visit_id}")
    page.get_by_role("button", name="Correct this report").click()  # mine starts now...
    other = page.context.browser.new_context(base_url=server.url, service_workers="block")
    try:  # ...the partner, on their own phone, corrects it too and saves first
        theirs = other.new_page()
        theirs.goto("/login")
        theirs.get_by_label("Email address").fill(PARTNER[0])
        theirs.get_by_label("Password").fill(PARTNER[1])
        theirs.get_by_role("button", name="Sign in").click()
        expect(theirs.get_by_text("Signed in as")).to_be_visible()
        theirs.goto(f"/visits/{visit_id}")
        theirs.get_by_role("button", name="Correct this report").click()
        theirs.get_by_label("Custody officer on duty (rank and number)").fill("PS 7777")
        theirs.get_by_label("What are you correcting, and why?").fill("Wrong number.")
        continue_to_check(theirs)
        submit_report(theirs, button="Save correction")
    finally:
        other.close()
    page.get_by_label("Custody officer on duty (rank and number)").fill("PS 8888")
    page.get_by_label("What are you correcting, and why?").fill("Wrong number.")
    continue_to_check(page)
    page.get_by_role("button", name="Save correction").click()
    expect(page.get_by_role("heading", level=1, name=re.compile("Someone else corrected"))).to_be_visible()
    expect(page.get_by_role("region", name="Changes")).to_contain_text("PS 7777")


def report_detail(page, server):
    page.goto(f"/visits/{flagged_visit(server.database)}")
    expect(page.get_by_role("heading", level=2, name="Detainee entries")).to_be_visible()


def escalation_queue(page, server):
    page.goto("/escalations/")
    expect(page.get_by_role("heading", level=1, name="Escalations")).to_be_visible()


def rules_page(page, server):
    page.goto("/rules/")
    expect(page.get_by_role("heading", level=1, name="Escalation rules")).to_be_visible()


def your_sessions(page, server):
    """Your sessions with a second device signed in, so an "End this session" button shows."""
    with sqlite3.connect(server.database) as db:
        user_id = db.execute("SELECT id FROM users WHERE email = ?", [LOGINS["icv"][0]]).fetchone()[0]
    conn = connect(server.database)
    sessions.start(conn, user_id, "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) Safari/604.1",
                   "10.0.0.5")
    conn.close()
    page.goto("/account/sessions")
    expect(page.get_by_role("heading", level=1, name="Your sessions")).to_be_visible()
    expect(page.get_by_role("button", name=re.compile("End this session on Safari on an iPhone")).first).to_be_visible()


def your_sessions_with_error(page, server):
    """Ending a session with a wrong password: the message by that form's password field."""
    your_sessions(page, server)
    form = page.locator("form").filter(
        has=page.get_by_role("button", name=re.compile("End this session on Safari on an iPhone"))).first
    form.get_by_label("Your password").fill("not the password")
    form.get_by_role("button").click()
    expect(page.get_by_role("alert")).to_contain_text("That is not your password")


def monthly_summary(page, server):
    page.goto("/summaries/")
    expect(page.get_by_role("region", name="Visits by suite")).to_be_visible()


def monthly_summary_with_error(page, server):
    page.goto("/summaries/?area=london&period=2026-13&edition=staff")
    expect(page.get_by_role("alert")).to_contain_text("Select a month, quarter or year from the list")


def not_found(page, server):
    page.goto("/no-such-page")
    expect(page.get_by_role("heading", level=1, name="Page not found")).to_be_visible()


def forbidden(page, server):
    page.goto("/summaries/")
    expect(page.get_by_role("heading", level=1, name="You cannot see this page")).to_be_visible()


def skip_link_focused(page, server):
    """The first Tab shows the skip link: a full target of its own, covering nothing."""
    page.goto("/escalations/")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to main content")
    expect(skip).to_be_focused()
    box = skip.bounding_box()
    assert box["height"] >= 24 and box["width"] >= 300, box
    expect(page.get_by_role("link", name="Independent Custody Visiting")).to_be_in_viewport()


def busy_page(page, server):
    """A draft saved while another writer holds the database: the busy page with Try again."""
    page.goto("/visits/new")
    page.get_by_label("Custody officer on duty (rank and number)").fill("PS 4242")
    server.app.config["DATABASE_BUSY_TIMEOUT_MS"] = 50
    holder = sqlite3.connect(server.database, isolation_level=None)
    try:
        holder.execute("BEGIN IMMEDIATE")
        page.get_by_role("button", name="Save draft").first.click()
        expect(page.get_by_role("heading", level=1, name="The service is busy")).to_be_visible()
    finally:
        holder.execute("ROLLBACK")
        holder.close()
        server.app.config["DATABASE_BUSY_TIMEOUT_MS"] = 5000
    expect(page.get_by_role("button", name="Try again")).to_be_visible()


def year_summary(page, server):
    """A year's published edition: small numbers withheld, ratios for big groups only."""
    year = london_today().year
    page.goto(f"/summaries/?area=london&period={year}&edition=published")
    expect(page.get_by_role("heading", level=1, name=f"London: {year}")).to_be_visible()


def two_factor_page(page, server):
    page.goto("/two-factor/")
    expect(page.get_by_role("heading", level=1, name="Two-factor sign-in")).to_be_visible()


def two_factor_set_up_with_error(page, server):
    page.goto("/two-factor/set-up")
    expect(page.get_by_role("img", name=re.compile("^QR code"))).to_be_visible()
    page.get_by_label("Your password").fill(LOGINS["icv"][1])
    page.get_by_label("Code from your authenticator app").fill("12345")  # never a right code
    page.get_by_role("button", name="Turn on two-factor sign-in").click()
    expect(page.get_by_role("alert")).to_contain_text("The code is not right")


def two_factor_code_with_error(page, server):
    """The code step after the password, for an account of its own that has two-factor on."""
    email = f"two.factor.{uuid.uuid4().hex[:8]}@example.org"
    db = connect(server.database)
    try:
        user_id = create_user(db, email, "Two Factor", "icv", "a long enough passphrase")
        secret = twofactor.start_enrolment(db, user_id)
        twofactor.confirm_enrolment(db, user_id, pyotp.TOTP(secret).at(utcnow()))
    finally:
        db.close()
    page.goto("/login")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill("a long enough passphrase")
    page.get_by_role("button", name="Sign in").click()
    page.get_by_label("Code from your authenticator app").fill("12345")
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("alert")).to_contain_text("The code is not right")


def accounts_list(page, server):
    page.goto("/accounts/")
    expect(page.get_by_role("heading", level=1, name="Accounts")).to_be_visible()


def account_page(page, server):
    """An ICV's account as a coordinator sees it: the record review training is here now."""
    page.goto("/accounts/")
    page.get_by_role("link", name="Tom Okafor").click()
    expect(page.get_by_label("Trained in custody record review")).to_be_checked()


def invite_with_errors(page, server):
    page.goto("/accounts/invite")
    page.get_by_role("button", name="Send invitation").click()
    expect(page.get_by_role("alert")).to_contain_text("Enter their full name")


def your_account(page, server):
    page.goto("/")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Your account").click()
    expect(page.get_by_role("heading", level=1, name="Your account")).to_be_visible()


def change_password_with_errors(page, server):
    page.goto("/accounts/me/password")
    page.get_by_label("Your new password").fill("password1234")
    page.get_by_role("button", name="Change password").click()
    expect(page.get_by_role("alert")).to_contain_text("Enter your current password")


def forgot_password(page, server):
    page.goto("/login")
    page.get_by_role("link", name="Forgot your password?").click()
    expect(page.get_by_role("heading", level=1, name="Reset your password")).to_be_visible()


def set_password_with_errors(page, server):
    """The page an invitation links to, after a password that is too common."""
    db = connect(server.database)
    try:
        user_id = people.add(db, f"axe-{id(page)}@example.org", "Ada Axe", "icv", None)
        token = links.issue(db, user_id, "invitation")
    finally:
        db.close()
    page.goto(f"/accounts/set-password/{token}")
    page.get_by_label("Create a password").fill("password1234")
    page.get_by_role("button", name="Create password").click()
    expect(page.get_by_role("alert")).to_contain_text("That password is too common")


def admin_home(page, server):
    page.goto("/")
    expect(page.get_by_role("heading", level=1, name="What needs attention")).to_be_visible()


def audit_log(page, server):
    page.goto("/audit")
    expect(page.get_by_role("region", name="Audit log entries")).to_be_visible()


def audit_log_with_errors(page, server):
    page.goto("/audit")
    page.get_by_label("Object number").fill("seven")
    page.get_by_label("To").fill("2000-01-01")
    page.get_by_label("From").fill("2026-11-01")
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_role("alert")).to_contain_text("The object number must be a whole number")


def suites_list(page, server):
    page.goto("/suites/")
    expect(page.get_by_role("heading", level=1, name="Custody suites")).to_be_visible()


def suite_form_with_errors(page, server):
    page.goto("/suites/new")
    page.get_by_role("button", name="Add suite").click()  # no name: nothing is added
    expect(page.get_by_role("alert")).to_contain_text("Enter the name of the custody suite")


def panels_list(page, server):
    page.goto("/panels/")
    expect(page.get_by_role("heading", level=1, name="Panels")).to_be_visible()


PAGES = [
    (None, login_page),
    ("custody_team", skip_link_focused),
    ("coordinator", year_summary),
    ("icv", busy_page),
    (None, login_with_errors),
    (None, wrong_password),
    ("icv", my_reports_with_a_draft),
    ("icv", delete_draft_question),
    ("icv", new_report),
    ("icv", new_report_with_flags_and_errors),
    ("icv", check_your_answers),
    ("icv", corrected_report),
    ("icv", correction_conflict),
    ("custody_team", report_detail),
    ("custody_team", escalation_queue),
    ("custody_team", rules_page),
    ("icv", your_sessions),
    ("icv", your_sessions_with_error),
    ("coordinator", monthly_summary),
    ("coordinator", monthly_summary_with_error),
    (None, not_found),
    ("icv", not_found),
    ("icv", forbidden),
    ("custody_team", two_factor_page),
    ("icv", two_factor_set_up_with_error),
    (None, two_factor_code_with_error),
    ("admin", accounts_list),
    ("coordinator", account_page),
    ("admin", invite_with_errors),
    ("icv", your_account),
    ("icv", change_password_with_errors),
    (None, forgot_password),
    (None, set_password_with_errors),
    ("admin", admin_home),
    ("admin", audit_log),
    ("admin", audit_log_with_errors),
    ("coordinator", suites_list),
    ("coordinator", suite_form_with_errors),
    ("coordinator", panels_list),
]


@pytest.mark.parametrize("role, open_page", PAGES,
                         ids=[f"{f.__name__}-{role or 'signed-out'}" for role, f in PAGES])
def test_page_has_no_wcag_violations(role, open_page, new_context, page_as, live_server, screenshot):
    page = page_as(role) if role else new_context().new_page()
    open_page(page, live_server)
    results = Axe().run(page, options=WCAG)
    screenshot(page, f"a11y-{open_page.__name__}-{role or 'signed-out'}", full_page=False)
    assert results.violations_count == 0, results.generate_report()
