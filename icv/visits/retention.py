"""What a visit report keeps past its retention period (icv/retention.py calls these inside its
transaction): custody record numbers become REMOVED and free text is emptied, in the report and
every saved version; the coded answers stay, so past summaries keep their figures."""
import json

from ..times import now_iso
from .snapshot import REMOVED, fields_without, without_numbers, without_text

TEXT_COLUMNS = ("admission_delay_reason", "single_visitor_reason", "custody_officer", "good_practice",
                "general_comments")


def _due(db, marker, cutoff, keep):
    """Ids of reports that arrived before `cutoff` (UTC text) not yet done (`marker` is NULL),
    leaving out `keep` (reports with an escalation still open)."""
    return [r["id"] for r in db.query(
        f"SELECT id FROM visits WHERE arrived_at < ? AND {marker} IS NULL "
        "AND id NOT IN (SELECT value FROM json_each(?)) ORDER BY id", [cutoff, json.dumps(sorted(keep))])]


def remove_numbers_before(db, cutoff, keep=(), dry_run=False):
    """Anonymise the detainee entries of reports that arrived before `cutoff`: each custody record
    number becomes REMOVED, in the entries and in every saved version; the coded answers (age band,
    gender, ethnicity, consent, checks, flags) stay, so past summaries keep their figures.
    Returns how many reports were (or, with dry_run, would be) anonymised."""
    ids = _due(db, "numbers_removed_at", cutoff, keep)
    if dry_run or not ids:
        return len(ids)
    db.execute("UPDATE detainee_entries SET custody_record_no = ? WHERE visit_id IN "
               "(SELECT value FROM json_each(?))", [REMOVED, json.dumps(ids)])
    _rewrite_versions(db, ids, numbers=True)
    db.execute("UPDATE visits SET numbers_removed_at = ? WHERE id IN (SELECT value FROM json_each(?))",
               [now_iso(), json.dumps(ids)])
    return len(ids)


def remove_text_before(db, cutoff, keep=(), dry_run=False):
    """Empty the free text of reports that arrived before `cutoff` (the visit's reasons, custody
    officer and comments, facilities' notes, issues' descriptions and whom they were raised
    with), in every saved version too; counts, suite, times, statuses and categories stay.
    Returns how many reports were (or would be) changed."""
    ids = _due(db, "text_removed_at", cutoff, keep)
    if dry_run or not ids:
        return len(ids)
    marks = json.dumps(ids)
    emptied = ", ".join(f"{c} = ''" for c in TEXT_COLUMNS)
    db.execute(f"UPDATE visits SET {emptied}, text_removed_at = ? WHERE id IN (SELECT value FROM json_each(?))",
               [now_iso(), marks])
    db.execute("UPDATE facility_checks SET note = '' WHERE visit_id IN (SELECT value FROM json_each(?))", [marks])
    db.execute("UPDATE visit_issues SET description = '', raised_with = '' "
               "WHERE visit_id IN (SELECT value FROM json_each(?))", [marks])
    _rewrite_versions(db, ids, text=True)
    return len(ids)


def _rewrite_versions(db, visit_ids, numbers=False, text=False):
    """Remove numbers and/or free text from the saved versions of these reports."""
    scrub = without_numbers if numbers else without_text
    for row in list(db.query("SELECT id, fields, snapshot FROM visit_versions WHERE visit_id IN "
                             "(SELECT value FROM json_each(?))", [json.dumps(visit_ids)])):
        db.execute("UPDATE visit_versions SET fields = ?, snapshot = ? WHERE id = ?", [
            json.dumps(fields_without(json.loads(row["fields"]), numbers=numbers, text=text)),
            json.dumps(scrub(json.loads(row["snapshot"]))), row["id"]])
