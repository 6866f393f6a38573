"""Escalations: findings the rules flagged, in the custody team's queue."""
from flask import Blueprint, current_app, render_template, request
from werkzeug.exceptions import BadRequest

from .auth import role_required
from .db import get_db

bp = Blueprint("escalations", __name__, url_prefix="/escalations")

QUEUE_ROLES = ("custody_team", "coordinator", "admin")
MAX_PAGE = 100_000


def record(db, visit_id, detainee_entry_id, found, created_at):
    """Open an escalation for each rule a finding raised; a finding+rule already there is kept."""
    for escalation in found:
        db.execute(
            """INSERT OR IGNORE INTO escalations (visit_id, detainee_entry_id, rule_id, title,
                 priority, priority_rank, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)""",
            [visit_id, detainee_entry_id, escalation.rule_id, escalation.title,
             escalation.priority, escalation.priority_rank, created_at, created_at])


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

