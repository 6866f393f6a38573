"""Ten years of national data: the London summaries, the full-year exports, the queue, memory.

Run: .venv/bin/python bench/national.py [--db /tmp/national-11.sqlite] [--requests 5]
     [--export-requests 3] [--no-http] [--no-in-process] [--build-only] [--rebuild]

Builds (or reuses) a database of ten years ending on 30 November 2026 (bench/national_data.py:
100,000 visits, 300,000 detainee entries with their flags, 33,000 issues, 100,000 escalations,
3,000 custody record reviews), seeded so the figures repeat. A database built by another
version of national_data.py is built again; a reused one gets any pending migrations first.
Then it times, after one untimed request each, the summary page for London over a month, a
quarter and a year (staff figures, and the published edition for the year), every export of
the full year (one CSV per entity, the workbook in both editions) and the custody team's queue:
in-process (Flask's test client, server time only, in a fresh Python process so its peak memory
is the pages' own) and over HTTP under gunicorn (2 workers, its default 30 s worker timeout, as
production runs it). An export that fails, or that gunicorn cuts, is reported with the bytes
that arrived. Peak memory: each gunicorn worker's VmHWM (from /proc) before and after the
exports, and the in-process peak RSS (ru_maxrss) increase over the app at rest. Prints Markdown
tables for docs/benchmarks.md.
"""
import argparse
import http.cookiejar
import json
import os
import platform
import re
import resource
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

from common import bench_app, percentile  # bench/common.py; it puts the project on sys.path
import national_data as data

from icv import ROOT
from icv.auth import User
from icv.times import london_today

DEFAULT_DB = "/tmp/national-11.sqlite"
MONTH, QUARTER, YEAR = "2026-10", "2026-Q3", "2025"
ENTITIES = ["visits", "detainees", "flags", "issues", "escalations", "reviews"]


def targets():
    """(name, role, path, kind) of everything timed; kind "page", "export" or "queue"."""
    summary = "/summaries/?area=london&period={}&edition={}"
    found = [
        (f"London month ({MONTH}) summary", "coordinator", summary.format(MONTH, "staff"), "page"),
        (f"London quarter ({QUARTER}) summary", "coordinator", summary.format(QUARTER, "staff"), "page"),
        (f"London year ({YEAR}) summary", "coordinator", summary.format(YEAR, "staff"), "page"),
        (f"London year ({YEAR}) summary, published", "coordinator",
         summary.format(YEAR, "published"), "page"),
    ]
    found += [(f"Year {YEAR}: {entity} CSV", "coordinator",
               f"/summaries/export/{entity}.csv?area=london&period={YEAR}", "export")
              for entity in ENTITIES]
    found += [(f"Year {YEAR}: workbook (XLSX), {edition}", "coordinator",
               f"/summaries/export/summary.xlsx?area=london&period={YEAR}&edition={edition}", "export")
              for edition in ("staff", "published")]
    found += [(name, "custody_team", path, "queue") for name, path in [
        ("Queue: all open", "/escalations/"), ("Queue: overdue", "/escalations/?view=overdue")]]
    return found


def runs(kind, args):
    return args.export_requests if kind == "export" else args.requests


def result(times, size, failure):
    """What one target measured: p50 and max seconds, bytes of the last response, failure."""
    return {"p50": percentile(times, 50) if times else None, "max": max(times) if times else None,
            "bytes": size, "failure": failure}


def peak_rss_mb():
    """This process's peak resident memory so far (Linux reports kilobytes)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def test_client_get(client, path):
    """(seconds, bytes, failure or None) of one GET through the test client, body read."""
    start = time.perf_counter()
    try:
        response = client.get(path)
        size = len(response.data)
        failure = None if response.status_code == 200 else f"status {response.status_code}"
    except Exception as e:  # an export that fails part-way raises here
        size, failure = 0, f"{type(e).__name__}: {e}"[:80]
    return time.perf_counter() - start, size, failure


def in_process(db_path, args):
    """{"results": {name: result}, "memory": {...}} through Flask's test client; run in a fresh
    process (--in-process-json) so the peak RSS is not the build's."""
    app, db = bench_app(db_path)
    users = {role: User(next(db.query("SELECT * FROM users WHERE role = ? ORDER BY id", [role])))
             for role in ("custody_team", "coordinator")}
    clients = {role: app.test_client(user=user) for role, user in users.items()}
    memory = {"at rest": peak_rss_mb()}
    found = {}
    for kind in ("page", "export", "queue"):
        for name, role, path, k in targets():
            if k != kind:
                continue
            test_client_get(clients[role], path)  # warm up, as over HTTP
            times, size, failure = [], 0, None
            for _ in range(runs(kind, args)):
                seconds, size, failure = test_client_get(clients[role], path)
                times.append(seconds)
                if failure:
                    break
            found[name] = result(times, size, failure)
        memory[f"after {kind}s"] = peak_rss_mb()
    db.close()
    return {"results": found, "memory": memory}


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def signed_in(base, email):
    """A urllib opener holding the session of `email`, signed in through the real form."""
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
    page = opener.open(f"{base}/login").read().decode()
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)[1]
    data_ = urllib.parse.urlencode({"email": email, "password": data.PASSWORD, "csrf_token": token})
    opener.open(f"{base}/login", data_.encode()).read()
    return opener


