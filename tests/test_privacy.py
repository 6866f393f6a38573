"""Personal details in free text (icv/privacy.py): what each rule refuses or warns about, what
it lets through, the settings, and every free-text box of the app checked with them."""
import json

import pytest

from conftest import detainee_fields, draft_url, error_messages, form_values, issue_fields
from icv import privacy
from icv.privacy import DEFAULT, findings, settings_from
from icv.times import london_today
from review_helpers import draft_url as review_draft_url, make_eligible, make_review, review_fields
from test_demo import load_demo
from test_visit_form import FACILITY_ITEMS, accepted, refused
from test_workflow import post, row

RULES = DEFAULT.rules


def found(text, rules=RULES):
    return [(f.rule.name, f.found) for f in findings(text, rules)]


# The rules, without the app ----------------------------------------------------------------

REFUSED = [
    ("DOB 01/02/1990", "date_of_birth"),
    ("dob: 1/2/90", "date_of_birth"),
    ("d.o.b. 1.2.90", "date_of_birth"),
    ("D.O.B 12/03/2012", "date_of_birth"),  # a child's: refused with the birth word
    ("Date of birth is 3rd March 1985", "date_of_birth"),
    ("born 1 Feb 1990", "date_of_birth"),
    ("He was born in 2011", "date_of_birth"),
    ("birthday 4 July", "date_of_birth"),
    ("Gave 01/02/1990 when asked", "old_date"),
    ("seen on 3 March 1985", "old_date"),
    ("01-02-75", "old_date"),
    ("12 Acacia Avenue, London SW1A 1AA", "postcode"),
    ("lives at e1 6an", "postcode"),
    ("M1 1AE", "postcode"),
    ("Mum's number 07700 900123", "phone"),
    ("020 7946 0018", "phone"),
    ("+44 20 7946 0018", "phone"),
    ("07700900123", "phone"),
    ("email john.smith@example.com", "email"),
    ("Mr Smith was upset", "title_name"),
    ("spoke to mrs Jones", "title_name"),
    ("Miss Patel", "title_name"),
    ("Dr Okafor saw him", "title_name"),
    ("Raised with Sgt Brown", "title_name"),
    ("PC Jones took him", "title_name"),
    ("his name is John", "named"),
    ("The detainee's name was Kevin", "named"),
    ("a man called Dave", "named"),
    ("known as Tiny", "named"),
]


@pytest.mark.parametrize("text, rule", REFUSED)
def test_personal_details_are_refused(text, rule):
    got = findings(text, RULES)
    assert got and got[0].rule.name == rule and got[0].refused, found(text)


WARNED = [
    ("arrested for burglary", "arrested for"),
    ("Charged with GBH", "Charged with"),
    ("in for robbery", "robbery"),
    ("alleged rape", "rape"),
    ("murder", "murder"),
    ("possession with intent to supply", "possession with intent"),
    ("on suspicion of\ndrink driving", "on suspicion of"),
    ("a sexual assault", "sexual assault"),  # the longer words named whole
]


@pytest.mark.parametrize("text, words", WARNED)
def test_offence_words_warn(text, words):
    assert found(text) == [("offence", " ".join(words.split()))]
    assert not findings(text, RULES)[0].refused


ALLOWED = [
    "Seen by Dr on duty", "Dr on call attended", "Raised with the custody sergeant", "Cell 4 was cold",
    "Visited at 14:30", "Open 24/7", "PACE Code C 9.5 was not followed", "1 of 3 detainees asleep",
    "01CX/12345/26 had no blanket", "Section 136 detainee waiting for a bed", "on 3 March the lift broke",
    "Out of order since 12/11/2026", "12/11/26", "The AA was called", "called Healthcare back",
    "We called the FME", "Custody officer PS 1234", "PC 5678 showed us round", "B2 3rd floor corridor",
    "TACT detainee seen by the trained ICV", "2 in 5 cells", "Inspector review was late",
    "Mental Health Act assessment", "Sergeant Custody desk", "between 2010 and 2020",
    "Drinks offered at 06:00 and 10:00", "Food (halal) given", "Interpreter on the phone", "",
    "Custody record 01cx1234526", "John Smith",  # a name without a title: a limit (docs/security.md)
]


@pytest.mark.parametrize("text", ALLOWED)
def test_what_reports_need_is_let_through(text):
    assert found(text) == []


