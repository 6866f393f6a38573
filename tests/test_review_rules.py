"""The custody record review rules, decided by the times of a whole detention: each fires on a
record that breaks it and stays quiet on the nearest one that does not. Pure: no app.

A review runs through the detainee rules (its flags) and the review rules (its times), as
icv.reviews.store.run_rules does; shared ids (RT1-RT4, HL2, CH5) are one rule each."""
from datetime import date, time, timedelta

import pytest

from icv import rules
from icv.reviews import checks, derive
from icv.reviews.store import finding as review_finding
from icv.reviews.store import run_rules
from icv.rules import BY_ID, DEFAULT_SETTINGS
from icv.times import to_iso

DAY = "2026-11-20"
GOOD_CARE = {"written_notice": "compliant", "medication": "n_a"}


def times(day=DAY, **steps):
    """{event: UTC text} from London clock times: name="HH:MM" on `day`, or (days later, "HH:MM")."""
    found = {}
    for name, value in steps.items():
        if value is None:  # not on the record
            continue
        offset, clock = value if isinstance(value, tuple) else (0, value)
        found[name] = to_iso(derive.at_london(date.fromisoformat(day) + timedelta(days=offset),
                                              time.fromisoformat(clock)))
    return found


def reviews(*done, day=DAY, reason="", representations="yes"):
    """Detention reviews done at these London clock times (or (days later, "HH:MM"))."""
    return [{"due": None, "done": times(day, t=d)["t"] if d else None, "postponed_reason": reason,
             "representations": representations} for d in done]


# An adult held 10 hours: arrived 10:00, authorised 10:30, rights 10:35, one review on time.
BASE_TIMES = dict(arrived="10:00", booked_in="10:20", detention_authorised="10:30",
                  rights_given="10:35", released="20:00")


def review(markers=(), age_band="25-34", disposal="nfa", steps=None, done=("16:15",), care=None,
           **extra):
    """A review finding as store.finding() builds it."""
    return review_finding({
        "age_band": age_band, "gender": "male", "markers": list(markers), "disposal": disposal,
        "times": times(**{**BASE_TIMES, **(steps or {})}),
        "reviews": extra.pop("reviews", reviews(*done)),
        "care_checks": {**GOOD_CARE, **(care or {})}, "flags": extra.pop("flags", {}), **extra})


def raised(found):
    return {e.rule_id: e.priority for e in run_rules(found, DEFAULT_SETTINGS)}


def test_a_good_record_raises_nothing():
    assert raised(review()) == {}


# For each rule: a record that breaks it, and the nearest one that does not.
CASES = {
    "DT1": (review(steps={"released": (1, "10:30")}, done=("16:15", (1, "01:00"), (1, "09:50"))),
            review(steps={"released": (1, "09:50")}, done=("16:15", (1, "01:00"), (1, "09:50")))),
    "DT2": (review(done=("18:05",)), review(done=("16:30",))),
    "DT3": (review(reviews=reviews("18:05", reason="Detainee in interview")),
            review(reviews=reviews("16:15", representations="not_recorded"))),
    "RT1": (review(steps={"rights_given": None}), review()),
    "RT2": (review(steps={"legal_advice_requested": "10:40", "legal_advice_consulted": "12:45"}),
            review(steps={"legal_advice_requested": "10:40", "legal_advice_consulted": "12:40"})),
    "RT3": (review(markers=["interpreter_needed"], steps={"interpreter": "11:00"}),
            review(markers=["interpreter_needed"], steps={"interpreter": "10:34"})),
    "RT4": (review(markers=["vulnerable_adult"], steps={"aa_called": "10:40"}),
            review(markers=["vulnerable_adult"], steps={"aa_called": "10:40", "aa_arrived": "12:00"})),
    "HL2": (review(steps={"hcp_referred": "10:40", "hcp_seen": "12:50"}),
            review(steps={"hcp_referred": "10:40", "hcp_seen": "12:40"})),
    "CH5": (review(age_band="16-17", steps={"released": (1, "08:00")}, done=("16:15", (1, "01:00"))),
            review(age_band="16-17", steps={"released": (1, "05:30")}, done=("16:15", (1, "01:00")))),
    "CH8": (review(age_band="16-17", steps={"aa_called": "10:40", "aa_arrived": "12:50"}),
            review(age_band="16-17", steps={"aa_called": "10:40", "aa_arrived": "12:40"})),
}


