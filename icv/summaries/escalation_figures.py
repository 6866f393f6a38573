"""Figures about escalations: opened, resolved and overdue in a period, how long they took, by
rule, priority and outcome, and the oldest still open.

Only escalations still raised count (still_raised = 0: withdrawn when a correction took its
finding away). An area is its suites; London counts every escalation, London-wide ones with no
suite too (rule AG1), which `suite_id IN (...)` leaves out of a panel or suite.

Each figure starts from an index over the period's rows: opened on escalations_created
(created_at), closed on escalations_closed (closed_at). "Open at the end" of a past period is
open now (the small partial index escalations_queue) plus closed since the end
(escalations_closed from the end on): never all history. Figures read each escalation as it is
now, so one reopened after the period counts from its latest closing.

The state at the end: for a period that has ended, at London midnight at its end; for the
period still running, now. Overdue: open then, with its due date (a London date, the last day
to act on it) before the period's end date or today, whichever is earlier, as the queue's
"Overdue" view counts it on that day.
"""
from datetime import date

from .. import codes, rules, suites
from ..times import london
from .model import Chart, Column, Table
from .query import in_area, median, percent, percentile

PRIORITY_LABELS = {p: p.capitalize() for p in codes.PRIORITIES}
STATUS_LABELS = dict(codes.ESCALATION_STATUSES)
CLOSED = ("resolved", "no_further_action")
OLDEST = 10
FIELDS = "id, rule_id, priority, status, suite_id, created_at, closed_at"


# Reading ---------------------------------------------------------------------------------------
# Counts come back grouped by rule and priority ({rule_id, priority, title, n, ...}): a year of
# London's escalations is ten thousand rows, added up in SQL.

def opened_in(db, suite_ids, start, end):
    """Counts of the escalations opened in [start, end) (stored UTC text)."""
    area, params = in_area("suite_id", suite_ids)
    return list(db.query(f"""
        SELECT rule_id, priority, status, max(title) AS title, count(*) AS n
        FROM escalations INDEXED BY escalations_created
        WHERE created_at >= ? AND created_at < ? AND still_raised = 1{area}
        GROUP BY rule_id, priority, status""", [start, end, *params]))


def closed_in(db, suite_ids, start, end):
    """The escalations resolved or closed in [start, end): (counts by rule, priority and status,
    with how many have the police's response recorded (`answered`); [(priority, days from
    opening to closing)]). One pass over the period's closings: tuples, added up here."""
    area, params = in_area("suite_id", suite_ids)
    rows = db.execute(f"""
        SELECT rule_id, priority, status, title, police_response != '',
          julianday(closed_at) - julianday(created_at)
        FROM escalations INDEXED BY escalations_closed
        WHERE closed_at >= ? AND closed_at < ? AND still_raised = 1{area}""",
                      [start, end, *params]).fetchall()
    counts = {}
    for rule_id, priority, status, title, answered, _ in rows:
        c = counts.setdefault((rule_id, priority, status), {
            "rule_id": rule_id, "priority": priority, "status": status, "title": title,
            "n": 0, "answered": 0})
        c["n"] += 1
        c["answered"] += answered
    return list(counts.values()), [(r[1], r[5]) for r in rows]


def counting_back(db, end):
    """True if the escalations open at `end` are cheaper to find as those opened before it less
    those closed before it (a period long past) than as those open now plus those closed since
    (a recent one). Decided on two index-only counts, before any row is read."""
    since = db.execute("SELECT count(*) FROM escalations INDEXED BY escalations_closed "
                       "WHERE closed_at >= ?", [end]).fetchone()[0]
    before = db.execute("SELECT count(*) FROM escalations INDEXED BY escalations_created "
                        "WHERE created_at < ?", [end]).fetchone()[0]
    return since > before


