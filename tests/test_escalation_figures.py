"""Escalation figures for a summary (icv/summaries/escalation_figures.py), on a small data set
worked out by hand: opened, closed, open and overdue at the period's end (or now), time to
close, by rule, priority and outcome, and the oldest open; London midnight bounds across the
clock changes of 2026 (summer time ends 25 October)."""
from datetime import date

import pytest

from icv import codes, rules
from icv.summaries import escalation_figures as ef
from icv.summaries.periods import Area, Period

SETTINGS = {"suppress_below": 5, "ratio_min_group": 10, "reference_group": "White",
            "ag1_share_ratio": 2.0}
OCTOBER, SEPTEMBER, NOVEMBER = (Period("month", 2026, n) for n in (10, 9, 11))
AFTER_OCTOBER = date(2026, 11, 10)  # `today` for the tests: October has ended, November not


@pytest.fixture
def world(db, make_suite, make_user, make_visit):
    """Suite A (alone in panel P) and suite B; nine escalations (see the table below), each on
    a visit of its own that raises nothing itself.

        id  suite rule priority created (UTC)         closed (UTC)          status  due on
        e1  A     SS2  high     2026-09-30T23:30Z     2026-10-03T11:30Z     resolved  (police replied)
        e2  A     SS1  critical 2026-09-30T22:30Z     -                     new     2026-10-02
        e3  B     UF3  medium   2026-10-10T09:00Z     2026-10-20T09:00Z     no further action
        e4  B     UF3  low      2026-10-25T00:30Z     2026-11-05T10:00Z     resolved  2026-11-03
        e5  A     SS2  high     2026-10-31T23:30Z     -                     triaged 2026-11-06
        e6  A     SS1  medium   2026-11-01T00:30Z     -                     new     2026-11-20
        e7  A     SS2  high     2026-10-05T10:00Z     -    withdrawn by a correction (still_raised 0)
        e8  B     SS1  critical 2026-08-01T12:00Z     2026-10-15T12:00Z     resolved  2026-08-10
        e9  B     UF3  low      2026-09-15T10:00Z     2026-09-20T10:00Z     resolved

    London days: e1 is 1 Oct 00:30 BST (October); e2 30 Sep 23:30 BST (September); e4 25 Oct
    01:30 BST, the morning the clocks go back; e5 31 Oct 23:30 GMT (still October); e6 1 Nov
    00:30 GMT (November). October runs from 2026-09-30T23:00Z to 2026-11-01T00:00Z."""
    author, partner = make_user("icv"), make_user("icv")
    a, b = make_suite("Suite A"), make_suite("Suite B")
    panel = db["panels"].insert({"name": "P"}).last_pk
    db["panel_suites"].insert({"panel_id": panel, "suite_id": a})
    suites = {"A": a, "B": b}

    def add(suite, rule, priority, created, closed=None, status="new", due_on=None,
            still_raised=1, police_response=""):
        visit_id = make_visit(author, partner_id=partner.id, suite_id=suites[suite])
        return db["escalations"].insert({
            "source": "visit", "visit_id": visit_id, "suite_id": suites[suite], "rule_id": rule,
            "title": rules.BY_ID[rule].title, "base_priority": priority, "priority": priority,
            "priority_rank": codes.PRIORITIES.index(priority), "status": status,
            "due_on": due_on, "police_response": police_response, "still_raised": still_raised,
            "created_at": created, "updated_at": closed or created, "closed_at": closed}).last_pk

    assert db["escalations"].count == 0  # the visits themselves raise nothing
    ids = {
        "e1": add("A", "SS2", "high", "2026-09-30T23:30:00Z", "2026-10-03T11:30:00Z", "resolved",
                  police_response="The inspector replied."),
        "e2": add("A", "SS1", "critical", "2026-09-30T22:30:00Z", due_on="2026-10-02"),
        "e3": add("B", "UF3", "medium", "2026-10-10T09:00:00Z", "2026-10-20T09:00:00Z",
                  "no_further_action"),
        "e4": add("B", "UF3", "low", "2026-10-25T00:30:00Z", "2026-11-05T10:00:00Z", "resolved",
                  due_on="2026-11-03"),
        "e5": add("A", "SS2", "high", "2026-10-31T23:30:00Z", status="triaged", due_on="2026-11-06"),
        "e6": add("A", "SS1", "medium", "2026-11-01T00:30:00Z", due_on="2026-11-20"),
        "e7": add("A", "SS2", "high", "2026-10-05T10:00:00Z", still_raised=0),
        "e8": add("B", "SS1", "critical", "2026-08-01T12:00:00Z", "2026-10-15T12:00:00Z",
                  "resolved", due_on="2026-08-10"),
        "e9": add("B", "UF3", "low", "2026-09-15T10:00:00Z", "2026-09-20T10:00:00Z", "resolved"),
    }
    return {"ids": ids, "london": Area("london", None, "London", None),
            "panel": Area("panel", panel, "P", (a,)), "suite_b": Area("suite", b, "Suite B", (b,))}


