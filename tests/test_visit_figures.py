"""The summary's figures from visit reports (icv/summaries/visit_figures.py), each worked out by
hand on a small data set in October 2026, a month in which the clocks go back (01:00 UTC on
Sunday 25 October): London is UTC+1 before and UTC+0 after.

The October data set (times UTC; London in brackets):
  V9 Alpha  30 Sep 23:30 (Thu 1 Oct 00:30 BST, night)   pair, let in at once, 0 in custody
  V1 Alpha  5 Oct 08:00 (Mon 09:00 BST, morning)        pair, let in after 40 min, 10 in custody,
            entries E1 child strip searched and flagged, E2 adult strip searched and force used,
            E3 adult with no flags, E4 force used (removed by a correction); two issues
  V5 Delta  14 Oct 12:00 (Wed 13:00 BST, afternoon)     pair, closed suite, 1 in custody
  V2 Alpha  24 Oct 23:30 (Sun 25 Oct 00:30 BST, night)  alone, 5 min, 4 in custody,
            entry E5 a child (by age band) strip searched; one issue
  V3 Bravo  25 Oct 01:30 (Sun 01:30 GMT, night)         pair, no time let in, 3 in custody
  V4 Bravo  31 Oct 23:30 (Sat 23:30 GMT, evening)       alone, 20 min, 2 in custody,
            entry E6 adult: force used and an intimate search; one issue
Outside October: V8 Bravo 30 Sep 22:30 (Wed 23:30 BST, September), V7 Charlie 10 Sep,
V6 Alpha 1 Nov 00:30 (GMT, November).
Suites: Alpha and Bravo (panel North), Charlie (panel South, not visited in October), Delta
(closed, no panel, visited), Echo (closed, not visited: not listed)."""
import re
from datetime import date, timedelta
from types import SimpleNamespace

import pytest

from conftest import finding_entry
from icv import rulebook, suites
from icv.db import writing
from icv.rule_settings import DEFAULT_SETTINGS
from icv.summaries import flag_figures as ff, visit_figures as vf
from icv.summaries.figures import DEFAULTS
from icv.summaries.periods import Area, Period
from icv.times import from_iso, to_iso
from icv.visits.store import correct_visit, record_visit

OCTOBER = Period("month", 2026, 10)
SEPTEMBER = Period("month", 2026, 9)
LONDON_AREA = Area("london", None, "London", None)
AFTER = date(2026, 12, 1)  # a `today` after October: days since a visit count to 31 October
SETTINGS = {**DEFAULT_SETTINGS, **DEFAULTS}

E1_FLAGS = {
    "strip_search": {"context": "custody", "intimate_parts_exposed": "yes", "orifice_contact": "no",
                     "aa_present": "no", "no_aa_reason": "none", "searcher_same_sex": "yes",
                     "reason_recorded": "yes", "safeguarding_referral": "no", "source": "staff"},
    "child": {"aa_status": "not_called", "held_in": "cell", "sharing_with_adult": "no",
              "expected_overnight": "yes"},
}
E2_FLAGS = {
    "strip_search": {"context": "custody", "intimate_parts_exposed": "yes", "orifice_contact": "no",
                     "aa_present": "not_needed", "searcher_same_sex": "no",
                     "reason_recorded": "yes", "source": "staff"},
    "use_of_force": {"phase": "in_cell", "spit_guard": "no", "limb_restraints": "no",
                     "handcuffed_in_cell": "yes", "taser": "drawn", "detainee_injury": "none",
                     "hcp_seen": "yes", "allegation": "no", "recorded_on_custody_record": "yes",
                     "source": "staff"},
}
E4_FLAGS = {"use_of_force": {**E2_FLAGS["use_of_force"], "phase": "release"}}
E5_FLAGS = {
    "strip_search": {"context": "stop_search", "intimate_parts_exposed": "yes",
                     "orifice_contact": "no", "aa_present": "not_needed", "searcher_same_sex": "yes",
                     "reason_recorded": "not_known", "safeguarding_referral": "not_known",
                     "source": "detainee_account"},
}
E6_FLAGS = {
    "use_of_force": {"phase": "arrest_or_transport", "spit_guard": "yes", "limb_restraints": "yes",
                     "handcuffed_in_cell": "no", "taser": "fired", "detainee_injury": "minor",
                     "hcp_seen": "yes", "allegation": "no", "recorded_on_custody_record": "yes",
                     "source": "staff"},
    "intimate_search": {"grounds": "class_a_drugs", "inspector_authorised": "yes",
                        "conducted_by_hcp": "no", "written_consent": "not_recorded",
                        "aa_present": "not_needed", "source": "custody_record"},
}


