"""Working an escalation: every transition allowed and refused, claim (two at once: one wins),
optimistic locking (a stale edit is refused and the other change shown), assign, police
response, outcome, notes, bulk assign and close, the history and audit trail, and what the
visitor who raised it sees (the outcome, never the internal notes)."""
import json
import re
import threading
from datetime import timedelta

import pytest

from conftest import error_messages, finding_entry, form_value, notices, page_text
from icv.escalations import sync
from icv.escalations.workflow import TRANSITIONS
from icv.rules import Escalation
from icv.times import to_iso, utcnow
from test_escalations import SS2, UF3

STATUSES = list(TRANSITIONS)
CLOSED = ("resolved", "no_further_action")


@pytest.fixture
def author(make_user):
    return make_user("icv")


@pytest.fixture
def partner(make_user):
    return make_user("icv")


@pytest.fixture
def raise_one(db, author, partner, make_visit):
    """raise_one(flags=SS2, **visit) -> id of the one escalation of a new visit (made in a
    pair, so only the entry's rule is raised)."""
    def make(flags=SS2, **overrides):
        visit_id = make_visit(author, entries=[finding_entry(flags=flags)], partner_id=partner.id,
                              **overrides)
        rows = list(db["escalations"].rows_where("visit_id = ?", [visit_id]))
        assert len(rows) == 1
        return rows[0]["id"]
    return make


@pytest.fixture
def escalation(raise_one):
    return raise_one()


def row(db, escalation_id):
    return db["escalations"].get(escalation_id)


def events(db, escalation_id, kind=None):
    sql = "escalation_id = ?" + (" AND kind = ?" if kind else "")
    return list(db["escalation_events"].rows_where(sql, [escalation_id, *([kind] if kind else [])],
                                                   order_by="id"))


def put_in(db, escalation_id, status):
    """Move an escalation straight to `status` in the database (arranging a test)."""
    closed = to_iso(utcnow()) if status in CLOSED else None
    db.execute("UPDATE escalations SET status = ?, closed_at = ?, version = version + 1 WHERE id = ?",
               [status, closed, escalation_id])


def post(client, db, escalation_id, action, version=None, **fields):
    """POST one of the escalation page's forms (each has its own prefix) at the current version."""
    prefix = {"police-response": "police_response", "notes": "note"}.get(action, action)
    version = row(db, escalation_id)["version"] if version is None else version
    data = {f"{prefix}-version": version, **{f"{prefix}-{k}": v for k, v in fields.items()}}
    return client.post(f"/escalations/{escalation_id}/{action}", data=data)


# Transitions -------------------------------------------------------------------------------------

ALLOWED = [(a, b) for a in STATUSES for b in TRANSITIONS[a]]
REFUSED = [(a, b) for a in STATUSES for b in STATUSES if b not in TRANSITIONS[a]]


@pytest.mark.parametrize("old, new", ALLOWED, ids=[f"{a}->{b}" for a, b in ALLOWED])
def test_every_allowed_transition_is_made_and_recorded(login_as, db, escalation, old, new):
    """Each allowed move changes the status (closing sets closed_at and the reason, reopening
    clears them) and appends a history line and an audit entry: who, when, from, to."""
    put_in(db, escalation, old)
    staff = login_as("custody_team")
    before = row(db, escalation)
    response = post(staff, db, escalation, "status", status=new, reason="Checked with the inspector.")
    assert response.status_code == 302, error_messages(response)
    after = row(db, escalation)
    assert after["status"] == new
    assert after["version"] == before["version"] + 1
    assert (after["closed_at"] is not None) == (new in CLOSED)
    assert after["closed_reason"] == ("Checked with the inspector." if new in CLOSED else "")
    last = events(db, escalation, "status")[-1]
    assert (last["user_id"], last["from_value"], last["to_value"]) == (staff.user.id, old, new)
    audit = list(db.query("SELECT * FROM audit_log WHERE object_type = 'escalation' AND "
                          "object_id = ? AND action = 'update'", [escalation]))[-1]
    assert audit["user_id"] == staff.user.id
    assert json.loads(audit["detail"]) == {"kind": "status", "from_value": old, "to_value": new}


