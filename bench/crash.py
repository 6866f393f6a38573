"""Kill the server (SIGKILL) again and again while visit reports are submitted: after every
restart each report the app acknowledged is there, once, and the database passes its check.

Run: .venv/bin/python bench/crash.py [--cycles 100] [--clients 4] [--workers 3] [--seed 13]

On a fresh demo database (bench/demo_server.py) under gunicorn (`--workers` sync workers,
production configuration, plain HTTP on 127.0.0.1). Each client signs in as the demo ICV through
the real form, reads the blank report form for its CSRF token and the suites, then submits report
after report as the phone does: an autosave of the draft, then the outbox's submit (POST to the
draft's address with action=submit, X-Requested-With: fetch), each report with its own client id.
A submit with no answer (the connection cut), a 5xx or a 503 is sent again with the SAME client
id until the app answers, as static/app.js's outbox does. The app acknowledges a report by
answering the submit 200 "submitted", or 409 "submitted" to a retry of one that went through.

Each cycle the server runs for a random 0.3 to 1.5 s of submissions; in every third cycle one
gunicorn worker is killed half way (its master starts another); then the whole server (master
and workers) is killed with SIGKILL at once. With the server dead, the database is opened and
checked: every report acknowledged so far is present with its detainee entry, no client id has
two reports, and PRAGMA integrity_check says "ok". Then the server starts again and the clients
carry on, retrying whatever was cut off.

--server werkzeug runs `create_app()` under Werkzeug's threaded server instead (what
tests/test_crash.py does, as `make test` does not install gunicorn); --pin makes that server's
clock answer a fixed moment (the tests' pinned clock).
"""
import argparse
import http.client
import http.cookiejar
import itertools
import json
import os
import random
import re
import signal
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from datetime import datetime, timedelta
from pathlib import Path

import demo_server  # bench/demo_server.py; it puts the project on sys.path

from icv import ROOT  # noqa: E402
from icv.flags import FLAGS  # noqa: E402
from icv.times import LONDON, utcnow  # noqa: E402
from icv.visits import questions as q  # noqa: E402

FETCH = {"X-Requested-With": "fetch"}
SECRET_KEY = "c" * 64


# The server -----------------------------------------------------------------------------

def start(kind, db_path, port, workers=3, pin=None):
    """The server as a process group of its own (so one killpg ends master and workers)."""
    env = {**os.environ, "FLASK_DATABASE": str(db_path), "FLASK_SECRET_KEY": SECRET_KEY,
           "FLASK_TWO_FACTOR_REQUIRED": "false", "FLASK_SECURE_COOKIES": "false"}
    if kind == "gunicorn":
        exe = Path(sys.executable).with_name("gunicorn")
        if not exe.exists():
            sys.exit(f"{exe} not found: install it with {Path(sys.executable).with_name('pip')} "
                     "install -e '.[prod]' (or use --server werkzeug)")
        command = [str(exe), "--workers", str(workers), "--bind", f"127.0.0.1:{port}",
                   "--chdir", str(ROOT), "--log-level", "critical", "app:app"]
    else:
        command = [sys.executable, __file__, "--serve", str(port)] + (["--pin", pin] if pin else [])
    return subprocess.Popen(command, env=env, start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def serve(port, pin):
    """--serve: the app under Werkzeug's threaded server (production configuration from the
    FLASK_* variables start() sets), its clock pinned at `pin` if given."""
    from werkzeug.serving import run_simple

    from icv import create_app, times
    if pin:
        times.pin(datetime.fromisoformat(pin))
    run_simple("127.0.0.1", port, create_app(), threaded=True)


def wait_ready(base, server, seconds=60):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"the server stopped at start (exit {server.returncode})")
        try:
            urllib.request.urlopen(f"{base}/offline", timeout=2).read()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError("the server did not start")


