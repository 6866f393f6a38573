"""Times: London clock times in, UTC stored, London shown, across midnight and clock changes;
the app's one clock, which tests pin (ICV_TEST_NOW picks the moment for a whole run)."""
from datetime import date, datetime, time, timezone

import pytest

from conftest import TEST_NOW, read_test_now
from icv import times
from icv.times import (format_london, from_iso, london, london_to_utc, london_today, now_iso,
                       span_to_utc, to_iso, utcnow)


def iso_span(day, start, end):
    return tuple(to_iso(t) for t in span_to_utc(day, start, end))


def test_span_in_winter_is_the_same_clock_time_in_utc():
    """In GMT London time is UTC."""
    assert iso_span(date(2026, 1, 15), time(10, 0), time(11, 30)) == (
        "2026-01-15T10:00:00Z", "2026-01-15T11:30:00Z")


def test_span_in_summer_is_an_hour_behind_in_utc():
    """In British Summer Time 10:00 in London is 09:00 UTC."""
    assert iso_span(date(2026, 7, 1), time(10, 0), time(11, 30)) == (
        "2026-07-01T09:00:00Z", "2026-07-01T10:30:00Z")


def test_span_ending_before_it_starts_ends_the_next_day():
    """Arrived 23:30, left 00:45: the visit ends the next morning."""
    assert iso_span(date(2026, 11, 21), time(23, 30), time(0, 45)) == (
        "2026-11-21T23:30:00Z", "2026-11-22T00:45:00Z")


def test_span_past_midnight_in_summer_crosses_into_the_next_utc_day_correctly():
    """23:30 to 00:45 on a summer night is 22:30 to 23:45 UTC, the same UTC day."""
    assert iso_span(date(2026, 7, 1), time(23, 30), time(0, 45)) == (
        "2026-07-01T22:30:00Z", "2026-07-01T23:45:00Z")


def test_span_past_midnight_at_new_year():
    """A visit over midnight on New Year's Eve ends on 1 January of the next year."""
    assert iso_span(date(2026, 12, 31), time(23, 0), time(1, 0)) == (
        "2026-12-31T23:00:00Z", "2027-01-01T01:00:00Z")


def test_equal_start_and_end_is_a_zero_length_span_not_a_day():
    """The same arrival and departure time is the same instant, not 24 hours."""
    start, end = span_to_utc(date(2026, 11, 21), time(10, 0), time(10, 0))
    assert start == end


def test_skipped_spring_hour_is_moved_on_by_an_hour():
    """01:30 on 29 March 2026 does not exist in London (clocks jump 01:00 to 02:00): it is read
    as 02:30 BST, which is 01:30 UTC."""
    instant = london_to_utc(date(2026, 3, 29), time(1, 30))
    assert to_iso(instant) == "2026-03-29T01:30:00Z"
    assert london(instant).strftime("%H:%M %Z") == "02:30 BST"


def test_span_across_the_spring_change_is_an_hour_shorter_than_the_clock_says():
    """00:30 to 03:00 on the spring change day is 1.5 hours, not 2.5."""
    start, end = span_to_utc(date(2026, 3, 29), time(0, 30), time(3, 0))
    assert (to_iso(start), to_iso(end)) == ("2026-03-29T00:30:00Z", "2026-03-29T02:00:00Z")
    assert (end - start).total_seconds() == 1.5 * 3600


def test_repeated_autumn_hour_takes_the_first_reading():
    """01:30 on 25 October 2026 happens twice: the first (BST, 00:30 UTC) is taken."""
    instant = london_to_utc(date(2026, 10, 25), time(1, 30))
    assert to_iso(instant) == "2026-10-25T00:30:00Z"
    assert london(instant).strftime("%H:%M %Z") == "01:30 BST"


def test_span_across_the_autumn_change_is_an_hour_longer_than_the_clock_says():
    """00:30 to 02:00 on the autumn change day is 2.5 hours."""
    start, end = span_to_utc(date(2026, 10, 25), time(0, 30), time(2, 0))
    assert (to_iso(start), to_iso(end)) == ("2026-10-24T23:30:00Z", "2026-10-25T02:00:00Z")
    assert (end - start).total_seconds() == 2.5 * 3600


