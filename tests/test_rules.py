"""Escalation rules: pure functions, so these tests need no app, database or fixtures."""
from unittest import mock

import pytest

from icv import rules
from icv.rule_checks import Hit
from icv.rules import (BY_ID, DEFAULT_SETTINGS, NOT_DECIDED, RULES, VISIT_RULES, Rule, evaluate,
                       raise_level, settings_from)

ADULT = "25-34"
CHILD = "14-15"


def finding(age_band=ADULT, checks=None, gender="male", consent="yes", **flags):
    """A detainee entry as the rules see it."""
    return {"age_band": age_band, "gender": gender, "consent": consent, "checks": checks or {},
            "flags": flags}


def strip_search(**answers):
    return {"context": "custody", "intimate_parts_exposed": "yes", "orifice_contact": "no",
            "aa_present": "yes", "searcher_same_sex": "yes", "reason_recorded": "yes",
            "source": "custody_record", **answers}


def intimate_search(**answers):
    """A lawful intimate search for an item that could cause injury."""
    return {"grounds": "harm_item", "inspector_authorised": "yes", "conducted_by_hcp": "yes",
            "aa_present": "not_needed", "source": "custody_record", **answers}


def use_of_force(**answers):
    return {"phase": "booking_in", "spit_guard": "no", "limb_restraints": "no",
            "handcuffed_in_cell": "no", "detainee_injury": "none", "hcp_seen": "yes",
            "allegation": "no", "recorded_on_custody_record": "yes", "source": "staff", **answers}


def child(**answers):
    return {"aa_status": "present", "held_in": "juvenile_room", "sharing_with_adult": "no",
            "expected_overnight": "no", **answers}


def a_child(checks=None, gender="male", **flags):
    """A child's entry: an under-18 age band and the child flag (quiet answers unless given)."""
    return finding(CHILD, checks, gender, **{"child": child(), **flags})


def visit(**changes):
    """A whole report as the visit rules see it: a pair, let in at once, sent an hour after
    leaving, every facility OK."""
    return {"partner_id": 7, "arrived_at": "2026-11-20T10:00:00Z",
            "admitted_at": "2026-11-20T10:05:00Z", "departed_at": "2026-11-20T11:00:00Z",
            "submitted_at": "2026-11-20T12:00:00Z", "admission_delay_reason": "",
            "single_visitor_reason": "", "counts": {}, "issues": [],
            "facilities": {item: {"status": "ok", "note": ""}
                           for item in ("cells", "cctv", "call_bells", "fire_safety",
                                        "clothing_stock", "kitchen_food_stock")},
            **changes}


def facility(item, status="concern", note="Not working"):
    """Facilities of visit() with one item changed."""
    return {**visit()["facilities"], item: {"status": status, "note": note}}


def raised(found):
    """{rule id: priority} of evaluate()'s result."""
    return {e.rule_id: e.priority for e in found}


def one(found, rule_id):
    """The escalation of `rule_id` in evaluate()'s result."""
    (e,) = [e for e in found if e.rule_id == rule_id]
    return e


