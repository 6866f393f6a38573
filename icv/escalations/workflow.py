"""Working an escalation: claim, assign, move through the statuses, record the police response,
write the outcome for the visitor, add internal notes; and the same in bulk.

Every edit names the version the person saw. Inside one BEGIN IMMEDIATE transaction it reads
the escalation, refuses the edit if the version has moved on (someone else changed it: Stale)
or the edit is not allowed now (Refused), then writes `UPDATE ... WHERE id = ? AND version = ?`,
one escalation_events row per change (who, when, from, to) and an audit_log entry. Nothing is
ever overwritten silently.
"""
import json

from .. import audit, people
from ..auth import STAFF
from ..db import writing
from ..times import now_iso
from .queries import CLOSED_STATUSES, STATUS_LABELS
from .sync import event

# The statuses each status may move to. Any open escalation can be resolved or closed as no
# further action (with a reason); a closed one can only be reopened (to triaged, with a reason).
TRANSITIONS = {
    "new": ("triaged", "resolved", "no_further_action"),
    "triaged": ("raised_with_police", "resolved", "no_further_action"),
    "raised_with_police": ("awaiting_response", "resolved", "no_further_action"),
    "awaiting_response": ("raised_with_police", "resolved", "no_further_action"),
    "resolved": ("triaged",),
    "no_further_action": ("triaged",),
}
CLAIMED = "Claimed."


class Refused(Exception):
    """An edit that cannot be made; `status` is the HTTP status to answer with."""
    status = 409

    def __init__(self, message, status=None):
        super().__init__(message)
        self.message = message
        if status:
            self.status = status


class NotFound(Refused):
    status = 404

    def __init__(self, escalation_id):
        super().__init__(f"There is no escalation number {escalation_id}.")


class Stale(Refused):
    """Someone changed the escalation after the page was loaded; `current` is it now."""

    def __init__(self, current):
        super().__init__("This escalation was changed by someone else after you opened it. "
                         "Nothing you sent was saved.")
        self.current = current


def needs_reason(old, new):
    """Resolving, closing or reopening needs a reason."""
    return new in CLOSED_STATUSES or old in CLOSED_STATUSES


def edit(db, escalation_id, version, user_id, plan):
    """Apply plan(row, now) -> (changes, [(kind, from, to, body, internal)]) to the escalation
    if it is still at `version`; returns the new version. Raises NotFound, Stale or Refused."""
    now = now_iso()
    with writing(db):
        rows = list(db.query("SELECT * FROM escalations WHERE id = ?", [escalation_id]))
        if not rows:
            raise NotFound(escalation_id)
        row = rows[0]
        if row["version"] != version:
            raise Stale(row)
        changes, events = plan(row, now)
        sets = "".join(f"{column} = ?, " for column in changes)
        cursor = db.execute(
            f"UPDATE escalations SET {sets}version = version + 1, updated_at = ? "
            "WHERE id = ? AND version = ?", [*changes.values(), now, escalation_id, version])
        if cursor.rowcount != 1:  # cannot happen under BEGIN IMMEDIATE; never overwrite anyway
            raise Stale(row)
        for kind, before, after, body, internal in events:
            event(db, escalation_id, kind, now, user_id, before, after, body, internal)
            audit.log(db, user_id, "update", "escalation", escalation_id, kind=kind,
                      from_value=before, to_value=after)
    return version + 1


def _open(row):
    if row["closed_at"] is not None:
        raise Refused("This escalation is closed. Reopen it first.")


def _staff_name(db, user_id):
    name = people.active_name(db, user_id, STAFF)
    if name is None:
        raise Refused("Choose someone from the custody team, a coordinator or an admin.", 400)
    return name


def claim(db, escalation_id, version, user_id):
    """Take an unassigned escalation. Of two people claiming at once one wins; the other is
    refused as stale (the version moved on) and told who has it."""
    def plan(row, now):
        _open(row)
        if row["assigned_to"] == user_id:
            raise Refused("This escalation is already assigned to you.")
        if row["assigned_to"] is not None:
            raise Refused(f"{_name(db, row['assigned_to'])} already has this escalation. To take it "
                          "over, assign it to yourself.")
        return {"assigned_to": user_id}, [("assigned", None, str(user_id), CLAIMED, True)]
    return edit(db, escalation_id, version, user_id, plan)


def assign(db, escalation_id, version, user_id, assignee_id):
    """Assign to someone on the staff (custody team, coordinator or admin); None unassigns."""
    def plan(row, now):
        _open(row)
        if assignee_id is not None:
            _staff_name(db, assignee_id)
        if row["assigned_to"] == assignee_id:
            who = _name(db, assignee_id) if assignee_id else "nobody"
            raise Refused(f"It is already assigned to {who}. Nothing was changed.")
        before = None if row["assigned_to"] is None else str(row["assigned_to"])
        after = None if assignee_id is None else str(assignee_id)
        return {"assigned_to": assignee_id}, [("assigned", before, after, "", True)]
    return edit(db, escalation_id, version, user_id, plan)