def _open_at(db, suite_ids, end, day):
    """(SQL, params) of rows (rule_id, priority, title, n, overdue) whose sums by rule and
    priority are the escalations open at `end`, opened before it and not closed before it, and
    those of them overdue on London `day`. Recent: each open now (escalations_queue) and each
    closed since the end (escalations_closed), counted +1. Long past: each opened before the
    end (escalations_created) +1 and each closed before it (escalations_closed) -1."""
    area, params = in_area("suite_id", suite_ids)
    due = "coalesce(due_on < ?, 0)"
    if counting_back(db, end):
        sql = f"""
            SELECT rule_id, priority, title, 1 AS n, {due} AS overdue
            FROM escalations INDEXED BY escalations_created
            WHERE created_at < ? AND still_raised = 1{area}
            UNION ALL
            SELECT rule_id, priority, title, -1, -{due}
            FROM escalations INDEXED BY escalations_closed
            WHERE closed_at < ? AND still_raised = 1{area}"""
    else:
        sql = f"""
            SELECT rule_id, priority, title, 1 AS n, {due} AS overdue
            FROM escalations INDEXED BY escalations_queue
            WHERE closed_at IS NULL AND +created_at < ? AND still_raised = 1{area}
            UNION ALL
            SELECT rule_id, priority, title, 1, {due}
            FROM escalations INDEXED BY escalations_closed
            WHERE closed_at >= ? AND +created_at < ? AND still_raised = 1{area}"""
    day = day.isoformat()
    return sql, ([day, end, *params, day, end, *params] if "-1" in sql
                 else [day, end, *params, day, end, end, *params])


def open_at(db, suite_ids, end, day):
    """Counts of the escalations open at `end` (stored UTC text; a future end: open now), with
    how many were overdue on London `day` (due before it)."""
    sql, params = _open_at(db, suite_ids, end, day)
    found = db.query(f"""
        SELECT rule_id, priority, max(title) AS title, sum(n) AS n, sum(overdue) AS overdue
        FROM ({sql}) GROUP BY rule_id, priority""", params)
    return [r for r in found if r["n"]]


def count_open_at(db, suite_ids, end):
    sql, params = _open_at(db, suite_ids, end, date.min)
    return db.execute(f"SELECT coalesce(sum(n), 0) FROM ({sql})", params).fetchone()[0]


def oldest_open_at(db, suite_ids, end, limit=OLDEST):
    """The `limit` escalations open longest at `end`, oldest first: from the oldest opened,
    skipping those closed before the end (a long-past end), or the oldest of those open now and
    those closed since (a recent one)."""
    area, params = in_area("suite_id", suite_ids)
    if counting_back(db, end):
        sql = f"""
            SELECT {FIELDS} FROM escalations INDEXED BY escalations_created
            WHERE created_at < ? AND (closed_at IS NULL OR closed_at >= ?) AND still_raised = 1{area}
            ORDER BY created_at, id LIMIT ?"""
        return list(db.query(sql, [end, end, *params, limit]))
    sql = f"""
        SELECT {FIELDS} FROM escalations INDEXED BY escalations_queue
        WHERE closed_at IS NULL AND +created_at < ? AND still_raised = 1{area}
        UNION ALL
        SELECT {FIELDS} FROM escalations INDEXED BY escalations_closed
        WHERE closed_at >= ? AND +created_at < ? AND still_raised = 1{area}"""
    return list(db.query(f"SELECT * FROM ({sql}) ORDER BY created_at, id LIMIT ?",
                         [end, *params, end, end, *params, limit]))


def count_in(db, suite_ids, column, start, end):
    """How many were opened (column created_at) or closed (closed_at) in [start, end)."""
    index = {"created_at": "escalations_created", "closed_at": "escalations_closed"}[column]
    area, params = in_area("suite_id", suite_ids)
    return db.execute(f"""
        SELECT count(*) FROM escalations INDEXED BY {index}
        WHERE {column} >= ? AND {column} < ? AND still_raised = 1{area}""",
                      [start, end, *params]).fetchone()[0]


def total(counts, column="n", **match):
    """The sum of `column` over the grouped counts matching, e.g. total(found, priority="high")."""
    return sum(c[column] for c in counts if all(c[k] == v for k, v in match.items()))


def headline(db, area, period):
    """Escalations opened and resolved or closed in the period, and open at its end."""
    start, end = period.bounds()
    return [("esc_opened", "Escalations opened", count_in(db, area.suite_ids, "created_at", start, end)),
            ("esc_closed", "Escalations resolved or closed",
             count_in(db, area.suite_ids, "closed_at", start, end)),
            ("esc_open_at_end", "Escalations open at the end of the period",
             count_open_at(db, area.suite_ids, end))]