def kill_all(server):
    """SIGKILL the server's whole process group and wait until every process in it is gone."""
    try:
        os.killpg(server.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    server.wait()
    for _ in range(200):  # the workers, reparented, die a moment later
        try:
            os.killpg(server.pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.01)


def kill_one_worker(server, rng):
    """SIGKILL one gunicorn worker (a child of the master); False if there was none."""
    try:
        children = Path(f"/proc/{server.pid}/task/{server.pid}/children").read_text().split()
    except OSError:
        return False
    if not children:
        return False
    try:
        os.kill(int(rng.choice(children)), signal.SIGKILL)
    except ProcessLookupError:
        return False
    return True


# The clients ----------------------------------------------------------------------------

def recent_visit():
    """(London date, arrived, let in, left): an hour's visit that ended one to two hours ago
    by the app's clock, on whole hours (as the tests' report_form)."""
    arrived = utcnow().replace(minute=0, second=0, microsecond=0) - timedelta(hours=2)
    arrived, left = arrived.astimezone(LONDON), (arrived + timedelta(hours=1)).astimezone(LONDON)
    return (arrived.date().isoformat(), f"{arrived:%H:%M}",
            f"{arrived + timedelta(minutes=5):%H:%M}", f"{left:%H:%M}")


def report(client_id, suite_id, csrf_token, n):
    """A complete, valid visit report as the form posts it: six in custody, one detainee who
    spoke with the visitors (no flags), every facility OK, visited alone."""
    day, arrived, admitted, left = recent_visit()
    entry = {"entry_key": uuid.uuid4().hex, "custody_record_no": f"01BX/{10000 + n % 90000}/26",
             "age_band": "25-34", "appears_under_18": "no", "gender": "male",
             "ethnicity": "white_british", "consent": "yes", "checks-told_rights": "yes",
             **{flag.kind: "no" for flag in FLAGS if flag.kind != "child"}}
    return {
        "csrf_token": csrf_token, "client_id": client_id, "suite_id": str(suite_id),
        "visit_type": "routine", "visit_date": day, "arrival_time": arrived,
        "admitted_time": admitted, "departure_time": left, "admission_delay_reason": "",
        "partner_id": "alone", "single_visitor_reason": "My partner was unwell on the day.",
        "custody_officer": "PS 1234", "in_custody": "6",
        **{f"groups-{name}": "0" for name, _, _ in q.GROUP_COUNTS},
        "outcomes-spoke_with": "2", "outcomes-observed_only": "1", "outcomes-declined": "1",
        "outcomes-not_seen": "2",
        **{f"not_seen_reasons-{name}": "" for name, _ in q.NOT_SEEN_REASONS},
        "not_seen_reasons-asleep": "2", "offered": "3", "cells_in_use": "6",
        "cells_out_of_order": "0",
        **{f"detainees-0-{k}": v for k, v in entry.items()},
        **{f"facilities-{item}": "ok" for item, _ in q.FACILITY_ITEMS},
        **{f"facilities-{item}_note": "" for item, _ in q.FACILITY_ITEMS},
        "good_practice": "", "general_comments": f"Crash bench report {n}.",
    }


class Tally:
    """What the clients did, shared between their threads."""

    def __init__(self):
        self.lock = threading.Lock()
        self.acknowledged = set()  # client ids the app said it has
        self.reports = 0  # client ids sent at least once
        self.submissions = 0  # submit posts, retries included
        self.autosaves = 0
        self.cut = 0  # posts with no answer (connection refused or cut), sent again
        self.busy = 0  # 5xx or 503 answers, sent again
        self.already = 0  # retries answered "already submitted" (the first went in, its answer cut)
        self.refused = []  # any other answer: a report the app would not take (a bug here)

    def add(self, **counts):
        with self.lock:
            for name, n in counts.items():
                setattr(self, name, getattr(self, name) + n)


class Client:
    """One phone: a signed-in session, its CSRF token, submitting until told to stop."""

    def __init__(self, base, email, password):
        self.base = base
        jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
        page = self.open("/login").read().decode()
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)[1]
        signed_in = self.open("/login", {"email": email, "password": password, "csrf_token": token})
        if signed_in.url.rstrip("/").endswith("/login"):
            raise RuntimeError(f"signing in as {email} failed")
        form = self.open("/visits/new").read().decode()
        self.csrf = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', form)[1]
        select = re.search(r'<select[^>]*name="suite_id".*?</select>', form, re.S)[0]
        self.suites = [int(v) for v in re.findall(r'<option[^>]*value="(\d+)"', select)]

    def open(self, path, fields=None, headers=None):
        request = urllib.request.Request(
            self.base + path, headers=headers or {},
            data=urllib.parse.urlencode(fields).encode() if fields is not None else None)
        return self.opener.open(request, timeout=30)

    def post(self, path, fields):
        """(status, JSON answer) of a post as the page's script makes it; (None, None) when
        there was no answer (refused, reset or cut by the kill)."""
        try:
            try:
                response = self.open(path, fields, FETCH)
            except urllib.error.HTTPError as error:  # a 4xx or 5xx, its body to read as well
                response = error
            status, body = response.status, response.read()
        except (OSError, http.client.HTTPException):  # refused while the server is down, or
            return None, None  # cut off by the kill: reset, or the body cut short
        try:
            return status, json.loads(body)
        except ValueError:
            return status, {}

    def run(self, tally, stop, rng, numbers):
        """Report after report until `stop`; each sent again with its client id until answered."""
        while not stop.is_set():
            n = next(numbers)
            client_id = str(uuid.uuid4())
            fields = report(client_id, rng.choice(self.suites), self.csrf, n)
            draft = f"/visits/drafts/{client_id}"
            tally.add(reports=1, autosaves=1)
            self.post(f"{draft}/autosave", fields)  # as the phone does while typing; may be cut
            while not stop.is_set():
                tally.add(submissions=1)
                status, answer = self.post(draft, {**fields, "action": "submit"})
                if (status == 200 and answer.get("outcome") == "submitted") or (
                        status == 409 and answer.get("error") == "submitted"):
                    with tally.lock:
                        tally.already += status == 409
                        tally.acknowledged.add(client_id)
                    break
                if status is None or status >= 500:  # 503 busy, 502 from a dying worker
                    tally.add(**{"cut" if status is None else "busy": 1})
                    time.sleep(rng.uniform(0.02, 0.1))
                    continue
                with tally.lock:
                    tally.refused.append((client_id, status, answer))
                break


