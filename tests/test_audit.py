"""The audit log (issue 10): every staff view of a visit report, a custody record review or an
escalation, every summary view and export and every refusal is recorded with where it came
from; an admin searches it by person, action, object and London dates, newest first, a page at
a time, and downloads the same search as CSV. The admin's home page lists what needs attention."""
import csv
import io
import json
import logging
from datetime import datetime, timedelta, timezone

import pytest

from conftest import finding_entry
from icv import audit, people
from icv.accounts import links
from icv.times import LONDON, london_today, now_iso, to_iso, utcnow
from review_helpers import make_eligible, make_review

ADDRESS = "198.51.100.23"
STAFF = ["custody_team", "coordinator", "admin"]
SS2 = {"strip_search": {"aa_present": "no", "reason_recorded": "yes", "authorised_by": "inspector",
                        "gender_match": "yes"}}


def newest(db, n=1):
    return list(db.query("SELECT * FROM audit_log ORDER BY id DESC LIMIT ?", [n]))[::-1]


@pytest.fixture
def case_data(db, make_user, make_visit):
    """A visit with an escalation, a custody record review and its batch."""
    icv = make_user("icv")
    visit_id = make_visit(icv, entries=[finding_entry(flags=SS2)])
    escalation_id = next(db.query("SELECT id FROM escalations WHERE visit_id = ?", [visit_id]))["id"]
    make_eligible(db, icv.id)
    review = make_review(db, [icv.id])
    return {"visit": visit_id, "escalation": escalation_id, "review": review["id"],
            "batch": review["batch_id"]}


def staff_pages(ids, role):
    """(path, action, object_type, object_id, detail) of each staff page that must be logged."""
    year = str(london_today().year)
    where = f"area=london&period={year}"
    pages = [(f"/visits/{ids['visit']}", "view", "visit", ids["visit"], {}),
             (f"/escalations/{ids['escalation']}", "view", "escalation", ids["escalation"], {}),
             (f"/reviews/{ids['review']}", "view", "custody_record_review", ids["review"], {"page": "detail"}),
             (f"/reviews/batches/{ids['batch']}", "view", "review_batch", ids["batch"], {}),
             (f"/summaries/?{where}&edition=staff", "view", "summary", None,
              {"period": year, "area": "london", "edition": "staff"})]
    if role != "custody_team":
        exported = [(f"/summaries/export/{name}.csv?{where}", f"icv-{name}-london-{year}.csv", "staff")
                    for name in ("visits", "detainees", "flags", "issues", "escalations", "reviews")]
        exported += [(f"/summaries/export/summary.{kind}?{where}&edition={edition}",
                      f"icv-summary{'-published' if edition == 'published' else ''}-london-{year}.{kind}",
                      edition) for kind in ("csv", "xlsx") for edition in ("staff", "published")]
        pages += [(path, "export", "summary", None,
                   {"period": year, "area": "london", "file": name, "edition": edition})
                  for path, name, edition in exported]
    return pages


@pytest.mark.parametrize("role", STAFF)
def test_every_staff_page_of_case_data_lands_in_the_log_with_its_address(login_as, db, case_data, role):
    """Walk the staff pages: each view is one entry, naming the person, the object and the
    address the request came from."""
    client = login_as(role)
    for path, action, object_type, object_id, detail in staff_pages(case_data, role):
        before = db["audit_log"].count
        response = client.get(path, environ_base={"REMOTE_ADDR": ADDRESS})
        assert response.status_code == 200, path
        assert db["audit_log"].count == before + 1, path
        [entry] = newest(db)
        assert (entry["user_id"], entry["action"], entry["object_type"], entry["object_id"],
                entry["address"], entry["at"]) == (client.user.id, action, object_type, object_id,
                                                  ADDRESS, now_iso()), path
        assert json.loads(entry["detail"]) == detail, path


def test_a_change_logged_deep_in_a_store_carries_the_address_too(login_as, db, case_data):
    """Stores take no request: the address reaches their entries from the request being served."""
    staff = login_as("custody_team")
    version = db["escalations"].get(case_data["escalation"])["version"]
    response = staff.post(f"/escalations/{case_data['escalation']}/claim",
                          data={"claim-version": version}, environ_base={"REMOTE_ADDR": ADDRESS})
    assert response.status_code == 302
    [entry] = newest(db)
    assert (entry["action"], entry["object_type"], entry["address"]) == ("update", "escalation", ADDRESS)


