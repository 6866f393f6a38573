"""Every check on the visit report form (icv/visits/forms.py), each with its exact message.

Each refused report answers 400 with the message in the error summary, shows the form again
with everything typed, keeps it as the person's draft and saves no report."""
import json
from datetime import date, time, timedelta

import pytest
from werkzeug.datastructures import MultiDict

from conftest import (FACILITY_ITEMS, assert_kept, page_text, clock_time, detainee_fields, draft_url,
                      error_messages, issue_fields, recent_visit)
from icv.flags import FLAGS, FROM_VISIT_AA
from icv.times import london_to_utc, london_today
from icv.visits import forms as visit_forms
from icv.visits import questions as q
from icv.visits.forms import VisitForm



def yesterday():
    """Yesterday's London date: any clock time on it has passed, for tests that give their own."""
    return (london_today() - timedelta(days=1)).isoformat()


def let_in(minutes):
    """The time let in, `minutes` after the report_form visit's arrival (see recent_visit)."""
    return clock_time(recent_visit()[1], minutes)

# Answers to every question of every flag, follow-ups included (no appropriate adult at a strip
# search asks why; a drugs intimate search asks about written consent), and the optional ones.
# None raises a rule. (Some optional follow-ups do not apply to these answers, so are not stored.)
FULL_ANSWERS = {
    "strip_search": {"context": "custody", "intimate_parts_exposed": "yes",
                     "orifice_contact": "no", "no_aa_reason": "urgent_risk",
                     "aa_signed_record": "yes", "searcher_same_sex": "yes",
                     "opposite_sex_present": "no", "reason_recorded": "yes",
                     "parent_informed": "yes", "safeguarding_referral": "yes",
                     "source": "custody_record"},
    "intimate_search": {"grounds": "class_a_drugs", "inspector_authorised": "yes",
                        "conducted_by_hcp": "yes", "written_consent": "yes",
                        "aa_present": "yes", "source": "custody_record"},
    "use_of_force": {"phase": "in_cell", "spit_guard": "no", "spit_guard_minutes": "5",
                     "limb_restraints": "no", "restraint_minutes": "5", "handcuffed_in_cell": "no",
                     "taser": "no", "detainee_injury": "none", "hcp_seen": "yes",
                     "allegation": "no", "recorded_on_custody_record": "yes", "source": "staff"},
    "child": {"held_in": "juvenile_room", "cell_reason_recorded": "yes",
              "sharing_with_adult": "no", "woman_responsible": "yes",
              "expected_overnight": "not_known", "charged": "no", "mha_s136": "no"},
}
# The questions that must be answered when they apply (the optional ones may be left blank).
# (Not those a visit takes from the detainee's one appropriate adult answer, checks-aa.)
FLAG_QUESTIONS = [(flag.kind, question.name) for flag in FLAGS for question in flag.questions
                  if not question.optional and (flag.kind, question.name) not in FROM_VISIT_AA]
REQUIRED_COUNTS = ["in_custody", "offered"]
BLANK_IS_NONE = [f"groups-{n}" for n, _, _ in q.GROUP_COUNTS] + [f"outcomes-{n}" for n, _ in q.OUTCOME_COUNTS]
AA_MISSING = "Appropriate adult: select an answer (asked for a child and for anyone strip searched)"
ALL_COUNTS = (REQUIRED_COUNTS + BLANK_IS_NONE + ["cells_in_use", "cells_out_of_order"]
              + [f"not_seen_reasons-{n}" for n, _ in q.NOT_SEEN_REASONS])
COUNT_LABELS = {"in_custody": "Detainees in custody", "offered": "Offered a visit",
                "cells_in_use": "Cells in use", "cells_out_of_order": "Cells out of order",
                **{f"groups-{n}": label for n, label, _ in q.GROUP_COUNTS},
                **{f"outcomes-{n}": label for n, label in q.OUTCOME_COUNTS},
                **{f"not_seen_reasons-{n}": label for n, label in q.NOT_SEEN_REASONS}}


@pytest.fixture
def icv(login_as):
    return login_as("icv")


def flag_fields(kind, n=0, aa="present", **changes):
    """The flag raised (yes; a child by the age band 14-15, as the child flag is not asked) with
    its full answers, and the appropriate adult answer `aa` (asked once) for a strip search or
    a child; a change of None leaves a question out."""
    given = {**FULL_ANSWERS[kind], **changes}
    p = f"detainees-{n}-"
    raised = {} if kind == "child" else {p + kind: "yes"}  # a child: give an under-18 age band
    return {**raised,
            **({p + "checks-aa": aa} if kind in ("strip_search", "child") and aa else {}),
            **{f"{p}{kind}_answers-{k}": v for k, v in given.items() if v is not None}}


def accepted(client, data, db):
    """Post `data` as a submit: the report is saved."""
    response = client.post(draft_url(data), data=data)
    assert response.status_code == 302, error_messages(response)
    assert response.location.startswith("/visits/")
    assert db["visits"].count == 1
    return response


def refused(client, data, message, db, skip=(), kept=True):
    """Post `data` as a submit: 400, `message` (or each of a list of messages) in the error
    summary, the typed values shown again, the typed fields kept as the draft (not kept=False:
    a box over its limit is never stored, the phone keeps it), no report saved."""
    response = client.post(draft_url(data), data=data)
    assert response.status_code == 400
    assert "There is a problem" in response.text
    shown = error_messages(response)
    wanted = [message] if isinstance(message, str) else message
    assert [m for m in wanted if m not in shown] == [], shown
    assert_kept(response, data, skip=skip)
    assert db["visits"].count == 0
    if not kept:
        assert db["drafts"].count == 0
        return response
    draft = next(db["drafts"].rows_where("client_id = ?", [data["client_id"]]))
    assert dict(json.loads(draft["fields"])) == {k: v for k, v in data.items() if k != "action"}
    return response


