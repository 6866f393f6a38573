"""Issue 10's end to end: a fresh production install run entirely in the browser, at phone size.

An empty database in production mode (no debug, two-factor required for staff, the cookies a
production app sets) gets its first admin from `flask create-user --role admin`, as the README
says. The admin sets up two-factor sign-in, adds a panel and a custody suite, and invites an ICV
and a member of the custody team; the invitations go by SMTP to a real server on loopback. Each
invitee sets a password from the link in their mail; the custody team member sets up two-factor.
The ICV submits a flagged report at the new suite, and the custody team member finds the
escalation it raised. Every step is in the audit log, which the admin searches at the end."""
import re
import secrets

import pyotp
import pytest

from icv import create_app
from icv.db import connect
from icv.times import utcnow

from .conftest import serve
from .helpers import (CH1_ANSWERS, SS1_ANSWERS, continue_to_check, expect, fill_detainee,
                      fill_numbers, minutes_after, open_new_report, section, set_facility,
                      submit_report, visit_times)

pytestmark = pytest.mark.browser

ADMIN = ("ada.admin@example.org", "Ada Admin", "a long admin passphrase for the scheme")
ICV = ("ivan.visitor@example.org", "Ivan Visitor", "ivan walks to the station at dawn")
STAFF = ("sam.staff@example.org", "Sam Staff", "sam keeps the queue moving all week")


@pytest.fixture
def production(tmp_path, smtp_server):
    """The app as production runs it (no TESTING, no debug: two-factor required, production
    cookies), on an empty database, with its mail going to the loopback SMTP server."""
    config = {"SECRET_KEY": secrets.token_hex(32), "DATABASE": str(tmp_path / "icv.sqlite"),
              **smtp_server.config}
    app = create_app(config)
    assert not app.debug and not app.testing and app.config["TWO_FACTOR_REQUIRED"] is True
    cli = app.test_cli_runner()
    for args in (["migrate"],
                 ["create-user", "--email", ADMIN[0], "--name", ADMIN[1], "--role", "admin",
                  "--password", ADMIN[2]]):
        with app.app_context():  # as `flask` gives it
            result = cli.invoke(args=args)
        assert result.exit_code == 0, result.output
    smtp_server.clear()
    with serve(app) as server:
        yield server
    smtp_server.clear()


def password_step(page, email, password):
    page.goto("/login")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def set_up_two_factor(page):
    """Scan (here: read) the key, confirm with a code, keep the recovery codes; returns the TOTP."""
    expect(page.get_by_role("heading", level=1, name="Set up two-factor sign-in")).to_be_visible()
    totp = pyotp.TOTP(page.locator("#setup-key").inner_text().replace(" ", ""))
    page.get_by_label("Code from your authenticator app").fill(totp.at(utcnow()))
    page.get_by_role("button", name="Turn on two-factor sign-in").click()
    expect(page.get_by_role("heading", level=1, name="Your recovery codes")).to_be_visible()
    page.get_by_role("link", name="I have kept my recovery codes: continue").click()
    return totp


def menu(page, name):
    page.get_by_role("navigation", name="Main").get_by_role("link", name=name).click()


def invite(page, email, name, role):
    menu(page, "Accounts")
    page.get_by_role("link", name="Invite someone").click()
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Full name").fill(name)
    page.get_by_role("group", name="Role").get_by_label(re.compile(f"^{role}:")).check()
    page.get_by_label("Camden").check()
    page.get_by_role("button", name="Send invitation").click()
    expect(page.get_by_role("heading", level=1, name=name)).to_be_visible()


def accept_invitation(page, mailbox, email, password):
    """Open the link in the invitation, create a password, and sign in with it."""
    mail = mailbox.last(email)
    assert mail["Subject"] == "Your Independent Custody Visiting account"
    page.goto(mailbox.link(email, path=True))
    page.get_by_label("Create a password").fill(password)
    page.get_by_role("button", name="Create password").click()
    expect(page).to_have_url(re.compile(r"/login"))


