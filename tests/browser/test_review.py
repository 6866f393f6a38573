"""A custody record review in a real browser at phone size (390x844): the demo ICV opens a
record from My reviews, enters the record, a detention across midnight with its first PACE
review done late, grades it, checks the answers (which show the late review and that DT2 will
be raised), submits, and sees the DT2 escalation on the review. Axe checks each page.

Screenshots go to test-results/screenshots/review-*.png."""
import json
import re
import sqlite3
from datetime import date, timedelta

import pytest

from icv import people
from icv.db import connect
from icv.reviews import store
from review_helpers import review_fields

from .helpers import LOGINS, expect, radio, sign_in

try:
    from axe_playwright_python.sync_playwright import Axe
except ImportError:  # the `playwright_instance` fixture skips or fails before any use
    Axe = None

pytestmark = pytest.mark.browser

WCAG = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]},
        "resultTypes": ["violations"]}
RECORD = "01CX/40412/26"  # the demo's record waiting for Alex Morgan (icv/reviews/demo.py)
CARE = ["Written notice of rights given", "Observation level set and cell visits at the required frequency",
        "Rousing checks done where required", "Meals and drinks offered", "Eight hours' rest in 24",
        "Medication given as directed", "Pre-release risk assessment done",
        "Safeguarding referrals made where needed"]
FLAGS = ["Does the record show the detainee was strip searched?",
         "Does the record show the detainee was intimately searched (a search of body orifices other than the mouth)?",
         "Does the record show force was used on the detainee?",
         "Does the record show the detainee was a child (under 18, or appeared to be)?"]


def no_violations(page):
    results = Axe().run(page, options=WCAG)
    assert results.violations_count == 0, results.generate_report()


def top(locator):
    """Scroll so that `locator` is at the top of the phone's screen (for a screenshot)."""
    locator.evaluate("e => e.scrollIntoView({block: 'start', behavior: 'instant'})")


def section(page, heading):
    return page.get_by_role("region", name=heading, exact=True)


def session_date(database):
    with sqlite3.connect(database) as conn:
        return date.fromisoformat(conn.execute(
            "SELECT c.session_date FROM custody_record_reviews c JOIN review_records r ON r.id = c.record_id "
            "WHERE r.record_ref = ?", [RECORD]).fetchone()[0])


