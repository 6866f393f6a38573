"""Escalation rules, as data: id, title, priority, rationale and a pure predicate.

The rules follow domain.md 6b. Their predicates live in icv/rule_checks.py (visits) and
icv/reviews/checks.py (custody record reviews); thresholds are settings, not code:
DEFAULT_SETTINGS (icv/rule_settings.py), changed per installation by RULE_SETTINGS in
instance/config.py.
No Flask, no database: evaluate() takes a finding, the settings and how often each rule
fired at the same suite lately, and returns the escalations, so every rule is testable alone.
NOT_DECIDED says which 6b rules visit reports cannot decide, and why; /rules/ shows them all.
MONTHLY_RULES (AG1, AG2) decide on a whole month's figures (icv/summaries/monthly.py).
"""
from dataclasses import dataclass
from typing import Callable

from . import rule_checks as c
from .codes import PRIORITIES
from .rule_checks import Hit, is_child, is_vulnerable
from .rule_settings import DEFAULT_SETTINGS  # every threshold, in one home


@dataclass(frozen=True)
class Rule:
    id: str
    title: str
    priority: str
    rationale: str
    check: Callable  # (finding, settings) -> bool or Hit
    # Already about children or vulnerable adults: not raised again for one.
    about_vulnerable: bool = False
    scope: str = "detainee"  # "detainee" entries, whole "visit" reports, "review"s, "monthly"
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
    # Strip and intimate searches (domain.md 4.1, 4.2)
    Rule("SS1", "Child strip searched without an appropriate adult", "critical",
         "Code C Annex A: a child's search exposing intimate parts needs an appropriate adult "
         "unless a valid exception is recorded. The Child Q failure.", c._ss1, about_vulnerable=True),
    Rule("SS2", "Strip search by an officer not of the same sex, or seen by the opposite sex",
         "critical", "Code C Annex A para 11: the searcher is the same sex, and no one of the "
         "opposite sex is present unless it is an appropriate adult the detainee asked for. A direct "
         "breach and a serious harm to dignity.", c._ss2),
    Rule("SS3", "Intimate search without inspector authority, a doctor or nurse, consent or an "
         "appropriate adult", "critical",
         "PACE s.55 and Code C Annex A: an intimate search needs an inspector's authority and a "
         "registered doctor or nurse, a drugs search needs written consent, and a child or "
         "vulnerable adult needs an appropriate adult there. Contact with a body orifice makes a "
         "strip search an intimate search. Otherwise it is unlawful.", c._ss3),
    Rule("SS4", "Child searched without an appropriate adult at their request, not signed by the "
         "adult", "high",
         "Code C Annex A: a child may be searched without the appropriate adult only if they say "
         "so in the adult's presence and the adult agrees. The exception holds only if the decision "
         "is recorded and signed by the adult.", c._ss4, about_vulnerable=True),
    Rule("SS5", "Strip search with no reason recorded", "high",
         "Code C Annex A: a strip search is never routine and its reason must be recorded.", c._ss5),
    Rule("SS6", "Child's search exposing intimate parts: parent not told or no safeguarding "
         "referral", "medium",
         "The strip-search changes proposed in 2024: parents told, and a referral to children's "
         "services after every such search of a child. Medium until the proposals are in force, "
         "then high.", c._ss6, about_vulnerable=True,
         settings=("strip_search_2024_proposals_in_force",)),
    Rule("SS7", "Clothing removed for safety from a child or vulnerable adult without an "
         "appropriate adult", "high",
         "PD v Chief Constable of Merseyside [2015]: the Annex A safeguards, the appropriate adult "
         "included, apply whenever clothing is removed, unless there is urgent risk of serious "
         "harm.", c._ss7, about_vulnerable=True),
    # Use of force (domain.md 4.4)
    Rule("UF1", "Alleged mistreatment, or injury from force not seen by a healthcare professional",
         "critical", "Possible ill-treatment (OPCAT); may need an IOPC referral.", c._uf1),
    Rule("UF2", "Spit guard or limb restraints used on a child", "critical",
         "A high-harm tactic on a child.", c._uf2, about_vulnerable=True),
    Rule("UF3", "Handcuffs left on in a cell, or a spit guard or restraints on too long", "high",
         "HMICFRS (2019) found spit and bite guards and restraints kept on longer than needed.",
         c._uf3, settings=("restraint_minutes_limit",)),
    Rule("UF4", "Force used but not on the custody record", "high",
         "HMICFRS found force in custody not always recorded; accountability.", c._uf4),
    Rule("UF5", "Taser drawn or used in the custody suite", "high",
         "Rare and high-risk in custody: every use needs scrutiny.", c._uf5),
    # Children (domain.md 4.3)
    Rule("CH1", "Child sharing a cell with an adult", "critical",
         "Code C 8.8: a child must never be placed in a cell with an adult.", c._ch1,
         about_vulnerable=True),
    Rule("CH2", "Child held in a police station under the Mental Health Act (s.136)", "critical",
         "Since December 2017 a police station can never be a place of safety for anyone under 18 "
         "(Policing and Crime Act 2017).", c._ch2, about_vulnerable=True),
    Rule("CH5", "Child expected to stay overnight without charge", "high",
         "A child's detention must be as short as possible (Concordat on Children in Custody).",
         c._ch5, about_vulnerable=True),
    Rule("CH6", "Child held in a cell with no reason recorded", "medium",
         "Code C 8.8: a child is placed in a cell only when no other secure accommodation is "
         "available and they cannot otherwise be supervised; the record should say why.", c._ch6,
         about_vulnerable=True),
    Rule("CH7", "Girl not under the care of a woman", "high",
         "Children and Young Persons Act 1933 s.31, reflected in Code C: a girl under 18 must be "
         "under the care of a woman.", c._ch7, about_vulnerable=True),
    # Rights, health and welfare: the checks of a detainee who spoke with the visitors (4.6)
    Rule("RT1", "Not told their rights, or no written notice of rights", "high",
         "Code C 3.1 to 3.2: every detainee is told their rights and given the written notice.",
         c._rt1),
    Rule("RT2", "Legal advice refused by the police", "high",
         "PACE s.58: free legal advice on request. It may be delayed only under Code C Annex B on a "
         "superintendent's authority, so check there was one.", c._rt2),
    Rule("RT3", "Interpreter needed but not provided", "high",
         "Code C section 13: rights and interviews through an interpreter; fairness.", c._rt3),
    Rule("RT4", "Appropriate adult needed but not called", "high",
         "Code C 1.13(d) and 3.15: a child or vulnerable adult must have an appropriate adult, "
         "told and asked to come as soon as practicable.", c._rt4, about_vulnerable=True),
    Rule("HL2", "Healthcare professional needed but not seen, or medication not given", "high",
         "Code C 9.5: clinical attention as soon as reasonably practicable.", c._hl2),
    Rule("HL3", "Mental health concern not referred", "high",
         "A mental health concern makes a detainee vulnerable: it needs liaison and diversion or a "
         "nurse (Code C 9.5).", c._hl3),
    Rule("WF1", "Not offered drinks", "medium",
         "Code C 8.6: drinks with meals and on reasonable request.", c._wf1),
    Rule("WF2", "No blanket or mattress, or cell cold, dirty or toilet not working", "medium",
         "Code C 8.2 to 8.4: cells heated, cleaned, ventilated and lit, with clean bedding and a "
         "working toilet.", c._wf2),
    Rule("WF3", "Menstrual products or a private word with a female officer not offered", "medium",
         "Code C, changed in 2019 after an ICVA report: menstrual products are offered, and the "
         "chance to speak privately to a female officer.", c._wf3),
    # The whole visit: facilities and access (domain.md 1.5, 2.4)
    Rule("FC1", "CCTV, call bells or fire safety not working, or ligature points", "high",
         "The safety of everyone held in the suite; a ligature point is a risk to life.", c._fc1,
         scope="visit"),
    Rule("FC2", "Stocks short: food, clothing, hygiene packs or religious items", "low",
         "Good order of the suite.", c._fc2, scope="visit"),
    Rule("AC1", "Visitors kept waiting to be let into custody", "high",
         "Police Reform Act 2002 s.51 and the Code of Practice: visitors are let in without delay "
         "unless it is unsafe. Whether a reason given was about safety is for the team to judge.",
         c._ac1, scope="visit", settings=("admission_delay_minutes",)),
    Rule("AC4", "Visit made by a single visitor, or its report sent late", "low",
         "Visits are made in pairs and reported promptly (Code of Practice; ICVA QAF).", c._ac4,
         scope="visit", settings=("report_due_hours",)),
]

