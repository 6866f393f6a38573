"""Correcting a submitted report: a draft made from the report, a reason, a new version with the
changes shown, entries and escalations kept, and two corrections at once."""
import csv
import io
import json
import random
import re
from datetime import timedelta

import pytest

from conftest import (assert_kept, detainee_fields, draft_url, error_messages, form_values,
                      notices, page_text)
from icv import demo, rulebook
from icv.times import london, london_today
from icv.visits.store import record_visit

SS2 = {"strip_search": "yes", "strip_search_answers-context": "custody",
       "strip_search_answers-intimate_parts_exposed": "yes",
       "strip_search_answers-orifice_contact": "no", "strip_search_answers-aa_present": "not_needed",
       "strip_search_answers-searcher_same_sex": "no", "strip_search_answers-reason_recorded": "yes",
       "strip_search_answers-source": "staff"}
UF3 = {"use_of_force": "yes", "use_of_force_answers-phase": "in_cell",
       "use_of_force_answers-spit_guard": "no", "use_of_force_answers-limb_restraints": "no",
       "use_of_force_answers-handcuffed_in_cell": "yes", "use_of_force_answers-detainee_injury": "none",
       "use_of_force_answers-hcp_seen": "yes", "use_of_force_answers-allegation": "no",
       "use_of_force_answers-recorded_on_custody_record": "yes", "use_of_force_answers-source": "staff"}


def entry(n, **fields):
    """Fields of detainee n with flag fields given without the prefix (SS2, UF3)."""
    return detainee_fields(n, **fields)


@pytest.fixture
def author(login_as):
    return login_as("icv", display_name="Alex Morgan")


@pytest.fixture
def partner(login_as):
    return login_as("icv", display_name="Priya Shah")


@pytest.fixture
def submitted(author, partner, report_form, db):
    """submitted(**fields) -> (visit id, posted data) of a report the author submitted, made
    with the partner; by default two detainees who spoke with us, the second strip searched by
    an officer of the other sex (SS2)."""
    def make(**fields):
        data = report_form(partner_id=str(partner.user.id), single_visitor_reason="",
                           **{"outcomes-spoke_with": "2"}, **entry(1, **SS2), **fields)
        response = author.post(draft_url(data), data=data)
        assert response.status_code == 302, error_messages(response)
        return int(response.location.rsplit("/", 1)[1]), data
    return make


def start(client, visit_id):
    """POST 'Correct this report'; returns the correction draft's client id."""
    response = client.post(f"/visits/{visit_id}/correct")
    assert response.status_code == 302
    match = re.fullmatch(r"/visits/drafts/([0-9a-f-]{36})", response.location)
    assert match, response.location
    return match.group(1)


def draft_fields(db, client_id):
    rows = list(db["drafts"].rows_where("client_id = ?", [client_id]))
    return dict(json.loads(rows[0]["fields"])) if rows else None


def correction(db, client_id, reason="Wrong custody officer.", drop=(), **changes):
    """The correction draft's fields with `changes`, a reason, and the fields of each prefix in
    `drop` (like "detainees-1-") left out: what the person posts."""
    fields = {k: v for k, v in draft_fields(db, client_id).items()
              if not any(k.startswith(p) for p in drop)}
    return {**fields, **changes, "correction_reason": reason}


def check_and_submit(client, client_id, data):
    """Post the correction with action=check, then submit it from the check page."""
    response = client.post(f"/visits/drafts/{client_id}", data={**data, "action": "check"})
    assert response.status_code == 302, error_messages(response)
    page = client.get(response.location).text
    revision = re.search(r'name="revision" value="(\d+)"', page).group(1)
    return client.post(f"/visits/drafts/{client_id}/submit", data={"revision": revision})


def correct(client, db, visit_id, reason="Wrong custody officer.", drop=(), **changes):
    """A whole correction: start, change, check, submit. Returns the submit response."""
    client_id = start(client, visit_id)
    return check_and_submit(client, client_id, correction(db, client_id, reason, drop, **changes))


def entry_ids(db, visit_id):
    """{custody record number: (entry id, removed?)} of every entry ever on the visit."""
    return {r["custody_record_no"]: (r["id"], r["removed_at"] is not None)
            for r in db["detainee_entries"].rows_where("visit_id = ?", [visit_id])}


# Starting a correction -------------------------------------------------------------------------


