"""UK working days for due dates: England and Wales bank holidays, weekends off.

govuk-bank-holidays carries GOV.UK's bank-holiday list inside the package (to 2028 in
0.19), so nothing is fetched from the internet; a date beyond the list counts only
weekends, and the page that shows due dates says they are due "by" that day.
"""
from datetime import timedelta
from functools import lru_cache

from govuk_bank_holidays.bank_holidays import BankHolidays

DIVISION = BankHolidays.ENGLAND_AND_WALES


@lru_cache(maxsize=1)
def _calendar():
    return BankHolidays(use_cached_holidays=True)


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


def working_days_between(start, end):
    """Working days after `start` up to and including `end` (0 when end <= start)."""
    count, day = 0, start
    while day < end:
        day += timedelta(days=1)
        count += is_working_day(day)
    return count