# For each detainee rule: a finding that fires it and one, as close as possible, that does not.
CASES = {
    "SS1": (a_child(strip_search=strip_search(aa_present="no", no_aa_reason="none")),
            a_child(strip_search=strip_search(aa_present="yes"))),
    "SS2": (finding(strip_search=strip_search(searcher_same_sex="no")),
            finding(strip_search=strip_search(searcher_same_sex="yes"))),
    "SS3": (finding(intimate_search=intimate_search(inspector_authorised="no")),
            finding(intimate_search=intimate_search(inspector_authorised="yes"))),
    "SS4": (a_child(strip_search=strip_search(aa_present="no", no_aa_reason="declined_aa_agreed",
                                              aa_signed_record="no")),
            a_child(strip_search=strip_search(aa_present="no", no_aa_reason="declined_aa_agreed",
                                              aa_signed_record="not_known"))),
    "SS5": (finding(strip_search=strip_search(reason_recorded="no")),
            finding(strip_search=strip_search(reason_recorded="not_known"))),
    "SS6": (a_child(strip_search=strip_search(parent_informed="no", safeguarding_referral="yes")),
            a_child(strip_search=strip_search(parent_informed="yes", safeguarding_referral="yes"))),
    "SS7": (a_child(strip_search=strip_search(context="clothing_removed", intimate_parts_exposed="no",
                                              aa_present="no", no_aa_reason="none")),
            a_child(strip_search=strip_search(context="clothing_removed", intimate_parts_exposed="no",
                                              aa_present="no", no_aa_reason="urgent_risk"))),
    "UF1": (finding(use_of_force=use_of_force(allegation="yes")),
            finding(use_of_force=use_of_force(allegation="no"))),
    "UF2": (a_child(use_of_force=use_of_force(spit_guard="yes")),
            finding(ADULT, use_of_force=use_of_force(spit_guard="yes"))),
    "UF3": (finding(use_of_force=use_of_force(handcuffed_in_cell="yes")),
            finding(use_of_force=use_of_force(handcuffed_in_cell="not_recorded"))),
    "UF4": (finding(use_of_force=use_of_force(recorded_on_custody_record="no")),
            finding(use_of_force=use_of_force(recorded_on_custody_record="not_known"))),
    "UF5": (finding(use_of_force=use_of_force(taser="drawn")),
            finding(use_of_force=use_of_force(taser="not_known"))),
    "CH1": (a_child(child=child(sharing_with_adult="yes")),
            a_child(child=child(sharing_with_adult="not_recorded"))),
    "CH2": (a_child(child=child(mha_s136="yes")),
            a_child(child=child(mha_s136="not_known"))),
    "CH5": (a_child(child=child(expected_overnight="yes", charged="no")),
            a_child(child=child(expected_overnight="yes", charged="yes"))),
    "CH6": (a_child(child=child(held_in="cell", cell_reason_recorded="no")),
            a_child(child=child(held_in="cell", cell_reason_recorded="yes"))),
    "CH7": (a_child(gender="female", child=child(woman_responsible="no")),
            a_child(gender="female", child=child(woman_responsible="yes"))),
    "RT1": (finding(checks={"told_rights": "no"}), finding(checks={"told_rights": "not_asked"})),
    "RT2": (finding(checks={"legal_advice": "refused_by_police"}),
            finding(checks={"legal_advice": "requested_waiting"})),
    "RT3": (finding(checks={"interpreter": "not_provided"}),
            finding(checks={"interpreter": "provided"})),
    "RT4": (finding(checks={"aa": "not_called"}), finding(checks={"aa": "waiting"})),
    "HL2": (finding(checks={"hcp_seen": "not_seen"}), finding(checks={"hcp_seen": "waiting"})),
    "HL3": (finding(checks={"mental_health": "not_referred"}),
            finding(checks={"mental_health": "referred"})),
    "WF1": (finding(checks={"drink_offered": "no"}), finding(checks={"drink_offered": "not_asked"})),
    "WF2": (finding(checks={"blanket_mattress": "no"}), finding(checks={"blanket_mattress": "yes"})),
    "WF3": (finding(checks={"menstrual_products": "no"}),
            finding(checks={"menstrual_products": "not_applicable"})),
}
# The same for the rules about a whole visit report.
VISIT_CASES = {
    "FC1": (visit(facilities=facility("cctv")), visit(facilities=facility("cctv", "not_checked"))),
    "FC2": (visit(facilities=facility("clothing_stock", note="None left")),
            visit(facilities=facility("clothing_stock", "ok", ""))),
    "AC1": (visit(admitted_at="2026-11-20T10:31:00Z"), visit(admitted_at="2026-11-20T10:30:00Z")),
    "AC4": (visit(partner_id=None), visit(partner_id=7)),
}


def test_every_visit_rule_has_a_firing_and_a_quiet_case():
    """A new visit rule must come with its cases here, in the right scope."""
    assert set(CASES) == {r.id for r in VISIT_RULES if r.scope == "detainee"}
    assert set(VISIT_CASES) == {r.id for r in VISIT_RULES if r.scope == "visit"}


ALL_CASES = sorted([(rule_id, "detainee") for rule_id in CASES]
                   + [(rule_id, "visit") for rule_id in VISIT_CASES])


def case(rule_id, scope):
    return (CASES if scope == "detainee" else VISIT_CASES)[rule_id]


@pytest.mark.parametrize("rule_id, scope", ALL_CASES, ids=[r for r, _ in ALL_CASES])
def test_rule_fires(rule_id, scope):
    """The finding built to break the rule raises it, with the rule's title."""
    fires, _ = case(rule_id, scope)
    assert BY_ID[rule_id].check(fires, DEFAULT_SETTINGS)
    found = [e for e in evaluate(fires, scope) if e.rule_id == rule_id]
    assert len(found) == 1
    assert found[0].title == BY_ID[rule_id].title


@pytest.mark.parametrize("rule_id, scope", ALL_CASES, ids=[r for r, _ in ALL_CASES])
def test_rule_stays_quiet(rule_id, scope):
    """The nearly identical finding that keeps the rule does not raise it."""
    _, quiet = case(rule_id, scope)
    assert not BY_ID[rule_id].check(quiet, DEFAULT_SETTINGS)
    assert rule_id not in raised(evaluate(quiet, scope))


def test_rule_priorities_follow_the_rule_table():
    """Priorities, scopes and the rules already about children or vulnerable adults, as in
    domain.md 6b."""
    assert {r.id: r.priority for r in VISIT_RULES} == {
        "SS1": "critical", "SS2": "critical", "SS3": "critical", "SS4": "high", "SS5": "high",
        "SS6": "medium", "SS7": "high",
        "UF1": "critical", "UF2": "critical", "UF3": "high", "UF4": "high", "UF5": "high",
        "CH1": "critical", "CH2": "critical", "CH5": "high", "CH6": "medium", "CH7": "high",
        "RT1": "high", "RT2": "high", "RT3": "high", "RT4": "high", "HL2": "high", "HL3": "high",
        "WF1": "medium", "WF2": "medium", "WF3": "medium",
        "FC1": "high", "FC2": "low", "AC1": "high", "AC4": "low"}
    assert {r.id for r in VISIT_RULES if r.scope == "visit"} == {"FC1", "FC2", "AC1", "AC4"}
    assert {r.id for r in VISIT_RULES if r.about_vulnerable} == {
        "SS1", "SS4", "SS6", "SS7", "UF2", "CH1", "CH2", "CH5", "CH6", "CH7", "RT4"}