def later(text, minutes):
    return to_iso(from_iso(text) + timedelta(minutes=minutes))


@pytest.fixture
def world(db, make_user):
    """The October data set above: {"suites": {name: id}, "panels": {name: id}, "visits": {...}}."""
    author, partner = make_user("icv"), make_user("icv")
    with writing(db):
        north, south = suites.add_panel(db, "North"), suites.add_panel(db, "South")
        ids = {"Alpha": suites.add_suite(db, "Alpha", "24_7", north),
               "Bravo": suites.add_suite(db, "Bravo", "24_7", north),
               "Charlie": suites.add_suite(db, "Charlie", "24_7", south),
               "Delta": suites.add_suite(db, "Delta", "closed", None),
               "Echo": suites.add_suite(db, "Echo", "closed", None)}

    def report(name, suite, arrived, *, alone=False, wait=0, entries=(), issues=(), **counts):
        found = {"client_id": f"visit-{name}", "suite_id": ids[suite],
                 "partner_id": None if alone else partner.id, "arrived_at": arrived,
                 "admitted_at": None if wait is None else later(arrived, wait),
                 "departed_at": later(arrived, 60), "in_custody": counts.pop("in_custody", 0),
                 "spoke_with": counts.pop("spoke_with", 0), "counts": counts,
                 "entries": list(entries), "issues": [
                     {"category": c, "description": "Raised.", "raised_with": "Sergeant",
                      "resolved_at_visit": r} for c, r in issues],
                 "single_visitor_reason": "Partner unwell." if alone else ""}
        return found

    def visit(*args, **kwargs):
        found = report(*args, **kwargs)
        visit_id, _ = record_visit(db, author.id, found, submitted_at=later(found["departed_at"], 5),
                                   **rulebook.built_in())
        return visit_id, found

    entries = {
        "E1": finding_entry(entry_key="e1", age_band="16-17", gender="male",
                            ethnicity="black_caribbean", flags=E1_FLAGS),
        "E2": finding_entry(entry_key="e2", age_band="25-34", gender="male",
                            ethnicity="white_british", flags=E2_FLAGS),
        "E3": finding_entry(entry_key="e3", age_band="35-44", gender="female",
                            ethnicity="white_irish"),
        "E4": finding_entry(entry_key="e4", age_band="18-20", gender="male",
                            ethnicity="black_caribbean", flags=E4_FLAGS),
    }
    v1, v1_report = visit("V1", "Alpha", "2026-10-05T08:00:00Z", wait=40,
                          entries=entries.values(), issues=[("food_drink", "yes"), ("health", "no")],
                          in_custody=10, spoke_with=4, observed_only=2, declined=1, not_seen=3,
                          offered=7, not_seen_asleep=2, not_seen_interview=1)
    # The correction: E4 was entered twice by mistake, so it is removed (marked, not deleted).
    correct_visit(db, v1, author.id, {**v1_report, "entries": [entries[k] for k in ("E1", "E2", "E3")]},
                  [], "E4 was entered twice.", 1, **rulebook.built_in())
    visit("V9", "Alpha", "2026-09-30T23:30:00Z")
    visit("V5", "Delta", "2026-10-14T12:00:00Z", in_custody=1, spoke_with=1)
    visit("V2", "Alpha", "2026-10-24T23:30:00Z", alone=True, wait=5, entries=[
        finding_entry(age_band="14-15", gender="female", ethnicity="black_african", flags=E5_FLAGS)],
        issues=[("cell_conditions", "partly")], in_custody=4, spoke_with=1, observed_only=1,
        not_seen=2, offered=2, not_seen_unfit=2)
    visit("V3", "Bravo", "2026-10-25T01:30:00Z", wait=None, in_custody=3, declined=1, not_seen=2,
          offered=1, not_seen_booking_or_release=2)
    visit("V4", "Bravo", "2026-10-31T23:30:00Z", alone=True, wait=20, entries=[
        finding_entry(age_band="45-54", gender="male", ethnicity="white_british", flags=E6_FLAGS)],
        issues=[("food_drink", "yes")], in_custody=2, spoke_with=1, not_seen=1, offered=1,
        not_seen_other=1)
    visit("V8", "Bravo", "2026-09-30T22:30:00Z", in_custody=5, spoke_with=2)
    visit("V7", "Charlie", "2026-09-10T10:00:00Z", in_custody=5, spoke_with=2)
    visit("V6", "Alpha", "2026-11-01T00:30:00Z", in_custody=9, spoke_with=9, entries=[
        finding_entry(flags=E2_FLAGS)])
    return {"suites": ids, "panels": {"North": north, "South": south}}