def fetch(opener, url):
    """(seconds, bytes, failure or None) of one GET read to the end."""
    start, body = time.perf_counter(), b""
    try:
        with opener.open(url, timeout=300) as response:
            body = response.read()
            failure = None if response.status == 200 else f"status {response.status}"
            if response.url.split("?")[0].endswith("/login"):
                failure = "signed out (redirected to /login)"
    except urllib.error.HTTPError as e:
        body, failure = e.read(), f"status {e.code}"
    except Exception as e:  # a cut stream: IncompleteRead, RemoteDisconnected, reset
        body = getattr(e, "partial", body) or body
        failure = type(e).__name__
    return time.perf_counter() - start, len(body), failure


def workers(master):
    """The pids of the gunicorn master's worker processes."""
    found = []
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            if f"\nPPid:\t{master}\n" in status.read_text():
                found.append(int(status.parent.name))
        except OSError:
            continue
    return sorted(found)


def worker_memory(pids):
    """{pid: (VmRSS MB, VmHWM MB)} of each worker."""
    found = {}
    for pid in pids:
        try:
            fields = dict(line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines())
            found[pid] = tuple(int(fields[k].split()[0]) / 1024 for k in ("VmRSS", "VmHWM"))
        except (OSError, KeyError):
            found[pid] = (None, None)
    return found


def over_http(db_path, args):
    """{"results": {name: result}, "memory": {stage: {pid: (rss, hwm)}}} through gunicorn."""
    port = free_port()
    gunicorn = Path(sys.executable).with_name("gunicorn")
    # Production settings, but signed in without a second factor and over plain HTTP.
    env = {**os.environ, "FLASK_DATABASE": db_path, "FLASK_SECRET_KEY": "b" * 64,
           "FLASK_TWO_FACTOR_REQUIRED": "false", "FLASK_SECURE_COOKIES": "false"}
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
        memory = {"at rest": worker_memory(workers(server.pid))}
        found = {}
        for kind in ("page", "export", "queue"):
            for name, role, path, k in targets():
                if k != kind:
                    continue
                fetch(openers[role], base + path)  # warm up this worker's caches
                times, size, failure = [], 0, None
                for _ in range(runs(kind, args)):
                    seconds, size, failure = fetch(openers[role], base + path)
                    times.append(seconds)
                    if failure:
                        break
                found[name] = result(times, size, failure)
            memory[f"after {kind}s"] = worker_memory(workers(server.pid))
        return {"results": found, "memory": memory}
    finally:
        server.terminate()
        server.wait()


def open_database(path, rebuild):
    """Build the database at `path` unless it holds this version's data; print what it holds."""
    if Path(path).exists() and not rebuild:
        start = time.perf_counter()
        app, db = bench_app(path)  # migrates what is pending
        if data.built_version(db) == data.VERSION:
            print(f"Reused {path} (opened and migrated in {time.perf_counter() - start:.1f} s).")
            return db
        db.close()
        print(f"{path} was built by another version: building it again.")
    for suffix in ("", "-wal", "-shm"):
        Path(path + suffix).unlink(missing_ok=True)
    app, db = bench_app(path)
    print(f"Building {path}:")
    seconds = data.build(db)
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    print(f"Built in {seconds:.0f} s; {Path(path).stat().st_size / 2**20:,.0f} MB.")
    return db


def describe(db):
    """One paragraph: what the database holds."""
    today = london_today().isoformat()  # what the queue calls overdue
    count = lambda sql, *p: db.execute(sql, p).fetchone()[0]  # noqa: E731
    return (f"{count('SELECT count(*) FROM visits'):,} visits, "
            f"{count('SELECT count(*) FROM detainee_entries'):,} detainee entries, "
            f"{count('SELECT count(*) FROM flags'):,} flags, "
            f"{count('SELECT count(*) FROM visit_issues'):,} issues, "
            f"{count('SELECT count(*) FROM custody_record_reviews'):,} custody record reviews, "
            f"{count('SELECT count(*) FROM escalations'):,} escalations "
            f"({count('SELECT count(*) FROM escalations WHERE closed_at IS NULL'):,} open, "
            f"{count('SELECT count(*) FROM escalations WHERE closed_at IS NULL AND due_on < ?', today):,}"
            f" overdue on {today}).")


