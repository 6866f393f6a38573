"""Due dates in UK working days: England and Wales bank holidays from govuk-bank-holidays
(offline), weekends, critical the same working day, high 5, medium 20, low never; and how
the queue words them ("Due today", "Overdue by 2 working days")."""
import random
from datetime import date, datetime, timedelta

import pytest

from icv import create_app
from icv.escalations.sync import due_on
from icv.escalations.queries import due_state, working_days_late
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


def test_the_queues_quick_count_of_late_days_matches_counting_day_by_day():
    """queries.working_days_late looks the count up (the queue words 50 due dates a page);
    it agrees with working_days_between everywhere, and falls back outside its years."""
    rng = random.Random(4)
    for _ in range(500):
        due = date(2024, 1, 1) + timedelta(days=rng.randint(0, 1500))
        today = due + timedelta(days=rng.randint(-5, 800))
        assert working_days_late(due, today) == working_days_between(due, today), (due, today)
    assert working_days_late(date(2019, 12, 20), date(2020, 1, 3)) == working_days_between(
        date(2019, 12, 20), date(2020, 1, 3))


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