def panel_area(db, world, name):
    """The panel's area as the summary page makes it (its suites from panel_suites)."""
    panel_id = world["panels"][name]
    return Area("panel", panel_id, name, tuple(suites.in_panel(db, panel_id)))


def by_key(tables):
    return {t.key: t for t in tables}


def column(table, key):
    """{row label: value} of one column (the label is the first column)."""
    label = table.columns[0].key
    return {row[label]: row.get(key) for row in table.rows}


# Headline ------------------------------------------------------------------------------------


def test_headline_counts_octobers_visits_and_current_entries_only(db, world):
    """Visits arriving in London's October (V9 at 00:30 BST on 1 October is in it, V6 at 00:30
    GMT on 1 November is not); E4, removed by a correction, is not counted."""
    assert vf.headline(db, LONDON_AREA, OCTOBER) == [
        ("visits", "Visits", 6),  # V9, V1, V5, V2, V3, V4
        ("single_visitor_visits", "Single-visitor visits", 2),  # V2, V4
        ("in_custody", "Detainees in custody at the time of visits", 20),  # 0+10+1+4+3+2
        ("spoke_with", "Detainees spoken with", 7),  # 0+4+1+1+0+1
        ("detainees_seen", "Detainees seen (entries recorded)", 5),  # E1, E2, E3, E5, E6
        ("strip_searches", "Strip searches", 3),  # E1, E2, E5
        ("child_strip_searches", "Strip searches of children", 2),  # E1 (flag and band), E5 (band)
        ("uses_of_force", "Uses of force", 2),  # E2, E6 (not E4)
        ("children_flagged", "Children flagged", 1),  # E1
        ("issues", "Issues raised", 4),  # 2 at V1, 1 at V2, 1 at V4
    ]


def test_a_visit_at_2330_bst_on_the_last_day_of_a_month_counts_in_that_month(db, world):
    """V8 arrived at 22:30 UTC on 30 September, 23:30 in London (BST): a September visit, on a
    Wednesday evening; V9 at 23:30 UTC the same day is 00:30 on 1 October: October's."""
    figures = dict((k, v) for k, _, v in vf.headline(db, LONDON_AREA, SEPTEMBER))
    assert figures["visits"] == 2  # V7 (10 Sep) and V8
    tables = by_key(vf.coverage_tables(db, LONDON_AREA, SEPTEMBER, SETTINGS, AFTER))
    assert column(tables["visits_by_day"], "count")["Wednesday"] == 1  # V8
    assert column(tables["visits_by_day"], "count")["Thursday"] == 1  # V7, 10 Sep
    assert column(tables["visits_by_time"], "count")["Evening (18:00 to 23:59)"] == 1
    assert column(tables["visits_by_time"], "count")["Morning (06:00 to 11:59)"] == 1  # 11:00 BST
    assert column(tables["visits_by_suite"], "visits") == {"Alpha": 0, "Bravo": 1, "Charlie": 1}


def test_a_panel_counts_only_its_suites(db, world):
    """North is Alpha and Bravo: V9, V1, V2 and V3, V4 (not Delta's V5)."""
    north = dict((k, v) for k, _, v in vf.headline(db, panel_area(db, world, "North"), OCTOBER))
    assert (north["visits"], north["in_custody"], north["detainees_seen"], north["issues"]) == \
        (5, 19, 5, 4)
    south = dict((k, v) for k, _, v in vf.headline(db, panel_area(db, world, "South"), OCTOBER))
    assert south["visits"] == south["detainees_seen"] == 0


