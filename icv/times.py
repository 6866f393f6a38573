"""Times: stored as UTC ISO text, entered and shown in Europe/London, months are London months.

utcnow() is the app's one clock: nothing else in icv/ reads the machine's. Tests pin it with
pinned(moment) (or pin/advance), so a run gives the same answers at any hour, on any date.
"""
import contextlib
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

LONDON = ZoneInfo("Europe/London")
ISO = "%Y-%m-%dT%H:%M:%SZ"


_pinned = None  # the moment utcnow() answers while a test has pinned the clock, else None


def utcnow():
    """The current time, timezone-aware UTC: the machine's clock, or the moment pinned by a test."""
    return _pinned if _pinned is not None else datetime.now(timezone.utc)


def pin(moment):
    """Make utcnow() answer `moment` (an aware datetime) until pinned again; None lets the
    machine's clock answer again. For tests."""
    global _pinned
    if moment is not None and moment.utcoffset() is None:
        raise ValueError(f"pin the clock at an aware datetime, not {moment!r}")
    _pinned = None if moment is None else moment.astimezone(timezone.utc)


def advance(**delta):
    """Move the pinned clock on, e.g. advance(minutes=31): time passing in a test."""
    if _pinned is None:
        raise RuntimeError("the clock is not pinned: pin() it before moving it on")
    pin(_pinned + timedelta(**delta))


@contextlib.contextmanager
def pinned(moment):
    """`with pinned(moment):` utcnow() answers `moment` inside the block (moved on only by
    advance()), and whatever it answered before after it."""
    before = _pinned
    pin(moment)
    try:
        yield moment
    finally:
        pin(before)


def to_iso(moment):
    """Format an aware datetime as the stored UTC text."""
    return moment.astimezone(timezone.utc).strftime(ISO)


def from_iso(text):
    """Parse stored UTC text into an aware datetime."""
    return datetime.strptime(text, ISO).replace(tzinfo=timezone.utc)


def now_iso():
    """The current time as stored UTC text."""
    return to_iso(utcnow())


def london_today():
    """Today's date in London."""
    return utcnow().astimezone(LONDON).date()


def london_to_utc(day, clock):
    """The UTC instant of a London wall-clock time on a London date.

    In the autumn hour that happens twice the first (summer time) reading is taken; a
    time skipped in spring is moved on by the hour that does not exist.
    """
    local = datetime.combine(day, clock).replace(tzinfo=LONDON, fold=0)
    instant = local.astimezone(timezone.utc)
    if instant.astimezone(LONDON).replace(tzinfo=None) != local.replace(tzinfo=None):
        instant = (local + timedelta(hours=1)).astimezone(timezone.utc)
    return instant


def span_to_utc(day, start, end):
    """UTC start and end of a span of London clock times; an end before the start is the next day."""
    end_day = day + timedelta(days=1) if end < start else day
    return london_to_utc(day, start), london_to_utc(end_day, end)


def london(text_or_moment):
    """The London datetime of a stored UTC text (or aware datetime)."""
    moment = from_iso(text_or_moment) if isinstance(text_or_moment, str) else text_or_moment
    return moment.astimezone(LONDON)


def month_bounds(year, month):
    """Stored-UTC text bounds [start, end) of a London calendar month."""
    start = london_to_utc(date(year, month, 1), time(0, 0))
    next_year, next_month = (year + 1, 1) if month == 12 else (year, month + 1)
    end = london_to_utc(date(next_year, next_month, 1), time(0, 0))
    return to_iso(start), to_iso(end)


def format_day(text):
    """A stored date '2026-11-22' as 'Sun 22 Nov 2026'."""
    return f"{date.fromisoformat(text):%a %-d %b %Y}" if text else ""


def format_london(text, fmt="%a %-d %b %Y, %H:%M"):
    """Show a stored UTC time in London, e.g. 'Sun 22 Nov 2026, 09:30'."""
    return london(text).strftime(fmt) if text else ""