@pytest.mark.parametrize("old, new", REFUSED, ids=[f"{a}->{b}" for a, b in REFUSED])
def test_every_other_transition_is_refused_with_a_message(login_as, db, escalation, old, new):
    """A move the table does not allow (sent by hand: the page never offers it) is a 409 with
    a message saying where it can go; nothing changes."""
    put_in(db, escalation, old)
    before = row(db, escalation)
    response = post(login_as("custody_team"), db, escalation, "status", status=new, reason="Because.")
    assert response.status_code == 409
    assert any("cannot move to" in m for m in error_messages(response)), error_messages(response)
    assert row(db, escalation) == before


def test_the_page_offers_only_the_allowed_statuses(login_as, db, escalation):
    """New may go to triaged, resolved or no further action: those radios and no others."""
    page = login_as("custody_team").get(f"/escalations/{escalation}").text
    offered = re.findall(r'name="status-status" type="radio" value="(\w+)"', page)
    assert offered == ["triaged", "resolved", "no_further_action"]


@pytest.mark.parametrize("new, message", [("resolved", "Enter how it was resolved"),
                                          ("no_further_action", "Enter why no further action is needed")])
def test_closing_needs_a_reason(login_as, db, escalation, new, message):
    response = post(login_as("custody_team"), db, escalation, "status", status=new, reason="  ")
    assert response.status_code == 400
    assert message in error_messages(response)
    assert row(db, escalation)["status"] == "new"


def test_reopening_needs_a_reason_and_clears_the_closing(login_as, db, escalation):
    staff = login_as("custody_team")
    post(staff, db, escalation, "status", status="resolved", reason="Done.")
    assert post(staff, db, escalation, "status", status="triaged").status_code == 400
    assert post(staff, db, escalation, "status", status="triaged",
                reason="The police sent more.").status_code == 302
    assert (row(db, escalation)["closed_at"], row(db, escalation)["closed_reason"]) == (None, "")


def test_an_unknown_status_is_a_400(login_as, db, escalation):
    response = post(login_as("custody_team"), db, escalation, "status", status="lost")
    assert response.status_code == 400
    assert "Choose the new status" in error_messages(response)


# Claim, and two people at once -----------------------------------------------------------------------

def test_claim_assigns_to_me(login_as, db, escalation):
    staff = login_as("custody_team")
    response = post(staff, db, escalation, "claim")
    assert response.status_code == 302
    assert row(db, escalation)["assigned_to"] == staff.user.id
    claimed = events(db, escalation, "assigned")[-1]
    assert (claimed["user_id"], claimed["from_value"], claimed["to_value"]) == (
        staff.user.id, None, str(staff.user.id))
    page = staff.get(response.location)
    assert notices(page) == ["You have claimed this escalation."]
    assert "This escalation is assigned to you." in page.text


def test_two_claims_from_the_same_page_one_wins_the_other_is_told(login_as, db, escalation):
    """Both opened the page at the same version: the first claim wins; the second is a 409
    naming who has it, and the escalation stays with the first."""
    first, second = login_as("custody_team"), login_as("coordinator")
    version = row(db, escalation)["version"]
    assert post(first, db, escalation, "claim", version=version).status_code == 302
    response = post(second, db, escalation, "claim", version=version)
    assert response.status_code == 409
    assert error_messages(response) == [
        f"{first.user.display_name} claimed this escalation first. It was not assigned to you."]
    assert row(db, escalation)["assigned_to"] == first.user.id
    assert len(events(db, escalation, "assigned")) == 1


def test_two_claims_at_the_same_moment_one_wins(app, login_as, db, escalation):
    """Two clients post at once from two threads: BEGIN IMMEDIATE and the version check let
    exactly one through; the other is refused, never a 500 or a lost update."""
    clients = [login_as("custody_team"), login_as("custody_team")]
    version = row(db, escalation)["version"]
    start, results = threading.Barrier(2), {}

    def claim(client):
        start.wait()
        results[client.user.id] = post(client, db, escalation, "claim", version=version).status_code

    threads = [threading.Thread(target=claim, args=(c,)) for c in clients]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert sorted(results.values()) == [302, 409]
    winner = next(user for user, code in results.items() if code == 302)
    assert row(db, escalation)["assigned_to"] == winner
    assert row(db, escalation)["version"] == version + 1


