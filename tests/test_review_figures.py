"""Custody record review figures for a summary (icv/summaries/review_figures.py), on three
reviews worked out by hand: care check compliance, PACE reviews late or missed, the detention
limits, children held overnight, flags, record quality, grades and disproportionality (AG1).
A review belongs to the period of its session date (a London date)."""
from datetime import date, time, timedelta

import pytest

from icv import rulebook
from icv.reviews import questions as q
from icv.reviews import store
from icv.summaries import review_figures as rf
from icv.summaries.periods import Area, Period
from icv.times import london_to_utc, to_iso
from review_helpers import make_review

SETTINGS = {"suppress_below": 5, "ratio_min_group": 10, "reference_group": "White",
            "ag1_share_ratio": 2.0, "pace_limit_hours": 24, "superintendent_limit_hours": 36,
            "max_detention_hours": 96}
OCTOBER = Period("month", 2026, 10)
TODAY = date(2026, 11, 10)
GOOD_CARE = {name: "compliant" for name, _ in q.CARE_CHECKS}
GOOD_QUALITY = {name: "yes" for name, _ in q.RECORD_QUALITY}


def times(day, steps):
    """{event: UTC text} from (event, day offset, "HH:MM") on London clocks."""
    return {name: to_iso(london_to_utc(day + timedelta(days=offset), time.fromisoformat(clock)))
            for name, offset, clock in steps}


def done_at(day, clock):
    return {"due": None, "done": to_iso(london_to_utc(day, time.fromisoformat(clock))),
            "postponed_reason": "", "representations": "yes"}


@pytest.fixture
def world(db, make_suite, make_user):
    """Suites A and B; reviews with session dates:

    R1 (A, 1 Oct): a White adult (25-34); authorised 10:30, review done 16:15 (due 16:30, on
       time), released 20:00 (the next due 01:15 is after release): 1 due, on time. Care all
       compliant but rest not applicable; quality all yes; good.
    R2 (B, 31 Oct): a Black African child (16-17), strip searched, with the child flag; arrived
       19:00, authorised 19:30, no review on the record, released 08:00 next day: review 1 due
       01:30 missed (the next, 10:30, is after release); overnight (in at midnight, out after
       6am). Written notice non-compliant, observations not recorded, rest late or partial,
       safeguarding not applicable, the rest compliant; timed and signed partly, rationale no,
       legible yes; serious concern.
    R3 (A, 15 Oct): a Black Caribbean adult (35-44) with use of force; arrived 10 Oct 10:00,
       authorised 10:30, review 1 done 18:00 (due 16:30: late), released 12:00 next day (26
       hours, no superintendent's extension: past 24 hours). Review 2 due 01:30 (9 hours after
       16:30, the due time, as the first was late) and 3 due 10:30 are not on the record:
       missed; 4 would be due 19:30, after release. 3 due: 1 late, 2 missed. Care all
       compliant, quality all yes; requires improvement.
    R4 (A, 1 Nov) serious concern, R5 (A, 30 Sep) good: outside October. R6 (A, 10 Oct): a
    draft, never counted."""
    reviewer = make_user("icv")
    a, b = make_suite("Suite A"), make_suite("Suite B")
    panel = db["panels"].insert({"name": "P"}).last_pk
    db["panel_suites"].insert({"panel_id": panel, "suite_id": a})

    def submit(suite, session, review):
        made = make_review(db, [reviewer.id], suite_id=suite, session_date=session)
        assert store.submit(db, made["id"], reviewer.id, review,
                            submitted_at=to_iso(london_to_utc(session, time(15))),
                            **rulebook.built_in())
        return made["id"]

    def adult(day, **changes):
        return {"age_band": "25-34", "gender": "male", "ethnicity": "white_british",
                "ic_code": None, "markers": [], "disposal": "nfa",
                "times": times(day, [("arrived", 0, "10:00"), ("detention_authorised", 0, "10:30"),
                                     ("released", 0, "20:00")]),
                "reviews": [done_at(day, "16:15")], "care_checks": {**GOOD_CARE, "rest": "n_a"},
                "record_quality": GOOD_QUALITY, "flags": {}, "overall_grade": "good",
                "comments": "", **changes}

    submit(a, date(2026, 10, 1), adult(date(2026, 9, 25)))
    child_day = date(2026, 10, 20)
    submit(b, date(2026, 10, 31), adult(
        child_day, age_band="16-17", gender="female", ethnicity="black_african",
        times=times(child_day, [("arrived", 0, "19:00"), ("detention_authorised", 0, "19:30"),
                                ("released", 1, "08:00")]),
        reviews=[],
        care_checks={**GOOD_CARE, "written_notice": "non_compliant", "observations": "not_recorded",
                     "rest": "late_or_partial", "safeguarding": "n_a"},
        record_quality={"timed_signed": "partly", "rationale": "no", "legible": "yes"},
        flags={"strip_search": {"context": "custody", "intimate_parts_exposed": "yes",
                                "orifice_contact": "no", "aa_present": "yes"},
               "child": {"aa_status": "present", "held_in": "juvenile_room",
                         "sharing_with_adult": "no", "expected_overnight": "yes"}},
        overall_grade="serious_concern"))
    force_day = date(2026, 10, 10)
    submit(a, date(2026, 10, 15), adult(
        force_day, age_band="35-44", ethnicity="black_caribbean",
        times=times(force_day, [("arrived", 0, "10:00"), ("detention_authorised", 0, "10:30"),
                                ("released", 1, "12:00")]),
        reviews=[done_at(force_day, "18:00")], care_checks=GOOD_CARE,
        flags={"use_of_force": {"phase": "booking_in"}}, overall_grade="requires_improvement"))
    submit(a, date(2026, 11, 1), adult(date(2026, 10, 28), overall_grade="serious_concern"))
    submit(a, date(2026, 9, 30), adult(date(2026, 9, 25)))
    make_review(db, [reviewer.id], suite_id=a, session_date=date(2026, 10, 10))
    return {"london": Area("london", None, "London", None), "panel": Area("panel", panel, "P", (a,)),
            "suite_b": Area("suite", b, "Suite B", (b,))}


