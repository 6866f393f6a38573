"""Due dates in UK working days: England and Wales bank holidays from govuk-bank-holidays
(offline), weekends, critical the same working day, high 5, medium 20, low never; and how
the queue words them ("Due today", "Overdue by 2 working days")."""
import random
from datetime import date, datetime, timedelta

import pytest

from icv import create_app
from icv.escalations.sync import due_on
from icv.escalations.queries import due_state
from icv.times import LONDON, to_iso
from icv.workdays import add_working_days, is_working_day, working_days_between


def london_iso(*args):
    """Stored UTC text of a London wall-clock time."""
    return to_iso(datetime(*args, tzinfo=LONDON))


@pytest.mark.parametrize("day, working", [
    (date(2026, 12, 24), True),    # Thursday
    (date(2026, 12, 25), False),   # Christmas Day, a Friday
    (date(2026, 12, 26), False),   # Boxing Day falls on a Saturday...
    (date(2026, 12, 28), False),   # ...so Monday 28th is the substitute bank holiday
    (date(2026, 12, 29), True),
    (date(2027, 1, 1), False),     # New Year's Day
    (date(2027, 3, 26), False),    # Good Friday 2027
    (date(2027, 3, 29), False),    # Easter Monday 2027
    (date(2027, 3, 30), True),
    (date(2026, 12, 5), False),    # a Saturday
    (date(2026, 12, 6), False),    # a Sunday
    (date(2026, 12, 7), True),     # a Monday
])
def test_working_days_know_weekends_and_england_and_wales_bank_holidays(day, working):
    assert is_working_day(day) is working


def test_the_bank_holidays_come_from_the_package_offline():
    """The list ships inside govuk-bank-holidays: nothing is fetched (use_cached_holidays)."""
    from icv.workdays import _calendar
    calendar = _calendar()
    days = {h["date"] for h in calendar.get_holidays(division="england-and-wales")}
    assert {date(2026, 12, 25), date(2026, 12, 28), date(2027, 3, 26), date(2027, 3, 29)} <= days


@pytest.mark.parametrize("priority, raised, due", [
    # critical: the same working day
    ("critical", (2026, 12, 2, 10, 0), "2026-12-02"),
    # Friday evening: still due that Friday (the same working day), so Monday it is overdue
    ("critical", (2026, 12, 4, 19, 30), "2026-12-04"),
    # found on a Saturday: due on the Monday
    ("critical", (2026, 12, 5, 11, 0), "2026-12-07"),
    # Christmas Day and the weekend and substitute Boxing Day after it: Tuesday 29th
    ("critical", (2026, 12, 25, 9, 0), "2026-12-29"),
    # high: 5 working days, skipping Christmas, Boxing Day (28th) and New Year's Day
    ("high", (2026, 12, 24, 15, 0), "2027-01-05"),
    # high across Easter 2027: Good Friday and Easter Monday are not counted
    ("high", (2027, 3, 25, 12, 0), "2027-04-05"),
    # a Friday-evening high finding: the following Friday
    ("high", (2026, 12, 4, 21, 0), "2026-12-11"),
    # medium: 20 working days
    ("medium", (2026, 12, 1, 9, 0), "2026-12-31"),
    ("low", (2026, 12, 1, 9, 0), None),
])
def test_due_dates_by_priority_in_working_days(priority, raised, due):
    assert due_on(priority, london_iso(*raised)) == due


def test_the_due_date_uses_the_london_date_not_the_utc_one():
    """00:30 on Saturday 4 July 2026 in London is 23:30 on Friday in UTC: found on the London
    Saturday, so a critical finding is due on Monday."""
    raised = london_iso(2026, 7, 4, 0, 30)
    assert raised == "2026-07-03T23:30:00Z"
    assert due_on("critical", raised) == "2026-07-06"


def test_the_installation_can_change_the_working_days():
    """ESCALATION_DUE_WORKING_DAYS (app config) is passed through sync as due_days."""
    days = {"critical": 1, "high": 2, "medium": 3, "low": 10}
    assert due_on("critical", london_iso(2026, 12, 4, 10, 0), days) == "2026-12-07"
    assert due_on("low", london_iso(2026, 12, 4, 10, 0), days) == "2026-12-18"


def test_working_days_between_counts_after_the_start_up_to_the_end():
    assert working_days_between(date(2026, 12, 4), date(2026, 12, 7)) == 1  # Friday to Monday
    assert working_days_between(date(2026, 12, 24), date(2026, 12, 31)) == 3  # 29, 30, 31
    assert working_days_between(date(2026, 12, 7), date(2026, 12, 7)) == 0
    assert working_days_between(date(2026, 12, 8), date(2026, 12, 7)) == 0