def test_claiming_one_someone_has_is_refused(login_as, db, escalation):
    first = login_as("custody_team")
    post(first, db, escalation, "claim")
    response = post(login_as("admin"), db, escalation, "claim")  # at the current version
    assert response.status_code == 409
    assert f"{first.user.display_name} already has this escalation" in error_messages(response)[0]


# Optimistic locking ---------------------------------------------------------------------------------

def test_a_stale_edit_is_refused_and_the_other_change_is_shown(login_as, db, escalation):
    """A opens the page; B records the police response; A's status change, sent from the page
    as A saw it, is refused (409): nothing saved, B's change shown, A's reason kept, and the
    form now carries the current version so sending again works."""
    a, b = login_as("custody_team"), login_as("coordinator")
    page = a.get(f"/escalations/{escalation}").text
    version, seen = form_value(page, "status-version"), form_value(page, "status-seen")
    assert post(b, db, escalation, "police-response",
                police_response="The duty inspector will review the footage.").status_code == 302
    response = a.post(f"/escalations/{escalation}/status", data={
        "status-version": version, "status-seen": seen, "status-status": "triaged",
        "status-reason": "Looks serious."})
    assert response.status_code == 409
    [message] = error_messages(response)
    assert message.startswith(f"{b.user.display_name} changed this escalation at ")
    assert "Nothing you sent was saved." in message
    text = page_text(response)
    changes = text[text.index("Changed since you opened this page"):text.index("<h1>")]
    assert "Police response recorded." in changes and b.user.display_name in changes
    assert "The duty inspector will review the footage." in changes
    assert row(db, escalation)["status"] == "new"
    assert form_value(response.text, "status-reason") == "Looks serious."
    assert form_value(response.text, "status-version") == str(row(db, escalation)["version"])
    again = a.post(f"/escalations/{escalation}/status", data={
        "status-version": form_value(response.text, "status-version"),
        "status-seen": form_value(response.text, "status-seen"), "status-status": "triaged",
        "status-reason": "Looks serious."})
    assert again.status_code == 302
    assert row(db, escalation)["status"] == "triaged"


@pytest.mark.parametrize("action, fields", [
    ("claim", {}), ("assign", {"assigned_to": "none"}), ("status", {"status": "triaged"}),
    ("police-response", {"police_response": "Noted."}), ("outcome", {"outcome_note": "Done."}),
    ("notes", {"body": "A note."})])
def test_every_edit_checks_the_version(login_as, db, escalation, action, fields):
    """Every form, a note included, is refused at an old version; nothing is written."""
    staff = login_as("custody_team")
    version = row(db, escalation)["version"]
    post(staff, db, escalation, "claim")
    if action == "claim":
        staff = login_as("admin")
    before, history = row(db, escalation), events(db, escalation)
    response = post(staff, db, escalation, action, version=version, **fields)
    assert response.status_code == 409
    assert row(db, escalation) == before
    assert events(db, escalation) == history


def test_a_change_by_the_rules_makes_an_open_page_stale(login_as, db, escalation):
    """A corrected report changing the priority (escalations.bump) moves the version on too."""
    staff = login_as("custody_team")
    version = row(db, escalation)["version"]
    sync.bump(db, escalation, {"priority": "critical"}, to_iso(utcnow()))
    assert post(staff, db, escalation, "notes", version=version, body="Hm.").status_code == 409


@pytest.mark.parametrize("version", ["", "abc", "-1", "99999999999999999999"])
def test_a_missing_or_bad_version_is_a_400(login_as, db, escalation, version):
    response = login_as("custody_team").post(f"/escalations/{escalation}/claim",
                                             data={"claim-version": version})
    assert response.status_code == 400
    assert "This form is missing its version. Reload the page and try again." in error_messages(response)


@pytest.mark.parametrize("method, path", [
    ("GET", ""), ("POST", "/claim"), ("POST", "/assign"), ("POST", "/status"),
    ("POST", "/police-response"), ("POST", "/outcome"), ("POST", "/notes")])
def test_an_unknown_escalation_is_a_404_with_a_message(login_as, method, path):
    response = login_as("custody_team").open(f"/escalations/999999{path}", method=method,
                                             data={"claim-version": "1"})
    assert response.status_code == 404
    assert "There is no escalation number 999999." in response.text