def test_the_report_form_fixture_is_a_valid_report(icv, report_form, db):
    """The baseline every test below changes one thing of is accepted as it is."""
    accepted(icv, report_form(), db)


def test_full_flag_answers_cover_every_question_and_raise_nothing(icv, report_form, db):
    """FULL_ANSWERS answers every question of every flag (a new question must be added here),
    and all four flags answered that way are accepted and raise only AC4 (visited alone)."""
    assert {kind: set(a) for kind, a in FULL_ANSWERS.items()} == {
        flag.kind: {x.name for x in flag.questions if (flag.kind, x.name) not in FROM_VISIT_AA}
        for flag in FLAGS}
    data = report_form(**{"groups-children": "1", "detainees-0-age_band": "14-15"}, **{
        k: v for kind in FULL_ANSWERS for k, v in flag_fields(kind).items()})
    accepted(icv, data, db)
    assert db["flags"].count == 4
    assert [e["rule_id"] for e in db["escalations"].rows] == ["AC4"]


# The visit -----------------------------------------------------------------------------------


def test_missing_suite_is_refused(icv, report_form, db):
    """No suite chosen: 'Select the custody suite you visited'."""
    refused(icv, report_form(suite_id=""), "Select the custody suite you visited", db)


@pytest.mark.parametrize("suite_id", ["9999", "abc", "-1"])
def test_tampered_suite_is_refused(icv, report_form, db, suite_id):
    """A suite id that is not in the list (edited page) gets the same plain message."""
    refused(icv, report_form(suite_id=suite_id), "Select the custody suite you visited", db,
            skip={"suite_id"})


def test_closed_suite_is_refused(icv, report_form, make_suite, db):
    """A closed suite is not in the list and cannot be posted."""
    closed = make_suite("Closed Suite", status="closed")
    assert "Closed Suite" not in icv.get("/visits/new").text
    refused(icv, report_form(suite_id=closed), "Select the custody suite you visited", db,
            skip={"suite_id"})


@pytest.mark.parametrize("visit_type", ["", "made_up"])
def test_missing_or_tampered_visit_type_is_refused(icv, report_form, db, visit_type):
    """A visit type that is not one of the four is refused."""
    refused(icv, report_form(visit_type=visit_type), "Select the type of visit", db,
            skip={"visit_type"})


@pytest.mark.parametrize("visit_type", ["routine", "follow_up", "tact", "extended_observation"])
def test_each_visit_type_is_accepted(icv, report_form, db, visit_type):
    """Each of the four types of visit is accepted and stored."""
    accepted(icv, report_form(visit_type=visit_type), db)
    assert next(db["visits"].rows)["visit_type"] == visit_type


def test_missing_visit_date_is_refused(icv, report_form, db):
    refused(icv, report_form(visit_date=""), "Enter the date of the visit", db)


def test_visit_date_in_the_future_is_refused(icv, report_form, db):
    """A visit cannot be reported before it happens."""
    tomorrow = (london_today() + timedelta(days=1)).isoformat()
    refused(icv, report_form(visit_date=tomorrow),
            "The date of the visit must be today or in the past", db)


def test_visit_date_over_a_year_ago_is_refused(icv, report_form, db):
    """A report for a visit more than a year (366 days) ago is refused; 366 days is accepted."""
    old = (london_today() - timedelta(days=367)).isoformat()
    refused(icv, report_form(visit_date=old), "The date of the visit must be within the last year",
            db)


def test_visit_date_366_days_ago_is_accepted(icv, report_form, db):
    """The oldest date accepted is 366 days ago (a leap year's worth)."""
    accepted(icv, report_form(visit_date=(london_today() - timedelta(days=366)).isoformat()), db)


@pytest.mark.parametrize("value", ["22/11/2026", "2026-02-30", "yesterday"])
def test_visit_date_that_is_not_a_date_is_refused(icv, report_form, db, value):
    """A date typed in another format (a phone without a date picker) is refused, not a crash."""
    refused(icv, report_form(visit_date=value),
            "Date of visit must be a real date, like 2026-11-22", db)


def test_visit_date_far_in_the_future_is_refused_not_a_crash(icv, report_form, db):
    """A tampered date at the end of the calendar gets a message, not a 500."""
    refused(icv, report_form(visit_date="9999-12-31", arrival_time="23:30", admitted_time="23:35",
                             departure_time="00:30"),
            "The date of the visit must be today or in the past", db)


@pytest.mark.parametrize("field, message", [
    ("arrival_time", "Enter the time you arrived, like 14:30"),
    ("admitted_time", "Enter the time you were let into the custody area, like 14:35"),
    ("departure_time", "Enter the time you left, like 15:45"),
])
def test_missing_time_is_refused(icv, report_form, db, field, message):
    """Each of the three times has its own message when left out."""
    refused(icv, report_form(**{field: ""}), message, db)


@pytest.mark.parametrize("field, value, message", [
    ("arrival_time", "25:00", "Time you arrived must be a real time on the 24-hour clock, like 14:30"),
    ("admitted_time", "9.30", "Time you were let in must be a real time on the 24-hour clock, "
                              "like 14:35"),
    ("departure_time", "noon", "Time you left must be a real time on the 24-hour clock, like 15:45"),
])
def test_time_that_is_not_a_time_is_refused(icv, report_form, db, field, value, message):
    """A time that is not HH:MM on the 24-hour clock names the field and the format."""
    refused(icv, report_form(**{field: value}), message, db)


def test_leaving_at_the_time_you_arrived_is_refused(icv, report_form, db):
    """A visit cannot last no time at all."""
    refused(icv, report_form(visit_date=yesterday(), arrival_time="10:00", admitted_time="10:00",
                             departure_time="10:00"),
            "The time you left must be after the time you arrived", db)


