"""A review in words: labelled sections for check your answers and the review's page, with
what the times imply worked out (derive.py) and shown beside what was typed."""
from .. import codes
from ..times import format_london
from . import derive, wording
from . import questions as q

WHEN = "%a %-d %b %Y, %H:%M"
NOT_ON_RECORD = "Not on the record"


def _labels(choices, values):
    return ", ".join(codes.label(choices, v) for v in values) or "None"


def _when(text):
    return format_london(text, WHEN) if text else NOT_ON_RECORD


def _wait(minutes):
    return derive.in_words(minutes) if minutes is not None else "Cannot tell: a time is not on the record"


def _hours(hours):
    return "" if hours is None else derive.in_words(round(hours * 60))


def facts_rows(facts, review):
    """What the times imply, in words (facts as stored: derive.stored)."""
    rows = [
        ["Time in custody", _hours(facts["hours_in_custody"])],
        ["Time before charge or disposal (the PACE clock)", _hours(facts["hours_before_charge"])],
        ["Arrival to booking in", _wait(facts["minutes_to_booking"])],
        ["Arrival to detention authorised", _wait(facts["minutes_to_authorisation"])],
        ["Detention authorised to rights given", _wait(facts["minutes_to_rights"])],
    ]
    if (review.get("times") or {}).get("legal_advice_requested"):
        rows.append(["Wait for legal advice", _wait(facts["legal_advice_wait_minutes"])])
    if (review.get("times") or {}).get("aa_called"):
        rows.append(["Appropriate adult's wait", _wait(facts["aa_wait_minutes"])])
    if (review.get("times") or {}).get("hcp_referred"):
        rows.append(["Wait for a healthcare professional", _wait(facts["hcp_wait_minutes"])])
    rows.append(["PACE time limits", " ".join(facts["limit_breaches"]) or "Within the limits"])
    rows.append(["Overnight (in custody at midnight, released after 6am)",
                 ("Yes, a child" if facts["child_overnight"] else "Yes") if facts["overnight"] else "No"])
    for r in facts["reviews"]:
        rows.append([f"Detention review {r['number']}", review_words(r)])
    if not facts["reviews"]:
        rows.append(["Detention reviews", "None were due before release"])
    return rows


def review_words(r):
    """'Due Tue 3 Mar, 15:30; done 17:05, 1 h 35 min late. Postponed: ...' for one review."""
    due = f"Due {format_london(r['due'], '%a %-d %b, %H:%M')}"
    if r["record_due"] and r["record_due"] != r["due"]:
        due += f" (the record said {format_london(r['record_due'], '%H:%M')})"
    if r["done"]:
        done = f"done {format_london(r['done'], '%a %-d %b, %H:%M')}"
        done += f", {derive.in_words(r['late_minutes'])} late" if r["late"] else ", on time"
    else:
        done = "not recorded as done" + (f", {derive.in_words(r['late_minutes'])} before release"
                                         if r["late_minutes"] else "")
    words = f"{due}; {done}."
    if r["postponed_reason"]:
        words += f" Postponed: {r['postponed_reason']}."
    if r["representations"]:
        words += f" Representations invited: {codes.label(q.REPRESENTATIONS, r['representations'])}."
    return words


def sections(review, facts):
    """[{"title", "anchor", "rows"}] of a review dict (the form's review() or a stored row)."""
    times = review.get("times") or {}
    record = [
        ["Age band", codes.label(codes.AGE_BANDS, review["age_band"])],
        ["Gender", codes.label(codes.GENDERS, review["gender"])],
        ["Self-defined ethnicity", codes.label(codes.ETHNICITY_CHOICES, review["ethnicity"])],
        ["Officer-observed code", codes.label(q.IC_CODES, review["ic_code"]) if review.get("ic_code")
         else NOT_ON_RECORD],
        ["Vulnerability markers", _labels(q.VULNERABILITY_MARKERS, review.get("markers") or [])],
        ["Disposal", codes.label(q.DISPOSALS, review["disposal"])],
    ]
    timeline = [[e.label, _when(times.get(e.name))] for e in q.TIMELINE]
    if times.get("legal_advice_requested"):
        timeline.append(["Delay in legal advice authorised (Annex B)",
                         codes.label([("yes", "Yes"), ("no", "No")], review.get("legal_advice_delay_authorised")
                                     or review.get("annex_b_delay") or "no")])
    care = [[label, codes.label(q.GRADES, (review.get("care_checks") or {}).get(name, ""))]
            for name, label in q.CARE_CHECKS]
    flag_rows = wording.in_words(review.get("flags") or {})
    quality = [[label, codes.label(q.QUALITY, (review.get("record_quality") or {}).get(name, ""))]
               for name, label in q.RECORD_QUALITY]
    quality += [["Overall grade", codes.label(q.OVERALL_GRADES, review.get("overall_grade") or "")],
                ["Comments", review.get("comments") or ""]]
    return [
        {"title": "The record", "anchor": "section-record", "rows": record},
        {"title": "Timeline", "anchor": "section-times", "rows": timeline},
        {"title": "What the times show", "anchor": "section-reviews", "rows": facts_rows(facts, review)},
        {"title": "Care checks", "anchor": "section-care", "rows": care},
        {"title": "Searches, force and children", "anchor": "section-flags", "rows": flag_rows},
        {"title": "Record quality and grade", "anchor": "section-grade", "rows": quality},
    ]
