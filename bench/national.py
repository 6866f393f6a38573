"""Ten years of national data: the month and year exports, the summary page and the queue.

Run: .venv/bin/python bench/national.py [--db /tmp/national.sqlite] [--requests 20]
     [--export-requests 5] [--no-http] [--no-in-process]

Builds (or reuses, with --db) a database of ten years ending on END: the demo's 30 suites, 12
custody team members, 3 coordinators, 400 visitors, 100,000 visits with 300,000 detainee
entries, their flags and 100,000 escalations (old work mostly closed, the last weeks mostly
open, a few old ones never closed), seeded so the figures repeat. A reused database gets any
pending migrations first. Then it times each page and export, after one untimed request,
in-process (Flask's test client, server time only) and over HTTP under gunicorn (2 workers, its default 30 s worker timeout, as
production runs it), and prints a Markdown table for docs/benchmarks.md. An export that fails,
or that gunicorn cuts, is reported with the bytes that arrived.
"""
import argparse
import http.cookiejar
import json
import os
import random
import re
import socket
import tempfile
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

from common import bench_app, percentile  # bench/common.py; it puts the project on sys.path
from queue_page import add_suites, escalation

from werkzeug.security import generate_password_hash

from icv import ROOT
from icv.auth import User
from icv.flags import FLAGS
from icv.rules import VISIT_RULES
from icv.times import london_today, to_iso

END = datetime(2026, 11, 30, 6, 0, tzinfo=timezone.utc)
DAYS = 3652
VISITS = 100_000
PASSWORD = "bench password, never a real one"
# Share of detainee entries with each flag; a third of entries raise an escalation.
FLAG_SHARE = {"strip_search": 0.04, "intimate_search": 0.005, "use_of_force": 0.08, "child": 0.06}
ESCALATION_SHARE = 1 / 3
MONTH, YEAR = "2026-10", "2025"


def build(db, rng):
    """Reference data and ten years of visits, entries, flags and escalations."""
    suites = add_suites(db)
    weights = [rng.uniform(0.3, 3) for _ in suites]
    password_hash = generate_password_hash(PASSWORD)
    people = [("custody_team", 12), ("coordinator", 3), ("icv", 400)]
    db["users"].insert_all({"email": f"{role}{i}@example.org", "display_name": f"{role} {i}",
                            "role": role, "password_hash": password_hash}
                           for role, n in people for i in range(n))
    staff = [r["id"] for r in db.query("SELECT id FROM users WHERE role = 'custody_team' ORDER BY id")]
    icvs = [r["id"] for r in db.query("SELECT id FROM users WHERE role = 'icv'")]
    rules = [r for r in VISIT_RULES if r.scope == "detainee"]
    rule_weights = [6 if r.priority in ("high", "medium") else 2 for r in rules]

    visits, entries, flags, found = [], [], [], []
    entry_id = 0
    for visit_id in range(1, VISITS + 1):
        arrived = END - timedelta(days=DAYS * rng.random(), hours=2)
        suite, author = rng.choices(suites, weights)[0], rng.choice(icvs)
        partner = rng.choice([i for i in icvs[:20] if i != author]) if rng.random() < 0.9 else None
        visits.append((visit_id, str(uuid.UUID(int=rng.getrandbits(128))), suite, author, partner,
                       to_iso(arrived), to_iso(arrived + timedelta(hours=1)), rng.randint(5, 20),
                       rng.randint(1, 5), to_iso(arrived + timedelta(hours=1, minutes=10))))
        for position in range(rng.choice([1, 2, 3, 4, 5])):
            entry_id += 1
            entries.append((entry_id, visit_id, uuid.UUID(int=rng.getrandbits(128)).hex, position,
                            f"01BX/{entry_id:06d}/{arrived:%y}", rng.choice(["18-24", "25-34", "35-49"]),
                            rng.choice(["male", "female"]), "not_stated",
                            to_iso(arrived) if rng.random() < 0.01 else None))
            for flag in FLAGS:
                if rng.random() < FLAG_SHARE[flag.kind]:
                    answers = {q.name: rng.randint(0, 60) if q.minutes else rng.choice(q.choices)[0]
                               for q in flag.questions}
                    flags.append((entry_id, flag.kind, json.dumps(answers)))
            if rng.random() < ESCALATION_SHARE:
                rule = rng.choices(rules, rule_weights)[0]
                found.append(escalation(rng, rule, visit_id, entry_id, suite, author, arrived, END, staff))
    with db.atomic():
        db.conn.executemany(
            "INSERT INTO visits (id, client_id, suite_id, created_by, partner_id, arrived_at, "
            "departed_at, in_custody, spoke_with, submitted_at) VALUES (?,?,?,?,?,?,?,?,?,?)", visits)
        db.conn.executemany(
            "INSERT INTO detainee_entries (id, visit_id, entry_key, position, custody_record_no, "
            "age_band, gender, ethnicity, removed_at) VALUES (?,?,?,?,?,?,?,?,?)", entries)
        db.conn.executemany("INSERT INTO flags (detainee_entry_id, kind, answers) VALUES (?,?,?)",
                            flags)
        columns = list(found[0])
        db.conn.executemany(
            f"INSERT INTO escalations ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})",
            [[row[c] for c in columns] for row in found])


