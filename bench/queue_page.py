"""Server latency of the custody team's queue with 100,000 escalations.

Run: .venv/bin/python bench/queue_page.py [--escalations 100000] [--requests 100] [--plans]

Builds a throwaway database (30 suites in 26 panels, 12 staff, 300 visitors, three years of
visits and detainee entries) with sqlite-utils insert_all, then times the queue page for
several views through Flask's test client (server time only: no network, no browser) and
prints a Markdown table for docs/benchmarks.md. --plans prints SQLite's query plan of each
view's page query.
"""
import argparse
import random
import time
import uuid
from datetime import timedelta

from common import bench_app, timed  # bench/common.py; it puts the project on sys.path

from icv.auth import User
from icv.codes import PRIORITIES
from icv.demo import SUITES
from icv.escalations import queries
from icv.escalations.sync import due_on
from icv.escalations.queries import Filters
from icv.rules import VISIT_RULES, raise_level
from icv.times import london_today, to_iso, utcnow

DAYS = 3 * 365
STAFF = 12
VISITORS = 300
# Most findings are old and closed; the last weeks hold the open work (roughly 6% open).
CLOSED_BY_AGE = [(14, 0.25), (60, 0.75), (None, 0.985)]


def add_suites(db):
    """The demo's suites in their panels; returns the suite ids."""
    panels = {}
    for name, bcu, panel, status in SUITES:
        if panel not in panels:
            panels[panel] = db["panels"].insert({"name": panel, "bcu": bcu}).last_pk
        suite_id = db["suites"].insert({"name": name, "bcu": bcu, "status": status}).last_pk
        db["panel_suites"].insert({"panel_id": panels[panel], "suite_id": suite_id})
    return [r["id"] for r in db.query("SELECT id FROM suites")]


def build(db, n, rng):
    """Reference data, visits, entries and `n` escalations; returns the staff user ids."""
    suites = add_suites(db)
    weights = [rng.uniform(0.3, 3) for _ in suites]  # busy suites raise more
    users = [{"email": f"staff{i}@example.org", "display_name": f"Staff {i}", "role": "custody_team",
              "password_hash": "x"} for i in range(STAFF)]
    users += [{"email": f"icv{i}@example.org", "display_name": f"Visitor {i}", "role": "icv",
               "password_hash": "x"} for i in range(VISITORS)]
    db["users"].insert_all(users)
    staff = [r["id"] for r in db.query("SELECT id FROM users WHERE role = 'custody_team' ORDER BY id")]
    icvs = [r["id"] for r in db.query("SELECT id FROM users WHERE role = 'icv'")]

    now = utcnow()
    detainee_rules = [r for r in VISIT_RULES if r.scope == "detainee"]
    rule_weights = [6 if r.priority in ("high", "medium") else 2 for r in detainee_rules]
    visits, entries, found = [], [], []
    visit_id = entry_id = 0
    while len(found) < n:
        visit_id += 1
        arrived = now - timedelta(days=DAYS * rng.random() ** 1.3, hours=2)
        suite = rng.choices(suites, weights)[0]
        author = rng.choice(icvs)
        visits.append({"id": visit_id, "client_id": str(uuid.UUID(int=rng.getrandbits(128))),
                       "suite_id": suite, "created_by": author, "arrived_at": to_iso(arrived),
                       "departed_at": to_iso(arrived + timedelta(hours=1)), "in_custody": 10,
                       "spoke_with": 4, "status": "submitted", "submitted_at": to_iso(arrived + timedelta(hours=1, minutes=10))})
        for position in range(rng.randint(1, 3)):
            entry_id += 1
            entries.append({"id": entry_id, "visit_id": visit_id, "entry_key": uuid.uuid4().hex,
                            "position": position, "custody_record_no": f"01BX/{entry_id:05d}/26",
                            "age_band": "25-34", "gender": "male", "ethnicity": "not_stated"})
            for rule in set(rng.choices(detainee_rules, rule_weights, k=rng.randint(1, 2))):
                found.append(escalation(rng, rule, visit_id, entry_id, suite, author, arrived, now, staff))
    db["visits"].insert_all(visits, batch_size=2000)
    db["detainee_entries"].insert_all(entries, batch_size=2000)
    db["escalations"].insert_all(found[:n], batch_size=2000)
    return staff