RULE_TABLE_6B = ("SS1 SS2 SS3 SS4 SS5 SS6 SS7 SS8 UF1 UF2 UF3 UF4 UF5 CH1 CH2 CH3 CH4 CH5 CH6 CH7 "
                 "CH8 DT1 DT2 DT3 RT1 RT2 RT3 RT4 RT5 HL1 HL2 HL3 WF1 WF2 WF3 WF4 FC1 FC2 AC1 "
                 "AC2 AC3 AC4 AG1 AG2 GN1").split()


def test_every_6b_rule_is_a_visit_rule_or_says_why_not():
    """Each rule of domain.md 6b is decided from visit reports (one at a time, or a month's
    together) or listed in NOT_DECIDED with a reason, never both."""
    visit_ids = {r.id for r in VISIT_RULES + rules.MONTHLY_RULES}
    assert visit_ids | set(NOT_DECIDED) == set(RULE_TABLE_6B)
    assert visit_ids & set(NOT_DECIDED) == set()
    assert all(len(why) > 20 for why in NOT_DECIDED.values())


def test_rules_name_only_real_settings_and_every_threshold_is_read():
    """A rule's settings exist, and every setting but the modifiers' is read by some rule."""
    read = {name for r in RULES for name in r.settings} | \
        {name for v in rules.REVIEW_VARIANTS.values() for name in v.settings}
    assert read <= set(DEFAULT_SETTINGS)
    assert set(DEFAULT_SETTINGS) - read == {"repeat_count", "repeat_window_days"}
    assert len({r.id for r in RULES}) == len(RULES), "rule ids are unique"


# Strip and intimate searches -----------------------------------------------------------------


def test_ss1_fires_for_a_child_by_age_band_alone():
    """An under-18 age band makes a child even without the child flag."""
    f = finding("16-17", strip_search=strip_search(aa_present="not_recorded", no_aa_reason="none"))
    assert raised(evaluate(f))["SS1"] == "critical"


def test_ss1_fires_when_exposure_is_not_recorded():
    """'Not recorded' whether intimate parts were exposed is not a defence."""
    f = a_child(strip_search=strip_search(
        intimate_parts_exposed="not_recorded", aa_present="no", no_aa_reason="none"))
    assert "SS1" in raised(evaluate(f))


def test_ss1_fires_for_a_child_said_not_to_need_an_adult():
    """'Not needed' (the answer for an adult who is not vulnerable) never excuses a child."""
    f = a_child(strip_search=strip_search(aa_present="not_needed"))
    assert raised(evaluate(f))["SS1"] == "critical"


@pytest.mark.parametrize("reason", ["urgent_risk", "declined_aa_agreed"])
def test_ss1_valid_exceptions_do_not_fire(reason):
    """Urgent risk, or a child who declined with the adult's agreement, are exceptions."""
    f = a_child(strip_search=strip_search(aa_present="no", no_aa_reason=reason))
    assert "SS1" not in raised(evaluate(f))


def test_ss1_does_not_fire_for_an_adult():
    """The same search of an adult is not SS1."""
    f = finding(ADULT, strip_search=strip_search(aa_present="no", no_aa_reason="none"))
    assert "SS1" not in raised(evaluate(f))


def test_ss1_does_not_fire_when_intimate_parts_were_not_exposed():
    """A search that exposed no intimate parts does not need the adult."""
    f = a_child(strip_search=strip_search(intimate_parts_exposed="no", aa_present="no",
                                          no_aa_reason="none"))
    assert "SS1" not in raised(evaluate(f))


def test_ss2_fires_for_someone_of_the_opposite_sex_present_unasked():
    """Someone of the opposite sex present, not an adult the detainee asked for, is SS2."""
    fires = finding(strip_search=strip_search(opposite_sex_present="yes"))
    assert one(evaluate(fires), "SS2").detail == (
        "Someone of the opposite sex was present, not at the detainee's request.")
    asked = finding(strip_search=strip_search(opposite_sex_present="requested_aa"))
    assert "SS2" not in raised(evaluate(asked))


def test_ss2_says_everything_it_found():
    """Both failures are named in the escalation's detail."""
    f = finding(strip_search=strip_search(searcher_same_sex="no", opposite_sex_present="yes"))
    assert one(evaluate(f), "SS2").detail == (
        "The searching officer was not the same sex. "
        "Someone of the opposite sex was present, not at the detainee's request.")