def set_status(db, escalation_id, version, user_id, status, reason=""):
    """Move to `status` if the table allows it from the current one. Resolving, closing as no
    further action and reopening need a reason, kept as the history line's text."""
    reason = (reason or "").strip()

    def plan(row, now):
        old = row["status"]
        if status not in STATUS_LABELS:
            raise Refused("Choose a status from the list.", 400)
        if status not in TRANSITIONS[old]:
            allowed = ", ".join(STATUS_LABELS[s] for s in TRANSITIONS[old])
            raise Refused(f"An escalation that is {STATUS_LABELS[old]} cannot move to "
                          f"{STATUS_LABELS[status]}. From {STATUS_LABELS[old]} it can move to: "
                          f"{allowed}.")
        if needs_reason(old, status) and not reason:
            raise Refused(reason_message(old, status), 400)
        changes = {"status": status}
        if status in CLOSED_STATUSES:
            changes.update(closed_at=now, closed_reason=reason)
        elif old in CLOSED_STATUSES:
            changes.update(closed_at=None, closed_reason="")
        return changes, [("status", old, status, reason, True)]
    return edit(db, escalation_id, version, user_id, plan)


def reason_message(old, new):
    if new == "resolved":
        return "Enter how it was resolved"
    if new == "no_further_action":
        return "Enter why no further action is needed"
    return "Enter why it is being reopened"


def _text(column, kind, internal):
    def change(db, escalation_id, version, user_id, text):
        text = (text or "").strip()

        def plan(row, now):
            if row[column] == text:
                raise Refused("That is what it already says. Nothing was changed.")
            return {column: text}, [(kind, row[column] or None, text, "", internal)]
        return edit(db, escalation_id, version, user_id, plan)
    return change


record_police_response = _text("police_response", "police_response", internal=True)
record_police_response.__doc__ = "Record (or correct) the police's response. Internal."
write_outcome = _text("outcome_note", "outcome", internal=False)
write_outcome.__doc__ = ("Write (or change) the outcome for the visitor who raised the finding; "
                         "they see it in My reports.")


def add_note(db, escalation_id, version, user_id, body):
    """An internal note: staff only, never shown to the visitor."""
    def plan(row, now):
        return {}, [("note", None, None, body.strip(), True)]
    return edit(db, escalation_id, version, user_id, plan)


def bulk(db, items, action):
    """Apply action(escalation_id, version) to each (id, version) in one transaction, each
    in its own savepoint: [(id, new version)] done and [(id, Refused)] refused. A refused one
    (stale, closed, not allowed) is left exactly as it was; the rest are done."""
    done, refused = [], []
    with writing(db):
        for escalation_id, version in items:
            try:
                done.append((escalation_id, action(escalation_id, version)))
            except Refused as why:
                refused.append((escalation_id, why))
    return done, refused


def _name(db, user_id):
    return people.name(db, user_id) or "Someone"


def remove_text_closed_before(db, cutoff, dry_run=False):
    """Empty the free text of escalations closed before `cutoff` (retention: free text), keeping
    their rule, priority, status, dates and who did what, so the queue's history and the
    summaries' escalation figures read the same. Returns how many escalations were (or would be)
    changed; one already emptied is not counted again."""
    ids = [r["id"] for r in db.query(
        "SELECT e.id FROM escalations e WHERE e.closed_at IS NOT NULL AND e.closed_at < ? AND "
        "(e.police_response != '' OR e.outcome_note != '' OR e.closed_reason != '' OR EXISTS "
        " (SELECT 1 FROM escalation_events v WHERE v.escalation_id = e.id AND (v.body != '' OR "
        "  (v.kind IN ('police_response', 'outcome') AND (coalesce(v.from_value, '') != '' "
        "   OR coalesce(v.to_value, '') != '')))))", [cutoff])]
    if dry_run or not ids:
        return len(ids)
    chosen = "(SELECT value FROM json_each(?))"
    marks = json.dumps(ids)
    db.execute(f"UPDATE escalations SET police_response = '', outcome_note = '', closed_reason = '' "
               f"WHERE id IN {chosen}", [marks])
    db.execute(f"UPDATE escalation_events SET body = '' WHERE escalation_id IN {chosen}", [marks])
    db.execute(f"UPDATE escalation_events SET from_value = NULL, to_value = NULL WHERE kind IN "
               f"('police_response', 'outcome') AND escalation_id IN {chosen}", [marks])
    return len(ids)
