"""Reading escalations: the queue's filters as one indexable query with counts per view, one
escalation with its finding and history, and what a visitor may see of their own findings.

Every queue query starts from an index of migration m007: open work is `closed_at IS NULL`
(the partial indexes escalations_queue, _unassigned and _due), a status filter uses
escalations_status, mine escalations_assigned. The page is chosen on escalations alone, and
only its rows get their names (suites, people) and custody record numbers, from the modules
that own those tables. A panel filter asks icv/suites.py for the panel's suites and filters on
`e.suite_id IN (...)`: the suite index, with no join.
"""
import json
from dataclasses import asdict, dataclass, replace
from datetime import date

from .. import codes, people, suites
from ..auth import STAFF
from ..codes import PRIORITIES
from ..visits import store as visits
from ..workdays import working_days_between

VIEWS = [("all", "All"), ("mine", "Assigned to me"), ("unassigned", "Unassigned"),
         ("overdue", "Overdue")]
STATUS_LABELS = dict(codes.ESCALATION_STATUSES)
CLOSED_STATUSES = ("resolved", "no_further_action")
ORDER = "e.priority_rank, e.created_at, e.id"
LONDON = "London"  # the suite of a London-wide monthly escalation (AG1), which has none


@dataclass(frozen=True)
class Filters:
    """What the queue shows: a view and optional filters, all in the query string."""
    view: str = "all"
    priority: str = ""
    suite: int | None = None
    panel: int | None = None
    rule: str = ""
    status: str = ""  # "" is every open status
    page: int = 1

    def args(self, **changes):
        """Query-string arguments for these filters with `changes`, defaults left out, so a
        bookmark reads /escalations/?view=mine&suite=3."""
        values = asdict(replace(self, **changes))
        return {k: v for k, v in values.items()
                if v not in (None, "") and not (k == "view" and v == "all")
                and not (k == "page" and v == 1)}

    @property
    def filtered(self):
        """True when anything but the view and page narrows the list."""
        return any((self.priority, self.suite, self.panel, self.rule, self.status))


def _conditions(db, f, user_id, today, view=True):
    """SQL conditions and parameters for the filters (and the view unless view=False)."""
    where, params = [], []
    narrow = f.suite or f.panel or f.rule  # a few thousand rows at most, whatever the status
    if f.status:
        # With a suite, panel or rule, "+" keeps SQLite off the status index (a closed status
        # is most of the table: it guesses without ANALYZE statistics).
        where.append("+e.status = ?" if narrow else "e.status = ?")
        params.append(f.status)
    else:
        where.append("e.closed_at IS NULL")
    if f.priority:
        where.append("e.priority_rank = ?")
        params.append(PRIORITIES.index(f.priority))
    if f.suite:
        where.append("e.suite_id = ?")
        params.append(f.suite)
    if f.panel:
        in_panel = suites.in_panel(db, f.panel)
        where.append(f"e.suite_id IN ({','.join('?' * len(in_panel))})")
        params.extend(in_panel)
    if f.rule:
        where.append("e.rule_id = ?")
        params.append(f.rule)
    if view and f.view == "mine":
        where.append("e.assigned_to = ?")
        params.append(user_id)
    elif view and f.view == "unassigned":
        where.append("e.assigned_to IS NULL")
    elif view and f.view == "overdue":
        where.append("e.closed_at IS NULL AND e.due_on < ?")
        params.append(today)
    return " AND ".join(where), params


def counts(db, f, user_id, today):
    """{view: {"total": n, priority: n, ...}} for every view under the other filters.

    Open work (a few thousand rows at most) is counted in one pass over the open-work index.
    A closed status can hold most of the table, so each view is counted on its own index:
    the status index for all, the assignee index for mine and unassigned (INDEXED BY: with no
    ANALYZE statistics SQLite would read every closed row) unless a suite, panel or rule
    narrows it further; closed work is never overdue."""
    found = {view: {"total": 0, **{p: 0 for p in PRIORITIES}} for view, _ in VIEWS}
    if f.status in CLOSED_STATUSES:
        by_assignee = "" if (f.suite or f.panel or f.rule) else "INDEXED BY escalations_assigned"
        for view, index in (("all", ""), ("mine", by_assignee), ("unassigned", by_assignee)):
            where, params = _conditions(db, replace(f, view=view), user_id, today)
            for r in db.query(f"SELECT e.priority_rank AS rank, count(*) AS n FROM escalations e "
                              f"{index} WHERE {where} GROUP BY e.priority_rank", params):
                found[view]["total"] += r["n"]
                found[view][PRIORITIES[r["rank"]]] = r["n"]
        return found
    where, params = _conditions(db, f, user_id, today, view=False)
    for r in db.query(f"""
            SELECT e.priority_rank AS rank, count(*) AS n,
              coalesce(sum(e.assigned_to = ?), 0) AS mine,
              coalesce(sum(e.assigned_to IS NULL), 0) AS unassigned,
              coalesce(sum(e.closed_at IS NULL AND e.due_on < ?), 0) AS overdue
            FROM escalations e WHERE {where} GROUP BY e.priority_rank""",
                      [user_id, today, *params]):
        for view, n in (("all", r["n"]), ("mine", r["mine"]), ("unassigned", r["unassigned"]),
                        ("overdue", r["overdue"])):
            found[view]["total"] += n
            found[view][PRIORITIES[r["rank"]]] += n
    return found


