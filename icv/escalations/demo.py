"""Demo data for the custody team's queue (icv/demo.py calls `work` after the visits): two more
custody team members, and the demo escalations worked as a team would have worked them, so
`make run` shows a queue with every status, assignees, notes, police responses and outcomes.

The history is written as it would have happened, at times between each escalation being
raised and now; the oldest unworked ones are overdue. Invented, like the rest of the demo.
"""
from datetime import timedelta

from ..times import from_iso, now_iso, to_iso, utcnow
from .queries import CLOSED_STATUSES

STAFF = [("aisha.khan@example.org", "Aisha Khan"), ("ben.carter@example.org", "Ben Carter")]
PATH = ["new", "triaged", "raised_with_police", "awaiting_response"]
# Where an escalation has got to, by age in days: (status, weight).
SPREAD = [
    (2, [("new", 70), ("triaged", 30)]),
    (7, [("new", 15), ("triaged", 30), ("raised_with_police", 25), ("awaiting_response", 20),
         ("resolved", 7), ("no_further_action", 3)]),
    (45, [("new", 4), ("triaged", 6), ("raised_with_police", 10), ("awaiting_response", 20),
          ("resolved", 45), ("no_further_action", 15)]),
    # The demo's year of history (icv/demo.py): nearly all closed long ago, a few still chased.
    (None, [("raised_with_police", 2), ("awaiting_response", 3), ("resolved", 75),
            ("no_further_action", 20)]),
]
POLICE = [
    "The custody inspector has reviewed the record and CCTV and will reply in writing.",
    "Borough custody lead accepts the finding; the officers concerned have had words of advice.",
    "The Met's custody command says the search was authorised; the record is being corrected.",
    "Referred to the Professional Standards unit; they will update us within 28 days.",
]
OUTCOMES = [
    "The police accepted the finding and have reminded custody staff of the Code C rules. "
    "Thank you for raising it.",
    "The suite has changed its procedure so this should not happen again. We will check on "
    "your next visits.",
    "The police looked into it and the custody record now shows what happened and why.",
    "This was raised with the borough's custody lead, who has apologised and retrained the team.",
]
NO_ACTION = [
    "The custody record shows the search was authorised and an appropriate adult was present.",
    "Duplicate of an escalation already with the police for the same detainee.",
    "The facility was repaired the same day; nothing more to do.",
]
NOTES = [
    "Called the custody sergeant: they are pulling the CCTV.",
    "Chase the inspector on Friday if there is no reply.",
    "Similar finding at this suite last month: worth raising at the panel meeting.",
    "Spoke to the visitor to check the detail; it matches the custody record.",
]


def work(db, rng, password_hash):
    """Add the extra staff and give the demo escalations a realistic spread of statuses,
    assignees, notes, police responses and outcomes (with their history)."""
    staff = [db["users"].insert({"email": email, "display_name": name, "role": "custody_team",
                                 "password_hash": password_hash, "created_at": now_iso(),
                                 "updated_at": now_iso()}).last_pk for email, name in STAFF]
    staff += [r["id"] for r in db.query("SELECT id FROM users WHERE role IN ('custody_team', "
                                        "'coordinator') AND id NOT IN (?, ?) ORDER BY id", staff)]
    now = utcnow()
    for e in list(db.query("SELECT * FROM escalations WHERE closed_at IS NULL ORDER BY id")):
        age = (now - from_iso(e["created_at"])).total_seconds() / 86400
        weights = next(w for limit, w in SPREAD if limit is None or age < limit)
        status = rng.choices([s for s, _ in weights], [n for _, n in weights])[0]
        if status != "new" or rng.random() < 0.3:
            _work(db, rng, e, status, staff, now)


def _work(db, rng, e, status, staff, now):
    """Write the history that takes one escalation from new to `status`, then the row."""
    start = from_iso(e["created_at"])
    span = max((now - start).total_seconds(), 60)
    clock = [start]

    def later(share):
        clock[0] = min(clock[0] + timedelta(seconds=span * share * rng.uniform(0.5, 1.0)),
                       now - timedelta(minutes=1))
        return to_iso(clock[0])

    def event(kind, who, before=None, after=None, body="", internal=True):
        db["escalation_events"].insert({
            "escalation_id": e["id"], "user_id": who, "kind": kind, "from_value": before,
            "to_value": after, "body": body, "internal": int(internal), "created_at": later(0.15)})

    owner = rng.choice(staff)
    changes = {"assigned_to": owner}
    event("assigned", owner, None, str(owner), "Claimed.")
    steps = PATH[1:PATH.index(status) + 1] if status in PATH else PATH[1:rng.randint(2, 4)]
    old = "new"
    for step in steps:
        event("status", owner, old, step)
        old = step
        if step == "raised_with_police" and rng.random() < 0.5:
            event("note", owner, body=rng.choice(NOTES))
    if old in ("awaiting_response", "raised_with_police") and (
            status in CLOSED_STATUSES or rng.random() < 0.4):
        changes["police_response"] = rng.choice(POLICE)
        event("police_response", owner, None, changes["police_response"])
    if status in CLOSED_STATUSES:
        resolved = status == "resolved"
        reason = "Police response accepted." if resolved else rng.choice(NO_ACTION)
        if rng.random() < 0.85:
            changes["outcome_note"] = rng.choice(OUTCOMES) if resolved else (
                "We looked into this and no further action is needed: " + reason[0].lower() + reason[1:])
            event("outcome", owner, None, changes["outcome_note"], internal=False)
        event("status", owner, old, status, reason)
        changes.update(status=status, closed_reason=reason, closed_at=to_iso(clock[0]))
    else:
        changes["status"] = old
        if rng.random() < 0.3:
            event("note", owner, body=rng.choice(NOTES))
        if rng.random() < 0.15 and old != "new":  # handed over to a colleague
            other = rng.choice([s for s in staff if s != owner])
            event("assigned", owner, str(owner), str(other))
            changes["assigned_to"] = other
    versions = db.execute("SELECT count(*) FROM escalation_events WHERE escalation_id = ? AND "
                          "user_id IS NOT NULL", [e["id"]]).fetchone()[0]
    db["escalations"].update(e["id"], {**changes, "version": e["version"] + versions,
                                       "updated_at": to_iso(clock[0])})

