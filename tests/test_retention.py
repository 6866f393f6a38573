"""Retention (icv/retention.py, `flask purge`): what is past its period is anonymised or deleted,
a dry run changes nothing, past summaries keep their figures, draft owners are told first, and
long-deactivated accounts lose their name and email. Every date comes from the pinned clock."""
import json
from datetime import time, timedelta

import pytest

from conftest import finding_entry
from icv import audit, people, retention, rulebook
from icv.accounts import sessions
from icv.escalations import workflow
from icv.drafts import store as drafts
from icv.reviews import questions as rq
from icv.reviews import store as reviews
from icv.rule_settings import DEFAULT_SETTINGS
from icv.summaries.figures import DEFAULTS, build_summary
from icv.summaries.periods import Area, Period
from icv.times import london, london_to_utc, now_iso, to_iso
from icv.visits import retention as visit_retention, store as visits
from icv.visits.snapshot import REMOVED
from review_helpers import make_review

DAY = 24  # hours
OLD = 800  # days ago: past every default period but the audit log's
STRIP_SEARCH = {"context": "custody", "intimate_parts_exposed": "yes", "orifice_contact": "no",
                "aa_present": "not_needed", "searcher_same_sex": "yes", "reason_recorded": "yes",
                "source": "staff"}
TEXT = {"single_visitor_reason": "Partner unwell", "custody_officer": "PS 1234",
        "good_practice": "Cells were clean", "general_comments": "Nothing else",
        "admission_delay_reason": "Busy booking in",
        "facilities": {"cells": {"status": "concern", "note": "Graffiti in cell 4"}},
        "issues": [{"category": "rights", "description": "No leaflet given",
                    "raised_with": "Custody sergeant", "resolved_at_visit": "no"}]}


def purge(runner, *args):
    result = runner.invoke(args=["purge", *args])
    assert result.exit_code == 0, result.output
    return result.output


def dump(db):
    """Everything in the database, for 'nothing changed'."""
    return list(db.conn.iterdump())


def close_escalations(db):
    """Resolve every escalation (a report with one still open keeps its details)."""
    db.execute("UPDATE escalations SET status = 'resolved', closed_at = ? WHERE closed_at IS NULL",
               [now_iso()])


@pytest.fixture
def old_report(db, make_user, make_visit):
    """A report from OLD days ago with free text, an issue, a facilities note and two detainees
    (one strip searched), its escalations closed; returns its id."""
    visit_id = make_visit(make_user("icv"), hours_ago=OLD * DAY, entries=[
        finding_entry(age_band="16-17", gender="male", ethnicity="black_african",
                      flags={"strip_search": STRIP_SEARCH}),
        finding_entry(age_band="25-34", gender="female", ethnicity="white_british")], **TEXT)
    close_escalations(db)
    return visit_id


def submitted_review(db, reviewer, session_date, comments="Record hard to read"):
    """A submitted review of a White adult held 10 hours, whose one detention review was
    postponed with a reason; returns it as reviews.get_review reads it."""
    made = make_review(db, [reviewer.id], session_date=session_date)
    day = session_date - timedelta(days=5)

    def at(clock):
        return to_iso(london_to_utc(day, time.fromisoformat(clock)))
    review = {"age_band": "25-34", "gender": "male", "ethnicity": "white_british", "ic_code": None,
              "markers": [], "disposal": "nfa",
              "times": {"arrived": at("10:00"), "detention_authorised": at("10:30"),
                        "released": at("20:00")},
              "reviews": [{"due": None, "done": at("16:15"), "postponed_reason": "Inspector busy",
                           "representations": "yes"}],
              "care_checks": {name: "compliant" for name, _ in rq.CARE_CHECKS},
              "record_quality": {name: "yes" for name, _ in rq.RECORD_QUALITY}, "flags": {},
              "overall_grade": "good", "comments": comments}
    assert reviews.submit(db, made["id"], reviewer.id, review, **rulebook.built_in())
    close_escalations(db)
    return reviews.get_review(db, made["id"])


def old_day(clock, days=OLD):
    return (london(clock.now) - timedelta(days=days)).date()


# Settings ---------------------------------------------------------------------------------------

