"""What goes wrong gets a plain 4xx or 503, never a 500: a missing or wrong CSRF token on every
POST route for every role, a database another writer holds (503, Retry-After, the typing kept,
nothing written), and a post bigger than the service takes (413)."""
import re
import sqlite3
import uuid
from contextlib import closing, contextmanager
from urllib.parse import urlencode

import pytest
from werkzeug.routing import IntegerConverter

from conftest import assert_kept, detainee_fields, draft_url, finding_entry, form_values, issue_fields
from icv import people
from icv.auth import ANONYMOUS, ROLE_NAMES
from icv.db import connect, get_db
from icv.flags import FLAGS
from icv.visits import questions as q
from icv.drafts import store as drafts
from icv.visits import store
from icv.visits.fields import TEXT_LIMIT
from icv.visits.forms import MAX_DETAINEES, MAX_ISSUES
from test_escalations import SS2

FETCH = {"X-Requested-With": "fetch"}
ROLES = [ANONYMOUS, *ROLE_NAMES]


def row_counts(app):
    """{table: rows} of every table: a post that was refused leaves them all as they were, but
    for the audit log's entries of refusals (403)."""
    with closing(connect(app.config["DATABASE"])) as db:
        counts = {name: db[name].count for name in db.table_names()}
        counts["audit_log"] -= db["audit_log"].count_where("action = 'refused'")
        return counts


# CSRF: every POST route, every role ---------------------------------------------------------

@pytest.fixture
def some_of_everything(db, make_user, make_visit, login_as):
    """A visit with an escalation (id 1 and up exist), so ids in the routes find real rows."""
    make_visit(make_user("icv"), entries=[finding_entry(flags=SS2)])


def post_routes(app):
    """Every POST route in the app (a new route is covered without touching this test), with
    its variables filled: numbers 1, anything else a fresh uuid (a draft nobody has)."""
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if "POST" not in rule.methods:
            continue
        values = {name: 1 if isinstance(rule._converters[name], IntegerConverter) else str(uuid.uuid4())
                  for name in rule.arguments}
        yield re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(values[m.group(1)]), rule.rule)


@pytest.mark.parametrize("token", ["missing", "wrong"])
@pytest.mark.parametrize("role", ROLES)
def test_a_post_without_a_good_csrf_token_is_refused_plainly_on_every_route(
        app, login_as, some_of_everything, role, token):
    """With CSRF on, as in production: a post with no token or a wrong one, to every POST route,
    is a 4xx (or, signed out, a redirect to sign in), never a 500, and changes nothing."""
    app.config["WTF_CSRF_ENABLED"] = True
    client = app.test_client() if role == ANONYMOUS else login_as(role)
    fields = {"client_id": "x", "action": "save", "version": "1"}
    if token == "wrong":
        fields["csrf_token"] = "not-the-token"
    before = row_counts(app)
    routes = list(post_routes(app))
    assert "/escalations/1/claim" in routes and "/escalations/bulk" in routes
    answers = {}
    for path in routes:
        for headers in ({}, FETCH):
            response = client.post(path, data=fields, headers=headers)
            signed_out = role == ANONYMOUS or path == "/logout"
            to_sign_in = response.status_code in (302, 401) and (
                response.status_code == 401 or "/login" in response.location)
            if not (400 <= response.status_code < 500 or (signed_out and to_sign_in)):
                answers[path, bool(headers)] = response.status_code
    assert answers == {}
    assert row_counts(app) == before


def test_an_icv_claiming_an_escalation_with_a_bad_token_is_forbidden(app, login_as, some_of_everything):
    """The examples from the bug report: an ICV posting to staff-only forms gets 403, not 500."""
    app.config["WTF_CSRF_ENABLED"] = True
    client = login_as("icv")
    assert client.post("/escalations/1/claim", data={}).status_code == 403
    assert client.post("/escalations/bulk", data={}).status_code == 403