# Visits and coverage -------------------------------------------------------------------------


def test_a_contingency_suite_is_listed_with_no_target_and_never_marked(db, world):
    """A contingency suite opens only when needed: no weekly target (AG2), nothing marked,
    and it is not among the suites not visited."""
    with writing(db):
        suites.update_suite(db, world["suites"]["Charlie"], "Charlie", "contingency",
                            world["panels"]["South"])
    tables = by_key(vf.coverage_tables(db, LONDON_AREA, OCTOBER, SETTINGS, AFTER))
    table = tables["visits_by_suite"]
    charlie = [i for i, r in enumerate(table.rows) if r["suite"] == "Charlie"][0]
    assert (table.rows[charlie]["target"], table.rows[charlie]["share_of_target"]) == (None, None)
    assert not {key for i, key in table.highlight if i == charlie}
    assert "Charlie" not in [r["suite"] for r in tables["suites_not_visited"].rows]


def test_visits_by_suite_against_the_target_with_the_last_visit(db, world):
    """Target: 1 a week over October's 31 days, round(31 / 7) = 4. Every open suite is listed,
    Charlie with 0; closed Delta because it was visited (no target); closed Echo is not. Days since
    the last visit are counted to 31 October: Alpha's last was 25 October London time (V2)."""
    table = by_key(vf.coverage_tables(db, LONDON_AREA, OCTOBER, SETTINGS, AFTER))["visits_by_suite"]
    assert table.rows == [
        {"suite": "Alpha", "panel": "North", "visits": 3, "target": 4, "share_of_target": 75.0,
         "single": 1, "last_visit": "2026-10-25", "days_since": 6},
        {"suite": "Bravo", "panel": "North", "visits": 2, "target": 4, "share_of_target": 50.0,
         "single": 1, "last_visit": "2026-10-31", "days_since": 0},
        {"suite": "Charlie", "panel": "South", "visits": 0, "target": 4, "share_of_target": 0.0,
         "single": 0, "last_visit": "2026-09-10", "days_since": 51},
        {"suite": "Delta", "panel": "", "visits": 1, "target": None, "share_of_target": None,
         "single": 0, "last_visit": "2026-10-14", "days_since": 17},
    ]
    assert table.total == {"suite": "Total", "visits": 6, "target": 12, "share_of_target": 50.0,
                           "single": 2}
    # Below target: Alpha, Bravo, Charlie; not visited within 14 days: Charlie. Closed: never.
    assert table.highlight == {(0, "visits"), (1, "visits"), (2, "visits"), (2, "days_since")}
    assert table.chart.series == ("visits",)
    assert any("4 over the period's 31 days" in note for note in table.notes)


def test_while_the_period_runs_days_since_count_to_today(db, world):
    """With today 27 October, days since count to today: Alpha's last visit (25 Oct) was 2 days
    ago; a visit dated after today (Bravo's, 31 Oct: only test data can have one) counts as 0."""
    table = by_key(vf.coverage_tables(db, LONDON_AREA, OCTOBER, SETTINGS,
                                      date(2026, 10, 27)))["visits_by_suite"]
    assert column(table, "days_since") == {"Alpha": 2, "Bravo": 0, "Charlie": 47, "Delta": 13}


def test_a_panels_suite_table_lists_its_suites_only(db, world):
    table = by_key(vf.coverage_tables(db, panel_area(db, world, "North"), OCTOBER, SETTINGS,
                                      AFTER))["visits_by_suite"]
    assert [r["suite"] for r in table.rows] == ["Alpha", "Bravo"]
    assert table.total["visits"] == 5 and table.total["target"] == 8