def test_the_periods_have_defaults_and_a_bad_setting_stops_the_app():
    assert retention.settings_from() == retention.DEFAULTS
    assert retention.settings_from({"drafts": 60})["drafts"] == 60
    for bad, message in (({"draft": 30}, "unknown names: draft"), ({"drafts": 0}, "1 or more"),
                         ({"free_text": "365"}, "whole number"), ({"audit_log": True}, "whole number"),
                         ({"drafts": 7, "draft_warning": 7}, "fewer days")):
        with pytest.raises(ValueError, match=message):
            retention.settings_from(bad)


# A dry run --------------------------------------------------------------------------------------

def test_a_dry_run_says_what_it_would_do_with_counts_and_changes_nothing(db, runner, clock, old_report,
                                                                         make_user, make_visit):
    recent = make_visit(make_user("icv"), hours_ago=3, **TEXT)
    gone = make_user("icv")
    people.set_active(db, gone.id, False)
    db.execute("UPDATE users SET deactivated_at = ? WHERE id = ?",
               [to_iso(clock.now - timedelta(days=OLD)), gone.id])
    before = dump(db)

    output = purge(runner, "--dry-run")

    assert output.splitlines()[0] == "Dry run: nothing is changed."
    assert "Custody record numbers: 1 report would be anonymised" in output
    assert "Free text: 1 report would be emptied; 0 reviews would be emptied" in output
    assert "Deactivated accounts: 1 account would be anonymised" in output
    assert dump(db) == before
    assert visits.get_visit(db, recent)["custody_officer"] == "PS 1234"


# Reports and reviews are anonymised, their answers kept ------------------------------------------

def test_a_purge_removes_numbers_and_free_text_from_old_reports_and_keeps_their_answers(
        db, runner, old_report, make_user, make_visit):
    entries_before = visits.entries_for(db, old_report)
    recent = make_visit(make_user("icv"), hours_ago=3, entries=[finding_entry()], **TEXT)

    output = purge(runner)

    assert "Custody record numbers: 1 report was anonymised" in output
    entries = visits.entries_for(db, old_report)
    assert [e["custody_record_no"] for e in entries] == [REMOVED, REMOVED]
    keep = ("age_band", "gender", "ethnicity", "consent", "checks", "flags")
    assert [{k: e[k] for k in keep} for e in entries] == [{k: e[k] for k in keep} for e in entries_before]
    visit = visits.get_visit(db, old_report)
    assert [visit[c] for c in visit_retention.TEXT_COLUMNS] == [""] * 5
    assert (visit["in_custody"], visit["spoke_with"]) == (10, 5)
    assert visits.facilities_for(db, old_report)["cells"]["status"] == "concern"
    assert visits.facilities_for(db, old_report)["cells"]["note"] == ""
    [issue] = visits.issues_for(db, old_report)
    assert (issue["category"], issue["description"], issue["raised_with"]) == ("rights", "", "")
    # The saved versions (fields as typed and the snapshot) keep none of it either.
    [version] = visits.versions_for(db, old_report)
    stored = json.dumps([version["snapshot"], version["fields"]])
    for secret in [e["custody_record_no"] for e in entries_before] + ["PS 1234", "Graffiti", "leaflet",
                                                                      "Partner unwell"]:
        assert secret not in stored
    assert f"Detainee 1: {REMOVED}" in stored and "Rights and entitlements" in stored
    # The recent report is untouched.
    assert visits.get_visit(db, recent)["custody_officer"] == "PS 1234"
    assert visits.entries_for(db, recent)[0]["custody_record_no"] != REMOVED


def test_the_report_page_still_opens_after_a_purge(db, runner, login_as, old_report):
    purge(runner)
    page = login_as("coordinator").get(f"/visits/{old_report}")
    assert page.status_code == 200
    assert REMOVED in page.text and "PS 1234" not in page.text