@pytest.mark.parametrize("flags, detail", [
    ({"strip_search": strip_search(orifice_contact="yes")},
     "Contact with a body orifice during a strip search (that is an intimate search)."),
    ({"intimate_search": intimate_search(inspector_authorised="no")},
     "No inspector's authority recorded."),
    ({"intimate_search": intimate_search(inspector_authorised="not_recorded")},
     "No inspector's authority recorded."),
    ({"intimate_search": intimate_search(conducted_by_hcp="no")}, "Not done by a doctor or nurse."),
    ({"intimate_search": intimate_search(conducted_by_hcp="not_recorded")},
     "Not done by a doctor or nurse."),
    ({"intimate_search": intimate_search(grounds="class_a_drugs", written_consent="no")},
     "A drugs search without written consent."),
    ({"intimate_search": intimate_search(grounds="class_a_drugs", written_consent="not_recorded")},
     "A drugs search without written consent."),
    ({"intimate_search": intimate_search(grounds="class_a_drugs")},
     "A drugs search without written consent."),
], ids=["strip search with orifice contact", "no inspector authority",
        "inspector authority not recorded", "not by a doctor or nurse",
        "searcher not recorded", "drugs search without written consent",
        "drugs search consent not recorded", "drugs search consent not answered"])
def test_ss3_fires_for_an_unlawful_intimate_search(flags, detail):
    """Orifice contact in a strip search, or an intimate search without an inspector's authority,
    a doctor or nurse, or (for drugs) written consent, is SS3, critical, saying which."""
    e = one(evaluate(finding(**flags)), "SS3")
    assert (e.priority, e.detail) == ("critical", detail)


@pytest.mark.parametrize("flags", [
    {"intimate_search": intimate_search()},
    {"intimate_search": intimate_search(grounds="class_a_drugs", written_consent="yes")},
    {"intimate_search": intimate_search(grounds="not_recorded")},
    {"strip_search": strip_search(orifice_contact="no")},
    {"strip_search": strip_search(orifice_contact="not_recorded")},
], ids=["authorised by a doctor for a harmful item", "drugs search with written consent",
        "grounds not recorded but authorised and by a doctor", "strip search without contact",
        "strip search contact not recorded"])
def test_ss3_does_not_fire_for_a_proper_search(flags):
    """An intimate search done properly, or a strip search with no orifice contact, is not SS3."""
    assert "SS3" not in raised(evaluate(finding(**flags)))


@pytest.mark.parametrize("entry, aa_present, fires", [
    ("child", "no", True), ("child", "not_needed", True), ("child", "yes", False),
    ("vulnerable", "not_recorded", True), ("vulnerable", "yes", False),
    ("adult", "not_needed", False), ("adult", "no", False),
])
def test_ss3_intimate_search_of_a_child_or_vulnerable_adult_needs_an_adult(entry, aa_present, fires):
    """A child (always) or a vulnerable adult intimately searched without an appropriate adult
    is SS3; an adult who is not vulnerable needs none."""
    search = {"intimate_search": intimate_search(aa_present=aa_present)}
    f = {"child": a_child(**search), "adult": finding(**search),
         "vulnerable": finding(checks={"aa": "present"}, **search)}[entry]
    assert ("SS3" in raised(evaluate(f))) is fires


def test_ss3_for_a_child_stays_critical():
    f = a_child(intimate_search=intimate_search(conducted_by_hcp="no", aa_present="yes"))
    assert raised(evaluate(f))["SS3"] == "critical"


def test_ss4_needs_a_child_who_declined_the_adult():
    """SS4 is about a child's own choice: not an adult's, and not for another reason."""
    search = strip_search(aa_present="no", no_aa_reason="declined_aa_agreed", aa_signed_record="no")
    assert "SS4" not in raised(evaluate(finding(ADULT, strip_search=search)))
    other = strip_search(aa_present="no", no_aa_reason="urgent_risk", aa_signed_record="no")
    assert "SS4" not in raised(evaluate(a_child(strip_search=other)))
    assert raised(evaluate(a_child(strip_search=search))) == {"SS4": "high"}


def test_ss6_is_medium_and_high_once_the_2024_proposals_are_in_force():
    """The setting strip_search_2024_proposals_in_force makes SS6 high, as its base priority."""
    fires, _ = CASES["SS6"]
    assert (one(evaluate(fires), "SS6").priority, one(evaluate(fires), "SS6").base_priority) == (
        "medium", "medium")
    in_force = settings_from({"strip_search_2024_proposals_in_force": True})
    e = one(evaluate(fires, settings=in_force), "SS6")
    assert (e.priority, e.base_priority) == ("high", "high")
    assert BY_ID["SS6"].check(fires, in_force) == Hit("high", "No parent or guardian was told.")


@pytest.mark.parametrize("changes", [
    {"parent_informed": "not_known", "safeguarding_referral": "not_known"},
    {}, {"intimate_parts_exposed": "no", "parent_informed": "no", "safeguarding_referral": "no"}],
    ids=["not known", "not answered (optional)", "no intimate parts exposed"])
