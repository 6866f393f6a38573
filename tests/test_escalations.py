"""The custody team's queue: open escalations, most urgent and then oldest first (views,
filters and counts are in test_queue.py, the workflow in test_workflow.py)."""
import re
from datetime import timedelta

import pytest

from conftest import finding_entry
from icv.escalations import sync
from icv.rules import evaluate
from icv.times import to_iso, utcnow

SS2 = {"strip_search": {"context": "custody", "intimate_parts_exposed": "yes",
                        "aa_present": "not_needed", "searcher_same_sex": "no",
                        "reason_recorded": "yes", "source": "staff"}}
UF3 = {"use_of_force": {"phase": "in_cell", "spit_guard": "no", "limb_restraints": "no",
                        "handcuffed_in_cell": "yes", "detainee_injury": "none", "hcp_seen": "yes",
                        "allegation": "no", "recorded_on_custody_record": "yes",
                        "source": "staff"}}


def days_ago(n):
    return to_iso(utcnow() - timedelta(days=n))


@pytest.fixture
def flagged(db, make_user, make_visit):
    """flagged(flags, days) -> the escalation id of one flagged entry in a visit (made in a pair,
    so only the entry's rule is raised) submitted `days` ago."""
    author, partner = make_user("icv"), make_user("icv")

    def make(flags, days):
        visit_id = make_visit(author, entries=[finding_entry(flags=flags)], partner_id=partner.id,
                              submitted_at=days_ago(days), hours_ago=24 * days + 2)
        rows = list(db["escalations"].rows_where("visit_id = ?", [visit_id]))
        assert len(rows) == 1
        return rows[0]["id"]
    return make


def queue_links(page):
    """(visit id, anchor) of each queue item's link to the finding in its report, in page order
    (the title links to the escalation itself)."""
    return re.findall(r'<a class="finding-link" href="/visits/(\d+)#([\w-]+)"', page)


def queue_ids(page):
    """Escalation ids of the queue items, in page order (each title opens its escalation)."""
    ids = [int(n) for n in re.findall(r'<tr class="queue-item[\w -]*" id="item-(\d+)"', page)]
    titles = re.findall(r'<th scope="row" class="queue-title"><span class="tag tag-\w+">\w+</span> '
                        r'<span class="queue-rule">\w+</span> <a href="/escalations/(\d+)">', page)
    assert [str(i) for i in ids] == titles
    return ids


def test_queue_lists_highest_priority_then_oldest(login_as, flagged):
    """Critical before high; within a priority the oldest first, whatever order they came in."""
    high_oldest = flagged(UF3, days=5)
    critical_newer = flagged(SS2, days=1)
    critical_older = flagged(SS2, days=3)
    high_newer = flagged(UF3, days=2)
    page = login_as("custody_team").get("/escalations/").text
    assert queue_ids(page) == [critical_older, critical_newer, high_oldest, high_newer]


def test_each_item_links_to_the_finding_in_its_report(login_as, flagged, db):
    """An item links to /visits/<id>#entry-<entry id>: the detainee entry, with the
    escalation listed at its top."""
    escalation_id = flagged(SS2, days=1)
    escalation = db["escalations"].get(escalation_id)
    visit_id, entry_id = escalation["visit_id"], escalation["detainee_entry_id"]
    client = login_as("custody_team")
    page = client.get("/escalations/").text
    assert queue_links(page) == [(str(visit_id), f"entry-{entry_id}")]
    assert "Strip search by an officer not of the same sex" in page
    report = client.get(f"/visits/{visit_id}").text
    entry = report[report.index(f'id="entry-{entry_id}"'):]
    assert entry.index(f'id="escalation-{escalation_id}"') < entry.index("Age band")


def test_visit_level_escalation_links_to_its_report(login_as, make_user, make_visit, db):
    """A visit made alone (AC4) has no entry to point at: its item opens the report."""
    visit_id = make_visit(make_user("icv"))
    page = login_as("coordinator").get("/escalations/").text
    assert queue_links(page) == [(str(visit_id), "main-content")]
    assert "Visit made by a single visitor" in page


def test_queue_shows_the_open_counts(login_as, flagged):
    """The counts line gives the total and each priority."""
    flagged(SS2, days=1)
    flagged(SS2, days=2)
    flagged(UF3, days=3)
    page = login_as("admin").get("/escalations/").text
    assert re.search(r'<p class="counts">3 open:', page)
    for count, priority in [(2, "critical"), (1, "high"), (0, "medium"), (0, "low")]:
        assert f'<span class="tag tag-{priority}">{count} {priority}</span>' in page