# domain.md 6b rules that visit reports cannot decide, and why (shown on the rules page until
# a rule with the id exists). Custody record reviews (issue 5) bring the ones that need times.
NOT_DECIDED = {
    "SS8": "Whether an adult's search was necessary is a reviewer's judgement on the custody "
           "record, not a visit answer.",
    "CH3": "Whether a child was interviewed without an appropriate adult is on the custody record "
           "(reviews).",
    "CH4": "A child refused bail needs the s.38(6) certificate and transfer times (reviews).",
    "CH8": "The appropriate adult's wait needs the times called and arrived (reviews).",
    "DT1": "Detention time limits need the times of the whole detention (reviews).",
    "DT2": "Review times need the custody record (reviews).",
    "DT3": "Review times need the custody record (reviews).",
    "RT5": "Visit reports do not record nationality.",
    "HL1": "Urgent medical need and rousing observations are not asked; visitors raise these with "
           "staff at once.",
    "WF4": "Exercise, reading and showers in long detention need the hours held (reviews).",
    "AC2": "The report counts refusals of access as 'by an inspector', with no rank or reason.",
    "AC3": "Reports do not ask about threats for speaking with visitors.",
    "GN1": "Not made an escalation: a queue item for good news is work for the custody team to "
           "close. Issues resolved at the visit stay on the report.",
}
# Partly decided from visits: CH5 (overnight without charge; over 24 hours needs reviews), RT2
# (refused; a wait over 2 hours needs reviews), HL2 (not seen; a wait over 2 hours needs
# reviews), WF1 (drinks; food over 8 hours needs reviews), WF2 (not "low if fixed": issues are
# not tied to a detainee), SS5 (no reason; a reason of "routine" is not asked), AC1 (a refusal
# cannot be recorded: the form needs the time let in), FC1 (cells only with "ligature" in the
# note, as the item covers cleanliness too). RT4 reads one appropriate adult answer: the child
# flag's for a child, else the welfare check (rule_checks.appropriate_adult), on reviews too.