def test_a_report_with_an_escalation_still_open_keeps_its_details_until_it_closes(
        db, runner, make_user, make_visit):
    visit_id = make_visit(make_user("icv"), hours_ago=OLD * DAY, entries=[
        finding_entry(age_band="16-17", flags={"strip_search": STRIP_SEARCH})], **TEXT)
    assert db.execute("SELECT count(*) FROM escalations WHERE closed_at IS NULL").fetchone()[0]

    assert "Custody record numbers: 0 reports were anonymised" in purge(runner)
    assert visits.get_visit(db, visit_id)["custody_officer"] == "PS 1234"

    close_escalations(db)
    assert "Custody record numbers: 1 report was anonymised" in purge(runner)
    assert visits.entries_for(db, visit_id)[0]["custody_record_no"] == REMOVED


def test_old_reviews_lose_their_references_and_free_text(db, runner, clock, make_user):
    reviewer = make_user("icv")
    old = submitted_review(db, reviewer, old_day(clock))
    recent = submitted_review(db, reviewer, old_day(clock, 10))

    output = purge(runner)

    assert "Record review references: 1 record was anonymised" in output
    assert "Free text: 0 reports were emptied; 1 review was emptied" in output
    after = reviews.get_review(db, old["id"])
    assert after["record_ref"] == f"Record {old['record_id']} (reference removed)"
    assert after["comments"] == ""
    assert "Inspector busy" not in json.dumps(after)
    assert (after["age_band"], after["overall_grade"]) == ("25-34", "good")
    assert reviews.get_review(db, recent["id"])["record_ref"] == recent["record_ref"]
    assert reviews.get_review(db, recent["id"])["comments"] == "Record hard to read"


def test_a_past_summary_gives_the_same_figures_after_a_purge(db, runner, clock, make_user, make_visit):
    """Anonymising keeps every coded answer the summaries count: each table's rows and totals
    for the month of the old reports and reviews are the same after the purge."""
    author, suite = make_user("icv"), None
    for n, flags in enumerate(({"strip_search": STRIP_SEARCH}, {}, {"strip_search": STRIP_SEARCH})):
        make_visit(author, hours_ago=OLD * DAY + n * 5, suite_id=suite, **TEXT, entries=[
            finding_entry(age_band=band, gender=gender, ethnicity=ethnicity, flags=flags)
            for band, gender, ethnicity in (("16-17", "male", "black_african"),
                                            ("25-34", "female", "white_british"))])
    submitted_review(db, author, old_day(clock))
    submitted_review(db, author, old_day(clock) + timedelta(days=1), comments="")
    close_escalations(db)
    day = old_day(clock)
    period = Period("month", day.year, day.month)
    london_area = Area("london", None, "London", None)

    def figures():
        summary = build_summary(db, london_area, period, {**DEFAULT_SETTINGS, **DEFAULTS},
                                london(clock.now).date(), now_iso())
        return [(t.key, t.rows, t.total) for t in summary.tables()]
    before = figures()
    assert any(row for key, rows, _ in before if key.startswith("strip") for row in rows)

    output = purge(runner)

    assert "3 reports were anonymised" in output and "2 records were anonymised" in output
    assert figures() == before


# Drafts ---------------------------------------------------------------------------------------

def test_a_draft_owner_is_told_once_before_it_is_deleted(db, runner, clock, login_as, mailbox, make_suite):
    icv = login_as("icv")
    suite = make_suite("Brixton")
    settings = retention.DEFAULTS
    drafts.save(db, "visit", "old-draft", icv.user.id, [["suite_id", str(suite)],
                                                        ["visit_date", "2026-10-01"]])
    drafts.save(db, "visit", "fresh-draft", icv.user.id, [["suite_id", str(suite)]])
    db.execute("UPDATE drafts SET updated_at = ? WHERE client_id = 'old-draft'",
               [to_iso(clock.now - timedelta(days=settings["drafts"] - 2))])
    assert "will be deleted" in icv.get("/visits/").text  # the page says so before any email

    output = purge(runner)

    assert "Drafts: 1 owner was told; 0 drafts were deleted" in output
    mail = mailbox.last(icv.user.email)
    deletes_on = clock.now + timedelta(days=settings["draft_warning"])
    assert mail["Subject"] == f"Your draft will be deleted on {london(deletes_on):%-d %B %Y}"
    assert "visit report, Brixton, 2026-10-01" in mailbox.text(icv.user.email)
    page = icv.get("/visits/").text
    assert f"This draft will be deleted on {london(deletes_on):%-d %b}" in page
    assert page.count("will be deleted") == 1  # not the fresh draft

    mailbox.clear()
    clock.advance(days=settings["draft_warning"] - 1)
    assert "Drafts: 0 owners were told; 0 drafts were deleted" in purge(runner)  # told once only
    assert mailbox.messages == []
    clock.advance(days=1)
    assert "Drafts: 0 owners were told; 1 draft was deleted" in purge(runner)
    assert drafts.get(db, "old-draft") is None and drafts.get(db, "fresh-draft")
    entry = audit.search(db, object_type="visit")[0][0]
    assert json.loads(entry["detail"])["drafts"] == 1


