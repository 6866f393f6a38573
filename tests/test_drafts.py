"""Drafts: every action stores what was typed, valid or not; autosave; check your answers;
submitting a checked draft once; deleting a draft; and nobody else's draft."""
import json
import re
import uuid

import pytest

from conftest import (assert_kept, detainee_fields, draft_url, error_messages, form_value,
                      form_values, issue_fields, notices, page_text)
from icv.visits.forms import MAX_DETAINEES, MAX_ISSUES

FETCH = {"X-Requested-With": "fetch"}
SECTIONS = ["section-visit", "section-counts", "section-detainees", "section-facilities",
            "section-issues"]


@pytest.fixture
def icv(login_as):
    return login_as("icv")


def stored(db, client_id):
    """The draft row and its fields as {name: value}, or (None, None)."""
    rows = list(db["drafts"].rows_where("client_id = ?", [client_id]))
    return (rows[0], dict(json.loads(rows[0]["fields"]))) if rows else (None, None)


def typed(data):
    """What the person typed: the posted fields without the button."""
    return {k: v for k, v in data.items() if k != "action"}


def check(client, data):
    """Save and check a report; returns the check page's response."""
    response = client.post(draft_url(data), data={**data, "action": "check"})
    assert response.status_code == 302, error_messages(response)
    assert response.location == draft_url(data, "/check")
    return client.get(response.location)


def revision_in(page):
    return re.search(r'name="revision" value="(\d+)"', page).group(1)


# Saving keeps everything typed -------------------------------------------------------------


def test_save_keeps_invalid_input_and_shows_it_again(icv, report_form, db):
    """Save stores the typed fields even when they would not pass a check: a draft with errors
    is kept as typed and shown again, without complaints until the person checks it."""
    data = report_form(action="save", suite_id="", in_custody="lots", arrival_time="25:00",
                       **{"detainees-0-custody_record_no": "john smith",
                          "outcomes-not_seen": "9"})
    response = icv.post(draft_url(data), data=data)
    assert response.status_code == 302
    assert response.location == draft_url(data) + "#main-content"
    draft, fields = stored(db, data["client_id"])
    assert fields == typed(data)
    assert (draft["user_id"], draft["visit_id"], draft["revision"]) == (icv.user.id, None, 1)
    assert db["visits"].count == 0
    page = icv.get(response.location)
    assert page.status_code == 200
    assert any(n.startswith("Draft saved at ") for n in notices(page))
    assert error_messages(page) == []
    assert_kept(page, data, skip={"suite_id", "detainees-0-custody_record_no"})
    shown = form_values(page.text)
    assert shown["suite_id"] == ""  # the "Select a custody suite" placeholder
    assert shown["detainees-0-custody_record_no"] == "JOHN SMITH"


def test_save_for_a_section_returns_to_that_section(icv, report_form, db):
    """'Save draft' in a section saves and comes back to that section; saving again bumps the
    revision and replaces the fields."""
    data = report_form(action="save:section-counts")
    response = icv.post(draft_url(data), data=data)
    assert response.location == draft_url(data) + "#section-counts"
    icv.post(draft_url(data), data={**data, "in_custody": "7", "action": "save"})
    draft, fields = stored(db, data["client_id"])
    assert draft["revision"] == 2 and fields["in_custody"] == "7"


def test_a_draft_address_with_nothing_saved_shows_a_blank_form(icv, db):
    """A phone may make its own id: its address shows a blank form for that id, saving nothing."""
    client_id = str(uuid.uuid4())
    response = icv.get(f"/visits/drafts/{client_id}")
    assert response.status_code == 200
    assert form_value(response.text, "client_id") == client_id
    assert "Not saved yet" in response.text
    assert db["drafts"].count == 0


def test_my_reports_lists_my_drafts_only(icv, login_as, report_form, make_suite):
    """'My reports' lists each of my drafts with its suite and date, linked to carry on; not
    another ICV's drafts."""
    suite = make_suite("Brixton")
    mine = report_form(suite_id=suite, action="save")
    icv.post(draft_url(mine), data=mine)
    other = login_as("icv")
    theirs = report_form(action="save")
    other.post(draft_url(theirs), data=theirs)
    page = page_text(icv.get("/visits/"))
    assert "<h2>Drafts</h2>" in page
    assert f'<a href="{draft_url(mine)}">Brixton, {mine["visit_date"]}</a>' in page
    assert "Not submitted yet." in page
    assert draft_url(theirs) not in page