def machine():
    cores = os.cpu_count()
    return (f"{platform.machine()}, {cores} cores (nproc {len(os.sched_getaffinity(0))}), "
            f"Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}")


def seconds(value):
    return "" if value is None else f"{value:.2f}"


def outcome(found):
    """Bytes of the response, and the failure if any."""
    if not found:
        return ""
    size = f"{found['bytes']:,} bytes"
    return f"FAILED ({found['failure']}), {size}" if found["failure"] else size


def print_report(local, remote, args, lines):
    """The Markdown for docs/benchmarks.md (also written to --report)."""
    out = [f"Machine: {machine()}.", "",
           f"Command: `{' '.join([Path(sys.executable).name, *sys.argv])}`", "", *lines, "",
           f"{args.requests} requests per page, {args.export_requests} per export, after one "
           "untimed request each. Seconds.", "",
           "| What | In-process p50 | max | Response (in-process) | gunicorn p50 | max | "
           "Response (gunicorn) |", "|---|---:|---:|---|---:|---:|---|"]
    for name, _, path, _ in targets():
        a, b = local["results"].get(name, {}), remote["results"].get(name, {})
        out.append(f"| {name} | {seconds(a.get('p50'))} | {seconds(a.get('max'))} | {outcome(a)} | "
                   f"{seconds(b.get('p50'))} | {seconds(b.get('max'))} | {outcome(b)} |")
    out += ["", "Peak memory (MB): in-process, the peak RSS of the Python process running the "
            "test client (its increase over the app at rest); under gunicorn, each worker's "
            "VmHWM (its RSS now in brackets).", "",
            "| Process | At rest | After pages | After exports | After queue |",
            "|---|---:|---:|---:|---:|"]
    stages = ["at rest", "after pages", "after exports", "after queues"]
    if local["memory"]:
        rest = local["memory"]["at rest"]
        out.append("| In-process (test client) | " + " | ".join(
            f"{local['memory'][s]:.0f}" + (f" (+{local['memory'][s] - rest:.0f})" if s != "at rest" else "")
            for s in stages) + " |")
    for i, pid in enumerate(remote["memory"].get("at rest", {})):
        cells = []
        for s in stages:
            rss, hwm = remote["memory"].get(s, {}).get(pid, (None, None))
            cells.append("gone" if hwm is None else f"{hwm:.0f} ({rss:.0f})")
        out.append(f"| gunicorn worker {i + 1} | " + " | ".join(cells) + " |")
    text = "\n".join(out)
    print(text)
    if args.report:
        Path(args.report).write_text(text + "\n")
        print(f"\n(Written to {args.report}.)")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", default=DEFAULT_DB,
                        help=f"database file (default {DEFAULT_DB}): built if missing or built by "
                             "another version, else reused (and migrated)")
    parser.add_argument("--rebuild", action="store_true", help="build the database again anyway")
    parser.add_argument("--build-only", action="store_true", help="build (or check) and stop")
    parser.add_argument("--requests", type=int, default=5, help="requests per page")
    parser.add_argument("--export-requests", type=int, default=3, help="requests per export")
    parser.add_argument("--no-http", action="store_true", help="skip the gunicorn measurements")
    parser.add_argument("--no-in-process", action="store_true", help="skip the test client ones")
    parser.add_argument("--report", default="/tmp/bench-issue11.md",
                        help="also write the Markdown here ('' for nowhere)")
    parser.add_argument("--in-process-json", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.in_process_json:  # the child process measuring in-process
        print(json.dumps(in_process(args.db, args)))
        return
    db = open_database(args.db, args.rebuild)
    lines = [describe(db) + f" Month {MONTH}, quarter {QUARTER}, year {YEAR}."]
    db.close()
    if args.build_only:
        print(lines[0])
        return
    local = {"results": {}, "memory": {}}
    if not args.no_in_process:
        child = subprocess.run([sys.executable, __file__, "--in-process-json", "--db", args.db,
                                "--requests", str(args.requests),
                                "--export-requests", str(args.export_requests)],
                               capture_output=True, text=True)
        if child.returncode:
            print(child.stderr[-3000:], file=sys.stderr)
        else:
            local = json.loads(child.stdout.splitlines()[-1])
    remote = {"results": {}, "memory": {}} if args.no_http else over_http(args.db, args)
    print_report(local, remote, args, lines)


if __name__ == "__main__":
    main()
