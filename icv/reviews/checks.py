"""The predicates of the custody record review rules: pure functions (finding, settings) ->
bool or Hit, decided by the times of a whole detention (derive.py works them out).

A review finding is a plain dict (store.finding() builds it):
  {"kind": "review", "age_band", "gender", "vulnerable": bool, "markers": [codes],
   "disposal", "times": {event: UTC text}, "reviews": [{"due", "done", "postponed_reason",
   "representations"}], "legal_advice_delay_authorised": "yes" / "no",
   "care_checks": {check: grade}, "flags": {kind: answers}}
It is shaped like a detainee entry where the two meet (age band, gender, flags), so the
detainee rules on flags (strip search, use of force, children) apply to it as they are.

No Flask, no database: this module is imported by icv/rules.py.
"""
from datetime import timedelta

from ..rule_checks import Hit, appropriate_adult, is_child
from ..times import format_london
from . import derive
from .questions import CHARGED

WHEN = "%a %-d %b, %H:%M"


def _s(s):
    return {**derive.LAW, **(s or {})}


def _when(instant):
    return format_london(instant, WHEN)


def _said(sentences, priority=""):
    said = [x for x in sentences if x]
    return Hit(priority, " ".join(said)) if said else False


def _times(f):
    return derive.instants(f)[0]


def _schedule(f, s):
    t, reviews = derive.instants(f)
    return derive.review_schedule(t.get("detention_authorised"), reviews, t.get("released"), _s(s))


def _review_words(r):
    if r["done"] is None:
        return (f"Review {r['number']} was due at {_when(r['due'])} and none is recorded"
                + (f" ({derive.in_words(r['late_minutes'])} before release)." if r["late_minutes"] else "."))
    return (f"Review {r['number']} was due at {_when(r['due'])} and done at {_when(r['done'])}, "
            f"{derive.in_words(r['late_minutes'])} late.")


# Detention: limits and reviews (PACE ss.40-44) ---------------------------------------------------

def dt1(f, s):
    """Detained past 24 h without a superintendent's extension, 36 h without a warrant, past
    the warrant or past 96 h."""
    return _said(derive.detention_limits(_times(f), _s(s)))


def dt2(f, s):
    """A s.40 review late (or never done) with no reason recorded for postponing it."""
    late = [r for r in _schedule(f, s) if r["late"] and not r["postponed_reason"]]
    return _said([_review_words(r) + " No reason for postponing it is recorded." for r in late])


def dt3(f, s):
    """A review late with its postponement recorded, or representations not invited."""
    schedule = _schedule(f, s)
    return _said(
        [_review_words(r) + f" Reason recorded for postponing it: {r['postponed_reason']}"
         for r in schedule if r["late"] and r["postponed_reason"]]
        + [f"Review {r['number']}: the detainee or their solicitor was not invited to make "
           "representations." for r in schedule if r["done"] and r["representations"] == "no"])


# Rights ------------------------------------------------------------------------------------------

def rt1(f, s):
    """No time recorded for giving rights, or no written notice."""
    grade = (f.get("care_checks") or {}).get("written_notice")
    return _said([
        "" if _times(f).get("rights_given") else "No time is recorded for giving the detainee their rights.",
        "The written notice of rights was not given." if grade == "non_compliant" else
        "The record does not show the written notice of rights was given." if grade == "not_recorded" else "",
    ])


def rt2(f, s):
    """Legal advice asked for and not had within legal_advice_wait_hours, with no Annex B delay
    authorised."""
    t = _times(f)
    asked, had = t.get("legal_advice_requested"), t.get("legal_advice_consulted")
    if asked is None or f.get("legal_advice_delay_authorised") == "yes":
        return False
    limit = asked + timedelta(hours=_s(s)["legal_advice_wait_hours"])
    if had is not None:
        return had > limit and Hit(detail=f"Legal advice asked for at {_when(asked)}, had at "
                                          f"{_when(had)}: {derive.in_words(derive.minutes_between(asked, had))} later.")
    end = t.get("released")
    return bool(end and end > limit) and Hit(
        detail=f"Legal advice asked for at {_when(asked)} and not had before release at {_when(end)}.")


def rt3(f, s):
    """An interpreter was needed and none was used, or only after the rights were given."""
    if "interpreter_needed" not in (f.get("markers") or ()):
        return False
    t = _times(f)
    used, rights = t.get("interpreter"), t.get("rights_given")
    if used is None:
        return Hit(detail="An interpreter was needed and none is recorded.")
    return bool(rights and used > rights) and Hit(
        detail=f"Rights were given at {_when(rights)}, before an interpreter was used at {_when(used)}.")


def rt4(f, s):
    """A child whose appropriate adult was not called (the child flag), or a vulnerable adult
    (Code C 1.13(d)) with no appropriate adult."""
    if is_child(f):
        return appropriate_adult(f) == "not_called" and Hit(
            detail="A child; the record shows no appropriate adult was called.")
    if not f.get("vulnerable"):
        return False
    t = _times(f)
    if t.get("aa_arrived"):
        return False
    return Hit(detail="A vulnerable adult; an appropriate adult was called at "
                      f"{_when(t['aa_called'])} and never arrived." if t.get("aa_called") else
               "A vulnerable adult; no appropriate adult is recorded.")


# Children and appropriate adults -----------------------------------------------------------------

def ch5(f, s):
    """A child in custody over child_custody_hours, or overnight without being charged."""
    if not is_child(f):
        return False
    found = derive.facts(f, _s(s))
    hours, limit = found["hours_in_custody"] or 0, _s(s)["child_custody_hours"]
    return _said([
        f"A child held {hours:g} hours." if hours > limit else "",
        "A child held overnight without being charged."
        if found["overnight"] and f.get("disposal") not in CHARGED else "",
    ])


def ch8(f, s):
    """An appropriate adult arrived (or never came) more than aa_wait_child_hours after being
    called for a child (high past aa_wait_child_high_hours), or aa_wait_vulnerable_hours for a
    vulnerable adult."""
    child, s = is_child(f), _s(s)
    if not (child or f.get("vulnerable")):
        return False
    t = _times(f)
    called = t.get("aa_called")
    came = t.get("aa_arrived") or t.get("released")
    if called is None or came is None:
        return False
    hours = (came - called).total_seconds() / 3600
    limit = s["aa_wait_child_hours"] if child else s["aa_wait_vulnerable_hours"]
    if hours <= limit:
        return False
    wait = derive.in_words(derive.minutes_between(called, came))
    words = (f"The appropriate adult arrived {wait} after being called." if t.get("aa_arrived") else
             f"The appropriate adult was called and had not come {wait} later, at release.")
    return Hit("high" if child and hours > s["aa_wait_child_high_hours"] else "", words)


# Health --------------------------------------------------------------------------------------

def hl2(f, s):
    """Seen by a healthcare professional more than hcp_wait_hours after referral (or never), or
    medication not given as directed."""
    t = _times(f)
    sent, seen = t.get("hcp_referred"), t.get("hcp_seen")
    limit = timedelta(hours=_s(s)["hcp_wait_hours"])
    late = ""
    if sent and seen and seen - sent > limit:
        late = (f"Referred at {_when(sent)}, seen by a healthcare professional "
                f"{derive.in_words(derive.minutes_between(sent, seen))} later.")
    elif sent and not seen and t.get("released") and t["released"] - sent > limit:
        late = f"Referred at {_when(sent)} and not seen by a healthcare professional before release."
    grade = (f.get("care_checks") or {}).get("medication")
    return _said([late, "Medication was not given as directed." if grade == "non_compliant" else ""])