def test_ss6_stays_quiet_without_a_known_failure(changes):
    """Not known, unanswered, or a search that exposed no intimate parts: no SS6."""
    f = a_child(strip_search=strip_search(**changes))
    assert "SS6" not in raised(evaluate(f))


def test_ss6_does_not_fire_for_an_adult():
    f = finding(strip_search=strip_search(parent_informed="no", safeguarding_referral="no"))
    assert "SS6" not in raised(evaluate(f))


def test_ss7_clothing_removed_from_a_vulnerable_adult():
    """A vulnerable adult's clothing removed without an adult or urgency is SS7; an adult who is
    not vulnerable is not."""
    search = strip_search(context="clothing_removed", intimate_parts_exposed="no",
                          aa_present="no", no_aa_reason="none")
    assert raised(evaluate(finding(checks={"aa": "present"}, strip_search=search))) == {"SS7": "high"}
    assert "SS7" not in raised(evaluate(finding(strip_search=search)))


def test_ss7_gives_way_to_ss1_when_intimate_parts_were_exposed():
    """One event, one escalation: a child's clothing removal exposing intimate parts without an
    adult is SS1 (critical), not SS7 as well."""
    search = strip_search(context="clothing_removed", aa_present="no", no_aa_reason="none")
    assert raised(evaluate(a_child(strip_search=search))) == {"SS1": "critical"}


# Use of force --------------------------------------------------------------------------------


@pytest.mark.parametrize("injury, hcp_seen", [("minor", "no"), ("severe", "not_recorded")])
def test_uf1_fires_for_an_injury_not_seen_by_a_healthcare_professional(injury, hcp_seen):
    """An injury from force that no healthcare professional has seen is UF1."""
    f = finding(use_of_force=use_of_force(detainee_injury=injury, hcp_seen=hcp_seen))
    assert raised(evaluate(f))["UF1"] == "critical"


@pytest.mark.parametrize("injury, hcp_seen", [("severe", "yes"), ("none", "no"),
                                              ("not_known", "no")])
def test_uf1_does_not_fire_when_an_injury_was_seen_or_there_was_none(injury, hcp_seen):
    """An injury seen by a healthcare professional, or no known injury, is not UF1."""
    f = finding(use_of_force=use_of_force(detainee_injury=injury, hcp_seen=hcp_seen))
    assert "UF1" not in raised(evaluate(f))


def test_uf2_fires_for_limb_restraints_on_a_child():
    """Limb restraints (not only a spit guard) on a child are UF2."""
    f = a_child(use_of_force=use_of_force(limb_restraints="yes"))
    assert raised(evaluate(f))["UF2"] == "critical"


@pytest.mark.parametrize("answers, detail", [
    ({"spit_guard": "yes", "spit_guard_minutes": 16}, "A spit and bite guard was on for 16 minutes."),
    ({"limb_restraints": "yes", "restraint_minutes": 40},
     "Leg or limb restraints were on for 40 minutes."),
])
def test_uf3_fires_for_a_spit_guard_or_restraints_on_longer_than_the_limit(answers, detail):
    """Over restraint_minutes_limit (15) is UF3, saying how long; at the limit it is not."""
    e = one(evaluate(finding(use_of_force=use_of_force(**answers))), "UF3")
    assert (e.priority, e.detail) == ("high", detail)
    at_limit = {k: 15 if k.endswith("minutes") else v for k, v in answers.items()}
    assert "UF3" not in raised(evaluate(finding(use_of_force=use_of_force(**at_limit))))


def test_uf3_limit_is_a_setting():
    """The same 20 minutes is UF3 with the default limit and not with a limit of 30."""
    f = finding(use_of_force=use_of_force(spit_guard="yes", spit_guard_minutes=20))
    assert "UF3" in raised(evaluate(f))
    longer = settings_from({"restraint_minutes_limit": 30})
    assert "UF3" not in raised(evaluate(f, settings=longer))


def test_uf5_says_whether_the_taser_was_fired():
    f = finding(use_of_force=use_of_force(taser="fired"))
    assert one(evaluate(f), "UF5").detail == "A Taser was fired or used to drive-stun."
    assert "UF5" not in raised(evaluate(finding(use_of_force=use_of_force(taser="no"))))


# Children ------------------------------------------------------------------------------------


def test_ch5_needs_an_overnight_stay_known_to_be_without_charge():
    """Charged, or not known, or not staying overnight: no CH5."""
    for answers in ({"expected_overnight": "yes", "charged": "not_known"},
                    {"expected_overnight": "yes"},
                    {"expected_overnight": "no", "charged": "no"}):
        assert "CH5" not in raised(evaluate(a_child(child=child(**answers)))), answers


def test_ch7_is_about_girls():
    """The same answer for a boy raises nothing."""
    assert "CH7" not in raised(evaluate(a_child(gender="male", child=child(woman_responsible="no"))))


# Rights, health and welfare checks -----------------------------------------------------------