def test_empty_queue_says_so(login_as):
    """No open escalations: a plain sentence, not an empty list."""
    page = login_as("custody_team").get("/escalations/").text
    assert "There are no open escalations." in page
    assert "0 open:" in page


def test_closed_escalations_are_not_listed(login_as, flagged, db):
    """Resolved or no-further-action escalations leave the queue and its counts."""
    still_open = flagged(SS2, days=3)
    resolved = flagged(SS2, days=2)
    no_action = flagged(UF3, days=1)
    now = to_iso(utcnow())
    db["escalations"].update(resolved, {"status": "resolved", "closed_at": now})
    db["escalations"].update(no_action, {"status": "no_further_action", "closed_at": now})
    page = login_as("custody_team").get("/escalations/").text
    assert queue_ids(page) == [still_open]
    assert "1 open:" in page


def test_queue_pages_through_with_the_configured_page_size(app, login_as, flagged):
    """With a page size of 2, five escalations take three pages, in queue order."""
    app.config["QUEUE_PAGE_SIZE"] = 2
    ids = [flagged(SS2, days=d) for d in (5, 4, 3, 2, 1)]
    client = login_as("custody_team")
    first = client.get("/escalations/").text
    assert queue_ids(first) == ids[:2]
    assert "Page 1 of 3" in first
    assert 'href="/escalations/?page=2" rel="next"' in first
    assert 'rel="prev"' not in first
    second = client.get("/escalations/?page=2").text
    assert queue_ids(second) == ids[2:4]
    assert 'href="/escalations/" rel="prev"' in second  # page 1 is the plain address
    third = client.get("/escalations/?page=3").text
    assert queue_ids(third) == ids[4:]
    assert 'rel="next"' not in third


def test_page_past_the_end_is_empty_not_an_error(app, login_as, flagged):
    """A page beyond the last (a bookmark after work was closed) says there is nothing there."""
    app.config["QUEUE_PAGE_SIZE"] = 2
    flagged(SS2, days=1)
    response = login_as("custody_team").get("/escalations/?page=4")
    assert response.status_code == 200
    assert "There are no open escalations on this page." in response.text


@pytest.mark.parametrize("page, message", [
    ("abc", "The page number must be a whole number, like 2."),
    ("1.5", "The page number must be a whole number, like 2."),
    ("0", "The page number must be between 1 and 100,000."),
    ("-3", "The page number must be between 1 and 100,000."),
    ("99999999999999999999", "The page number must be between 1 and 100,000."),
])
def test_bad_page_number_is_a_400_with_a_message(login_as, page, message):
    """A page number that is not a whole number from 1 gets 400 and says what is wrong."""
    response = login_as("custody_team").get(f"/escalations/?page={page}")
    assert response.status_code == 400
    assert message in response.text


def test_recording_the_same_finding_and_rule_again_does_not_duplicate(db, make_user, make_visit):
    """escalations.sync is safe to repeat: one escalation per finding and rule."""
    entry = finding_entry(flags=SS2)
    visit_id = make_visit(make_user("icv"), entries=[entry])
    entry_id = next(db["detainee_entries"].rows_where("visit_id = ?", [visit_id]))["id"]
    before = db["escalations"].count
    assert before == 2  # SS2 on the entry and AC4 on the visit
    now = to_iso(utcnow())
    suite_id, raised_by = db.execute("SELECT suite_id, created_by FROM visits WHERE id = ?",
                                     [visit_id]).fetchone()
    where = dict(suite_id=suite_id, raised_by=raised_by, now=now, visit_id=visit_id)
    sync.sync(db, evaluate(entry), detainee_entry_id=entry_id, **where)
    sync.sync(db, evaluate({"partner_id": None}, scope="visit"), **where)
    assert db["escalations"].count == before


def test_same_rule_on_two_entries_is_two_escalations(db, make_user, make_visit):
    """Two detainees strip searched the same way are two findings, each escalated."""
    visit_id = make_visit(make_user("icv"), entries=[finding_entry(flags=SS2),
                                                     finding_entry(flags=SS2)])
    ss2 = list(db["escalations"].rows_where("visit_id = ? AND rule_id = 'SS2'", [visit_id]))
    assert len(ss2) == 2
    assert len({e["detainee_entry_id"] for e in ss2}) == 2
