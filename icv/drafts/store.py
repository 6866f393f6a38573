"""The `drafts` table: drafts of visit reports and custody record reviews, its one home.

A draft keeps what was typed, valid or not, under the id the phone or page made (client_id).
Every save says which revision its page was based on; a save based on an older revision than
the draft's, made by someone else or from another page, is refused (Stale) and nothing is
written over: the page is shown back with what changed, and the phone keeps its copy. That
check reads the draft row only (revision, updated_by, saved_from), never the audit log.
The routes both kinds share (draft, autosave, check, submit) are in routes.py.
"""
import json
from datetime import timedelta

from wtforms.validators import Length

from .. import people
from ..db import writing
from ..forms import leaves
from ..times import from_iso, now_iso, to_iso

BASE, PAGE = "base_revision", "page_id"  # what a page was based on, and which page: never stored
IGNORED_FIELDS = {"csrf_token", "action", BASE, PAGE}
UNLIMITED_MAX = 200  # a box without a Length validator (a choice, a time, a number) holds no more


# The store ---------------------------------------------------------------------------------------

def typed_fields(formdata):
    """What the person typed, as [name, value] pairs: without the token, button, base or page."""
    return [[k, v] for k, v in formdata.items(multi=True) if k not in IGNORED_FIELDS]


def get(db, client_id):
    """The draft with this id and who saved it last (updated_by_name), or None."""
    rows = list(db.query("SELECT * FROM drafts WHERE client_id = ?", [client_id]))
    if not rows:
        return None
    return {**rows[0], "updated_by_name": people.name(db, rows[0]["updated_by"])}


class Stale(Exception):
    """Saved after the revision the page was based on, by someone else or another page; `draft`
    is the draft as it is now. Nothing was saved."""

    def __init__(self, draft):
        super().__init__(f"The draft is at revision {draft['revision']}")
        self.draft = draft


def stale(saved, user_id, base, page):
    """True if saving a page based on revision `base` would write over a save it has not seen.
    A page's own saves never refuse each other (one still on its way when the next is sent);
    a page that says no base (a form from before pages did) only over someone else's save."""
    if saved is None:
        return False
    if base is None:
        return saved["updated_by"] != user_id
    if saved["revision"] == base:
        return False
    return not (page and saved["saved_from"] == page and saved["updated_by"] == user_id)


def save(db, kind, client_id, user_id, fields, base=None, page=None, visit_id=None, review_id=None):
    """Keep what was typed; returns the draft's new revision. Stale if the page is behind (see
    `stale`); PermissionError if the id holds another kind's draft or another person's visit
    draft (a review's draft is shared by its reviewers: the kind checks who may write it)."""
    now = now_iso()
    with writing(db):
        saved = get(db, client_id)
        if saved and (saved["kind"] != kind or (kind == "visit" and saved["user_id"] != user_id)):
            raise PermissionError("That draft belongs to someone else.")
        if stale(saved, user_id, base, page):
            raise Stale(saved)
        if saved is None:
            db["drafts"].insert({"client_id": client_id, "kind": kind, "user_id": user_id, "visit_id": visit_id,
                                 "review_id": review_id, "fields": json.dumps(fields), "revision": 1,
                                 "updated_by": user_id, "saved_from": page, "created_at": now, "updated_at": now})
            return 1
        # A save starts the draft's retention period again, and any warning with it.
        db.execute("UPDATE drafts SET fields = ?, revision = revision + 1, updated_by = ?, saved_from = ?, "
                   "updated_at = ?, expiry_warned_at = NULL WHERE id = ?",
                   [json.dumps(fields), user_id, page, now, saved["id"]])
        return saved["revision"] + 1


def delete(db, client_id):
    db.execute("DELETE FROM drafts WHERE client_id = ?", [client_id])


def visit_drafts(db, user_id):
    """This person's visit drafts, newest first, with the suite and date typed so far if any."""
    found = []
    for row in db.query("SELECT * FROM drafts WHERE kind = 'visit' AND user_id = ? ORDER BY updated_at DESC",
                        [user_id]):
        fields = dict(json.loads(row["fields"]))
        found.append({**row, "suite_id": fields.get("suite_id"), "visit_date": fields.get("visit_date")})
    return found