def test_a_bad_token_on_a_draft_with_another_address_is_a_400(app, login_as):
    app.config["WTF_CSRF_ENABLED"] = True
    response = login_as("icv").post(f"/visits/drafts/{uuid.uuid4()}",
                                    data={"client_id": "x", "action": "save"})
    assert response.status_code == 400
    assert "does not match its address" in response.text


# A busy database: 503, Retry-After, nothing lost -------------------------------------------

@pytest.fixture
def lock(app):
    """lock() holds the database's write lock from another connection (BEGIN IMMEDIATE), as a
    long write elsewhere would; the app waits only 50 ms for it."""
    app.config["DATABASE_BUSY_TIMEOUT_MS"] = 50

    @contextmanager
    def hold():
        other = sqlite3.connect(app.config["DATABASE"], isolation_level=None)
        other.execute("BEGIN IMMEDIATE")
        try:
            yield
        finally:
            other.execute("ROLLBACK")
            other.close()
    return hold


def test_the_busy_timeout_is_a_setting(app):
    """5 seconds unless DATABASE_BUSY_TIMEOUT_MS says otherwise; each request's connection uses it."""
    assert app.config["DATABASE_BUSY_TIMEOUT_MS"] == 5000
    app.config["DATABASE_BUSY_TIMEOUT_MS"] = 50
    with app.app_context():
        assert get_db().execute("PRAGMA busy_timeout").fetchone()[0] == 50


def assert_busy(response):
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "5"


def retry_form(page):
    """(address, {field: value}) of the busy page's "Try again" form."""
    form = re.search(r'<form method="post" action="([^"]*)">(.*?)</form>', page, re.S)
    return form.group(1), form_values(form.group(2))


def try_again(client, page):
    """Press "Try again" on the busy page."""
    address, fields = retry_form(page)
    return client.post(address, data=fields)


def test_a_report_submitted_while_the_database_is_busy_is_kept_and_goes_through_on_retry(
        login_as, report_form, db, lock):
    """A submit that cannot get the database: 503 saying nothing was saved, every typed field
    in the page's "Try again" form (same address, same token), no draft or report written;
    once the other writer is done, "Try again" submits it."""
    client = login_as("icv")
    data = report_form(csrf_token="the-pages-token", good_practice="Clean cells, kind staff.")
    with lock():
        response = client.post(draft_url(data), data=data)
    assert_busy(response)
    assert "nothing was saved" in response.text
    assert_kept(response, data)
    assert retry_form(response.text) == (draft_url(data), data)  # every field, the same token
    assert db["drafts"].count == 0 and db["visits"].count == 0

    again = try_again(client, response.text)
    assert again.status_code == 302 and "/visits/" in again.location
    assert db["visits"].count == 1
    twice = try_again(client, response.text)  # "Try again" pressed once more: still one report
    assert twice.status_code == 302 and twice.location == again.location
    assert db["visits"].count == 1


def test_an_autosave_while_the_database_is_busy_gets_json_to_retry(login_as, report_form, db, lock):
    """The page's own autosave gets JSON it can act on, with the seconds to wait."""
    client = login_as("icv")
    data = report_form(action="save")
    with lock():
        response = client.post(draft_url(data, "/autosave"), data=data, headers=FETCH)
    assert_busy(response)
    assert response.json == {"error": "busy", "message": response.json["message"], "retry_after": 5}
    assert "nothing was saved" in response.json["message"]
    assert db["drafts"].count == 0
    assert client.post(draft_url(data, "/autosave"), data=data, headers=FETCH).status_code == 200
    assert db["drafts"].count == 1