def targets():
    """(name, role, path) of everything timed."""
    return [
        ("Month: visits CSV", "coordinator", f"/summaries/{MONTH}/visits.csv"),
        ("Month: detainees CSV", "coordinator", f"/summaries/{MONTH}/detainees.csv"),
        ("Year: visits CSV", "coordinator", f"/summaries/year/{YEAR}/visits.csv"),
        ("Year: detainees CSV", "coordinator", f"/summaries/year/{YEAR}/detainees.csv"),
        ("Monthly summary page", "coordinator", f"/summaries/?month={MONTH}"),
        ("Queue: all open", "custody_team", "/escalations/"),
        ("Queue: mine", "custody_team", "/escalations/?view=mine"),
        ("Queue: unassigned", "custody_team", "/escalations/?view=unassigned"),
        ("Queue: overdue", "custody_team", "/escalations/?view=overdue"),
    ]


def runs(path, args):
    return args.export_requests if path.endswith(".csv") else args.requests


def in_process(db_path, args):
    """{name: (p50, p95, note)} through Flask's test client."""
    app, db = bench_app(db_path)
    user = {role: User(next(db.query("SELECT * FROM users WHERE role = ? ORDER BY id", [role])))
            for role in ("custody_team", "coordinator")}
    found = {}
    for name, role, path in targets():
        client = app.test_client(user=user[role])
        client.get(path)  # warm up, as over HTTP
        times, size, status = [], 0, None
        for _ in range(runs(path, args)):
            start = time.perf_counter()
            response = client.get(path)
            size, status = len(response.data), response.status_code
            times.append((time.perf_counter() - start) * 1000)
            if status != 200:
                break
        found[name] = (percentile(times, 50), percentile(times, 95),
                       f"{size:,} bytes" if status == 200 else f"status {status}")
    db.close()
    return found


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def signed_in(base, email):
    """A urllib opener holding the session of `email`, signed in through the real form."""
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
    page = opener.open(f"{base}/login").read().decode()
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)[1]
    data = urllib.parse.urlencode({"email": email, "password": PASSWORD, "csrf_token": token})
    opener.open(f"{base}/login", data.encode()).read()
    return opener


def fetch(opener, url):
    """(ms, bytes, failure or None) of one GET read to the end."""
    start, body = time.perf_counter(), b""
    try:
        with opener.open(url, timeout=300) as response:
            body = response.read()
            failure = None if response.status == 200 else f"status {response.status}"
    except urllib.error.HTTPError as e:
        failure = f"status {e.code}"
    except Exception as e:  # a cut stream: IncompleteRead, RemoteDisconnected, reset
        body = getattr(e, "partial", body) or body
        failure = type(e).__name__
    return (time.perf_counter() - start) * 1000, len(body), failure