def queue(db, f, user_id, today, size):
    """One page of the queue: most urgent first, then oldest, with suite ("London" for a
    London-wide one), assignee and the custody record number of the entry (if any)."""
    where, params = _conditions(db, f, user_id, today)
    rows = list(db.query(f"""
        SELECT e.id, e.source, e.visit_id, e.detainee_entry_id, e.review_id, e.rule_id, e.title,
          e.priority, e.status, e.assigned_to, e.due_on, e.created_at, e.closed_at, e.version,
          e.still_raised, e.suite_id, e.period
        FROM (SELECT e.id FROM escalations e WHERE {where} ORDER BY {ORDER} LIMIT ? OFFSET ?) AS page
        JOIN escalations e ON e.id = page.id
        ORDER BY {ORDER}""", [*params, size, (f.page - 1) * size]))
    suite_names = suites.names(db, [r["suite_id"] for r in rows])
    assignees = people.names(db, [r["assigned_to"] for r in rows])
    numbers = visits.custody_record_numbers(db, [r["detainee_entry_id"] for r in rows])
    arrivals = visits.arrivals(db, [r["visit_id"] for r in rows])
    return [{**r, "suite_name": suite_names.get(r["suite_id"], LONDON), "assigned_name": assignees.get(r["assigned_to"]),
             "custody_record_no": numbers.get(r["detainee_entry_id"]), "arrived_at": arrivals.get(r["visit_id"]),
             "month_name": month_name(r["period"])}
            for r in rows]


def month_name(period):
    """'October 2026' for a monthly escalation's period '2026-10'; None for any other."""
    return date.fromisoformat(f"{period}-01").strftime("%B %Y") if period else None


def summary_area(e):
    """The summary area key a monthly escalation is about: its suite's, or London's."""
    return f"suite-{e['suite_id']}" if e["suite_id"] else "london"


def due_state(due_on, closed_at, today):
    """(state, words) for a due date: ("overdue", "Overdue by 2 working days"), ("today",
    "Due today"), ("due", "Due Mon 7 Dec 2026"), or (None, ...) when closed or never due.
    `due_on` and `today` are London dates."""
    if closed_at:
        return None, "Closed"
    if not due_on:
        return None, "No due date"
    due = date.fromisoformat(due_on)
    if due < today:
        late = working_days_between(due, today)
        if late == 0:  # due on Friday, looked at on Saturday
            return "overdue", f"Overdue: was due {due:%a %-d %b}"
        return "overdue", f"Overdue by {late} working day{'s' if late != 1 else ''}"
    if due == today:
        return "today", "Due today"
    return "due", f"Due {due:%a %-d %b %Y}"


# One escalation ---------------------------------------------------------------------------------

def get(db, escalation_id):
    """The escalation with its suite ("London" for a London-wide one), assignee and who raised
    it, or None."""
    rows = list(db.query("SELECT * FROM escalations WHERE id = ?", [escalation_id]))
    if not rows:
        return None
    e = rows[0]
    names = people.names(db, [e["assigned_to"], e["raised_by"]])
    return {**e, "reasons": json.loads(e["reasons"]),
            "suite_name": suites.name(db, e["suite_id"]) if e["suite_id"] else LONDON,
            "month_name": month_name(e["period"]),
            "assigned_name": names.get(e["assigned_to"]), "raised_by_name": names.get(e["raised_by"])}


def history(db, escalation_id, after=0):
    """Every event of an escalation, oldest first, with who made it and, for an assignment,
    the names it moved between; `after` an event id to get only newer ones."""
    events = list(db.query("SELECT * FROM escalation_events WHERE escalation_id = ? AND id > ? "
                           "ORDER BY id", [escalation_id, after or 0]))

    def assignee(ev, column):  # an assignment's from and to are user ids, as text
        value = ev[column] if ev["kind"] == "assigned" else None
        return int(value) if value and value.isdigit() else None
    names = people.names(db, [id for ev in events for id in (
        ev["user_id"], assignee(ev, "from_value"), assignee(ev, "to_value"))])
    return [{**ev, "user_name": names.get(ev["user_id"]),
             "from_name": names.get(assignee(ev, "from_value")),
             "to_name": names.get(assignee(ev, "to_value"))} for ev in events]


