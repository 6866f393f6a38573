"""Custody record reviews in the database: who may review, batches and their records, who
reviews each record, drafts, submitting (the rules run here) and reading back.

A review travels as a plain dict (ReviewForm.review(), the demo and the tests make one), so the
rules run the same way whoever submits it. The redacted record itself never enters the app:
only its reference does.
"""
import json
import uuid
from datetime import date


from .. import audit, people, rules, suites
from ..drafts import store as drafts
from ..db import writing
from ..escalations import queries as escalation_queries
from ..escalations import sync
from ..times import now_iso
from . import derive

JSON_COLUMNS = {"markers": "vulnerability", "times": "timeline", "reviews": "detention_reviews",
                "care_checks": "care_checks", "flags": "flags", "record_quality": "record_quality"}
PLAIN_COLUMNS = ("age_band", "gender", "ethnicity", "ic_code", "disposal", "overall_grade", "comments")


# Who may review ------------------------------------------------------------------------------

def eligibility(db, user_id, today):
    """(True, "") if this person may review custody records on `today` (a London date), else
    (False, why in words): an ICV marked trained whose vetting has not expired."""
    row = people.get(db, user_id)
    if not row or row["role"] != "icv":
        return False, "Only independent custody visitors review custody records."
    if not row["crr_trained"]:
        return False, ("You are not marked as trained in custody record review, so you cannot review "
                       "custody records. Ask your coordinator if you have done the training.")
    if not row["vetting_expires_on"]:
        return False, ("Your vetting expiry date is not recorded, so you cannot review custody "
                       "records. Ask your coordinator to record it.")
    if row["vetting_expires_on"] < today.isoformat():
        expired = date.fromisoformat(row["vetting_expires_on"])
        return False, (f"Your vetting expired on {expired:%-d %B %Y}, so you cannot review custody "
                       "records until it is renewed. Ask your coordinator.")
    return True, ""


def eligible_reviewers(db, today):
    """(id, name) of every ICV who may review today, by name."""
    return people.reviewers(db, today)


# Batches, records and assignments ---------------------------------------------------------------

def create_batch(db, suite_id, session_date, user_id, note=""):
    with writing(db):
        return db["review_batches"].insert({
            "suite_id": suite_id, "session_date": session_date.isoformat(), "note": note or "",
            "created_by": user_id, "created_at": now_iso()}).last_pk


def get_batch(db, batch_id):
    rows = list(db.query("SELECT * FROM review_batches WHERE id = ?", [batch_id]))
    if not rows:
        return None
    return {**rows[0], "suite_name": suites.name(db, rows[0]["suite_id"]),
            "created_by_name": people.name(db, rows[0]["created_by"])}


def batches(db, limit=200):
    """Batches, newest session first, with how many records and how many submitted."""
    rows = list(db.query("""
        SELECT b.*,
          (SELECT count(*) FROM review_records r WHERE r.batch_id = b.id) AS records,
          (SELECT count(*) FROM review_records r JOIN custody_record_reviews c ON c.record_id = r.id
            WHERE r.batch_id = b.id AND c.status = 'submitted') AS submitted
        FROM review_batches b ORDER BY b.session_date DESC, b.id DESC LIMIT ?""", [limit]))
    return with_suite_names(db, rows)


def with_suite_names(db, rows):
    """The rows with the suite_name of their suite_id."""
    names = suites.names(db, [r["suite_id"] for r in rows])
    return [{**r, "suite_name": names[r["suite_id"]]} for r in rows]


def reviewer_names(db, record_ids, leaving_out=None):
    """{record id: "A and B"}: who each record is assigned to, leaving out one person."""
    rows = list(db.query(
        f"SELECT record_id, user_id FROM review_assignments WHERE record_id IN "
        f"({','.join('?' * len(record_ids))}) AND user_id != ?",
        [*record_ids, leaving_out or 0])) if record_ids else []
    names, found = people.names(db, [r["user_id"] for r in rows]), {}
    for r in rows:
        found.setdefault(r["record_id"], []).append(names[r["user_id"]])
    return {record_id: " and ".join(sorted(n)) for record_id, n in found.items()}


class DuplicateRecord(ValueError):
    """The batch already holds a record with that reference."""


def add_record(db, batch_id, record_ref, sample_reason, reviewer_ids, user_id):
    """Add a redacted record's reference to a batch, assign its reviewer(s) and make its
    (empty) review; returns the review's id."""
    batch, now = get_batch(db, batch_id), now_iso()
    with writing(db):
        if db.execute("SELECT 1 FROM review_records WHERE batch_id = ? AND record_ref = ?",
                      [batch_id, record_ref]).fetchone():
            raise DuplicateRecord(f"{record_ref} is already in this batch")
        record_id = db["review_records"].insert({
            "batch_id": batch_id, "record_ref": record_ref, "sample_reason": sample_reason,
            "created_at": now}).last_pk
        _assign(db, record_id, reviewer_ids, user_id, now)
        review_id = db["custody_record_reviews"].insert({
            "client_id": str(uuid.uuid4()), "record_id": record_id, "suite_id": batch["suite_id"],
            "session_date": batch["session_date"], "status": "draft", "created_by": user_id,
            "created_at": now, "updated_at": now}).last_pk
        # The record's id, not its reference: the log keeps six years, the reference two.
        audit.log(db, user_id, "create", "custody_record_review", review_id, record_id=record_id,
                  reviewers=list(reviewer_ids))
    return review_id