def test_saving_a_warned_draft_keeps_it_for_another_period(db, runner, clock, login_as, mailbox):
    icv = login_as("icv")
    drafts.save(db, "visit", "d1", icv.user.id, [["good_practice", "x"]])
    clock.advance(days=retention.DEFAULTS["drafts"] - 1)
    purge(runner)
    assert drafts.get(db, "d1")["expiry_warned_at"]
    drafts.save(db, "visit", "d1", icv.user.id, [["good_practice", "y"]], base=1)
    assert drafts.get(db, "d1")["expiry_warned_at"] is None
    clock.advance(days=retention.DEFAULTS["draft_warning"] + 1)
    assert "0 drafts were deleted" in purge(runner)
    assert "will be deleted" not in icv.get("/visits/").text


def test_a_draft_is_not_deleted_while_its_email_could_not_be_sent(app, db, runner, clock, login_as):
    icv = login_as("icv")
    drafts.save(db, "visit", "d1", icv.user.id, [])
    app.config["MAIL_SERVER"] = None
    clock.advance(days=retention.DEFAULTS["drafts"] + 30)
    result = runner.invoke(args=["purge"])
    assert "1 email was not sent (tried again next time)" in result.output
    assert "No mail server" in result.output
    assert drafts.get(db, "d1")["expiry_warned_at"] is None


def test_both_reviewers_of_a_draft_review_are_told_and_my_reviews_says_so(db, runner, clock, login_as,
                                                                          mailbox):
    first, second = login_as("icv"), login_as("icv")
    for who in (first, second):
        db["users"].update(who.user.id, {"crr_trained": 1, "vetting_expires_on": "2099-01-01"})
    made = make_review(db, [first.user.id, second.user.id])
    reviews.save_draft(db, made["id"], first.user.id, [["comments", "half done"]])
    clock.advance(days=retention.DEFAULTS["drafts"] - 3)

    assert "Drafts: 1 owner was told" in purge(runner)

    for who in (first, second):
        assert "custody record review for the session at" in mailbox.text(who.user.email)
        assert made["record_ref"] not in mailbox.text(who.user.email)
        assert "This draft will be deleted on" in who.get("/reviews/").text


# Accounts and sessions -----------------------------------------------------------------------

def test_an_account_deactivated_long_ago_loses_its_name_and_email_but_keeps_its_history(
        db, runner, clock, make_user, make_visit):
    gone, lately = make_user("icv"), make_user("custody_team")
    visit_id = make_visit(gone)
    for user, days in ((gone, retention.DEFAULTS["deactivated_accounts"] + 1), (lately, 10)):
        people.set_active(db, user.id, False)
        db.execute("UPDATE users SET deactivated_at = ? WHERE id = ?",
                   [to_iso(clock.now - timedelta(days=days)), user.id])

    assert "Deactivated accounts: 1 account was anonymised" in purge(runner)

    row = people.account(db, gone.id)
    assert (row["display_name"], row["email"], row["password_hash"]) == \
        ("A former volunteer", f"former-{gone.id}@invalid", None)
    assert visits.get_visit(db, visit_id)["created_by_name"] == "A former volunteer"
    assert people.account(db, lately.id)["email"] == lately.email
    assert "0 accounts were anonymised" in purge(runner)  # done once


