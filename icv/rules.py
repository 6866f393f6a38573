"""Escalation rules: pure functions from a finding to escalations with a priority.

A finding is a plain dict: for a detainee entry {"age_band": ..., "flags": {kind: answers}};
for a visit {"partner_id": ...}. No Flask, no database: every rule is testable alone.
Rule ids and priorities follow domain.md 6b.
"""
from dataclasses import dataclass
from typing import Callable

from .codes import CHILD_AGE_BANDS, PRIORITIES

VALID_NO_AA_REASONS = {"urgent_risk", "declined_aa_agreed"}


@dataclass(frozen=True)
class Rule:
    id: str
    title: str
    priority: str
    rationale: str
    applies: Callable[[dict], bool]
    about_children: bool = False  # child-specific rules are not raised again for a child
    scope: str = "detainee"  # "detainee" entries or whole "visit" reports


@dataclass(frozen=True)
class Escalation:
    rule_id: str
    title: str
    priority: str

    @property
    def priority_rank(self):
        return PRIORITIES.index(self.priority)


def is_child(finding):
    """A child by the child flag or by an under-18 age band."""
    return "child" in finding.get("flags", {}) or finding.get("age_band") in CHILD_AGE_BANDS


def answers(finding, kind):
    """The answers of a flag, or None when the flag is not raised."""
    return finding.get("flags", {}).get(kind)


def _ss1(f):
    ss = answers(f, "strip_search")
    return bool(
        ss and is_child(f)
        and ss.get("intimate_parts_exposed") != "no"
        and ss.get("aa_present") in ("no", "not_recorded")
        and ss.get("no_aa_reason") not in VALID_NO_AA_REASONS
    )


def _ss2(f):
    ss = answers(f, "strip_search")
    return bool(ss and ss.get("searcher_same_sex") == "no")


def _ss3(f):
    ss, ins = answers(f, "strip_search"), answers(f, "intimate_search")
    return bool(
        (ss and ss.get("orifice_contact") == "yes")
        or (ins and (ins.get("inspector_authorised") != "yes" or ins.get("conducted_by_hcp") != "yes"
                     or (ins.get("grounds") == "class_a_drugs" and ins.get("written_consent") != "yes")))
    )


def _ss5(f):
    ss = answers(f, "strip_search")
    return bool(ss and ss.get("reason_recorded") == "no")


def _uf1(f):
    uf = answers(f, "use_of_force")
    return bool(uf and (
        uf.get("allegation") == "yes"
        or (uf.get("detainee_injury") in ("minor", "severe") and uf.get("hcp_seen") != "yes")
    ))


def _uf2(f):
    uf = answers(f, "use_of_force")
    return bool(uf and is_child(f) and "yes" in (uf.get("spit_guard"), uf.get("limb_restraints")))


def _uf3(f):
    uf = answers(f, "use_of_force")
    return bool(uf and uf.get("handcuffed_in_cell") == "yes")


def _uf4(f):
    uf = answers(f, "use_of_force")
    return bool(uf and uf.get("recorded_on_custody_record") == "no")


def _ch1(f):
    ch = answers(f, "child")
    return bool(ch and ch.get("sharing_with_adult") == "yes")


def _ac4(visit):
    return not visit.get("partner_id")


RULES = [
    Rule("SS1", "Child strip searched without an appropriate adult", "critical",
         "Code C Annex A: a child's search exposing intimate parts needs an appropriate adult "
         "unless a valid exception is recorded. The Child Q failure.", _ss1, about_children=True),
    Rule("SS2", "Strip search by an officer not of the same sex", "critical",
         "Code C Annex A para 11: a direct breach and a serious harm to dignity.", _ss2),
    Rule("SS3", "Intimate search without inspector authority, a doctor or nurse, or written consent",
         "critical", "PACE s.55: an intimate search needs an inspector's authority and a registered "
         "doctor or nurse, and a drugs search needs written consent. Otherwise it is unlawful.", _ss3),
    Rule("SS5", "Strip search with no reason recorded", "high",
         "Code C Annex A: a strip search is never routine and its reason must be recorded.", _ss5),
    Rule("UF1", "Alleged mistreatment, or injury from force not seen by a healthcare professional",
         "critical", "Possible ill-treatment (OPCAT); may need an IOPC referral.", _uf1),
    Rule("UF2", "Spit guard or limb restraints used on a child", "critical",
         "A high-harm tactic on a child.", _uf2, about_children=True),
    Rule("UF3", "Handcuffs left on in a cell", "high",
         "HMICFRS concern about restraint kept on longer than needed.", _uf3),
    Rule("UF4", "Force used but not on the custody record", "high",
         "HMICFRS found force in custody not always recorded; accountability.", _uf4),
    Rule("CH1", "Child sharing a cell with an adult", "critical",
         "Code C 8.8: a child must never be placed in a cell with an adult.", _ch1,
         about_children=True),
    Rule("AC4", "Visit made by a single visitor", "low",
         "Visits are made in pairs (Code of Practice; ICVA QAF).", _ac4, scope="visit"),
]
BY_ID = {r.id: r for r in RULES}


def raise_level(priority, levels=1):
    """A priority raised by `levels`, never above critical."""
    return PRIORITIES[max(0, PRIORITIES.index(priority) - levels)]


def evaluate(finding, scope="detainee"):
    """The escalations a finding raises, most urgent first.

    A child raises one level any rule that is not already about children (domain.md 6b).
    """
    found = []
    for rule in RULES:
        if rule.scope != scope or not rule.applies(finding):
            continue
        priority = rule.priority
        if scope == "detainee" and is_child(finding) and not rule.about_children:
            priority = raise_level(priority)
        found.append(Escalation(rule.id, rule.title, priority))
    return sorted(found, key=lambda e: (e.priority_rank, e.rule_id))
