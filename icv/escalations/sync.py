"""Raising escalations: due dates, the repeat counts the rules need, and sync, which makes
one finding's escalations match what the rules found now (a new report, a corrected one, or a
custody record review). Everything here is done by the system, not a person."""
import json
from datetime import timedelta

from .. import audit
from ..times import from_iso, london, to_iso
from ..workdays import add_working_days

DUE_WORKING_DAYS = {"critical": 0, "high": 5, "medium": 20, "low": None}
CLOSED_BY_CORRECTION = "No longer raised: the report was corrected before anyone worked on it."


def due_days_from(overrides=None):
    """DUE_WORKING_DAYS with an installation's ESCALATION_DUE_WORKING_DAYS: every priority, each
    a whole number of working days from 0 or None (no due date); anything else stops the app."""
    days = {**DUE_WORKING_DAYS, **(overrides or {})}
    if set(days) != set(DUE_WORKING_DAYS):
        raise ValueError("ESCALATION_DUE_WORKING_DAYS has unknown priorities: "
                         + ", ".join(sorted(set(days) - set(DUE_WORKING_DAYS))))
    for priority, n in days.items():
        if n is not None and (isinstance(n, bool) or not isinstance(n, int) or n < 0):
            raise ValueError(f"ESCALATION_DUE_WORKING_DAYS {priority} must be a whole number of "
                             f"working days from 0, or None, not {n!r}")
    return days


def due_on(priority, created_at, due_days=None):
    """The London date a new escalation is due: in UK working days by priority (critical the
    same working day); None for priorities with no due date."""
    days = (due_days or DUE_WORKING_DAYS).get(priority)
    if days is None:
        return None
    return add_working_days(london(created_at).date(), days).isoformat()


def repeat_counts(db, suite_id, now, window_days, exclude_visit=None, exclude_review=None):
    """{rule id: escalations raised at the suite in the window}, leaving out the finding's
    own report, for the repeat modifier of the rules."""
    since = to_iso(from_iso(now) - timedelta(days=window_days))
    return {r["rule_id"]: r["n"] for r in db.query("""
        SELECT rule_id, count(*) AS n FROM escalations
        WHERE suite_id = ? AND created_at >= ? AND still_raised = 1
          AND coalesce(visit_id, -1) != ? AND coalesce(review_id, -1) != ?
        GROUP BY rule_id""", [suite_id, since, exclude_visit or 0, exclude_review or 0])}


def event(db, escalation_id, kind, now, user_id=None, from_value=None, to_value=None, body="",
          internal=True):
    """One line of an escalation's history."""
    db["escalation_events"].insert({
        "escalation_id": escalation_id, "user_id": user_id, "kind": kind, "from_value": from_value,
        "to_value": to_value, "body": body, "internal": int(internal), "created_at": now})