def test_sessions_last_used_long_ago_are_deleted(db, runner, clock, make_user):
    user = make_user("icv")
    sessions.start(db, user.id, "Old phone", "10.0.0.1")
    clock.advance(days=retention.DEFAULTS["sessions"] + 1)
    sessions.start(db, user.id, "New phone", "10.0.0.2")

    assert "Sessions and failed sign-ins: 1 session was deleted" in purge(runner)
    assert [s["device"] for s in db["sessions"].rows] == ["New phone"]


# The audit log ------------------------------------------------------------------------------

def test_every_purge_is_in_the_audit_log(db, runner, old_report):
    purge(runner)
    entries = [json.loads(e["detail"]) for e in audit.export(db) if "purge" in json.loads(e["detail"])]
    assert {e["purge"] for e in entries} >= {"Custody record numbers", "Free text"}
    assert next(e for e in entries if e["purge"] == "Custody record numbers")["reports"] == 1


def test_the_audit_log_is_purged_past_its_period(db, runner, clock):
    audit.log(db, None, "view", "summary", 424242)
    clock.advance(days=retention.DEFAULTS["audit_log"] + 1)
    assert "Audit log: 1 entry would be removed" in purge(runner, "--dry-run")
    assert audit.search(db, object_id=424242)[0]
    assert "Audit log: 1 entry was removed" in purge(runner)
    assert audit.search(db, object_id=424242)[0] == []


# What the phone keeps (ASVS 14.3.2) ----------------------------------------------------------

def test_pages_with_case_data_tell_the_browser_to_keep_no_copy(login_as, make_visit):
    icv = login_as("icv")
    visit_id = make_visit(icv.user, entries=[finding_entry()])
    for address in ("/visits/", f"/visits/{visit_id}", "/reviews/"):
        response = icv.get(address)
        assert response.headers["Cache-Control"] == "no-store", address


def test_closed_escalations_lose_the_custody_teams_words_but_keep_their_history(
        db, runner, clock, make_user, make_visit):
    visit_id = make_visit(make_user("icv"), hours_ago=OLD * DAY, entries=[
        finding_entry(age_band="16-17", flags={"strip_search": STRIP_SEARCH})], **TEXT)
    staff = make_user("custody_team")
    escalation_id = db.execute("SELECT id FROM escalations WHERE visit_id = ? ORDER BY id LIMIT 1",
                               [visit_id]).fetchone()[0]

    def version():
        return db.execute("SELECT version FROM escalations WHERE id = ?", [escalation_id]).fetchone()[0]
    workflow.record_police_response(db, escalation_id, version(), staff.id, "Inspector Jones apologised")
    workflow.write_outcome(db, escalation_id, version(), staff.id, "Raised with the borough commander")
    workflow.add_note(db, escalation_id, version(), staff.id, "Called DS Smith on 0207 946 0000")
    recent = db.execute("SELECT id FROM escalations WHERE id != ? AND closed_at IS NULL LIMIT 1",
                        [escalation_id]).fetchone()
    close_escalations(db)
    closed_long_ago = to_iso(clock.now - timedelta(days=OLD))
    db.execute("UPDATE escalations SET closed_at = ? WHERE id = ?", [closed_long_ago, escalation_id])
    kept = db.execute("SELECT rule_id, priority, status, closed_at FROM escalations WHERE id = ?",
                      [escalation_id]).fetchone()

    assert "1 escalation would be emptied" in purge(runner, "--dry-run")
    assert "1 escalation was emptied" in purge(runner)

    row = db.execute("SELECT police_response, outcome_note, closed_reason, rule_id, priority, status, "
                     "closed_at FROM escalations WHERE id = ?", [escalation_id]).fetchone()
    assert tuple(row[:3]) == ("", "", "") and tuple(row[3:]) == tuple(kept)
    stored = json.dumps([list(r) for r in db.execute(
        "SELECT kind, from_value, to_value, body FROM escalation_events WHERE escalation_id = ?",
        [escalation_id])])
    for secret in ("Inspector Jones", "borough commander", "DS Smith", "0207"):
        assert secret not in stored
    assert '"note"' in stored  # who did what, and when, stays
    if recent:  # closed just now: its words stay until its own period is up
        assert "0 escalations were emptied" in purge(runner)
