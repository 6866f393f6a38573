"""Every summary and export query starts from the period's visits (the visits_arrived index)
and reaches entries, flags and escalations through their visit or entry indexes: no full scan
of a table that grows with the years. SQLite plans without statistics (no ANALYZE), so the plan
on a small test database is the plan on ten years of national data (bench/national.py)."""
import re

import pytest

from icv.summaries import views as summaries
from icv.times import month_bounds

BIG = {"visits", "detainee_entries", "flags", "escalations", "users", "escalation_events"}


class PlanRecorder:
    """A stand-in connection: runs each query and keeps SQLite's plan of it."""

    def __init__(self, db):
        self.db, self.plans = db, []

    def query(self, sql, params=()):
        plan = [r["detail"] for r in self.db.query(f"EXPLAIN QUERY PLAN {sql}", params)]
        self.plans.append((sql, plan))
        return self.db.query(sql, params)


def plans_of(db, call):
    recorder = PlanRecorder(db)
    result = call(recorder)
    if hasattr(result, "__next__"):
        list(result)
    assert recorder.plans
    return recorder.plans


@pytest.mark.parametrize("name", ["month_totals", "suite_rows", "visit_rows", "entry_rows",
                                  "flags_by_visit"])
def test_summary_queries_start_from_the_months_visits_and_scan_no_big_table(db, name):
    start, end = month_bounds(2026, 10)
    for sql, plan in plans_of(db, lambda d: getattr(summaries, name)(d, start, end)):
        assert re.match(r"SEARCH v(isits)? USING (COVERING )?INDEX visits_arrived \(arrived_at>\? "
                        r"AND arrived_at<\?\)", plan[0]), (sql, plan)
        for step in plan:
            scanned = re.match(r"SCAN (\w+)", step)
            assert not scanned or scanned[1] not in BIG | {"v", "d", "f", "e", "c", "p"}, (sql, plan)
            assert "flags_kind" not in step, (sql, plan)


def test_each_entrys_escalations_are_found_by_index(db):
    """The detainee export's per-entry lookup of escalations uses escalations_entry (m009)."""
    start, end = month_bounds(2026, 10)
    [(sql, plan)] = plans_of(db, lambda d: summaries.entry_rows(d, start, end))
    assert any(re.search(r"SEARCH e USING INDEX escalations_entry", step) for step in plan), plan
    assert any(re.search(r"SEARCH f USING .*INDEX sqlite_autoindex_flags", step) for step in plan), plan
