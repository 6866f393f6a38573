"""What the times on a custody record imply, so the reviewer does not have to work it out.

Pure functions: no Flask, no database. Every calculation is on UTC instants, so a detention
across a clock change is as long as it really was (23 or 25 hours of London clock are 24 hours
of custody). London clock times are turned into instants here: a time is read on the same
London day as the step it follows, or the next day if it is earlier (a detainee arrives at
22:40 and is booked in at 00:15: the next day).

PACE (domain.md 4.5): the first s.40 review is due 6 hours after detention was authorised and
later ones 9 hours after the previous one; a review carried out late (postponed) does not move
the next deadline (s.40(7)). Detention before charge is limited to 24 hours from the relevant
time (arrival), 36 with a superintendent's extension (s.42) and 96 with warrants (ss.43-44).
Hours are settings (icv.rules.DEFAULT_SETTINGS) so the tests and an installation can see them.
"""
from datetime import datetime, time, timedelta, timezone

from ..rule_checks import is_child
from ..rule_settings import DEFAULT_SETTINGS
from ..times import LONDON, from_iso, london_to_utc, to_iso

LAW = DEFAULT_SETTINGS  # for calling these functions without the app's settings


# Clock times to instants ------------------------------------------------------------------

def at_london(day, clock, fold=0):
    """The UTC instant of a London date and clock time; fold=1 is the second reading of the
    autumn hour that happens twice. A time skipped in spring moves on by an hour."""
    if fold:
        local = datetime.combine(day, clock).replace(tzinfo=LONDON, fold=1)
        instant = local.astimezone(timezone.utc)
        if instant.astimezone(LONDON).replace(tzinfo=None) == local.replace(tzinfo=None):
            return instant
    return london_to_utc(day, clock)


def first_at_or_after(anchor, clock):
    """The first instant at or after `anchor` whose London clock reads `clock`: the anchor's
    London day, else the next day. In the autumn hour that happens twice, the later 01:30 is
    taken when the earlier one is before the anchor."""
    day = anchor.astimezone(LONDON).date()
    for d in (day + timedelta(days=n) for n in (0, 1)):  # the next day only when needed
        for fold in (0, 1):
            instant = at_london(d, clock, fold)
            if instant >= anchor:
                return instant
    return at_london(day + timedelta(days=1), clock)  # not reached: a day later is always after


def resolve(steps):
    """{name: UTC instant} for typed steps, in order.

    `steps` is a list of (name, clock or None, date or None, after) where `after` names the
    steps it follows ("*" for every step before it). A date given is used as it is; without
    one, the time is the first at or after the latest of the steps it follows. The first step
    needs a date. A step with no clock time is left out (not on the record), and so is one
    that cannot be read (the day after 31 December 9999): this never raises on what was typed."""
    found = {}
    for name, clock, day, after in steps:
        if clock is None:
            continue
        anchors = list(found.values()) if "*" in after else [found[a] for a in after if a in found]
        try:
            if day is not None:
                found[name] = at_london(day, clock)
            elif anchors:
                found[name] = first_at_or_after(max(anchors), clock)
        except (OverflowError, ValueError):
            continue  # past the calendar's end: left unread, so a draft holding it still opens
    return found


# Spans --------------------------------------------------------------------------------------

def minutes_between(start, end):
    """Whole minutes from start to end (negative if end is first); None if either is missing."""
    if start is None or end is None:
        return None
    return round((end - start).total_seconds() / 60)


def hours_between(start, end):
    """Hours from start to end, to two decimals; None if either is missing."""
    minutes = minutes_between(start, end)
    return None if minutes is None else round(minutes / 60, 2)


def in_words(minutes):
    """'2 h 05 min', '45 min', '1 day 3 h 00 min' for a number of minutes."""
    if minutes is None:
        return ""
    sign, minutes = ("minus " if minutes < 0 else ""), abs(minutes)
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    text = f"{hours} h {mins:02d} min" if hours or days else f"{mins} min"
    if days:
        text = f"{days} day{'s' if days > 1 else ''} {text}"
    return sign + text


# PACE s.40 reviews -----------------------------------------------------------------------------

def review_schedule(authorised, reviews, end, s=LAW):
    """Each review PACE requires, and each one recorded, with its due time and lateness.

    `reviews` is the recorded reviews in order, each {"done": instant or None, "due": the
    record's own due time or None, "postponed_reason": text, "representations": code}. The
    first is due first_review_hours after authorisation; each later one later_review_hours
    after the previous one was done, or after it was due if it was done late (s.40(7)).
    Reviews stop being required once the person leaves (`end`). A review required and not
    recorded is in the list with recorded False, late until the end."""
    if authorised is None:
        return []
    grace = timedelta(minutes=s["review_grace_minutes"])
    due, found, n = authorised + timedelta(hours=s["first_review_hours"]), [], 0
    while n < 200 and (n < len(reviews) or (end is not None and due < end)):
        typed = reviews[n] if n < len(reviews) else {}
        done = typed.get("done")
        until = done if done is not None else end
        late = minutes_between(due, until)
        found.append({
            "number": n + 1, "due": due, "done": done, "record_due": typed.get("due"),
            "recorded": n < len(reviews), "late_minutes": late if late and late > 0 else 0,
            "late": until is not None and until > due + grace,
            "postponed_reason": (typed.get("postponed_reason") or "").strip(),
            "representations": typed.get("representations") or "",
        })
        due = (min(done, due) if done is not None else due) + timedelta(hours=s["later_review_hours"])
        n += 1
    return found