def test_every_review_rule_has_a_case():
    assert set(CASES) >= {r.id for r in rules.REVIEW_RULES}
    assert {"DT1", "DT2", "DT3", "RT1", "RT2", "RT3", "RT4"} <= set(CASES)


@pytest.mark.parametrize("rule_id", sorted(CASES))
def test_review_rule_fires(rule_id):
    fires, _ = CASES[rule_id]
    assert rules.for_review(BY_ID[rule_id])[0](fires, DEFAULT_SETTINGS)
    assert rule_id in raised(fires)


@pytest.mark.parametrize("rule_id", sorted(CASES))
def test_review_rule_stays_quiet(rule_id):
    _, quiet = CASES[rule_id]
    assert not rules.for_review(BY_ID[rule_id])[0](quiet, DEFAULT_SETTINGS)
    assert rule_id not in raised(quiet)


# DT1: time limits ---------------------------------------------------------------------------------

def test_dt1_is_critical_and_says_why():
    [e] = [e for e in run_rules(CASES["DT1"][0], DEFAULT_SETTINGS) if e.rule_id == "DT1"]
    assert e.priority == "critical"
    assert e.detail == "Held 24.5 hours before charge, past 24 hours, with no superintendent's extension"


def test_dt1_quiet_with_an_extension_given_in_time():
    f = review(steps={"released": (1, "12:00"), "superintendent_extension": (1, "09:00")},
               done=("16:15", (1, "01:00"), (1, "09:50")))
    assert "DT1" not in raised(f)


def test_dt1_fires_past_36_hours_without_a_warrant():
    f = review(steps={"released": (1, "23:00"), "superintendent_extension": (1, "09:00")},
               done=("16:15", (1, "01:00"), (1, "09:50"), (1, "18:40")))
    assert "no warrant" in checks.dt1(f, DEFAULT_SETTINGS).detail


def test_dt1_counts_to_charge_not_release():
    f = review(disposal="charged_remanded", steps={"charge_or_disposal": (1, "09:00"), "released": (1, "14:00")},
               done=("16:15", (1, "01:00"), (1, "09:50")))
    assert "DT1" not in raised(f)


def test_dt1_across_the_autumn_clock_change_counts_real_hours():
    """Arrived 10:00 BST on Saturday 24 October; released 09:30 GMT on Sunday, 24.5 hours later
    although the clock moved only 23.5 hours."""
    f = review(steps={"arrived": "10:00", "detention_authorised": "10:30", "booked_in": "10:20",
                      "rights_given": "10:35", "released": (1, "09:30")},
               reviews=reviews("16:15", (1, "00:50"), (1, "09:00"), day="2026-10-24"))
    f["times"] = times("2026-10-24", **{**BASE_TIMES, "released": (1, "09:30")})
    assert "DT1" in raised(f)
    f["times"] = times("2026-10-24", **{**BASE_TIMES, "released": (1, "08:30")})
    assert "DT1" not in raised(f)


# DT2, DT3: reviews ------------------------------------------------------------------------------------

def test_dt2_says_which_review_was_late_and_by_how_much():
    detail = checks.dt2(review(done=("18:05",)), DEFAULT_SETTINGS).detail
    assert detail == ("Review 1 was due at Fri 20 Nov, 16:30 and done at Fri 20 Nov, 18:05, 1 h 35 min "
                      "late. No reason for postponing it is recorded.")


def test_dt2_fires_for_a_review_never_done():
    f = review(done=())
    assert raised(f)["DT2"] == "high"
    assert "none is recorded" in checks.dt2(f, DEFAULT_SETTINGS).detail


def test_dt2_fires_for_a_missed_second_review_across_midnight():
    """Authorised 22:30, first review 04:20 (due 04:30), released 14:00: the second was due 13:20."""
    f = review(steps={"arrived": "22:00", "booked_in": "22:15", "detention_authorised": "22:30",
                      "rights_given": "22:35", "released": (1, "14:00")}, done=((1, "04:20"),))
    assert "Review 2 was due at Sat 21 Nov, 13:20" in checks.dt2(f, DEFAULT_SETTINGS).detail