def tables(db, area, period, today=AFTER_OCTOBER):
    return {t.key: t for t in ef.escalation_tables(db, area, period, SETTINGS, today)}


def column(table, key):
    return [row[key] for row in table.rows]


def test_headline_counts_by_london_days_across_the_clock_change(db, world):
    """October (London): opened e1 (1 Oct 00:30 BST), e3, e4 (the night the clocks go back),
    e5 (31 Oct 23:30 GMT) = 4, not e2 (30 Sep 23:30 BST), e6 (1 Nov) or the withdrawn e7;
    closed e1, e3, e8 = 3 (e4 closed in November); open at the end (1 Nov 00:00Z): e2, e4
    (closed later), e5 = 3."""
    assert ef.headline(db, world["london"], OCTOBER) == [
        ("esc_opened", "Escalations opened", 4),
        ("esc_closed", "Escalations resolved or closed", 3),
        ("esc_open_at_end", "Escalations open at the end of the period", 3)]


def test_headline_for_a_panel_and_a_suite(db, world):
    """Panel P is suite A: opened e1, e5 = 2; closed e1 = 1; open at the end e2, e5 = 2.
    Suite B: opened e3, e4 = 2; closed e3, e8 = 2; open at the end e4 = 1."""
    assert [v for _, _, v in ef.headline(db, world["panel"], OCTOBER)] == [2, 1, 2]
    assert [v for _, _, v in ef.headline(db, world["suite_b"], OCTOBER)] == [2, 2, 1]


def test_a_period_long_past_is_counted_back_the_same(db, world):
    """September ends 2026-09-30T23:00Z: 4 were closed since (e1, e3, e4, e8) but only 3 opened
    before (e2, e8, e9), so it is counted as opened before less closed before. Opened e2, e9 =
    2; closed e9 = 1; open at the end e2 and e8 (closed 15 Oct) = 2."""
    end = SEPTEMBER.bounds()[1]
    assert ef.counting_back(db, end) and not ef.counting_back(db, OCTOBER.bounds()[1])
    assert [v for _, _, v in ef.headline(db, world["london"], SEPTEMBER)] == [2, 1, 2]


@pytest.mark.parametrize("back", [True, False])
@pytest.mark.parametrize("period", [SEPTEMBER, OCTOBER])
def test_both_ways_of_finding_those_open_at_the_end_agree(db, world, monkeypatch, back, period):
    """Open now plus closed since, or opened before less closed before: the same figures."""
    end = period.bounds()[1]
    expected = {SEPTEMBER: (2, ["e8", "e2"]), OCTOBER: (3, ["e2", "e4", "e5"])}[period]
    monkeypatch.setattr(ef, "counting_back", lambda db, end: back)
    assert ef.count_open_at(db, None, end) == expected[0]
    assert sum(r["n"] for r in ef.open_at(db, None, end, period.end_day)) == expected[0]
    names = {v: k for k, v in world["ids"].items()}
    assert [names[r["id"]] for r in ef.oldest_open_at(db, None, end)] == expected[1]