def test_a_finding_message_says_what_to_remove_and_where():
    finding = findings("DOB 01/02/1990", RULES)[0]
    assert finding.message("Anything else") == (
        "Remove the date of birth ('DOB 01/02/1990') from 'Anything else': reports must not "
        "identify detainees")


# Custody record numbers and references --------------------------------------------------------

@pytest.mark.parametrize("typed, stored", [
    ("01CX/12345/26", "01CX/12345/26"), ("01cx/123456/26", "01CX/123456/26"),
    (" 01CX-12345-26 ", "01CX/12345/26"), ("01CX 12345 26", "01CX/12345/26"),
    ("01CX1234526", "01CX/12345/26"), ("01CX12345626", "01CX/123456/26"),
    ("SMITHJ010290", None), ("Smith1990", None), ("John Smith", None), ("01CX/1234/26", None),
    ("01CX/1234567/26", None), ("1CX/12345/26", None), ("01CX/12345", None), ("CRR-2026-0042", None),
])
def test_the_mets_custody_record_number(typed, stored):
    assert DEFAULT.record_number.normalise(typed) == stored


@pytest.mark.parametrize("text, name", [
    ("SMITHJ010290", True), ("Smith1990", True), ("JOHNSMITH", True), ("", True),
    ("01CX/1234/26", False), ("CRR-2026-0042", False), ("AB/12", False)])
def test_what_looks_like_a_name(text, name):
    assert privacy.looks_like_a_name(text) is name


def test_a_redacted_copy_reference_only_in_the_shape_set():
    settings = settings_from({"REDACTED_REF_FORMAT": {"pattern": r"R-[0-9]{4}-[0-9]{4}", "example": "R-2026-0042"}})
    assert settings.record_ref("r-2026-0042") == "R-2026-0042"
    assert settings.record_ref("01cx/12345/26") == "01CX/12345/26"
    assert settings.record_ref("Smith1990") is None
    assert DEFAULT.record_ref("R-2026-0042") is None  # none unless set


# Settings -------------------------------------------------------------------------------------

def test_offence_words_rules_off_and_extra_rules_are_settings():
    settings = settings_from({
        "PRIVACY_OFFENCE_WORDS": ["shoplifting"], "PRIVACY_RULES_OFF": ["named"],
        "PRIVACY_RULES_EXTRA": [{"name": "nhs_number", "pattern": r"\b[0-9]{3} ?[0-9]{3} ?[0-9]{4}\b",
                                 "action": "refuse", "message": "Remove the NHS number from '{label}'"}]})
    assert found("arrested for shoplifting", settings.rules) == [("offence", "shoplifting")]
    assert found("called Dave", settings.rules) == []
    assert found("NHS 943 476 5919", settings.rules)[0][0] == "nhs_number"
    assert findings("NHS 943 476 5919", settings.rules)[0].message("Notes") == "Remove the NHS number from 'Notes'"


@pytest.mark.parametrize("config, words", [
    ({"PRIVACY_OFFENCE_WORDS": "burglary"}, "PRIVACY_OFFENCE_WORDS must be a list"),
    ({"PRIVACY_RULES_OFF": ["postcodes"]}, "no rule called ['postcodes']"),
    ({"PRIVACY_RULES_EXTRA": [{"name": "x", "pattern": "(", "action": "refuse", "message": "m"}]},
     "PRIVACY_RULES_EXTRA"),
    ({"PRIVACY_RULES_EXTRA": [{"name": "x", "pattern": "x", "action": "block", "message": "m"}]},
     "action must be"),
    ({"CUSTODY_RECORD_FORMAT": {"pattern": "[0-9]+"}}, "needs 'pattern' and 'example'"),
    ({"CUSTODY_RECORD_FORMAT": {"pattern": "[0-9]+", "example": "AB"}}, "does not match its pattern"),
    ({"REDACTED_REF_FORMAT": {"pattern": "(?P<a>[0-9]+)", "example": "1", "canonical": "{b}"}},
     "REDACTED_REF_FORMAT is not right"),
])
def test_a_mistake_in_the_settings_stops_the_app_at_start(config, words):
    with pytest.raises(RuntimeError, match=__import__("re").escape(words)):
        settings_from(config)