# The check ------------------------------------------------------------------------------

def check(db_path, acknowledged):
    """With the server dead: (lost, duplicated, half-written, integrity problems)."""
    db = sqlite3.connect(db_path)
    try:
        integrity = [row[0] for row in db.execute("PRAGMA integrity_check")]
        counts = dict(db.execute("SELECT client_id, count(*) FROM visits GROUP BY client_id"))
        entries = dict(db.execute(
            "SELECT v.client_id, count(e.id) FROM visits v LEFT JOIN detainee_entries e "
            "ON e.visit_id = v.id WHERE v.general_comments LIKE 'Crash bench report %' "
            "GROUP BY v.id"))
    finally:
        db.close()
    lost = sorted(c for c in acknowledged if c not in counts)
    duplicated = sorted(c for c, n in counts.items() if n > 1)
    half = sorted(c for c, n in entries.items() if n != 1)
    return lost, duplicated, half, ([] if integrity == ["ok"] else integrity)


def run(db_path, email, password, cycles=100, clients=4, workers=3, server_kind="gunicorn",
        seed=13, pin=None, out=print):
    """The whole bench; returns its figures as a dict."""
    rng = random.Random(seed)
    port = demo_server.free_port()
    base = f"http://127.0.0.1:{port}"
    tally, stop, threads = Tally(), threading.Event(), []
    figures = {"cycles": 0, "server kills": 0, "worker kills": 0, "lost": 0, "duplicated": 0,
               "half-written": 0, "integrity failures": 0}
    server = start(server_kind, db_path, port, workers, pin)
    try:
        wait_ready(base, server)
        phones = [Client(base, email, password) for _ in range(clients)]
        numbers = itertools.count()  # next() on it is atomic: the clients share it
        threads = [threading.Thread(target=phone.run, daemon=True,
                                    args=(tally, stop, random.Random(seed + i), numbers))
                   for i, phone in enumerate(phones)]
        for thread in threads:
            thread.start()
        started = time.monotonic()
        for cycle in range(1, cycles + 1):
            live = rng.uniform(0.3, 1.5)
            if server_kind == "gunicorn" and cycle % 3 == 0:
                time.sleep(live / 2)
                figures["worker kills"] += kill_one_worker(server, rng)
                time.sleep(live / 2)
            else:
                time.sleep(live)
            kill_all(server)
            figures["server kills"] += 1
            with tally.lock:
                acknowledged = set(tally.acknowledged)
            lost, duplicated, half, integrity = check(db_path, acknowledged)
            figures["cycles"] = cycle
            figures["lost"] = max(figures["lost"], len(lost))  # lost stays lost: the most seen
            figures["duplicated"] = max(figures["duplicated"], len(duplicated))
            figures["half-written"] = max(figures["half-written"], len(half))
            figures["integrity failures"] += bool(integrity)
            if lost or duplicated or half or integrity:
                out(f"cycle {cycle}: lost {lost[:3]}, duplicated {duplicated[:3]}, "
                    f"half-written {half[:3]}, integrity {integrity[:3]}")
            server = start(server_kind, db_path, port, workers, pin)
            wait_ready(base, server)
        if not all(thread.is_alive() for thread in threads):  # its traceback is printed above
            out("a client stopped on an error: the figures undercount")
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=60)
        kill_all(server)
    with tally.lock:
        acknowledged = set(tally.acknowledged)
    lost, duplicated, half, integrity = check(db_path, acknowledged)
    stored = bench_reports(db_path)
    figures.update({
        "reports": tally.reports, "submissions": tally.submissions, "autosaves": tally.autosaves,
        "acknowledged": len(acknowledged), "stored": len(stored),
        "stored, not acknowledged": len(stored - acknowledged),
        "retries after no answer": tally.cut, "retries after 5xx": tally.busy,
        "retries already in": tally.already,
        "refused": len(tally.refused),
        "lost": max(figures["lost"], len(lost)),
        "duplicated": max(figures["duplicated"], len(duplicated)),
        "half-written": max(figures["half-written"], len(half)),
        "integrity failures": figures["integrity failures"] + bool(integrity),
        "seconds": round(time.monotonic() - started),
    })
    if tally.refused:
        out(f"refused: {tally.refused[:3]}")
    return figures


