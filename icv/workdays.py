"""UK working days for due dates: England and Wales bank holidays, weekends off.

govuk-bank-holidays carries GOV.UK's bank-holiday list inside the package (to 2028 in
0.19), so nothing is fetched from the internet; a date beyond the list counts only
weekends, and the page that shows due dates says they are due "by" that day.
"""
from bisect import bisect_right
from datetime import timedelta
from functools import lru_cache

from govuk_bank_holidays.bank_holidays import BankHolidays

DIVISION = BankHolidays.ENGLAND_AND_WALES


@lru_cache(maxsize=1)
def _calendar():
    return BankHolidays(use_cached_holidays=True)


@lru_cache(maxsize=1)
def _weekday_holidays():
    """The sorted bank holidays that fall Monday to Friday (a holiday is never on a weekend:
    the list names the substitute day instead, but filtering costs nothing)."""
    return sorted(h["date"] for h in _calendar().get_holidays(division=DIVISION)
                  if h["date"].weekday() < 5)


@lru_cache(maxsize=4096)
def is_working_day(day):
    """Monday to Friday and not an England and Wales bank holiday."""
    return _calendar().is_work_day(day, division=DIVISION)


def add_working_days(day, n):
    """The working day `n` working days after `day`; n = 0 is `day` itself if it is a working
    day, else the next one (something found on a Saturday is due on Monday)."""
    while not is_working_day(day):
        day += timedelta(days=1)
    while n > 0:
        day += timedelta(days=1)
        if is_working_day(day):
            n -= 1
    return day


def _weekdays_up_to(day):
    """Mondays to Fridays from a fixed Monday (0001-01-01) up to and including `day`."""
    weeks, extra = divmod(day.toordinal(), 7)  # ordinal 1 is a Monday
    return weeks * 5 + min(extra, 5)


def working_days_between(start, end):
    """Working days after `start` up to and including `end` (0 when end <= start).

    Counted, not walked: weekdays in the span by weeks, less the weekday bank holidays in it
    (by bisect over the sorted list), so a span of years costs what a span of days does."""
    if end <= start:
        return 0
    holidays = _weekday_holidays()
    in_span = bisect_right(holidays, end) - bisect_right(holidays, start)
    return _weekdays_up_to(end) - _weekdays_up_to(start) - in_span
