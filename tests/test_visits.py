"""Visit reports: the blank form, submitting a whole report, what is stored and shown, saving
once, and 'My reports'. Each check's message is in test_visit_form.py; drafts, corrections and
sessions have their own files."""
import json
import re
import uuid
from datetime import date, time, timedelta

import pytest

from conftest import (FACILITY_ITEMS, detainee_fields, draft_url, form_value, issue_fields, notices,
                      page_text)
from icv.flags import FLAGS
from icv.times import london_to_utc, london_today, span_to_utc, to_iso


STRIP_SEARCH_SS2 = {  # a strip search by an officer not of the same sex (SS2, critical)
    "detainees-0-strip_search": "yes",
    "detainees-0-strip_search_answers-context": "custody",
    "detainees-0-strip_search_answers-intimate_parts_exposed": "yes",
    "detainees-0-strip_search_answers-orifice_contact": "no",
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
CHILD_ANSWERS = {"aa_status": "present", "held_in": "juvenile_room", "sharing_with_adult": "no",
                 "expected_overnight": "not_known"}


def answers(n, kind, given):
    """detainees-<n>-<kind>_answers-* fields for a flag's answers."""
    return {f"detainees-{n}-{kind}_answers-{k}": v for k, v in given.items()}


@pytest.fixture
def icv(login_as):
    """A signed-in ICV."""
    return login_as("icv")


def submit(client, data, **kwargs):
    """POST the form to its draft address (action=submit unless the data says otherwise)."""
    return client.post(draft_url(data), data=data, **kwargs)


# The blank form ----------------------------------------------------------------------------


def test_new_report_form_starts_with_todays_date_a_client_id_and_one_detainee(icv, db):
    """The blank form is ready to fill: today's London date, one detainee entry with its own
    32-hex entry key, a fresh id posting to its draft address, no partner chosen, and nothing
    stored until the first save."""
    response = icv.get("/visits/new")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert form_value(page, "visit_date") == london_today().isoformat()
    client_id = form_value(page, "client_id")
    assert str(uuid.UUID(client_id)) == client_id
    assert f'action="/visits/drafts/{client_id}"' in page
    assert f'data-autosave-url="/visits/drafts/{client_id}/autosave"' in page
    assert re.fullmatch(r"[0-9a-f]{32}", form_value(page, "detainees-0-entry_key"))
    assert "Detainee 1" in page and "Detainee 2" not in page
    assert form_value(page, "partner_id") is None
    assert form_value(page, "visit_type") == "routine"
    assert form_value(page, "facilities-cells") == "not_checked"
    assert db["drafts"].count == 0


def test_two_blank_forms_get_different_ids(icv):
    """Each new report gets its own client id, so two reports never share a draft."""
    first = form_value(icv.get("/visits/new").text, "client_id")
    second = form_value(icv.get("/visits/new").text, "client_id")
    assert first != second


def test_form_has_the_five_sections_and_every_flag_and_facility(icv):
    """One page, five sections; each detainee card asks every flag's yes/no question but the
    child's (an under-18 age band raises it), and every facility item has a status and a note."""
    page = page_text(icv.get("/visits/new"))
    for anchor in ("section-visit", "section-counts", "section-detainees", "section-facilities",
                   "section-issues"):
        assert f'id="{anchor}"' in page
    for flag in FLAGS:
        asked = flag.kind != "child"
        assert (flag.question in page) is asked
        assert (f'name="detainees-0-{flag.kind}"' in page) is asked
        assert f'name="detainees-0-{flag.kind}_answers-' in page
    for item in FACILITY_ITEMS:
        assert f'name="facilities-{item}"' in page and f'name="facilities-{item}_note"' in page


def test_partner_list_offers_other_active_icvs_only(icv, make_user):
    """The partner list holds 'I visited alone' and other active ICVs: not me, staff or leavers."""
    other = make_user("icv", display_name="Priya Shah")
    make_user("icv", display_name="Left Last Year", active=0)
    make_user("custody_team", display_name="Jordan Ellis")
    page = page_text(icv.get("/visits/new"))
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
    data = report_form(suite_id=suite_id, partner_id=str(partner.id), single_visitor_reason="",
                       **STRIP_SEARCH_SS2)
    response = submit(icv, data)
    assert response.status_code == 302
    visit = next(db["visits"].rows)
    assert response.location == f"/visits/{visit['id']}"
    assert visit["client_id"] == data["client_id"]
    assert (visit["created_by"], visit["partner_id"], visit["suite_id"]) == (
        icv.user.id, partner.id, suite_id)
    day, typed = date.fromisoformat(data["visit_date"]), lambda name: time.fromisoformat(data[name])
    arrived, left = span_to_utc(day, typed("arrival_time"), typed("departure_time"))
    admitted = span_to_utc(day, typed("arrival_time"), typed("admitted_time"))[1]
    assert (visit["arrived_at"], visit["admitted_at"], visit["departed_at"]) == (
        to_iso(arrived), to_iso(admitted), to_iso(left))
    assert (visit["in_custody"], visit["spoke_with"], visit["status"], visit["version"]) == (
        6, 2, "submitted", 1)

    report = icv.get(response.location)
    assert report.status_code == 200
    page = page_text(report)
    assert "Report submitted. Thank you." in notices(report)
    assert "Visit to Brixton" in page
    assert "Detainee 1: 01BX/12345/26" in page
    assert ("<dt>Strip search: Was the searching officer the same sex as the detainee?</dt>"
            "<dd>No</dd>" in page)

    mine = page_text(icv.get("/visits/"))
    assert f'href="/visits/{visit["id"]}"' in mine and "Brixton" in mine
    theirs = login_as(partner)
    listed = page_text(theirs.get("/visits/"))
    assert f'href="/visits/{visit["id"]}"' in listed
    assert "Your partner wrote this report." in listed
    assert theirs.get(f"/visits/{visit['id']}").status_code == 200


def test_every_part_of_the_report_is_stored(icv, report_form, db):
    """The header, every count, the entry (key, consent, checks), the facilities, the issues and
    the comments are stored; version 1 keeps the fields as typed and a labelled snapshot; the
    draft is gone."""
    data = report_form(**{
        "visit_type": "follow_up", "custody_officer": "PS 4321",
        "groups-women": "1", "groups-interpreter_needed": "2",
        "cells_in_use": "7", "cells_out_of_order": "1",
        "detainees-0-checks-legal_advice": "requested_waiting", "detainees-0-checks-aa": "not_needed",
        "facilities-showers": "concern", "facilities-showers_note": "Shower broken",
        "facilities-cctv": "not_checked", "good_practice": "Staff knew every detainee's needs.",
        "general_comments": "A calm suite."}, **issue_fields(0))
    assert submit(icv, data).status_code == 302
    visit = next(db["visits"].rows)
    assert (visit["visit_type"], visit["custody_officer"], visit["single_visitor_reason"]) == (
        "follow_up", "PS 4321", "My partner was unwell on the day.")
    assert (visit["good_practice"], visit["general_comments"]) == (
        "Staff knew every detainee's needs.", "A calm suite.")
    counts = json.loads(visit["counts"])
    assert counts == {
        "in_custody": 6, "offered": 3, "cells_in_use": 7, "cells_out_of_order": 1,
        "children": 0, "women": 1, "aa_required": 0, "vulnerable_adults": 0,
        "interpreter_needed": 2, "at_hospital": 0,
        "spoke_with": 2, "observed_only": 1, "declined": 1, "not_seen": 2,
        "not_seen_asleep": 2, "not_seen_interview": 0, "not_seen_with_professional": 0,
        "not_seen_booking_or_release": 0, "not_seen_risk_advice": 0, "not_seen_unfit": 0,
        "not_seen_access_refused": 0, "not_seen_other": 0}
    entry = next(db["detainee_entries"].rows)
    assert entry["entry_key"] == data["detainees-0-entry_key"]
    assert (entry["consent"], entry["appears_under_18"], entry["removed_at"]) == ("yes", "no", None)
    assert json.loads(entry["checks"]) == {"told_rights": "yes", "legal_advice": "requested_waiting",
                                           "aa": "not_needed"}
    facilities = {r["item"]: (r["status"], r["note"]) for r in db["facility_checks"].rows}
    assert len(facilities) == len(FACILITY_ITEMS)
    assert facilities["showers"] == ("concern", "Shower broken")
    assert facilities["cctv"] == ("not_checked", "")
    assert facilities["cells"] == ("ok", "")
    issue = next(db["visit_issues"].rows)
    assert (issue["category"], issue["description"], issue["raised_with"],
            issue["resolved_at_visit"]) == ("food_drink", "No hot drinks offered since 06:00.",
                                            "Custody sergeant", "yes")
    version = next(db["visit_versions"].rows)
    assert (version["visit_id"], version["version"], version["created_by"], version["reason"]) == (
        visit["id"], 1, icv.user.id, "")
    assert dict(json.loads(version["fields"]))["custody_officer"] == "PS 4321"
    titles = [s["title"] for s in json.loads(version["snapshot"])]
    assert titles == ["The visit", "Numbers", "Detainee 1: 01BX/12345/26", "Facilities",
                      "Issues and comments"]
    assert db["drafts"].count == 0


def test_a_second_detainee_is_stored_in_order(icv, report_form, db):
    """Two entries are stored in the order they were entered, each with its own key."""
    data = report_form(**{"outcomes-spoke_with": "2"}, **detainee_fields(1, consent="yes"))
    assert submit(icv, data).status_code == 302
    rows = list(db.query("SELECT * FROM detainee_entries ORDER BY position"))
    assert [(r["position"], r["custody_record_no"], r["entry_key"]) for r in rows] == [
        (0, "01BX/12345/26", data["detainees-0-entry_key"]),
        (1, "01BX/12346/26", data["detainees-1-entry_key"])]


def test_report_page_shows_counts_facilities_issues_and_comments(icv, report_form):
    """The read-only report shows the numbers, the facility concerns with their notes, each
    issue and the comments."""
    data = report_form(**{"groups-women": "1", "facilities-showers": "concern",
                          "facilities-showers_note": "Shower broken",
                          "general_comments": "A calm suite."}, **issue_fields(0))
    page = page_text(icv.get(submit(icv, data).location))
    assert "<dt>Detainees in custody</dt><dd>6</dd>" in page
    assert "<dt>Declined to speak with you</dt><dd>1</dd>" in page
    assert "<dt>Women and girls</dt><dd>1</dd>" in page
    assert "<dt>Custody officer</dt><dd>PS 1234</dd>" in page
    assert "14 checked and OK, 1 with a concern, 0 not checked." in page
    assert "<dt>Showers and washing</dt><dd>Concern: Shower broken</dd>" in page
    assert "<strong>Food and drink</strong>: No hot drinks offered since 06:00." in page
    assert "Raised with Custody sergeant. Resolved during the visit: Yes." in page
    assert "A calm suite." in page
    assert "(alone: My partner was unwell on the day.)" in page


def test_flag_answers_are_stored_for_relevant_questions_only(icv, report_form, db):
    """A follow-up question that does not apply (no reason for no adult when one was not needed)
    is not stored even if posted."""
    data = report_form(**STRIP_SEARCH_SS2,
                       **{"detainees-0-strip_search_answers-no_aa_reason": "none"})
    assert submit(icv, data).status_code == 302
    entry = next(db["detainee_entries"].rows)
    assert entry["custody_record_no"] == "01BX/12345/26"
    flag = next(db["flags"].rows)
    assert flag["detainee_entry_id"] == entry["id"] and flag["kind"] == "strip_search"
    assert json.loads(flag["answers"]) == {
        "context": "custody", "intimate_parts_exposed": "yes", "orifice_contact": "no",
        "aa_present": "not_needed", "searcher_same_sex": "no", "reason_recorded": "yes",
        "source": "icv_observed"}


def test_answers_to_a_flag_answered_no_are_not_stored(icv, report_form, db):
    """Answers posted under a flag answered 'no' (a card opened and closed) store no flag."""
    data = report_form(**answers(0, "use_of_force", USE_OF_FORCE_ANSWERS))
    assert data["detainees-0-use_of_force"] == "no"
    assert submit(icv, data).status_code == 302
    assert db["flags"].count == 0


def test_flagged_report_raises_its_escalations(icv, report_form, db):
    """Submitting a report raises what the rules find: SS2 on the entry and AC4 (visited alone)
    on the visit."""
    response = submit(icv, report_form(**STRIP_SEARCH_SS2))
    assert response.status_code == 302
    entry_id = next(db["detainee_entries"].rows)["id"]
    raised = {(e["rule_id"], e["priority"], e["detainee_entry_id"], e["status"])
              for e in db["escalations"].rows}
    assert raised == {("SS2", "critical", entry_id, "new"), ("AC4", "low", None, "new")}
    page = page_text(icv.get(response.location))
    assert "SS2: Strip search by an officer not of the same sex" in page


def test_intimate_search_without_authority_raises_ss3(icv, make_user, report_form, db):
    """The new intimate search flag is stored with its answers and an unauthorised search
    raises SS3 (critical)."""
    partner = make_user("icv")
    data = report_form(partner_id=str(partner.id), **{"detainees-0-intimate_search": "yes"},
                       **answers(0, "intimate_search", {
                           "grounds": "harm_item", "inspector_authorised": "no",
                           "conducted_by_hcp": "yes", "aa_present": "not_needed",
                           "source": "custody_record"}))
    assert submit(icv, data).status_code == 302
    assert next(db["flags"].rows)["kind"] == "intimate_search"
    assert {(e["rule_id"], e["priority"]) for e in db["escalations"].rows} == {("SS3", "critical")}


def test_report_without_flags_visited_in_pairs_raises_nothing(icv, make_user, report_form, db):
    """A calm visit made in a pair raises no escalation."""
    partner = make_user("icv")
    data = report_form(partner_id=str(partner.id), single_visitor_reason="")
    assert submit(icv, data).status_code == 302
    assert db["escalations"].count == 0


def test_child_with_use_of_force_raises_child_escalations(icv, make_user, report_form, db):
    """A 14-year-old in a spit guard, force not on the record: UF2, and UF4 raised to critical."""
    partner = make_user("icv")
    uof = answers(0, "use_of_force", {**USE_OF_FORCE_ANSWERS, "spit_guard": "yes",
                                      "recorded_on_custody_record": "no"})
    data = report_form(partner_id=str(partner.id), **uof, **answers(0, "child", CHILD_ANSWERS), **{
        "detainees-0-age_band": "14-15", "detainees-0-appears_under_18": "yes",
        "detainees-0-use_of_force": "yes", "detainees-0-child": "yes", "groups-children": "1"})
    assert submit(icv, data).status_code == 302
    assert {(e["rule_id"], e["priority"]) for e in db["escalations"].rows} == {
        ("UF2", "critical"), ("UF4", "critical")}
    assert {f["kind"] for f in db["flags"].rows} == {"use_of_force", "child"}


def test_report_with_no_detainee_entries_is_accepted(icv, report_form, db):
    """An empty suite is a real visit: zero in custody and no entries is a valid report."""
    zeros = {"in_custody": "0", "offered": "0", "cells_in_use": "0", "not_seen_reasons-asleep": "",
             **{f"outcomes-{n}": "0" for n in ("spoke_with", "observed_only", "declined",
                                              "not_seen")}}
    data = {k: v for k, v in report_form(**zeros).items() if not k.startswith("detainees-")}
    assert submit(icv, data).status_code == 302
    assert db["visits"].count == 1 and db["detainee_entries"].count == 0


def test_visit_past_midnight_is_stored_as_ending_the_next_day(icv, report_form, db):
    """Arriving 23:30, let in 00:05 and leaving 00:45 is a visit ending the next morning, and
    the time let in is the next day too."""
    day = london_today() - timedelta(days=2)
    data = report_form(visit_date=day.isoformat(), arrival_time="23:30", admitted_time="00:05",
                       departure_time="00:45",
                       admission_delay_reason="Busy booking in a detainee.")
    response = submit(icv, data)
    assert response.status_code == 302
    visit = next(db["visits"].rows)
    assert visit["arrived_at"] == to_iso(london_to_utc(day, time(23, 30)))
    assert visit["admitted_at"] == to_iso(london_to_utc(day + timedelta(days=1), time(0, 5)))
    assert visit["departed_at"] == to_iso(london_to_utc(day + timedelta(days=1), time(0, 45)))
    page = page_text(icv.get(response.location))
    assert f"{day:%a %-d %b %Y}, 23:30" in page
    assert f"{day + timedelta(days=1):%a %-d %b %Y}, 00:45" in page


def test_submitting_twice_saves_one_report(icv, report_form, db):
    """A double tap (the same client_id posted again) saves one report and shows it again."""
    data = report_form(**STRIP_SEARCH_SS2)
    first = submit(icv, data)
    second = submit(icv, data, follow_redirects=True)
    assert first.status_code == 302
    assert second.status_code == 200
    assert second.request.path == first.location
    assert ("This report has already been submitted: here it is. Nothing was sent twice."
            in notices(second))
    assert db["visits"].count == 1
    assert db["detainee_entries"].count == 1
    assert db["escalations"].count == 2
    assert db["drafts"].count == 0


def test_my_reports_lists_the_icvs_reports_newest_first(icv, login_as, make_visit, make_suite):
    """'My reports' lists my reports and those I was partner on, newest first; not others'."""
    old = make_visit(icv.user, suite_id=make_suite("Old Suite"), hours_ago=50)
    new = make_visit(icv.user, suite_id=make_suite("New Suite"), hours_ago=5)
    someone = login_as("icv")
    hidden = make_visit(someone.user, suite_id=make_suite("Not Mine"))
    page = page_text(icv.get("/visits/"))
    assert page.index(f'href="/visits/{new}"') < page.index(f'href="/visits/{old}"')
    assert f'href="/visits/{hidden}"' not in page and "Not Mine" not in page


# What is never stored ------------------------------------------------------------------------


def test_no_column_can_hold_a_detainees_name_birth_date_address_or_offence(db):
    """Detainees are identified by custody record number only: no column could hold more."""
    forbidden = re.compile(r"name|birth|dob|address|offen[cs]e", re.I)
    for table in ("visits", "detainee_entries", "flags", "escalations", "facility_checks",
                  "visit_issues", "visit_versions", "drafts"):
        assert not [c for c in db[table].columns_dict if forbidden.search(c)], table
    assert set(db["detainee_entries"].columns_dict) == {
        "id", "visit_id", "entry_key", "position", "custody_record_no", "age_band",
        "appears_under_18", "gender", "ethnicity", "consent", "checks", "removed_at"}


def test_flags_read_the_same_in_words_on_a_report_and_a_review():
    """One home for "flags in words" (reviews/summary.py calls it too): a raised flag's answers in the flag's question order,
    choices as their labels, minutes as typed; a flag not raised is "No"."""
    from icv import flags
    from icv.visits.snapshot import entry_rows

    force = {"spit_guard_minutes": 12, "spit_guard": "yes", "phase": "in_cell"}
    rows = flags.in_words({"use_of_force": force, "child": None})
    assert ["Use of force", "Yes"] in rows and ["Child", "No"] in rows
    assert [r for r in rows if r[0].startswith("Use of force:")] == [
        ["Use of force: When was force used?", "In the cell"],
        ["Use of force: Was a spit and bite guard used?", "Yes"],
        ["Use of force: For how many minutes was the spit and bite guard on?", 12]]
    entry = {"age_band": "25-34", "gender": "male", "ethnicity": "not_stated", "checks": {},
             "flags": {"use_of_force": force}}
    assert entry_rows(entry)[-len(rows):] == rows
