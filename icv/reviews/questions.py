"""What a custody record review asks (domain.md 3.3, 3.4 and 6a), as data shared by the form,
the pages and the rules. The flag schemas (strip search, intimate search, use of force, child)
are icv/flags.py's, the same as on visit reports."""
from dataclasses import dataclass

from ..codes import AGE_BANDS, CHILD_AGE_BANDS

SAMPLE_REASONS = [
    ("child", "Child"),
    ("mental_health", "Mental health"),
    ("vulnerable_adult", "Vulnerable adult"),
    ("woman", "Woman"),
    ("strip_search", "Strip search"),
    ("use_of_force", "Use of force"),
    ("random", "Random"),
    ("serious_incident", "Serious incident"),
]

# The officer-observed ethnicity code on the record (optional; self-defined is the main one).
IC_CODES = [
    ("IC1", "IC1: White, North European"),
    ("IC2", "IC2: White, South European"),
    ("IC3", "IC3: Black"),
    ("IC4", "IC4: Asian"),
    ("IC5", "IC5: Chinese, Japanese or other South East Asian"),
    ("IC6", "IC6: Arab or North African"),
    ("IC9", "IC9: Not known"),
]

VULNERABILITY_MARKERS = [
    ("vulnerable_adult", "Vulnerable adult who needs an appropriate adult (Code C 1.13(d))"),
    ("mental_health", "Mental health concern"),
    ("learning_disability", "Learning disability or difficulty"),
    ("self_harm", "Risk of self-harm or suicide"),
    ("drink_or_drugs", "Under the influence of drink or drugs"),
    ("physical_health", "Physical illness or injury"),
    ("interpreter_needed", "Needs an interpreter"),
    ("foreign_national", "Foreign national"),
    ("looked_after_child", "Looked-after child"),
]

# The disposal category only: never the offence.
DISPOSALS = [
    ("nfa", "No further action"),
    ("rui", "Released under investigation"),
    ("bail", "Bailed before charge"),
    ("out_of_court", "Caution or other out-of-court disposal"),
    ("charged_bailed", "Charged and bailed"),
    ("charged_remanded", "Charged and kept for court"),
    ("transferred", "Transferred (hospital, another force, immigration)"),
    ("other", "Other"),
]
CHARGED = {"charged_bailed", "charged_remanded"}


@dataclass(frozen=True)
class Event:
    name: str
    label: str
    after: tuple  # the steps it follows: a time earlier than the latest of them is the next day
    hint: str = ""
    required: bool = False


# The timeline, in the order the form asks. "after" names the step a time is read against:
# the same London day as that step, or the next day if the time is earlier.
TIMELINE = [
    Event("arrived", "Arrived at the police station", (), "The 'relevant time' the 24-hour clock "
          "starts from", required=True),
    Event("booked_in", "Brought before the custody officer", ("arrived",)),
    Event("detention_authorised", "Detention authorised", ("booked_in", "arrived"), required=True),
    Event("rights_given", "Rights given", ("detention_authorised", "booked_in", "arrived")),
    Event("risk_assessment", "Risk assessment done", ("booked_in", "arrived")),
    Event("legal_advice_requested", "Legal advice requested", ("arrived",),
          "Leave blank if the detainee did not ask for legal advice"),
    Event("legal_advice_consulted", "Legal advice consulted", ("legal_advice_requested",)),
    Event("aa_called", "Appropriate adult called", ("arrived",),
          "Leave blank if no appropriate adult was needed or called"),
    Event("aa_arrived", "Appropriate adult arrived", ("aa_called", "arrived")),
    Event("interpreter", "Interpreter used", ("arrived",),
          "The first time an interpreter (in person or by phone) was used"),
    Event("hcp_referred", "Healthcare referral made", ("arrived",)),
    Event("hcp_seen", "Seen by a healthcare professional", ("hcp_referred", "arrived")),
    Event("superintendent_extension", "Superintendent extended detention", ("reviews",
          "detention_authorised"), "Detention beyond 24 hours, up to 36"),
    Event("warrant", "Warrant of further detention granted",
          ("superintendent_extension", "reviews", "detention_authorised")),
    Event("warrant_until", "The warrant allows detention until", ("warrant",)),
    Event("charge_or_disposal", "Charged, or other disposal decided",
          ("warrant", "superintendent_extension", "detention_authorised")),
    Event("released", "Released or transferred", ("*",), "Read against the latest time above",
          required=True),
]
EVENTS = {e.name: e for e in TIMELINE}

GRADES = [
    ("compliant", "Compliant"),
    ("late_or_partial", "Late or partial"),
    ("non_compliant", "Non-compliant"),
    ("not_recorded", "Not recorded"),
    ("n_a", "Not applicable"),
]
POOR_GRADES = {"non_compliant", "not_recorded"}

# Care checks, each graded by the reviewer.
CARE_CHECKS = [
    ("written_notice", "Written notice of rights given"),
    ("observations", "Observation level set and cell visits at the required frequency"),
    ("rousing", "Rousing checks done where required"),
    ("meals", "Meals and drinks offered"),
    ("rest", "Eight hours' rest in 24"),
    ("medication", "Medication given as directed"),
    ("pre_release_risk", "Pre-release risk assessment done"),
    ("safeguarding", "Safeguarding referrals made where needed"),
]

QUALITY = [("yes", "Yes"), ("partly", "Partly"), ("no", "No")]
RECORD_QUALITY = [
    ("timed_signed", "Entries timed, dated and signed"),
    ("rationale", "Reasons recorded for key decisions"),
    ("legible", "Legible and clear"),
]

OVERALL_GRADES = [
    ("good", "Good"),
    ("requires_improvement", "Requires improvement"),
    ("serious_concern", "Serious concern"),
]

REPRESENTATIONS = [("yes", "Yes"), ("no", "No"), ("not_recorded", "Not recorded")]


# Why a record was sampled, against the answers ---------------------------------------------------

def contradictions(reason, review):
    """[(what is wrong, field id to change, what to change)] when the answers of a review (the
    form's review()) contradict why the record was sampled: a child with an adult age band, a
    woman recorded as male, a strip search or force with no such flag, a mental health or
    vulnerable adult sample with no such marker. A warning only: the record may be right."""
    raised, markers, band = review.get("flags") or {}, review.get("markers") or [], review.get("age_band")
    because, found = f"Sampled because '{dict(SAMPLE_REASONS).get(reason, reason)}', but", []
    if (reason == "child" and band and band != "unknown" and band not in CHILD_AGE_BANDS
            and "child" not in raised):
        found.append((f"{because} the age band is {dict(AGE_BANDS)[band]} and you answered that the record "
                      "does not show a child.", "age_band", "the age band"))
    if reason == "woman" and review.get("gender") == "male":
        found.append((f"{because} the gender is Male.", "gender-0", "the gender"))
    for kind, said, what in (("strip_search", "a strip search", "the strip search answer"),
                             ("use_of_force", "force used", "the use of force answer")):
        if reason == kind and kind not in raised:
            found.append((f"{because} you answered that the record does not show {said}.", f"flags-{kind}-0", what))
    for marker in ("mental_health", "vulnerable_adult"):
        if reason == marker and marker not in markers:
            found.append((f"{because} the marker '{dict(VULNERABILITY_MARKERS)[marker]}' is not ticked.",
                          "markers", "the vulnerability markers"))
    return found
