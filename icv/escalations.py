"""Escalations: findings the rules flagged, in the custody team's queue."""
import json
from datetime import timedelta

from flask import Blueprint, current_app, render_template, request
from werkzeug.exceptions import BadRequest

from .auth import role_required
from .db import get_db
from .times import from_iso, london, to_iso
from .workdays import add_working_days

bp = Blueprint("escalations", __name__, url_prefix="/escalations")

QUEUE_ROLES = ("custody_team", "coordinator", "admin")
MAX_PAGE = 100_000


DUE_WORKING_DAYS = {"critical": 0, "high": 5, "medium": 20, "low": None}
CLOSED_BY_CORRECTION = "No longer raised: the report was corrected before anyone worked on it."


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
        WHERE suite_id = ? AND created_at >= ?
          AND coalesce(visit_id, 0) != ? AND coalesce(review_id, 0) != ?
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
    deleted: untouched (new, unassigned) it is closed as no further action, saying why;
    otherwise it is marked no longer raised and stays open for whoever is working on it."""
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
            continue
        changes = {}
        if not row["still_raised"]:
            changes["still_raised"] = 1
            event(db, row["id"], "rerun", now, body="Raised again by the corrected report.")
        if row["closed_at"] is None and row["priority"] != e.priority:
            changes.update(priority=e.priority, priority_rank=e.priority_rank,
                           base_priority=e.base_priority or e.priority,
                           reasons=json.dumps(list(e.reasons)),
                           due_on=due_on(e.priority, row["created_at"], due_days))
            event(db, row["id"], "priority", now, from_value=row["priority"], to_value=e.priority,
                  body="The corrected report changed the priority. " + " ".join(e.reasons))
        if row["detail"] != e.detail or row["title"] != e.title:
            changes.update(detail=e.detail, title=e.title)
            event(db, row["id"], "rerun", now, from_value=row["detail"], to_value=e.detail,
                  body="The corrected report changed what was found.")
        if changes:
            bump(db, row["id"], changes, now)
    for row in existing.values():
        if not row["still_raised"]:
            continue
        if row["closed_at"] is None and row["status"] == "new" and row["assigned_to"] is None:
            bump(db, row["id"], {"still_raised": 0, "status": "no_further_action", "closed_at": now,
                                 "closed_reason": CLOSED_BY_CORRECTION}, now)
            event(db, row["id"], "status", now, from_value="new", to_value="no_further_action",
                  body=CLOSED_BY_CORRECTION)
        else:
            bump(db, row["id"], {"still_raised": 0}, now)
            event(db, row["id"], "rerun", now, body="The corrected report no longer raises this."
                  + (" It stays open for whoever is working on it." if row["closed_at"] is None else ""))


def bump(db, escalation_id, changes, now):
    """Apply changes made by the system (not a person), moving the version on so that an
    edit someone started before is refused as stale rather than silently overwriting."""
    sets = ", ".join(f"{c} = ?" for c in changes)
    db.execute(f"UPDATE escalations SET {sets}, version = version + 1, updated_at = ? WHERE id = ?",
               [*changes.values(), now, escalation_id])


def open_queue(db, limit, offset=0):
    """Open escalations, most urgent and then oldest first, with where they came from."""
    return list(db.query("""
        SELECT e.*, v.arrived_at, s.name AS suite_name, d.custody_record_no, d.position,
          u.display_name AS assigned_name
        FROM escalations e
        JOIN visits v ON v.id = e.visit_id
        JOIN suites s ON s.id = v.suite_id
        LEFT JOIN detainee_entries d ON d.id = e.detainee_entry_id
        LEFT JOIN users u ON u.id = e.assigned_to
        WHERE e.closed_at IS NULL
        ORDER BY e.priority_rank, e.created_at, e.id
        LIMIT ? OFFSET ?""", [limit, offset]))


def open_counts(db):
    """{priority: number open}, and the total under "all"."""
    counts = {r["priority"]: r["n"] for r in db.query(
        "SELECT priority, count(*) AS n FROM escalations WHERE closed_at IS NULL GROUP BY priority")}
    counts["all"] = sum(counts.values())
    return counts


def for_visit(db, visit_id):
    """Every escalation a visit raised, by entry and priority."""
    return list(db.query(
        "SELECT * FROM escalations WHERE visit_id = ? ORDER BY priority_rank, rule_id", [visit_id]))


def counts_by_visit(db, visit_ids):
    """{visit_id: number of escalations} for a list of visits, in one query."""
    if not visit_ids:
        return {}
    marks = ",".join("?" * len(visit_ids))
    return {r["visit_id"]: r["n"] for r in db.query(
        f"SELECT visit_id, count(*) AS n FROM escalations WHERE visit_id IN ({marks}) "
        "GROUP BY visit_id", list(visit_ids))}


def page_number(value):
    """A page number from the query string; a bad one is a 400 with a message."""
    try:
        page = int(value or 1)
    except ValueError:
        raise BadRequest("The page number must be a whole number, like 2.")
    if not 1 <= page <= MAX_PAGE:
        raise BadRequest(f"The page number must be between 1 and {MAX_PAGE:,}.")
    return page


@bp.route("/")
@role_required(*QUEUE_ROLES)
def queue():
    """Open escalations, highest priority and oldest first, each linking to its finding."""
    db = get_db()
    size = current_app.config["QUEUE_PAGE_SIZE"]
    page = page_number(request.args.get("page"))
    counts = open_counts(db)
    items = open_queue(db, size, (page - 1) * size)
    pages = max(1, -(-counts["all"] // size))
    return render_template("escalations/queue.html", items=items, counts=counts,
                           page=page, pages=pages)