def test_an_entry_outside_a_request_has_no_address(db):
    audit.log(db, None, "create", "suite", 1)
    assert newest(db)[0]["address"] is None


def test_an_icv_reading_their_own_report_is_not_logged_but_a_review_opening_is(login_as, db, make_visit):
    icv = login_as("icv")
    visit_id = make_visit(icv.user)
    before = db["audit_log"].count
    assert icv.get(f"/visits/{visit_id}").status_code == 200
    assert db["audit_log"].count == before


def test_a_refused_request_is_logged_without_its_query_string(login_as, db):
    icv = login_as("icv")
    response = icv.get("/summaries/?month=2026-11&note=Jane+Doe", environ_base={"REMOTE_ADDR": ADDRESS})
    assert response.status_code == 403
    [entry] = newest(db)
    assert (entry["user_id"], entry["action"], entry["object_type"], entry["object_id"], entry["address"]) == (
        icv.user.id, "refused", "request", None, ADDRESS)
    assert json.loads(entry["detail"]) == {"method": "GET", "path": "/summaries/"}
    assert "Jane" not in entry["detail"]


def test_a_refused_post_is_logged_and_changes_nothing_else(login_as, db):
    response = login_as("custody_team").post("/suites/new", data={"name": "Brixton", "status": "24_7",
                                                                  "panel": "none"})
    assert response.status_code == 403
    assert db["suites"].count == 0
    [entry] = newest(db)
    assert json.loads(entry["detail"]) == {"method": "POST", "path": "/suites/new"}


def test_a_refusal_answered_without_abort_is_logged_too(login_as, db, make_user):
    """A review refused to the page's fetch() call is JSON, not the error page: logged all the same."""
    icv = login_as("icv")
    make_eligible(db, icv.user.id)
    others = make_review(db, [make_user("icv").id])
    before = db["audit_log"].count
    response = icv.post(f"/reviews/drafts/{others['client_id']}/autosave", data={"client_id": others["client_id"]},
                        headers={"X-Requested-With": "fetch"})
    assert response.status_code == 403 and response.json["error"] == "refused"
    assert db["audit_log"].count == before + 1
    [entry] = newest(db)
    assert (entry["action"], json.loads(entry["detail"])) == (
        "refused", {"method": "POST", "path": f"/reviews/drafts/{others['client_id']}/autosave"})


def test_a_refusal_while_the_database_is_busy_is_still_a_403(app, login_as, monkeypatch):
    """The refusal page never turns into a 503 or a 500 because its log entry could not be written."""
    import sqlite3

    def locked(*args, **kwargs):
        raise sqlite3.OperationalError("database is locked")
    icv = login_as("icv")
    monkeypatch.setattr(audit, "log", locked)
    response = icv.get("/summaries/")
    assert response.status_code == 403
    assert "You cannot see this page" in response.text


def test_the_log_still_refuses_changes_after_m016(db, login_as):
    login_as("icv").get("/summaries/")
    import sqlite3
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        db.execute("UPDATE audit_log SET address = '10.0.0.1'")
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        db.execute("DELETE FROM audit_log")


# Searching ----------------------------------------------------------------------------------

def london(text):
    """Stored UTC text of a London wall time '2026-10-25 00:30'."""
    return to_iso(datetime.fromisoformat(text).replace(tzinfo=LONDON).astimezone(timezone.utc))


@pytest.fixture
def logged(db, make_user, clock):
    """Entries at known London times by two people."""
    alice, bob = make_user("coordinator", display_name="Alice Ahmed"), make_user("custody_team",
                                                                               display_name="Bob Brown")
    made = [("2026-10-31 23:30", alice, "view", "visit", 7),  # 23:30 GMT: still 31 Oct
            ("2026-11-01 00:30", bob, "view", "escalation", 3),
            ("2026-11-01 12:00", alice, "update", "suite", 2),
            ("2026-11-02 09:00", bob, "export", "summary", None)]
    for at, who, action, object_type, object_id in made:
        clock.set(datetime.fromisoformat(london(at).replace("Z", "+00:00")))
        audit.log(db, who.id, action, object_type, object_id, address="192.0.2.1", note="x")
    clock.set(utcnow() + timedelta(days=3))
    return {"alice": alice, "bob": bob}


def search(client, **args):
    response = client.get("/audit", query_string=args)
    rows = [line for line in response.text.split("<tr>")[2:]]
    return response, rows