def _assign(db, record_id, reviewer_ids, user_id, now):
    db.execute("DELETE FROM review_assignments WHERE record_id = ?", [record_id])
    for reviewer in reviewer_ids:
        db["review_assignments"].insert({"record_id": record_id, "user_id": reviewer,
                                         "assigned_by": user_id, "assigned_at": now})


def assign(db, record_id, reviewer_ids, user_id):
    """Give a record to a reviewer or a pair instead of whoever had it (the draft stays)."""
    with writing(db):
        _assign(db, record_id, reviewer_ids, user_id, now_iso())
        review = db.execute("SELECT id FROM custody_record_reviews WHERE record_id = ?", [record_id]).fetchone()
        audit.log(db, user_id, "assign", "custody_record_review", review[0], reviewers=list(reviewer_ids))


def records_for_batch(db, batch_id):
    """The batch's records with their review, its reviewers' names and escalations."""
    rows = list(db.query("""
        SELECT r.*, c.id AS review_id, c.status, c.submitted_at, c.overall_grade
        FROM review_records r JOIN custody_record_reviews c ON c.record_id = r.id
        WHERE r.batch_id = ? ORDER BY r.id""", [batch_id]))
    reviewers = reviewer_names(db, [r["id"] for r in rows])
    raised = escalation_queries.count_by_review(db, [r["review_id"] for r in rows])
    return [{**r, "reviewers": reviewers.get(r["id"]), "escalations": raised.get(r["review_id"], 0)}
            for r in rows]


def get_record(db, record_id):
    rows = list(db.query("""SELECT r.*, c.status, c.id AS review_id FROM review_records r
        JOIN custody_record_reviews c ON c.record_id = r.id WHERE r.id = ?""", [record_id]))
    return rows[0] if rows else None


def reviewers_of(db, record_id):
    ids = [r["user_id"] for r in db.query(
        "SELECT user_id FROM review_assignments WHERE record_id = ?", [record_id])]
    names = people.names(db, ids)
    return sorted(((i, names[i]) for i in ids), key=lambda pair: pair[1])


# Reviews ---------------------------------------------------------------------------------------

def get_review(db, review_id=None, client_id=None):
    """The review with its record, batch, suite and reviewers, JSON read back; or None."""
    where, value = ("c.id = ?", review_id) if client_id is None else ("c.client_id = ?", client_id)
    rows = list(db.query(f"""
        SELECT c.*, r.record_ref, r.sample_reason, r.batch_id, b.session_date AS batch_date
        FROM custody_record_reviews c JOIN review_records r ON r.id = c.record_id
        JOIN review_batches b ON b.id = r.batch_id WHERE {where}""", [value]))
    if not rows:
        return None
    row = with_suite_names(db, rows)[0]
    row["submitted_by_name"] = people.name(db, row["submitted_by"])
    for key, column in JSON_COLUMNS.items():
        row[key] = json.loads(row.pop(column))
    row["derived"] = json.loads(row["derived"])
    row["reviewers"] = reviewers_of(db, row["record_id"])
    row["reviewer_ids"] = [uid for uid, _ in row["reviewers"]]
    return row


# A reviewer's reviews are read from their assignments (index review_assignments_user), each
# review by its record (UNIQUE record_id): one reviewer has at most a few hundred, sorted in memory.
MY_REVIEWS = """FROM review_assignments a JOIN custody_record_reviews c ON c.record_id = a.record_id
                WHERE a.user_id = :me"""


def count_my_reviews(db, user_id):
    """{"draft": n, "submitted": n}: how many reviews this ICV has to do and has done."""
    found = {"draft": 0, "submitted": 0}
    found.update(db.execute(f"SELECT c.status, count(*) {MY_REVIEWS} GROUP BY c.status",
                            {"me": user_id}).fetchall())
    return found


def my_reviews(db, user_id, submitted=False, size=-1, offset=0):
    """The reviews assigned to this ICV, to do (submitted=False: every one) or submitted (a page
    of `size` from `offset`), newest session first, with the partner and when a draft was saved."""
    rows = list(db.query("""
        SELECT c.id, c.client_id, c.status, c.submitted_at, r.id AS record_id, r.record_ref,
          r.sample_reason, b.session_date, b.suite_id
        FROM review_assignments a JOIN custody_record_reviews c ON c.record_id = a.record_id
        JOIN review_records r ON r.id = c.record_id JOIN review_batches b ON b.id = r.batch_id
        WHERE a.user_id = :me AND c.status = :status
        ORDER BY b.session_date DESC, r.id DESC LIMIT :size OFFSET :offset""",
        {"me": user_id, "status": "submitted" if submitted else "draft", "size": size, "offset": offset}))
    partners = reviewer_names(db, [r["record_id"] for r in rows], leaving_out=user_id)
    saved_at = drafts.saved_at_by_review(db, [r["id"] for r in rows])
    return [{**r, "partner": partners.get(r["record_id"]), "draft_saved_at": saved_at.get(r["id"])}
            for r in with_suite_names(db, rows)]