def test_create_app_checks_the_settings(app):
    from icv import create_app
    with pytest.raises(RuntimeError, match="PRIVACY_RULES_OFF"):
        create_app({**app.config, "PRIVACY_RULES_OFF": ["nope"]})


# Every free-text box of the visit report ------------------------------------------------------

@pytest.fixture
def icv(login_as):
    return login_as("icv")


FREE_TEXT = [
    ("single_visitor_reason", "Why did you visit alone?"),
    ("custody_officer", "Custody officer on duty (rank and number)"),
    ("good_practice", "Good practice you saw"),
    ("general_comments", "Anything else"),
    (f"facilities-{FACILITY_ITEMS[0]}_note", None),
    ("issues-0-description", "What was the issue?"),
    ("issues-0-raised_with", "Raised with (rank, not name)"),
]


def box(name, text):
    fields = {name: text}
    if name.startswith("issues-0-"):
        fields = {**issue_fields(0), **fields}
    if name.startswith("facilities-"):
        fields[name.removesuffix("_note")] = "concern"
    return fields


@pytest.mark.parametrize("name, label", FREE_TEXT)
def test_a_date_of_birth_in_any_box_of_the_report_is_refused_and_kept_as_draft(icv, report_form, db, name, label):
    """Refused next to the box, naming it; what was typed stays on the page and in the draft."""
    data = report_form(**box(name, "DOB 01/02/1990"))
    page = refused(icv, data, [], db)
    messages = [m for m in error_messages(page) if "date of birth" in m]
    assert len(messages) == 1 and messages[0].startswith("Remove the date of birth ('DOB 01/02/1990') from '")
    if label:
        assert f"from '{label}'" in messages[0]
    assert f'id="{name}-error"' in page.text


@pytest.mark.parametrize("text, message", [
    ("12 Acacia Avenue, London SW1A 1AA", "Remove the postcode 'SW1A 1AA' from 'Anything else'"),
    ("His sister's number is 07700 900123", "Remove the phone number '07700 900123' from 'Anything else'"),
    ("Wants a call: john@example.com", "Remove the email address 'john@example.com' from 'Anything else'"),
    ("Mr Smith asked for a blanket", "Remove the name ('Mr Smith') from 'Anything else'"),
    ("His name is John, he asked for food", "Remove the name ('His name is John') from 'Anything else'"),
])
def test_personal_details_in_a_comment_are_refused(icv, report_form, db, text, message):
    page = refused(icv, report_form(general_comments=text), [], db)
    assert [m for m in error_messages(page) if m.startswith(message)], error_messages(page)


def test_a_legitimate_comment_is_accepted(icv, report_form, db):
    accepted(icv, report_form(general_comments="Seen by Dr on duty at 14:30. Cell 4 was cold; PACE Code C "
                                               "9.5 was followed. 1 of 3 detainees asleep (Section 136).",
                              custody_officer="PS 1234", good_practice="Custody sergeant explained rights well."), db)


def test_an_offence_word_warns_until_the_icv_confirms(icv, report_form, db):
    """The warning and an 'I have checked' box next to the field; ticked, the report goes."""
    data = report_form(general_comments="Says he was arrested for burglary and wants a solicitor.")
    page = refused(icv, data, [], db)
    assert error_messages(page) == [
        "'Anything else' says 'arrested for', which may be what a detainee is accused of. Reports "
        "never say that: remove it, or if it is about something else, tick 'I have checked' below"]
    assert 'name="personal_details_checked" type="checkbox" value="general_comments"' in page.text
    assert 'id="general_comments-checked"' in page.text and "I have checked" in page.text
    accepted(icv, {**data, "personal_details_checked": "general_comments"}, db)


def test_a_confirmation_does_not_pass_a_refusal(icv, report_form, db):
    data = report_form(general_comments="Arrested for burglary, DOB 01/02/1990",
                       personal_details_checked="general_comments")
    page = refused(icv, data, [], db)
    assert [m for m in error_messages(page) if m.startswith("Remove the date of birth")]


