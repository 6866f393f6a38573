"""Visit reports: the ICV's form, its checks and messages, saving once, and 'My reports'."""
import html
import json
import re
import uuid
from datetime import time, timedelta

import pytest

from conftest import form_value
from icv.times import london_to_utc, london_today, to_iso

YESTERDAY = london_today() - timedelta(days=1)

STRIP_SEARCH_SS2 = {  # a strip search by an officer not of the same sex (SS2, critical)
    "detainees-0-strip_search": "yes",
    "detainees-0-strip_search_answers-context": "custody",
    "detainees-0-strip_search_answers-intimate_parts_exposed": "yes",
    "detainees-0-strip_search_answers-aa_present": "not_needed",
    "detainees-0-strip_search_answers-searcher_same_sex": "no",
    "detainees-0-strip_search_answers-reason_recorded": "yes",
    "detainees-0-strip_search_answers-source": "icv_observed",
}
USE_OF_FORCE_ANSWERS = {
    "phase": "in_cell", "spit_guard": "no", "limb_restraints": "no", "handcuffed_in_cell": "no",
    "detainee_injury": "none", "hcp_seen": "yes", "allegation": "no",
    "recorded_on_custody_record": "yes", "source": "staff",
}


def text(response):
    """The page as a person reads it (entities such as ' turned back into characters)."""
    return html.unescape(response.get_data(as_text=True))


def assert_kept(response, data, skip=()):
    """Every value the person typed or chose is still in the re-shown form."""
    page = response.get_data(as_text=True)
    for name, value in data.items():
        if name in ("action", "csrf_token") or name in skip:
            continue
        if name.endswith("custody_record_no"):
            value = value.strip().upper()
        assert form_value(page, name) == str(value), name


def second_detainee(crn="01BX/22222/26", **overrides):
    entry = {"custody_record_no": crn, "age_band": "35-44", "gender": "female",
             "ethnicity": "black_african", "strip_search": "no", "use_of_force": "no",
             "child": "no", **overrides}
    return {f"detainees-1-{k}": v for k, v in entry.items()}


@pytest.fixture
def icv(login_as):
    """A signed-in ICV."""
    return login_as("icv")


# The form itself ---------------------------------------------------------------------------


def test_new_report_form_starts_with_todays_date_a_client_id_and_one_detainee(icv):
    """The blank form is ready to fill: today's London date, one detainee entry, a fresh id."""
    response = icv.get("/visits/new")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert form_value(page, "visit_date") == london_today().isoformat()
    uuid.UUID(form_value(page, "client_id"))
    assert "Detainee 1" in page and "Detainee 2" not in page
    assert form_value(page, "partner_id") is None


def test_partner_list_offers_other_active_icvs_only(icv, make_user):
    """The partner list holds 'I visited alone' and other active ICVs: not me, staff or leavers."""
    other = make_user("icv", display_name="Priya Shah")
    make_user("icv", display_name="Left Last Year", active=0)
    make_user("custody_team", display_name="Jordan Ellis")
    page = text(icv.get("/visits/new"))
    options = re.search(r'<select[^>]*name="partner_id"[^>]*>(.*?)</select>', page, re.S).group(1)
    assert "I visited alone" in options
    assert f'value="{other.id}">Priya Shah' in options
    for absent in ("Left Last Year", "Jordan Ellis", icv.user.display_name):
        assert absent not in options


# A full submission ---------------------------------------------------------------------------


def test_valid_report_is_saved_and_shown_to_author_and_partner(icv, login_as, make_user,
                                                               make_suite, report_form, db):
    """A complete report redirects to the saved report, which appears in 'My reports' for the
    author and for the partner, who can open it too."""
    partner = make_user("icv", display_name="Priya Shah")
    suite_id = make_suite("Brixton")
    data = report_form(suite_id=suite_id, partner_id=str(partner.id), **STRIP_SEARCH_SS2)
    response = icv.post("/visits/new", data=data)
    assert response.status_code == 302
    visit = next(db["visits"].rows)
    assert response.location == f"/visits/{visit['id']}"
    assert visit["client_id"] == data["client_id"]
    assert (visit["created_by"], visit["partner_id"], visit["suite_id"]) == (
        icv.user.id, partner.id, suite_id)
    assert visit["arrived_at"] == to_iso(london_to_utc(YESTERDAY, time(10, 0)))
    assert visit["departed_at"] == to_iso(london_to_utc(YESTERDAY, time(11, 0)))
    assert (visit["in_custody"], visit["spoke_with"], visit["status"]) == (6, 2, "submitted")

    report = icv.get(response.location)
    assert report.status_code == 200
    page = text(report)
    assert "Report submitted. Thank you." in page
    assert "Visit to Brixton" in page
    assert "Detainee 1: 01BX/12345/26" in page
    assert "Was the searching officer the same sex as the detainee?</dt><dd>No" in page

    mine = text(icv.get("/visits/"))
    assert f'href="/visits/{visit["id"]}"' in mine and "Brixton" in mine
    theirs = login_as(partner)
    listed = text(theirs.get("/visits/"))
    assert f'href="/visits/{visit["id"]}"' in listed
    assert "Your partner wrote this report." in listed
    assert theirs.get(f"/visits/{visit['id']}").status_code == 200