def escalation(rng, rule, visit_id, entry_id, suite, author, arrived, now, staff):
    created = arrived + timedelta(hours=1, minutes=10)
    priority = raise_level(rule.priority) if rng.random() < 0.15 else rule.priority
    age = (now - created).days
    closed = rng.random() < next(p for limit, p in CLOSED_BY_AGE if limit is None or age < limit)
    if closed:
        status = rng.choices(["resolved", "no_further_action"], [75, 25])[0]
        assignee = rng.choice(staff)
    else:
        status = rng.choices(["new", "triaged", "raised_with_police", "awaiting_response"],
                             [30, 25, 20, 25])[0]
        assignee = None if status == "new" and rng.random() < 0.7 else rng.choice(staff)
    closed_at = to_iso(created + timedelta(days=rng.uniform(1, 40))) if closed else None
    return {"source": "detainee", "visit_id": visit_id, "detainee_entry_id": entry_id,
            "suite_id": suite, "raised_by": author, "rule_id": rule.id, "title": rule.title,
            "base_priority": rule.priority, "priority": priority,
            "priority_rank": PRIORITIES.index(priority), "reasons": "[]", "status": status,
            "assigned_to": assignee, "due_on": due_on(priority, to_iso(created)),
            "police_response": "The inspector replied." if closed else "",
            "outcome_note": "Resolved with the police." if status == "resolved" else "",
            "closed_reason": "Done." if closed else "", "version": 4 if closed else 2,
            "created_at": to_iso(created), "updated_at": closed_at or to_iso(created),
            "closed_at": closed_at}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--escalations", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=100, help="requests per view")
    parser.add_argument("--plans", action="store_true", help="print each view's query plan")
    args = parser.parse_args()
    app, db = bench_app()
    start = time.perf_counter()
    staff = build(db, args.escalations, random.Random(2026))
    built = time.perf_counter() - start
    me = User(db["users"].get(staff[0]))
    client = app.test_client(user=me)
    brixton = next(db.query("SELECT id FROM suites WHERE name = 'Brixton'"))["id"]
    lambeth = next(db.query("SELECT id FROM panels WHERE name = 'Lambeth'"))["id"]
    open_count = db.execute("SELECT count(*) FROM escalations WHERE closed_at IS NULL").fetchone()[0]
    overdue = db.execute("SELECT count(*) FROM escalations WHERE closed_at IS NULL AND due_on < ?",
                         [london_today().isoformat()]).fetchone()[0]
    some = next(db.query("SELECT id FROM escalations WHERE closed_at IS NULL ORDER BY id DESC LIMIT 1"))["id"]
    views = [
        ("All open", Filters()),
        ("Mine", Filters(view="mine")),
        ("Unassigned", Filters(view="unassigned")),
        ("Overdue", Filters(view="overdue")),
        ("By suite (Brixton)", Filters(suite=brixton)),
        ("By panel (Lambeth)", Filters(panel=lambeth)),
        ("By rule (UF3)", Filters(rule="UF3")),
        ("By priority (high)", Filters(priority="high")),
        ("Status: resolved (closed)", Filters(status="resolved")),
        ("Page 50 of all open", Filters(page=50)),
    ]
    print(f"{args.escalations:,} escalations ({open_count:,} open, {overdue:,} overdue), "
          f"{db['visits'].count:,} visits, {db['detainee_entries'].count:,} detainee entries; "
          f"built in {built:.1f} s. {args.requests} requests per row.\n")
    print("| View | Address | Matching | p50 ms | p95 ms |")
    print("|---|---|---:|---:|---:|")
    for name, f in views:
        query = "&".join(f"{k}={v}" for k, v in f.args().items())
        path = "/escalations/" + (f"?{query}" if query else "")
        p50, p95, response = timed(lambda: client.get(path), args.requests, warm_up=True)
        assert response.status_code == 200, (path, response.status_code)
        total = queries.counts(db, f, me.id, london_today().isoformat())[f.view]["total"]
        print(f"| {name} | `{path}` | {total:,} | {p50:.1f} | {p95:.1f} |")
        if args.plans:
            where, params = queries._conditions(f, me.id, london_today().isoformat())
            plan = [r["detail"] for r in db.query(
                f"EXPLAIN QUERY PLAN SELECT e.id FROM escalations e WHERE {where} "
                f"ORDER BY {queries.ORDER} LIMIT 50", params)]
            print(f"|   plan | {'; '.join(plan)} | | | |")
    p50, p95, response = timed(lambda: client.get(f"/escalations/{some}"), args.requests,
                               warm_up=True)
    assert response.status_code == 200
    print(f"| One escalation (its page) | `/escalations/<id>` | | {p50:.1f} | {p95:.1f} |")


if __name__ == "__main__":
    main()