def test_dt2_for_a_child_is_critical():
    f = review(age_band="14-15", done=("18:05",), flags={"child": {"aa_status": "present"}})
    assert raised(f)["DT2"] == "critical"


def test_dt2_with_a_postponement_reason_is_dt3_instead():
    f = review(reviews=reviews("18:05", reason="In interview"))
    assert "DT2" not in raised(f) and raised(f)["DT3"] == "medium"


def test_dt3_fires_when_representations_were_not_invited():
    f = review(reviews=reviews("16:15", representations="no"))
    assert raised(f) == {"DT3": "medium"}


def test_review_grace_setting_keeps_a_few_minutes_quiet():
    f = review(done=("16:40",))
    assert "DT2" in raised(f)
    assert "DT2" not in {e.rule_id for e in run_rules(f, {**DEFAULT_SETTINGS, "review_grace_minutes": 15})}


def test_dt2_on_the_night_the_clocks_go_forward():
    """Authorised 22:30 GMT on 28 March: due 04:30 UTC, 05:30 on London clocks. Done 05:20 BST
    is on time; the same 05:20 the night before a normal Sunday would be late."""
    base = {**BASE_TIMES, "arrived": "22:00", "booked_in": "22:15", "detention_authorised": "22:30",
            "rights_given": "22:35", "released": (1, "09:00")}
    f = review()
    f["times"] = times("2026-03-28", **base)
    f["reviews"] = reviews((1, "05:20"), day="2026-03-28")
    assert "DT2" not in raised(f)
    f["times"] = times("2026-11-20", **base)
    f["reviews"] = reviews((1, "05:20"), day="2026-11-20")
    assert "DT2" in raised(f)


# RT rules ------------------------------------------------------------------------------------------

def test_rt1_fires_when_the_written_notice_is_not_recorded():
    assert "RT1" in raised(review(care={"written_notice": "not_recorded"}))
    assert "RT1" not in raised(review(care={"written_notice": "late_or_partial"}))


def test_rt2_not_when_a_delay_was_authorised_under_annex_b():
    f = review(steps={"legal_advice_requested": "10:40", "legal_advice_consulted": "14:00"},
               legal_advice_delay_authorised="yes")
    assert "RT2" not in raised(f)


def test_rt2_when_advice_was_never_had_before_release():
    f = review(steps={"legal_advice_requested": "10:40"})
    assert "not had before release" in checks.rt2(f, DEFAULT_SETTINGS).detail


def test_rt2_across_midnight():
    """Asked at 23:30, had at 01:45: 2 h 15 min across midnight."""
    f = review(steps={"arrived": "22:00", "booked_in": "22:15", "detention_authorised": "22:30",
                      "rights_given": "22:35", "legal_advice_requested": "23:30",
                      "legal_advice_consulted": (1, "01:45"), "released": (1, "03:00")}, done=())
    assert "2 h 15 min later" in checks.rt2(f, DEFAULT_SETTINGS).detail


def test_rt3_when_no_interpreter_is_recorded():
    assert "RT3" in raised(review(markers=["interpreter_needed"]))
    assert "RT3" not in raised(review())


def test_rt4_is_not_for_a_child_and_the_vulnerable_modifier_does_not_apply():
    f = review(markers=["vulnerable_adult"])
    assert raised(f)["RT4"] == "high"  # about vulnerable adults: not raised a level
    assert "RT4" not in raised(review(age_band="14-15", markers=["vulnerable_adult"],
                                      flags={"child": {"aa_status": "present"}}))


def test_a_vulnerable_adult_raises_other_rules_a_level():
    f = review(markers=["vulnerable_adult"], done=("18:05",),
               steps={"aa_called": "10:40", "aa_arrived": "11:00"})
    assert raised(f) == {"DT2": "critical"}


# Children ----------------------------------------------------------------------------------------