def test_a_fresh_install_runs_the_scheme_in_the_browser(new_context, production, smtp_server,
                                                         screenshot, clock):
    # The admin: password, then two-factor before anything else.
    admin = new_context(base_url=production.url).new_page()
    password_step(admin, ADMIN[0], ADMIN[2])
    set_up_two_factor(admin)
    expect(admin.get_by_role("heading", level=1, name="What needs attention")).to_be_visible()
    screenshot(admin, "scratch-01-admin-home")

    # A panel, then a suite in it.
    menu(admin, "Panels")
    admin.get_by_role("link", name="Add a panel").click()
    admin.get_by_label("Name of the panel").fill("Camden")
    admin.get_by_role("button", name="Add panel").click()
    expect(admin.get_by_text("Added the Camden panel.")).to_be_visible()
    menu(admin, "Suites")
    admin.get_by_role("link", name="Add a custody suite").click()
    admin.get_by_label("Name of the custody suite").fill("Kentish Town")
    admin.get_by_label("Open 24/7").check()
    admin.get_by_label("Panel that visits it").select_option(label="Camden")
    admin.get_by_role("button", name="Add suite").click()
    expect(admin.get_by_text("Kentish Town").first).to_be_visible()

    # Two invitations, by email.
    invite(admin, ICV[0], ICV[1], "Independent custody visitor")
    invite(admin, STAFF[0], STAFF[1], "MOPAC custody team")
    screenshot(admin, "scratch-02-invited")

    # The ICV sets a password from the link and signs in (two-factor is optional for ICVs).
    icv = new_context(base_url=production.url).new_page()
    accept_invitation(icv, smtp_server, ICV[0], ICV[2])
    password_step(icv, ICV[0], ICV[2])
    expect(icv.get_by_text(f"Signed in as {ICV[1]}")).to_be_visible()

    # A flagged report at the new suite: a child strip searched without an appropriate adult.
    open_new_report(icv)
    day, arrived, left = visit_times()
    visit = section(icv, "visit")
    visit.get_by_label("Custody suite").select_option(label="Kentish Town")
    visit.get_by_label("Type of visit").select_option(label="Routine unannounced visit")
    date_box = visit.get_by_label("Date of visit")
    if date_box.input_value() != day.isoformat():
        date_box.fill(day.isoformat())
    visit.get_by_label("Time you arrived at the front counter").fill(arrived)
    visit.get_by_label("Time you were let into the custody area").fill(minutes_after(arrived, 5))
    visit.get_by_label("Time you left", exact=True).fill(left)
    visit.get_by_label("Who did you visit with?").select_option(label="I visited alone")
    visit.get_by_label("Why did you visit alone?").fill("My partner was ill on the day")
    visit.get_by_label("Custody officer on duty (rank and number)").fill("PS 4321")
    fill_numbers(icv)
    fill_detainee(icv, 1, "01KT/00042/26", age_band="14 to 15",
                  flags={"strip_search": SS1_ANSWERS, "child": CH1_ANSWERS})
    set_facility(icv, "Cells: clean, no ligature points", "OK")
    continue_to_check(icv)
    visit_id = submit_report(icv)
    expect(icv.get_by_role("heading", level=1, name="Visit to Kentish Town")).to_be_visible()
    screenshot(icv, "scratch-03-report")

    # The custody team member: password from the link, two-factor, then the queue.
    staff = new_context(base_url=production.url).new_page()
    accept_invitation(staff, smtp_server, STAFF[0], STAFF[2])
    password_step(staff, STAFF[0], STAFF[2])
    set_up_two_factor(staff)
    expect(staff.get_by_role("heading", level=1, name="Escalations")).to_be_visible()
    row = staff.get_by_role("link", name=re.compile("Child strip searched without an appropriate adult"))
    expect(row).to_be_visible()
    row.click()
    expect(staff.get_by_text("Kentish Town").first).to_be_visible()
    screenshot(staff, "scratch-04-escalation")

    # Every step is in the audit log, and the admin finds it there.
    with connect(production.database) as db:
        people = {r["email"]: r["id"] for r in db.query("SELECT id, email FROM users")}
        entries = list(db.query("SELECT user_id, action, object_type, object_id, address "
                                "FROM audit_log ORDER BY id"))
    admin_id, icv_id, staff_id = people[ADMIN[0]], people[ICV[0]], people[STAFF[0]]
    done = {(e["user_id"], e["action"], e["object_type"]) for e in entries}
    for step in [
        (admin_id, "sign_in", "session"),
        (admin_id, "two_factor_enrolled", "user"),
        (admin_id, "create", "panel"),
        (admin_id, "create", "suite"),
        (admin_id, "invite", "user"),
        (icv_id, "set_password", "user"),
        (icv_id, "sign_in", "session"),
        (icv_id, "submit", "visit"),
        (icv_id, "raise", "escalation"),
        (staff_id, "set_password", "user"),
        (staff_id, "sign_in", "session"),
        (staff_id, "two_factor_enrolled", "user"),
        (staff_id, "view", "escalation"),
    ]:
        assert step in done, f"{step} not in the audit log: {sorted(done, key=str)}"
    # flask create-user, run by no one signed in, about the admin's account
    assert any(e["action"] == "create_user" and e["object_id"] == admin_id for e in entries)
    assert sum(1 for e in entries if e["action"] == "invite") == 2
    assert any(e["object_id"] == visit_id for e in entries if e["object_type"] == "visit")
    assert all(e["address"] == "127.0.0.1" for e in entries if e["action"] != "create_user")

    menu(admin, "Audit log")
    admin.get_by_label("Person").select_option(label=ICV[1])
    admin.get_by_role("button", name="Search").click()
    results = admin.get_by_role("table")
    expect(results).to_contain_text("submit")
    screenshot(admin, "scratch-05-audit-log")