# The state at the end ----------------------------------------------------------------------------

def reference_day(period, today):
    """The London day the state is read on: the period's end date (the day after its last),
    or today while it is still running."""
    return min(period.end_day, today)


def when_words(period, today):
    """'at the end of October 2026' or 'now (October 2026 has not ended)'."""
    if period.has_ended(today):
        return f"at the end of {period.label}"
    return f"now ({period.label} has not ended)"


def days_open(row, day):
    """Whole London days from the day it was opened to `day`."""
    return (day - london(row["created_at"]).date()).days


# Tables ----------------------------------------------------------------------------------------

def escalation_tables(db, area, period, settings, today):
    start, end = period.bounds()
    day = reference_day(period, today)
    opened = opened_in(db, area.suite_ids, start, end)
    closed, days = closed_in(db, area.suite_ids, start, end)
    still_open = open_at(db, area.suite_ids, end, day)
    when = when_words(period, today)
    return [overview_table(opened, closed, still_open, when, day),
            time_table(days),
            rule_table(opened, closed, still_open, when),
            priority_table(opened, closed, still_open, when),
            status_table(opened),
            outcome_table(closed),
            oldest_table(db, oldest_open_at(db, area.suite_ids, end), when, day)]


def overview_table(opened, closed, still_open, when, day):
    rows = [{"what": "Opened in the period", "escalations": total(opened)},
            {"what": "Resolved or closed in the period", "escalations": total(closed)},
            {"what": f"Open {when}", "escalations": total(still_open)},
            {"what": f"Overdue {when}", "escalations": total(still_open, "overdue")}]
    columns = [Column("what", "Escalations", "label"), Column("escalations", "Escalations")]
    return Table("esc_overview", "Escalations in the period", columns, rows,
                 description=f"Escalations opened and resolved or closed (resolved, or closed as "
                             f"no further action) in the period, and those open {when}. Overdue: "
                             f"open, with the date it was due to be dealt with before "
                             f"{day:%-d %B %Y}. Escalations withdrawn by a correction are left out.")


def time_table(days):
    """Days from opening to closing of those closed in the period, by priority and in all;
    `days` is [(priority, days)]."""
    def row(label, found):
        return {"priority": label, "closed": len(found),
                "median": _days(median(found)), "p90": _days(percentile(found, 90))}
    rows = [row(PRIORITY_LABELS[p], [d for priority, d in days if priority == p])
            for p in codes.PRIORITIES]
    columns = [Column("priority", "Priority", "label"),
               Column("closed", "Resolved or closed"),
               Column("median", "Median time to close", "number", unit="days"),
               Column("p90", "90th percentile", "number", unit="days")]
    return Table("esc_time_to_close", "Time to resolve", columns, rows if days else [],
                 description="How long the escalations resolved or closed in the period had been "
                             "open, in days from being opened to being closed: the median (half "
                             "took longer) and the 90th percentile (one in ten took longer).",
                 total=row("All", [d for _, d in days]))


def _days(value):
    return None if value is None else round(value, 1)


def rule_table(opened, closed, still_open, when):
    """Opened, closed and still open by the rule that raised them, in the rulebook's order."""
    found = {c["rule_id"]: c["title"] for c in (*opened, *closed, *still_open)}
    order = list(rules.BY_ID)
    ids = sorted(found, key=lambda i: (order.index(i) if i in order else len(order), i))
    rows = [{"rule": i, "title": rules.BY_ID[i].title if i in rules.BY_ID else found[i],
             "opened": total(opened, rule_id=i), "closed": total(closed, rule_id=i),
             "open": total(still_open, rule_id=i)} for i in ids]
    columns = [Column("rule", "Rule", "label"), Column("title", "What it raises", "text"),
               Column("opened", "Opened"), Column("closed", "Resolved or closed"),
               Column("open", f"Open {when}")]
    return Table("esc_by_rule", "By rule", columns, rows,
                 description=f"Escalations by the rule that raised them: opened and resolved or "
                             f"closed in the period, and open {when}.",
                 total={"rule": "All", "title": "", "opened": total(opened),
                        "closed": total(closed), "open": total(still_open)})


