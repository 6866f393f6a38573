"""Escalation rules, as data: id, title, priority, rationale and a pure predicate.

The rules follow domain.md 6b. Their predicates live in icv/rule_checks.py (visits) and
icv/reviews/checks.py (custody record reviews); thresholds are settings, not code:
DEFAULT_SETTINGS here, changed per installation by RULE_SETTINGS in instance/config.py.
No Flask, no database: evaluate() takes a finding, the settings and how often each rule
fired at the same suite lately, and returns the escalations, so every rule is testable alone.
"""
from dataclasses import dataclass
from typing import Callable

from . import rule_checks as c
from .codes import PRIORITIES
from .rule_checks import Hit, is_child, is_vulnerable

# Every threshold a rule uses. Change them in instance/config.py, e.g.
# RULE_SETTINGS = {"admission_delay_minutes": 20}; an unknown name stops the app at start.
DEFAULT_SETTINGS = {
    # Modifier: the same rule at the same suite this many times in the window raises a level.
    "repeat_count": 3,
    "repeat_window_days": 90,
    # The strip-search changes proposed in 2024 (domain.md 4.1, 7.3): when in force, SS6 is high.
    "strip_search_2024_proposals_in_force": False,
}


@dataclass(frozen=True)
class Rule:
    id: str
    title: str
    priority: str
    rationale: str
    check: Callable  # (finding, settings) -> bool or Hit
    # Already about children or vulnerable adults: not raised again for one.
    about_vulnerable: bool = False
    scope: str = "detainee"  # "detainee" entries, whole "visit" reports, or "review"s
    settings: tuple = ()  # the names of the settings it reads, shown on the rules page


@dataclass(frozen=True)
class Escalation:
    rule_id: str
    title: str
    priority: str
    base_priority: str = ""
    reasons: tuple = ()  # why the priority is above the rule's own, in words
    detail: str = ""

    @property
    def priority_rank(self):
        return PRIORITIES.index(self.priority)


VISIT_RULES = [
    Rule("SS1", "Child strip searched without an appropriate adult", "critical",
         "Code C Annex A: a child's search exposing intimate parts needs an appropriate adult "
         "unless a valid exception is recorded. The Child Q failure.", c._ss1, about_vulnerable=True),
    Rule("SS2", "Strip search by an officer not of the same sex", "critical",
         "Code C Annex A para 11: a direct breach and a serious harm to dignity.", c._ss2),
    Rule("SS3", "Intimate search without inspector authority, a doctor or nurse, or written consent",
         "critical", "PACE s.55: an intimate search needs an inspector's authority and a registered "
         "doctor or nurse, and a drugs search needs written consent. Otherwise it is unlawful.", c._ss3),
    Rule("SS5", "Strip search with no reason recorded", "high",
         "Code C Annex A: a strip search is never routine and its reason must be recorded.", c._ss5),
    Rule("UF1", "Alleged mistreatment, or injury from force not seen by a healthcare professional",
         "critical", "Possible ill-treatment (OPCAT); may need an IOPC referral.", c._uf1),
    Rule("UF2", "Spit guard or limb restraints used on a child", "critical",
         "A high-harm tactic on a child.", c._uf2, about_vulnerable=True),
    Rule("UF3", "Handcuffs left on in a cell", "high",
         "HMICFRS concern about restraint kept on longer than needed.", c._uf3),
    Rule("UF4", "Force used but not on the custody record", "high",
         "HMICFRS found force in custody not always recorded; accountability.", c._uf4),
    Rule("CH1", "Child sharing a cell with an adult", "critical",
         "Code C 8.8: a child must never be placed in a cell with an adult.", c._ch1,
         about_vulnerable=True),
    Rule("AC4", "Visit made by a single visitor", "low",
         "Visits are made in pairs (Code of Practice; ICVA QAF).", c._ac4, scope="visit"),
]

# Custody record reviews (issue 5): the rules that need the times of a whole detention.
REVIEW_RULES = [
]

RULES = VISIT_RULES + REVIEW_RULES
BY_ID = {r.id: r for r in RULES}


def settings_from(overrides=None):
    """DEFAULT_SETTINGS with an installation's RULE_SETTINGS; an unknown name is an error."""
    overrides = dict(overrides or {})
    unknown = overrides.keys() - DEFAULT_SETTINGS.keys()
    if unknown:
        raise ValueError(f"RULE_SETTINGS has unknown names: {', '.join(sorted(unknown))}")
    return {**DEFAULT_SETTINGS, **overrides}


def raise_level(priority, levels=1):
    """A priority raised by `levels`, never above critical."""
    return PRIORITIES[max(0, PRIORITIES.index(priority) - levels)]


def evaluate(finding, scope="detainee", settings=None, repeats=None):
    """The escalations a finding raises, most urgent first.

    Modifiers (domain.md 6b), each one level, never above critical: a child or a vulnerable
    adult, where the rule is not already about them; and the same rule already raised at the
    same suite often enough lately (`repeats`: {rule id: times in the window before this}).
    """
    settings = settings or DEFAULT_SETTINGS
    repeats = repeats or {}
    found = []
    for rule in RULES:
        if rule.scope != scope:
            continue
        hit = rule.check(finding, settings)
        if not hit:
            continue
        hit = hit if isinstance(hit, Hit) else Hit()
        base = hit.priority or rule.priority
        priority, reasons = base, []
        if scope != "visit" and not rule.about_vulnerable:
            if is_child(finding):
                priority, reasons = raise_level(priority), [*reasons, "A child: one level higher."]
            elif is_vulnerable(finding):
                priority = raise_level(priority)
                reasons.append("A vulnerable adult: one level higher.")
        times = repeats.get(rule.id, 0) + 1
        if times >= settings["repeat_count"]:
            priority = raise_level(priority)
            reasons.append(f"Raised {times} times at this suite in {settings['repeat_window_days']} "
                           "days: one level higher.")
        found.append(Escalation(rule.id, rule.title, priority, base, tuple(reasons), hit.detail))
    return sorted(found, key=lambda e: (e.priority_rank, e.rule_id))