def test_departure_more_than_eight_hours_after_arrival_is_refused(icv, report_form, db):
    """A 9-hour visit is a typing slip: the message gives the hours and asks to check both times."""
    refused(icv, report_form(visit_date=yesterday(), arrival_time="08:00", admitted_time="08:05",
                             departure_time="17:00"),
            "The time you left is 9 hours after the time you arrived. Visits last at most 8 hours: "
            "check both times (use 24-hour times, like 14:30)", db)


def test_an_eight_hour_visit_is_accepted(icv, report_form, db):
    """Exactly 8 hours is the longest visit accepted."""
    accepted(icv, report_form(visit_date=yesterday(), arrival_time="08:00", admitted_time="08:05",
                              departure_time="16:00"), db)


def test_departure_before_arrival_on_the_same_day_is_read_as_next_day_and_refused(icv, report_form,
                                                                                   db, clock):
    """Left 09:00 after arriving 10:00 reads as a 23-hour visit: refused, never saved negative.
    (On a day the clocks change it would be 22 or 24 hours, so this is an ordinary Tuesday.)"""
    clock.set(london_to_utc(date(2026, 11, 18), time(15, 30)))
    refused(icv, report_form(visit_date="2026-11-17", arrival_time="10:00", departure_time="09:00"),
            "The time you left is 23 hours after the time you arrived. Visits last at most 8 hours: "
            "check both times (use 24-hour times, like 14:30)", db)


def test_visit_crossing_midnight_is_accepted(icv, report_form, db):
    """23:30 to 00:45 is a 75-minute visit, not a negative or 23-hour one."""
    accepted(icv, report_form(visit_date=(london_today() - timedelta(days=2)).isoformat(),
                              arrival_time="23:30", admitted_time="23:40", departure_time="00:45"),
             db)


def test_departure_in_the_future_is_refused(icv, report_form, db, clock):
    """A visit that has not ended yet (the clock says 30 minutes after arriving) is refused."""
    data = report_form()
    arrived = london_to_utc(date.fromisoformat(data["visit_date"]), time.fromisoformat(data["arrival_time"]))
    clock.set(arrived + timedelta(minutes=30))
    refused(icv, data, "The time you left is in the future: check the date and times", db)


def test_admitted_after_departure_is_refused(icv, report_form, db):
    """Let in 30 minutes after leaving: the time let in must come first."""
    refused(icv, report_form(admitted_time=let_in(90), admission_delay_reason="Waited for the sergeant."),
            "The time you were let in must be before the time you left", db)


def test_admitted_before_arrival_reads_as_the_next_day_and_is_refused(icv, report_form, db):
    """Let in 5 minutes before arriving (09:55 after 10:00) reads as the next morning: after leaving."""
    refused(icv, report_form(admitted_time=let_in(-5), admission_delay_reason="A typing slip."),
            "The time you were let in must be before the time you left", db)


def test_admission_delay_over_ten_minutes_needs_a_reason(icv, report_form, db):
    """An 11-minute wait without a reason is refused; the message gives the minutes."""
    refused(icv, report_form(admitted_time=let_in(11)),
            "You waited 11 minutes to be let in: say why (a wait of more than 10 minutes needs a "
            "reason)", db)


def test_admission_delay_reason_of_only_spaces_is_not_a_reason(icv, report_form, db):
    refused(icv, report_form(admitted_time=let_in(40), admission_delay_reason="   "),
            "You waited 40 minutes to be let in: say why (a wait of more than 10 minutes needs a "
            "reason)", db)


def test_admission_delay_of_ten_minutes_needs_no_reason(icv, report_form, db):
    """Ten minutes is within the limit: no reason needed."""
    accepted(icv, report_form(admitted_time=let_in(10)), db)


def test_admission_delay_with_a_reason_is_accepted_and_stored(icv, report_form, db):
    accepted(icv, report_form(admitted_time=let_in(25),
                              admission_delay_reason="Booking in a violent detainee."), db)
    assert next(db["visits"].rows)["admission_delay_reason"] == "Booking in a violent detainee."


@pytest.mark.parametrize("who", ["unknown", "self", "staff", "inactive"])
def test_tampered_partner_is_refused(icv, report_form, make_user, db, who):
    """A partner who is not another active ICV (or nobody) is refused."""
    partner_id = {"unknown": lambda: 9999, "self": lambda: icv.user.id,
                  "staff": lambda: make_user("custody_team").id,
                  "inactive": lambda: make_user("icv", active=0).id}[who]()
    refused(icv, report_form(partner_id=str(partner_id)),
            "Select your visiting partner from the list, or 'I visited alone'", db,
            skip={"partner_id"})


def test_missing_partner_is_refused(icv, report_form, db):
    """No partner chosen (not even 'alone') asks for one."""
    refused(icv, report_form(partner_id=""),
            "Select your visiting partner from the list, or 'I visited alone'", db)


@pytest.mark.parametrize("reason", ["", "  "])
def test_visiting_alone_needs_a_reason(icv, report_form, db, reason):
    refused(icv, report_form(single_visitor_reason=reason),
            "Say why you visited alone (visits are normally made in pairs)", db)


def test_visiting_with_a_partner_needs_no_reason_and_stores_none(icv, report_form, make_user, db):
    """With a partner the 'why alone' box is not needed, and anything left in it is not stored."""
    partner = make_user("icv")
    accepted(icv, report_form(partner_id=str(partner.id)), db)
    assert next(db["visits"].rows)["single_visitor_reason"] == ""


@pytest.mark.parametrize("value", ["", "   "])
def test_custody_officer_is_required(icv, report_form, db, value):
    refused(icv, report_form(custody_officer=value),
            "Enter the custody officer's rank and number, like PS 1234", db)


