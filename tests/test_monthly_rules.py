"""The monthly rules (AG1, AG2): a London month's visit reports checked together, raised as
escalations once, withdrawn when corrected reports no longer show them, checked on their own
two days after the month ends, shown to staff as London-wide or a suite's, and run by
`flask monthly-rules`. Every figure is worked by hand on reports of October 2026."""
from datetime import date, datetime, timezone

import pytest

from conftest import finding_entry, page_text
from icv import rulebook
from icv.escalations import monthly as store
from icv.rules import DEFAULT_SETTINGS, ag2_reasons, visit_target
from icv.summaries import monthly
from icv.summaries.periods import Period
from icv.times import london_today
from icv.visits import store as visits
from test_escalations import SS2

OCTOBER = Period("month", 2026, 10)
NOW = "2026-11-03T09:00:00Z"
BUILT_IN = rulebook.built_in()


def run(db, period=OCTOBER, now=NOW):
    return monthly.run(db, period, now=now, **BUILT_IN)


def found(db, rule_id, period="2026-10"):
    """{monthly_key: escalation row} of the month's escalations of a rule."""
    return {r["monthly_key"]: r for r in db.query(
        "SELECT * FROM escalations WHERE rule_id = ? AND period = ?", [rule_id, period])}


@pytest.fixture
def visit_at(db, make_user):
    """visit_at(suite_id, "2026-10-05T10:00", entries=[]) -> visit id: a visit in a pair,
    arriving at that UTC time, an hour long, sent half an hour after."""
    author, partner = make_user("icv"), make_user("icv")

    def make(suite_id, at, entries=()):
        arrived = f"{at}:00Z"
        left = f"{at[:11]}{int(at[11:13]) + 1:02d}{at[13:]}:00Z"
        report = {"client_id": f"c-{suite_id}-{at}", "suite_id": suite_id, "partner_id": partner.id,
                  "arrived_at": arrived, "departed_at": left, "in_custody": 40, "spoke_with": 30,
                  "entries": list(entries)}
        visit_id, _ = visits.record_visit(db, author.id, report, submitted_at=left, **BUILT_IN)
        return visit_id
    return make


def people(n, ethnicity, strip_searched=0, **columns):
    """n detainee entries of one ethnicity, the first `strip_searched` of them strip searched."""
    return [finding_entry(ethnicity=ethnicity, flags=SS2 if i < strip_searched else {}, **columns)
            for i in range(n)]


@pytest.fixture
def october(db, make_suite, visit_at):
    """October 2026, London: Croydon is visited well (weekly, at every time of day) and holds
    every detainee seen: 45, of whom 9 were strip searched.

        group    seen  share   strip searched  share  ratio
        Black      10  22.2%                5  55.6%   2.5   (raised: 10 seen, ratio >= 2)
        Asian       5  11.1%                2  22.2%   2.0   (too few seen: not worked out)
        White      30  66.7%                2  22.2%   0.33

    Brixton has two morning visits (target round(31 / 7) = 4; 24 days with none); Camden five,
    every one in the morning, six days apart; Old Street is closed and never visited; Walworth
    was added in November."""
    croydon, brixton, camden = make_suite("Croydon"), make_suite("Brixton"), make_suite("Camden")
    old_street = make_suite("Old Street", status="closed")
    make_suite("Walworth")  # added to the list after October began: not checked for October
    db.execute("UPDATE suites SET created_at = '2026-09-01T00:00:00Z' WHERE name != 'Walworth'")
    for at in ("2026-10-01T02:00", "2026-10-08T09:00", "2026-10-15T13:00", "2026-10-22T19:00",
               "2026-10-29T09:00"):
        visit_at(croydon, at)
    black = visit_at(croydon, "2026-10-10T10:00", people(4, "black_african", 3))
    visit_at(croydon, "2026-10-11T10:00", people(6, "black_caribbean", 2)
             + people(5, "asian_indian", 2) + people(30, "white_british", 2))
    visit_at(brixton, "2026-10-05T08:00")  # 09:00 London (summer time)
    visit_at(brixton, "2026-10-07T10:00")
    for day in (2, 8, 14, 20, 26):
        visit_at(camden, f"2026-10-{day:02d}T07:00")  # 08:00 London
    return {"croydon": croydon, "brixton": brixton, "camden": camden, "old_street": old_street,
            "black_visit": black}


