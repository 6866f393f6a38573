"""What the times on a custody record imply (icv/reviews/derive.py): pure functions on UTC
instants, so these need no app. London clocks change on 29 March 2026 (01:00 GMT becomes
02:00 BST) and 25 October 2026 (02:00 BST becomes 01:00 GMT)."""
from datetime import date, datetime, time, timedelta, timezone

import pytest

from icv.reviews import derive
from icv.rules import DEFAULT_SETTINGS
from icv.times import to_iso


def utc(text):
    """An aware UTC instant from '2026-11-22 09:30'."""
    return datetime.fromisoformat(text).replace(tzinfo=timezone.utc)


def at(day, clock):
    """The instant of a London date ('2026-11-22') and clock time ('09:30')."""
    return derive.at_london(date.fromisoformat(day), time.fromisoformat(clock))


# London clock times to instants ----------------------------------------------------------------

def test_winter_clock_time_is_utc_and_summer_is_an_hour_ahead():
    assert at("2026-01-15", "10:00") == utc("2026-01-15 10:00")
    assert at("2026-07-01", "10:00") == utc("2026-07-01 09:00")


def test_a_time_later_than_its_anchor_is_the_same_day():
    assert derive.first_at_or_after(utc("2026-11-21 22:40"), time(23, 10)) == utc("2026-11-21 23:10")


def test_a_time_earlier_than_its_anchor_is_the_next_day():
    """Arrived 22:40, booked in 00:15: after midnight."""
    assert derive.first_at_or_after(utc("2026-11-21 22:40"), time(0, 15)) == utc("2026-11-22 00:15")


def test_the_same_time_as_the_anchor_is_the_anchor():
    assert derive.first_at_or_after(utc("2026-11-21 22:40"), time(22, 40)) == utc("2026-11-21 22:40")


def test_midnight_itself_after_an_evening_anchor_is_the_next_day():
    assert derive.first_at_or_after(utc("2026-11-21 23:59"), time(0, 0)) == utc("2026-11-22 00:00")


def test_next_day_across_the_spring_clock_change():
    """Anchor 23:00 GMT on 28 March; 08:00 the next morning is BST, 07:00 UTC."""
    assert derive.first_at_or_after(at("2026-03-28", "23:00"), time(8, 0)) == utc("2026-03-29 07:00")


def test_a_time_skipped_in_spring_moves_on_by_the_missing_hour():
    """01:30 on 29 March 2026 does not exist in London: read as 02:30 BST (01:30 UTC)."""
    assert derive.first_at_or_after(utc("2026-03-29 00:30"), time(1, 30)) == utc("2026-03-29 01:30")


def test_the_autumn_hour_that_happens_twice_takes_the_later_reading_when_needed():
    """Anchor 01:40 BST (00:40 UTC) on 25 October 2026: 01:15 must be the second 01:15 (GMT)."""
    anchor = at("2026-10-25", "01:40")
    assert anchor == utc("2026-10-25 00:40")
    assert derive.first_at_or_after(anchor, time(1, 15)) == utc("2026-10-25 01:15")


def test_the_autumn_hour_takes_the_first_reading_when_that_is_after_the_anchor():
    """Anchor 00:50 BST: 01:10 is the first 01:10, still summer time (00:10 UTC)."""
    assert derive.first_at_or_after(at("2026-10-25", "00:50"), time(1, 10)) == utc("2026-10-25 00:10")


def test_resolve_reads_each_time_against_the_steps_it_follows():
    day = date(2026, 11, 21)
    found = derive.resolve([
        ("arrived", time(22, 40), day, ()),
        ("booked_in", time(23, 5), None, ("arrived",)),
        ("hcp_referred", time(1, 0), None, ("arrived",)),
        ("hcp_seen", time(0, 30), None, ("hcp_referred", "arrived")),  # a day after the referral
        ("legal_advice_requested", None, None, ("arrived",)),  # not on the record
        ("released", time(9, 0), None, ("*",)),
    ])
    assert found == {"arrived": utc("2026-11-21 22:40"), "booked_in": utc("2026-11-21 23:05"),
                     "hcp_referred": utc("2026-11-22 01:00"), "hcp_seen": utc("2026-11-23 00:30"),
                     "released": utc("2026-11-23 09:00")}


def test_resolve_uses_a_date_when_given():
    found = derive.resolve([("arrived", time(10, 0), date(2026, 11, 20), ()),
                            ("released", time(9, 0), date(2026, 11, 20), ("*",))])
    assert found["released"] == utc("2026-11-20 09:00")  # before arrival: the form says so