def test_checks_count_only_for_a_detainee_who_spoke_with_the_visitors():
    """Check answers left on the page for someone who declined are not findings."""
    answers = {"told_rights": "no", "drink_offered": "no", "interpreter": "not_provided"}
    assert set(raised(evaluate(finding(checks=answers)))) == {"RT1", "RT3", "WF1"}
    assert evaluate(finding(checks=answers, consent="declined")) == []


@pytest.mark.parametrize("rule_id, answers, detail", [
    ("RT1", {"told_rights": "no", "written_notice": "no"},
     "Not told their rights. Not given the written notice of rights."),
    ("HL2", {"hcp_seen": "seen", "medication": "no"}, "Not getting the medication they need."),
    ("WF2", {"cell_ok": "no"}, "Cell cold or dirty, or the toilet not working."),
    ("WF3", {"female_staff": "no"}, "Not offered a private word with a female officer."),
])
def test_check_rules_say_what_they_found(rule_id, answers, detail):
    assert one(evaluate(finding(checks=answers)), rule_id).detail == detail


# The visit rules -----------------------------------------------------------------------------


def test_fc1_names_each_safety_concern_with_its_note():
    facilities = {**facility("call_bells", note="Two cells silent"),
                  "fire_safety": {"status": "concern", "note": ""}}
    e = one(evaluate(visit(facilities=facilities), "visit"), "FC1")
    assert e.detail == "Cell call bells: Two cells silent. Fire safety equipment: a concern."


def test_fc1_takes_a_cells_concern_only_for_ligature_points():
    """The cells item covers cleanliness too: only a note naming ligatures is FC1."""
    dirty = visit(facilities=facility("cells", note="Cell 4 dirty"))
    assert evaluate(dirty, "visit") == []
    ligature = visit(facilities=facility("cells", note="Ligature point in cell 4"))
    assert one(evaluate(ligature, "visit"), "FC1").detail == "Cells: Ligature point in cell 4."


def test_ac1_says_how_long_and_the_reason_given():
    v = visit(admitted_at="2026-11-20T10:45:00Z", admission_delay_reason="Suite busy.")
    assert one(evaluate(v, "visit"), "AC1").detail == (
        "Waited 45 minutes to be let in. Reason given: Suite busy.")


def test_ac1_wait_is_a_setting():
    """25 minutes is not AC1 with the default 30 but is with admission_delay_minutes=20."""
    v = visit(admitted_at="2026-11-20T10:25:00Z")
    assert evaluate(v, "visit") == []
    assert raised(evaluate(v, "visit", settings_from({"admission_delay_minutes": 20}))) == {
        "AC1": "high"}


def test_ac4_fires_for_a_visit_made_alone():
    """A visit with no partner raises AC4 (low), with the reason given."""
    v = visit(partner_id=None, single_visitor_reason="Partner unwell.")
    assert raised(evaluate(v, "visit")) == {"AC4": "low"}
    assert one(evaluate(v, "visit"), "AC4").detail == "Visited alone. Reason given: Partner unwell."


def test_ac4_fires_for_a_report_sent_late():
    """A report sent more than report_due_hours (24) after the visit ended is AC4."""
    late = visit(submitted_at="2026-11-21T11:01:00Z")
    assert one(evaluate(late, "visit"), "AC4").detail == "Report sent 24 hours after the visit ended."
    assert evaluate(visit(submitted_at="2026-11-21T11:00:00Z"), "visit") == []
    assert evaluate(late, "visit", settings_from({"report_due_hours": 48})) == []


def test_visit_rules_need_only_what_is_there():
    """A minimal report (no times or facilities) raises only what it shows."""
    assert raised(evaluate({"partner_id": None}, scope="visit")) == {"AC4": "low"}
    assert evaluate({"partner_id": 7}, scope="visit") == []


def test_rules_apply_only_in_their_own_scope():
    """Visit rules are not run on detainee entries, nor detainee rules on visits."""
    assert "AC4" not in raised(evaluate(finding(strip_search=strip_search(searcher_same_sex="no"))))
    v = {"partner_id": 3, **finding(strip_search=strip_search(searcher_same_sex="no"))}
    assert evaluate(v, scope="visit") == []


def test_no_flags_raise_nothing():
    """An entry with no flags or checks raises no escalation, even for a child by age band."""
    assert evaluate(finding()) == []
    assert evaluate(finding(CHILD)) == []


# Modifiers -----------------------------------------------------------------------------------


def test_child_raises_a_high_rule_to_critical():
    """UF4 is high for an adult and critical for a child, saying why."""
    answers = use_of_force(recorded_on_custody_record="no")
    assert raised(evaluate(finding(ADULT, use_of_force=answers)))["UF4"] == "high"
    e = one(evaluate(a_child(use_of_force=answers)), "UF4")
    assert (e.priority, e.base_priority, e.reasons) == (
        "critical", "high", ("A child: one level higher.",))


def test_child_by_flag_alone_raises_the_level():
    """The child flag (appears under 18) raises the level even with an adult age band."""
    f = finding("unknown", child=child(), strip_search=strip_search(reason_recorded="no"))
    assert raised(evaluate(f))["SS5"] == "critical"