def test_my_reports_names_a_draft_with_no_suite_yet(icv, report_form):
    data = report_form(suite_id="", visit_date="", action="save")
    icv.post(draft_url(data), data=data)
    assert f'<a href="{draft_url(data)}">Visit report</a>' in page_text(icv.get("/visits/"))


# Adding and removing -------------------------------------------------------------------------


def test_add_detainee_adds_an_empty_entry_and_saves_the_draft(icv, report_form, db):
    """'Add another detainee' shows a second, empty entry with its own key and the focus, keeps
    the first as typed and saves the draft; no report is made."""
    data = report_form(action="add_detainee")
    response = icv.post(draft_url(data), data=data)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Detainee 2" in page
    shown = form_values(page)
    assert shown["detainees-1-custody_record_no"] == ""
    assert re.fullmatch(r"[0-9a-f]{32}", shown["detainees-1-entry_key"])
    assert shown["detainees-1-entry_key"] != data["detainees-0-entry_key"]
    assert re.search(r'<input [^>]*\bautofocus\b[^>]*name="detainees-1-custody_record_no"', page)
    assert_kept(response, data)
    assert stored(db, data["client_id"])[1] == typed(data)
    assert db["visits"].count == 0


def test_add_issue_adds_an_empty_issue_and_saves_the_draft(icv, report_form, db):
    data = report_form(action="add_issue")
    response = icv.post(draft_url(data), data=data)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Issue 1" in page and "Remove issue 1" in page
    assert form_value(page, "issues-0-description") == ""
    assert_kept(response, data)
    assert stored(db, data["client_id"])[1] == typed(data)


def test_remove_detainee_removes_that_entry_from_the_page_and_the_draft(icv, report_form, db):
    """'Remove detainee 1' drops that entry, keeps the other as typed, and saves the draft
    without it."""
    data = report_form(action="remove:detainees-0", **detainee_fields(1))
    response = icv.post(draft_url(data), data=data)
    assert response.status_code == 200
    assert "Removed. Your draft is saved." in notices(response)
    shown = form_values(response.get_data(as_text=True))
    assert "detainees-0-custody_record_no" not in shown
    assert shown["detainees-1-custody_record_no"] == "01BX/12346/26"
    assert "Detainee 2" not in response.text
    _, fields = stored(db, data["client_id"])
    assert not [k for k in fields if k.startswith("detainees-0-")]
    assert fields["detainees-1-entry_key"] == data["detainees-1-entry_key"]
    again = icv.get(draft_url(data)).text
    assert "Detainee 1" in again and "Detainee 2" not in again
    assert [v for k, v in form_values(again).items() if k.endswith("-entry_key")] == [
        data["detainees-1-entry_key"]]
    assert db["visits"].count == 0


def test_removing_the_only_detainee_leaves_no_entries(icv, report_form):
    data = report_form(action="remove:detainees-0")
    response = icv.post(draft_url(data), data=data)
    assert response.status_code == 200
    assert 'class="detainee"' not in response.get_data(as_text=True)


def test_remove_issue_removes_that_issue_only(icv, report_form, db):
    data = report_form(action="remove:issues-0", **issue_fields(0),
                       **issue_fields(1, description="Cell 4 too cold."))
    response = icv.post(draft_url(data), data=data)
    assert response.status_code == 200
    shown = form_values(response.get_data(as_text=True))
    assert "issues-0-description" not in shown
    assert shown["issues-1-description"] == "Cell 4 too cold."
    assert shown["detainees-0-custody_record_no"] == "01BX/12345/26"
    _, fields = stored(db, data["client_id"])
    assert "issues-0-category" not in fields and fields["issues-1-category"] == "food_drink"


def test_removing_detainee_1_keeps_detainee_10(icv, report_form, db):
    """Removing detainees-1 does not also remove detainees-10 (whose names start the same)."""
    data = report_form(action="remove:detainees-1", **detainee_fields(1), **detainee_fields(10))
    icv.post(draft_url(data), data=data)
    _, fields = stored(db, data["client_id"])
    assert "detainees-1-entry_key" not in fields
    assert fields["detainees-10-entry_key"] == data["detainees-10-entry_key"]


@pytest.mark.parametrize("action, limit, make", [
    ("add_detainee", MAX_DETAINEES, detainee_fields), ("add_issue", MAX_ISSUES, issue_fields)])