def test_a_reviewer_completes_a_review_that_raises_dt2(page, live_server, screenshot):
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    arrived = session_date(live_server.database) - timedelta(days=6)
    sign_in(page, "icv")

    # My reviews: the record waiting for me.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="My reviews").click()
    expect(page.get_by_role("heading", level=1, name="My reviews")).to_be_visible()
    no_violations(page)
    screenshot(page, "review-01-my-reviews", full_page=False)
    page.get_by_role("link", name=f"{RECORD}, Brixton").click()
    expect(page.get_by_role("heading", level=1, name="Custody record review")).to_be_visible()
    expect(page.get_by_text(RECORD, exact=True)).to_be_visible()

    # 1. The record, saved as a draft.
    record = section(page, "1. The record")
    record.get_by_label("Age band").select_option(label="25 to 34")
    radio(record, "Gender", "Male")
    record.get_by_label("Self-defined ethnicity (as on the record)").select_option(label="Black: African")
    record.get_by_label("Officer-observed ethnicity code (optional)").select_option(label="IC3: Black")
    record.get_by_label("Mental health concern").check()
    radio(record, "Disposal", "Released under investigation")
    record.get_by_role("button", name="Save draft").click()
    expect(page.get_by_role("status").filter(has_text="Draft saved at")).to_be_visible()
    no_violations(page)
    screenshot(page, "review-02-record", full_page=False)

    # 2. Timeline: arrived late evening, released the next morning (read as the next day).
    times = section(page, "2. Timeline")
    times.get_by_label("Date of arrival").fill(arrived.isoformat())
    for label, clock in [("Arrived at the police station", "21:40"),
                         ("Brought before the custody officer", "22:05"),
                         ("Detention authorised", "22:15"), ("Rights given", "22:20"),
                         ("Risk assessment done", "22:10"), ("Released or transferred", "09:30")]:
        times.get_by_label(label, exact=True).fill(clock)
    radio(times, "Was a delay in legal advice authorised under Annex B?", "No")
    top(page.get_by_role("heading", level=2, name="2. Timeline"))
    screenshot(page, "review-02-timeline-top", full_page=False)

    # 3. The first review, due 04:15, done at 05:50 with no reason recorded for the delay.
    first = page.get_by_role("group", name="Detention review 1", exact=True)
    first.get_by_label("Done at", exact=True).fill("05:50")
    radio(first, "Were the detainee or their solicitor invited to make representations?", "Yes")

    # 4-6. Care checks, flags, quality and grade.
    care = section(page, "4. Care checks")
    for check in CARE:
        radio(care, check, "Compliant" if "Rousing" not in check and "Medication" not in check else "Not applicable")
    flags = section(page, "5. Searches, force and children")
    for question in FLAGS:
        radio(flags, question, "No")
    grade = section(page, "6. Record quality and grade")
    for question in ["Entries timed, dated and signed", "Reasons recorded for key decisions", "Legible and clear"]:
        radio(grade, question, "Yes")

    # Continue without the overall grade: the summary says so and its link goes to the field.
    page.get_by_role("button", name="Continue to check your answers").click()
    summary = page.get_by_role("alert")
    expect(summary).to_be_focused()
    expect(page).to_have_title(re.compile(r"^Error: "))
    no_violations(page)
    screenshot(page, "review-03-error", full_page=False)
    summary.get_by_role("link", name="Select the overall grade of the record").click()
    expect(page.get_by_role("group", name="Overall grade").get_by_label("Good")).to_be_focused()
    # What was typed is still there, and the release was read as the next morning.
    expect(page.get_by_label("Released or transferred", exact=True)).to_have_value("09:30")
    expect(page.get_by_text(re.compile(r"Read as \w+ \d+ \w+, 09:30 \(day 2\)"))).to_be_visible()
    radio(section(page, "6. Record quality and grade"), "Overall grade", "Requires improvement")
    top(page.get_by_label("Released or transferred", exact=True))
    screenshot(page, "review-04-timeline", full_page=False)
    top(page.get_by_role("group", name="Detention review 1", exact=True))
    screenshot(page, "review-04-detention-review", full_page=False)

    # Check your answers: the times worked out, and DT2 to be raised.
    page.get_by_role("button", name="Continue to check your answers").click()
    expect(page.get_by_role("heading", level=1, name="Check your answers before submitting")).to_be_visible()
    expect(page.get_by_text("11 h 50 min").first).to_be_visible()
    expect(page.get_by_text(re.compile(r"Due \w+ \d+ \w+, 04:15; done \w+ \d+ \w+, 05:50, 1 h 35 min late"))).to_be_visible()
    expect(page.get_by_text("Your answers do not match why this record was sampled")).to_have_count(0)  # Random
    raised = page.get_by_role("list").filter(has_text="DT2")
    expect(raised).to_contain_text("DT2: Detention review late or missed, with no reason recorded for postponing it")
    no_violations(page)
    top(page.get_by_role("heading", level=2, name="What the times show"))
    screenshot(page, "review-05-check-times", full_page=False)
    top(page.get_by_role("heading", level=2, name="What submitting raises"))
    screenshot(page, "review-05-check-raises", full_page=False)

    # Submit: the review is read-only and shows its escalation.
    page.get_by_role("button", name="Submit review").click()
    expect(page).to_have_url(re.compile(r"/reviews/\d+$"))
    expect(page.get_by_role("status").filter(has_text="Review submitted. Thank you.")).to_be_visible()
    escalation = page.get_by_role("listitem").filter(has_text="DT2:")
    expect(escalation).to_contain_text("High")
    expect(escalation).to_contain_text("1 h 35 min late")
    no_violations(page)
    screenshot(page, "review-06-submitted", full_page=False)
    review_id = int(re.search(r"/reviews/(\d+)$", page.url)[1])
    with sqlite3.connect(live_server.database) as conn:
        assert conn.execute("SELECT rule_id, priority, source FROM escalations WHERE review_id = ?",
                            [review_id]).fetchall() == [("DT2", "high", "review")]
        views = conn.execute("SELECT count(*) FROM audit_log WHERE object_type = 'custody_record_review' "
                             "AND object_id = ? AND action = 'view'", [review_id]).fetchone()[0]
    assert views >= 3  # the form, check your answers and the review's page
    assert errors == []