def tables(db, area, settings=SETTINGS):
    return {t.key: t for t in rf.review_tables(db, area, OCTOBER, settings, TODAY)
            + rf.disproportionality_tables(db, area, OCTOBER, settings, TODAY)}


def test_headline_counts_submitted_reviews_by_session_date(db, world):
    """October: R1 (1 Oct), R2 (31 Oct), R3 = 3 reviewed, R2 a serious concern; not R4 (1 Nov),
    R5 (30 Sep) or the draft R6. Panel P (suite A): R1, R3; suite B: R2."""
    assert rf.headline(db, world["london"], OCTOBER) == [
        ("crr_reviewed", "Custody records reviewed", 3),
        ("crr_serious_concern", "Custody records graded a serious concern", 1)]
    assert [v for _, _, v in rf.headline(db, world["panel"], OCTOBER)] == [2, 0]
    assert [v for _, _, v in rf.headline(db, world["suite_b"], OCTOBER)] == [1, 1]
    assert [v for _, _, v in rf.headline(db, world["london"], Period("month", 2026, 11))] == [1, 1]


def test_care_check_compliance(db, world):
    """Compliance rate = compliant / graded other than not applicable: written notice 2 of 3,
    observations 2 of 3, rest 1 of 2 (R1 not applicable), safeguarding 2 of 2."""
    t = tables(db, world["london"])["crr_care_checks"]
    rows = {r["check"]: r for r in t.rows}
    labels = dict(q.CARE_CHECKS)
    notice, observations = rows[labels["written_notice"]], rows[labels["observations"]]
    assert (notice["compliant"], notice["non_compliant"], notice["applies"]) == (2, 1, 3)
    assert round(notice["rate"], 2) == 66.67
    assert (observations["compliant"], observations["not_recorded"], observations["applies"]) == (2, 1, 3)
    rest = rows[labels["rest"]]
    assert (rest["compliant"], rest["late_or_partial"], rest["n_a"], rest["applies"], rest["rate"]) == \
        (1, 1, 1, 2, 50.0)
    safeguarding = rows[labels["safeguarding"]]
    assert (safeguarding["compliant"], safeguarding["n_a"], safeguarding["rate"]) == (2, 1, 100.0)
    assert (rows[labels["meals"]]["compliant"], rows[labels["meals"]]["rate"]) == (3, 100.0)
    assert t.row_total == "applies" and "n_a" not in t.row_parts


def test_detention_reviews_late_or_missed(db, world):
    """5 due (R1 1, R2 1, R3 3) on 3 records: on time 1 (R1), late 1 (R3's first), missed 3
    (R2's and R3's second and third); late or missed 4 of 5 = 80%."""
    [row] = tables(db, world["london"])["crr_detention_reviews"].rows
    assert {k: row[k] for k in ("records", "due", "on_time", "late", "missed", "late_or_missed",
                                "share")} == {"records": 3, "due": 5, "on_time": 1, "late": 1,
                                              "missed": 3, "late_or_missed": 4, "share": 80.0}


def test_review_outcomes():
    """Missed: not on the record, or on it with no time done; late: done after it was due."""
    assert rf.review_outcome({"recorded": False, "done": None, "late": True}) == "missed"
    assert rf.review_outcome({"recorded": True, "done": None, "late": False}) == "missed"
    assert rf.review_outcome({"recorded": True, "done": "2026-10-10T17:00:00Z", "late": True}) == "late"
    assert rf.review_outcome({"recorded": True, "done": "2026-10-10T15:00:00Z", "late": False}) == "on_time"


def test_detention_limits(db, world):
    """R3 was held 26 hours before charge with no superintendent's extension: 1 of 3."""
    t = tables(db, world["london"])["crr_detention_limits"]
    assert [r["records"] for r in t.rows] == [1, 0, 0, 0]
    assert t.rows[0]["limit"] == "Past 24 hours without a superintendent's extension in time"
    assert round(t.rows[0]["share"], 2) == 33.33