def priority_table(opened, closed, still_open, when):
    """Opened, closed, open and overdue by priority (as the escalation has it now)."""
    rows = [{"priority": PRIORITY_LABELS[p], "opened": total(opened, priority=p),
             "closed": total(closed, priority=p), "open": total(still_open, priority=p),
             "overdue": total(still_open, "overdue", priority=p)} for p in codes.PRIORITIES]
    columns = [Column("priority", "Priority", "label"), Column("opened", "Opened"),
               Column("closed", "Resolved or closed"), Column("open", f"Open {when}"),
               Column("overdue", f"Overdue {when}")]
    return Table("esc_by_priority", "By priority", columns, rows,
                 description=f"Escalations by priority: opened and resolved or closed in the "
                             f"period, and open and overdue {when}.",
                 total={"priority": "All", "opened": total(opened), "closed": total(closed),
                        "open": total(still_open), "overdue": total(still_open, "overdue")},
                 chart=Chart(("opened", "closed", "open"), "Escalations by priority",
                             f"Escalations opened and resolved or closed in the period, and open "
                             f"{when}, for each priority."))


def status_table(opened):
    """The escalations opened in the period by where they have got to now."""
    rows = [{"status": label, "escalations": total(opened, status=code),
             "share": percent(total(opened, status=code), total(opened))}
            for code, label in codes.ESCALATION_STATUSES]
    columns = [Column("status", "Status now", "label"), Column("escalations", "Escalations"),
               Column("share", "Share of those opened (%)", "percent", of="escalations")]
    return Table("esc_by_status", "Opened in the period, by status now", columns, rows,
                 description="Where the escalations opened in the period have got to: still new, "
                             "being worked (triaged, raised with the police, awaiting their "
                             "response) or closed.",
                 total={"status": "All opened", "escalations": total(opened),
                        "share": 100.0 if total(opened) else None},
                 chart=Chart(("escalations",)))


def outcome_table(closed):
    """Of those closed in the period: resolved or no further action, and with a police response."""
    rows = [{"outcome": STATUS_LABELS[s], "closed": total(closed, status=s),
             "share": percent(total(closed, status=s), total(closed)),
             "police_response": total(closed, "answered", status=s)} for s in CLOSED]
    columns = [Column("outcome", "Outcome", "label"), Column("closed", "Escalations"),
               Column("share", "Share of those closed (%)", "percent", of="closed"),
               Column("police_response", "With the police's response recorded")]
    return Table("esc_by_outcome", "By outcome", columns, rows if closed else [],
                 description="How the escalations resolved or closed in the period ended: "
                             "resolved, or closed as needing no further action, and how many "
                             "have the police's response recorded.",
                 total={"outcome": "All closed", "closed": total(closed),
                        "share": 100.0 if closed else None,
                        "police_response": total(closed, "answered")},
                 notes=["The reason given when each was closed is free text, so it is not "
                        "counted here or exported: it is on each escalation's page."])


def oldest_table(db, oldest, when, day):
    """The longest-open escalations at the end (or now), oldest first."""
    names = suites.names(db, [r["suite_id"] for r in oldest if r["suite_id"] is not None])
    rows = [{"id": str(r["id"]), "rule": r["rule_id"], "priority": PRIORITY_LABELS[r["priority"]],
             "suite": names[r["suite_id"]] if r["suite_id"] is not None else "London-wide",
             "opened": london(r["created_at"]).date().isoformat(), "days": days_open(r, day),
             "status": status_words(r)} for r in oldest]
    columns = [Column("id", "Escalation", "label"), Column("rule", "Rule", "text"),
               Column("priority", "Priority", "text"), Column("suite", "Suite", "text"),
               Column("opened", "Opened", "text"), Column("days", "Days open", "number", unit="days"),
               Column("status", "Status now", "text")]
    return Table("esc_oldest_open", "Oldest open", columns, rows,
                 description=f"The {OLDEST} escalations open longest {when}, oldest first. Days "
                             f"open: London days from the day it was opened to {day:%-d %B %Y}.",
                 empty=f"No escalations were open {when}.")


def status_words(row):
    """Its status now; for one closed since, when."""
    words = STATUS_LABELS.get(row["status"], row["status"])
    if row["closed_at"]:
        words += f" on {london(row['closed_at']).date().isoformat()}"
    return words