# Assign, police response, outcome and notes ----------------------------------------------------------

def test_assign_to_staff_and_back_to_nobody(login_as, make_user, db, escalation):
    staff, colleague = login_as("custody_team"), make_user("coordinator")
    assert post(staff, db, escalation, "assign", assigned_to=str(colleague.id)).status_code == 302
    assert row(db, escalation)["assigned_to"] == colleague.id
    page = page_text(staff.get(f"/escalations/{escalation}"))
    assert f"Assigned to {colleague.display_name}." in page
    assert post(staff, db, escalation, "assign", assigned_to="none").status_code == 302
    assert row(db, escalation)["assigned_to"] is None
    assert [(e["from_value"], e["to_value"]) for e in events(db, escalation, "assigned")] == [
        (None, str(colleague.id)), (str(colleague.id), None)]


def test_assigning_to_a_visitor_is_refused(login_as, make_user, db, escalation):
    response = post(login_as("custody_team"), db, escalation, "assign",
                    assigned_to=str(make_user("icv").id))
    assert response.status_code == 400
    assert "Choose who to assign it to" in error_messages(response)
    assert row(db, escalation)["assigned_to"] is None


def test_police_response_outcome_and_note_are_kept_with_their_history(login_as, db, escalation):
    staff = login_as("custody_team")
    post(staff, db, escalation, "police-response", police_response="The sergeant was spoken to.")
    post(staff, db, escalation, "outcome", outcome_note="The suite retrained its staff.")
    post(staff, db, escalation, "notes", body="Chase on Friday.")
    e = row(db, escalation)
    assert (e["police_response"], e["outcome_note"]) == ("The sergeant was spoken to.",
                                                          "The suite retrained its staff.")
    kinds = [(ev["kind"], ev["internal"], ev["user_id"]) for ev in events(db, escalation)[1:]]
    assert kinds == [("police_response", 1, staff.user.id), ("outcome", 0, staff.user.id),
                     ("note", 1, staff.user.id)]
    page = page_text(staff.get(f"/escalations/{escalation}"))
    history = page[page.index('id="history"'):]
    for text in ("Chase on Friday.", "The suite retrained its staff.", "The sergeant was spoken to."):
        assert text in history
    assert history.count("Shown to the visitor") == 1


def test_an_empty_note_is_refused(login_as, db, escalation):
    response = post(login_as("custody_team"), db, escalation, "notes", body=" ")
    assert response.status_code == 400
    assert error_messages(response) == ["Enter the note"]


# The page --------------------------------------------------------------------------------------------

def test_the_page_shows_the_finding_in_context_and_logs_the_view(login_as, db, escalation, author):
    """The visit, the entry's flags and answers in words, the rule's rationale and the full
    history; each view goes in the audit log."""
    staff = login_as("custody_team")
    e = row(db, escalation)
    page = page_text(staff.get(f"/escalations/{escalation}"))
    assert "SS2: Strip search by an officer not of the same sex" in page
    assert author.display_name in page
    assert "Was the searching officer the same sex as the detainee?" in page
    assert "Code C Annex A para 11" in page  # the rationale
    assert f'href="/visits/{e["visit_id"]}#entry-{e["detainee_entry_id"]}"' in page
    assert "Raised by the rules as critical priority." in page
    views = list(db.query("SELECT * FROM audit_log WHERE action = 'view' AND object_id = ?",
                          [escalation]))
    assert [(v["user_id"], v["object_type"]) for v in views] == [(staff.user.id, "escalation")]


def test_a_child_shows_why_the_priority_was_raised(login_as, db, raise_one):
    escalation = raise_one(flags={**UF3, "child": {
        "aa_status": "present", "held_in": "juvenile_room", "sharing_with_adult": "no",
        "expected_overnight": "no"}})
    e = row(db, escalation)
    assert (e["base_priority"], e["priority"]) == ("high", "critical")
    page = page_text(login_as("custody_team").get(f"/escalations/{escalation}"))
    assert "Priority raised from high to critical:" in page
    assert "A child: one level higher." in page