# Custody record reviews (issue 5): the rules that need the times of a whole detention.
# evaluate(review, "review") runs these, and every detainee rule too: a review's flags are the
# same schemas, so the strip search, use of force and child rules apply to it as they are. A
# rule that visits decide only in part (RT1-RT4, HL2, CH5 above) stays one rule with one id;
# on a review it is decided by its times instead (REVIEW_VARIANTS), under a title that says so.
from .reviews import checks as rc  # noqa: E402  (pure; imports rule_checks, never this module)
_REVIEW_SETTINGS = ("first_review_hours", "later_review_hours", "review_grace_minutes")
REVIEW_RULES = [
    Rule("DT1", "Detained past 24 hours without a superintendent's extension, past 36 without a "
         "warrant, or past the warrant", "critical",
         "PACE ss.41-44: detention before charge is 24 hours from arrival, 36 with a "
         "superintendent's extension given within the 24, more only on a magistrates' warrant, "
         "never past 96. Anything longer is unlawful detention.", rc.dt1, scope="review",
         settings=("pace_limit_hours", "superintendent_limit_hours", "max_detention_hours")),
    Rule("DT2", "Detention review late or missed, with no reason recorded for postponing it",
         "high", "PACE s.40: the first review within 6 hours of detention being authorised, then "
         "at most every 9 hours; a postponement needs its reason recorded.", rc.dt2,
         scope="review", settings=_REVIEW_SETTINGS),
    Rule("DT3", "Detention review postponed, or representations not invited", "medium",
         "PACE s.40(4), (7) and (12): a postponed review is done as soon as practicable and does "
         "not move the next one; the detainee and their solicitor may make representations.",
         rc.dt3, scope="review", settings=_REVIEW_SETTINGS),
    Rule("CH8", "Appropriate adult arrived more than 2 hours after being called (4 for a "
         "vulnerable adult)", "medium",
         "A recurring delay (ICVA; Avon and Somerset): a child or vulnerable adult waits without "
         "the safeguard. High for a child kept waiting over 4 hours.", rc.ch8, about_vulnerable=True,
         scope="review", settings=("aa_wait_child_hours", "aa_wait_child_high_hours",
                                   "aa_wait_vulnerable_hours")),
]


