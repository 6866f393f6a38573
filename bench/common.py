"""What every benchmark in bench/ shares: a throwaway app and database, and timing."""
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from icv.accounts.testing import SignedInClient  # noqa: E402

from icv import create_app  # noqa: E402
from icv.db import connect, migrate  # noqa: E402


def bench_app(path=None):
    """(app, db): the app on a migrated database (`path`, or a new one in a temporary folder);
    its test client signs in as any User with a real server session (SignedInClient), CSRF off."""
    app = create_app({"TESTING": True, "SECRET_KEY": "bench", "WTF_CSRF_ENABLED": False,
                      "TWO_FACTOR_REQUIRED": False,  # as make run: the bench signs straight in
                      "DATABASE": path or f"{tempfile.mkdtemp()}/icv.sqlite"})
    app.test_client_class = SignedInClient
    db = connect(app.config["DATABASE"])
    migrate(db)
    return app, db


def percentile(values, pct):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(pct / 100 * (len(values) - 1))))]


def timed(call, n, warm_up=False):
    """Run call() n times (after one untimed call if warm_up); (p50, p95) in milliseconds and
    the last response."""
    if warm_up:
        call()
    times, response = [], None
    for _ in range(n):
        start = time.perf_counter()
        response = call()
        times.append((time.perf_counter() - start) * 1000)
    return percentile(times, 50), percentile(times, 95), response