def test_a_queue_action_while_the_database_is_busy_changes_nothing_until_retried(
        login_as, db, make_user, make_visit, lock):
    """Claiming an escalation while another writer holds the database: 503 with the claim
    form kept; the escalation is as it was; "Try again" claims it."""
    make_visit(make_user("icv"), entries=[finding_entry(flags=SS2)])
    escalation = next(db["escalations"].rows_where(order_by="id"))
    staff = login_as("custody_team")
    events = db["escalation_events"].count
    with lock():
        response = staff.post(f"/escalations/{escalation['id']}/claim",
                              data={"claim-version": str(escalation["version"])})
    assert_busy(response)
    assert retry_form(response.text)[1] == {"claim-version": str(escalation["version"])}
    assert db["escalations"].get(escalation["id"]) == escalation
    assert db["escalation_events"].count == events

    again = try_again(staff, response.text)
    assert again.status_code == 302
    assert db["escalations"].get(escalation["id"])["assigned_to"] == staff.user.id
    assert db["escalation_events"].count == events + 1  # claimed once
    claimed = db["escalations"].get(escalation["id"])
    try_again(staff, response.text)  # pressed once more: the page's version is stale now
    assert db["escalations"].get(escalation["id"]) == claimed
    assert db["escalation_events"].count == events + 1


def test_a_lock_in_the_middle_of_a_submit_leaves_no_part_of_it(login_as, report_form, db,
                                                               monkeypatch):
    """The database locked after the report's first rows were written: all of it rolls back
    (no visit, no entries, no escalations), the answer is the busy page with the typing."""
    def locked(*args, **kwargs):
        raise sqlite3.OperationalError("database is locked")
    monkeypatch.setattr(store, "add_version", locked)
    data = report_form()  # visited alone: an escalation is raised before the version is written
    response = login_as("icv").post(draft_url(data), data=data)
    assert_busy(response)
    assert_kept(response, data)
    for table in ("visits", "detainee_entries", "facility_checks", "escalations", "visit_versions"):
        assert db[table].count == 0, table


def test_a_report_and_the_end_of_its_draft_are_saved_together(login_as, report_form, db,
                                                              monkeypatch):
    """A lock as the draft is deleted, after the report was written: neither happens, so a
    retry submits it once and no stray draft is left behind."""
    client, data = login_as("icv"), report_form(action="save")
    client.post(draft_url(data), data=data)
    real_delete = drafts.delete

    def locked(*args, **kwargs):
        raise sqlite3.OperationalError("database is locked")
    monkeypatch.setattr(drafts, "delete", locked)
    response = client.post(draft_url(data), data={**data, "action": "submit"})
    assert_busy(response)
    assert db["visits"].count == 0 and db["drafts"].count == 1
    monkeypatch.setattr(drafts, "delete", real_delete)
    assert client.post(draft_url(data), data={**data, "action": "submit"}).status_code == 302
    assert db["visits"].count == 1 and db["drafts"].count == 0


def test_a_lock_while_loading_the_signed_in_user_is_a_503(login_as, monkeypatch):
    """Even before any view runs (the user is read for every request)."""
    client = login_as("coordinator")

    def locked(db, user_id):
        raise sqlite3.OperationalError("database is locked")
    monkeypatch.setattr(people, "get", locked)
    assert_busy(client.get("/summaries/"))
    assert_busy(client.post("/session/extend", headers=FETCH))


def test_a_report_posted_after_the_idle_sign_out_while_busy_is_kept(login_as, report_form, db,
                                                                     lock):
    """The idle sign-out keeps a posted report as a draft: when the database is busy then,
    the busy page keeps it instead, and "Try again" saves it and asks to sign in."""
    client = login_as("icv")
    with client.session_transaction() as session:
        session["seen"] = 0  # last seen long ago
    data = report_form(action="save")
    with lock():
        response = client.post(draft_url(data), data=data)
    assert_busy(response)
    assert_kept(response, data)
    assert db["drafts"].count == 0

    again = try_again(client, response.text)
    assert again.status_code == 302 and "/login" in again.location
    assert db["drafts"].count == 1


def test_other_database_errors_are_not_called_busy(login_as, monkeypatch):
    """Only a lock is "busy, try again"; any other database fault is still a fault."""
    def broken(db, user_id):
        raise sqlite3.OperationalError("no such table: users")
    monkeypatch.setattr(people, "get", broken)
    with pytest.raises(sqlite3.OperationalError):  # TESTING: the 500 shows its cause
        login_as("coordinator").get("/summaries/")


# Request size -----------------------------------------------------------------------------