def test_flag_answers_are_stored_for_relevant_questions_only(icv, report_form, db):
    """A follow-up question that does not apply (no reason for no adult when one was not needed)
    is not stored even if posted."""
    data = report_form(**STRIP_SEARCH_SS2,
                       **{"detainees-0-strip_search_answers-no_aa_reason": "none"})
    assert icv.post("/visits/new", data=data).status_code == 302
    entry = next(db["detainee_entries"].rows)
    assert entry["custody_record_no"] == "01BX/12345/26"
    flag = next(db["flags"].rows)
    assert flag["detainee_entry_id"] == entry["id"] and flag["kind"] == "strip_search"
    assert json.loads(flag["answers"]) == {
        "context": "custody", "intimate_parts_exposed": "yes", "aa_present": "not_needed",
        "searcher_same_sex": "no", "reason_recorded": "yes", "source": "icv_observed"}


def test_flagged_report_raises_its_escalations(icv, report_form, db):
    """Submitting a report raises what the rules find: SS2 on the entry and AC4 (visited alone)
    on the visit."""
    response = icv.post("/visits/new", data=report_form(**STRIP_SEARCH_SS2))
    assert response.status_code == 302
    entry_id = next(db["detainee_entries"].rows)["id"]
    raised = {(e["rule_id"], e["priority"], e["detainee_entry_id"], e["status"])
              for e in db["escalations"].rows}
    assert raised == {("SS2", "critical", entry_id, "new"), ("AC4", "low", None, "new")}
    page = text(icv.get(response.location))
    assert "SS2: Strip search by an officer not of the same sex" in page


def test_report_without_flags_visited_in_pairs_raises_nothing(icv, make_user, report_form, db):
    """A calm visit made in a pair raises no escalation."""
    partner = make_user("icv")
    assert icv.post("/visits/new", data=report_form(partner_id=str(partner.id))).status_code == 302
    assert db["escalations"].count == 0


def test_child_with_use_of_force_raises_child_escalations(icv, make_user, report_form, db):
    """A 14-year-old in a spit guard, force not on the record: UF2, and UF4 raised to critical."""
    partner = make_user("icv")
    uof = {f"detainees-0-use_of_force_answers-{k}": v for k, v in USE_OF_FORCE_ANSWERS.items()}
    uof.update({"detainees-0-use_of_force_answers-spit_guard": "yes",
                "detainees-0-use_of_force_answers-recorded_on_custody_record": "no"})
    data = report_form(partner_id=str(partner.id), **uof, **{
        "detainees-0-age_band": "14-15", "detainees-0-use_of_force": "yes",
        "detainees-0-child": "yes", "detainees-0-child_answers-aa_status": "present",
        "detainees-0-child_answers-held_in": "juvenile_room",
        "detainees-0-child_answers-sharing_with_adult": "no",
        "detainees-0-child_answers-expected_overnight": "not_known"})
    assert icv.post("/visits/new", data=data).status_code == 302
    assert {(e["rule_id"], e["priority"]) for e in db["escalations"].rows} == {
        ("UF2", "critical"), ("UF4", "critical")}
    assert {f["kind"] for f in db["flags"].rows} == {"use_of_force", "child"}


def test_report_with_no_detainee_entries_is_accepted(icv, report_form, db):
    """An empty suite is a real visit: zero in custody and no entries is a valid report."""
    data = {k: v for k, v in report_form(in_custody="0", spoke_with="0").items()
            if not k.startswith("detainees-")}
    assert icv.post("/visits/new", data=data).status_code == 302
    assert db["visits"].count == 1 and db["detainee_entries"].count == 0