def test_stored_text_round_trips():
    """Stored UTC text parses back to the same aware instant."""
    moment = datetime(2026, 11, 22, 9, 30, tzinfo=timezone.utc)
    assert to_iso(moment) == "2026-11-22T09:30:00Z"
    assert from_iso("2026-11-22T09:30:00Z") == moment


@pytest.mark.parametrize("stored, shown", [
    ("2026-11-22T09:30:00Z", "Sun 22 Nov 2026, 09:30"),   # GMT
    ("2026-07-01T09:30:00Z", "Wed 1 Jul 2026, 10:30"),    # BST
    ("2026-06-30T23:30:00Z", "Wed 1 Jul 2026, 00:30"),    # the next London day
    ("2026-10-25T00:30:00Z", "Sun 25 Oct 2026, 01:30"),   # first 01:30
    ("2026-10-25T01:30:00Z", "Sun 25 Oct 2026, 01:30"),   # second 01:30
])
def test_format_london_shows_london_time(stored, shown):
    """Stored UTC times are shown on the London clock."""
    assert format_london(stored) == shown


def test_format_london_takes_a_format_and_shows_nothing_for_no_time():
    """A custom format is used; a missing time shows as empty, not 'None'."""
    assert format_london("2026-07-01T09:30:00Z", "%Y-%m-%d %H:%M") == "2026-07-01 10:30"
    assert format_london(None) == ""
    assert format_london("") == ""


# The clock ------------------------------------------------------------------------------------

def test_every_test_starts_with_the_clock_pinned_at_the_runs_moment():
    assert utcnow() == TEST_NOW and utcnow() == utcnow()


def test_a_pinned_clock_answers_its_moment_until_moved_on_and_then_what_it_answered_before():
    """00:30 BST on 1 July is 23:30 UTC on 30 June: London's date is the 1st."""
    moment = datetime(2026, 6, 30, 23, 30, tzinfo=timezone.utc)
    with times.pinned(moment):
        assert (utcnow(), now_iso(), london_today()) == (moment, "2026-06-30T23:30:00Z", date(2026, 7, 1))
        times.advance(minutes=45)
        assert now_iso() == "2026-07-01T00:15:00Z"
    assert utcnow() == TEST_NOW


def test_the_clock_is_pinned_only_at_an_aware_moment_and_kept_in_utc():
    with pytest.raises(ValueError, match="aware datetime"):
        times.pin(datetime(2026, 7, 1, 10, 0))
    with times.pinned(datetime(2026, 7, 1, 10, 0, tzinfo=times.LONDON)):
        assert utcnow().tzinfo == timezone.utc and now_iso() == "2026-07-01T09:00:00Z"


def test_the_machines_clock_cannot_be_moved_on():
    """Unpinned, utcnow() is the machine's clock, which a test cannot move."""
    with times.pinned(None), pytest.raises(RuntimeError, match="not pinned"):
        times.advance(minutes=1)
    assert utcnow() == TEST_NOW


@pytest.mark.parametrize("text, instant", [
    ("2026-11-18T15:30", "2026-11-18T15:30:00Z"),  # London wall time, GMT
    ("2026-07-01T00:30", "2026-06-30T23:30:00Z"),  # London wall time, BST
    ("2027-03-28T01:30", "2027-03-28T01:30:00Z"),  # skipped: read as 02:30 BST
    ("2027-10-31T01:30", "2027-10-31T00:30:00Z"),  # repeated: the first, BST
    ("2027-10-31T01:30:00Z", "2027-10-31T01:30:00Z"),  # an instant: the second 01:30
    ("2027-10-31T01:30+00:00", "2027-10-31T01:30:00Z"),
    ("2026-07-01T10:00+01:00", "2026-07-01T09:00:00Z"),
    (" 2026-12-31 23:45 ", "2026-12-31T23:45:00Z"),
])
def test_icv_test_now_is_london_wall_time_or_an_instant_with_its_zone(text, instant):
    assert to_iso(read_test_now(text)) == instant


@pytest.mark.parametrize("text", ["tomorrow", "2026-13-01T10:00", "18/11/2026 15:30"])
def test_icv_test_now_that_is_not_a_date_and_time_stops_the_run_saying_how_to_write_it(text):
    with pytest.raises(pytest.UsageError, match=r"like 2027-03-28T00:30 \(London wall time\)"):
        read_test_now(text)