def test_each_limit_sentence_is_told_apart():
    """derive.detention_limits' sentences, each to its limit."""
    from icv.reviews import derive
    day = date(2026, 10, 5)
    held = times(day, [("arrived", 0, "10:00"), ("superintendent_extension", 1, "11:00"),
                       ("warrant", 2, "09:00"), ("warrant_until", 3, "10:00"),
                       ("released", 4, "11:00")])
    found = derive.detention_limits({k: derive.parse(v) for k, v in held.items()})
    assert [rf.limit_kind(s) for s in found] == ["extension", "warrant", "warrant_end", "absolute"]


def test_children_held_overnight(db, world):
    """R2 is the one child (16-17, child flag); held overnight: 1 of 1."""
    t = tables(db, world["london"])["crr_children"]
    assert [(r["records"], r["share"]) for r in t.rows] == [(1, None), (1, 100.0)]


def test_flags_on_the_records(db, world):
    """Strip search R2, intimate search none, use of force R3, child R2: each 1 of 3 but one."""
    t = tables(db, world["london"])["crr_flags"]
    assert [(r["flag"], r["records"]) for r in t.rows] == [
        ("Strip search", 1), ("Intimate search", 0), ("Use of force", 1), ("Child", 1)]


def test_record_quality_and_grades(db, world):
    """Timed and signed: yes 2, partly 1 (66.67% yes); rationale yes 2, no 1; legible yes 3.
    Grades: one each of good, requires improvement and serious concern, of 3."""
    found = tables(db, world["london"])
    assert [(r["yes"], r["partly"], r["no"], r["answered"]) for r in found["crr_record_quality"].rows] \
        == [(2, 1, 0, 3), (2, 0, 1, 3), (3, 0, 0, 3)]
    assert found["crr_record_quality"].rows[2]["share_yes"] == 100.0
    grades = found["crr_grades"]
    assert [(r["grade"], r["records"], round(r["share"], 2)) for r in grades.rows] == [
        ("Good", 1, 33.33), ("Requires improvement", 1, 33.33), ("Serious concern", 1, 33.33)]
    assert grades.total["records"] == 3 and grades.chart.series == ("records",)


def test_an_area_counts_only_its_suites(db, world):
    """Suite B has R2 alone: its one review missed, a serious concern."""
    found = tables(db, world["suite_b"])
    assert found["crr_detention_reviews"].rows[0]["missed"] == 1
    assert [r["records"] for r in found["crr_grades"].rows] == [0, 0, 1]


def test_disproportionality_from_the_reviews(db, world):
    """Records reviewed by ethnic group: Black 2 (R2, R3), White 1 (R1). Strip searched: Black
    1 (R2). With groups of 1 allowed a ratio: Black's share ratio (1/1) / (2/3) = 1.5, reaching a
    threshold of 1.5; White's 0. By age band: 16-17 1 of 1 strip searched; 35-44 1 of 1 force."""
    settings = {**SETTINGS, "ratio_min_group": 1, "ag1_share_ratio": 1.5}
    found = tables(db, world["london"], settings)
    assert {"crr_ss_ethnicity", "crr_uof_ethnicity", "crr_ss_age", "crr_uof_age"} <= found.keys()
    ss = {r["group"]: r for r in found["crr_ss_ethnicity"].rows}
    assert (ss["Black"]["seen"], ss["Black"]["flagged"], ss["Black"]["share_ratio"]) == (2, 1, 1.5)
    assert (ss["White"]["seen"], ss["White"]["flagged"], ss["White"]["share_ratio"]) == (1, 0, 0.0)
    black = [r["group"] for r in found["crr_ss_ethnicity"].rows].index("Black")
    assert found["crr_ss_ethnicity"].highlight == {(black, "share_ratio")}
    assert found["crr_ss_ethnicity"].column("seen").label == "Records reviewed"
    ages = {r["group"]: (r["seen"], r["flagged"]) for r in found["crr_ss_age"].rows}
    assert ages["16 to 17"] == (1, 1) and ages["25 to 34"] == (1, 0)
    force = {r["group"]: (r["seen"], r["flagged"]) for r in found["crr_uof_age"].rows}
    assert force["35 to 44"] == (1, 1)


def test_a_period_with_no_reviews(db, world):
    """March 2026: nothing reviewed, the tables say so."""
    march = Period("month", 2026, 3)
    found = rf.review_tables(db, world["london"], march, SETTINGS, TODAY)
    assert all(t.rows == [] for t in found)
    assert rf.headline(db, world["london"], march)[0][2] == 0


def test_reviews_are_read_on_the_session_date_index(db, world):
    """London by session date (custody_record_reviews_session); a suite by suite and date."""
    for area, index in ((world["london"], "custody_record_reviews_session"),
                        (world["suite_b"], "custody_record_reviews_suite")):
        sql_params = []

        class Recorder:
            def query(self, sql, params=()):
                sql_params.append([r["detail"] for r in db.query(f"EXPLAIN QUERY PLAN {sql}", params)])
                return db.query(sql, params)

        rf.submitted_reviews(Recorder(), area.suite_ids, OCTOBER)
        rf.headline(Recorder(), area, OCTOBER)
        for plan in sql_params:
            assert any(index in step for step in plan), plan