def test_suites_not_visited(db, world):
    """Charlie: no visit in October, last 51 days before its end. Alpha (6 days) and Bravo
    (0) were visited within 14 days; closed Delta is not expected to be."""
    table = by_key(vf.coverage_tables(db, LONDON_AREA, OCTOBER, SETTINGS, AFTER))["suites_not_visited"]
    assert table.rows == [{"suite": "Charlie", "panel": "South", "visits": 0,
                           "last_visit": "2026-09-10", "days_since": 51}]
    tighter = {**SETTINGS, "ag2_not_visited_days": 5}
    table = by_key(vf.coverage_tables(db, LONDON_AREA, OCTOBER, tighter, AFTER))["suites_not_visited"]
    assert [r["suite"] for r in table.rows] == ["Alpha", "Charlie"]  # Alpha: 6 days > 5


def test_a_suite_never_visited_is_marked_and_listed(db, world):
    with writing(db):
        suites.add_suite(db, "Foxtrot", "24_7", world["panels"]["South"])
    tables = by_key(vf.coverage_tables(db, LONDON_AREA, OCTOBER, SETTINGS, AFTER))
    rows = tables["visits_by_suite"].rows
    index = [r["suite"] for r in rows].index("Foxtrot")
    assert rows[index] == {"suite": "Foxtrot", "panel": "South", "visits": 0, "target": 4,
                           "share_of_target": 0.0, "single": 0, "last_visit": "Never",
                           "days_since": None}
    assert {(index, "visits"), (index, "days_since")} <= tables["visits_by_suite"].highlight
    assert "Foxtrot" in [r["suite"] for r in tables["suites_not_visited"].rows]


def test_visits_by_day_and_part_of_day_use_london_time(db, world):
    """V9 Thu 00:30 BST, V1 Mon 09:00 BST, V5 Wed 13:00 BST, V2 Sun 00:30 BST (Saturday in UTC),
    V3 Sun 01:30 GMT, V4 Sat 23:30 GMT."""
    tables = by_key(vf.coverage_tables(db, LONDON_AREA, OCTOBER, SETTINGS, AFTER))
    days = tables["visits_by_day"]
    assert column(days, "count") == {"Monday": 1, "Tuesday": 0, "Wednesday": 1, "Thursday": 1,
                                     "Friday": 0, "Saturday": 1, "Sunday": 2}
    assert days.total == {"group": "Total", "count": 6, "share": 100.0}
    assert column(days, "share")["Sunday"] == pytest.approx(100 * 2 / 6)
    parts = tables["visits_by_time"]
    assert column(parts, "count") == {"Night (00:00 to 05:59)": 3, "Morning (06:00 to 11:59)": 1,
                                      "Afternoon (12:00 to 17:59)": 1,
                                      "Evening (18:00 to 23:59)": 1}
    assert parts.total["count"] == 6 and parts.chart and days.chart


def test_admission_delays_and_single_visitor_visits(db, world):
    """Waits (minutes): V9 0, V1 40, V5 0, V2 5, V4 20; V3 has no time let in. Median of
    0, 0, 5, 20, 40 is 5; one (V1) over 30 minutes: 1 of 5 = 20%. Alone: V2, V4, 2 of 6."""
    table = by_key(vf.coverage_tables(db, LONDON_AREA, OCTOBER, SETTINGS, AFTER))["admission_and_pairs"]
    assert table.rows == [
        {"figure": "Visits", "count": 6},
        {"figure": "With the time let in recorded", "count": 5, "share": pytest.approx(500 / 6)},
        {"figure": "Median wait to be let in", "minutes": 5.0},
        {"figure": "Let in more than 30 minutes after arriving", "count": 1, "share": 20.0},
        {"figure": "Made by one visitor alone", "count": 2, "share": pytest.approx(200 / 6)},
    ]


# Detainees -----------------------------------------------------------------------------------


def test_detainees_at_the_time_of_visits(db, world):
    """From the visits' counts: spoke 0+4+1+1+0+1 = 7, observed 2+1 = 3, declined 1+1 = 2, not
    seen 3+2+2+1 = 8, in custody 20; offered 7+2+1+1 = 11; seen 7 + 3 = 10, 50%."""
    tables = by_key(vf.detainee_tables(db, LONDON_AREA, OCTOBER, SETTINGS, AFTER))
    outcomes = tables["detainees_at_visits"]
    assert column(outcomes, "count") == {"Spoke with": 7, "Observed only (not spoken with)": 3,
                                         "Declined to speak with you": 2, "Not seen": 8}
    assert column(outcomes, "share")["Not seen"] == 40.0
    assert outcomes.total == {"figure": "In custody", "count": 20, "share": 100.0}
    seen = tables["detainees_seen"]
    assert seen.rows == [{"figure": "Offered a conversation", "count": 11, "share": 55.0},
                         {"figure": "Seen: spoke with or observed", "count": 10, "share": 50.0}]
    reasons = tables["not_seen_reasons"]
    assert {k: v for k, v in column(reasons, "count").items() if v} == {
        "Asleep, not woken on staff advice": 2, "In interview": 1,
        "Being booked in or released": 2, "Intoxicated or unfit": 2, "Another reason": 1}
    assert reasons.total["count"] == 8