def test_visit_past_midnight_is_stored_as_ending_the_next_day(icv, report_form, db):
    """Arriving 23:30 and leaving 00:45 is a 75-minute visit ending the next morning."""
    day = london_today() - timedelta(days=2)
    data = report_form(visit_date=day.isoformat(), arrival_time="23:30", departure_time="00:45")
    response = icv.post("/visits/new", data=data)
    assert response.status_code == 302
    visit = next(db["visits"].rows)
    assert visit["arrived_at"] == to_iso(london_to_utc(day, time(23, 30)))
    assert visit["departed_at"] == to_iso(london_to_utc(day + timedelta(days=1), time(0, 45)))
    page = text(icv.get(response.location))
    assert f"{day:%a %-d %b %Y}, 23:30" in page
    assert f"{day + timedelta(days=1):%a %-d %b %Y}, 00:45" in page


def test_submitting_twice_saves_one_report(icv, report_form, db):
    """A double tap (the same client_id posted again) saves one report and shows it again."""
    data = report_form(**STRIP_SEARCH_SS2)
    first = icv.post("/visits/new", data=data)
    second = icv.post("/visits/new", data=data, follow_redirects=True)
    assert first.status_code == 302
    assert second.status_code == 200
    assert second.request.path == first.location
    assert ("This report had already been submitted: here it is. Nothing was sent twice."
            in text(second))
    assert db["visits"].count == 1
    assert db["detainee_entries"].count == 1
    assert db["escalations"].count == 2


# Adding, removing and checking ---------------------------------------------------------------


def test_add_detainee_adds_an_entry_and_saves_nothing(icv, report_form, db):
    """'Add another detainee' shows a second, empty entry and keeps the first."""
    data = report_form(action="add_detainee")
    response = icv.post("/visits/new", data=data)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Detainee 2" in page
    assert form_value(page, "detainees-1-custody_record_no") == ""
    assert_kept(response, data)
    assert db["visits"].count == 0


def test_remove_detainee_removes_that_entry_and_saves_nothing(icv, report_form, db):
    """'Remove detainee 1' drops that entry and keeps the other one as typed."""
    data = report_form(action="remove:detainees-0", in_custody="6", **second_detainee())
    response = icv.post("/visits/new", data=data)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Detainee removed. Submit the report to save the change." in page
    assert form_value(page, "detainees-0-custody_record_no") is None
    assert form_value(page, "detainees-1-custody_record_no") == "01BX/22222/26"
    assert "Detainee 2" not in page
    assert db["visits"].count == 0


def test_removing_the_only_detainee_leaves_no_entries(icv, report_form):
    """Removing the one entry leaves the report with none."""
    response = icv.post("/visits/new", data=report_form(action="remove:detainees-0"))
    assert response.status_code == 200
    assert 'class="detainee"' not in response.get_data(as_text=True)


def test_check_validates_without_saving(icv, report_form, db):
    """'Check' on a complete report says so and saves nothing."""
    data = report_form(action="check")
    response = icv.post("/visits/new", data=data)
    assert response.status_code == 200
    assert ("Everything you entered is complete. Submit the report when you are ready."
            in text(response))
    assert_kept(response, data)
    assert db["visits"].count == 0


def test_check_shows_problems_without_saving(icv, report_form, db):
    """'Check' on an incomplete report shows the problems with status 400."""
    response = icv.post("/visits/new", data=report_form(action="check", suite_id=""))
    assert response.status_code == 400
    assert "Select the custody suite you visited" in text(response)
    assert db["visits"].count == 0


# Every check has its own message -------------------------------------------------------------


def refused(client, data, message, db, skip=()):
    """Post `data`: 400, `message` in the error summary, the typed values kept, nothing saved."""
    response = client.post("/visits/new", data=data)
    assert response.status_code == 400
    page = text(response)
    assert "There is a problem" in page
    assert message in page
    assert_kept(response, data, skip=skip)
    assert db["visits"].count == 0
    return page


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
    assert "Closed Suite" not in text(icv.get("/visits/new"))
    refused(icv, report_form(suite_id=closed), "Select the custody suite you visited", db,
            skip={"suite_id"})


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


def test_spoke_with_more_than_in_custody_is_refused(icv, report_form, db):
    """Speaking with more detainees than were in custody names both numbers."""
    refused(icv, report_form(in_custody="6", spoke_with="9"),
            "You spoke with 9 detainees but entered 6 in custody: the number you spoke with "
            "cannot be more than the number in custody", db)