# Time limits ---------------------------------------------------------------------------------

def clock_end(times):
    """When detention before charge ended: the charge or disposal decision, else release."""
    return times.get("charge_or_disposal") or times.get("released")


def detention_limits(times, s=LAW):
    """The PACE time limits a detention went past, as plain sentences (empty: none).

    24 hours from arrival need a superintendent's extension given by then; 36 need a warrant
    of further detention granted by then; never past the warrant's end or the absolute limit."""
    arrived, end = times.get("arrived"), clock_end(times)
    if arrived is None or end is None:
        return []
    limit, extended = arrived + timedelta(hours=s["pace_limit_hours"]), times.get("superintendent_extension")
    longer, warrant = arrived + timedelta(hours=s["superintendent_limit_hours"]), times.get("warrant")
    until, most = times.get("warrant_until"), arrived + timedelta(hours=s["max_detention_hours"])
    hours, breaches = hours_between(arrived, end), []
    if end > limit and not (extended and extended <= limit):
        breaches.append(f"Held {hours:g} hours before charge, past {s['pace_limit_hours']} hours, "
                        + ("with the superintendent's extension given too late" if extended else
                           "with no superintendent's extension"))
    if end > longer and not (warrant and warrant <= longer):
        breaches.append(f"Held {hours:g} hours before charge, past {s['superintendent_limit_hours']} "
                        "hours, " + ("with the warrant granted too late" if warrant else
                                     "with no warrant of further detention"))
    if until and end > until:
        breaches.append(f"Held {in_words(minutes_between(until, end))} past the end of the warrant")
    if end > most:
        breaches.append(f"Held past the absolute limit of {s['max_detention_hours']} hours")
    return breaches


def overnight(arrived, released, s=LAW):
    """True if the person was in custody at the 'present at' hour (00:00 London) and released
    after the 'released after' hour (06:00 London) that morning: an overnight detention."""
    if arrived is None or released is None:
        return False
    present, after = s["overnight_present_at_hour"], s["overnight_released_after_hour"]
    day = arrived.astimezone(LONDON).date()
    while True:
        at = london_to_utc(day, time(present))
        if at > released:
            return False
        morning = london_to_utc(day if after > present else day + timedelta(days=1), time(after))
        if arrived <= at and released > morning:
            return True
        day += timedelta(days=1)


# All of it -------------------------------------------------------------------------------------

def parse(value):
    """An instant from stored UTC text (or an instant already); None stays None."""
    return from_iso(value) if isinstance(value, str) else value


def instants(finding):
    """({name: instant}, [review dicts with instants]) from a finding's stored UTC text."""
    times = {k: parse(v) for k, v in (finding.get("times") or {}).items() if v}
    reviews = [{**r, "done": parse(r.get("done")), "due": parse(r.get("due"))}
               for r in finding.get("reviews") or []]
    return times, reviews


def facts(finding, s=LAW):
    """Everything the times imply, as instants and numbers (see stored() for JSON)."""
    s = {**LAW, **(s or {})}
    t, reviews = instants(finding)
    released = t.get("released")
    return {
        "hours_in_custody": hours_between(t.get("arrived"), released),
        "hours_before_charge": hours_between(t.get("arrived"), clock_end(t)),
        "minutes_to_booking": minutes_between(t.get("arrived"), t.get("booked_in")),
        "minutes_to_authorisation": minutes_between(t.get("arrived"), t.get("detention_authorised")),
        "minutes_to_rights": minutes_between(t.get("detention_authorised"), t.get("rights_given")),
        "legal_advice_wait_minutes": minutes_between(t.get("legal_advice_requested"),
                                                     t.get("legal_advice_consulted")),
        "aa_wait_minutes": minutes_between(t.get("aa_called"), t.get("aa_arrived")),
        "hcp_wait_minutes": minutes_between(t.get("hcp_referred"), t.get("hcp_seen")),
        "reviews": review_schedule(t.get("detention_authorised"), reviews, released, s),
        "limit_breaches": detention_limits(t, s),
        "overnight": overnight(t.get("arrived"), released, s),
        "child_overnight": is_child(finding) and overnight(t.get("arrived"), released, s),
    }


def stored(found):
    """facts() as JSON-friendly values: instants as UTC text."""
    def plain(value):
        if isinstance(value, datetime):
            return to_iso(value)
        if isinstance(value, list):
            return [plain(v) for v in value]
        if isinstance(value, dict):
            return {k: plain(v) for k, v in value.items()}
        return value
    return plain(found)