# AG1 ----------------------------------------------------------------------------------------------

def test_ag1_is_raised_london_wide_for_the_group_over_threshold_only(db, october):
    """Black detainees' share of strip searches is 2.5 times their share of those seen: one
    London-wide escalation (no suite, no visit), high, due in 5 working days. Asian detainees'
    ratio of 2 is not worked out (5 seen, fewer than 10); no use of force, no escalation."""
    done = run(db)
    ag1 = found(db, "AG1")
    assert set(ag1) == {"strip_search"}
    e = ag1["strip_search"]
    assert e["id"] in done["raised"]
    assert (e["source"], e["suite_id"], e["visit_id"], e["review_id"]) == ("monthly", None, None, None)
    assert (e["priority"], e["status"], e["still_raised"]) == ("high", "new", 1)
    assert e["due_on"] == "2026-11-10"  # Tue 3 Nov + 5 working days
    assert e["title"] == "Strip searches out of proportion in October 2026: Black detainees"
    assert e["detail"] == ("Black detainees were 56% of the strip searches seen in October 2026 "
                           "(5 of 9) but 22% of the detainees seen (10 of 45): 2.5 times their share.")
    [event] = db["escalation_events"].rows_where("escalation_id = ?", [e["id"]])
    assert (event["kind"], event["to_value"], event["user_id"]) == ("raised", "high", None)
    [audit] = db["audit_log"].rows_where("object_type = 'escalation' AND object_id = ?", [e["id"]])
    assert (audit["action"], audit["user_id"]) == ("raise", None)


def test_ag1_reads_its_settings(db, october):
    """A higher share ratio (3) raises nothing; a smaller minimum group (5) lets Asian
    detainees' ratio of exactly 2 count too."""
    assert monthly.ag1_findings(db, OCTOBER, {**DEFAULT_SETTINGS, "ag1_share_ratio": 3}) == []
    [f] = monthly.ag1_findings(db, OCTOBER, {**DEFAULT_SETTINGS, "ag1_min_group": 5})
    assert f.title.endswith(": Asian detainees, Black detainees")


def test_a_rerun_raises_nothing_twice(db, october):
    """Checking the month again finds the same: no new escalation, no change, no new event."""
    first = run(db)
    count, events = db["escalations"].count, db["escalation_events"].count
    assert run(db, now="2026-11-04T09:00:00Z") == {"raised": [], "updated": [], "withdrawn": []}
    assert (db["escalations"].count, db["escalation_events"].count) == (count, events)
    assert first["raised"]


def test_a_correction_that_removes_the_finding_withdraws_it_on_a_rerun(db, october, make_user):
    """Three of the Black detainees' strip searches corrected away (2 of 6: a ratio of 1.5):
    the untouched escalation is closed as no further action, saying why; found again later
    (the correction undone), it is open again."""
    run(db)
    e = found(db, "AG1")["strip_search"]
    visit = db["visits"].get(october["black_visit"])
    report = {"client_id": visit["client_id"], "in_custody": 40, "spoke_with": 30,
              "entries": people(4, "black_african"),
              **{c: visit[c] for c in ("suite_id", "partner_id", "arrived_at", "departed_at")}}
    visits.correct_visit(db, visit["id"], visit["created_by"], report, [], "Not strip searched.",
                         1, **BUILT_IN)
    done = run(db, now="2026-11-05T09:00:00Z")
    assert done["withdrawn"] == [e["id"]]
    e = db["escalations"].get(e["id"])
    assert (e["status"], e["still_raised"], e["closed_reason"]) == (
        "no_further_action", 0, store.NO_LONGER_FOUND)
    report["entries"] = people(4, "black_african", 3)
    visits.correct_visit(db, visit["id"], visit["created_by"], report, [], "They were.", 2,
                         **BUILT_IN)
    assert run(db, now="2026-11-06T09:00:00Z")["updated"] == [e["id"]]
    e = db["escalations"].get(e["id"])
    assert (e["status"], e["still_raised"], e["closed_at"]) == ("new", 1, None)