def test_custody_officer_too_long_is_refused(icv, report_form, db):
    refused(icv, report_form(custody_officer="P" * 41),
            "Custody officer must be 40 characters or fewer", db, kept=False)


# Numbers ---------------------------------------------------------------------------------------


def test_blank_counts_are_none_where_none_is_the_natural_reading(icv, report_form, db):
    """Children, women, ... and the four outcomes left blank are 0 (shown as 0 on the check
    page); the four still add up, and the message says which figure is off."""
    data = report_form(**{name: "" for name in BLANK_IS_NONE}, in_custody="0", offered="0",
                       **{"not_seen_reasons-asleep": "", "detainees-0-entry_key": None,
                          "detainees-0-custody_record_no": None, "detainees-0-age_band": None,
                          "detainees-0-appears_under_18": None, "detainees-0-gender": None,
                          "detainees-0-ethnicity": None, "detainees-0-consent": None,
                          "detainees-0-checks-told_rights": None, "detainees-0-strip_search": None,
                          "detainees-0-intimate_search": None, "detainees-0-use_of_force": None},
                       action="check")
    response = icv.post(draft_url(data), data=data)
    assert response.status_code == 302, error_messages(response)
    page = page_text(icv.get(response.location))
    assert "Children (under 18)" in page and "There is a problem" not in page
    refused(icv, report_form(**{name: "" for name in BLANK_IS_NONE}),
            "spoke with 0 + observed only 0 + declined to speak with you 0 + not seen 0 = 0, but 6 "
            "were in custody: these four numbers must add up to the number in custody", db)


def test_each_required_count_is_required(icv, report_form, db):
    """Each blank count that must be given asks for a number, or 0, naming the count."""
    refused(icv, report_form(**{name: "" for name in REQUIRED_COUNTS}),
            [f"Enter a number for '{COUNT_LABELS[name]}', or 0" for name in REQUIRED_COUNTS], db)


def test_a_single_blank_count_is_refused(icv, report_form, db):
    refused(icv, report_form(offered=""), "Enter a number for 'Offered a visit', or 0", db)


@pytest.mark.parametrize("value", ["-1", "301"])
def test_each_count_must_be_from_0_to_300(icv, report_form, db, value):
    """Every count, required or not, is a whole number from 0 to 300: each one out of range
    names itself."""
    refused(icv, report_form(**{name: value for name in ALL_COUNTS}),
            [f"'{COUNT_LABELS[name]}' must be a number from 0 to 300" for name in ALL_COUNTS], db)


def test_a_single_count_out_of_range_is_refused(icv, report_form, db):
    refused(icv, report_form(cells_out_of_order="301"),
            "'Cells out of order' must be a number from 0 to 300", db)


def test_counts_of_0_and_300_are_accepted(icv, report_form, db):
    accepted(icv, report_form(cells_in_use="300", cells_out_of_order="0"), db)


@pytest.mark.parametrize("value", ["lots", "4.5", "3 people"])
def test_count_that_is_not_a_number_is_refused_with_one_plain_message(icv, report_form, db, value):
    """One message that says what to type, not WTForms' "Not a valid integer value." too."""
    response = refused(icv, report_form(in_custody=value),
                       "'Detainees in custody' must be a whole number, like 4", db)
    shown = error_messages(response)
    assert "Not a valid integer value." not in shown
    assert "'Detainees in custody' must be a number from 0 to 300" not in shown


def test_optional_counts_may_be_blank(icv, report_form, db):
    """Cells in use and out of order may be left blank, and are then 0."""
    accepted(icv, report_form(cells_in_use="", cells_out_of_order=""), db)
    counts = json.loads(next(db["visits"].rows)["counts"])
    assert (counts["cells_in_use"], counts["cells_out_of_order"]) == (0, 0)


def test_each_group_count_above_in_custody_is_refused(icv, report_form, db):
    """Each count of a group in custody names itself and both numbers when above the total."""
    refused(icv, report_form(**{f"groups-{name}": "7" for name, _, _ in q.GROUP_COUNTS}),
            [f"{label} (7) cannot be more than the number in custody (6)"
             for _, label, _ in q.GROUP_COUNTS], db)


def test_a_single_group_count_above_in_custody_is_refused(icv, report_form, db):
    refused(icv, report_form(**{"groups-at_hospital": "9"}),
            "At hospital (9) cannot be more than the number in custody (6)", db)


def test_group_count_equal_to_in_custody_is_accepted(icv, report_form, db):
    accepted(icv, report_form(**{"groups-women": "6"}), db)


def test_outcomes_that_do_not_add_up_are_refused(icv, report_form, db):
    """Spoke with, observed, declined and not seen must add up to the number in custody: the
    message lists the four numbers and their total."""
    refused(icv, report_form(**{"outcomes-not_seen": "3", "not_seen_reasons-asleep": "3"}),
            "spoke with 2 + observed only 1 + declined to speak with you 1 + not seen 3 = 7, but 6 "
            "were in custody: these four numbers must add up to the number in custody", db)


def test_offered_more_than_in_custody_is_refused(icv, report_form, db):
    refused(icv, report_form(offered="7"),
            "Offered a visit (7) cannot be more than the number in custody (6)", db)


def test_spoke_with_and_declined_more_than_offered_is_refused(icv, report_form, db):
    """Those spoken with and those who declined were all offered a visit."""
    refused(icv, report_form(offered="2"),
            "You spoke with 2 and 1 declined, so at least 3 were offered a visit, not 2", db)


def test_not_seen_reasons_that_do_not_add_up_are_refused(icv, report_form, db):
    """Each detainee not seen needs a reason: the reasons must add up to the number not seen."""
    refused(icv, report_form(**{"not_seen_reasons-asleep": "1"}),
            "The reasons for not seeing detainees add up to 1, but you entered 2 not seen: give a "
            "reason for each one", db)