def describe(ev):
    """One history line in words (the body, such as a note or reason, is shown after it)."""
    label = STATUS_LABELS.get
    kind, before, after = ev["kind"], ev["from_value"], ev["to_value"]
    if kind == "raised":
        return f"Raised by the rules as {after} priority."
    if kind == "status":
        return f"Status: {label(before, before)} → {label(after, after)}."
    if kind == "assigned":
        if after is None:
            return f"Unassigned (was {ev['from_name']})."
        if ev["body"] == "Claimed.":
            return "Claimed it."
        return f"Assigned to {ev['to_name']}" + (f" (was {ev['from_name']})." if before else ".")
    if kind == "priority":
        return f"Priority: {(before or '').capitalize()} → {(after or '').capitalize()}."
    if kind == "note":
        return "Internal note."
    if kind == "police_response":
        return "Police response recorded." if not before else "Police response changed."
    if kind == "outcome":
        return "Outcome for the visitor written." if not before else "Outcome for the visitor changed."
    if kind == "due":
        return f"Due date: {before or 'none'} → {after or 'none'}."
    return "Updated after the report was corrected."  # rerun


def staff(db):
    """(id, name) of active people who can be assigned escalations."""
    return people.with_roles(db, STAFF)


# Escalations of a visit report ------------------------------------------------------------------

VISITOR_COLUMNS = ("id, visit_id, detainee_entry_id, rule_id, title, priority, status, outcome_note, "
                   "closed_at")


def for_visit(db, visit_id):
    """Every escalation a visit raised, by entry and priority: only what the report page shows
    anyone who may open the report (never internal notes or the police response)."""
    return list(db.query(f"SELECT {VISITOR_COLUMNS} FROM escalations WHERE visit_id = ? "
                         "ORDER BY priority_rank, rule_id", [visit_id]))


def outcomes_by_visit(db, visit_ids):
    """{visit_id: [finding]} for a visitor's own reports: what they may see of each escalation
    (rule, title, status, the outcome note written for them, when it closed). Never internal
    notes, the police response, the assignee or the history."""
    return _outcomes(db, "visit_id", visit_ids)


def outcomes_by_review(db, review_ids):
    """{review_id: [finding]} for a reviewer's own reviews (My reviews): what a visitor may see
    of each escalation the review raised, as outcomes_by_visit; never internal notes, the police
    response, the assignee, why it was closed or the history."""
    return _outcomes(db, "review_id", review_ids)


def _outcomes(db, column, ids):
    """Findings by `column` (visit_id or review_id: each has its index) for these ids."""
    if not ids:
        return {}
    found = {}
    for r in db.query(f"""
            SELECT {VISITOR_COLUMNS}, review_id FROM escalations WHERE {column} IN ({",".join("?" * len(ids))})
            ORDER BY {column}, priority_rank, rule_id""", list(ids)):
        found.setdefault(r[column], []).append(r)
    return found


def for_review(db, review_id):
    """The escalations a review raised, as its page shows them to anyone who may open it: what
    a visitor may see of an escalation and the rule's reasons, never the police response,
    internal notes, the assignee or why it was closed."""
    return list(db.query(f"SELECT {VISITOR_COLUMNS}, detail FROM escalations WHERE review_id = ? "
                         "ORDER BY priority_rank, rule_id", [review_id]))


def count_by_review(db, review_ids):
    """{review id: escalations it raised} (reviews that raised none are left out)."""
    if not review_ids:
        return {}
    return {r["review_id"]: r["n"] for r in db.query(
        f"SELECT review_id, count(*) AS n FROM escalations WHERE review_id IN "
        f"({','.join('?' * len(review_ids))}) GROUP BY review_id", list(review_ids))}


def raised_by_rule(db, start, end):
    """{rule id: escalations raised in [start, end)}: a read-only count, like the summaries."""
    return {r["rule_id"]: r["n"] for r in db.query(
        "SELECT rule_id, count(*) AS n FROM escalations WHERE created_at >= ? AND created_at < ? "
        "AND still_raised = 1 "
        "GROUP BY rule_id", [start, end])}


def still_open(db, column):
    """The visit or review ids (`column`: "visit_id" or "review_id") with an escalation not yet
    closed: retention keeps their custody record numbers and free text until it is."""
    if column not in ("visit_id", "review_id"):
        raise ValueError(column)
    return {r[column] for r in db.query(
        f"SELECT DISTINCT {column} FROM escalations WHERE closed_at IS NULL AND {column} IS NOT NULL")}