def sync(db, found, *, suite_id, raised_by, now, visit_id=None, detainee_entry_id=None,
         review_id=None, due_days=None):
    """Make one finding's escalations match what the rules found now.

    A new rule opens an escalation (due by its priority); a changed priority or detail is
    updated, with its history line. A rule no longer raised (a corrected report) is never
    deleted: untouched (new, unassigned, nothing written on it) it is closed as no further
    action, saying why, and reopened if a later correction raises it again; otherwise it is
    marked no longer raised and stays open for whoever is working on it."""
    source = "review" if review_id else "detainee" if detainee_entry_id else "visit"
    key = [visit_id or 0, detainee_entry_id or 0, review_id or 0]
    existing = {r["rule_id"]: r for r in db.query(
        "SELECT * FROM escalations WHERE coalesce(visit_id, 0) = ? AND "
        "coalesce(detainee_entry_id, 0) = ? AND coalesce(review_id, 0) = ?", key)}
    for e in found:
        row = existing.pop(e.rule_id, None)
        if row is None:
            new_id = db["escalations"].insert({
                "source": source, "visit_id": visit_id, "detainee_entry_id": detainee_entry_id,
                "review_id": review_id, "suite_id": suite_id, "raised_by": raised_by,
                "rule_id": e.rule_id, "title": e.title, "detail": e.detail,
                "base_priority": e.base_priority or e.priority, "priority": e.priority,
                "priority_rank": e.priority_rank, "reasons": json.dumps(list(e.reasons)),
                "due_on": due_on(e.priority, now, due_days), "created_at": now,
                "updated_at": now}).last_pk
            event(db, new_id, "raised", now, to_value=e.priority, body=" ".join(e.reasons))
            audit.log(db, raised_by, "raise", "escalation", new_id, rule=e.rule_id, priority=e.priority)
            continue
        reopen = row["closed_at"] is not None and row["closed_reason"] == CLOSED_BY_CORRECTION
        changes = {}
        if reopen:  # closed only because a correction took it away: back in the queue
            changes.update(status="new", closed_at=None, closed_reason="", still_raised=1,
                           due_on=due_on(e.priority, now, due_days))
            event(db, row["id"], "status", now, from_value=row["status"], to_value="new",
                  body="Raised again by the corrected report, so it is open again.")
        elif not row["still_raised"]:
            changes["still_raised"] = 1
            event(db, row["id"], "rerun", now, body="Raised again by the corrected report.")
        if (row["closed_at"] is None or reopen) and row["priority"] != e.priority:
            changes.update(priority=e.priority, priority_rank=e.priority_rank,
                           base_priority=e.base_priority or e.priority,
                           reasons=json.dumps(list(e.reasons)),
                           due_on=due_on(e.priority, now if reopen else row["created_at"], due_days))
            event(db, row["id"], "priority", now, from_value=row["priority"], to_value=e.priority,
                  body="The corrected report changed the priority. " + " ".join(e.reasons))
        if row["detail"] != e.detail or row["title"] != e.title:
            changes.update(detail=e.detail, title=e.title)
            event(db, row["id"], "rerun", now, from_value=row["detail"], to_value=e.detail,
                  body="The corrected report changed what was found.")
        if row["suite_id"] != suite_id:
            changes["suite_id"] = suite_id
            event(db, row["id"], "rerun", now, from_value=str(row["suite_id"]), to_value=str(suite_id),
                  body="The corrected report changed the custody suite.")
        if changes:
            bump(db, row["id"], changes, now)
    for row in existing.values():
        if row["still_raised"]:
            withdraw(db, row, now, CLOSED_BY_CORRECTION, "The corrected report no longer raises this.")


def withdraw(db, row, now, closed_reason, words):
    """A finding no longer raised: closed as no further action with `closed_reason` if nobody
    has worked on it, else marked no longer raised (`words` in its history) and left open for
    whoever is working on it. Never deleted."""
    if untouched(db, row):
        bump(db, row["id"], {"still_raised": 0, "status": "no_further_action", "closed_at": now,
                             "closed_reason": closed_reason}, now)
        event(db, row["id"], "status", now, from_value="new", to_value="no_further_action",
              body=closed_reason)
    else:
        bump(db, row["id"], {"still_raised": 0}, now)
        event(db, row["id"], "rerun", now, body=words
              + (" It stays open for whoever is working on it." if row["closed_at"] is None else ""))


def untouched(db, row):
    """Open, new, unassigned, and nobody has written anything on it (a note, a response)."""
    return (row["closed_at"] is None and row["status"] == "new" and row["assigned_to"] is None
            and not db.execute("SELECT 1 FROM escalation_events WHERE escalation_id = ? AND "
                               "user_id IS NOT NULL LIMIT 1", [row["id"]]).fetchone())


def bump(db, escalation_id, changes, now):
    """Apply changes made by the system (not a person), moving the version on so that an
    edit someone started before is refused as stale rather than silently overwriting."""
    sets = ", ".join(f"{c} = ?" for c in changes)
    db.execute(f"UPDATE escalations SET {sets}, version = version + 1, updated_at = ? WHERE id = ?",
               [*changes.values(), now, escalation_id])