def test_not_seen_reasons_may_be_spread_over_several(icv, report_form, db):
    accepted(icv, report_form(**{"not_seen_reasons-asleep": "1",
                                 "not_seen_reasons-interview": "1"}), db)


# Detainee entries against the numbers ----------------------------------------------------------


def test_more_detainee_entries_than_in_custody_is_refused(icv, report_form, db):
    """Two entries for one detainee in custody is refused, naming both numbers."""
    data = report_form(in_custody="1", offered="1", cells_in_use="1",
                       **{"outcomes-spoke_with": "1", "outcomes-observed_only": "0",
                          "outcomes-declined": "0", "outcomes-not_seen": "0",
                          "not_seen_reasons-asleep": ""},
                       **detainee_fields(1, consent="observed_only"))
    refused(icv, data, "You added 2 detainees but entered 1 in custody: check the number in "
                       "custody or remove a detainee", db)


@pytest.mark.parametrize("consent, message", [
    ("yes", "3 detainee entries say 'Yes, spoke with us', but you entered 2 for 'spoke with'"),
    ("declined", "2 detainee entries say 'Declined to speak with us', but you entered 1 for "
                 "'declined to speak with you'"),
    ("observed_only", "2 detainee entries say 'Observed only (not spoken with)', but you entered 1 "
                      "for 'observed only'"),
])
def test_more_entries_with_an_answer_than_its_count_is_refused(icv, report_form, db, consent,
                                                               message):
    """Entries saying they spoke with us, declined or were observed cannot outnumber that count."""
    extra = {**detainee_fields(1, consent=consent), **detainee_fields(2, consent=consent)}
    refused(icv, report_form(**extra), message, db)


def test_entries_matching_each_count_are_accepted(icv, report_form, db):
    """Two who spoke, one who declined and one observed fit counts of 2, 1 and 1."""
    accepted(icv, report_form(**detainee_fields(1), **detainee_fields(2, consent="declined"),
                              **detainee_fields(3, consent="observed_only")), db)
    assert db["detainee_entries"].count == 4


def test_child_entries_above_the_children_count_are_refused(icv, report_form, db):
    """An entry in an under-18 age band counts as a child: the children count must allow it."""
    refused(icv, report_form(**{"detainees-0-age_band": "16-17"}, **flag_fields("child")),
            "1 detainee entries are children, but you entered 0 children in custody", db)


def test_entry_that_appears_under_18_counts_as_a_child(icv, report_form, db):
    """'Appears to be under 18' makes a child even with an adult age band."""
    refused(icv, report_form(**{"detainees-0-age_band": "18-20",
                                "detainees-0-appears_under_18": "yes"}, **flag_fields("child")),
            "1 detainee entries are children, but you entered 0 children in custody", db)


def test_child_entry_within_the_children_count_is_accepted(icv, report_form, db):
    accepted(icv, report_form(**{"detainees-0-age_band": "16-17", "groups-children": "1"},
                              **flag_fields("child")), db)


def test_duplicate_custody_record_number_is_refused(icv, report_form, db):
    """The same custody record number twice (in any case, with spaces) is refused, naming it."""
    refused(icv, report_form(**detainee_fields(1, custody_record_no=" 01bx/12345/26 ")),
            "Custody record number 01BX/12345/26 is entered twice: remove one of the two detainees",
            db)


# Each detainee entry -------------------------------------------------------------------------


# Ten in custody, all spoken with: room for up to ten entries who spoke with us.
ROOMY = {"in_custody": "10", "offered": "10", "cells_in_use": "10", "outcomes-spoke_with": "10",
         "outcomes-observed_only": "0", "outcomes-declined": "0", "outcomes-not_seen": "0",
         "not_seen_reasons-asleep": ""}


def entries_with(field, values):
    """One detainee entry per value, with `field` set to it."""
    found = {}
    for n, value in enumerate(values):
        found.update(detainee_fields(n, **{field: value}))
    return found


SHAPE = "like 01CX/12345/26 (2 numbers and 2 letters, then 5 or 6 numbers, then the year's last 2 numbers)"


def test_custody_record_number_that_looks_like_a_name_is_refused(icv, report_form, db):
    """A name typed into the custody record box, alone or run into a date of birth, is refused
    with a reminder and the shape of a number (one entry each, each refused)."""
    names = ["John Smith", "JOHNSMITH", "Mary O'Neil 12", "SMITHJ010290", "Smith1990"]
    message = f"Enter the custody record number, not a name. It looks {SHAPE}"
    page = refused(icv, report_form(**ROOMY, **entries_with("custody_record_no", names)), message, db)
    assert error_messages(page).count(message) == 5
    assert db["detainee_entries"].count == 0


def test_custody_record_number_in_a_bad_format_is_refused(icv, report_form, db):
    """A custody record number not in the Met's shape (other characters, too few or too many
    figures, a leading /, no year, an extra part) is refused showing the shape (one entry each)."""
    message = f"The custody record number must look {SHAPE}"
    bad = ["01BX_12345_26", "AB/12", "/01BX/12345/26", "01BX/12345/26/99", "01BX/12345", "01BX/1234567/26",
           "123A", "1BX/12345/26"]
    page = refused(icv, report_form(**ROOMY, **entries_with("custody_record_no", bad)), message, db)
    assert error_messages(page).count(message) == len(bad)