def test_correct_makes_a_draft_prefilled_from_the_report(author, submitted, db):
    """'Correct this report' makes a draft of the report as it stands (version 1), shown in the
    form with every answer as submitted, a box for the reason, and the same entry keys."""
    visit_id, data = submitted(**{"facilities-showers": "concern",
                                  "facilities-showers_note": "Broken"},
                               **{"issues-0-category": "health", "issues-0-description": "No GP.",
                                  "issues-0-raised_with": "Sergeant",
                                  "issues-0-resolved_at_visit": "no"})
    assert 'action="/visits/%d/correct"' % visit_id in author.get(f"/visits/{visit_id}").text
    client_id = start(author, visit_id)
    assert client_id != data["client_id"]
    draft = next(db["drafts"].rows_where("client_id = ?", [client_id]))
    assert (draft["user_id"], draft["visit_id"]) == (author.user.id, visit_id)
    assert draft_fields(db, client_id)["base_version"] == "1"
    response = author.get(f"/visits/drafts/{client_id}")
    assert response.status_code == 200
    assert f"Correct visit report {visit_id}" in response.text
    assert "What are you correcting, and why?" in response.text
    shown = form_values(response.text)
    assert (shown["client_id"], shown["base_version"], shown["correction_reason"]) == (
        client_id, "1", "")
    blank_reasons = {k for k, v in data.items() if k.startswith("not_seen_reasons-") and v == ""}
    assert_kept(response, data, skip={"client_id", *blank_reasons})
    assert {shown[k] for k in blank_reasons} == {"0"}


def test_correcting_again_carries_on_with_the_same_draft(author, submitted, db):
    visit_id, _ = submitted()
    assert start(author, visit_id) == start(author, visit_id)
    assert db["drafts"].count == 1


def test_correction_draft_is_listed_in_my_reports(author, submitted):
    visit_id, _ = submitted()
    client_id = start(author, visit_id)
    page = page_text(author.get("/visits/"))
    assert f'<a href="/visits/drafts/{client_id}">Correction to report {visit_id}</a>' in page


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_a_report_saved_without_fields_can_be_corrected(login_as, make_user, make_suite, db, seed):
    """A demo-style report saved through record_visit (no typed fields kept) is corrected from
    what was stored, and its stored answers pass the form's checks."""
    author = login_as("icv")
    partner = make_user("icv")
    day = london_today() - timedelta(days=3)
    _, report, submitted_at = demo.visit_report(random.Random(seed), make_suite(),
                                                [author.user.id, partner.id], False, day)
    visit_id, _ = record_visit(db, author.user.id, report, submitted_at=submitted_at,
                                **rulebook.built_in())
    assert json.loads(next(db["visit_versions"].rows)["fields"]) == []
    client_id = start(author, visit_id)
    fields = draft_fields(db, client_id)
    assert fields["custody_officer"] == report["custody_officer"]
    assert fields["arrival_time"] == london(report["arrived_at"]).strftime("%H:%M")
    response = author.post(f"/visits/drafts/{client_id}",
                           data={**fields, "correction_reason": "Checking.", "action": "check"})
    assert response.status_code == 302, error_messages(response)
    assert response.location == f"/visits/drafts/{client_id}/check"


@pytest.mark.parametrize("reason", ["", "   "])
def test_a_correction_needs_a_reason(author, submitted, db, reason):
    """Saving a correction asks what is corrected and why; the draft is kept."""
    visit_id, _ = submitted()
    client_id = start(author, visit_id)
    data = {**correction(db, client_id, reason=reason), "action": "check"}
    response = author.post(f"/visits/drafts/{client_id}", data=data)
    assert response.status_code == 400
    assert "Say what you are correcting and why" in error_messages(response)
    response = author.post(f"/visits/drafts/{client_id}", data={**data, "action": "submit"})
    assert response.status_code == 400
    assert next(db["visits"].rows)["version"] == 1
    assert db["drafts"].count == 1


def test_correction_reason_too_long_is_refused(author, submitted, db):
    visit_id, _ = submitted()
    client_id = start(author, visit_id)
    data = {**correction(db, client_id, reason="x" * 4001), "action": "check"}
    response = author.post(f"/visits/drafts/{client_id}", data=data)
    assert response.status_code == 400
    assert ("What are you correcting, and why? must be 4,000 characters or fewer"
            in error_messages(response))


def test_rebase_of_a_draft_that_is_not_a_correction_is_refused(author, report_form):
    data = report_form(action="save")
    author.post(draft_url(data), data=data)
    assert author.post(draft_url(data, "/rebase")).status_code == 400


# Saving a correction -----------------------------------------------------------------------------


def test_check_page_of_a_correction_shows_the_reason(author, submitted, db):
    visit_id, _ = submitted()
    client_id = start(author, visit_id)
    data = {**correction(db, client_id, reason="Wrong officer."), "action": "check"}
    page = page_text(author.get(author.post(f"/visits/drafts/{client_id}", data=data).location))
    assert "Check your answers before saving the correction" in page
    assert "<h2>Why you are correcting it</h2>\n<p>Wrong officer.</p>" in page
    assert "Save correction</button>" in page