def test_resolve_leaves_out_a_step_with_nothing_to_follow():
    assert derive.resolve([("booked_in", time(10, 0), None, ("arrived",))]) == {}


def test_resolve_never_raises_at_the_edges_of_the_calendar():
    """A next-day time after 31 December 9999 cannot be read: it is left out, never an error
    (the form says what is wrong with the date). 1 January 0001 is read like any other day."""
    steps = [("arrived", time(23, 0), date(9999, 12, 31), ()), ("booked_in", time(0, 15), None, ("arrived",)),
             ("released", time(23, 30), None, ("*",))]
    assert derive.resolve(steps) == {"arrived": utc("9999-12-31 23:00"), "released": utc("9999-12-31 23:30")}
    early = derive.resolve([("arrived", time(23, 0), date(1, 1, 1), ()), ("booked_in", time(0, 15), None, ("arrived",))])
    assert early["booked_in"] - early["arrived"] == timedelta(hours=1, minutes=15)


# Spans -------------------------------------------------------------------------------------------

def test_minutes_and_hours_between():
    assert derive.minutes_between(utc("2026-11-21 22:40"), utc("2026-11-22 01:10")) == 150
    assert derive.hours_between(utc("2026-11-21 22:40"), utc("2026-11-22 01:10")) == 2.5
    assert derive.minutes_between(None, utc("2026-11-22 01:10")) is None
    assert derive.minutes_between(utc("2026-11-22 01:10"), utc("2026-11-22 01:00")) == -10


@pytest.mark.parametrize("minutes, words", [(45, "45 min"), (125, "2 h 05 min"), (60, "1 h 00 min"),
                                            (1620, "1 day 3 h 00 min"), (3000, "2 days 2 h 00 min"),
                                            (-30, "minus 30 min"), (None, "")])
def test_in_words(minutes, words):
    assert derive.in_words(minutes) == words


def finding(day, **times):
    """A finding with London times: name="HH:MM" on `day`, or name=(days later, "HH:MM")."""
    found = {}
    for name, value in times.items():
        offset, clock = value if isinstance(value, tuple) else (0, value)
        found[name] = to_iso(derive.at_london(date.fromisoformat(day) + timedelta(days=offset),
                                              time.fromisoformat(clock)))
    return {"times": found}


def test_hours_in_custody_across_midnight():
    f = finding("2026-11-21", arrived="22:40", released=(1, "09:10"))
    assert derive.facts(f)["hours_in_custody"] == 10.5


def test_hours_in_custody_across_the_spring_clock_change_are_an_hour_fewer_than_the_clock():
    """20:00 Saturday to 08:00 Sunday 29 March 2026 on the clock is 11 hours, not 12."""
    f = finding("2026-03-28", arrived="20:00", released=(1, "08:00"))
    assert derive.facts(f)["hours_in_custody"] == 11


def test_hours_in_custody_across_the_autumn_clock_change_are_an_hour_more_than_the_clock():
    """20:00 Saturday to 08:00 Sunday 25 October 2026 on the clock is 13 hours, not 12."""
    f = finding("2026-10-24", arrived="20:00", released=(1, "08:00"))
    assert derive.facts(f)["hours_in_custody"] == 13


def test_waits_from_the_times():
    f = finding("2026-11-21", arrived="22:40", booked_in="23:05", detention_authorised="23:20",
                rights_given="23:30", legal_advice_requested="23:30",
                legal_advice_consulted=(1, "02:00"), aa_called="23:25", aa_arrived=(1, "01:55"),
                hcp_referred="23:40", hcp_seen=(1, "00:10"), released=(1, "09:00"))
    found = derive.facts(f)
    assert (found["minutes_to_booking"], found["minutes_to_authorisation"], found["minutes_to_rights"]) == (25, 40, 10)
    assert (found["legal_advice_wait_minutes"], found["aa_wait_minutes"], found["hcp_wait_minutes"]) == (150, 150, 30)


def test_a_wait_is_none_when_a_time_is_not_on_the_record():
    f = finding("2026-11-21", arrived="22:40", aa_called="23:25", released=(1, "09:00"))
    assert derive.facts(f)["aa_wait_minutes"] is None


# PACE s.40 reviews ----------------------------------------------------------------------------------

def schedule(authorised, done, end, **settings):
    reviews = [{"done": utc(d) if d else None, "postponed_reason": "", "representations": "yes"}
               for d in done]
    return derive.review_schedule(utc(authorised), reviews, utc(end) if end else None,
                                  {**derive.LAW, **settings})