@pytest.mark.parametrize("field, value, message", [
    ("in_custody", "", "Enter how many detainees were in custody, or 0"),
    ("spoke_with", "", "Enter how many detainees you spoke with, or 0"),
    ("in_custody", "301", "Detainees in custody must be between 0 and 300"),
    ("spoke_with", "-1", "Detainees you spoke with must be between 0 and 300"),
    ("visit_date", "", "Enter the date of the visit"),
    ("arrival_time", "", "Enter the time you arrived, like 14:30"),
    ("departure_time", "", "Enter the time you left, like 15:45"),
    ("arrival_time", "25:00", "Time you arrived must be a real time on the 24-hour clock, like 14:30"),
    ("departure_time", "noon", "Time you left must be a real time on the 24-hour clock, like 15:45"),
    ("in_custody", "lots", "Not a valid integer value"),
])
def test_missing_or_out_of_range_header_fields_are_refused(icv, report_form, db, field, value,
                                                           message):
    """Each header field has its own message when missing, out of range or not a number or time."""
    refused(icv, report_form(**{field: value}), message, db)


def test_more_detainee_entries_than_in_custody_is_refused(icv, report_form, db):
    """Two entries for one detainee in custody is refused, naming both numbers."""
    refused(icv, report_form(in_custody="1", spoke_with="1", **second_detainee()),
            "You added 2 detainees but entered 1 in custody: check the number in custody or "
            "remove a detainee", db)


def test_duplicate_custody_record_number_is_refused(icv, report_form, db):
    """The same custody record number twice (in any case) is refused, naming it."""
    refused(icv, report_form(**second_detainee(crn=" 01bx/12345/26 ")),
            "Custody record number 01BX/12345/26 is entered twice: remove one of the two detainees",
            db)


@pytest.mark.parametrize("crn", ["John Smith", "JOHNSMITH", "john smith", "Mary O'Neil 12"])
def test_custody_record_number_that_looks_like_a_name_is_refused(icv, report_form, db, crn):
    """A name typed into the custody record box is refused with a reminder: never a name."""
    refused(icv, report_form(**{"detainees-0-custody_record_no": crn}),
            "Enter the custody record number, not a name", db)
    assert db["detainee_entries"].count == 0


@pytest.mark.parametrize("crn", ["01BX_12345", "AB/12", "/01BX/12345", "01BX/12345/26/99999999"])
def test_custody_record_number_in_a_bad_format_is_refused(icv, report_form, db, crn):
    """A custody record number with other characters, too few digits or too long is refused."""
    refused(icv, report_form(**{"detainees-0-custody_record_no": crn}),
            "Custody record number must be 4 to 20 letters, numbers, / or -, with at least 3 "
            "numbers, like 01CX/12345/26", db)


@pytest.mark.parametrize("field, message", [
    ("custody_record_no", "Enter the custody record number"),
    ("age_band", "Select the age band"),
    ("gender", "Select the gender, or 'Not stated'"),
    ("ethnicity", "Select the ethnicity, or 'Not stated'"),
    ("strip_search", "Answer yes or no: was this person strip searched?"),
    ("use_of_force", "Answer yes or no: was force used on this person?"),
    ("child", "Answer yes or no: is this person a child (under 18, or appears to be)?"),
])
def test_missing_detainee_fields_are_refused(icv, report_form, db, field, message):
    """Each detainee field and each yes/no flag question has its own message when left out."""
    data = report_form()
    del data[f"detainees-0-{field}"]
    refused(icv, data, message, db)


def test_tampered_age_band_is_refused(icv, report_form, db):
    """An age band not in the list gets the plain message."""
    refused(icv, report_form(**{"detainees-0-age_band": "200+"}), "Select the age band", db,
            skip={"detainees-0-age_band"})


def test_visit_date_in_the_future_is_refused(icv, report_form, db):
    """A visit cannot be reported before it happens."""
    tomorrow = (london_today() + timedelta(days=1)).isoformat()
    refused(icv, report_form(visit_date=tomorrow),
            "The date of the visit must be today or in the past", db)


def test_visit_date_over_a_year_ago_is_refused(icv, report_form, db):
    """A report for a visit more than a year ago is refused."""
    old = (london_today() - timedelta(days=400)).isoformat()
    refused(icv, report_form(visit_date=old), "The date of the visit must be within the last year",
            db)


def test_visit_date_that_is_not_a_date_is_refused(icv, report_form, db):
    """A date typed in another format (a phone without a date picker) is refused, not a crash."""
    refused(icv, report_form(visit_date="22/11/2026"),
            "Date of visit must be a real date, like 2026-11-22", db)