def test_autosave_keeps_text_that_fails_the_check(icv, report_form, db):
    """Nothing typed is lost: the draft keeps it, and the check bites on Continue."""
    data = report_form(general_comments="DOB 01/02/1990", action="save")
    response = icv.post(draft_url(data, "/autosave"), data=data)
    assert response.status_code == 200
    draft = next(db["drafts"].rows_where("client_id = ?", [data["client_id"]]))
    assert dict(json.loads(draft["fields"]))["general_comments"] == "DOB 01/02/1990"
    page = icv.post(draft_url(data), data={**data, "action": "check"})
    assert page.status_code == 400 and form_values(page.text)["general_comments"] == "DOB 01/02/1990"


def test_a_confirmed_warning_stays_ticked_in_the_draft(icv, report_form, db):
    data = report_form(general_comments="Robbery of the property store was mentioned.",
                       personal_details_checked="general_comments", action="save")
    assert icv.post(draft_url(data), data=data).status_code == 302
    page = icv.get(draft_url(data)).text
    assert 'type="checkbox" value="general_comments" checked' in page


def test_an_installation_adds_a_rule(app, icv, report_form, db):
    app.config["PRIVACY"] = settings_from({"PRIVACY_RULES_EXTRA": [
        {"name": "nhs_number", "pattern": r"\b[0-9]{3} [0-9]{3} [0-9]{4}\b", "action": "refuse",
         "message": "Remove the NHS number from '{label}': reports must not identify detainees"}]})
    refused(icv, report_form(good_practice="NHS 943 476 5919"),
            "Remove the NHS number from 'Good practice you saw': reports must not identify detainees", db)


def test_an_installation_sets_its_own_custody_record_format(app, icv, report_form, db):
    """CUSTODY_RECORD_FORMAT: another force's shape, in the hint and the message."""
    app.config["PRIVACY"] = settings_from({"CUSTODY_RECORD_FORMAT": {
        "pattern": r"CR[0-9]{6}", "example": "CR123456", "shape": "CR and 6 numbers"}})
    page = refused(icv, report_form(**detainee_fields(0, custody_record_no="01CX/12345/26")),
                   "The custody record number must look like CR123456 (CR and 6 numbers)", db)
    assert "Like CR123456. Never a name." in page.text
    accepted(icv, report_form(**detainee_fields(0, custody_record_no="cr123456")), db)
    assert next(db["detainee_entries"].rows)["custody_record_no"] == "CR123456"


def test_a_correction_reason_is_checked(icv, report_form, db):
    from icv.visits.forms import VisitForm
    from werkzeug.datastructures import MultiDict
    with icv.application.test_request_context():
        form = VisitForm(MultiDict(report_form(correction_reason="Mr Jones asked me to")), correcting=True,
                         meta={"csrf": False})
        assert not form.validate()
        assert form.correction_reason.errors[0].startswith("Remove the name ('Mr Jones')")


# Reviews, batches and escalations --------------------------------------------------------------

def test_a_review_comment_and_a_postponed_reason_are_checked(login_as, db):
    client = login_as("icv")
    make_eligible(db, client.user.id)
    review = make_review(db, [client.user.id])
    data = review_fields(review, comments="Record shows DOB 01/02/1990",
                         **{"reviews-0-postponed_reason": "Inspector Grey was busy"})
    page = client.post(review_draft_url(review), data=data)
    assert page.status_code == 400
    assert [m for m in error_messages(page) if m.startswith("Remove the date of birth")]
    assert [m for m in error_messages(page) if m.startswith("Remove the name ('Inspector Grey')")]


def test_a_review_batch_note_is_checked(login_as, make_suite):
    coordinator = login_as("coordinator")
    page = coordinator.post("/reviews/batches/new", data={
        "suite_id": str(make_suite()), "session_date": london_today().isoformat(), "note": "Ring 07700 900123"})
    assert page.status_code == 400
    assert [m for m in error_messages(page) if m.startswith("Remove the phone number '07700 900123' from 'Note'")]


@pytest.fixture
def escalation(db, make_user, make_visit):
    from conftest import finding_entry
    from test_escalations import SS2
    author, partner = make_user("icv"), make_user("icv")
    visit_id = make_visit(author, entries=[finding_entry(flags=SS2)], partner_id=partner.id)
    return next(db["escalations"].rows_where("visit_id = ?", [visit_id]))["id"]


