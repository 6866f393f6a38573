"""What a custody record review keeps once its period is over (icv/retention.py calls these inside
its transaction): the records' references and the reviewers' free text go, the coded answers the
summaries count stay. Periods run from the session date (a London date, "YYYY-MM-DD")."""
import json

from ..times import now_iso

REMOVED_REF = "Record {id} (reference removed)"  # unique in its batch, as record_ref must be


def remove_refs_before(db, cutoff_date, dry_run=False):
    """Replace the reference of every record in sessions held before `cutoff_date` with
    REMOVED_REF, and empty the session's note. Returns how many records were (or would be)
    changed."""
    batches = [r["id"] for r in db.query(
        "SELECT id FROM review_batches WHERE session_date < ? AND refs_removed_at IS NULL ORDER BY id",
        [cutoff_date])]
    marks = json.dumps(batches)
    records = db.execute("SELECT count(*) FROM review_records WHERE batch_id IN "
                         "(SELECT value FROM json_each(?))", [marks]).fetchone()[0]
    if dry_run or not batches:
        return records
    db.execute("UPDATE review_records SET record_ref = replace(?, '{id}', id) WHERE batch_id IN "
               "(SELECT value FROM json_each(?))", [REMOVED_REF, marks])
    db.execute("UPDATE review_batches SET note = '', refs_removed_at = ? WHERE id IN "
               "(SELECT value FROM json_each(?))", [now_iso(), marks])
    return records


def remove_text_before(db, cutoff_date, keep=(), dry_run=False):
    """Empty the reviewer's comments and the reasons recorded for postponing detention reviews in
    reviews of sessions held before `cutoff_date`, leaving out `keep` (reviews with an escalation
    still open). Returns how many reviews were (or would be) changed."""
    rows = list(db.query(
        "SELECT id, detention_reviews, derived FROM custody_record_reviews WHERE session_date < ? "
        "AND text_removed_at IS NULL AND id NOT IN (SELECT value FROM json_each(?)) ORDER BY id",
        [cutoff_date, json.dumps(sorted(keep))]))
    if dry_run:
        return len(rows)
    now = now_iso()
    for row in rows:
        db.execute("UPDATE custody_record_reviews SET comments = '', detention_reviews = ?, derived = ?, "
                   "text_removed_at = ? WHERE id = ?",
                   [json.dumps(without_reasons(json.loads(row["detention_reviews"]))),
                    json.dumps(without_reasons(json.loads(row["derived"]))), now, row["id"]])
    return len(rows)


def without_reasons(value):
    """The JSON `value` with every postponed_reason emptied (the detention reviews as typed, and
    as derive.py worked them out)."""
    if isinstance(value, dict):
        return {k: "" if k == "postponed_reason" else without_reasons(v) for k, v in value.items()}
    if isinstance(value, list):
        return [without_reasons(v) for v in value]
    return value
