"""The server killed (SIGKILL) while visit reports are submitted, three times: every report the
app acknowledged is there after the restart, once, whole, and the database passes its integrity
check. The same code as bench/crash.py (100 cycles under gunicorn: docs/benchmarks.md), here
under Werkzeug's server in a subprocess, as `make test` does not install gunicorn."""
import sys
from pathlib import Path

from conftest import PASSWORD
from icv.times import utcnow

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))
import crash  # noqa: E402  bench/crash.py


def test_no_acknowledged_report_is_lost_or_doubled_when_the_server_is_killed(
        app, db, make_user, make_suite):
    """Two phones submit report after report, retrying with the same client id after no answer,
    while the server is killed at random moments and started again."""
    icv = make_user("icv")
    make_suite()
    notes = []
    figures = crash.run(app.config["DATABASE"], icv.email, PASSWORD, cycles=3, clients=2,
                        server_kind="werkzeug", pin=utcnow().isoformat(), out=notes.append)
    assert notes == []
    assert figures["cycles"] == 3 and figures["server kills"] == 3
    assert figures["acknowledged"] > 0
    assert figures["retries after no answer"] > 0  # the kills did cut posts off
    assert {name: figures[name] for name in (
        "lost", "duplicated", "half-written", "integrity failures", "refused")} == dict.fromkeys((
            "lost", "duplicated", "half-written", "integrity failures", "refused"), 0)
    assert figures["stored"] == len(crash.bench_reports(app.config["DATABASE"]))
    assert figures["stored"] >= figures["acknowledged"]