@pytest.mark.parametrize("crn, stored", [
    ("01cx/12345/26", "01CX/12345/26"), ("  01CX-12345-26  ", "01CX/12345/26"),
    ("01CX 123456 26", "01CX/123456/26"), ("01cx1234526", "01CX/12345/26"), ("01CX12345626", "01CX/123456/26"),
])
def test_custody_record_number_is_stored_in_the_mets_shape(icv, report_form, db, crn, stored):
    """Lower case, spaces or dashes between the parts, or none, are the same number: stored
    upper case with slashes, so the same record is never two."""
    accepted(icv, report_form(**{"detainees-0-custody_record_no": crn}), db)
    assert next(db["detainee_entries"].rows)["custody_record_no"] == stored



MISSING_DETAINEE_FIELDS = [
    ("custody_record_no", "Enter the custody record number"),
    ("age_band", "Select the age band"),
    ("gender", "Select the gender, or 'Not stated'"),
    ("ethnicity", "Select the ethnicity, or 'Not stated'"),
    ("consent", "Select whether the detainee spoke with you"),
    ("strip_search", "Answer yes or no: was this person strip searched?"),
    ("intimate_search", "Answer yes or no: was this person intimately searched (a search of body "
                        "orifices other than the mouth)?"),
    ("use_of_force", "Answer yes or no: was force used on this person?"),
]


def test_missing_detainee_fields_are_refused(icv, report_form, db):
    """Each detainee field and each yes/no flag question has its own message when left out."""
    data = report_form(**{f"detainees-0-{field}": None for field, _ in MISSING_DETAINEE_FIELDS})
    refused(icv, data, [message for _, message in MISSING_DETAINEE_FIELDS], db)


def test_a_single_missing_flag_answer_is_refused(icv, report_form, db):
    refused(icv, report_form(**{"detainees-0-intimate_search": None}),
            "Answer yes or no: was this person intimately searched (a search of body orifices "
            "other than the mouth)?", db)


def test_tampered_detainee_choices_are_refused(icv, report_form, db):
    """A choice not in the list gets the plain message, not 'Not a valid choice'."""
    tampered = {"age_band": ("200+", "Select the age band"),
                "ethnicity": ("martian", "Select the ethnicity, or 'Not stated'"),
                "gender": ("x", "Select the gender, or 'Not stated'"),
                "consent": ("maybe", "Select whether the detainee spoke with you")}
    page = refused(icv, report_form(**{f"detainees-0-{f}": v for f, (v, _) in tampered.items()}),
                   [m for _, m in tampered.values()], db,
                   skip={f"detainees-0-{f}" for f in tampered})
    assert "Not a valid choice" not in page.text


def test_tampered_entry_key_is_refused(icv, report_form, db):
    """An entry key that is not 32 lower-case hex characters (edited, or an old page) is refused
    (one entry each, each refused)."""
    message = "This detainee entry is out of date. Reload the page and check it."
    keys = ["", "not-a-key", "A" * 32, "a" * 31, "a" * 33, "g" * 32]
    page = refused(icv, report_form(**ROOMY, **entries_with("entry_key", keys)), message, db)
    assert error_messages(page).count(message) == 6


def test_two_entries_with_one_key_are_refused_not_merged(icv, report_form, db):
    """A changed page sending two entries as one would lose one on saving: refused instead."""
    keys = ["a" * 32, "a" * 32]
    refused(icv, report_form(**ROOMY, **entries_with("entry_key", keys)),
            "Two detainee entries arrived as the same entry, so the page was changed: open the "
            "report again from My reports and check them", db)


@pytest.mark.parametrize("age_band, appears", [("25-34", "yes"), ("16-17", "no"),
                                               ("16-17", "not_sure")])
def test_a_child_is_asked_the_child_questions_and_the_appropriate_adult(icv, report_form, db,
                                                                        age_band, appears):
    """Under 18 by age band, or appearing under 18, raises the child flag (it is not asked):
    its questions and the appropriate adult must be answered, and a child always needs one."""
    data = report_form(**{"groups-children": "1", "detainees-0-age_band": age_band,
                          "detainees-0-appears_under_18": appears})
    refused(icv, data, [AA_MISSING, "Child: select an answer to 'Where is the child held?'"], db)
    refused(icv, {**data, "detainees-0-checks-aa": "not_needed"},
            "Appropriate adult: a child always needs one. Say whether one was present, called "
            "or not called", db)


def test_not_sure_if_under_18_with_an_adult_age_band_is_not_a_child(icv, report_form, db):
    accepted(icv, report_form(**{"detainees-0-appears_under_18": "not_sure"}), db)


def unanswered(flag, names):
    return [f"{flag.legend}: select an answer to '{x.label}'" for x in flag.questions
            if x.name in names]


def test_each_unanswered_flag_question_is_refused(icv, report_form, db):
    """Each flag answered yes with none of its questions answered: each question that applies
    (not the follow-ups) has its own message naming the flag and the question."""
    data = report_form(**{f"detainees-0-{flag.kind}": "yes" for flag in FLAGS if flag.kind != "child"},
                       **{"detainees-0-age_band": "14-15", "groups-children": "1"})
    expected = [m for flag in FLAGS for m in unanswered(
        flag, {x.name for x in flag.questions if not x.only_if and not x.optional
               and (flag.kind, x.name) not in FROM_VISIT_AA})] + [AA_MISSING]
    assert len(expected) == len(FLAG_QUESTIONS) - 2 + 1
    refused(icv, data, expected, db)


def test_each_unanswered_follow_up_question_is_refused(icv, report_form, db):
    """A follow-up applies after its answer: no appropriate adult at a strip search needs the
    reason recorded, and an intimate search for drugs needs whether written consent was given."""
    data = report_form(**flag_fields("strip_search", aa="not_called", no_aa_reason=None),
                       **flag_fields("intimate_search", written_consent=None))
    refused(icv, data, [
        "Strip search: select an answer to 'What reason was recorded for no appropriate adult?'",
        "Intimate search: select an answer to 'For a drugs search: was written consent given?'"],
        db)


