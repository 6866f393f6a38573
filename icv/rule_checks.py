"""The predicates of the escalation rules: pure functions (finding, settings) -> bool or Hit.

A finding is a plain dict. For a detainee entry: {"age_band", "appears_under_18", "consent",
"checks": {name: code}, "flags": {kind: answers}}. For a visit: the report (times, partner_id,
counts, facilities, issues). For a custody record review: see icv/reviews. `s` is the rule
settings (icv.rules.DEFAULT_SETTINGS merged with RULE_SETTINGS). No Flask, no database.
"""
from dataclasses import dataclass

from .codes import CHILD_AGE_BANDS

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
        finding.get("checks", {}).get("aa") in ("present", "waiting", "not_called")


def answers(finding, kind):
    """The answers of a flag, or None when the flag is not raised."""
    return finding.get("flags", {}).get(kind)


def _ss1(f, s):
    ss = answers(f, "strip_search")
    return bool(
        ss and is_child(f)
        and ss.get("intimate_parts_exposed") != "no"
        and ss.get("aa_present") in ("no", "not_recorded")
        and ss.get("no_aa_reason") not in VALID_NO_AA_REASONS
    )


def _ss2(f, s):
    ss = answers(f, "strip_search")
    return bool(ss and ss.get("searcher_same_sex") == "no")


def _ss3(f, s):
    ss, ins = answers(f, "strip_search"), answers(f, "intimate_search")
    return bool(
        (ss and ss.get("orifice_contact") == "yes")
        or (ins and (ins.get("inspector_authorised") != "yes" or ins.get("conducted_by_hcp") != "yes"
                     or (ins.get("grounds") == "class_a_drugs" and ins.get("written_consent") != "yes")))
    )


def _ss5(f, s):
    ss = answers(f, "strip_search")
    return bool(ss and ss.get("reason_recorded") == "no")


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
    uf = answers(f, "use_of_force")
    return bool(uf and uf.get("handcuffed_in_cell") == "yes")


def _uf4(f, s):
    uf = answers(f, "use_of_force")
    return bool(uf and uf.get("recorded_on_custody_record") == "no")


def _ch1(f, s):
    ch = answers(f, "child")
    return bool(ch and ch.get("sharing_with_adult") == "yes")


def _ac4(visit, s):
    return not visit.get("partner_id")
