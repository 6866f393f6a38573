"""50 concurrent clients mixing page views, autosaves and submissions against gunicorn: every
request answered as it should be, and every report submitted is stored once.

Run: .venv/bin/python bench/mixed_load.py [--clients 50] [--seconds 60] [--requests 20000] [--workers 3]

On a fresh demo database (bench/demo_server.py) under gunicorn (`--workers` sync workers,
production configuration, plain HTTP on 127.0.0.1, CSRF on). Each client signs in through the
real form as the ICV, the custody team or the coordinator in turn (17, 17 and 16 of 50), then,
with no pause, until `--seconds` have passed or `--requests` have been sent (whichever first):
- an ICV writes reports as the phone does: opens a blank report (GET /visits/new, which gives the
  draft's client id, CSRF token, base revision and page id), autosaves it three times (POST
  .../autosave with base_revision and page_id, taking the revision each answer gives as the next
  base, as static/app.js does), submits it as the outbox does (POST to the draft with
  action=submit, X-Requested-With: fetch), then opens My reports;
- the custody team and coordinators open their pages (bench/demo_server.py pages()) at random.
A request fails if it gets no answer or not the one expected (200; an autosave's JSON revision;
a submit's "submitted"). After the run, with gunicorn stopped, every acknowledged report must be
in the database once and PRAGMA integrity_check must say "ok".

Reported per endpoint: requests, failures and p50/p95/p99 in ms as the client saw them (from
opening the connection to the last byte, queueing for a worker included).
"""
import argparse
import http.client
import itertools
import json
import random
import re
import sqlite3
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import defaultdict

import demo_server as server  # bench/demo_server.py; it puts the project on sys.path
from crash import report  # bench/crash.py: a complete, valid visit report as the form posts it

ROLES = ["icv", "custody_team", "coordinator"]
FETCH = {"X-Requested-With": "fetch"}
AUTOSAVES = 3
TOKEN = re.compile(r'name="(csrf_token|client_id|base_revision|page_id)"[^>]*value="([^"]*)"')


class Budget:
    """The run's bounds: a deadline and a number of requests, shared by the clients."""

    def __init__(self, seconds, requests):
        self.deadline, self.left, self.lock = time.monotonic() + seconds, requests, threading.Lock()

    def take(self):
        with self.lock:
            if self.left <= 0 or time.monotonic() > self.deadline:
                return False
            self.left -= 1
            return True


class Client:
    def __init__(self, base, role, found, budget):
        self.base, self.role, self.found, self.budget = base, role, found, budget
        jar = server.sign_in(base, role)
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))

    def call(self, endpoint, path, fields=None, headers=None):
        """(status, body) of one request, timed and noted under `endpoint`; None when the budget
        is spent."""
        if not self.budget.take():
            return None
        request = urllib.request.Request(
            self.base + path, headers=headers or {},
            data=urllib.parse.urlencode(fields).encode() if fields is not None else None)
        start = time.perf_counter()
        try:
            try:
                response = self.opener.open(request, timeout=120)
            except urllib.error.HTTPError as error:  # a 4xx or 5xx, its body to read as well
                response = error
            status, body = response.status, response.read()
        except (OSError, http.client.HTTPException) as error:
            status, body = type(error).__name__, b""
        self.found.append([endpoint, status, time.perf_counter() - start, True])
        return status, body

    def failed(self):
        self.found[-1][3] = False

    def views(self, pages, rng):
        while True:
            name, path = rng.choice(pages)
            answer = self.call(name, path)
            if answer is None:
                return
            if answer[0] != 200:
                self.failed()

    def reports(self, acknowledged, n, rng):
        """Report after report: blank form, autosaves, submit, My reports."""
        while True:
            answer = self.call("GET /visits/new (blank report)", "/visits/new")
            if answer is None:
                return
            if answer[0] != 200:
                self.failed()
                continue
            page = answer[1].decode()
            hidden = dict(TOKEN.findall(page))
            select = re.search(r'<select[^>]*name="suite_id".*?</select>', page, re.S)[0]
            suite = rng.choice(re.findall(r'<option[^>]*value="(\d+)"', select))
            fields = report(hidden["client_id"], suite, hidden["csrf_token"], next(n))
            base, draft = int(hidden.get("base_revision") or 0), f"/visits/drafts/{hidden['client_id']}"
            for _ in range(AUTOSAVES):
                answer = self.call("POST autosave", f"{draft}/autosave", {
                    **fields, "base_revision": base, "page_id": hidden["page_id"]}, FETCH)
                if answer is None:
                    return
                revision = json_of(answer[1]).get("revision") if answer[0] == 200 else None
                if not revision:
                    self.failed()
                    break
                base = max(base, revision)
            answer = self.call("POST submit (outbox)", draft, {
                **fields, "base_revision": base, "page_id": hidden["page_id"], "action": "submit"}, FETCH)
            if answer is None:
                return
            if answer[0] == 200 and json_of(answer[1]).get("outcome") == "submitted":
                acknowledged.append(hidden["client_id"])
            else:
                self.failed()
            answer = self.call("GET /visits/ (my reports)", "/visits/")
            if answer is None:
                return
            if answer[0] != 200:
                self.failed()


