"""Escalation rules: pure functions, so these tests need no app, database or fixtures."""
from unittest import mock

import pytest

from icv import rules
from icv.rules import BY_ID, DEFAULT_SETTINGS, RULES, Rule, evaluate, raise_level

ADULT = "25-34"
CHILD = "14-15"


def finding(age_band=ADULT, **flags):
    """A detainee entry as the rules see it."""
    return {"age_band": age_band, "flags": flags}


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


def raised(found):
    """{rule id: priority} of evaluate()'s result."""
    return {e.rule_id: e.priority for e in found}


# For each rule: a finding that fires it and one, as close as possible, that does not.
CASES = {
    "SS1": (finding(CHILD, strip_search=strip_search(aa_present="no", no_aa_reason="none"),
                    child=child()),
            finding(CHILD, strip_search=strip_search(aa_present="yes"), child=child())),
    "SS2": (finding(strip_search=strip_search(searcher_same_sex="no")),
            finding(strip_search=strip_search(searcher_same_sex="yes"))),
    "SS3": (finding(intimate_search=intimate_search(inspector_authorised="no")),
            finding(intimate_search=intimate_search(inspector_authorised="yes"))),
    "SS5": (finding(strip_search=strip_search(reason_recorded="no")),
            finding(strip_search=strip_search(reason_recorded="not_known"))),
    "UF1": (finding(use_of_force=use_of_force(allegation="yes")),
            finding(use_of_force=use_of_force(allegation="no"))),
    "UF2": (finding(CHILD, use_of_force=use_of_force(spit_guard="yes"), child=child()),
            finding(ADULT, use_of_force=use_of_force(spit_guard="yes"))),
    "UF3": (finding(use_of_force=use_of_force(handcuffed_in_cell="yes")),
            finding(use_of_force=use_of_force(handcuffed_in_cell="not_recorded"))),
    "UF4": (finding(use_of_force=use_of_force(recorded_on_custody_record="no")),
            finding(use_of_force=use_of_force(recorded_on_custody_record="not_known"))),
    "CH1": (finding(CHILD, child=child(sharing_with_adult="yes")),
            finding(CHILD, child=child(sharing_with_adult="not_recorded"))),
}


def test_every_rule_has_a_firing_and_a_quiet_case():
    """A new rule in RULES must come with its cases here (AC4 is the one visit rule, below)."""
    assert set(CASES) | {"AC4"} == set(BY_ID)


@pytest.mark.parametrize("rule_id", sorted(CASES))
def test_rule_fires(rule_id):
    """The finding built to break the rule raises it, with the rule's title."""
    fires, _ = CASES[rule_id]
    assert BY_ID[rule_id].check(fires, DEFAULT_SETTINGS)
    found = [e for e in evaluate(fires) if e.rule_id == rule_id]
    assert len(found) == 1
    assert found[0].title == BY_ID[rule_id].title


@pytest.mark.parametrize("rule_id", sorted(CASES))
def test_rule_stays_quiet(rule_id):
    """The nearly identical finding that keeps the rule does not raise it."""
    _, quiet = CASES[rule_id]
    assert not BY_ID[rule_id].check(quiet, DEFAULT_SETTINGS)
    assert rule_id not in raised(evaluate(quiet))


def test_rule_priorities_follow_the_rule_table():
    """Priorities and scopes as in domain.md 6b."""
    assert {r.id: r.priority for r in RULES} == {
        "SS1": "critical", "SS2": "critical", "SS3": "critical", "SS5": "high",
        "UF1": "critical", "UF2": "critical",
        "UF3": "high", "UF4": "high", "CH1": "critical", "AC4": "low"}
    assert {r.id for r in RULES if r.scope == "visit"} == {"AC4"}
    assert {r.id for r in RULES if r.about_vulnerable} == {"SS1", "UF2", "CH1"}


# SS1: the Child Q rule and its exceptions ---------------------------------------------------


def test_ss1_fires_for_a_child_by_age_band_alone():
    """An under-18 age band makes a child even without the child flag."""
    f = finding("16-17", strip_search=strip_search(aa_present="not_recorded", no_aa_reason="none"))
    assert raised(evaluate(f))["SS1"] == "critical"


def test_ss1_fires_when_exposure_is_not_recorded():
    """'Not recorded' whether intimate parts were exposed is not a defence."""
    f = finding(CHILD, child=child(), strip_search=strip_search(
        intimate_parts_exposed="not_recorded", aa_present="no", no_aa_reason="none"))
    assert "SS1" in raised(evaluate(f))


@pytest.mark.parametrize("reason", ["urgent_risk", "declined_aa_agreed"])
def test_ss1_valid_exceptions_do_not_fire(reason):
    """Urgent risk, or a child who declined with the adult's signed agreement, are exceptions."""
    f = finding(CHILD, child=child(),
                strip_search=strip_search(aa_present="no", no_aa_reason=reason))
    assert "SS1" not in raised(evaluate(f))


def test_ss1_does_not_fire_for_an_adult():
    """The same search of an adult is not SS1."""
    f = finding(ADULT, strip_search=strip_search(aa_present="no", no_aa_reason="none"))
    assert "SS1" not in raised(evaluate(f))


def test_ss1_does_not_fire_when_intimate_parts_were_not_exposed():
    """A search that exposed no intimate parts does not need the adult."""
    f = finding(CHILD, child=child(), strip_search=strip_search(
        intimate_parts_exposed="no", aa_present="no", no_aa_reason="none"))
    assert "SS1" not in raised(evaluate(f))