def test_demographics_of_those_seen_leave_out_removed_entries(db, world):
    """E1 16-17 male Black Caribbean, E2 25-34 male White British, E3 35-44 female White Irish,
    E5 14-15 female Black African, E6 45-54 male White British (E4, 18-20, removed)."""
    tables = by_key(vf.detainee_tables(db, LONDON_AREA, OCTOBER, SETTINGS, AFTER))
    ages = tables["seen_by_age"]
    assert [r["group"] for r in ages.rows][0] == "10 to 13"  # in codes.AGE_BANDS order
    assert {k: v for k, v in column(ages, "count").items() if v} == {
        "14 to 15": 1, "16 to 17": 1, "25 to 34": 1, "35 to 44": 1, "45 to 54": 1}
    assert column(ages, "count")["18 to 20"] == 0
    assert ages.total == {"group": "Total", "count": 5, "share": 100.0}
    assert column(tables["seen_by_gender"], "count") == {
        "Male": 3, "Female": 2, "Non-binary or another gender": 0, "Not stated": 0}
    assert column(tables["seen_by_gender"], "share")["Male"] == 60.0
    assert column(tables["seen_by_ethnic_group"], "count") == {
        "Asian": 0, "Black": 2, "Mixed": 0, "White": 3, "Other": 0, "Not stated": 0}
    ethnicity = tables["seen_by_ethnicity"]
    assert len(ethnicity.rows) == 20
    assert {k: v for k, v in column(ethnicity, "count").items() if v} == {
        "Black: African": 1, "Black: Caribbean": 1,
        "White: English, Welsh, Scottish, Northern Irish or British": 2, "White: Irish": 1}
    assert ethnicity.total["count"] == 5


# Flags ---------------------------------------------------------------------------------------


def test_strip_searches(db, world):
    """E1 (child: band and flag; AA no; referral no), E2 (adult; AA not needed; officer not of
    the same sex), E5 (child by band; AA 'not needed', wrong for a child; reason not known;
    referral not known)."""
    tables = by_key(ff.flag_tables(db, LONDON_AREA, OCTOBER, SETTINGS, AFTER))
    assert column(tables["strip_searches"], "count") == {
        "All strip searches": 3,
        "Of children": 2,  # E1, E5
        "Without an appropriate adult where one was needed": 2,  # E1, E5
        "Without the authority the rules require (see notes)": 2,  # E2, E5
        "… no reason recorded": 1,  # E5
        "… officer of the other sex, someone of the other sex present, or contact with a body "
        "orifice": 1,  # E2
        "Of a child, with no safeguarding referral": 2,  # E1, E5
    }
    assert column(tables["strip_searches"], "share")["Of children"] == pytest.approx(200 / 3)
    context = tables["strip_searches_by_context"]
    assert column(context, "count") == {
        "Strip search in custody (Code C Annex A)": 2,
        "Search outside custody exposing intimate parts (Code A)": 1,
        "Clothing removed for safety": 0, "Not recorded": 0}
    assert context.total["count"] == 3