@pytest.mark.parametrize("action, fields, message", [
    ("notes", {"body": "Called Mr Patel"}, "Remove the name ('Mr Patel') from 'Add an internal note'"),
    ("police-response", {"police_response": "Postcode SE1 7PB visited"},
     "Remove the postcode 'SE1 7PB' from 'Police response'"),
    ("outcome", {"outcome_note": "DOB 1/2/90 confirmed"}, "Remove the date of birth ('DOB 1/2/90') from 'Outcome"),
    ("status", {"status": "triaged", "reason": "email a@b.com"}, "Remove the email address 'a@b.com' from 'Reason'"),
])
def test_the_escalation_forms_are_checked(login_as, db, escalation, action, fields, message):
    staff = login_as("custody_team")
    version = row(db, escalation)["version"]
    response = post(staff, db, escalation, action, **fields)
    assert response.status_code == 400
    assert [m for m in error_messages(response) if m.startswith(message)], error_messages(response)
    assert row(db, escalation)["version"] == version


def test_an_escalation_note_with_an_offence_word_passes_once_confirmed(login_as, db, escalation):
    staff = login_as("custody_team")
    response = post(staff, db, escalation, "notes", body="Officer says the cell was used after a robbery.")
    assert response.status_code == 400 and 'name="note-personal_details_checked"' in response.text
    response = post(staff, db, escalation, "notes", body="Officer says the cell was used after a robbery.",
                    personal_details_checked="note-body")
    assert response.status_code == 302


def test_the_bulk_close_reason_is_checked(login_as, db, escalation):
    staff = login_as("custody_team")
    response = staff.post("/escalations/bulk", data={
        "action": "close", "selected": f"{escalation}:{row(db, escalation)['version']}",
        "close_as": "no_further_action",
        "reason": "Mr Smith released"})
    assert response.status_code == 400, response.status_code
    assert [m for m in error_messages(response) if m.startswith("Remove the name ('Mr Smith')")]


NOT_FREE_TEXT = ("custody_record_no", "record_ref", "_minutes")  # checked for shape, or numbers


def test_every_free_text_box_of_the_record_forms_is_checked(app):
    """Each text box of the report, the review, a review session and the escalation forms is
    marked FreeText (so ChecksFreeText checks it), but for record numbers and minutes."""
    from werkzeug.datastructures import MultiDict

    from icv.escalations import forms as escalation_forms
    from icv.forms import ChecksFreeText, leaves
    from icv.reviews import batches, forms as review_forms
    from icv.visits.forms import VisitForm
    posted = MultiDict({"detainees-0-entry_key": "a", "issues-0-category": "x", "reviews-0-due": "10:00"})
    unmarked, boxes = [], 0
    with app.test_request_context():
        for cls in (VisitForm, review_forms.ReviewForm, batches.BatchForm, batches.RecordForm,
                    escalation_forms.StatusForm, escalation_forms.PoliceResponseForm,
                    escalation_forms.OutcomeForm, escalation_forms.NoteForm, escalation_forms.BulkForm):
            form = cls(posted)
            for b in leaves(form):
                if b.type in ("StringField", "TextAreaField") and not b.name.endswith(NOT_FREE_TEXT):
                    boxes += 1
                    if not (getattr(b.flags, "free_text", False) and isinstance(form, ChecksFreeText)):
                        unmarked.append(f"{cls.__name__}.{b.name}")
    assert unmarked == [] and boxes >= 30


def test_the_demo_data_passes_the_checks(app, runner, db):
    """The demo's reports, reviews and escalations hold nothing the checks refuse or warn about,
    and valid custody record numbers, so each can be corrected through the form."""
    assert load_demo(app, runner).exit_code == 0
    texts = [v for table, columns in {
        "visits": ["single_visitor_reason", "admission_delay_reason", "custody_officer", "good_practice",
                   "general_comments"],
        "visit_issues": ["description", "raised_with"], "facility_checks": ["note"],
        "custody_record_reviews": ["comments"], "escalation_events": ["body"]}.items()
        for row in db[table].rows for v in (row.get(c) for c in columns) if v]
    assert len(texts) > 20
    assert [(t, found(t)) for t in texts if found(t)] == []
    numbers = [r["custody_record_no"] for r in db["detainee_entries"].rows]
    assert numbers and [n for n in numbers if DEFAULT.record_number.normalise(n) != n] == []
    refs = [r["record_ref"] for r in db["review_records"].rows]
    assert refs and [r for r in refs if DEFAULT.record_ref(r) != r] == []