def test_add_working_days_zero_is_the_day_itself_or_the_next_working_day():
    assert add_working_days(date(2026, 12, 7), 0) == date(2026, 12, 7)
    assert add_working_days(date(2026, 12, 26), 0) == date(2026, 12, 29)


@pytest.mark.parametrize("due, today, state", [
    ("2026-12-04", date(2026, 12, 4), ("today", "Due today")),
    ("2026-12-04", date(2026, 12, 5), ("overdue", "Overdue: was due Fri 4 Dec")),   # Saturday
    ("2026-12-04", date(2026, 12, 7), ("overdue", "Overdue by 1 working day")),     # Monday
    ("2026-12-24", date(2026, 12, 31), ("overdue", "Overdue by 3 working days")),   # over Christmas
    ("2026-12-11", date(2026, 12, 4), ("due", "Due Fri 11 Dec 2026")),
    (None, date(2026, 12, 4), (None, "No due date")),
])
def test_due_dates_in_words(due, today, state):
    assert due_state(due, None, today) == state


def test_a_closed_escalation_is_never_overdue():
    assert due_state("2026-01-01", "2026-01-02T10:00:00Z", date(2026, 12, 4)) == (None, "Closed")


def test_a_friday_evening_critical_finding_is_overdue_on_monday():
    raised = london_iso(2026, 12, 4, 19, 30)
    due = due_on("critical", raised)
    assert due_state(due, None, date(2026, 12, 4))[1] == "Due today"
    assert due_state(due, None, date(2026, 12, 7))[1] == "Overdue by 1 working day"


def count_day_by_day(start, end):
    """Working days after `start` up to and including `end`, one day at a time."""
    count, day = 0, start
    while day < end:
        day += timedelta(days=1)
        count += is_working_day(day)
    return count


@pytest.mark.parametrize("first, last", [
    (date(1995, 1, 1), date(2019, 12, 31)),   # before 2020 and before the bundled list (2012)
    (date(2012, 1, 1), date(2028, 12, 31)),   # across the bundled list
    (date(2026, 1, 1), date(2040, 12, 31)),   # beyond its end (2028): weekends only
])
def test_counting_working_days_agrees_with_counting_day_by_day(first, last):
    """working_days_between counts arithmetically (weeks, then bank holidays by bisect); it
    agrees with walking the days over many random spans, short and years long."""
    rng = random.Random(f"{first}{last}")
    span = (last - first).days
    for _ in range(400):
        start = first + timedelta(days=rng.randint(0, span))
        end = start + timedelta(days=rng.choice([rng.randint(-10, 20), rng.randint(-400, 4000)]))
        assert working_days_between(start, end) == count_day_by_day(start, end), (start, end)


def test_the_queue_counts_late_days_as_working_days_between():
    rng = random.Random(4)
    for _ in range(200):
        due = date(2010, 1, 1) + timedelta(days=rng.randint(0, 9000))
        today = due + timedelta(days=rng.randint(-5, 4000))
        assert working_days_between(due, today) == count_day_by_day(due, today), (due, today)
    assert due_state("2016-03-24", None, date(2026, 12, 4))[1] == (
        f"Overdue by {count_day_by_day(date(2016, 3, 24), date(2026, 12, 4))} working days")


def test_an_installation_changes_some_priorities_and_keeps_the_rest(tmp_path):
    app = create_app({"TESTING": True, "SECRET_KEY": "test", "DATABASE": str(tmp_path / "x.sqlite"),
                      "ESCALATION_DUE_WORKING_DAYS": {"medium": 10}})
    assert app.config["ESCALATION_DUE_WORKING_DAYS"] == {
        "critical": 0, "high": 5, "medium": 10, "low": None}


@pytest.mark.parametrize("days", [{"urgent": 1}, {"high": -1}, {"high": "5"}, {"low": 2.5},
                                  {"critical": True}])
def test_a_bad_due_days_setting_stops_the_app_at_start(tmp_path, days):
    with pytest.raises(ValueError, match="ESCALATION_DUE_WORKING_DAYS"):
        create_app({"TESTING": True, "SECRET_KEY": "test", "DATABASE": str(tmp_path / "x.sqlite"),
                    "ESCALATION_DUE_WORKING_DAYS": days})