@dataclass(frozen=True)
class Variant:
    """How a detainee rule is decided on a custody record review."""
    title: str
    check: Callable
    settings: tuple = ()


REVIEW_VARIANTS = {
    "RT1": Variant("Not told their rights, or no written notice of rights", rc.rt1),
    "RT2": Variant("Legal advice asked for and not had within 2 hours, with no Annex B authority",
                   rc.rt2, ("legal_advice_wait_hours",)),
    "RT3": Variant("Interpreter needed but not used, or used only after the rights were given",
                   rc.rt3),
    "RT4": Variant("Child or vulnerable adult without an appropriate adult", rc.rt4),
    "HL2": Variant("Healthcare professional not seen within 2 hours of referral, or medication "
                   "not given", rc.hl2, ("hcp_wait_hours",)),
    "CH5": Variant("Child held more than 24 hours, or overnight without charge", rc.ch5,
                   ("child_custody_hours", "overnight_present_at_hour",
                    "overnight_released_after_hour")),
}

# The monthly rules (issue 11): a London month's reports together, not one finding. The
# figures are worked out by icv/summaries/monthly.py after the month ends; these predicates
# decide on them: AG1 on one group's row of disproportion.rows(), AG2 on one suite's month.
PARTS_OF_DAY = [(0, "at night (midnight to 6am)"), (6, "in the morning (6am to noon)"),
                (12, "in the afternoon (noon to 6pm)"), (18, "in the evening (6pm to midnight)")]


def part_of_day(hour):
    """The part of the day (an index into PARTS_OF_DAY) of a London clock hour."""
    return hour // 6


def visit_target(days, settings):
    """The visits a suite should have in a stretch of `days` days, rounded to a whole number."""
    return round(settings["ag2_visits_per_week"] * days / 7)


def ag1(row, settings):
    """A group (not 'Not stated' or 'Not known'), with enough seen, whose share of those flagged
    is at least ag1_share_ratio times its share of those seen."""
    return (row["group"] not in ("Not stated", "Not known") and row["seen"] >= settings["ag1_min_group"] and row["share_ratio"] is not None
            and row["share_ratio"] >= settings["ag1_share_ratio"])


def ag2_reasons(month, settings):
    """[(short, sentence)] of why an open suite's month raises AG2: fewer visits than the weekly
    target gives for the month's days, two or more visits all in the same part of the day, or
    ag2_not_visited_days days or more in a row with no visit. `month` is {visits, days, parts
    (each visit's part of the day), longest_gap (days)}."""
    reasons = []
    visits, target = month["visits"], visit_target(month["days"], settings)
    if visits < target:
        reasons.append(("too few visits", f"{visits} visit{'s' if visits != 1 else ''} against a "
                                          f"target of {target}."))
    if visits >= 2 and len(set(month["parts"])) == 1:
        reasons.append(("every visit at the same time of day",
                        f"Every visit was {PARTS_OF_DAY[month['parts'][0]][1]}."))
    if month["longest_gap"] >= settings["ag2_not_visited_days"]:
        reasons.append(("a long gap between visits",
                        f"{month['longest_gap']} days in a row with no visit."))
    return reasons


