"""Page weight and server latency of the pages in the visit -> queue -> summary loop.

Run: .venv/bin/python bench/pages.py [--requests 200]

Builds a throwaway database with the demo data, then times requests through Flask's
test client (server time only: no network, no browser). Prints a Markdown table for
docs/benchmarks.md. Weight is what a phone downloads for the page: HTML plus the one
stylesheet and the one script (app.js), raw and gzip-compressed.
"""
import argparse
import gzip
import random
import uuid

from common import bench_app, timed  # bench/common.py; it puts the project on sys.path

from icv import ROOT, demo
from icv.auth import User
from icv.demo import load
from icv.times import london_today
from icv.visits.questions import FACILITY_ITEMS, GROUP_COUNTS


def visit_post(suite_id, partner_id):
    """Form data for a complete, valid report with one flagged child, submitted in one POST
    (what the offline outbox sends)."""
    client_id = str(uuid.uuid4())
    fields = {
        "client_id": client_id, "suite_id": str(suite_id), "visit_type": "routine",
        "visit_date": london_today().isoformat(), "arrival_time": "00:01", "admitted_time": "00:02",
        "departure_time": "00:03", "partner_id": str(partner_id), "custody_officer": "PS 1234",
        "in_custody": "6", "offered": "4", "outcomes-spoke_with": "3", "outcomes-observed_only": "1",
        "outcomes-declined": "1", "outcomes-not_seen": "1", "not_seen_reasons-asleep": "1",
        "detainees-0-entry_key": uuid.uuid4().hex,
        "detainees-0-custody_record_no": f"01BX/{random.randint(10000, 99999)}/26",
        "detainees-0-age_band": "16-17", "detainees-0-gender": "female",
        "detainees-0-ethnicity": "black_caribbean", "detainees-0-consent": "yes",
        "detainees-0-strip_search": "no", "detainees-0-intimate_search": "no",
        "detainees-0-use_of_force": "no", "detainees-0-child": "yes",
        "detainees-0-child_answers-aa_status": "present", "detainees-0-child_answers-held_in": "cell",
        "detainees-0-child_answers-sharing_with_adult": "yes",
        "detainees-0-child_answers-expected_overnight": "no", "action": "submit",
    }
    fields.update({f"groups-{name}": "0" for name, _, _ in GROUP_COUNTS})
    fields["groups-children"] = "1"
    fields.update({f"facilities-{item}": "ok" for item, _ in FACILITY_ITEMS})
    return client_id, fields


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=200, help="requests per page")
    args = parser.parse_args()
    app, db = bench_app()
    load(db, random.Random(2026))
    user = {role: User(next(db.query("SELECT * FROM users WHERE role = ? ORDER BY id", [role])))
            for role in ("icv", "custody_team", "coordinator")}
    suite_id = next(db.query("SELECT id FROM suites WHERE name = 'Brixton'"))["id"]
    visit_id = next(db.query("SELECT visit_id FROM escalations ORDER BY id LIMIT 1"))["visit_id"]
    css = (ROOT / "static" / "style.css").read_bytes()
    js = (ROOT / "static" / "app.js").read_bytes()  # every HTML page loads it (cached after once)
    summary_css = (ROOT / "static" / "summary.css").read_bytes()
    month = london_today().strftime("%Y-%m")
    icv_id = user["icv"].id
    review = next(db.query(
        "SELECT r.client_id FROM custody_record_reviews r JOIN review_assignments a "
        "ON a.record_id = r.record_id WHERE a.user_id = ? AND r.status = 'draft' LIMIT 1", [icv_id]))
    escalation_id = next(db.query("SELECT id FROM escalations ORDER BY id LIMIT 1"))["id"]
    pages = [
        ("Sign in", None, "/login"),
        ("My reports", "icv", "/visits/"),
        ("New visit report", "icv", "/visits/new"),
        ("Visit report", "custody_team", f"/visits/{visit_id}"),
        ("Escalation queue", "custody_team", "/escalations/"),
        ("One escalation", "custody_team", f"/escalations/{escalation_id}"),
        ("Rules", "custody_team", "/rules/"),
        ("Custody record review form", "icv", f"/reviews/drafts/{review['client_id']}"),
        ("Summary: London, this month (audited)", "coordinator",
         f"/summaries/?area=london&period={month}&edition=staff"),
        ("Visits CSV", "coordinator", f"/summaries/export/visits.csv?area=london&period={month}"),
    ]
    print(f"Demo data: {db['visits'].count} visits, {db['escalations'].count} escalations; "
          f"{args.requests} requests per row.\n")
    print("| Page | HTML bytes | HTML+CSS+JS bytes | HTML+CSS+JS gzip | p50 ms | p95 ms |")
    print("|---|---:|---:|---:|---:|---:|")
    for name, role, path in pages:
        client = app.test_client(user=user[role]) if role else app.test_client()
        p50, p95, response = timed(lambda: client.get(path), args.requests)
        assert response.status_code == 200, (path, response.status_code)
        body = response.data
        is_csv = ".csv" in path
        # The summary page loads its own stylesheet as well (static/summary.css).
        styles = css + summary_css if path.startswith("/summaries/?") else css
        total = body if is_csv else body + styles + js
        zipped = len(gzip.compress(body)) + (
            0 if is_csv else len(gzip.compress(styles)) + len(gzip.compress(js)))
        print(f"| {name} | {len(body):,} | {len(total):,} | {zipped:,} | {p50:.1f} | {p95:.1f} |")
    client = app.test_client(user=user["icv"])
    partner = next(db.query("SELECT id FROM users WHERE role = 'icv' AND id != ? LIMIT 1",
                            [user["icv"].id]))["id"]

    def submit():
        client_id, fields = visit_post(suite_id, partner)
        return client.post(f"/visits/drafts/{client_id}", data=fields)

    n = max(20, args.requests // 4)
    p50, p95, response = timed(submit, n)
    assert response.status_code == 302 and "/visits/" in response.location, response.data[:3000]
    print(f"| Submit a report (one POST: validate, save, version, rules) | | | | {p50:.1f} | {p95:.1f} |")

    client_id, fields = visit_post(suite_id, partner)
    client.post(f"/visits/drafts/{client_id}", data={**fields, "action": "save"})
    headers = {"X-Requested-With": "fetch"}
    p50, p95, response = timed(lambda: client.post(
        f"/visits/drafts/{client_id}/autosave", data=fields, headers=headers), n)
    assert response.status_code == 200, response.data[:3000]
    print(f"| Autosave a full draft (one background POST) | | | | {p50:.1f} | {p95:.1f} |")
    _, email, _, password = next(login for login in demo.LOGINS if login[0] == "icv")

    def sign_in():
        return app.test_client().post("/login", data={"email": email, "password": password})

    p50, p95, response = timed(sign_in, max(10, args.requests // 10))
    assert response.status_code == 302, response.data[:3000]
    print(f"| Sign in (one POST: throttle, scrypt password check, new server session) | | | | {p50:.1f} | {p95:.1f} |")
    sw = (ROOT / "static" / "sw.js").read_bytes()
    print(f"\napp.js {len(js):,} bytes ({len(gzip.compress(js)):,} gzip); style.css {len(css):,} "
          f"({len(gzip.compress(css)):,} gzip); sw.js {len(sw):,} ({len(gzip.compress(sw)):,} gzip).")


if __name__ == "__main__":
    main()