def test_adding_beyond_the_limit_says_so_and_keeps_the_draft(icv, report_form, db, action, limit,
                                                             make):
    """A report holds at most 40 detainees and 30 issues: one more is refused with a message,
    not a crash, and what was typed is saved."""
    extra = {}
    for n in range(limit):
        extra.update(make(n))
    data = report_form(action=action, **extra)
    response = icv.post(draft_url(data), data=data)
    assert response.status_code == 200
    assert any(f"at most {limit}" in n for n in notices(response))
    assert stored(db, data["client_id"])[1] == typed(data)


# Autosave ------------------------------------------------------------------------------------


def test_autosave_saves_what_was_typed_and_answers_json(icv, report_form, db):
    """Autosave stores the whole form, valid or not, and answers its revision and London time."""
    data = report_form(in_custody="", suite_id="")
    del data["action"]
    first = icv.post(draft_url(data, "/autosave"), data=data, headers=FETCH)
    assert first.status_code == 200
    assert first.json["revision"] == 1
    assert re.fullmatch(r"\d\d:\d\d", first.json["saved_at"])
    second = icv.post(draft_url(data, "/autosave"), data={**data, "in_custody": "4"}, headers=FETCH)
    assert second.json["revision"] == 2
    draft, fields = stored(db, data["client_id"])
    assert draft["revision"] == 2 and fields["in_custody"] == "4"
    assert db["visits"].count == 0


def test_autosave_when_signed_out_is_401_json(client, report_form, db):
    """Signed out, JavaScript's save gets 401 JSON it can act on, not a sign-in page."""
    data = report_form()
    response = client.post(draft_url(data, "/autosave"), data=data, headers=FETCH)
    assert response.status_code == 401
    assert response.json["error"] == "signed_out"
    assert db["drafts"].count == 0


def test_autosave_with_a_client_id_not_matching_the_address_is_400(icv, report_form, db):
    data = report_form()
    response = icv.post(f"/visits/drafts/{uuid.uuid4()}/autosave", data=data, headers=FETCH)
    assert response.status_code == 400
    assert response.json["error"] == "mismatch"
    assert db["drafts"].count == 0


# Check your answers --------------------------------------------------------------------------


def test_check_shows_the_answers_with_not_provided_and_change_links(icv, report_form, db):
    """A valid draft goes to 'Check your answers': every section with a Change link back to it,
    blanks shown as 'Not provided', and the revision that was checked."""
    data = report_form()
    page = check(icv, data)
    assert page.status_code == 200
    text = page_text(page)
    assert "Check your answers before submitting" in text
    assert "<dt>Reason for delay</dt>\n    <dd>Not provided</dd>" in text
    assert "<dt>Good practice</dt>\n    <dd>Not provided</dd>" in text
    assert "<dt>Custody officer</dt>\n    <dd>PS 1234</dd>" in text
    for anchor in SECTIONS:
        assert f'href="{draft_url(data)}#{anchor}">Change' in text
    assert revision_in(text) == str(stored(db, data["client_id"])[0]["revision"])
    assert db["visits"].count == 0


def test_check_with_problems_shows_the_form_with_errors_and_keeps_the_draft(icv, report_form, db):
    """'Continue to check' on an incomplete report shows the problems (400) and saves the draft."""
    data = report_form(action="check", suite_id="")
    response = icv.post(draft_url(data), data=data)
    assert response.status_code == 400
    assert "Select the custody suite you visited" in error_messages(response)
    assert_kept(response, data)
    assert stored(db, data["client_id"])[1] == typed(data)


def test_check_page_of_an_invalid_draft_shows_the_form_with_errors(icv, report_form):
    """Opening the check page of a draft that does not pass shows the form and its errors."""
    data = report_form(action="save", custody_officer="")
    icv.post(draft_url(data), data=data)
    response = icv.get(draft_url(data, "/check"))
    assert response.status_code == 400
    assert "Enter the custody officer's rank and number, like PS 1234" in error_messages(response)


def test_check_page_without_a_draft_is_not_found(icv):
    assert icv.get(f"/visits/drafts/{uuid.uuid4()}/check").status_code == 404


# Submitting a checked draft ------------------------------------------------------------------


