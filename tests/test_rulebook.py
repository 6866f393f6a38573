"""The rules page (/rules/): every rule with its priority, rationale, settings and this month's
count; and the rules' settings and new questions working through the app, end to end."""
import json
import re
from datetime import date, timedelta

import pytest

from conftest import clock_time, draft_url, finding_entry, page_text, recent_visit
from icv import create_app, rulebook, rules
from icv.rules import RULES
from icv.times import from_iso, london_today, month_bounds, to_iso, utcnow
from icv.visits import store

SS2 = {"strip_search": {"context": "custody", "intimate_parts_exposed": "yes",
                        "orifice_contact": "no", "aa_present": "not_needed",
                        "searcher_same_sex": "no", "reason_recorded": "yes", "source": "staff"}}


@pytest.fixture
def staff(login_as):
    return login_as("custody_team")


def cards(response):
    """{rule id: the text of its card} on the rules page."""
    return {m[1]: m[2] for m in re.finditer(
        r'<div class="card" id="rule-(\w+)">(.*?)</dl>', page_text(response), re.S)}


def raised_this_month(card):
    """The number against "Raised in <this month>" on a rule's card."""
    return int(re.search(r"<dt>Raised in [A-Z][a-z]+ \d{4}</dt><dd>(\d+)</dd>", card).group(1))


def test_rules_page_lists_every_rule_with_its_priority_and_rationale(staff):
    """Each rule has a card: id, title, priority tag and rationale, grouped by what it reads."""
    response = staff.get("/rules/")
    assert response.status_code == 200
    found = cards(response)
    assert list(found) == [r.id for r in RULES if r.scope == "detainee"] + [
        r.id for r in RULES if r.scope == "visit"] + [r.id for r in RULES if r.scope == "review"] + [
        r.id for r in RULES if r.scope == "monthly"]
    for rule in RULES:
        card = found[rule.id]
        assert f'<span class="tag tag-{rule.priority}">{rule.priority.capitalize()}</span>' in card
        assert f'<h3 class="card-title">{rule.title}</h3>' in card
        assert f"<p>{rule.rationale}</p>" in card
    text = page_text(response)
    assert "<h2>Detainee entries</h2>" in text and "<h2>Whole visit reports</h2>" in text
    assert '<a href="/rules/" aria-current="page">Rules</a>' in text


def test_rules_page_says_which_6b_rules_are_not_checked_and_why(staff):
    """The research rules no report can decide yet are listed with the reason."""
    text = page_text(staff.get("/rules/"))
    assert "<h2>Not checked automatically</h2>" in text
    for rule_id, why in rules.NOT_DECIDED.items():
        if rule_id not in rules.BY_ID:
            assert f"<div><dt>{rule_id}</dt><dd>{why}</dd></div>" in text


def test_rules_page_counts_escalations_raised_this_london_month(staff, make_user, make_visit, make_suite):
    """Raised this month: from midnight on the 1st (London) up to the next month, by rule; last
    month's escalations do not count."""
    today = london_today()
    start, end = month_bounds(today.year, today.month)
    author, partner, suite = make_user("icv"), make_user("icv"), make_suite()
    just_before = to_iso(from_iso(start) - timedelta(seconds=1))
    last_second = to_iso(from_iso(end) - timedelta(seconds=1))
    make_visit(author, suite_id=suite, entries=[finding_entry(flags=SS2)], submitted_at=start)
    make_visit(author, suite_id=suite, entries=[finding_entry(flags=SS2), finding_entry(flags=SS2)],
               partner_id=partner.id, submitted_at=last_second,  # in a pair, reported in time
               arrived_at=to_iso(from_iso(last_second) - timedelta(hours=2)),
               departed_at=to_iso(from_iso(last_second) - timedelta(hours=1)))
    make_visit(author, suite_id=suite, entries=[finding_entry(flags=SS2)], submitted_at=just_before)
    found = cards(staff.get("/rules/"))
    assert raised_this_month(found["SS2"]) == 3
    assert raised_this_month(found["AC4"]) == 1  # the first visit, made alone
    assert raised_this_month(found["SS1"]) == 0
    month_name = date(today.year, today.month, 1).strftime("%B %Y")
    assert f"<dt>Raised in {month_name}</dt>" in found["SS2"]


def test_rules_page_shows_the_settings_each_rule_reads(app, staff):
    """The current values, as this installation set them, against the rules that read them."""
    app.config["RULES"] = rules.settings_from({"admission_delay_minutes": 45, "repeat_count": 4,
                                               "strip_search_2024_proposals_in_force": True})
    response = staff.get("/rules/")
    found = cards(response)
    assert ("<dt>Longest wait to be let in, in minutes (<code>admission_delay_minutes</code>)</dt>"
            "<dd>45</dd>") in found["AC1"]
    assert "(<code>strip_search_2024_proposals_in_force</code>)</dt><dd>Yes</dd>" in found["SS6"]
    assert "(<code>restraint_minutes_limit</code>)</dt><dd>15</dd>" in found["UF3"]
    assert "(<code>report_due_hours</code>)</dt><dd>24</dd>" in found["AC4"]
    assert "<code>" not in found["SS1"]
    assert "the same rule raised at the same suite 4 times or more in 90 days" in page_text(response)


def test_rules_page_says_how_a_review_decides_a_shared_rule(staff):
    """RT2 is one rule: the page gives its title on a review and the wait it allows."""
    found = cards(staff.get("/rules/"))
    assert ("<dt>On a custody record review</dt><dd>" + rules.REVIEW_VARIANTS["RT2"].title) \
        in found["RT2"]
    assert "(<code>legal_advice_wait_hours</code>)</dt><dd>2</dd>" in found["RT2"]