def over_http(db_path, args):
    """{name: (p50, p95, note)} through gunicorn, as production runs it."""
    port = free_port()
    gunicorn = Path(sys.executable).with_name("gunicorn")
    env = {**os.environ, "FLASK_DATABASE": db_path, "FLASK_SECRET_KEY": "b" * 64}
    server = subprocess.Popen([str(gunicorn), "--workers", "2", "--bind", f"127.0.0.1:{port}",
                               "--chdir", str(ROOT), "--log-level", "warning", "app:app"],
                              env=env, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"{base}/login", timeout=2).read()
                break
            except OSError:
                time.sleep(0.2)
        openers = {role: signed_in(base, f"{role}0@example.org")
                   for role in ("custody_team", "coordinator")}
        found = {}
        for name, role, path in targets():
            fetch(openers[role], base + path)  # warm up this worker's caches
            times, size, failure = [], 0, None
            for _ in range(runs(path, args)):
                ms, size, failure = fetch(openers[role], base + path)
                times.append(ms)
                if failure:
                    break
            note = f"{size:,} bytes" + (f", FAILED ({failure})" if failure else "")
            found[name] = (percentile(times, 50), percentile(times, 95), note)
        return found
    finally:
        server.terminate()
        server.wait()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", help="database file: built if missing, else reused (and migrated)")
    parser.add_argument("--requests", type=int, default=20, help="requests per page")
    parser.add_argument("--export-requests", type=int, default=5, help="requests per CSV export")
    parser.add_argument("--no-http", action="store_true", help="skip the gunicorn measurements")
    parser.add_argument("--no-in-process", action="store_true", help="skip the test client ones")
    args = parser.parse_args()
    db_path = args.db or f"{tempfile.mkdtemp()}/icv.sqlite"
    if args.db and Path(args.db).exists():
        start = time.perf_counter()
        app, db = bench_app(args.db)  # migrates what is pending
        print(f"Reused {args.db} (opened and migrated in {time.perf_counter() - start:.1f} s).")
    else:
        app, db = bench_app(db_path)
        start = time.perf_counter()
        build(db, random.Random(2026))
        print(f"Built in {time.perf_counter() - start:.0f} s.")
    today = london_today().isoformat()  # what the queue calls overdue
    count = lambda sql, *p: db.execute(sql, p).fetchone()[0]  # noqa: E731
    print(f"{count('SELECT count(*) FROM visits'):,} visits, "
          f"{count('SELECT count(*) FROM detainee_entries'):,} detainee entries, "
          f"{count('SELECT count(*) FROM flags'):,} flags, "
          f"{count('SELECT count(*) FROM escalations'):,} escalations "
          f"({count('SELECT count(*) FROM escalations WHERE closed_at IS NULL'):,} open, "
          f"{count('SELECT count(*) FROM escalations WHERE closed_at IS NULL AND due_on < ?', today):,}"
          f" overdue on {today}); month {MONTH}, year {YEAR}.\n")
    db.close()
    local = {} if args.no_in_process else in_process(db_path, args)
    remote = {} if args.no_http else over_http(db_path, args)
    print("| What | In-process p50 ms | p95 ms | gunicorn p50 ms | p95 ms | Response (gunicorn) |")
    print("|---|---:|---:|---:|---:|---|")
    for name, _, _ in targets():
        a = local.get(name, ("", "", ""))
        b = remote.get(name, ("", "", a[2]))
        fmt = lambda v: f"{v:,.0f}" if isinstance(v, float) else v  # noqa: E731
        print(f"| {name} | {fmt(a[0])} | {fmt(a[1])} | {fmt(b[0])} | {fmt(b[1])} | {b[2]} |")


if __name__ == "__main__":
    main()