# SS3: intimate searches and orifice contact --------------------------------------------------


@pytest.mark.parametrize("flags", [
    {"strip_search": strip_search(orifice_contact="yes")},
    {"intimate_search": intimate_search(inspector_authorised="no")},
    {"intimate_search": intimate_search(inspector_authorised="not_recorded")},
    {"intimate_search": intimate_search(conducted_by_hcp="no")},
    {"intimate_search": intimate_search(conducted_by_hcp="not_recorded")},
    {"intimate_search": intimate_search(grounds="class_a_drugs", written_consent="no")},
    {"intimate_search": intimate_search(grounds="class_a_drugs", written_consent="not_recorded")},
    {"intimate_search": intimate_search(grounds="class_a_drugs")},
], ids=["strip search with orifice contact", "no inspector authority",
        "inspector authority not recorded", "not by a doctor or nurse",
        "searcher not recorded", "drugs search without written consent",
        "drugs search consent not recorded", "drugs search consent not answered"])
def test_ss3_fires_for_an_unlawful_intimate_search(flags):
    """Orifice contact in a strip search, or an intimate search without an inspector's authority,
    a doctor or nurse, or (for drugs) written consent, is SS3, critical."""
    assert raised(evaluate(finding(**flags)))["SS3"] == "critical"


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


def test_ss3_for_a_child_stays_critical():
    f = finding(CHILD, child=child(), intimate_search=intimate_search(conducted_by_hcp="no"))
    assert raised(evaluate(f))["SS3"] == "critical"


# UF1: allegation or injury not seen ----------------------------------------------------------


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
    f = finding(CHILD, child=child(), use_of_force=use_of_force(limb_restraints="yes"))
    assert raised(evaluate(f))["UF2"] == "critical"


def test_no_flags_raise_nothing():
    """An entry with no flags raises no escalation, even for a child by age band."""
    assert evaluate(finding()) == []
    assert evaluate(finding(CHILD)) == []


# AC4: the visit-scope rule -------------------------------------------------------------------


def test_ac4_fires_for_a_visit_made_alone():
    """A visit with no partner raises AC4 (low)."""
    assert raised(evaluate({"partner_id": None}, scope="visit")) == {"AC4": "low"}


def test_ac4_does_not_fire_for_a_visit_in_a_pair():
    """A visit with a partner raises nothing."""
    assert evaluate({"partner_id": 7}, scope="visit") == []


def test_rules_apply_only_in_their_own_scope():
    """Visit rules are not run on detainee entries, nor detainee rules on visits."""
    assert "AC4" not in raised(evaluate(finding(strip_search=strip_search(searcher_same_sex="no"))))
    visit = {"partner_id": 3, **finding(strip_search=strip_search(searcher_same_sex="no"))}
    assert evaluate(visit, scope="visit") == []


# The child modifier --------------------------------------------------------------------------


def test_child_raises_a_high_rule_to_critical():
    """UF4 is high for an adult and critical for a child."""
    answers = use_of_force(recorded_on_custody_record="no")
    assert raised(evaluate(finding(ADULT, use_of_force=answers)))["UF4"] == "high"
    as_child = finding(CHILD, use_of_force=answers, child=child())
    assert raised(evaluate(as_child))["UF4"] == "critical"


def test_child_by_flag_alone_raises_the_level():
    """The child flag (appears under 18) raises the level even with an adult age band."""
    f = finding("unknown", child=child(), strip_search=strip_search(reason_recorded="no"))
    assert raised(evaluate(f))["SS5"] == "critical"


def test_child_keeps_an_already_critical_rule_critical():
    """SS2 is critical already; for a child it stays critical (never beyond)."""
    f = finding(CHILD, child=child(), strip_search=strip_search(searcher_same_sex="no"))
    assert raised(evaluate(f))["SS2"] == "critical"


def test_child_specific_rule_is_not_raised_again():
    """A rule about children already counts the child: its level is not raised a second time."""
    about_children = Rule("T1", "Test rule about children", "low", "", lambda f, s: True,
                          about_vulnerable=True)
    general = Rule("T2", "Test rule for everyone", "low", "", lambda f, s: True)
    with mock.patch.object(rules, "RULES", [about_children, general]):
        assert raised(evaluate(finding(CHILD, child=child()))) == {"T1": "low", "T2": "medium"}
        assert raised(evaluate(finding(ADULT))) == {"T1": "low", "T2": "low"}


def test_evaluate_puts_the_most_urgent_first():
    """Critical before high, then by rule id, whatever order the rules are listed in."""
    f = finding(strip_search=strip_search(searcher_same_sex="no", reason_recorded="no"),
                use_of_force=use_of_force(allegation="yes", handcuffed_in_cell="yes"))
    found = evaluate(f)
    assert [(e.rule_id, e.priority) for e in found] == [
        ("SS2", "critical"), ("UF1", "critical"), ("SS5", "high"), ("UF3", "high")]
    assert [e.priority_rank for e in found] == [0, 0, 1, 1]


@pytest.mark.parametrize("priority, levels, expected", [
    ("low", 1, "medium"), ("medium", 1, "high"), ("high", 1, "critical"),
    ("critical", 1, "critical"), ("low", 2, "high"), ("low", 10, "critical"),
    ("high", 0, "high"),
])
def test_raise_level_never_goes_above_critical(priority, levels, expected):
    """raise_level moves up the scale and stops at critical."""
    assert raise_level(priority, levels) == expected