def test_rules_page_marks_rules_already_about_children(staff):
    found = cards(staff.get("/rules/"))
    assert "already counted in its priority" in found["CH1"]
    assert "already counted in its priority" not in found["SS2"]


# Settings reach the app ---------------------------------------------------------------------


def test_app_takes_rule_settings_from_its_configuration(tmp_path):
    app = create_app({"TESTING": True, "SECRET_KEY": "test", "DATABASE": str(tmp_path / "x.sqlite"),
                      "RULE_SETTINGS": {"report_due_hours": 48}})
    assert app.config["RULES"]["report_due_hours"] == 48


@pytest.mark.parametrize("settings", [{"report_due_hours": -2}, {"admision_delay_minutes": 5}])
def test_app_refuses_to_start_with_a_bad_rule_setting(tmp_path, settings):
    """A negative number of hours, or a misspelt name, stops the app at start."""
    with pytest.raises(ValueError, match="RULE_SETTINGS"):
        create_app({"TESTING": True, "SECRET_KEY": "test",
                    "DATABASE": str(tmp_path / "x.sqlite"), "RULE_SETTINGS": settings})


@pytest.mark.parametrize("window, expected", [(90, "medium"), (30, "low")])
def test_repeat_window_comes_from_the_settings(app, db, make_user, make_visit, make_suite, login_as,
                                               report_form, window, expected):
    """Two AC4s at a suite 40 days ago make a third, sent through the app, medium in a 90-day
    window, but not in a 30-day one."""
    app.config["RULES"] = rules.settings_from({"repeat_window_days": window})
    author, suite = make_user("icv"), make_suite()
    long_ago = to_iso(utcnow() - timedelta(days=40))
    for _ in range(2):
        make_visit(author, suite_id=suite, submitted_at=long_ago, hours_ago=40 * 24)
    data = report_form(suite_id=suite)
    assert login_as(author).post(draft_url(data), data=data).status_code == 302
    [visit_id] = [r["id"] for r in db["visits"].rows_where("client_id = ?", [data["client_id"]])]
    row = next(db["escalations"].rows_where("visit_id = ? AND rule_id = 'AC4'", [visit_id]))
    assert row["priority"] == expected


# A report through the app raises the new rules -----------------------------------------------


def test_a_report_submitted_through_the_app_raises_the_new_rules(login_as, report_form, db):
    """A report with a long wait to be let in, a CCTV concern, a Taser drawn, a spit guard on
    for 30 minutes and a detainee not told their rights raises AC1, FC1, UF3, UF5 and RT1 (with
    AC4: visited alone), each saying what it found; unanswered optional questions are not
    stored."""
    icv = login_as("icv")
    data = report_form(**{
        "admitted_time": clock_time(recent_visit()[1], 45), "admission_delay_reason": "The suite was busy.",
        "facilities-cctv": "concern", "facilities-cctv_note": "Camera in cell 3 dark",
        "detainees-0-checks-told_rights": "no",
        "detainees-0-use_of_force": "yes",
        **{f"detainees-0-use_of_force_answers-{k}": v for k, v in {
            "phase": "in_cell", "spit_guard": "yes", "spit_guard_minutes": "30",
            "limb_restraints": "no", "handcuffed_in_cell": "no", "taser": "drawn",
            "detainee_injury": "none", "hcp_seen": "yes", "allegation": "no",
            "recorded_on_custody_record": "yes", "source": "staff"}.items()}})
    response = icv.post(draft_url(data), data=data)
    assert response.status_code == 302, response.text
    found = {r["rule_id"]: r for r in db["escalations"].rows}
    assert set(found) == {"AC1", "AC4", "FC1", "RT1", "UF3", "UF5"}
    assert found["AC1"]["detail"] == "Waited 45 minutes to be let in. Reason given: The suite was busy."
    assert found["FC1"]["detail"] == "CCTV: Camera in cell 3 dark."
    assert found["UF3"]["detail"] == "A spit and bite guard was on for 30 minutes."
    assert found["UF5"]["detail"] == "A Taser was drawn or aimed."
    assert (found["RT1"]["priority"], found["AC1"]["priority"]) == ("high", "high")
    assert found["AC1"]["detainee_entry_id"] is None and found["UF5"]["detainee_entry_id"]
    answers = json.loads(next(db["flags"].rows)["answers"])
    assert answers["spit_guard_minutes"] == 30 and answers["taser"] == "drawn"
    assert "restraint_minutes" not in answers  # a follow-up that does not apply


def test_a_correction_does_not_make_a_report_late(login_as, make_user, make_visit, db):
    """AC4's lateness is measured to when the report was first sent, not to a correction."""
    author = make_user("icv")
    sent = to_iso(utcnow() - timedelta(days=3))
    visit_id = make_visit(author, partner_id=make_user("icv").id, hours_ago=3 * 24 + 2,
                          submitted_at=sent)
    assert db["escalations"].count == 0
    visit = db["visits"].get(visit_id)
    report = {"client_id": visit["client_id"], "in_custody": 10, "spoke_with": 5, "entries": [],
              **{c: visit[c] for c in ("suite_id", "partner_id", "arrived_at", "departed_at")}}
    store.correct_visit(db, visit_id, author.id, report, [], "A typing slip.", 1,
                        **rulebook.built_in())
    assert db["escalations"].count == 0