def test_submit_after_check_saves_the_report_and_deletes_the_draft(icv, report_form, db):
    data = report_form()
    page = check(icv, data).text
    response = icv.post(draft_url(data, "/submit"), data={"revision": revision_in(page)})
    assert response.status_code == 302
    visit = next(db["visits"].rows)
    assert response.location == f"/visits/{visit['id']}"
    assert visit["client_id"] == data["client_id"]
    assert db["drafts"].count == 0
    assert dict(json.loads(next(db["visit_versions"].rows)["fields"])) == typed(data)


def test_draft_address_after_submit_shows_the_report(icv, report_form):
    """Opening (or posting to) a submitted report's draft address leads to the report."""
    data = report_form()
    location = icv.post(draft_url(data), data=data).location
    assert icv.get(draft_url(data)).location == location
    assert icv.post(draft_url(data), data={**data, "action": "save"}).location == location


def test_outbox_submit_of_an_invalid_report_keeps_it_as_a_draft(icv, report_form, db):
    """The outbox sends action=submit in one go: a report that does not pass is kept as the
    draft and shown with its errors (400); fixed and sent again, it is saved."""
    data = report_form(custody_officer="")
    response = icv.post(draft_url(data), data=data)
    assert response.status_code == 400
    assert stored(db, data["client_id"])[1] == typed(data)
    assert icv.post(draft_url(data), data={**data, "custody_officer": "PS 1"}).status_code == 302
    assert db["visits"].count == 1 and db["drafts"].count == 0


def test_submit_of_a_draft_that_no_longer_passes_shows_the_errors(icv, report_form, db):
    """A checked draft that no longer passes (the suite closed meanwhile) is not submitted."""
    data = report_form()
    revision = revision_in(check(icv, data).text)
    db["suites"].update(int(data["suite_id"]), {"status": "closed"})
    response = icv.post(draft_url(data, "/submit"), data={"revision": revision})
    assert response.status_code == 400
    assert "Select the custody suite you visited" in error_messages(response)
    assert db["visits"].count == 0 and db["drafts"].count == 1


def test_submit_without_a_draft_is_not_found(icv):
    response = icv.post(f"/visits/drafts/{uuid.uuid4()}/submit", data={"revision": "1"})
    assert response.status_code == 404


# Deleting --------------------------------------------------------------------------------------


def test_delete_asks_first_then_deletes(icv, report_form, db):
    """The form links to 'Delete this draft', which asks; confirming deletes and goes back to
    My reports."""
    data = report_form(action="save")
    icv.post(draft_url(data), data=data)
    assert f'href="{draft_url(data, "/delete")}"' in icv.get(draft_url(data)).text
    ask = icv.get(draft_url(data, "/delete"))
    assert ask.status_code == 200
    assert "Delete this draft?" in ask.text and "Deleting it cannot be undone." in ask.text
    assert db["drafts"].count == 1
    response = icv.post(draft_url(data, "/delete"), follow_redirects=True)
    assert response.request.path == "/visits/"
    assert "Draft deleted." in notices(response)
    assert db["drafts"].count == 0


def test_deleting_a_draft_that_is_not_there_is_not_found(icv):
    assert icv.get(f"/visits/drafts/{uuid.uuid4()}/delete").status_code == 404
    assert icv.post(f"/visits/drafts/{uuid.uuid4()}/delete").status_code == 404


# Nobody else's draft -------------------------------------------------------------------------


def test_another_icvs_draft_is_not_found_and_left_alone(icv, login_as, report_form, db):
    """Every draft address of another ICV's draft is a 404, and their draft is unchanged."""
    owner = login_as("icv")
    data = report_form(action="save")
    owner.post(draft_url(data), data=data)
    before = stored(db, data["client_id"])
    assert icv.get(draft_url(data)).status_code == 404
    assert icv.post(draft_url(data), data={**data, "custody_officer": "X"}).status_code == 404
    assert icv.post(draft_url(data), data={**data, "action": "submit"}).status_code == 404
    assert icv.post(draft_url(data, "/autosave"), data=data, headers=FETCH).status_code == 404
    assert icv.get(draft_url(data, "/check")).status_code == 404
    assert icv.post(draft_url(data, "/submit"), data={"revision": "1"}).status_code == 404
    assert icv.get(draft_url(data, "/delete")).status_code == 404
    assert icv.post(draft_url(data, "/delete")).status_code == 404
    assert stored(db, data["client_id"]) == before
    assert db["visits"].count == 0