def correction_draft(db, visit_id, user_id):
    """The client_id of this person's draft correcting that visit, or None."""
    rows = list(db.query("SELECT client_id FROM drafts WHERE kind = 'visit' AND visit_id = ? AND user_id = ?",
                         [visit_id, user_id]))
    return rows[0]["client_id"] if rows else None


def expiry_by_review(db, review_ids, days, warning_days, now):
    """{review id: when its draft will be deleted} for the reviews whose draft is within
    `warning_days` of it (see deletes_on)."""
    marks = ",".join("?" * len(review_ids)) or "NULL"
    found = {r["review_id"]: expiry_notice(r, days, warning_days, now) for r in db.query(
        f"SELECT review_id, updated_at, expiry_warned_at FROM drafts WHERE review_id IN ({marks})",
        list(review_ids))}
    return {review_id: when for review_id, when in found.items() if when}


def saved_at_by_review(db, review_ids):
    """{review id: when its draft was last saved} for the reviews that have one."""
    marks = ",".join("?" * len(review_ids)) or "NULL"
    return {r["review_id"]: r["updated_at"] for r in db.query(
        f"SELECT review_id, updated_at FROM drafts WHERE review_id IN ({marks})", list(review_ids))}


# Limits: the submit's Length validators, applied to every save -----------------------------------

def too_long(form, fields):
    """{field name: message} of each typed value longer than its box takes: the form's Length
    validator, or UNLIMITED_MAX for a box without one and for names the form has no box for.
    Sets the message on the form's field too, for the error summary."""
    boxes, found = {f.name: f for f in leaves(form)}, {}
    for name, value in fields:
        box = boxes.get(name)
        lengths = [v for v in (box.validators if box else []) if isinstance(v, Length) and v.max >= 0]
        limit = lengths[0].max if lengths else UNLIMITED_MAX
        if len(value) <= limit or name in found:
            continue
        label = box.label.text if box else name
        found[name] = (lengths[0].message if lengths and lengths[0].message
                       else f"{label} must be {limit:,} characters or fewer")
        if box:
            box.errors = [found[name]]
    return found


def of_review(db, review_id):
    """A review's shared draft, or None."""
    rows = list(db.query("SELECT client_id FROM drafts WHERE review_id = ?", [review_id]))
    return get(db, rows[0]["client_id"]) if rows else None


# Retention: drafts not saved for `days` are deleted, and their owners told first ----------------

def deletes_on(draft, days, warning_days, now):
    """When `flask purge` may delete this draft (UTC datetime): `days` after its last save, and
    never sooner than `warning_days` after its owner was told (or, not told yet, after now)."""
    due = from_iso(draft["updated_at"]) + timedelta(days=days)
    told = from_iso(draft["expiry_warned_at"]) if draft.get("expiry_warned_at") else now
    return max(due, told + timedelta(days=warning_days))


def expiry_notice(draft, days, warning_days, now):
    """deletes_on if that is within `warning_days` of now (the page says so), else None."""
    when = deletes_on(draft, days, warning_days, now)
    return when if when <= now + timedelta(days=warning_days) else None


def to_warn(db, days, warning_days, now):
    """Drafts whose owners have not been told yet and that are within `warning_days` of their
    period's end, oldest first."""
    return list(db.query("SELECT * FROM drafts WHERE updated_at < ? AND expiry_warned_at IS NULL "
                         "ORDER BY updated_at", [to_iso(now - timedelta(days=days - warning_days))]))


def mark_warned(db, draft_id, updated_at, when):
    """Record that the owner of this draft was told it will be deleted (`when`: UTC text), unless
    it was saved since they were (its `updated_at` moved on: the period began again)."""
    db.execute("UPDATE drafts SET expiry_warned_at = ? WHERE id = ? AND updated_at = ?",
               [when, draft_id, updated_at])


def delete_expired(db, days, warning_days, now, dry_run=False):
    """Delete the drafts past deletes_on: not saved for `days` and their owner told at least
    `warning_days` ago. Returns how many were (or would be) deleted."""
    where = ("FROM drafts WHERE updated_at < ? AND expiry_warned_at IS NOT NULL "
             "AND expiry_warned_at <= ?")
    params = [to_iso(now - timedelta(days=days)), to_iso(now - timedelta(days=warning_days))]
    if dry_run:
        return db.execute(f"SELECT count(*) {where}", params).fetchone()[0]
    return db.execute(f"DELETE {where}", params).rowcount