def test_saving_a_correction_makes_version_2_and_shows_the_change(author, submitted, db):
    """The correction bumps the version, keeps version 1, records who, when and why, deletes the
    draft, and the report page lists the versions with what changed, before and after."""
    visit_id, _ = submitted()
    response = correct(author, db, visit_id, reason="Wrong custody officer.",
                       custody_officer="PS 9999")
    assert response.status_code == 302
    assert response.location == f"/visits/{visit_id}#versions"
    visit = next(db["visits"].rows)
    assert (visit["version"], visit["custody_officer"]) == (2, "PS 9999")
    versions = list(db.query("SELECT * FROM visit_versions ORDER BY version"))
    assert [(v["version"], v["created_by"], v["reason"]) for v in versions] == [
        (1, author.user.id, ""), (2, author.user.id, "Wrong custody officer.")]
    assert versions[1]["created_at"] == visit["updated_at"] >= versions[0]["created_at"]
    assert dict(json.loads(versions[1]["fields"]))["custody_officer"] == "PS 9999"
    assert db["drafts"].count == 0

    page = author.get(f"/visits/{visit_id}")
    assert "Report corrected: this is version 2. Earlier versions are kept below." in notices(page)
    text = page_text(page)
    assert f"{visit_id} (version 2)" in text
    assert "Version 2</strong>, corrected by Alex Morgan on " in text
    assert ": “Wrong custody officer.”" in text
    assert ("<tr><th scope=\"row\">The visit: Custody officer</th><td><del>PS 1234</del></td>"
            "<td><ins>PS 9999</ins></td></tr>") in text
    assert "Version 1</strong>, submitted by Alex Morgan" in text


def test_a_correction_that_changes_nothing_says_so(author, submitted, db):
    visit_id, _ = submitted()
    assert correct(author, db, visit_id, reason="Checked it again.").status_code == 302
    assert "No answers changed." in author.get(f"/visits/{visit_id}").text


def test_a_correction_can_be_sent_in_one_go_by_the_outbox(author, submitted, db):
    """action=submit on a correction draft saves the correction (with its base version)."""
    visit_id, _ = submitted()
    client_id = start(author, visit_id)
    data = {**correction(db, client_id, custody_officer="PS 7"), "action": "submit"}
    response = author.post(f"/visits/drafts/{client_id}", data=data)
    assert response.location == f"/visits/{visit_id}#versions"
    assert next(db["visits"].rows)["version"] == 2


def test_the_partner_can_correct_the_report(partner, submitted, db):
    """The visiting partner can correct their partner's report and stays its partner."""
    visit_id, _ = submitted()
    response = correct(partner, db, visit_id, custody_officer="PS 5")
    assert response.status_code == 302, error_messages(response)
    visit = next(db["visits"].rows)
    assert (visit["version"], visit["partner_id"], visit["custody_officer"]) == (
        2, partner.user.id, "PS 5")
    assert next(db["visit_versions"].rows_where("version = 2"))["created_by"] == partner.user.id


# Entries and escalations across versions ---------------------------------------------------------


def test_entries_keep_their_ids_and_escalations_across_a_correction(author, submitted, db):
    """Entries are matched by their key: corrected (even reordered) they keep their ids, and the
    escalation stays attached to the same entry."""
    visit_id, data = submitted()
    before = entry_ids(db, visit_id)
    escalation = next(db["escalations"].rows_where("rule_id = 'SS2'"))
    assert escalation["detainee_entry_id"] == before["01BX/12346/26"][0]
    client_id = start(author, visit_id)
    fields = correction(db, client_id, drop=("detainees-",))
    swapped = {**{k.replace("detainees-1-", "detainees-0-"): v for k, v in
                  draft_fields(db, client_id).items() if k.startswith("detainees-1-")},
               **{k.replace("detainees-0-", "detainees-1-"): v for k, v in
                  draft_fields(db, client_id).items() if k.startswith("detainees-0-")},
               "detainees-1-age_band": "35-44"}
    assert check_and_submit(author, client_id, {**fields, **swapped}).status_code == 302
    assert entry_ids(db, visit_id) == before
    rows = {r["custody_record_no"]: r for r in db["detainee_entries"].rows}
    assert (rows["01BX/12346/26"]["position"], rows["01BX/12345/26"]["position"]) == (0, 1)
    assert rows["01BX/12345/26"]["age_band"] == "35-44"
    assert [(e["id"], e["detainee_entry_id"]) for e in db["escalations"].rows_where(
        "rule_id = 'SS2'")] == [(escalation["id"], escalation["detainee_entry_id"])]


