"""Every export row query starts from the period on its index (visits_arrived for visits and the
entries, flags and issues reached through them; escalations_created; custody_record_reviews_
session) and reaches the rest by index: no full scan of a table that grows with the years, and
no sort holding a year's rows. SQLite plans without statistics (no ANALYZE), so the plan on a
small test database is the plan on ten years of national data (bench/national.py)."""
import re
from datetime import datetime, timezone

import pytest

from icv.summaries import entity_rows
from icv.summaries.periods import Area, Period

BIG = {"visits", "detainee_entries", "flags", "escalations", "users", "escalation_events",
       "visit_issues", "custody_record_reviews"}
START = {"visits": "visits_arrived", "detainees": "visits_arrived", "flags": "visits_arrived",
         "issues": "visits_arrived", "escalations": "escalations_created",
         "reviews": "custody_record_reviews_session"}
AREAS = [Area("london", None, "London", None), Area("panel", 1, "Lambeth", (1, 2)),
         Area("suite", 1, "Brixton", (1,))]


class PlanRecorder:
    """A stand-in connection: runs each query and keeps SQLite's plan of it."""

    def __init__(self, db):
        self.db, self.plans = db, []

    def query(self, sql, params=()):
        plan = [r["detail"] for r in self.db.query(f"EXPLAIN QUERY PLAN {sql}", params)]
        self.plans.append((sql, plan))
        return self.db.query(sql, params)


def row_query_plan(db, entity, area):
    """The plan of the entity's row query (the one reading a table that grows)."""
    recorder = PlanRecorder(db)
    _, _, rows = entity_rows.ENTITIES[entity]
    list(rows(recorder, area, Period.parse("2026"), datetime(2026, 11, 18, tzinfo=timezone.utc)))
    [found] = [(sql, plan) for sql, plan in recorder.plans if "panel_suites" not in sql]
    return found


@pytest.mark.parametrize("area", AREAS, ids=lambda a: a.kind)
@pytest.mark.parametrize("entity", list(entity_rows.ENTITIES))
def test_export_rows_start_from_the_periods_index_and_scan_no_big_table(db, entity, area):
    """London, a panel or a suite: the period's index first (never a suite's index and a sort),
    then searches by index only, with no temporary sort."""
    sql, plan = row_query_plan(db, entity, area)
    assert re.match(rf"SEARCH \w+ USING (COVERING )?INDEX {START[entity]} \(\w+>\? AND \w+<\?\)",
                    plan[0]), (sql, plan)
    for step in plan:
        scanned = re.match(r"SCAN (\w+)", step)
        assert not scanned or scanned[1] not in BIG | {"v", "d", "f", "e", "c", "p", "i", "r", "u"}, \
            (sql, plan)
        assert "flags_kind" not in step and "TEMP B-TREE" not in step, (sql, plan)


def test_each_entrys_flags_and_escalations_are_found_by_index(db):
    """The detainee export's per-entry lookups use the flags' unique index and escalations_entry."""
    sql, plan = row_query_plan(db, "detainees", AREAS[0])
    assert any(re.search(r"SEARCH e USING INDEX escalations_entry", step) for step in plan), plan
    assert any(re.search(r"SEARCH f USING .*INDEX sqlite_autoindex_flags", step) for step in plan), plan


def test_the_panel_lookup_reads_only_panels(db):
    """The one other query, each suite's panels, reads the small panel tables only."""
    recorder = PlanRecorder(db)
    entity_rows.panel_names(recorder)
    [(sql, plan)] = recorder.plans
    assert all(not re.match(r"SCAN (\w+)", s) or re.match(r"SCAN (p|ps)\b", s) for s in plan), plan