def test_visit_date_far_in_the_future_is_refused_not_a_crash(icv, report_form, db):
    """A tampered date at the end of the calendar gets a message, not a 500."""
    refused(icv, report_form(visit_date="9999-12-31", arrival_time="23:30", departure_time="00:30"),
            "The date of the visit must be today or in the past", db)


def test_leaving_at_the_time_you_arrived_is_refused(icv, report_form, db):
    """A visit cannot last no time at all."""
    refused(icv, report_form(arrival_time="10:00", departure_time="10:00"),
            "The time you left must be after the time you arrived", db)


def test_departure_more_than_eight_hours_after_arrival_is_refused(icv, report_form, db):
    """A 9-hour visit is a typing slip: the message gives the hours and asks to check both times."""
    refused(icv, report_form(arrival_time="08:00", departure_time="17:00"),
            "The time you left is 9 hours after the time you arrived. Visits last at most 8 hours: "
            "check both times (use 24-hour times, like 14:30)", db)


def test_departure_before_arrival_on_the_same_day_is_read_as_next_day_and_refused(icv, report_form,
                                                                                   db):
    """Left 09:00 after arriving 10:00 reads as a 23-hour visit: refused, never saved negative."""
    refused(icv, report_form(arrival_time="10:00", departure_time="09:00"),
            "The time you left is 23 hours after the time you arrived", db)


def test_raised_flag_with_an_unanswered_question_is_refused(icv, report_form, db):
    """A flag answered yes needs its questions: the message names the flag and the question."""
    answers = {f"detainees-0-use_of_force_answers-{k}": v for k, v in USE_OF_FORCE_ANSWERS.items()
               if k != "hcp_seen"}
    page = refused(icv, report_form(**{"detainees-0-use_of_force": "yes"}, **answers),
                   "Use of force: select an answer to 'Has a healthcare professional seen them "
                   "since?'", db)
    assert "When was force used?'" not in page


def test_follow_up_question_is_required_only_when_it_applies(icv, report_form, db):
    """No appropriate adult at a strip search: the reason for that must then be answered."""
    data = report_form(**{**STRIP_SEARCH_SS2,
                          "detainees-0-strip_search_answers-aa_present": "no"})
    refused(icv, data, "Strip search: select an answer to 'What reason was recorded for no "
            "appropriate adult?'", db)


def test_not_recorded_is_a_real_answer(icv, report_form, db):
    """'Not recorded' answers every strip search question that offers it."""
    data = report_form(**{**STRIP_SEARCH_SS2,
                          "detainees-0-strip_search_answers-intimate_parts_exposed": "not_recorded",
                          "detainees-0-strip_search_answers-searcher_same_sex": "not_recorded"})
    assert icv.post("/visits/new", data=data).status_code == 302


def test_tampered_flag_answer_is_refused(icv, report_form, db):
    """An answer that is not one of the choices counts as unanswered."""
    data = report_form(**{**STRIP_SEARCH_SS2,
                          "detainees-0-strip_search_answers-context": "made_up"})
    refused(icv, data, "Strip search: select an answer to 'What kind of search was it?'", db,
            skip={"detainees-0-strip_search_answers-context"})


def test_under_18_age_band_without_the_child_flag_is_refused(icv, report_form, db):
    """An age band under 18 with 'child: no' is refused: the child flag must be yes."""
    refused(icv, report_form(**{"detainees-0-age_band": "16-17", "detainees-0-child": "no"}),
            "The age band is under 18, so answer yes: this detainee is a child", db)


def test_tampered_client_id_is_refused(icv, report_form, db):
    """A form whose hidden id was edited or lost is refused and asks for a reload."""
    refused(icv, report_form(client_id="not-a-uuid"),
            "This form is out of date. Reload the page and enter the report again.", db)


# What is never stored ------------------------------------------------------------------------


def test_no_column_can_hold_a_detainees_name_birth_date_address_or_offence(db):
    """Detainees are identified by custody record number only: no column could hold more."""
    forbidden = re.compile(r"name|birth|dob|address|offen[cs]e", re.I)
    for table in ("visits", "detainee_entries", "flags", "escalations"):
        assert not [c for c in db[table].columns_dict if forbidden.search(c)], table
    assert set(db["detainee_entries"].columns_dict) == {
        "id", "visit_id", "position", "custody_record_no", "age_band", "gender", "ethnicity"}