def test_vulnerable_adult_raises_the_level():
    """An adult needing an appropriate adult raises a rule not about them by one level."""
    e = one(evaluate(finding(checks={"aa": "present", "drink_offered": "no"})), "WF1")
    assert (e.priority, e.reasons) == ("high", ("A vulnerable adult: one level higher.",))


@pytest.mark.parametrize("rule_id, f", [
    ("SS6", CASES["SS6"][0]), ("CH6", CASES["CH6"][0]), ("SS4", CASES["SS4"][0]),
    ("RT4", finding(checks={"aa": "not_called"})),
    ("SS7", finding(checks={"aa": "present"}, strip_search=strip_search(
        context="clothing_removed", intimate_parts_exposed="no", aa_present="no",
        no_aa_reason="none"))),
], ids=["SS6 child", "CH6 child", "SS4 child", "RT4 vulnerable adult", "SS7 vulnerable adult"])
def test_rule_already_about_children_or_vulnerable_adults_is_not_raised_again(rule_id, f):
    """The rule's own priority already counts the child or vulnerable adult."""
    e = one(evaluate(f), rule_id)
    assert (e.priority, e.reasons) == (BY_ID[rule_id].priority, ())


def test_child_keeps_an_already_critical_rule_critical():
    """SS2 is critical already; for a child it stays critical (never beyond)."""
    f = a_child(strip_search=strip_search(searcher_same_sex="no"))
    assert raised(evaluate(f))["SS2"] == "critical"


def test_child_specific_rule_is_not_raised_again():
    """A rule about children already counts the child: its level is not raised a second time."""
    about_children = Rule("T1", "Test rule about children", "low", "", lambda f, s: True,
                          about_vulnerable=True)
    general = Rule("T2", "Test rule for everyone", "low", "", lambda f, s: True)
    with mock.patch.object(rules, "RULES", [about_children, general]):
        assert raised(evaluate(a_child())) == {"T1": "low", "T2": "medium"}
        assert raised(evaluate(finding(ADULT))) == {"T1": "low", "T2": "low"}


def test_child_modifier_does_not_apply_to_visit_rules():
    """A visit report is not a detainee: a child flag on it changes nothing."""
    v = visit(partner_id=None, flags={"child": child()}, age_band=CHILD)
    assert raised(evaluate(v, "visit")) == {"AC4": "low"}


def test_repeat_modifier_raises_the_third_time_not_the_second():
    """Raised twice before at the suite in the window: this third time is a level higher."""
    f = finding(checks={"drink_offered": "no"})
    assert raised(evaluate(f, repeats={"WF1": 1})) == {"WF1": "medium"}
    e = one(evaluate(f, repeats={"WF1": 2}), "WF1")
    assert (e.priority, e.reasons) == (
        "high", ("Raised 3 times at this suite in 90 days: one level higher.",))
    assert raised(evaluate(f, repeats={"RT1": 5})) == {"WF1": "medium"}, "only the same rule counts"


def test_repeat_modifier_count_and_window_come_from_the_settings():
    """repeat_count and repeat_window_days change when the modifier applies and what it says."""
    settings = settings_from({"repeat_count": 5, "repeat_window_days": 30})
    v = visit(partner_id=None)
    assert raised(evaluate(v, "visit", settings, {"AC4": 3})) == {"AC4": "low"}
    e = one(evaluate(v, "visit", settings, {"AC4": 4}), "AC4")
    assert (e.priority, e.reasons) == (
        "medium", ("Raised 5 times at this suite in 30 days: one level higher.",))


def test_modifiers_stack():
    """A child and a repeat each add a level: WF1 (medium) becomes critical."""
    e = one(evaluate(a_child(checks={"drink_offered": "no"}), repeats={"WF1": 2}), "WF1")
    assert (e.base_priority, e.priority) == ("medium", "critical")
    assert e.reasons == ("A child: one level higher.",
                         "Raised 3 times at this suite in 90 days: one level higher.")


def test_modifiers_never_go_above_critical():
    """A high rule for a child, repeated, is critical: not beyond."""
    e = one(evaluate(a_child(checks={"told_rights": "no"}), repeats={"RT1": 9}), "RT1")
    assert e.priority == "critical" and e.priority_rank == 0


def test_evaluate_puts_the_most_urgent_first():
    """Critical before high, then by rule id, whatever order the rules are listed in."""
    f = finding(strip_search=strip_search(searcher_same_sex="no", reason_recorded="no"),
                use_of_force=use_of_force(allegation="yes", handcuffed_in_cell="yes"))
    found = evaluate(f)
    assert [(e.rule_id, e.priority) for e in found] == [
        ("SS2", "critical"), ("UF1", "critical"), ("SS5", "high"), ("UF3", "high")]
    assert [e.priority_rank for e in found] == [0, 0, 1, 1]