def test_first_review_is_due_six_hours_after_authorisation():
    [first] = schedule("2026-11-21 10:30", ["2026-11-21 16:15"], "2026-11-21 20:00")
    assert (first["due"], first["late"], first["late_minutes"]) == (utc("2026-11-21 16:30"), False, 0)


def test_later_reviews_are_due_nine_hours_after_the_one_before():
    first, second, third = schedule("2026-11-21 10:30", ["2026-11-21 16:00", "2026-11-22 00:30",
                                                         "2026-11-22 09:00"], "2026-11-22 12:00")
    assert second["due"] == utc("2026-11-22 01:00")  # 9 h after 16:00, not after 16:30
    assert third["due"] == utc("2026-11-22 09:30")
    assert not any(r["late"] for r in (first, second, third))


def test_a_late_review_is_late_by_the_minutes_past_its_due_time():
    [first] = schedule("2026-11-21 10:30", ["2026-11-21 18:05"], "2026-11-21 20:00")
    assert (first["late"], first["late_minutes"]) == (True, 95)


def test_a_late_review_does_not_move_the_next_deadline():
    """PACE s.40(7): the second review is due 9 h after the first was due, not done."""
    first, second = schedule("2026-11-21 10:30", ["2026-11-21 18:05", "2026-11-22 01:20"],
                             "2026-11-22 03:00")
    assert first["late"] and second["due"] == utc("2026-11-22 01:30")
    assert not second["late"]


def test_a_review_never_done_is_late_until_release():
    first, second = schedule("2026-11-21 10:30", ["2026-11-21 16:00"], "2026-11-22 03:00")
    assert not second["recorded"] and second["done"] is None
    assert (second["due"], second["late"], second["late_minutes"]) == (utc("2026-11-22 01:00"), True, 120)


def test_no_review_is_needed_for_a_release_within_six_hours():
    assert schedule("2026-11-21 10:30", [], "2026-11-21 16:29") == []


def test_release_at_exactly_the_due_time_needs_no_review():
    assert schedule("2026-11-21 10:30", [], "2026-11-21 16:30") == []


def test_the_grace_setting_lets_a_few_minutes_pass():
    [first] = schedule("2026-11-21 10:30", ["2026-11-21 16:40"], "2026-11-21 20:00", review_grace_minutes=15)
    assert not first["late"] and first["late_minutes"] == 10


def test_review_due_across_the_spring_clock_change_is_six_real_hours():
    """Authorised 22:00 GMT on 28 March: due at 04:00 UTC, which London clocks show as 05:00."""
    [first] = schedule("2026-03-28 22:00", ["2026-03-29 04:00"], "2026-03-29 08:00")
    assert first["due"] == utc("2026-03-29 04:00")
    assert first["due"].astimezone(derive.LONDON).strftime("%H:%M") == "05:00"
    assert not first["late"]


def test_review_due_across_the_autumn_clock_change_is_six_real_hours():
    """Authorised 22:00 BST (21:00 UTC) on 24 October: due 03:00 UTC, 03:00 on GMT clocks."""
    [first] = schedule("2026-10-24 21:00", ["2026-10-25 03:30"], "2026-10-25 08:00")
    assert first["due"].astimezone(derive.LONDON).strftime("%H:%M") == "03:00"
    assert first["late"] and first["late_minutes"] == 30


def test_the_settings_hours_are_used():
    [first] = derive.review_schedule(utc("2026-11-21 10:30"), [], utc("2026-11-21 20:00"),
                                     {**DEFAULT_SETTINGS, "first_review_hours": 4})
    assert first["due"] == utc("2026-11-21 14:30")


# Time limits ------------------------------------------------------------------------------------------

def limits(arrived, end, **times):
    return derive.detention_limits({"arrived": utc(arrived), "released": utc(end),
                                    **{k: utc(v) for k, v in times.items()}})


def test_within_24_hours_is_within_the_limits():
    assert limits("2026-11-21 10:00", "2026-11-22 09:59") == []


def test_past_24_hours_without_an_extension_breaks_the_limit():
    [breach] = limits("2026-11-21 10:00", "2026-11-22 10:30")
    assert "past 24 hours, with no superintendent's extension" in breach


def test_past_24_hours_with_an_extension_in_time_is_within_the_limits():
    assert limits("2026-11-21 10:00", "2026-11-22 20:00", superintendent_extension="2026-11-22 09:00") == []


