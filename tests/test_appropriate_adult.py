"""A child's appropriate adult is one answer (issue 9, 8a): the child flag's "Appropriate
adult" raises RT4 when it says "Not called", from a visit report and from a custody record
review, and the welfare check cannot say otherwise for the same child."""
import json

import pytest

from conftest import detainee_fields, draft_url, error_messages
from review_helpers import make_eligible, make_review
from test_reviews import check_and_submit

CHILD = {"age_band": "14-15", "appears_under_18": "yes", "child": "yes",
         "child_answers-held_in": "juvenile_room", "child_answers-sharing_with_adult": "no",
         "child_answers-expected_overnight": "no"}


def child_report(report_form, make_user, aa_status, **entry):
    """A report made in a pair (so only the child's own findings are raised) about one child."""
    return report_form(partner_id=str(make_user("icv").id), single_visitor_reason="",
                       **{"groups-children": "1"},
                       **detainee_fields(0, **CHILD, **{"child_answers-aa_status": aa_status}, **entry))


def raised(db):
    return {e["rule_id"] for e in db["escalations"].rows}


@pytest.mark.parametrize("aa_status, fires", [
    ("not_called", True), ("present", False), ("called_not_arrived", False), ("not_recorded", False)])
def test_a_child_whose_appropriate_adult_was_not_called_raises_rt4(login_as, make_user, report_form,
                                                                   db, aa_status, fires):
    """Answered once, in the child questions, with the welfare check left blank."""
    data = child_report(report_form, make_user, aa_status)
    assert login_as("icv").post(draft_url(data), data=data).status_code == 302
    assert ("RT4" in raised(db)) == fires


def test_the_childs_answer_is_stored_as_the_welfare_check_too(login_as, make_user, report_form, db):
    """The report shows one answer: the check takes the child flag's."""
    data = child_report(report_form, make_user, "called_not_arrived")
    assert login_as("icv").post(draft_url(data), data=data).status_code == 302
    assert json.loads(next(db["detainee_entries"].rows)["checks"])["aa"] == "waiting"


def test_the_same_answer_twice_is_accepted(login_as, make_user, report_form, db):
    data = child_report(report_form, make_user, "not_called", **{"checks-aa": "not_called"})
    assert login_as("icv").post(draft_url(data), data=data).status_code == 302
    assert "RT4" in raised(db)


def test_a_draft_from_before_keeps_the_child_questions_answer(login_as, make_user, report_form, db):
    """A draft made when the child questions asked too: their answer is the one kept, as it was."""
    data = child_report(report_form, make_user, "not_called", **{"checks-aa": "present"})
    assert login_as("icv").post(draft_url(data), data=data).status_code == 302
    assert json.loads(next(db["detainee_entries"].rows)["checks"])["aa"] == "not_called"


def test_one_answer_gives_the_child_flag_and_the_strip_search_theirs(login_as, make_user, report_form, db):
    """Asked once (the child flag and the strip search no longer ask): stored in each flag's own
    words, so SS1 and RT4 read it as before."""
    entry = {"age_band": "14-15", "appears_under_18": "no", "checks-aa": "not_called",
             "child_answers-held_in": "juvenile_room", "child_answers-sharing_with_adult": "no",
             "child_answers-expected_overnight": "no", "strip_search": "yes",
             **{f"strip_search_answers-{k}": v for k, v in {
                 "context": "custody", "intimate_parts_exposed": "yes", "orifice_contact": "no",
                 "no_aa_reason": "none", "searcher_same_sex": "yes", "reason_recorded": "yes",
                 "source": "custody_record"}.items()}}
    data = report_form(partner_id=str(make_user("icv").id), single_visitor_reason="",
                       **{"groups-children": "1"}, **detainee_fields(0, **entry))
    assert login_as("icv").post(draft_url(data), data=data).status_code == 302
    stored = {f["kind"]: json.loads(f["answers"]) for f in db["flags"].rows}
    assert stored["child"]["aa_status"] == "not_called" and stored["strip_search"]["aa_present"] == "no"
    assert {"SS1", "RT4"} <= set(raised(db))


def test_an_adults_welfare_check_still_decides_rt4(login_as, make_user, report_form, db):
    data = report_form(partner_id=str(make_user("icv").id), single_visitor_reason="",
                       **detainee_fields(0, **{"checks-aa": "not_called"}))
    assert login_as("icv").post(draft_url(data), data=data).status_code == 302
    assert "RT4" in raised(db)


@pytest.mark.parametrize("aa_status, fires", [("not_called", True), ("present", False)])
def test_a_review_of_a_child_whose_appropriate_adult_was_not_called_raises_rt4(
        login_as, make_user, db, aa_status, fires):
    reviewer = login_as("icv")
    make_eligible(db, reviewer.user.id)
    review = make_review(db, [reviewer.user.id], make_user("coordinator").id)
    answers = {"flags-child": "yes", "flags-child_answers-aa_status": aa_status,
               "flags-child_answers-held_in": "juvenile_room",
               "flags-child_answers-sharing_with_adult": "no",
               "flags-child_answers-expected_overnight": "no"}
    assert check_and_submit(reviewer, review, age_band="14-15", **answers).status_code == 302
    assert ("RT4" in raised(db)) == fires
