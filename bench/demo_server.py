"""What bench/paint.py and bench/load.py share: the app with demo data under gunicorn, the demo
sign-ins over real HTTP, the pages they time, and the machine they ran on.

The demo data goes straight into a fresh SQLite file with icv.demo.load (what
`flask --debug load-demo` does; that command refuses outside debug mode, and gunicorn runs the
production configuration). It is made on the machine's clock, which is the clock gunicorn's
workers read too, so "today" agrees.
"""
import contextlib
import http.cookiejar
import os
import platform
import random
import re
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from icv import ROOT, demo  # noqa: E402
from icv.db import connect, migrate  # noqa: E402
from icv.times import london_today  # noqa: E402

PASSWORDS = {role: (email, password) for role, email, _, password in demo.LOGINS}
SEED = 2026


def demo_database(path=None, seed=SEED):
    """A fresh SQLite file with the demo data (`path`, or one in a new temporary folder)."""
    path = path or f"{tempfile.mkdtemp(prefix='icv-bench-')}/icv.sqlite"
    db = connect(path)
    migrate(db)
    demo.load(db, random.Random(seed))
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    return path


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def gunicorn(db_path, workers=3, access_log=None):
    """`gunicorn app:app` with `workers` sync workers on a free port, production settings (two
    factor off and cookies without Secure, as it is plain HTTP on 127.0.0.1); yields its URL.
    access_log: a file for one line per request, "METHOD PATH?QUERY STATUS MICROSECONDS BYTES
    CONTENT-LENGTH" (gunicorn's %(D)s: the worker's time from reading the request to the last
    byte sent; %(B)s counts no bytes gunicorn sent with sendfile, as for static files, so the
    Content-Length header is logged too: see sent_bytes)."""
    exe = Path(sys.executable).with_name("gunicorn")
    if not exe.exists():
        sys.exit(f"{exe} not found: install it with {Path(sys.executable).with_name('pip')} "
                 "install -e '.[prod]'")
    port = free_port()
    env = {**os.environ, "FLASK_DATABASE": db_path, "FLASK_SECRET_KEY": "b" * 64,
           "FLASK_TWO_FACTOR_REQUIRED": "false", "FLASK_SECURE_COOKIES": "false"}
    command = [str(exe), "--workers", str(workers), "--bind", f"127.0.0.1:{port}",
               "--backlog", "2048", "--chdir", str(ROOT), "--log-level", "warning"]
    if access_log:
        command += ["--access-logfile", access_log,
                    "--access-logformat", "%(m)s %(U)s?%(q)s %(s)s %(D)s %(B)s %({content-length}o)s"]
    server = subprocess.Popen(command + ["app:app"], env=env, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(150):
            try:
                urllib.request.urlopen(f"{base}/offline", timeout=2).read()
                break
            except OSError:
                time.sleep(0.2)
        else:
            raise RuntimeError("gunicorn did not start")
        yield base
    finally:
        server.terminate()
        server.wait()


def access_lines(text):
    """[(request, status, microseconds, body bytes sent)] of access log lines (see gunicorn)."""
    found = []
    for line in text.splitlines():
        if not line.strip():
            continue
        method, path, status, micros, sent, length = line.split()
        found.append((f"{method} {path.rstrip('?')}", int(status), int(micros),
                      sent_bytes(int(status), sent, length)))
    return found


def sent_bytes(status, sent, length):
    """The body's bytes: Content-Length when there is one (gunicorn's count misses sendfile),
    else what gunicorn counted; nothing for a 304."""
    if status == 304:
        return 0
    if length.isdigit():
        return int(length)
    return int(sent) if sent.isdigit() else 0


def sign_in(base, role):
    """A cookie jar holding a session of the demo login for `role`, signed in through the real
    form (GET /login for the CSRF token, then POST it with the email and password)."""
    email, password = PASSWORDS[role]
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(f"{base}/login").read().decode()
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)[1]
    body = urllib.parse.urlencode({"email": email, "password": password, "csrf_token": token})
    response = opener.open(f"{base}/login", body.encode())
    response.read()
    if response.url.rstrip("/").endswith("/login"):
        raise RuntimeError(f"signing in as {email} failed")
    return jar


def cookie_header(jar):
    return "; ".join(f"{c.name}={c.value}" for c in jar)


def pages(db_path):
    """[(name, role or None, path)]: the pages timed, in the demo data at db_path."""
    db = sqlite3.connect(db_path)
    one = lambda sql, *p: db.execute(sql, p).fetchone()[0]  # noqa: E731
    icv_id = one("SELECT id FROM users WHERE email = ?", PASSWORDS["icv"][0])
    review = one("SELECT r.client_id FROM custody_record_reviews r JOIN review_assignments a "
                 "ON a.record_id = r.record_id WHERE a.user_id = ? AND r.status = 'draft' "
                 "ORDER BY r.id LIMIT 1", icv_id)
    escalation = one("SELECT id FROM escalations ORDER BY id LIMIT 1")
    db.close()
    month = london_today().strftime("%Y-%m")
    return [
        ("Sign in", None, "/login"),
        ("New visit report (blank form)", "icv", "/visits/new"),
        ("My reports", "icv", "/visits/"),
        ("Escalation queue", "custody_team", "/escalations/"),
        ("One escalation", "custody_team", f"/escalations/{escalation}"),
        ("Rules", "custody_team", "/rules/"),
        ("Custody record review form", "icv", f"/reviews/drafts/{review}"),
        ("Summary: London, this month (staff)", "coordinator",
         f"/summaries/?area=london&period={month}&edition=staff"),
    ]


def machine(chromium=None):
    """One line: cores, Python, SQLite, gunicorn (and Chromium) versions."""
    try:
        from importlib.metadata import version
        gunicorn_version = version("gunicorn")
    except Exception:
        gunicorn_version = "?"
    line = (f"{platform.machine()}, nproc {len(os.sched_getaffinity(0))} (shared with other jobs), "
            f"Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}, "
            f"gunicorn {gunicorn_version}")
    if chromium:
        line += f", {chromium}"
    return line