def bench_reports(db_path):
    """The client ids of the reports this bench stored (a cut answer never retried among them)."""
    db = sqlite3.connect(db_path)
    try:
        return {row[0] for row in db.execute(
            "SELECT client_id FROM visits WHERE general_comments LIKE 'Crash bench report %'")}
    finally:
        db.close()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cycles", type=int, default=100)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--workers", type=int, default=3, help="gunicorn sync workers")
    parser.add_argument("--server", choices=["gunicorn", "werkzeug"], default="gunicorn")
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--serve", type=int, help=argparse.SUPPRESS)  # start()'s werkzeug server
    parser.add_argument("--pin", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        return serve(args.serve, args.pin)
    db_path = demo_server.demo_database()
    email, password = demo_server.PASSWORDS["icv"]
    figures = run(db_path, email, password, args.cycles, args.clients, args.workers, args.server,
                  args.seed)
    command = "python bench/crash.py " + " ".join(sys.argv[1:])
    print(f"`{command.strip()}` on a fresh demo database, {args.clients} clients, "
          f"{args.server}{f' with {args.workers} sync workers' if args.server == 'gunicorn' else ''}. "
          f"Machine: {demo_server.machine()}.\n")
    print("| " + " | ".join(figures) + " |")
    print("|" + "---:|" * len(figures))
    print("| " + " | ".join(f"{v:,}" for v in figures.values()) + " |")
    bad = figures["lost"] + figures["duplicated"] + figures["half-written"] + figures["integrity failures"]
    sys.exit(1 if bad or figures["refused"] else 0)


if __name__ == "__main__":
    main()