def test_the_period_in_numbers_at_its_end(db, world):
    """October, read on 10 November: open at the end e2, e4, e5; overdue at the end (due before
    1 November) e2 only (e4 due 3 Nov, e5 due 6 Nov)."""
    t = tables(db, world["london"], OCTOBER)["esc_overview"]
    assert [(r["what"], r["escalations"]) for r in t.rows] == [
        ("Opened in the period", 4), ("Resolved or closed in the period", 3),
        ("Open at the end of October 2026", 3), ("Overdue at the end of October 2026", 1)]
    assert "before 1 November 2026" in t.description


def test_a_period_still_running_is_read_now(db, world):
    """November, read on 10 November: opened e6 = 1; closed e4 = 1; open now e2, e5, e6 = 3;
    overdue now (due before 10 November, as the queue's Overdue view) e2 and e5 = 2."""
    t = tables(db, world["london"], NOVEMBER)["esc_overview"]
    assert [(r["what"], r["escalations"]) for r in t.rows] == [
        ("Opened in the period", 1), ("Resolved or closed in the period", 1),
        ("Open now (November 2026 has not ended)", 3),
        ("Overdue now (November 2026 has not ended)", 2)]
    assert [v for _, _, v in ef.headline(db, world["london"], NOVEMBER)] == [1, 1, 3]


def test_time_to_resolve_by_priority(db, world):
    """Closed in October: e1 high 2.5 days (23:30 to 11:30 two and a half days later), e3
    medium 10.0, e8 critical 75.0 (1 Aug to 15 Oct, noon to noon). All: median 10.0, 90th
    percentile by nearest rank (the 3rd of 3) 75.0."""
    t = tables(db, world["london"], OCTOBER)["esc_time_to_close"]
    assert [(r["priority"], r["closed"], r["median"], r["p90"]) for r in t.rows] == [
        ("Critical", 1, 75.0, 75.0), ("High", 1, 2.5, 2.5), ("Medium", 1, 10.0, 10.0),
        ("Low", 0, None, None)]
    assert t.total == {"priority": "All", "closed": 3, "median": 10.0, "p90": 75.0}
    assert t.column("median").unit == "days"


def test_by_rule_in_the_rulebooks_order(db, world):
    """SS1: closed e8, open e2. SS2: opened e1, e5; closed e1; open e5. UF3: opened e3, e4;
    closed e3; open e4."""
    t = tables(db, world["london"], OCTOBER)["esc_by_rule"]
    assert [(r["rule"], r["title"], r["opened"], r["closed"], r["open"]) for r in t.rows] == [
        ("SS1", rules.BY_ID["SS1"].title, 0, 1, 1), ("SS2", rules.BY_ID["SS2"].title, 2, 1, 1),
        ("UF3", rules.BY_ID["UF3"].title, 2, 1, 1)]
    assert (t.total["opened"], t.total["closed"], t.total["open"]) == (4, 3, 3)


def test_by_priority(db, world):
    """Opened: high e1, e5; medium e3; low e4. Closed: critical e8, high e1, medium e3. Open at
    the end: critical e2 (overdue), high e5, low e4."""
    t = tables(db, world["london"], OCTOBER)["esc_by_priority"]
    assert [(r["priority"], r["opened"], r["closed"], r["open"], r["overdue"]) for r in t.rows] == [
        ("Critical", 0, 1, 1, 1), ("High", 2, 1, 1, 0), ("Medium", 1, 1, 0, 0), ("Low", 1, 0, 1, 0)]
    assert t.total == {"priority": "All", "opened": 4, "closed": 3, "open": 3, "overdue": 1}
    assert t.chart.series == ("opened", "closed", "open")


def test_opened_in_the_period_by_status_now(db, world):
    """Opened in October (withdrawn e7 left out): e1 resolved, e3 no further action, e4
    resolved (on 5 November: its status now), e5 triaged. Four in all."""
    t = tables(db, world["london"], OCTOBER)["esc_by_status"]
    assert [(r["status"], r["escalations"], r["share"]) for r in t.rows] == [
        ("New", 0, 0.0), ("Triaged", 1, 25.0), ("Raised with police", 0, 0.0),
        ("Awaiting response", 0, 0.0), ("Resolved", 2, 50.0), ("No further action", 1, 25.0)]
    assert t.total == {"status": "All opened", "escalations": 4, "share": 100.0}