@pytest.mark.parametrize("args, expected", [
    ({}, 5),  # the four, and the admin's own sign-in (today) to search
    ({"action": "view"}, 2),
    ({"object_type": "suite"}, 1),
    ({"object_type": "visit", "object_id": "7"}, 1),
    ({"object_type": "visit", "object_id": "8"}, 0),
    ({"start": "2026-11-01"}, 4),  # from London midnight, not UTC's (with the admin's sign-in)
    ({"end": "2026-10-31"}, 1),
    ({"start": "2026-11-01", "end": "2026-11-01"}, 2),
])
def test_the_admin_searches_by_action_object_and_london_dates(login_as, logged, args, expected):
    response, rows = search(login_as("admin"), **args)
    assert response.status_code == 200
    assert len(rows) == expected


def test_the_admin_searches_by_person_and_sees_the_newest_first(login_as, logged):
    response, rows = search(login_as("admin"), person=str(logged["alice"].id))
    assert len(rows) == 2
    assert "update" in rows[0] and "suite 2" in rows[0] and "2026-11-01 12:00:00" in rows[0]
    assert "visit 7" in rows[1] and "192.0.2.1" in rows[1] and "note: x" in rows[1]
    assert "Alice Ahmed" in rows[0]


@pytest.mark.parametrize("args, message", [
    ({"object_id": "seven"}, "The object number must be a whole number, like 12"),
    ({"start": "2026-13-01"}, "The from date must be a real date, like 2026-11-01"),
    ({"start": "2026-11-02", "end": "2026-11-01"}, "The to date must be the same as or after the from date"),
    ({"person": "999999"}, "Select a person from the list"),
])
def test_a_search_that_makes_no_sense_gets_a_message_next_to_the_field(login_as, logged, args, message):
    for path in ("/audit", "/audit.csv"):
        response = login_as("admin").get(path, query_string=args)
        assert response.status_code == 400
        assert message in response.text
        assert "There is a problem" in response.text


def test_the_search_is_paginated(login_as, db):
    admin = login_as("admin")
    for n in range(120):
        audit.log(db, admin.user.id, "view", "visit", n)
    page1 = admin.get("/audit?action=view").text
    assert page1.count("<tr>") == 51 and "visit 119<" in page1 and "Newer entries" not in page1
    assert 'href="/audit?action=view&amp;page=2" rel="next">Older entries' in page1
    page3 = admin.get("/audit?action=view&page=3").text
    assert page3.count("<tr>") == 21 and "visit 0<" in page3 and "Older entries" not in page3
    assert 'href="/audit?action=view&amp;page=2" rel="prev">Newer entries' in page3


def test_the_search_downloads_as_one_whole_csv_and_the_download_is_logged(login_as, db, logged):
    admin = login_as("admin")
    response = admin.get("/audit.csv?action=view", environ_base={"REMOTE_ADDR": ADDRESS})
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert int(response.headers["Content-Length"]) == len(response.data)
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert [(r["action"], r["object_type"], r["object_id"], r["person"]) for r in rows] == [
        ("view", "escalation", "3", "Bob Brown"), ("view", "visit", "7", "Alice Ahmed")]
    assert rows[1]["at_london"] == "2026-10-31 23:30:00" and rows[1]["address"] == "192.0.2.1"
    [entry] = newest(db)
    assert (entry["action"], entry["object_type"], entry["address"]) == ("export", "audit_log", ADDRESS)
    assert json.loads(entry["detail"]) == {"entries": 2, "search": {"action": "view"}}


def test_a_search_too_big_for_one_file_says_so(login_as, db, monkeypatch):
    admin = login_as("admin")
    monkeypatch.setattr(audit, "EXPORT_LIMIT", 2)
    for n in range(3):
        audit.log(db, admin.user.id, "view", "visit", n)
    response = admin.get("/audit.csv")
    assert response.status_code == 400
    assert "more than one file can hold" in response.text


# The admin's home page ------------------------------------------------------------------------