def biggest_report(character):
    """The largest legitimate report: every detainee entry and issue the form holds, every flag
    raised with every question answered, every text box full of `character`."""
    full = character * TEXT_LIMIT
    data = {
        **{name: full for name in ("admission_delay_reason", "single_visitor_reason",
                                   "good_practice", "general_comments", "correction_reason")},
        **{f"facilities-{item}_note": character * 500 for item, _ in q.FACILITY_ITEMS},
        "custody_officer": character * 40, "action": "save",
    }
    for n in range(MAX_DETAINEES):
        answers = {f.kind: "yes" for f in FLAGS}
        for flag in FLAGS:
            for question in flag.questions:
                answers[f"{flag.kind}_answers-{question.name}"] = (
                    "1440" if question.minutes else max((c for c, _ in question.choices), key=len))
        answers.update({f"checks-{x.name}": max((c for c, _ in x.choices), key=len) for x in q.CHECKS})
        data.update(detainee_fields(n, custody_record_no="01BX/1234567890/2026", **answers))
    for n in range(MAX_ISSUES):
        data.update(issue_fields(n, description=full, raised_with=character * 100))
    return data


@pytest.mark.parametrize("character", ["a", "€", "\N{GRINNING FACE}"])
def test_the_largest_legitimate_report_fits_under_the_request_cap(app, login_as, report_form,
                                                                  character):
    """A report at every limit, even typed all in 4-byte characters, is taken (not a 413)."""
    data = report_form(**biggest_report(character))
    assert len(urlencode(data).encode()) < app.config["MAX_CONTENT_LENGTH"] / 2
    response = login_as("icv").post(draft_url(data), data=data)
    assert response.status_code == 302


def test_a_post_over_the_cap_is_a_plain_413(app, login_as, report_form, db):
    data = report_form(general_comments="x" * app.config["MAX_CONTENT_LENGTH"])
    client = login_as("icv")
    response = client.post(draft_url(data), data=data)
    assert response.status_code == 413
    assert "too much to send at once" in response.text and "Nothing was saved" in response.text
    assert db["drafts"].count == 0


def test_an_autosave_over_the_cap_gets_json(app, login_as, report_form, db):
    data = report_form(general_comments="x" * app.config["MAX_CONTENT_LENGTH"])
    response = login_as("icv").post(draft_url(data, "/autosave"), data=data, headers=FETCH)
    assert response.status_code == 413
    assert response.json["error"] == "too_large" and "Nothing was saved" in response.json["message"]
    assert db["drafts"].count == 0


def test_the_pages_own_calls_get_a_code_for_an_expired_token(app, login_as):
    """app.js asks for a fresh token on "expired"; a person's post gets the plain page."""
    app.config["WTF_CSRF_ENABLED"] = True
    client = login_as("icv")
    response = client.post("/session/extend", data={"csrf_token": "stale"}, headers=FETCH)
    assert response.status_code == 400 and response.json["error"] == "expired"
    page = client.post("/session/extend", data={"csrf_token": "stale"})
    assert page.status_code == 400 and "This page had expired" in page.text


# JSON bodies (found by tests/test_fuzz.py): Flask-WTF fills a form from a JSON body, and one
# that is not an object raised a TypeError or ValueError in the form: a 500 ------------------------

@pytest.mark.parametrize("body", ["true", '["a"]', '{"email": "a@example.org"}', "not json"])
def test_a_json_body_is_refused_plainly_and_changes_nothing(app, client, login_as, report_form,
                                                             body):
    """No page posts JSON: a JSON body (of any shape, even broken) is a plain 415, JSON for the
    page's own calls, and nothing is written."""
    data, icv = report_form(), login_as("icv")
    before = row_counts(app)
    response = client.post("/login", data=body, content_type="application/json")
    assert response.status_code == 415 and "That was not sent as a form" in response.text
    response = icv.post(draft_url(data, "/autosave"), data=body,
                                    content_type="application/json", headers=FETCH)
    assert response.status_code == 415 and response.json["error"] == "unsupported"
    assert row_counts(app) == before