def test_a_review_escalation_links_to_its_review(login_as, db, make_suite, make_user):
    from review_helpers import make_review  # review_id is a foreign key (m010): a real review

    suite, reviewer = make_suite(), make_user("icv")
    review_id = make_review(db, [reviewer.id], suite_id=suite)["id"]
    sync.sync(db, [Escalation("SS1", "Child strip searched without an appropriate adult",
                               "critical")], suite_id=suite, raised_by=reviewer.id,
               now=to_iso(utcnow()), review_id=review_id)
    escalation_id = next(db["escalations"].rows_where("review_id = ?", [review_id]))["id"]
    page = login_as("custody_team").get(f"/escalations/{escalation_id}").text
    assert f'href="/reviews/{review_id}"' in page
    queue = login_as("custody_team").get("/escalations/").text
    assert f'href="/reviews/{review_id}"' in queue


# Bulk ---------------------------------------------------------------------------------------------------

def ticks(db, *ids):
    return [f"{i}:{row(db, i)['version']}" for i in ids]


def test_bulk_assign_assigns_every_ticked_one(login_as, make_user, db, raise_one):
    staff, colleague = login_as("custody_team"), make_user("custody_team")
    ids = [raise_one() for _ in range(3)]
    response = staff.post("/escalations/bulk?view=unassigned&priority=critical", data={
        "selected": ticks(db, *ids[:2]), "action": "assign", "assigned_to": str(colleague.id)})
    assert response.status_code == 302
    assert response.location == "/escalations/?view=unassigned&priority=critical"
    assert [row(db, i)["assigned_to"] for i in ids] == [colleague.id, colleague.id, None]
    assert notices(staff.get(response.location)) == [
        f"Assigned 2 escalations to {colleague.display_name}."]


def test_bulk_close_needs_a_reason_and_closes_with_it(login_as, db, raise_one):
    staff = login_as("coordinator")
    ids = [raise_one() for _ in range(2)]
    data = {"selected": ticks(db, *ids), "action": "close", "close_as": "no_further_action"}
    response = staff.post("/escalations/bulk", data={**data, "reason": ""})
    assert response.status_code == 400
    assert error_messages(response) == ["Enter the reason for closing them"]
    response = staff.post("/escalations/bulk", data={**data, "reason": "Duplicates of 41."})
    assert response.status_code == 302
    for i in ids:
        e = row(db, i)
        assert (e["status"], e["closed_reason"]) == ("no_further_action", "Duplicates of 41.")
        assert events(db, i, "status")[-1]["user_id"] == staff.user.id


def test_bulk_with_a_stale_one_does_the_rest_and_names_the_other_change(login_as, make_user, db,
                                                                        raise_one):
    staff, other = login_as("custody_team"), login_as("admin")
    ids = [raise_one() for _ in range(3)]
    selected = ticks(db, *ids)
    post(other, db, ids[1], "claim")
    response = staff.post("/escalations/bulk", data={
        "selected": selected, "action": "close", "close_as": "resolved", "reason": "Sorted."})
    assert response.status_code == 409
    [message] = error_messages(response)
    assert message.startswith(f"Escalation {ids[1]} was changed after you loaded the page, so it "
                              "was left as it is.")
    assert f"{other.user.display_name} at " in message and message.endswith(": Claimed it.")
    assert [row(db, i)["status"] for i in ids] == ["resolved", "new", "resolved"]
    assert row(db, ids[1])["assigned_to"] == other.user.id
    assert notices(response) == ["Closed 2 escalations as resolved."]


@pytest.mark.parametrize("data, message", [
    ({"action": "assign", "assigned_to": ""}, "Select at least one escalation"),
    ({"action": "close", "close_as": "resolved", "reason": "x"}, "Select at least one escalation"),
    ({"action": "explode"}, "Choose an action for the selected escalations, then try again."),
    ({"action": "assign", "selected": "12;3"}, "Choose an action for the selected escalations, then try again."),
    ({"action": "assign", "selected": "99999999999999999999:1"},
     "Choose an action for the selected escalations, then try again."),
])
def test_bulk_without_a_selection_or_action_is_a_400(login_as, raise_one, data, message):
    raise_one()
    response = login_as("custody_team").post("/escalations/bulk", data=data)
    assert response.status_code == 400
    assert message in error_messages(response)