def test_an_extension_after_24_hours_is_too_late():
    [breach] = limits("2026-11-21 10:00", "2026-11-22 20:00", superintendent_extension="2026-11-22 11:00")
    assert "given too late" in breach


def test_past_36_hours_needs_a_warrant():
    [breach] = limits("2026-11-21 10:00", "2026-11-22 23:00", superintendent_extension="2026-11-22 09:00")
    assert "past 36 hours, with no warrant of further detention" in breach
    assert limits("2026-11-21 10:00", "2026-11-22 23:00", superintendent_extension="2026-11-22 09:00",
                  warrant="2026-11-22 21:00") == []


def test_past_the_warrant_breaks_the_limit():
    [breach] = limits("2026-11-21 10:00", "2026-11-23 12:00", superintendent_extension="2026-11-22 09:00",
                      warrant="2026-11-22 21:00", warrant_until="2026-11-23 09:00")
    assert breach == "Held 3 h 00 min past the end of the warrant"


def test_past_96_hours_breaks_the_absolute_limit():
    found = limits("2026-11-21 10:00", "2026-11-25 11:00", superintendent_extension="2026-11-22 09:00",
                   warrant="2026-11-22 21:00")
    assert found == ["Held past the absolute limit of 96 hours"]


def test_the_clock_stops_at_charge_not_release():
    """Charged at 23 h and kept for court: no limit is broken by the night after charge."""
    assert limits("2026-11-21 10:00", "2026-11-22 14:00", charge_or_disposal="2026-11-22 09:00") == []


def test_24_hours_across_the_autumn_clock_change_is_24_real_hours():
    """Arrived 10:00 BST on 24 October; 24 hours later London clocks show 09:00 GMT."""
    assert limits("2026-10-24 09:00", "2026-10-25 09:00") == []
    assert limits("2026-10-24 09:00", "2026-10-25 09:30")  # 09:30 GMT on the clock: over 24 h


# Overnight ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("arrived, released, overnight", [
    ("2026-11-21 22:00", "2026-11-22 06:30", True),   # present at 00:00, out after 06:00
    ("2026-11-21 22:00", "2026-11-22 05:30", False),  # out before 06:00
    ("2026-11-21 22:00", "2026-11-22 06:00", False),  # out at 06:00 exactly: not after
    ("2026-11-22 00:30", "2026-11-22 09:00", False),  # arrived after midnight
    ("2026-11-22 00:00", "2026-11-22 09:00", True),   # in custody at 00:00 itself
    ("2026-11-21 10:00", "2026-11-21 23:00", False),  # the same evening
    ("2026-11-22 00:30", "2026-11-23 07:00", True),   # the second night
])
def test_overnight_means_present_at_midnight_and_released_after_six(arrived, released, overnight):
    assert derive.overnight(utc(arrived), utc(released)) is overnight


def test_overnight_on_the_night_the_clocks_go_forward():
    """06:30 BST on 29 March is 05:30 UTC: still after 06:00 London time."""
    assert derive.overnight(at("2026-03-28", "22:00"), at("2026-03-29", "06:30"))
    assert not derive.overnight(at("2026-03-28", "22:00"), at("2026-03-29", "05:59"))


def test_overnight_on_the_night_the_clocks_go_back():
    assert derive.overnight(at("2026-10-24", "22:00"), at("2026-10-25", "06:10"))
    assert not derive.overnight(at("2026-10-24", "22:00"), at("2026-10-25", "05:50"))


def test_overnight_hours_are_settings():
    settings = {**derive.LAW, "overnight_released_after_hour": 8}
    assert not derive.overnight(utc("2026-11-21 22:00"), utc("2026-11-22 07:30"), settings)
    assert derive.overnight(utc("2026-11-21 22:00"), utc("2026-11-22 08:30"), settings)


def test_child_overnight_needs_a_child():
    f = finding("2026-11-21", arrived="22:00", released=(1, "09:00"))
    assert derive.facts(f)["overnight"] and not derive.facts(f)["child_overnight"]
    assert derive.facts({**f, "age_band": "14-15"})["child_overnight"]


def test_stored_facts_are_json_friendly():
    f = finding("2026-11-21", arrived="10:00", detention_authorised="10:30", released="20:00")
    stored = derive.stored(derive.facts(f))
    assert stored["reviews"][0]["due"] == "2026-11-21T16:30:00Z"
    assert stored["hours_in_custody"] == 10