def test_a_withdrawn_finding_someone_is_working_on_stays_open(db, october, make_user):
    """Assigned to someone, a monthly escalation no longer found is marked no longer raised
    and left open for them."""
    run(db)
    e = found(db, "AG1")["strip_search"]
    db["escalations"].update(e["id"], {"assigned_to": make_user("custody_team").id})
    db.execute("UPDATE visits SET arrived_at = '2026-09-30T10:00:00Z' WHERE id = ?",
               [october["black_visit"]])  # as if corrected into September
    assert run(db, now="2026-11-05T09:00:00Z")["withdrawn"] == [e["id"]]
    e = db["escalations"].get(e["id"])
    assert (e["status"], e["still_raised"], e["closed_at"]) == ("new", 0, None)


# AG2 ----------------------------------------------------------------------------------------------

def test_ag2_target_and_parts_of_the_day_and_gaps_by_hand():
    """31 days at 1 a week is a target of 4 (4.43 rounded); 30 days 4 (4.29); 2 a week 9.
    Two visits in the same part of the day are flagged, one is not."""
    assert [visit_target(d, {"ag2_visits_per_week": w}) for d, w in ((31, 1), (30, 1), (31, 2))] == [4, 4, 9]
    one = {"visits": 1, "days": 7, "parts": [1], "longest_gap": 6}
    assert ag2_reasons(one, DEFAULT_SETTINGS) == []
    assert monthly.longest_gap(OCTOBER, {date(2026, 10, 15)}) == 16
    assert monthly.longest_gap(OCTOBER, set()) == 31


def test_ag2_flags_suites_below_target_at_one_time_of_day_or_long_unvisited(db, october):
    """Brixton: 2 visits against 4, both in the morning, 24 days with none after the 7th.
    Camden: 5 visits, every one in the morning (08:00 London). Croydon: nothing. Old Street is
    closed and Walworth was added after October began: neither is checked."""
    run(db)
    ag2 = found(db, "AG2")
    brixton, camden = f"suite-{october['brixton']}", f"suite-{october['camden']}"
    assert set(ag2) == {brixton, camden}
    assert ag2[brixton]["suite_id"] == october["brixton"]
    assert (ag2[brixton]["priority"], ag2[brixton]["due_on"]) == ("low", None)
    assert ag2[brixton]["title"] == ("Brixton, October 2026: too few visits, every visit at the "
                                     "same time of day, a long gap between visits")
    assert ag2[brixton]["detail"] == (
        "Brixton in October 2026: 2 visits against a target of 4. Every visit was in the "
        "morning (6am to noon). 24 days in a row with no visit.")
    assert ag2[camden]["detail"] == ("Camden in October 2026: Every visit was in the morning "
                                     "(6am to noon).")


def test_ag2_reads_its_settings(db, october):
    """At 2 visits a week (target 9) Croydon's 7 visits are too few; with 25 days allowed
    without a visit Brixton's 24 pass."""
    settings = {**DEFAULT_SETTINGS, "ag2_visits_per_week": 2, "ag2_not_visited_days": 25}
    by_suite = {f.suite_id: f.detail for f in monthly.ag2_findings(db, OCTOBER, settings)}
    assert by_suite[october["croydon"]] == "Croydon in October 2026: 7 visits against a target of 9."
    assert "days in a row" not in by_suite[october["brixton"]]


# When the month is checked --------------------------------------------------------------------

def test_run_due_checks_the_last_month_once_two_days_after_it_ends(db, october):
    """On 1 and 2 November October is not due (reports are still coming in); on the 3rd it is
    checked once; the next call does nothing, and on 1 December still nothing is due."""
    args = dict(now=NOW, **BUILT_IN)
    assert monthly.run_due(db, date(2026, 11, 1), **args) == []
    assert monthly.run_due(db, date(2026, 11, 2), **args) == []
    assert not store.ran(db, "2026-10") and db["escalations"].count_where("period IS NOT NULL") == 0
    raised = monthly.run_due(db, date(2026, 11, 3), **args)
    assert sorted(raised) == sorted(r["id"] for r in db.query(
        "SELECT id FROM escalations WHERE period = '2026-10'")) and len(raised) == 3
    assert store.last_run(db, "2026-10") == {"month": "2026-10", "run_at": NOW, "raised": 3}
    assert monthly.run_due(db, date(2026, 11, 20), **args) == []
    assert monthly.run_due(db, date(2026, 12, 2), **args) == []
    assert db["escalations"].count_where("period IS NOT NULL") == 3


