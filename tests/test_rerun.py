"""Running the rules again on a finding (a corrected report): escalations.sync adds new ones,
updates changed ones with a history line, and never deletes one. Untouched ones the correction
no longer raises are closed saying why; ones someone is working on stay open, marked."""
import pytest

from conftest import finding_entry
from icv.escalations import queries, workflow
from icv.escalations import sync as escalation_sync
from icv.rules import Escalation
from icv.summaries import visit_figures
from icv.summaries.periods import Area, Period
from icv.times import london, london_today, month_bounds, now_iso

SS2 = Escalation("SS2", "Strip search by an officer not of the same sex", "critical", "critical")
UF3 = Escalation("UF3", "Handcuffs left on in a cell", "high", "high")
UF3_CHILD = Escalation("UF3", "Handcuffs left on in a cell", "critical", "high",
                       ("A child: one level higher.",))


@pytest.fixture
def finding(db, make_user, make_visit):
    """(sync(found), rows()) for one detainee entry of a submitted visit."""
    author = make_user("icv")
    visit_id = make_visit(author, entries=[finding_entry()], partner_id=make_user("icv").id)
    entry_id = next(db["detainee_entries"].rows_where("visit_id = ?", [visit_id]))["id"]
    suite_id = next(db["visits"].rows_where("id = ?", [visit_id]))["suite_id"]

    def sync(found):
        escalation_sync.sync(db, found, suite_id=suite_id, raised_by=author.id, now=now_iso(),
                         visit_id=visit_id, detainee_entry_id=entry_id)

    def rows():
        return {r["rule_id"]: r for r in db["escalations"].rows_where(
            "detainee_entry_id = ?", [entry_id])}
    return sync, rows


def history(db, escalation_id):
    return [(e["kind"], e["from_value"], e["to_value"], e["body"]) for e in db.query(
        "SELECT * FROM escalation_events WHERE escalation_id = ? ORDER BY id", [escalation_id])]


def test_a_new_finding_opens_an_escalation_with_a_raised_line(db, finding):
    sync, rows = finding
    sync([SS2])
    row = rows()["SS2"]
    assert (row["status"], row["priority"], row["still_raised"], row["source"]) == \
        ("new", "critical", 1, "detainee")
    assert row["due_on"] is not None  # critical: due the same working day
    assert history(db, row["id"])[0][:3] == ("raised", None, "critical")


def test_running_again_with_the_same_finding_changes_nothing(db, finding):
    sync, rows = finding
    sync([SS2])
    before = rows()["SS2"]
    sync([SS2])
    assert rows()["SS2"] == before
    assert len(history(db, before["id"])) == 1


def test_a_changed_priority_is_updated_with_its_history_and_due_date(db, finding):
    sync, rows = finding
    sync([UF3])
    before = rows()["UF3"]
    sync([UF3_CHILD])
    after = rows()["UF3"]
    assert (after["priority"], after["base_priority"], after["version"]) == \
        ("critical", "high", before["version"] + 1)
    assert after["due_on"] <= before["due_on"]
    kind, old, new, body = history(db, after["id"])[-1]
    assert (kind, old, new) == ("priority", "high", "critical")
    assert "A child: one level higher." in body


def test_an_untouched_escalation_no_longer_raised_is_closed_saying_why(db, finding):
    sync, rows = finding
    sync([SS2, UF3])
    sync([UF3])
    gone = rows()["SS2"]  # kept, not deleted
    assert (gone["status"], gone["still_raised"], gone["closed_reason"]) == \
        ("no_further_action", 0, escalation_sync.CLOSED_BY_CORRECTION)
    assert gone["closed_at"] is not None
    assert history(db, gone["id"])[-1][:3] == ("status", "new", "no_further_action")
    assert rows()["UF3"]["status"] == "new"


def test_one_someone_is_working_on_stays_open_and_is_marked(db, finding, make_user):
    sync, rows = finding
    sync([SS2])
    row = rows()["SS2"]
    worker = make_user("custody_team")
    workflow.claim(db, row["id"], row["version"], worker.id)
    sync([])
    kept = rows()["SS2"]
    assert (kept["status"], kept["assigned_to"], kept["still_raised"], kept["closed_at"]) == \
        ("new", worker.id, 0, None)
    assert "stays open for whoever is working on it" in history(db, kept["id"])[-1][3]