def test_ch5_fires_for_a_child_held_more_than_24_hours_even_if_charged():
    f = review(age_band="16-17", disposal="charged_remanded",
               steps={"charge_or_disposal": "20:00", "released": (1, "11:00")}, done=("16:15", (1, "01:00"), (1, "09:50")))
    assert checks.ch5(f, DEFAULT_SETTINGS).detail == "A child held 25 hours."


def test_ch5_not_for_a_charged_child_overnight_within_24_hours():
    f = review(age_band="16-17", disposal="charged_remanded", steps={"released": (1, "08:00")},
               done=("16:15", (1, "01:00")))
    assert "CH5" not in raised(f)


def test_ch8_is_high_for_a_child_kept_waiting_over_four_hours():
    f = review(age_band="16-17", steps={"aa_called": "10:40", "aa_arrived": "15:00"})
    assert raised(f)["CH8"] == "high"


def test_ch8_for_a_vulnerable_adult_waits_four_hours():
    f = review(markers=["vulnerable_adult"], steps={"aa_called": "10:40", "aa_arrived": "14:30"})
    assert "CH8" not in raised(f)
    f = review(markers=["vulnerable_adult"], steps={"aa_called": "10:40", "aa_arrived": "14:50"})
    assert raised(f)["CH8"] == "medium"


def test_ch8_when_the_adult_never_came():
    f = review(age_band="16-17", steps={"aa_called": "10:40"})
    assert "had not come" in checks.ch8(f, DEFAULT_SETTINGS).detail


# The flags, and rules shared with detainee entries ------------------------------------------------

def test_the_flag_rules_apply_to_a_review():
    """A strip search by an officer of the other sex on the record raises SS2, as on a visit."""
    search = {"context": "custody", "intimate_parts_exposed": "yes", "orifice_contact": "no",
              "aa_present": "not_needed", "searcher_same_sex": "no", "reason_recorded": "yes",
              "source": "custody_record"}
    assert raised(review(flags={"strip_search": search})) == {"SS2": "critical"}


def test_visit_only_checks_never_fire_on_a_review():
    """A review has no visit checks: the rules on what a visitor heard stay quiet."""
    assert raised(review()) == {}
    assert "checks" not in review()


def test_shared_rules_still_decide_detainee_entries_their_own_way():
    """RT2 on a detainee entry is still the visit's question, not a time."""
    entry = {"age_band": "25-34", "consent": "yes", "flags": {},
             "checks": {"legal_advice": "refused_by_police"}}
    assert BY_ID["RT2"].check(entry, DEFAULT_SETTINGS)
    assert "RT2" in {e.rule_id for e in rules.evaluate(entry, "detainee")}
    assert not BY_ID["RT2"].check({**entry, "checks": {}}, DEFAULT_SETTINGS)


def test_each_rule_id_is_one_rule():
    assert len({r.id for r in rules.RULES}) == len(rules.RULES)


def test_review_rules_name_their_settings():
    for rule in rules.RULES:
        for name in rule.settings:
            assert name in DEFAULT_SETTINGS, (rule.id, name)


def test_a_shared_rule_raised_by_a_review_says_what_the_review_found():
    """RT2 on a review is about a wait of over 2 hours, not a refusal by the police: its
    escalation is titled for reviews."""
    [e] = [e for e in run_rules(CASES["RT2"][0], DEFAULT_SETTINGS) if e.rule_id == "RT2"]
    assert e.title == rules.REVIEW_VARIANTS["RT2"].title
    assert e.title != BY_ID["RT2"].title


@pytest.mark.parametrize("aa_status, fires", [
    ("not_called", True), ("present", False), ("called_not_arrived", False), ("not_recorded", False)])
def test_rt4_for_a_child_whose_appropriate_adult_was_not_called(aa_status, fires):
    """On a review too, the child flag's "Appropriate adult: Not called" raises RT4 (at its own
    priority: the rule is about children and vulnerable adults), under a title that says so."""
    found = {e.rule_id: e for e in run_rules(
        review(age_band="14-15", flags={"child": {"aa_status": aa_status}}), DEFAULT_SETTINGS)}
    assert ("RT4" in found) == fires
    if fires:
        assert found["RT4"].priority == "high"
        assert found["RT4"].title == "Child or vulnerable adult without an appropriate adult"
        assert "no appropriate adult was called" in found["RT4"].detail
