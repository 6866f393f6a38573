"""Running the rules again on a finding (a corrected report): escalations.sync adds new ones,
updates changed ones with a history line, and never deletes one. Untouched ones the correction
no longer raises are closed saying why; ones someone is working on stay open, marked."""
import pytest

from conftest import finding_entry
from icv import escalations
from icv.escalations import workflow
from icv.rules import Escalation
from icv.times import now_iso

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
        escalations.sync(db, found, suite_id=suite_id, raised_by=author.id, now=now_iso(),
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
        ("no_further_action", 0, escalations.CLOSED_BY_CORRECTION)
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