def ag2(month, settings):
    """AG2 on an open suite's month (see ag2_reasons): a Hit saying why, in words."""
    reasons = ag2_reasons(month, settings)
    return Hit(detail=" ".join(sentence for _, sentence in reasons)) if reasons else False


MONTHLY_RULES = [
    Rule("AG1", "Strip searches or force used out of proportion to a group's share of those seen",
         "high", "Disproportionality (HMIC, HMICFRS, Runnymede): a thematic concern about how a "
         "group is treated across London, not one detention. Checked on each London month's visit "
         "reports, for every ethnic group and age band big enough to mean something.", ag1,
         scope="monthly", settings=("ag1_share_ratio", "ag1_min_group")),
    Rule("AG2", "Suite visited too little, too irregularly or always at the same time of day",
         "low", "The ICVA Quality Assurance Framework asks schemes to visit every suite regularly "
         "and to vary the days and times, so that no suite knows when to expect visitors. Checked "
         "for each open suite on each London month's visits.", ag2, scope="monthly",
         settings=("ag2_visits_per_week", "ag2_not_visited_days")),
]

RULES = VISIT_RULES + REVIEW_RULES + MONTHLY_RULES
BY_ID = {r.id: r for r in RULES}


def for_review(rule):
    """(predicate, title) that decide `rule` on a custody record review: its own, or its
    REVIEW_VARIANTS entry for a detainee rule that a review decides by its times."""
    variant = REVIEW_VARIANTS.get(rule.id) if rule.scope == "detainee" else None
    return (variant.check, variant.title) if variant else (rule.check, rule.title)


# The smallest value of a number setting (0 unless here): the repeat modifier needs a count
# of at least 2 (1 would raise every escalation) and a window of at least a day.
SETTING_MINIMUMS = {"repeat_count": 2, "repeat_window_days": 1, "ag1_share_ratio": 1,
                    "ag1_min_group": 1, "ag2_not_visited_days": 1}


def settings_from(overrides=None):
    """DEFAULT_SETTINGS with an installation's RULE_SETTINGS. An unknown name, a value of the
    wrong kind (a number for a number, True or False for a yes/no) or a number below its
    minimum (0 unless SETTING_MINIMUMS says) is an error, so a typo stops the app at start."""
    overrides = dict(overrides or {})
    unknown = overrides.keys() - DEFAULT_SETTINGS.keys()
    if unknown:
        raise ValueError(f"RULE_SETTINGS has unknown names: {', '.join(sorted(unknown))}")
    for name, value in overrides.items():
        default = DEFAULT_SETTINGS[name]
        if isinstance(default, bool):
            if not isinstance(value, bool):
                raise ValueError(f"RULE_SETTINGS {name} must be True or False, not {value!r}")
        elif isinstance(default, (int, float)):
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise ValueError(f"RULE_SETTINGS {name} must be a number, not {value!r}")
            minimum = SETTING_MINIMUMS.get(name, 0)
            if value < minimum:
                raise ValueError(f"RULE_SETTINGS {name} must be {minimum} or more, not {value!r}")
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
        if scope == "review" and rule.scope == "detainee":  # a review's flags, or its times
            check, title = for_review(rule)
        elif rule.scope == scope:
            check, title = rule.check, rule.title
        else:
            continue
        hit = check(finding, settings)
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
        found.append(Escalation(rule.id, title, priority, base, tuple(reasons), hit.detail))
    return sorted(found, key=lambda e: (e.priority_rank, e.rule_id))