def test_the_admin_lands_on_what_needs_attention(login_as, db, make_user, make_suite, make_visit):
    today = london_today()
    soon = make_user("icv", display_name="Vetting Soon", vetting_expires_on=(today + timedelta(days=30)).isoformat())
    make_user("icv", display_name="Vetting Later", vetting_expires_on=(today + timedelta(days=90)).isoformat())
    make_user("icv", display_name="Vetting Gone", vetting_expires_on=(today - timedelta(days=1)).isoformat())
    recent, stale = make_suite("Recent"), make_suite("Stale")
    make_suite("Never")
    make_suite("Shut", status="closed")
    make_visit(soon, suite_id=recent, hours_ago=3 * 24)
    make_visit(soon, suite_id=stale, hours_ago=10 * 24)
    admin = login_as("admin")
    response = admin.get("/", follow_redirects=True)
    assert response.request.path == "/admin"
    page = response.text
    assert "Vetting Soon" in page and "Vetting Gone" in page and "Vetting Later" not in page
    assert "Vetting expired" in page
    assert ">Stale</a>" in page and ">Never</a>" in page and "Never visited" in page
    assert ">Recent</a>" not in page and ">Shut</a>" not in page


@pytest.mark.parametrize("filters", [
    {}, {"user_id": 1}, {"action": "view"}, {"object_type": "visit"},
    {"object_type": "visit", "object_id": 3}, {"start": "2026-11-01T00:00:00Z", "end": "2026-12-01T00:00:00Z"},
    {"action": "view", "start": "2026-11-01T00:00:00Z"}, {"user_id": 1, "end": "2026-12-01T00:00:00Z"},
])
def test_each_search_reads_an_index_in_order_and_never_sorts_the_log(db, filters):
    """The log grows with every view: a search walks an index newest first, never the table."""
    condition, params = audit.where(**filters)
    plan = " ".join(r[3] for r in db.execute(
        f"EXPLAIN QUERY PLAN SELECT * FROM audit_log WHERE {condition} ORDER BY at DESC, id DESC LIMIT 51",
        params).fetchall())
    assert "USING INDEX audit_log_" in plan and "TEMP B-TREE" not in plan, plan


def test_the_admin_sees_invitations_not_taken_up(login_as, db, clock):
    admin = login_as("admin")
    waiting = people.add(db, "ida.newman@example.org", "Ida Newman", "icv", None, invited_by=admin.user.id)
    people.update(db, waiting, {"invited_at": now_iso()})
    links.issue(db, waiting, "invitation")
    lapsed = people.add(db, "lapsed@example.org", "Lou Lapsed", "icv", None)
    people.update(db, lapsed, {"invited_at": now_iso()})
    page = admin.get("/admin").text
    assert "Ida Newman" in page and "The link works until" in page
    assert "Lou Lapsed" in page and "The link has expired" in page


def test_the_admin_sees_accounts_locked_by_failed_sign_ins_and_unlocks_them(login_as, client, make_user):
    locked = make_user("icv", display_name="Lee Locked")
    for _ in range(5):
        client.post("/login", data={"email": locked.email, "password": "not the right one at all"})
    admin = login_as("admin")
    page = admin.get("/admin").text
    assert "Lee Locked" in page and "locked until" in page
    admin.post(f"/accounts/{locked.id}/unlock")
    assert "No account is locked." in admin.get("/admin").text


def test_a_new_install_is_told_to_add_its_first_suite(login_as):
    page = login_as("admin").get("/admin").text
    assert "There are no open custody suites yet" in page and 'href="/suites/new"' in page


def test_a_post_refused_for_its_token_is_in_the_log_without_what_was_posted(app, login_as, db):
    """A forged or expired form (ASVS 16.3.3): who, where, why; never the fields."""
    app.config["WTF_CSRF_ENABLED"] = True
    coordinator = login_as("coordinator")
    response = coordinator.post("/panels/new", data={"name": "Forged panel", "csrf_token": "forged"})
    assert response.status_code == 400
    [entry] = db.query("SELECT * FROM audit_log WHERE action = 'refused'")
    assert (entry["user_id"], entry["object_type"]) == (coordinator.user.id, "request")
    assert json.loads(entry["detail"]) == {"method": "POST", "path": "/panels/new", "reason": "csrf"}


def test_the_server_log_says_its_times_in_utc(app, caplog):
    """The application log's times are UTC, like the audit log's (ASVS 16.2.2)."""
    from flask.logging import default_handler
    record = logging.makeLogRecord({"msg": "x", "created": 0.0, "levelname": "WARNING", "module": "m"})
    assert "1970-01-01 00:00:00" in default_handler.formatter.format(record)
    assert default_handler.formatter.format(record).startswith("[1970-01-01 00:00:00")