def json_of(body):
    try:
        return json.loads(body)
    except ValueError:
        return {}


def percentile(values, pct):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(pct / 100 * (len(values) - 1))))]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--requests", type=int, default=20000, help="at most this many in all")
    parser.add_argument("--workers", type=int, default=3, help="gunicorn sync workers")
    args = parser.parse_args()
    db_path = server.demo_database()
    pages = {role: [(f"GET {name}", path) for name, r, path in server.pages(db_path) if r == role]
             for role in ROLES}
    found, acknowledged = [], []
    numbers = itertools.count()  # next() on it is atomic: the clients share it
    with server.gunicorn(db_path, workers=args.workers) as base:
        roles = [ROLES[i % len(ROLES)] for i in range(args.clients)]
        budget = Budget(float("inf"), float("inf"))
        clients = [Client(base, role, found, budget) for role in roles]
        budget.deadline, budget.left = time.monotonic() + args.seconds, args.requests
        started = time.perf_counter()
        threads = [threading.Thread(target=c.reports, args=(acknowledged, numbers, random.Random(i)))
                   if c.role == "icv" else
                   threading.Thread(target=c.views, args=(pages[c.role], random.Random(i)))
                   for i, c in enumerate(clients)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        seconds = time.perf_counter() - started

    db = sqlite3.connect(db_path)
    integrity = db.execute("PRAGMA integrity_check").fetchone()[0]
    stored = dict(db.execute("SELECT client_id, count(*) FROM visits GROUP BY client_id"))
    db.close()
    lost = sum(1 for c in acknowledged if c not in stored)
    duplicated = sum(1 for n in stored.values() if n > 1)

    times, failures = defaultdict(list), defaultdict(int)
    for endpoint, status, took, ok in found:
        times[endpoint].append(took * 1000)
        failures[endpoint] += not ok
    total, failed = len(found), sum(failures.values())
    command = "python bench/mixed_load.py " + " ".join(sys.argv[1:])
    print(f"### Mixed load: {args.clients} clients, gunicorn with {args.workers} sync workers\n")
    print(f"`{command.strip()}` on a fresh demo database. Machine: {server.machine()}. The clients "
          f"run on the same machine. {total:,} requests in {seconds:.0f} s "
          f"({total / seconds:,.0f} a second), {failed} failed; {len(acknowledged):,} reports "
          f"submitted and acknowledged, {lost} lost, {duplicated} duplicated; integrity check "
          f"{integrity}.\n")
    print("| Endpoint | Requests | Failures | p50 / p95 / p99 ms |")
    print("|---|---:|---:|---:|")
    for endpoint in sorted(times, key=lambda e: (not e.startswith("POST"), e)):
        values = times[endpoint]
        cells = " / ".join(f"{percentile(values, q):,.0f}" for q in (50, 95, 99))
        print(f"| {endpoint} | {len(values):,} | {failures[endpoint]} | {cells} |")
    statuses = defaultdict(int)
    for endpoint, status, _, ok in found:
        if not ok:
            statuses[f"{endpoint} {status}"] += 1
    if statuses:
        print("\nFailures: " + ", ".join(f"{k} ×{v}" for k, v in sorted(statuses.items())))
    sys.exit(1 if failed or lost or duplicated or integrity != "ok" else 0)


if __name__ == "__main__":
    main()
