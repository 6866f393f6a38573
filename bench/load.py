"""50 concurrent clients against gunicorn: each page's latency as a multiple of a trivial page's.

Run: .venv/bin/python bench/load.py [--clients 50] [--seconds 60] [--workers 3]

Makes a fresh demo database (bench/demo_server.py: icv.demo.load, seed 2026) and serves it with
gunicorn (`--workers` sync workers, production configuration, plain HTTP on 127.0.0.1). Each
client is a thread signed in through the real sign-in form with its own session, as the ICV,
the custody team or the coordinator in turn (so 17, 17 and 16 of 50). For `--seconds` it asks,
one after another with no pause, for a page picked at random among the trivial page, the
sign-in page (without its cookie) and its role's pages from bench/demo_server.py pages(): all
pages interleaved in ONE run, so they share the same load. Before the clock starts, each page
is fetched once (untimed). A new connection for each request (gunicorn's sync workers close
it after each response, as behind a proxy).

The trivial page is /offline: a real page through the whole stack (the session check and
its database read, the security headers, the base template) with nothing of its own to read
or draw; requested with the client's cookie, so it pays each request's fixed cost like the
others and shows what any page costs before its own work. (/login is a page under test and
does more: a CSRF token and a new session cookie.)

Reported per page, p50/p95/p99 in ms and each as a multiple of the trivial page's:
- client: from opening the connection to the last byte of the body, as the client saw it:
  includes the wait for a free worker, so under this load mostly queueing;
- server: gunicorn's own time for the request (%(D)s in its access log: from the worker
  reading the request to the last byte sent), without the queue: what the page costs to make.
"""
import argparse
import http.client
import os
import random
import sys
import threading
import time
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlsplit

import demo_server as server  # bench/demo_server.py; it puts the project on sys.path

TRIVIAL = ("Trivial page (/offline)", "any", "/offline")
ROLES = ["icv", "custody_team", "coordinator"]


def percentile(values, pct):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(pct / 100 * (len(values) - 1))))]


def get(host, port, path, cookie):
    """(status, seconds) of one GET read to the end, on a new connection."""
    start = time.perf_counter()
    connection = http.client.HTTPConnection(host, port, timeout=120)
    try:
        connection.request("GET", path, headers={"Cookie": cookie} if cookie else {})
        response = connection.getresponse()
        response.read()
        return response.status, time.perf_counter() - start
    finally:
        connection.close()


def client(host, port, cookie, choices, stop, seed, found):
    rng = random.Random(seed)
    while not stop.is_set():
        name, path, signed_in = rng.choice(choices)
        try:
            status, seconds = get(host, port, path, cookie if signed_in else None)
        except OSError as error:
            status, seconds = type(error).__name__, None
        found.append((name, status, seconds))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--workers", type=int, default=3, help="gunicorn sync workers")
    args = parser.parse_args()
    started = time.perf_counter()
    db_path = server.demo_database()
    log_path = os.path.join(os.path.dirname(db_path), "access.log")
    pages = [TRIVIAL] + server.pages(db_path)
    with server.gunicorn(db_path, workers=args.workers, access_log=log_path) as base:
        host, port = urlsplit(base).hostname, urlsplit(base).port
        roles = [ROLES[i % len(ROLES)] for i in range(args.clients)]
        with ThreadPoolExecutor(max_workers=args.workers * 2) as pool:
            jars = list(pool.map(lambda role: server.sign_in(base, role), roles))
        cookies = [server.cookie_header(jar) for jar in jars]
        # Untimed: each page once, with a cookie of its role.
        for name, role, path in pages:
            cookie = cookies[roles.index(role)] if role in ROLES else cookies[0]
            status, _ = get(host, port, path, cookie if role else None)
            assert status == 200, (name, path, status)
        by_path = {path: name for name, _, path in pages}
        log_offset = os.path.getsize(log_path)
        found, stop = [], threading.Event()
        threads = []
        for i, (role, cookie) in enumerate(zip(roles, cookies)):
            choices = [(name, path, r is not None) for name, r, path in pages
                       if r in (None, "any", role)]
            threads.append(threading.Thread(target=client, daemon=True, args=(
                host, port, cookie, choices, stop, i, found)))
        run_start = time.perf_counter()
        for thread in threads:
            thread.start()
        time.sleep(args.seconds)
        stop.set()
        for thread in threads:
            thread.join(timeout=150)
        run_seconds = time.perf_counter() - run_start
        time.sleep(0.5)  # the workers' last log lines
        with open(log_path) as f:
            f.seek(log_offset)
            logged = server.access_lines(f.read())

    client_times, failures = defaultdict(list), defaultdict(int)
    for name, status, seconds in found:
        if status == 200:
            client_times[name].append(seconds * 1000)
        else:
            failures[name] += 1
    server_times = defaultdict(list)
    for request, status, micros, _ in logged:
        name = by_path.get(request.split(" ", 1)[1])
        if name and status == 200:
            server_times[name].append(micros / 1000)

    def cells(times, trivial):
        if not times:
            return "–", "–"
        p = [percentile(times, q) for q in (50, 95, 99)]
        t = [percentile(trivial, q) for q in (50, 95, 99)]
        return (" / ".join(f"{v:,.0f}" if v >= 10 else f"{v:.1f}" for v in p),
                " / ".join(f"{v / w:.1f}×" for v, w in zip(p, t)))

    command = "python bench/load.py " + " ".join(sys.argv[1:])
    total = sum(len(v) for v in client_times.values())
    print(f"### Load: {args.clients} clients, {args.seconds:.0f} s, gunicorn with {args.workers} "
          f"sync workers\n")
    print(f"`{command.strip()}` on a fresh demo database. Machine: {server.machine()}. "
          f"The clients run on the same machine. {total:,} requests answered 200 in "
          f"{run_seconds:.0f} s ({total / run_seconds:,.0f} a second); "
          f"{sum(failures.values())} failed. Took {time.perf_counter() - started:.0f} s in all.\n")
    print("| Page | Clients | Requests | Client p50 / p95 / p99 ms | × trivial | "
          "Server p50 / p95 / p99 ms | × trivial |")
    print("|---|---|---:|---:|---:|---:|---:|")
    for name, role, _ in pages:
        client_ms, client_x = cells(client_times[name], client_times[TRIVIAL[0]])
        server_ms, server_x = cells(server_times[name], server_times[TRIVIAL[0]])
        who = {"any": "all (signed in)", None: "all (signed out)"}.get(role, role)
        fails = f" ({failures[name]} failed)" if failures.get(name) else ""
        print(f"| {name} | {who} | {len(client_times[name]):,}{fails} | {client_ms} | {client_x} | "
              f"{server_ms} | {server_x} |")
    print("\nClient: connection opened to last byte read, queueing for a worker included. "
          "Server: gunicorn's %(D)s for the request, queue excluded. × trivial: the same "
          "percentile of the trivial page (/offline) in the same run.")


if __name__ == "__main__":
    main()