def test_a_month_checked_meanwhile_is_not_checked_again(db, october):
    """settle(once=True) looks again inside its transaction: a second page that found the
    month unchecked a moment ago does nothing."""
    run(db)
    assert store.settle(db, "2026-10", [], now=NOW, once=True) is None
    assert db["escalations"].count_where("period = '2026-10' AND still_raised = 1") == 3


# The queue and the escalation's page ----------------------------------------------------------

def test_the_queue_shows_a_london_wide_escalation_and_its_month(db, october, login_as):
    """On the queue AG1 is at "London", found by the monthly check, linked to the summary."""
    run(db)
    e = found(db, "AG1")["strip_search"]
    text = page_text(login_as("custody_team").get("/escalations/?rule=AG1"))
    item = text[text.index(f'id="item-{e["id"]}"'):]
    item = item[:item.index("</tr>")]
    assert '<td><span class="cell-label">Suite</span> London</td>' in item
    assert "/summaries/?area=london&period=2026-10&edition=staff" in item
    assert "The monthly check of October 2026" in item


def test_the_escalation_page_opens_for_staff_and_not_for_visitors(db, october, login_as):
    """The custody team opens a London-wide escalation (no visit to show, no outcome for a
    visitor); a visitor is refused."""
    run(db)
    e = found(db, "AG1")["strip_search"]
    response = login_as("custody_team").get(f"/escalations/{e['id']}")
    assert response.status_code == 200
    text = page_text(response)
    assert "<dt>Custody suite</dt><dd>Across London</dd>" in text
    assert "The monthly check of October 2026 across London" in text
    assert "Save outcome for the visitor" not in text
    assert login_as("icv").get(f"/escalations/{e['id']}").status_code == 403
    suite = found(db, "AG2")[f"suite-{october['brixton']}"]
    text = page_text(login_as("coordinator").get(f"/escalations/{suite['id']}"))
    assert f"/summaries/?area=suite-{october['brixton']}&period=2026-10" in text


def test_opening_the_queue_checks_the_last_month_when_due(db, make_suite, login_as, clock):
    """The queue runs the monthly check of the last month ended, once due, on its own."""
    brixton = make_suite("Brixton")
    db["suites"].update(brixton, {"created_at": "2000-01-01T00:00:00Z"})
    today = london_today()
    month = monthly.due_month(today)
    assert login_as("custody_team").get("/escalations/").status_code == 200
    if month is None:  # the pinned clock is in the first two days of a month
        assert db["monthly_rule_runs"].count == 0
    else:
        assert store.ran(db, month.key)
        assert found(db, "AG2", month.key)  # Brixton was never visited


# The command ------------------------------------------------------------------------------------

def test_the_command_checks_a_month_and_says_what_changed(db, october, runner, clock):
    """`flask monthly-rules --month 2026-10` raises the month's escalations and lists them; run
    again it changes nothing; a month not ended or not a month is refused."""
    clock.set(datetime(2026, 11, 18, 15, 30, tzinfo=timezone.utc))  # October has ended
    result = runner.invoke(args=["monthly-rules", "--month", "2026-10"])
    assert result.exit_code == 0, result.output
    assert "Checked October 2026 with the monthly rules." in result.output
    assert "AG1: Strip searches out of proportion in October 2026: Black detainees" in result.output
    assert result.output.count("Raised: escalation") == 3
    again = runner.invoke(args=["monthly-rules", "--month", "2026-10"])
    assert "Nothing changed." in again.output
    assert runner.invoke(args=["monthly-rules", "--month", "2099-01"]).exit_code == 2
    assert runner.invoke(args=["monthly-rules", "--month", "2026-Q4"]).exit_code == 2


def test_the_rules_page_shows_the_monthly_rules_and_their_settings(login_as):
    """*Rules* lists AG1 and AG2 under the monthly checks, with their settings in words."""
    text = page_text(login_as("custody_team").get("/rules/"))
    monthly_part = text[text.index("<h2>Monthly checks of visit reports</h2>"):]
    assert 'id="rule-AG1"' in monthly_part and 'id="rule-AG2"' in monthly_part
    assert f"checked once, {monthly.GRACE_DAYS} days after the month ends" in monthly_part
    for name, words in rulebook.SETTING_WORDS.items():
        if name.startswith("ag"):
            assert f"<dt>{words} (<code>{name}</code>)</dt><dd>{DEFAULT_SETTINGS[name]}</dd>" in monthly_part
    assert "<dt>AG1</dt>" not in text  # no longer listed as not checked