def test_a_hit_can_set_the_priority_and_the_detail():
    """A predicate's Hit overrides the rule's priority (then modifiers apply) and says what it
    found; a plain True keeps the rule's own."""
    hit = Rule("T1", "Test", "low", "", lambda f, s: Hit(priority="high", detail="Exactly this."))
    plain = Rule("T2", "Test", "low", "", lambda f, s: True)
    with mock.patch.object(rules, "RULES", [hit, plain]):
        found = {e.rule_id: e for e in evaluate(a_child())}
    assert (found["T1"].priority, found["T1"].base_priority, found["T1"].detail) == (
        "critical", "high", "Exactly this.")
    assert (found["T2"].priority, found["T2"].base_priority, found["T2"].detail) == (
        "medium", "low", "")


@pytest.mark.parametrize("priority, levels, expected", [
    ("low", 1, "medium"), ("medium", 1, "high"), ("high", 1, "critical"),
    ("critical", 1, "critical"), ("low", 2, "high"), ("low", 10, "critical"),
    ("high", 0, "high"),
])
def test_raise_level_never_goes_above_critical(priority, levels, expected):
    """raise_level moves up the scale and stops at critical."""
    assert raise_level(priority, levels) == expected


# Settings ------------------------------------------------------------------------------------


def test_settings_from_merges_overrides_over_the_defaults():
    settings = settings_from({"admission_delay_minutes": 20, "strip_search_2024_proposals_in_force": True})
    assert settings == {**DEFAULT_SETTINGS, "admission_delay_minutes": 20,
                        "strip_search_2024_proposals_in_force": True}
    assert settings_from(None) == DEFAULT_SETTINGS
    assert DEFAULT_SETTINGS["admission_delay_minutes"] == 30, "the defaults are not changed"


@pytest.mark.parametrize("overrides, message", [
    ({"admision_delay_minutes": 20}, "RULE_SETTINGS has unknown names: admision_delay_minutes"),
    ({"report_due_hours": -1}, "RULE_SETTINGS report_due_hours must be 0 or more, not -1"),
    ({"report_due_hours": "24"}, "RULE_SETTINGS report_due_hours must be a number, not '24'"),
    ({"restraint_minutes_limit": True}, "RULE_SETTINGS restraint_minutes_limit must be a number, not True"),
    ({"strip_search_2024_proposals_in_force": "yes"},
     "RULE_SETTINGS strip_search_2024_proposals_in_force must be True or False, not 'yes'"),
    ({"repeat_count": 1}, "RULE_SETTINGS repeat_count must be 2 or more, not 1"),
    ({"repeat_window_days": 0}, "RULE_SETTINGS repeat_window_days must be 1 or more, not 0"),
], ids=["unknown name", "negative hours", "text for a number", "yes/no for a number",
        "text for yes/no", "repeat count of 1", "window of 0 days"])
def test_settings_from_refuses_a_bad_setting(overrides, message):
    """A typo, a value of the wrong kind or a number out of range stops the app at start."""
    with pytest.raises(ValueError) as refused:
        settings_from(overrides)
    assert str(refused.value) == message


def test_rules_import_neither_flask_nor_the_database():
    """Decisions are pure: the rule modules import no Flask and no sqlite-utils."""
    import ast
    import inspect
    from icv import rule_checks
    for module in (rules, rule_checks):
        tree = ast.parse(inspect.getsource(module))
        names = {n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
        names |= {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
        assert not {n for n in names if n.split(".")[0] in ("flask", "sqlite_utils", "sqlite3")}


# The appropriate adult: one answer (issue 9, 8a) ------------------------------------------

@pytest.mark.parametrize("aa_status, fires", [
    ("not_called", True), ("present", False), ("called_not_arrived", False), ("not_recorded", False)])
def test_a_childs_appropriate_adult_not_called_raises_rt4_from_the_child_flag(aa_status, fires):
    """The child flag's "Appropriate adult: Not called" raises RT4 with no welfare check
    answered (and, the rule being about children, at its own priority); the other answers do
    not."""
    found = {e.rule_id: e for e in evaluate(a_child(child=child(aa_status=aa_status)))}
    assert ("RT4" in found) == fires
    if fires:
        assert (found["RT4"].priority, found["RT4"].reasons) == ("high", ())


def test_the_child_flags_appropriate_adult_counts_even_when_the_child_did_not_speak():
    """The flag is what was seen or recorded, not what the child said: "declined" keeps it."""
    f = a_child(child=child(aa_status="not_called"))
    assert "RT4" in raised(evaluate({**f, "consent": "declined"}))


def test_for_a_child_the_flags_answer_is_the_one_read():
    """Answered two ways (an old report), the child flag's answer decides; with no answer there
    the welfare check still counts."""
    assert "RT4" not in raised(evaluate(a_child({"aa": "not_called"}, child=child(aa_status="present"))))
    assert "RT4" in raised(evaluate(a_child({"aa": "not_called"}, child=child(aa_status="not_recorded"))))
    assert "RT4" in raised(evaluate(a_child({"aa": "present"}, child=child(aa_status="not_called"))))