def test_a_system_change_makes_an_edit_started_before_it_stale(db, finding, make_user):
    """The re-run moves the version on, so a note typed against the old page is refused."""
    sync, rows = finding
    sync([UF3])
    seen = rows()["UF3"]["version"]
    sync([UF3_CHILD])
    with pytest.raises(workflow.Stale):
        workflow.add_note(db, rows()["UF3"]["id"], seen, make_user("custody_team").id, "Called.")


def test_raised_again_after_a_correction_took_it_away(db, finding, make_user):
    sync, rows = finding
    sync([SS2])
    row = rows()["SS2"]
    workflow.claim(db, row["id"], row["version"], make_user("custody_team").id)
    sync([])
    sync([SS2])
    again = rows()["SS2"]
    assert again["still_raised"] == 1
    assert history(db, again["id"])[-1][3] == "Raised again by the corrected report."


def test_one_closed_by_a_correction_is_reopened_when_raised_again(db, finding):
    """Corrected away, then corrected back: the critical finding is in the queue again, due
    from now, not left closed for good."""
    sync, rows = finding
    sync([SS2])
    sync([])
    assert rows()["SS2"]["status"] == "no_further_action"
    sync([SS2])
    back = rows()["SS2"]
    assert (back["status"], back["closed_at"], back["closed_reason"], back["still_raised"]) == \
        ("new", None, "", 1)
    assert back["due_on"] is not None
    assert history(db, back["id"])[-1][:3] == ("status", "no_further_action", "new")


def test_one_closed_by_a_person_stays_closed_when_raised_again(db, finding, make_user):
    sync, rows = finding
    sync([SS2])
    row = rows()["SS2"]
    worker = make_user("custody_team").id
    workflow.set_status(db, row["id"], row["version"], worker, "resolved", "Police apologised.")
    sync([SS2])
    assert rows()["SS2"]["status"] == "resolved"


def test_a_note_is_work_so_the_correction_does_not_close_it(db, finding, make_user):
    """Nobody claimed it, but someone wrote a note: it stays open, marked no longer raised."""
    sync, rows = finding
    sync([SS2])
    row = rows()["SS2"]
    workflow.add_note(db, row["id"], row["version"], make_user("custody_team").id,
                      "Rang the inspector.")
    sync([])
    kept = rows()["SS2"]
    assert (kept["status"], kept["closed_at"], kept["still_raised"]) == ("new", None, 0)


def test_a_correction_that_changes_the_suite_moves_the_escalation(db, finding, make_suite):
    sync, rows = finding
    sync([SS2])
    other = make_suite()
    escalation_sync.sync(db, [SS2], suite_id=other, raised_by=rows()["SS2"]["raised_by"], now=now_iso(),
                     visit_id=rows()["SS2"]["visit_id"],
                     detainee_entry_id=rows()["SS2"]["detainee_entry_id"])
    assert rows()["SS2"]["suite_id"] == other


def test_findings_a_correction_withdrew_are_not_counted(db, finding):
    """The month's summary, the Rules page and the repeat modifier count only what reports
    still say (removed entries and their flags: tests/test_visit_figures.py)."""
    sync, rows = finding
    sync([SS2, UF3])
    sync([UF3])
    today = london_today()
    start, end = month_bounds(today.year, today.month)
    assert set(queries.raised_by_rule(db, start, end)) == {"UF3"}
    row = rows()["UF3"]
    assert escalation_sync.repeat_counts(db, row["suite_id"], now_iso(), 90) == {"UF3": 1}
    # The summary's figures come from what the report says (its entries and their flags), not
    # from escalations: the withdrawn SS2 is no strip search there.
    arrived = next(db["visits"].rows_where("id = ?", [row["visit_id"]]))["arrived_at"]
    month = Period.month_of(london(arrived).date())
    figures = {key: value for key, _, value in
               visit_figures.headline(db, Area("london", None, "London", None), month)}
    assert (figures["detainees_seen"], figures["strip_searches"], figures["uses_of_force"]) == \
        (1, 0, 0)