def test_bulk_with_an_unknown_id_leaves_the_rest_done(login_as, make_user, db, raise_one):
    escalation = raise_one()
    colleague = make_user("admin")
    response = login_as("custody_team").post("/escalations/bulk", data={
        "selected": ticks(db, escalation) + ["999999:1"], "action": "assign",
        "assigned_to": str(colleague.id)})
    assert response.status_code == 404
    assert error_messages(response) == ["Escalation 999999: There is no escalation number 999999."]
    assert row(db, escalation)["assigned_to"] == colleague.id


# What the visitor sees --------------------------------------------------------------------------------

@pytest.fixture
def worked(login_as, db, escalation):
    """The escalation resolved with a police response, an internal note and an outcome."""
    staff = login_as("custody_team")
    post(staff, db, escalation, "claim")
    post(staff, db, escalation, "police-response", police_response="PS 4411 given words of advice.")
    post(staff, db, escalation, "notes", body="INTERNAL: the borough commander is aware.")
    post(staff, db, escalation, "outcome", outcome_note="The police agreed the search broke Code C "
         "and have retrained the team.")
    post(staff, db, escalation, "status", status="resolved", reason="Police accepted the finding.")
    return escalation


@pytest.mark.parametrize("who", ["author", "partner"])
def test_the_visitor_sees_the_status_and_outcome_never_internal_notes(login_as, db, worked, who,
                                                                      author, partner):
    visitor = login_as(author if who == "author" else partner)
    visit_id = row(db, worked)["visit_id"]
    for path in ("/visits/", f"/visits/{visit_id}"):
        page = page_text(visitor.get(path))
        assert "The police agreed the search broke Code C and have retrained the team." in page
        assert "Resolved" in page
        for secret in ("INTERNAL", "borough commander", "PS 4411", "Police accepted the finding.",
                       f"/escalations/{worked}"):
            assert secret not in page, (path, secret)
    assert visitor.get(f"/escalations/{worked}").status_code == 403


def test_another_visitor_cannot_see_the_outcome(login_as, db, worked):
    other = login_as("icv")
    assert "retrained the team" not in page_text(other.get("/visits/"))
    assert other.get(f"/visits/{row(db, worked)['visit_id']}").status_code == 403
    assert other.get(f"/escalations/{worked}").status_code == 403


def test_the_history_holds_every_change_in_order(db, worked):
    kinds = [(e["kind"], e["from_value"], e["to_value"]) for e in events(db, worked)]
    assert [k for k, _, _ in kinds] == ["raised", "assigned", "police_response", "note", "outcome",
                                        "status"]
    assert kinds[-1][1:] == ("new", "resolved")
    stamps = [e["created_at"] for e in events(db, worked)]
    assert stamps == sorted(stamps)
    assert all(e["user_id"] for e in events(db, worked)[1:])
    updates = db.execute("SELECT count(*) FROM audit_log WHERE action = 'update' AND "
                         "object_id = ?", [worked]).fetchone()[0]
    assert updates == 5


def test_overdue_escalations_say_so_on_their_page(login_as, db, escalation):
    past = (utcnow() - timedelta(days=14)).date().isoformat()
    db["escalations"].update(escalation, {"due_on": past})
    page = page_text(login_as("custody_team").get(f"/escalations/{escalation}"))
    assert re.search(r"Overdue by \d+ working days", page)


def test_an_expired_page_keeps_the_note_typed(app, login_as, db, escalation):
    """A note sent from a page whose CSRF token has gone: 400, the page again with the note
    still in the box and a fresh token, nothing saved."""
    app.config["WTF_CSRF_ENABLED"] = True
    response = login_as("custody_team").post(f"/escalations/{escalation}/notes", data={
        "note-version": row(db, escalation)["version"], "note-body": "Phone the inspector."})
    assert response.status_code == 400
    assert any("This page had expired" in m for m in error_messages(response))
    assert form_value(response.text, "note-body") == "Phone the inspector."
    assert events(db, escalation, "note") == []


def test_a_history_mark_too_big_for_the_database_is_a_400(login_as, db, escalation):
    """The hidden 'newest history line seen' changed by hand: a message, never a crash."""
    version = row(db, escalation)["version"]
    response = login_as("custody_team").post(f"/escalations/{escalation}/claim", data={
        "claim-version": version, "claim-seen": "99999999999999999999"})
    assert response.status_code == 400
    assert "This form is not right. Reload the page and try again." in error_messages(response)