def test_by_outcome(db, world):
    """Closed in October: resolved e1, e8 (2 of 3, e1 with the police's reply), no further
    action e3 (1 of 3)."""
    t = tables(db, world["london"], OCTOBER)["esc_by_outcome"]
    assert [(r["outcome"], r["closed"], round(r["share"], 2), r["police_response"])
            for r in t.rows] == [("Resolved", 2, 66.67, 1), ("No further action", 1, 33.33, 0)]
    assert t.total["closed"] == 3 and t.total["police_response"] == 1


def test_the_oldest_open_at_the_end(db, world):
    """Open at the end of October, oldest first: e2 (opened 30 Sep London, 32 days to 1 Nov),
    e4 (25 Oct, 7 days; resolved since, on 5 Nov), e5 (31 Oct, 1 day)."""
    t = tables(db, world["london"], OCTOBER)["esc_oldest_open"]
    ids = world["ids"]
    assert [(r["id"], r["rule"], r["priority"], r["suite"], r["opened"], r["days"], r["status"])
            for r in t.rows] == [
        (str(ids["e2"]), "SS1", "Critical", "Suite A", "2026-09-30", 32, "New"),
        (str(ids["e4"]), "UF3", "Low", "Suite B", "2026-10-25", 7, "Resolved on 2026-11-05"),
        (str(ids["e5"]), "SS2", "High", "Suite A", "2026-10-31", 1, "Triaged")]


def test_the_oldest_open_of_a_period_long_past(db, world):
    """At the end of September: e8 (opened 1 Aug, 61 days to 1 Oct, resolved since) and e2
    (30 Sep, 1 day); e8 was overdue then (due 10 Aug), e2 not yet (due 2 Oct)."""
    found = tables(db, world["london"], SEPTEMBER)
    assert [(r["opened"], r["days"], r["status"]) for r in found["esc_oldest_open"].rows] == [
        ("2026-08-01", 61, "Resolved on 2026-10-15"), ("2026-09-30", 1, "New")]
    assert found["esc_overview"].rows[3]["escalations"] == 1


def test_an_area_counts_only_its_suites(db, world):
    """Panel P (suite A) in October: opened e1, e5; closed e1 (high, 2.5 days); open e2, e5."""
    found = tables(db, world["panel"], OCTOBER)
    assert column(found["esc_overview"], "escalations") == [2, 1, 2, 1]
    assert found["esc_time_to_close"].total["median"] == 2.5
    assert [r["suite"] for r in found["esc_oldest_open"].rows] == ["Suite A", "Suite A"]


def test_a_period_with_none(db, world):
    """March 2026 had no escalations: the tables with no rows say so."""
    found = tables(db, world["london"], Period("month", 2026, 3))
    assert column(found["esc_overview"], "escalations") == [0, 0, 0, 0]
    assert found["esc_time_to_close"].rows == [] and found["esc_by_outcome"].rows == []
    assert found["esc_by_rule"].rows == [] and found["esc_oldest_open"].rows == []
    assert found["esc_oldest_open"].empty == "No escalations were open at the end of March 2026."


def test_queries_start_from_their_indexes(db, world):
    """No query scans the escalations table: each reads an index range, or the partial index
    of those open now (escalations_queue)."""
    plans = []
    original = db.query

    class Recorder:
        def query(self, sql, params=()):
            plans.append([r["detail"] for r in original(f"EXPLAIN QUERY PLAN {sql}", params)])
            return original(sql, params)

        def execute(self, sql, params=()):
            plans.append([r["detail"] for r in original(f"EXPLAIN QUERY PLAN {sql}", params)])
            return db.execute(sql, params)

    for period in (SEPTEMBER, OCTOBER):
        ef.escalation_tables(Recorder(), world["london"], period, SETTINGS, AFTER_OCTOBER)
        ef.headline(Recorder(), world["panel"], period)
    assert plans
    for plan in plans:
        for step in plan:
            assert (not step.startswith("SCAN escalations")
                    or step == "SCAN escalations USING INDEX escalations_queue"), plan