def test_intimate_searches_use_of_force_and_children(db, world):
    """E6: intimate search for drugs, authorised, not by a doctor or nurse, no written consent
    recorded. Force: E2 (in the cell, handcuffs in the cell, Taser drawn), E6 (at arrest, limb
    restraints, spit guard, Taser fired); E4's (at release) was removed. Children: E1 (in a
    cell, overnight, AA not called) and E5 (age band only)."""
    tables = by_key(ff.flag_tables(db, LONDON_AREA, OCTOBER, SETTINGS, AFTER))
    assert column(tables["intimate_searches"], "count") == {
        "All intimate searches": 1, "Without an inspector's authority recorded": 0,
        "Not done by a doctor or nurse": 1, "For drugs, without written consent recorded": 1}
    assert column(tables["use_of_force_by_tactic"], "count") == {
        "All uses of force": 2, "Handcuffs left on in the cell": 1, "Leg or limb restraints": 1,
        "Spit and bite guard": 1, "Taser drawn or aimed, not fired": 1,
        "Taser fired or used to drive-stun": 1}
    phase = tables["use_of_force_by_phase"]
    assert {k: v for k, v in column(phase, "count").items() if v} == {
        "At arrest or in transport": 1, "In the cell": 1}
    assert column(phase, "count")["At release"] == 0
    assert phase.total["count"] == 2 and phase.chart
    assert column(tables["children"], "count") == {
        "Children seen": 2, "Held in a cell": 1, "Expected to stay overnight": 1,
        "Sharing a cell or room with an adult": 0, "Without an appropriate adult present": 1}


def test_a_month_with_nothing_gives_zeros(db, world):
    """August 2026: no visits; every count is 0 and no share is worked out."""
    august = Period("month", 2026, 8)
    assert all(v == 0 for _, _, v in vf.headline(db, LONDON_AREA, august))
    tables = by_key(ff.flag_tables(db, LONDON_AREA, august, SETTINGS, AFTER))
    assert column(tables["strip_searches"], "share")["All strip searches"] is None
    coverage = by_key(vf.coverage_tables(db, LONDON_AREA, august, SETTINGS, AFTER))
    assert coverage["admission_and_pairs"].rows[2]["minutes"] is None


# Disproportionality --------------------------------------------------------------------------


@pytest.fixture
def eight_seen(db, make_user, make_visit, make_suite):
    """One October visit with 8 detainees seen: 2 Black (25-34), both strip searched; 6 White
    (2 aged 18-20 with force used, 4 aged 25-34), 2 of them strip searched."""
    strip = {"strip_search": E2_FLAGS["strip_search"]}
    force = {"use_of_force": E2_FLAGS["use_of_force"]}
    entries = ([finding_entry(ethnicity="black_african", flags=strip)] * 2
               + [finding_entry(ethnicity="white_british", age_band="18-20", flags=force)] * 2
               + [finding_entry(ethnicity="white_irish", flags=strip)] * 2
               + [finding_entry(ethnicity="white_other")] * 2)
    entries = [{**e, "custody_record_no": f"01BX/{i}/26"} for i, e in enumerate(entries)]
    make_visit(make_user("icv"), entries=entries, suite_id=make_suite(),
               arrived_at="2026-10-10T10:00:00Z", departed_at="2026-10-10T11:00:00Z",
               submitted_at="2026-10-10T11:05:00Z")


def test_disproportionality_highlights_a_share_ratio_at_the_threshold(db, eight_seen):
    """Black: 2 of 8 seen (25%), 2 of 4 strip searched (50%): a share ratio of exactly 2.0, at
    the AG1 threshold, so marked. White: 6 of 8 (75%), 2 of 4 (50%): 0.67."""
    settings = {**SETTINGS, "ratio_min_group": 2}
    tables = by_key(vf.disproportionality_tables(db, LONDON_AREA, OCTOBER, settings, AFTER))
    assert list(tables) == ["ss_ethnicity", "ss_age", "uof_ethnicity", "uof_age"]
    ss = tables["ss_ethnicity"]
    black, white = ss.rows[1], ss.rows[3]
    assert (black["group"], black["seen"], black["flagged"], black["share_ratio"]) == \
        ("Black", 2, 2, 2.0)
    assert (white["group"], white["seen"], white["flagged"]) == ("White", 6, 2)
    assert white["share_ratio"] == pytest.approx(2 / 3)
    assert ss.highlight == {(1, "share_ratio")}
    assert black["relative_rate"] == pytest.approx(3.0)  # 100% against White's 33.3%
    # Use of force by age band: 18-20 is 2 of 8 seen and 2 of 2 used on: 4.0.
    uof_age = tables["uof_age"]
    index = [r["group"] for r in uof_age.rows].index("18 to 20")
    assert uof_age.rows[index]["share_ratio"] == 4.0
    assert (index, "share_ratio") in uof_age.highlight
    # With the default minimum group of 10, no group here is big enough for a ratio.
    tables = by_key(vf.disproportionality_tables(db, LONDON_AREA, OCTOBER, SETTINGS, AFTER))
    assert all(r["share_ratio"] is None for r in tables["ss_ethnicity"].rows)
    assert not tables["ss_ethnicity"].highlight