def opened(db, user_id, review_id, page, address=None):
    """Write the opening of a review to the audit log (`address`: where the request came from)."""
    with writing(db):
        audit.log(db, user_id, "view", "custody_record_review", review_id, address=address, page=page)


# Drafts ----------------------------------------------------------------------------------------

def get_draft(db, review_id):
    """The review's shared draft with who saved it last (updated_by_name), or None."""
    return drafts.of_review(db, review_id)


def save_draft(db, review_id, user_id, fields, base=None):
    """Keep what was typed (valid or not) in the review's one draft, shared by a pair; returns
    its new revision. drafts.Stale if the page based on revision `base` is behind."""
    client_id = db.execute("SELECT client_id FROM custody_record_reviews WHERE id = ?", [review_id]).fetchone()[0]
    return drafts.save(db, "review", client_id, user_id, fields, base, review_id=review_id)


def initial_fields(review):
    """A new draft: arrival on the session's date and one detention review. (A flag's source is
    never asked on a review: it is always the custody record, wording.FIXED.)"""
    return [["client_id", review["client_id"]], ["times-arrived_date", review["session_date"]],
            ["reviews-0-due", ""]]


# Submitting --------------------------------------------------------------------------------------

def finding(review):
    """What the rules read (icv/reviews/checks.py): the review, marked as one."""
    markers = review.get("markers") or []
    return {"kind": "review", "age_band": review.get("age_band"), "gender": review.get("gender"),
            "vulnerable": "vulnerable_adult" in markers, "markers": markers,
            "disposal": review.get("disposal"), "times": review.get("times") or {},
            "reviews": review.get("reviews") or [],
            "legal_advice_delay_authorised": review.get("legal_advice_delay_authorised", "no"),
            "care_checks": review.get("care_checks") or {}, "flags": review.get("flags") or {}}


def run_rules(found, settings, repeats=None):
    """The review's escalations: the detainee rules on its flags, and the rules decided by its
    times (icv.rules.evaluate with scope "review" runs both)."""
    return rules.evaluate(found, "review", settings, repeats)


def preview(db, review_row, data, settings):
    """The escalations submitting `data` would raise now, under the rule `settings`."""
    repeats = sync.repeat_counts(db, review_row["suite_id"], now_iso(),
                                        settings["repeat_window_days"], exclude_review=review_row["id"])
    return run_rules(finding(data), settings, repeats)


def submit(db, review_id, user_id, review, fields=None, submitted_at=None, revision=None, *,
           settings, due_days):
    """Save a checked review, run the rules (under the settings and due working days in
    force, as visits.store.record_visit) and raise its escalations; True if this call submitted it, False if
    it already was (a double tap, a retry from the outbox). Given the draft `revision` it was
    made from, drafts.Stale if the draft has been saved since (by the other reviewer): nothing is
    submitted."""
    now = submitted_at or now_iso()
    found = finding(review)
    facts = derive.stored(derive.facts(found, settings))
    values = {c: review.get(c) for c in PLAIN_COLUMNS}
    values["comments"] = values["comments"] or ""
    values.update({column: json.dumps(review.get(key) or ([] if key in ("markers", "reviews") else {}))
                   for key, column in JSON_COLUMNS.items()})
    values.update(derived=json.dumps(facts), annex_b_delay=found["legal_advice_delay_authorised"],
                  arrived_at=found["times"].get("arrived"), status="submitted", submitted_at=now,
                  submitted_by=user_id, updated_at=now)
    with writing(db):
        saved = get_draft(db, review_id)
        if revision is not None and saved is not None and saved["revision"] != revision:
            raise drafts.Stale(saved)
        sets = ", ".join(f"{c} = ?" for c in values)
        cursor = db.execute(f"UPDATE custody_record_reviews SET {sets} WHERE id = ? AND status = 'draft'",
                            [*values.values(), review_id])
        if cursor.rowcount != 1:
            return False
        suite_id = db.execute("SELECT suite_id FROM custody_record_reviews WHERE id = ?",
                              [review_id]).fetchone()[0]
        repeats = sync.repeat_counts(db, suite_id, now, settings["repeat_window_days"],
                                            exclude_review=review_id)
        sync.sync(db, run_rules(found, settings, repeats), suite_id=suite_id, raised_by=user_id,
                  now=now, review_id=review_id, due_days=due_days)
        if saved:
            drafts.delete(db, saved["client_id"])
        audit.log(db, user_id, "submit", "custody_record_review", review_id,
                  fields=len(fields or []))
    return True