@pytest.mark.parametrize("kind, question", FLAG_QUESTIONS,
                         ids=[f"{k}-{n}" for k, n in FLAG_QUESTIONS])
def test_each_flag_question_alone_is_required(app, kind, question):
    """Every flag question on its own: with all the others answered, leaving it out gives its
    message on that question (the form alone, without the page)."""
    flag = next(f for f in FLAGS if f.kind == kind)
    fields = flag_fields(kind, **{question: None})
    with app.test_request_context():
        form = visit_forms.DetaineeForm(formdata=MultiDict(
            {**{k.removeprefix("detainees-0-"): v for k, v in detainee_fields(0).items()},
             **{k.removeprefix("detainees-0-"): v for k, v in fields.items()},
             "checks-aa": "not_called", "age_band": "14-15" if kind == "child" else "25-34"}))
        assert not form.validate()
    answers = form[f"{kind}_answers"]
    assert answers[question].errors == unanswered(flag, {question})
    assert [name for name, field in answers.form._fields.items() if field.errors] == [question]


@pytest.mark.parametrize("kind, changes, left_out", [
    ("strip_search", {"aa_present": "yes"}, "no_aa_reason"),
    ("strip_search", {"aa_present": "not_needed"}, "no_aa_reason"),
    ("intimate_search", {"grounds": "harm_item"}, "written_consent"),
    ("intimate_search", {"grounds": "not_recorded"}, "written_consent"),
])
def test_follow_up_question_is_not_needed_when_it_does_not_apply(icv, report_form, db, kind,
                                                                 changes, left_out):
    """A follow-up asked only after a certain answer is not needed after another one."""
    accepted(icv, report_form(**flag_fields(kind, **changes, **{left_out: None})), db)
    assert left_out not in json.loads(next(db["flags"].rows)["answers"])


def test_tampered_flag_answer_counts_as_unanswered(icv, report_form, db):
    """An answer that is not one of the choices counts as unanswered."""
    refused(icv, report_form(**flag_fields("strip_search", context="made_up")),
            "Strip search: select an answer to 'What kind of search was it?'", db,
            skip={"detainees-0-strip_search_answers-context"})


def test_not_recorded_is_a_real_answer(icv, report_form, db):
    """'Not recorded' answers every strip search question that offers it."""
    data = report_form(**flag_fields("strip_search", intimate_parts_exposed="not_recorded",
                                     orifice_contact="not_recorded",
                                     searcher_same_sex="not_recorded", aa_present="not_recorded",
                                     no_aa_reason="none"))
    accepted(icv, data, db)


def test_rights_and_welfare_checks_are_optional(icv, report_form, db):
    """No check answered is 'not recorded', not an error."""
    accepted(icv, report_form(**{"detainees-0-checks-told_rights": None}), db)
    assert json.loads(next(db["detainee_entries"].rows)["checks"]) == {}


# Facilities and issues --------------------------------------------------------------------------


def test_facility_concern_needs_a_note(icv, report_form, db):
    """A concern about any facility item needs a note saying what it is (each item named)."""
    refused(icv, report_form(**{f"facilities-{item}": "concern" for item in FACILITY_ITEMS}),
            [f"Say what the concern is: {label}" for _, label in q.FACILITY_ITEMS], db)


def test_a_single_facility_concern_without_a_note_is_refused(icv, report_form, db):
    refused(icv, report_form(**{"facilities-juvenile_room": "concern"}),
            "Say what the concern is: Juvenile detention room", db)


def test_facility_concern_note_of_only_spaces_is_refused(icv, report_form, db):
    refused(icv, report_form(**{"facilities-cctv": "concern", "facilities-cctv_note": "  "}),
            "Say what the concern is: CCTV working", db)


def test_tampered_facility_status_is_refused(icv, report_form, db):
    refused(icv, report_form(**{"facilities-cells": "great"}),
            "Select OK, concern or not checked: Cells: clean, no ligature points", db,
            skip={"facilities-cells"})


def test_facility_left_out_is_not_checked(icv, report_form, db):
    """A facility item not posted at all counts as 'not checked'."""
    accepted(icv, report_form(**{f"facilities-{item}": None for item in FACILITY_ITEMS}), db)
    assert {r["status"] for r in db["facility_checks"].rows} == {"not_checked"}


def test_facility_note_too_long_is_refused(icv, report_form, db):
    refused(icv, report_form(**{"facilities-cells": "concern", "facilities-cells_note": "x" * 501}),
            "A facility note must be 500 characters or fewer", db, kept=False)


@pytest.mark.parametrize("field, message", [
    ("category", "Select the category of the issue"),
    ("description", "Describe the issue you raised"),
    ("resolved_at_visit", "Select whether the issue was resolved during the visit"),
])
def test_issue_needs_a_category_a_description_and_whether_resolved(icv, report_form, db, field,
                                                                   message):
    refused(icv, report_form(**issue_fields(0, **{field: None})), message, db)


def test_issue_description_of_only_spaces_is_refused(icv, report_form, db):
    refused(icv, report_form(**issue_fields(0, description="   ")), "Describe the issue you raised",
            db)


@pytest.mark.parametrize("field, value, message", [
    ("category", "gossip", "Select the category of the issue"),
    ("resolved_at_visit", "sort_of", "Select whether the issue was resolved during the visit"),
])
def test_tampered_issue_choice_is_refused(icv, report_form, db, field, value, message):
    refused(icv, report_form(**issue_fields(0, **{field: value})), message, db,
            skip={f"issues-0-{field}"})


def test_issue_raised_with_too_long_is_refused(icv, report_form, db):
    refused(icv, report_form(**issue_fields(0, raised_with="x" * 101)),
            "Raised with must be 100 characters or fewer", db, kept=False)