def test_disproportionality_with_a_higher_threshold_marks_nothing(db, eight_seen):
    settings = {**SETTINGS, "ratio_min_group": 2, "ag1_share_ratio": 2.01}
    tables = by_key(vf.disproportionality_tables(db, LONDON_AREA, OCTOBER, settings, AFTER))
    assert not tables["ss_ethnicity"].highlight


# Issues ---------------------------------------------------------------------------------------


def test_issues_by_category_and_resolved_at_the_visit(db, world):
    """Food and drink: 2, both resolved (V1, V4); health: 1 not resolved; cell conditions: 1
    partly. 2 of 4 resolved at the visit: 50%."""
    [table] = vf.issue_tables(db, LONDON_AREA, OCTOBER, SETTINGS, AFTER)
    rows = {r["category"]: r for r in table.rows}
    assert rows["Food and drink"] == {"category": "Food and drink", "issues": 2, "resolved": 2,
                                      "partly": 0, "not_resolved": 0, "share_resolved": 100.0}
    assert rows["Health and medication"]["not_resolved"] == 1
    assert rows["Cell conditions"]["partly"] == 1
    assert rows["Legal advice"] == {"category": "Legal advice", "issues": 0, "resolved": 0,
                                    "partly": 0, "not_resolved": 0, "share_resolved": None}
    assert table.total == {"category": "Total", "issues": 4, "resolved": 2, "partly": 1,
                           "not_resolved": 1, "share_resolved": 50.0}
    assert table.row_total == "issues" and table.chart.series == ("issues",)
    assert any("GN1" in note for note in table.notes)


# Query plans -----------------------------------------------------------------------------------

BIG_ALIASES = {"visits", "detainee_entries", "flags", "visit_issues", "v", "d", "f", "c", "g", "i"}


def recording(db, plans):
    """A stand-in for `db` whose query() puts SQLite's plan of each query in `plans`, then runs it."""
    def query(sql, params=()):
        plans.append((sql, [r["detail"] for r in db.query(f"EXPLAIN QUERY PLAN {sql}", params)]))
        return db.query(sql, params)
    return SimpleNamespace(query=query)


@pytest.mark.parametrize("name", ["headline", "coverage_tables", "detainee_tables", "flag_tables",
                                  "disproportionality_tables", "issue_tables"])
def test_queries_start_from_the_periods_visits_and_scan_no_big_table(db, world, name):
    """For London, every query over visits starts on visits_arrived; entries, flags and issues
    are reached by their visit or entry indexes (never the flags_kind index); the last visit to
    each suite is found on visits_suite."""
    plans = []
    args = (recording(db, plans), LONDON_AREA, OCTOBER)
    getattr(ff if name == "flag_tables" else vf, name)(
        *args, *(() if name == "headline" else (SETTINGS, AFTER)))
    assert plans
    if name == "coverage_tables":
        assert any("max(v.arrived_at)" in sql for sql, _ in plans)
    for sql, plan in plans:
        if re.search(r"FROM visits v\b(?! WHERE v.suite_id)", sql) and "FROM suites s" not in sql:
            assert re.match(r"SEARCH v USING (COVERING )?INDEX visits_arrived \(arrived_at>\? "
                            r"AND arrived_at<\?\)", plan[0]), (sql, plan)
        if "max(v.arrived_at)" in sql:
            assert any(re.search(r"SEARCH v USING COVERING INDEX visits_suite \(suite_id=\? AND "
                                 r"arrived_at<\?\)", step) for step in plan), (sql, plan)
        for step in plan:
            scanned = re.match(r"SCAN (\w+)", step)
            assert not scanned or scanned[1] not in BIG_ALIASES, (sql, plan)
            assert "flags_kind" not in step, (sql, plan)