def test_coordinator_pages_for_batches_and_volunteers(page_as, screenshot):
    """A coordinator's review sessions, one session with its records and the add form, the
    reviewers of a record, and the ICVs' accounts with their training: all pass axe at phone size."""
    page = page_as("coordinator")
    page.goto("/")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Record reviews").click()
    expect(page.get_by_role("heading", level=1, name="Custody record reviews")).to_be_visible()
    no_violations(page)
    page.get_by_role("link", name=re.compile(r"^Brixton, ")).click()
    expect(page.get_by_role("heading", level=2, name="Add a record")).to_be_visible()
    expect(page.get_by_text("01CX/40377/26")).to_be_visible()
    no_violations(page)
    screenshot(page, "review-07-batch", full_page=False)
    page.get_by_role("button", name="Add the record").click()  # nothing filled in: the messages
    expect(page.get_by_role("alert")).to_contain_text("Enter the redacted record's reference")
    no_violations(page)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Accounts").click()
    expect(page.get_by_text("Trained; vetting expired")).to_be_visible()
    no_violations(page)
    page.get_by_role("link", name="Tom Okafor").click()
    expect(page.get_by_label("Trained in custody record review")).to_be_checked()
    no_violations(page)
    screenshot(page, "review-08-volunteer", full_page=False)


def test_an_icv_whose_vetting_expired_is_told_why(new_context, screenshot):
    page = new_context().new_page()
    page.goto("/login")
    page.get_by_label("Email address").fill("tom.okafor@example.org")
    page.get_by_label("Password").fill("demo-visitor-pass")
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("navigation", name="Main").get_by_role("link", name="My reviews").click()
    expect(page.get_by_text(re.compile(r"^Your vetting expired on \d+ \w+ \d{4}, so you cannot review"))).to_be_visible()
    no_violations(page)
    screenshot(page, "review-09-vetting-expired", full_page=False)


