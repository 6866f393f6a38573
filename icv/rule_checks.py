"""The predicates of the escalation rules: pure functions (finding, settings) -> bool or Hit.

A finding is a plain dict. For a detainee entry: {"age_band", "appears_under_18", "gender",
"consent", "checks": {name: code}, "flags": {kind: answers}} (icv/visits/questions.py CHECKS,
icv/flags.py). For a visit: the report (arrived_at, admitted_at, departed_at, submitted_at,
partner_id, single_visitor_reason, admission_delay_reason, counts, facilities {item: {status,
note}}, issues). For a custody record review: see icv/reviews. `s` is the rule settings
(icv.rules.DEFAULT_SETTINGS merged with RULE_SETTINGS). No Flask, no database.

An unanswered question (an optional one, or "not known") never fires a rule by itself: the
rules fire on what was seen or recorded, and on "not recorded" where the record must show it.
"""
from dataclasses import dataclass

from .codes import CHILD_AGE_BANDS
from .flags import AA_STATUS_AS_CHECK
from .times import from_iso

VALID_NO_AA_REASONS = {"urgent_risk", "declined_aa_agreed"}


@dataclass(frozen=True)
class Hit:
    """A rule that fired with more to say: a priority other than the rule's own, or a detail."""
    priority: str = ""
    detail: str = ""


def is_child(finding):
    """A child by the child flag, an under-18 age band, or looking under 18."""
    return ("child" in finding.get("flags", {}) or finding.get("age_band") in CHILD_AGE_BANDS
            or finding.get("appears_under_18") == "yes")


def is_vulnerable(finding):
    """A vulnerable adult: marked so (reviews), or an adult who needs an appropriate adult."""
    if is_child(finding):
        return False
    return bool(finding.get("vulnerable")) or \
        appropriate_adult(finding, any_consent=True) in ("present", "waiting", "not_called")


def appropriate_adult(finding, any_consent=False):
    """The one answer about the detainee's appropriate adult, in the welfare check's codes
    ("not_needed", "present", "waiting", "not_called"; None if not known). The child flag's
    answer when it gives one (asked of every child, on visits and reviews, whether or not they
    spoke with the visitors), else the welfare check (which counts only for a detainee who
    spoke with the visitors, unless `any_consent`). Every rule about the AA reads this."""
    from_flag = AA_STATUS_AS_CHECK.get((answers(finding, "child") or {}).get("aa_status"))
    given = finding.get("checks", {}) if any_consent else checks(finding)
    return from_flag or given.get("aa")


def answers(finding, kind):
    """The answers of a flag, or None when the flag is not raised."""
    return finding.get("flags", {}).get(kind)


def checks(finding):
    """The rights and welfare checks, which count only for a detainee who spoke with the
    visitors (answers left on the page after 'declined' are not findings)."""
    return finding.get("checks", {}) if finding.get("consent", "yes") == "yes" else {}


def found(pairs, priority=""):
    """A Hit whose detail lists the sentence of each (condition, sentence) that holds, or False."""
    said = [sentence for condition, sentence in pairs if condition]
    return Hit(priority, " ".join(said)) if said else False