def test_an_entry_removed_by_a_correction_is_marked_not_deleted(author, submitted, login_as, db):
    """A removed entry is marked removed_at; it leaves the report page, My reports' flag count,
    the month's summary and both CSVs; its escalation is kept."""
    visit_id, data = submitted()
    removed_id, _ = entry_ids(db, visit_id)["01BX/12346/26"]
    escalation = next(db["escalations"].rows_where("rule_id = 'SS2'"))
    response = correct(author, db, visit_id, reason="Entered twice by mistake.",
                       drop=("detainees-1-",), **{"outcomes-spoke_with": "2"})
    assert response.status_code == 302
    assert entry_ids(db, visit_id)["01BX/12346/26"] == (removed_id, True)
    assert db["flags"].count_where("detainee_entry_id = ?", [removed_id]) == 1
    assert db["escalations"].get(escalation["id"])["detainee_entry_id"] == removed_id

    page = page_text(author.get(f"/visits/{visit_id}"))
    assert "01BX/12346/26" not in page.split('id="versions"')[0]
    assert f'id="entry-{removed_id}"' not in page
    mine = page_text(author.get("/visits/"))
    assert "<dt>Flags</dt><dd>0</dd>" in mine

    month = data["visit_date"][:7]
    coordinator = login_as("coordinator")
    summary = coordinator.get(f"/summaries/export/summary.csv?area=london&period={month}&edition=staff")
    figures = {(r["Table"], r["Row"], r["Column"]): r["Value"]
               for r in csv.DictReader(io.StringIO(summary.get_data(as_text=True)))}
    assert figures[("Compared with earlier periods", "Strip searches", month_label(month))] == "0"
    assert figures[("Compared with earlier periods", "Detainees seen (entries recorded)",
                    month_label(month))] == "1"
    entries = list(csv.DictReader(io.StringIO(coordinator.get(
        f"/summaries/export/detainees.csv?area=london&period={month}").get_data(as_text=True))))
    assert [int(r["Entry ID"]) for r in entries] == [entry_ids(db, visit_id)["01BX/12345/26"][0]]
    visits = list(csv.DictReader(io.StringIO(coordinator.get(
        f"/summaries/export/visits.csv?area=london&period={month}").get_data(as_text=True))))
    assert (visits[0]["Detainee entries"], visits[0]["Strip search flags"]) == ("1", "0")


def month_label(key):
    """'2026-11' as the summary names it: 'November 2026'."""
    from icv.summaries.periods import Period
    return Period.parse(key).label


def test_a_new_finding_in_a_correction_raises_a_new_escalation(author, submitted, db):
    """A flag added by a correction raises its escalation at once, on the same entry; the
    earlier escalations stay."""
    visit_id, _ = submitted()
    first_id, _ = entry_ids(db, visit_id)["01BX/12345/26"]
    before = {(e["rule_id"], e["detainee_entry_id"]) for e in db["escalations"].rows}
    response = correct(author, db, visit_id, reason="Forgot the handcuffs.",
                       **{f"detainees-0-{k}": v for k, v in UF3.items()})
    assert response.status_code == 302
    after = {(e["rule_id"], e["detainee_entry_id"]) for e in db["escalations"].rows}
    assert after == before | {("UF3", first_id)}


def test_a_new_entry_in_a_correction_may_reuse_a_removed_custody_record_number(author, submitted,
                                                                                db):
    """An entry removed and entered again (a new key) is a new entry; the old one stays marked."""
    visit_id, _ = submitted()
    old_id, _ = entry_ids(db, visit_id)["01BX/12346/26"]
    client_id = start(author, visit_id)
    fields = correction(db, client_id, drop=("detainees-1-",),
                        **detainee_fields(1, custody_record_no="01BX/12346/26"))
    assert check_and_submit(author, client_id, fields).status_code == 302
    rows = list(db.query("SELECT id, removed_at FROM detainee_entries WHERE custody_record_no = ? "
                         "ORDER BY id", ["01BX/12346/26"]))
    assert rows[0]["id"] == old_id and rows[0]["removed_at"] is not None
    assert rows[1]["id"] != old_id and rows[1]["removed_at"] is None


# Two corrections at once ---------------------------------------------------------------------------


