"""The audit log's hash chain (issue 13): what chaining costs each entry, and how long
`flask audit verify` and a purge take on a big log.

Run: .venv/bin/python bench/audit_chain.py [--entries 200000]

On a throwaway database: times audit.log() one entry a transaction (as a view logs) and 50 in one
transaction (as a store logs inside its change), against the INSERT log() made before the chain
(m007/m016, no hashes: an entry with NULL prev_hash and hash); then fills the log to --entries,
times audit.verify() over all of it, and a purge of the older half. Prints a Markdown table for
docs/benchmarks.md.
"""
import argparse
import json
import time

from common import bench_app, percentile  # bench/common.py; it puts the project on sys.path

from icv import audit
from icv.db import writing
from icv.times import now_iso


def unchained(db, n):
    """The INSERT log() made before m019."""
    db.execute("INSERT INTO audit_log (at, user_id, action, object_type, object_id, address, detail) "
               "VALUES (?, ?, ?, ?, ?, ?, ?)",
               [now_iso(), None, "view", "visit", n, "192.0.2.1", json.dumps({"page": "detail"})])


def chained(db, n):
    audit.log(db, None, "view", "visit", n, address="192.0.2.1", page="detail")


def per_entry(db, write, n, batch):
    """(p50, p95) microseconds an entry, writing n entries `batch` to a transaction."""
    times = []
    for start in range(0, n, batch):
        began = time.perf_counter()
        with writing(db):
            for i in range(start, start + batch):
                write(db, i)
        times.append((time.perf_counter() - began) / batch * 1e6)
    return percentile(times, 50), percentile(times, 95)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--entries", type=int, default=200_000)
    args = parser.parse_args()
    _, db = bench_app()
    rows = []
    # Unchained first: its NULL hashes come before the chain starts, which the timing does not mind.
    for label, write in (("before the chain (m016 INSERT)", unchained), ("chained: audit.log()", chained)):
        for batch in (1, 50):
            rows.append((label, batch, *per_entry(db, write, 5_000 if batch == 1 else 20_000, batch)))
    print("| Write | Entries a transaction | p50 µs an entry | p95 µs an entry |")
    print("|---|---:|---:|---:|")
    for label, batch, p50, p95 in rows:
        print(f"| {label} | {batch} | {p50:,.1f} | {p95:,.1f} |")

    # A whole chain to verify: a fresh database so every entry is chained.
    _, db = bench_app()
    with writing(db):
        for i in range(args.entries):
            chained(db, i)
    began = time.perf_counter()
    verdict = audit.verify(db)
    verified = time.perf_counter() - began
    assert verdict.intact, verdict.summary()
    cutoff = db.execute("SELECT at FROM audit_log WHERE id = ?", [args.entries // 2]).fetchone()[0]
    began = time.perf_counter()
    removed = audit.purge_older_than(db, cutoff)
    purged = time.perf_counter() - began
    print()
    print(f"| {args.entries:,} entries | seconds |")
    print("|---|---:|")
    print(f"| `audit.verify()` over all | {verified:.2f} ({args.entries / verified:,.0f} entries a second) |")
    print(f"| purge of the older {removed:,} (checked, checkpoint, deleted) | {purged:.2f} |")


if __name__ == "__main__":
    main()
