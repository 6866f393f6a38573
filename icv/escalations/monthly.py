"""Raising the monthly rules' escalations (AG1, AG2): a London month's reports together, not
one finding, so no visit, entry or review, and no suite when the finding is London-wide.

icv/summaries/monthly.py works out what a month's reports show and calls settle(), which makes
the month's monthly escalations match it, the way sync.sync does for one report: a new finding
is raised (due by its rule's priority), a changed one is updated with its history line, and one
no longer found (the month's reports were corrected since) is withdrawn, never deleted. It also
owns monthly_rule_runs, the months checked, so that a month is checked once on its own and
again only when someone asks (`flask monthly-rules`)."""
from dataclasses import dataclass

from .. import audit, rules
from ..codes import PRIORITIES
from ..db import writing
from .sync import bump, due_on, event, withdraw

NO_LONGER_FOUND = ("No longer raised: the month's reports were corrected before anyone worked "
                   "on it.")


@dataclass(frozen=True)
class Finding:
    """What one monthly check found: the rule, what it is about (`key`: the flag kind for AG1,
    'suite-<id>' for AG2), the suite (None for London), and the words."""
    rule_id: str
    key: str
    suite_id: int | None
    title: str
    detail: str


def ran(db, month):
    """True once the month ('YYYY-MM') has been checked: one primary-key lookup."""
    return db.execute("SELECT 1 FROM monthly_rule_runs WHERE month = ?", [month]).fetchone() is not None


def last_run(db, month):
    """The month's run {month, run_at, raised}, or None."""
    rows = list(db.query("SELECT * FROM monthly_rule_runs WHERE month = ?", [month]))
    return rows[0] if rows else None


def settle(db, month, found, *, now, due_days=None, once=False):
    """Make the month's monthly escalations match `found` ([Finding]) and record the run, in
    one transaction. Returns {"raised": [id], "updated": [id], "withdrawn": [id]}; with
    `once`, None (and nothing done) if the month was checked in the meantime."""
    with writing(db):
        if once and ran(db, month):
            return None
        done = sync_month(db, month, found, now=now, due_days=due_days)
        db.execute("INSERT INTO monthly_rule_runs (month, run_at, raised) VALUES (?, ?, ?) "
                   "ON CONFLICT (month) DO UPDATE SET run_at = excluded.run_at, "
                   "raised = excluded.raised", [month, now, len(found)])
        return done


def sync_month(db, month, found, *, now, due_days=None):
    """Raise, update or withdraw the month's monthly escalations to match `found`."""
    existing = {(r["rule_id"], r["monthly_key"]): r for r in db.query(
        "SELECT * FROM escalations WHERE period = ? AND source = 'monthly'", [month])}
    done = {"raised": [], "updated": [], "withdrawn": []}
    for f in found:
        row = existing.pop((f.rule_id, f.key), None)
        if row is None:
            done["raised"].append(raise_one(db, month, f, now, due_days))
        elif update(db, row, f, now, due_days):
            done["updated"].append(row["id"])
    for row in existing.values():
        if row["still_raised"]:
            withdraw(db, row, now, NO_LONGER_FOUND, "Checking the month again no longer finds this.")
            done["withdrawn"].append(row["id"])
    return done


def raise_one(db, month, f, now, due_days):
    """A new monthly escalation at its rule's own priority (no modifiers), with its history
    line and an audit entry (by the rules: no person)."""
    priority = rules.BY_ID[f.rule_id].priority
    new_id = db["escalations"].insert({
        "source": "monthly", "period": month, "monthly_key": f.key, "suite_id": f.suite_id,
        "rule_id": f.rule_id, "title": f.title, "detail": f.detail, "base_priority": priority,
        "priority": priority, "priority_rank": PRIORITIES.index(priority),
        "due_on": due_on(priority, now, due_days), "created_at": now, "updated_at": now}).last_pk
    event(db, new_id, "raised", now, to_value=priority, body=f"The monthly check of {month}.")
    audit.log(db, None, "raise", "escalation", new_id, rule=f.rule_id, priority=priority,
              period=month)
    return new_id


def update(db, row, f, now, due_days):
    """Bring a monthly escalation found again up to date: reopen it if only a re-run closed it,
    mark it raised again, and take the new words. True if anything changed."""
    changes = {}
    if row["closed_at"] is not None and row["closed_reason"] == NO_LONGER_FOUND:
        changes.update(status="new", closed_at=None, closed_reason="", still_raised=1,
                       due_on=due_on(row["priority"], now, due_days))
        event(db, row["id"], "status", now, from_value=row["status"], to_value="new",
              body="Found again when the month was checked again, so it is open again.")
    elif not row["still_raised"]:
        changes["still_raised"] = 1
        event(db, row["id"], "rerun", now, body="Found again when the month was checked again.")
    if row["detail"] != f.detail or row["title"] != f.title:
        changes.update(detail=f.detail, title=f.title)
        event(db, row["id"], "rerun", now, from_value=row["detail"], to_value=f.detail,
              body="Checking the month again changed what was found.")
    if changes:
        bump(db, row["id"], changes, now)
    return bool(changes)