def test_a_pair_saving_from_an_older_page_is_told_and_loses_nothing(new_context, live_server, screenshot):
    """Alex and Grace review one record (02AB/51020/26). Grace's page is older than Alex's save:
    her autosave is refused and she is told; her copy stays on the phone, also across a reload;
    "See what changed" shows her answers beside the saved draft's; she takes his arrival time,
    keeps her own answer and saves. The draft then holds what both typed."""
    shared = "02AB/51020/26"
    alex, grace = new_context().new_page(), new_context().new_page()
    errors = []
    for page in (alex, grace):
        page.on("pageerror", lambda e: errors.append(str(e)))
    sign_in(alex, "icv")
    grace.goto("/login")
    grace.get_by_label("Email address").fill("grace.adeyemi@example.org")
    grace.get_by_label("Password").fill("demo-visitor-pass")
    grace.get_by_role("button", name="Sign in").click()
    for page in (grace, alex):  # Grace opens the review first
        page.goto("/reviews/")
        page.get_by_role("link", name=f"{shared}, Walworth").click()
        expect(page.get_by_role("heading", level=1, name="Custody record review")).to_be_visible()
    client_id = re.search(r"/reviews/drafts/([0-9a-f-]{36})$", grace.url)[1]

    # Alex types the arrival time and moves on: saved.
    alex.get_by_label("Arrived at the police station", exact=True).fill("21:40")
    expect(alex.locator("#save-status")).to_contain_text("Saved at")

    # Grace, on her older page, answers the gender: not saved, and she is told why.
    radio(section(grace, "1. The record"), "Gender", "Female")
    status = grace.locator("#save-status")
    expect(status).to_contain_text("Not saved: Alex Morgan saved this review at ")
    expect(status).to_contain_text("What you typed is kept on this phone.")
    copy = grace.evaluate(f"JSON.parse(localStorage.getItem('icv:draft:{client_id}'))")
    assert ["gender", "female"] in copy["fields"]

    # Reopened, the page shows Alex's save with her answer put back, and says again it is not saved.
    grace.reload()
    expect(grace.get_by_label("Arrived at the police station", exact=True)).to_have_value("")
    expect(section(grace, "1. The record").get_by_role("group", name="Gender", exact=True)
           .get_by_label("Female", exact=True)).to_be_checked()
    expect(status).to_contain_text("Not saved: Alex Morgan saved this review at ")
    top(status)
    screenshot(grace, "review-10-not-saved", full_page=False)

    # See what changed: her answers beside the saved draft's, everything she typed still there.
    status.get_by_role("button", name="See what changed").click()
    notice = grace.get_by_role("alert").filter(has_text="Not saved: Alex Morgan saved this review after you opened it")
    expect(notice).to_be_visible()
    expect(notice.locator("div").filter(has_text="Arrived at the police station")).to_contain_text(
        re.compile(r"You typed: Blank\s*Saved draft: 21:40"))
    expect(notice.locator("div").filter(has_text="Gender")).to_contain_text(
        re.compile(r"You typed: Female\s*Saved draft: Blank"))
    expect(section(grace, "1. The record").get_by_role("group", name="Gender", exact=True)
           .get_by_label("Female", exact=True)).to_be_checked()
    no_violations(grace)
    top(notice)
    screenshot(grace, "review-11-what-changed", full_page=False)
    assert grace.evaluate(f"localStorage.getItem('icv:draft:{client_id}') !== null")

    # She takes Alex's arrival time and saves: the draft holds both.
    grace.get_by_label("Arrived at the police station", exact=True).fill("21:40")
    section(grace, "2. Timeline").get_by_role("button", name="Save draft").click()
    expect(grace.get_by_role("status").filter(has_text="Draft saved at")).to_be_visible()
    with sqlite3.connect(live_server.database) as conn:
        fields = dict(json.loads(conn.execute(
            "SELECT fields FROM drafts WHERE client_id = ?", [client_id]).fetchone()[0]))
    assert (fields["times-arrived"], fields["gender"]) == ("21:40", "female")
    assert errors == []


def test_answers_that_contradict_the_sample_are_warned_of_and_can_still_be_submitted(page_as, live_server,
                                                                                      screenshot):
    """A record sampled because 'Child' whose answers give an age band of 25 to 34 and no child:
    check your answers warns, its link goes to the age band, and the review still submits."""
    db = connect(live_server.database)
    try:
        alex = people.find_by_email(db, LOGINS["icv"][0])["id"]
        batch = db.execute("SELECT b.id FROM review_batches b JOIN suites s ON s.id = b.suite_id "
                           "WHERE s.name = 'Brixton'").fetchone()[0]
        review = store.get_review(db, store.add_record(db, batch, "01CX/40990/26", "child", [alex], alex))
    finally:
        db.close()
    page = page_as("icv")
    page.goto(f"/reviews/drafts/{review['client_id']}")
    token = page.locator("input[name=csrf_token]").first.get_attribute("value")
    answered = page.request.post(page.url, form={**review_fields(review), "csrf_token": token}, max_redirects=0)
    assert answered.status == 302, answered.text()
    page.goto(f"/reviews/drafts/{review['client_id']}/check")
    warning = page.locator("#sample-warning")
    expect(warning.get_by_role("heading", level=2)).to_have_text(
        "Warning: Your answers do not match why this record was sampled")
    expect(warning).to_contain_text("Sampled because 'Child', but the age band is 25 to 34")
    no_violations(page)
    top(warning)
    screenshot(page, "review-12-sample-warning", full_page=False)
    warning.get_by_role("link", name="Change the age band").click()
    expect(page).to_have_url(re.compile(r"#age_band$"))
    expect(page.get_by_label("Age band")).to_be_in_viewport()
    page.go_back()
    page.get_by_role("button", name="Submit review").click()
    expect(page).to_have_url(re.compile(r"/reviews/\d+$"))
    expect(page.get_by_role("status").filter(has_text="Review submitted. Thank you.")).to_be_visible()