def test_second_correction_from_the_same_version_is_refused_then_rebased(author, partner, submitted,
                                                                         db):
    """Author and partner both correct version 1. The author saves first (version 2); the
    partner gets 409 with the author's change shown and their draft kept; after 'check again'
    the partner's correction is saved as version 3."""
    visit_id, _ = submitted()
    mine, theirs = start(author, visit_id), start(partner, visit_id)
    assert correct(author, db, visit_id, reason="Officer number.",
                   custody_officer="PS 2222").status_code == 302
    data = correction(db, theirs, reason="Visit type.", visit_type="follow_up")
    response = check_and_submit(partner, theirs, data)
    assert response.status_code == 409
    page = page_text(response)
    assert "Someone else corrected this report while you were working" in page
    assert "Alex Morgan saved version 2 on " in page and ": “Officer number.”" in page
    assert ("<th scope=\"row\">The visit: Custody officer</th><td><del>PS 1234</del></td>"
            "<td><ins>PS 2222</ins></td>") in page
    assert draft_fields(db, theirs)["visit_type"] == "follow_up"
    assert next(db["visits"].rows)["version"] == 2
    assert mine not in {d["client_id"] for d in db["drafts"].rows}

    rebased = partner.post(f"/visits/drafts/{theirs}/rebase")
    assert rebased.location == f"/visits/drafts/{theirs}/check"
    assert draft_fields(db, theirs)["base_version"] == "2"
    check = partner.get(rebased.location).text
    revision = re.search(r'name="revision" value="(\d+)"', check).group(1)
    saved = partner.post(f"/visits/drafts/{theirs}/submit", data={"revision": revision})
    assert saved.location == f"/visits/{visit_id}#versions"
    visit = next(db["visits"].rows)
    assert (visit["version"], visit["visit_type"]) == (3, "follow_up")
    assert [v["version"] for v in db["visit_versions"].rows] == [1, 2, 3]
    assert db["drafts"].count == 0


@pytest.mark.parametrize("base", ["abc", "99999999999999999999", "-1", ""])
def test_a_correction_with_a_changed_base_version_is_refused_as_stale_not_a_crash(
        author, submitted, db, base):
    """A base version changed by hand is a 409 with the draft kept, never a 500."""
    visit_id, _ = submitted()
    client_id = start(author, visit_id)
    data = correction(db, client_id, custody_officer="PS 3333", base_version=base)
    response = check_and_submit(author, client_id, data)
    assert response.status_code == 409
    assert draft_fields(db, client_id)["custody_officer"] == "PS 3333"
    assert next(db["visits"].rows)["version"] == 1


# A correction is saved once ----------------------------------------------------------------------


def test_a_correction_sent_twice_is_saved_once_and_makes_no_new_report(author, submitted, db):
    """The outbox retrying (or a double tap on) a correction sent with action=submit finds the
    corrected report: it is not saved again as a second, new report."""
    visit_id, _ = submitted()
    client_id = start(author, visit_id)
    data = {**correction(db, client_id, custody_officer="PS 7"), "action": "submit"}
    first = author.post(f"/visits/drafts/{client_id}", data=data)
    again = author.post(f"/visits/drafts/{client_id}", data=data)
    assert first.location == f"/visits/{visit_id}#versions"
    assert again.status_code == 302 and again.location.startswith(f"/visits/{visit_id}")
    assert db["visits"].count == 1
    assert next(db["visits"].rows)["version"] == 2
    assert db["drafts"].count == 0


def test_save_correction_tapped_twice_shows_the_report(author, submitted, db):
    """A second tap on 'Save correction' (its draft already gone) leads to the report."""
    visit_id, _ = submitted()
    client_id = start(author, visit_id)
    response = author.post(f"/visits/drafts/{client_id}",
                           data={**correction(db, client_id), "action": "check"})
    revision = re.search(r'name="revision" value="(\d+)"',
                         author.get(response.location).text).group(1)
    author.post(f"/visits/drafts/{client_id}/submit", data={"revision": revision})
    again = author.post(f"/visits/drafts/{client_id}/submit", data={"revision": revision})
    assert again.status_code == 302 and again.location.startswith(f"/visits/{visit_id}")
    assert next(db["visits"].rows)["version"] == 2


def test_a_late_autosave_of_a_saved_correction_is_refused(author, submitted, db):
    """An autosave arriving after the correction was saved is 409 and leaves no stray draft
    (which could later be submitted as a new report)."""
    visit_id, _ = submitted()
    client_id = start(author, visit_id)
    data = correction(db, client_id, custody_officer="PS 7")
    author.post(f"/visits/drafts/{client_id}", data={**data, "action": "submit"})
    response = author.post(f"/visits/drafts/{client_id}/autosave", data=data,
                           headers={"X-Requested-With": "fetch"})
    assert response.status_code == 409
    assert db["drafts"].count == 0