def _minutes(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


def _no_valid_aa(search, child):
    """No appropriate adult at a search, and no valid exception recorded. A child always needs
    one; for a vulnerable adult "not needed" is the answer that says they are not vulnerable."""
    absent = search.get("aa_present") != "yes" if child else \
        search.get("aa_present") in ("no", "not_recorded")
    return absent and search.get("no_aa_reason") not in VALID_NO_AA_REASONS


# Strip and intimate searches ------------------------------------------------------------------

def _ss1(f, s):
    ss = answers(f, "strip_search")
    return bool(ss and is_child(f) and ss.get("intimate_parts_exposed") != "no"
                and _no_valid_aa(ss, child=True))


def _ss2(f, s):
    ss = answers(f, "strip_search") or {}
    return found([
        (ss.get("searcher_same_sex") == "no", "The searching officer was not the same sex."),
        (ss.get("opposite_sex_present") == "yes",
         "Someone of the opposite sex was present, not at the detainee's request."),
    ])


def _ss3(f, s):
    ss, ins = answers(f, "strip_search") or {}, answers(f, "intimate_search")
    pairs = [(ss.get("orifice_contact") == "yes",
              "Contact with a body orifice during a strip search (that is an intimate search).")]
    if ins:
        child = is_child(f)
        pairs += [
            (ins.get("inspector_authorised") != "yes", "No inspector's authority recorded."),
            (ins.get("conducted_by_hcp") != "yes", "Not done by a doctor or nurse."),
            (ins.get("grounds") == "class_a_drugs" and ins.get("written_consent") != "yes",
             "A drugs search without written consent."),
            ((child or is_vulnerable(f)) and _no_valid_aa(ins, child),
             "A child or vulnerable adult searched without an appropriate adult."),
        ]
    return found(pairs)


def _ss4(f, s):
    ss = answers(f, "strip_search")
    return bool(ss and is_child(f) and ss.get("no_aa_reason") == "declined_aa_agreed"
                and ss.get("aa_signed_record") == "no")


def _ss5(f, s):
    ss = answers(f, "strip_search")
    return bool(ss and ss.get("reason_recorded") == "no")


def _ss6(f, s):
    ss = answers(f, "strip_search")
    if not (ss and is_child(f) and ss.get("intimate_parts_exposed") != "no"):
        return False
    return found([
        (ss.get("parent_informed") == "no", "No parent or guardian was told."),
        (ss.get("safeguarding_referral") == "no", "No safeguarding referral was made."),
    ], "high" if s["strip_search_2024_proposals_in_force"] else "")


def _ss7(f, s):
    ss = answers(f, "strip_search")
    child = is_child(f)
    return bool(ss and ss.get("context") == "clothing_removed" and (child or is_vulnerable(f))
                and _no_valid_aa(ss, child) and not _ss1(f, s))


# Use of force ---------------------------------------------------------------------------------

def _uf1(f, s):
    uf = answers(f, "use_of_force")
    return bool(uf and (
        uf.get("allegation") == "yes"
        or (uf.get("detainee_injury") in ("minor", "severe") and uf.get("hcp_seen") != "yes")
    ))


def _uf2(f, s):
    uf = answers(f, "use_of_force")
    return bool(uf and is_child(f) and "yes" in (uf.get("spit_guard"), uf.get("limb_restraints")))


def _uf3(f, s):
    uf = answers(f, "use_of_force") or {}
    limit = s["restraint_minutes_limit"]
    spit, limbs = _minutes(uf.get("spit_guard_minutes")), _minutes(uf.get("restraint_minutes"))
    return found([
        (uf.get("handcuffed_in_cell") == "yes", "Handcuffs were left on in the cell."),
        (spit > limit, f"A spit and bite guard was on for {spit} minutes."),
        (limbs > limit, f"Leg or limb restraints were on for {limbs} minutes."),
    ])


def _uf4(f, s):
    uf = answers(f, "use_of_force")
    return bool(uf and uf.get("recorded_on_custody_record") == "no")


def _uf5(f, s):
    taser = (answers(f, "use_of_force") or {}).get("taser")
    return found([(taser == "fired", "A Taser was fired or used to drive-stun."),
                  (taser == "drawn", "A Taser was drawn or aimed.")])


# Children -------------------------------------------------------------------------------------

def _child(f, name):
    return (answers(f, "child") or {}).get(name)


def _ch1(f, s):
    return _child(f, "sharing_with_adult") == "yes"


def _ch2(f, s):
    return _child(f, "mha_s136") == "yes"


def _ch5(f, s):
    return _child(f, "expected_overnight") == "yes" and _child(f, "charged") == "no"


def _ch6(f, s):
    return _child(f, "held_in") == "cell" and _child(f, "cell_reason_recorded") == "no"


def _ch7(f, s):
    return f.get("gender") == "female" and _child(f, "woman_responsible") == "no"


# Rights, health and welfare (the checks) ------------------------------------------------------

def _rt1(f, s):
    c = checks(f)
    return found([(c.get("told_rights") == "no", "Not told their rights."),
                  (c.get("written_notice") == "no", "Not given the written notice of rights.")])


def _rt2(f, s):
    return checks(f).get("legal_advice") == "refused_by_police"


def _rt3(f, s):
    return checks(f).get("interpreter") == "not_provided"


def _rt4(f, s):
    # A child's or a vulnerable adult's: the child flag's "Appropriate adult: not called" or
    # the welfare check's "Needed, not called", read as one answer.
    return appropriate_adult(f) == "not_called"


def _hl2(f, s):
    c = checks(f)
    return found([(c.get("hcp_seen") == "not_seen", "Needed a healthcare professional, not seen."),
                  (c.get("medication") == "no", "Not getting the medication they need.")])


def _hl3(f, s):
    return checks(f).get("mental_health") == "not_referred"


def _wf1(f, s):
    return checks(f).get("drink_offered") == "no"


def _wf2(f, s):
    c = checks(f)
    return found([(c.get("blanket_mattress") == "no", "No blanket or mattress."),
                  (c.get("cell_ok") == "no", "Cell cold or dirty, or the toilet not working.")])


def _wf3(f, s):
    c = checks(f)
    return found([(c.get("menstrual_products") == "no", "Not offered menstrual products."),
                  (c.get("female_staff") == "no",
                   "Not offered a private word with a female officer.")])


# Whole visits ---------------------------------------------------------------------------------

# Facility items (icv/visits/questions.py FACILITY_ITEMS) the two facility rules read, in words.
# (Not imported from there: icv.visits is a Flask blueprint, and the rules stay pure.)
SAFETY_ITEMS = {"cctv": "CCTV", "call_bells": "Cell call bells",
                "fire_safety": "Fire safety equipment"}
STOCK_ITEMS = {"kitchen_food_stock": "Food stocks", "clothing_stock": "Replacement clothing",
               "hygiene_and_menstrual_stock": "Hygiene packs and menstrual products",
               "religious_items": "Religious items"}


def _concerns(visit, items):
    """A Hit naming each of `items` ({item: words}) marked a concern, with its note; or False."""
    facilities = visit.get("facilities", {})
    said = [f"{words}: {facilities[item].get('note') or 'a concern'}."
            for item, words in items.items() if facilities.get(item, {}).get("status") == "concern"]
    return Hit(detail=" ".join(said)) if said else False


def _fc1(visit, s):
    # The cells item reads "clean, no ligature points": only a note naming ligatures is FC1.
    cells = visit.get("facilities", {}).get("cells", {})
    ligature = cells.get("status") == "concern" and "ligature" in (cells.get("note") or "").lower()
    return _concerns(visit, {**SAFETY_ITEMS, **({"cells": "Cells"} if ligature else {})})


def _fc2(visit, s):
    return _concerns(visit, STOCK_ITEMS)


def _hours_between(start, end):
    try:
        return (from_iso(end) - from_iso(start)).total_seconds() / 3600
    except (TypeError, ValueError):
        return None


def _reason(text):
    text = (text or "").strip()
    return f" Reason given: {text}" if text else ""


def _ac1(visit, s):
    hours = _hours_between(visit.get("arrived_at"), visit.get("admitted_at"))
    waited = round(hours * 60) if hours is not None else 0
    if waited <= s["admission_delay_minutes"]:
        return False
    return Hit(detail=f"Waited {waited} minutes to be let in."
               + _reason(visit.get("admission_delay_reason")))


def _ac4(visit, s):
    hours = _hours_between(visit.get("departed_at"), visit.get("submitted_at"))
    late = hours is not None and hours > s["report_due_hours"]
    return found([
        (not visit.get("partner_id"), "Visited alone." + _reason(visit.get("single_visitor_reason"))),
        (late, f"Report sent {hours or 0:.0f} hours after the visit ended."),
    ])