def test_issue_without_raised_with_is_accepted(icv, report_form, db):
    """Who it was raised with is optional."""
    accepted(icv, report_form(**issue_fields(0, raised_with="")), db)


LONG_TEXTS = [
    ("good_practice", "Good practice you saw (optional)"),
    ("general_comments", "Anything else (optional)"),
    ("admission_delay_reason", "Reason for any delay in letting you in"),
    ("single_visitor_reason", "Why did you visit alone?"),
    ("issues-0-description", "What was the issue?"),
]


def test_text_over_4000_characters_is_refused(icv, report_form, db):
    """Every long text box stops at 4,000 characters, naming the box."""
    data = report_form(**{**issue_fields(0), **{name: "x" * 4001 for name, _ in LONG_TEXTS}})
    refused(icv, data, [f"{label} must be 4,000 characters or fewer" for _, label in LONG_TEXTS],
            db, kept=False)


def test_a_single_text_over_4000_characters_is_refused(icv, report_form, db):
    refused(icv, report_form(general_comments="x" * 4001),
            "Anything else (optional) must be 4,000 characters or fewer", db, kept=False)


def test_text_of_4000_characters_is_accepted(icv, report_form, db):
    accepted(icv, report_form(general_comments="x" * 4000), db)


# The form's own id ---------------------------------------------------------------------------


def test_client_id_in_the_form_not_matching_the_address_is_refused(icv, report_form, db):
    """A form whose hidden id is not the id in its address gets 400 and saves nothing."""
    data = report_form()
    other = report_form()["client_id"]
    response = icv.post(f"/visits/drafts/{other}", data=data)
    assert response.status_code == 400
    assert ("This form does not match its address. Reload the page and check your answers."
            in response.text)
    assert db["drafts"].count == 0 and db["visits"].count == 0


@pytest.mark.parametrize("client_id", ["not-a-uuid", "", None])
def test_tampered_client_id_is_refused(icv, report_form, db, client_id):
    """A form whose hidden id was edited or lost cannot match its address: 400, nothing saved."""
    data = report_form(client_id=client_id)
    response = icv.post(draft_url(report_form()), data=data)
    assert response.status_code == 400
    assert db["drafts"].count == 0 and db["visits"].count == 0


@pytest.mark.parametrize("client_id", ["not-a-uuid", "", "1234"])
def test_client_id_validator_asks_for_a_reload(app, client_id):
    """The form itself refuses an id that is not a UUID, with a message asking for a reload."""
    with app.test_request_context():
        form = VisitForm(formdata=MultiDict({"client_id": client_id}), meta={"csrf": False})
        form.validate()
    assert form.client_id.errors == [
        "This form is out of date. Reload the page and enter the report again."]


def test_unknown_draft_address_is_not_found(icv):
    """An address that holds no id at all is a 404."""
    assert icv.get("/visits/drafts/not-a-uuid").status_code == 404
    response = icv.post("/visits/drafts/not-a-uuid", data={"client_id": "not-a-uuid"})
    assert response.status_code == 404


# Optional flag questions (asked for the escalation rules) ------------------------------------

OPTIONAL = {flag.kind: [x.name for x in flag.questions if x.optional] for flag in FLAGS}
SPIT_GUARD_MINUTES = "Use of force: 'For how many minutes was the spit and bite guard on?' must be a " \
                     "whole number of minutes from 0 to 1,440, like 10"


def test_optional_flag_questions_may_be_left_blank_and_are_not_stored(icv, report_form, db):
    """Every flag answered with its optional questions left out is accepted; the stored answers
    simply lack them."""
    data = report_form(**{"groups-children": "1", "detainees-0-age_band": "14-15"}, **{
        k: v for kind in FULL_ANSWERS
        for k, v in flag_fields(kind, **{name: None for name in OPTIONAL[kind]}).items()})
    accepted(icv, data, db)
    stored = {f["kind"]: json.loads(f["answers"]) for f in db["flags"].rows}
    assert all(set(stored[kind]).isdisjoint(OPTIONAL[kind]) for kind in stored)
    assert len(stored) == 4


def test_optional_questions_say_so_on_the_form(icv):
    page = icv.get("/visits/new").text
    assert "Was a Taser drawn, aimed or fired in the custody suite? (optional)" in page
    assert "Was a spit and bite guard used?</legend>" in page  # required: no "(optional)"


@pytest.mark.parametrize("minutes", ["abc", "1441", "-5", "2.5"])
def test_minutes_that_are_not_a_whole_number_are_refused(icv, report_form, db, minutes):
    """A spit guard time must be whole minutes from 0 to 1,440."""
    data = report_form(**flag_fields("use_of_force", spit_guard="yes", spit_guard_minutes=minutes))
    refused(icv, data, SPIT_GUARD_MINUTES, db)


def test_minutes_are_stored_as_a_number_only_when_they_apply(icv, report_form, db):
    """A spit guard time is kept (as a number) when a spit guard was used; limb restraint
    minutes typed when none were used do not apply and are not kept."""
    data = report_form(**flag_fields("use_of_force", spit_guard="yes", spit_guard_minutes=" 12 ",
                                     restraint_minutes="junk"))
    accepted(icv, data, db)
    answers = json.loads(next(db["flags"].rows)["answers"])
    assert answers["spit_guard_minutes"] == 12 and "restraint_minutes" not in answers


def test_tampered_optional_answer_is_refused(icv, report_form, db):
    """An optional question may be blank, but not an answer that is not one of its choices."""
    data = report_form(**flag_fields("use_of_force", taser="made_up"))
    refused(icv, data, "Use of force: select an answer to 'Was a Taser drawn, aimed or fired in "
                       "the custody suite?'", db, skip={"detainees-0-use_of_force_answers-taser"})
