"""Custody record reviews through the app: who may review, batches and assignments, the form's
messages, drafts that keep what was typed, submit and its escalations, the audit log, and who
may open a review."""
import html
import json
import re
from datetime import date, timedelta

import pytest

from conftest import assert_kept, error_messages, form_values, notices, page_text
from icv import rulebook
from icv.drafts import store as drafts
from icv.reviews import store
from icv.times import london_today
from review_helpers import draft_url, make_eligible, make_review, review_fields

FETCH = {"X-Requested-With": "fetch"}


@pytest.fixture
def assigned(reviewer, db, make_user):
    """A review assigned to `reviewer` (made by a coordinator)."""
    return make_review(db, [reviewer.user.id], make_user("coordinator").id)


def audit_views(db, review_id):
    return [json.loads(r["detail"])["page"] for r in db.query(
        "SELECT detail FROM audit_log WHERE object_type = 'custody_record_review' AND object_id = ? "
        "AND action = 'view' ORDER BY id", [review_id])]


def check_and_submit(client, review, **fields):
    """Post the form (check), open check your answers and submit; returns the last response."""
    assert client.post(draft_url(review), data=review_fields(review, **fields)).status_code == 302
    page = client.get(draft_url(review, "/check"))
    assert page.status_code == 200, error_messages(page)
    revision = re.search(r'name="revision" value="(\d+)"', page.text)[1]
    return client.post(draft_url(review, "/submit"), data={"revision": revision})


# Who may review ------------------------------------------------------------------------------

def test_an_icv_not_trained_is_refused_and_told_why(login_as):
    response = login_as("icv").get("/reviews/")
    assert response.status_code == 403
    assert "You are not marked as trained in custody record review" in page_text(response)


def test_only_a_trained_icv_is_offered_my_reviews(login_as, db):
    """The menu offers My reviews once a coordinator marks the ICV trained, not before."""
    client = login_as("icv")
    assert "My reviews" not in page_text(client.get("/visits/"))
    make_eligible(db, client.user.id)
    assert "My reviews" in page_text(client.get("/visits/"))


def test_expired_vetting_is_refused_with_the_date(login_as, db):
    client = login_as("icv")
    make_eligible(db, client.user.id, days=-3)
    expired = london_today() - timedelta(days=3)
    response = client.get("/reviews/")
    assert response.status_code == 403
    assert f"Your vetting expired on {expired:%-d %B %Y}" in page_text(response)


def test_vetting_that_expires_today_still_allows_reviews(login_as, db):
    client = login_as("icv")
    make_eligible(db, client.user.id, days=0)
    assert client.get("/reviews/").status_code == 200


def test_no_vetting_date_is_refused(login_as, db):
    client = login_as("icv")
    db["users"].update(client.user.id, {"crr_trained": 1})
    assert "Your vetting expiry date is not recorded" in page_text(client.get("/reviews/"))


def test_expired_vetting_blocks_an_assigned_review_and_its_autosave(reviewer, assigned, db):
    make_eligible(db, reviewer.user.id, days=-1)
    for path in ("", "/check"):
        response = reviewer.get(draft_url(assigned, path))
        assert response.status_code == 403 and "Your vetting expired" in page_text(response)
    response = reviewer.post(draft_url(assigned, "/autosave"), data=review_fields(assigned), headers=FETCH)
    assert response.status_code == 403 and "vetting expired" in response.json["message"]
    assert reviewer.get(f"/reviews/{assigned['id']}").status_code == 403
    assert store.get_draft(db, assigned["id"]) is None


def test_my_reviews_lists_the_records_assigned_to_me(reviewer, assigned, db, make_user):
    other = make_review(db, [make_user("icv").id])
    page = reviewer.get("/reviews/")
    assert assigned["record_ref"] in page.text and other["record_ref"] not in page.text
    assert draft_url(assigned) in page.text


# Volunteers' training and vetting (on their account page since issue 10) -------------------------

def test_a_coordinator_marks_an_icv_trained_with_a_vetting_date(login_as, make_user, db):
    icv = make_user("icv")
    coordinator = login_as("coordinator")
    expires = (london_today() + timedelta(days=200)).isoformat()
    response = coordinator.post(f"/accounts/{icv.id}/record-review",
                                data={"crr_trained": "y", "vetting_expires_on": expires})
    assert response.status_code == 302 and response.location == f"/accounts/{icv.id}"
    row = db["users"].get(icv.id)
    assert (row["crr_trained"], row["vetting_expires_on"]) == (1, expires)
    assert store.eligibility(db, icv.id, london_today()) == (True, "")
    entry = next(db.query("SELECT * FROM audit_log WHERE object_type = 'user' AND object_id = ?", [icv.id]))
    assert entry["user_id"] == coordinator.user.id and entry["action"] == "update"
    assert "Can review" in coordinator.get("/accounts/").text
    assert "Can review" in coordinator.get(f"/accounts/{icv.id}").text


def test_a_bad_vetting_date_gets_a_message(login_as, make_user, db):
    icv = make_user("icv")
    response = login_as("admin").post(f"/accounts/{icv.id}/record-review",
                                      data={"crr_trained": "y", "vetting_expires_on": "31/03/2027"})
    assert response.status_code == 400
    assert error_messages(response) == ["The vetting expiry date must be a real date, like 2027-03-31"]
    assert db["users"].get(icv.id)["crr_trained"] == 0


def test_only_icvs_have_record_review_training(login_as, make_user):
    response = login_as("admin").post(f"/accounts/{make_user('custody_team').id}/record-review",
                                      data={"crr_trained": "y"})
    assert response.status_code == 404 and "Only ICVs review custody records." in page_text(response)


def test_the_old_volunteers_addresses_lead_to_the_accounts(login_as, make_user):
    coordinator, icv = login_as("coordinator"), make_user("icv")
    assert coordinator.get("/volunteers/").location == "/accounts/"
    assert coordinator.get(f"/volunteers/{icv.id}").location == f"/accounts/{icv.id}"


# Batches and assignments --------------------------------------------------------------------------

@pytest.fixture
def coordinator(login_as):
    return login_as("coordinator")


@pytest.fixture
def batch_id(coordinator, make_suite, db):
    response = coordinator.post("/reviews/batches/new", data={
        "suite_id": str(make_suite("Lewisham")), "session_date": london_today().isoformat(), "note": ""})
    assert response.status_code == 302
    return int(re.fullmatch(r"/reviews/batches/(\d+)", response.location)[1])


def test_a_batch_needs_a_suite_and_a_date(coordinator):
    response = coordinator.post("/reviews/batches/new", data={"suite_id": "", "session_date": ""})
    assert response.status_code == 400
    assert error_messages(response) == ["Select the custody suite", "Enter the date of the review session"]


def test_a_coordinator_adds_a_record_for_a_pair(coordinator, batch_id, make_user, db):
    first, second = make_user("icv", display_name="Ada Reviewer"), make_user("icv", display_name="Ben Reviewer")
    make_eligible(db, first.id)
    make_eligible(db, second.id)
    response = coordinator.post(f"/reviews/batches/{batch_id}/records", data={
        "record_ref": " 01cx/40001/26 ", "sample_reason": "child", "reviewer": str(first.id),
        "partner": str(second.id)})
    assert response.status_code == 302
    record = next(db["review_records"].rows)
    assert (record["record_ref"], record["sample_reason"]) == ("01CX/40001/26", "child")
    review = next(db["custody_record_reviews"].rows)
    assert (review["status"], review["record_id"]) == ("draft", record["id"])
    assert {r["user_id"] for r in db["review_assignments"].rows} == {first.id, second.id}
    assert "Ada Reviewer and Ben Reviewer" in coordinator.get(f"/reviews/batches/{batch_id}").text


SHAPE = "like 01CX/12345/26 (2 numbers and 2 letters, then 5 or 6 numbers, then the year's last 2 numbers)"


@pytest.mark.parametrize("ref, message", [
    ("John Smith", f"Enter the record's reference, not a name. It looks {SHAPE}"),
    ("SMITH", f"Enter the record's reference, not a name. It looks {SHAPE}"),
    ("SMITHJ010290", f"Enter the record's reference, not a name. It looks {SHAPE}"),
    ("Smith1990", f"Enter the record's reference, not a name. It looks {SHAPE}"),
    ("", "Enter the redacted record's reference"),
    ("01CX#12345", f"The reference must look {SHAPE}"),
    ("CRR-2026-0042", f"The reference must look {SHAPE}"),  # no REDACTED_REF_FORMAT set
])
def test_a_record_reference_is_never_a_name(coordinator, batch_id, make_user, db, ref, message):
    icv = make_user("icv")
    make_eligible(db, icv.id)
    response = coordinator.post(f"/reviews/batches/{batch_id}/records", data={
        "record_ref": ref, "sample_reason": "random", "reviewer": str(icv.id)})
    assert response.status_code == 400
    assert error_messages(response) == [message]
    assert db["review_records"].count == 0


def test_only_eligible_icvs_can_be_assigned(coordinator, batch_id, make_user, db):
    expired = make_user("icv")
    make_eligible(db, expired.id, days=-1)
    response = coordinator.post(f"/reviews/batches/{batch_id}/records", data={
        "record_ref": "01CX/40002/26", "sample_reason": "random", "reviewer": str(expired.id)})
    assert response.status_code == 400
    assert error_messages(response) == ["Select the reviewer"]
    assert f'value="{expired.id}"' not in response.text


def test_a_pair_is_two_different_people_and_a_record_is_in_a_batch_once(coordinator, batch_id, make_user, db):
    icv = make_user("icv")
    make_eligible(db, icv.id)
    data = {"record_ref": "01CX/40003/26", "sample_reason": "random", "reviewer": str(icv.id)}
    same = coordinator.post(f"/reviews/batches/{batch_id}/records", data={**data, "partner": str(icv.id)})
    assert error_messages(same) == ["Select two different reviewers for a pair, or 'No second reviewer'"]
    assert coordinator.post(f"/reviews/batches/{batch_id}/records", data=data).status_code == 302
    again = coordinator.post(f"/reviews/batches/{batch_id}/records", data=data)
    assert again.status_code == 400
    assert error_messages(again) == ["01CX/40003/26 is already in this batch"]


def test_an_unknown_batch_is_not_found_with_a_message(coordinator):
    for response in (coordinator.get("/reviews/batches/999"),
                     coordinator.post("/reviews/batches/999/records", data={"record_ref": "01CX/1/26"})):
        assert response.status_code == 404
        assert "There is no review batch with that number." in page_text(response)


def test_a_coordinator_changes_the_reviewers(coordinator, reviewer, assigned, make_user, db):
    other = make_user("icv")
    make_eligible(db, other.id)
    response = coordinator.post(f"/reviews/records/{assigned['record_id']}/assign",
                                data={"reviewer": str(other.id), "partner": ""})
    assert response.status_code == 302
    assert store.get_review(db, assigned["id"])["reviewer_ids"] == [other.id]
    assert reviewer.get(draft_url(assigned)).status_code == 403


def test_a_pair_can_have_no_third_reviewer(db, make_user):
    """The database refuses a third reviewer on one record."""
    people = [make_user("icv").id for _ in range(3)]
    review = make_review(db, people[:2])
    with pytest.raises(Exception, match="one reviewer or a pair"):
        db["review_assignments"].insert({"record_id": review["record_id"], "user_id": people[2]})


def test_the_custody_team_sees_batches_but_cannot_change_them(login_as, batch_id):
    team = login_as("custody_team")
    page = team.get(f"/reviews/batches/{batch_id}")
    assert page.status_code == 200 and "Add a record" not in page.text
    assert team.post(f"/reviews/batches/{batch_id}/records", data={}).status_code == 403


# The form: messages, next-day times, drafts --------------------------------------------------------

def test_a_complete_review_goes_to_check_your_answers(reviewer, assigned):
    response = reviewer.post(draft_url(assigned), data=review_fields(assigned))
    assert response.location == draft_url(assigned, "/check")
    page = page_text(reviewer.get(response.location))
    assert "No escalations: the rules find nothing to raise." in page
    assert "Due Sat" in page or "Due " in page


def test_released_before_arrival_is_refused_and_everything_typed_is_kept(reviewer, assigned, db):
    day = review_fields(assigned)["times-arrived_date"]
    data = review_fields(assigned, **{"times-released": "09:00", "times-released_date": day})
    response = reviewer.post(draft_url(assigned), data=data)
    assert response.status_code == 400
    [message] = error_messages(response)
    assert re.fullmatch(r"Released or transferred \(\w+ \d+ \w+, 09:00\) is before arrival at the station "
                        r"\(\w+ \d+ \w+, 10:00\): check the time and its date", message)
    assert 'id="times-released-error"' in response.text
    assert_kept(response, data)
    assert dict(json.loads(store.get_draft(db, assigned["id"])["fields"]))["times-released"] == "09:00"


def test_a_review_due_before_authorisation_is_refused(reviewer, assigned):
    day = review_fields(assigned)["times-arrived_date"]
    data = review_fields(assigned, **{"reviews-0-due": "09:00", "reviews-0-due_date": day})
    response = reviewer.post(draft_url(assigned), data=data)
    assert response.status_code == 400
    assert error_messages(response)[0].startswith("Review 1 due")
    assert "a review cannot be due or done before it" in error_messages(response)[0]
    assert_kept(response, data)


def test_consulted_before_requested_names_both_times(reviewer, assigned):
    day = review_fields(assigned)["times-arrived_date"]
    data = review_fields(assigned, **{"times-legal_advice_requested": "12:00",
                                      "times-legal_advice_consulted": "11:00",
                                      "times-legal_advice_consulted_date": day})
    [message] = error_messages(reviewer.post(draft_url(assigned), data=data))
    assert "Legal advice consulted" in message and "is before legal advice requested" in message


def test_missing_answers_each_get_a_plain_message(reviewer, assigned):
    data = review_fields(assigned, **{"times-arrived": "", "times-released": "", "overall_grade": None,
                                      "care-rest": None, "disposal": None, "flags-child": None})
    messages = error_messages(reviewer.post(draft_url(assigned), data=data))
    assert messages == [
        "Select the disposal category", "Enter the time of arrival at the police station, like 14:30",
        "Enter the time of release or transfer, like 14:30", "Grade 'Eight hours' rest in 24', or choose 'Not applicable'",
        "Answer yes or no: does the record show the detainee was a child (under 18, or appeared to be)?",
        "Select the overall grade of the record"]


def test_a_time_that_is_not_a_time_says_so(reviewer, assigned):
    data = review_fields(assigned, **{"times-booked_in": "25:61"})
    assert error_messages(reviewer.post(draft_url(assigned), data=data)) == [
        "Brought before the custody officer must be a real time on the 24-hour clock, like 14:30"]


def test_a_child_age_band_needs_the_child_flag(reviewer, assigned):
    data = review_fields(assigned, age_band="14-15")
    assert "The age band is under 18, so answer yes: the detainee is a child" in error_messages(
        reviewer.post(draft_url(assigned), data=data))


def test_a_time_after_midnight_is_read_as_the_next_day(reviewer, assigned, db):
    """Arrived 22:00, booked 22:20, released 02:00: four hours, the release on day 2."""
    data = review_fields(assigned, **{"times-arrived": "22:00", "times-booked_in": "22:20",
                                      "times-detention_authorised": "22:30", "times-rights_given": "22:35",
                                      "times-risk_assessment": "22:25", "times-released": "02:00",
                                      "reviews-0-due": "", "reviews-0-done": "", "reviews-0-representations": ""})
    assert reviewer.post(draft_url(assigned), data=data).status_code == 302
    page = page_text(reviewer.get(draft_url(assigned)))
    assert re.search(r"Read as \w+ \d+ \w+, 02:00 \(day 2\)", page)
    check = page_text(reviewer.get(draft_url(assigned, "/check")))
    assert "4 h 00 min" in check
    assert "None were due before release" in check


@pytest.mark.parametrize("name, day, message", [
    ("times-arrived_date", "9999-12-31", "The date of arrival is after the review session ({session}): check it"),
    ("times-arrived_date", "0001-01-01",
     "The date of arrival is more than a year before the review session ({session}): check the year"),
    ("times-released_date", "9999-12-31", "The date for 'released or transferred' must be between {first} and "
                                          "{last}, around the review session ({session}): check the year"),
    ("reviews-0-done_date", "0001-01-01", "The date for 'review 1 done' must be between {first} and {last}, "
                                          "around the review session ({session}): check the year"),
])
def test_a_date_far_from_the_session_is_kept_and_the_draft_still_opens(reviewer, assigned, name, day, message):
    """A date at the calendar's edge, autosaved with a time read as the next day after it: the
    draft still opens, and check your answers says in plain words what is wrong with the date."""
    data = review_fields(assigned, **{name: day, "times-arrived": "23:00", "times-booked_in": "00:10",
                                      "times-detention_authorised": "00:20", "times-rights_given": "00:25",
                                      "times-risk_assessment": "00:15", "times-released": "01:00"})
    assert reviewer.post(draft_url(assigned, "/autosave"), data=data, headers=FETCH).status_code == 200
    form = reviewer.get(draft_url(assigned))
    assert form.status_code == 200 and form_values(form.text)[name] == day
    check = reviewer.get(draft_url(assigned, "/check"))
    assert check.status_code == 400
    session = date.fromisoformat(assigned["session_date"])
    assert message.format(session=f"{session:%-d %b %Y}", first=f"{session - timedelta(days=366):%-d %b %Y}",
                          last=f"{session + timedelta(days=14):%-d %b %Y}") in error_messages(check)


def test_date_boxes_offer_the_window_around_the_session(reviewer, assigned):
    session = date.fromisoformat(assigned["session_date"])
    page = reviewer.get(draft_url(assigned)).text

    def box(name):
        return re.search(rf'<input[^>]*\bname="{name}"[^>]*>', page).group(0)
    first, last = session - timedelta(days=366), session + timedelta(days=14)
    for name, until in [("times-arrived_date", session), ("times-released_date", last), ("reviews-0-due_date", last)]:
        assert f'min="{first.isoformat()}"' in box(name) and f'max="{until.isoformat()}"' in box(name)


def test_add_and_remove_a_detention_review_keep_the_draft(reviewer, assigned, db):
    data = review_fields(assigned, action="add_review")
    response = reviewer.post(draft_url(assigned), data=data)
    assert response.status_code == 200
    values = form_values(response.text)
    assert "reviews-1-due" in values and values["reviews-0-done"] == "16:15"
    removed = reviewer.post(draft_url(assigned), data={**data, "action": "remove:reviews-0"})
    assert "Removed. Your draft is saved." in notices(removed)
    assert "reviews-0-done" not in form_values(removed.text)


def test_save_draft_keeps_unfinished_answers_and_returns_to_the_section(reviewer, assigned, db):
    data = review_fields(assigned, action="save:section-times", overall_grade=None, **{"times-released": "7"})
    response = reviewer.post(draft_url(assigned), data=data)
    assert response.location == draft_url(assigned) + "#section-times"
    shown = form_values(reviewer.get(draft_url(assigned)).text)
    assert shown["times-released"] == "7" and shown["overall_grade"] is None


def test_autosave_returns_the_revision_and_keeps_the_fields(reviewer, assigned, db):
    data = review_fields(assigned, comments="Half way through")
    first = reviewer.post(draft_url(assigned, "/autosave"), data=data, headers=FETCH)
    second = reviewer.post(draft_url(assigned, "/autosave"), data=data, headers=FETCH)
    assert (first.json["revision"], second.json["revision"]) == (1, 2)
    assert form_values(reviewer.get(draft_url(assigned)).text)["comments"] == "Half way through"


def test_a_pair_shares_one_draft(reviewer, db, login_as, make_user):
    partner = login_as("icv")
    make_eligible(db, partner.user.id)
    review = make_review(db, [reviewer.user.id, partner.user.id])
    reviewer.post(draft_url(review, "/autosave"), data=review_fields(review, comments="From Ada"), headers=FETCH)
    assert form_values(partner.get(draft_url(review)).text)["comments"] == "From Ada"


@pytest.fixture
def pair(reviewer, db, login_as):
    """(Ada, Ben): two signed-in reviewers of one record, and the review."""
    db["users"].update(reviewer.user.id, {"display_name": "Ada Reviewer"})
    partner = login_as("icv", display_name="Ben Reviewer")
    make_eligible(db, partner.user.id)
    return reviewer, partner, make_review(db, [reviewer.user.id, partner.user.id])


def page_base(page):
    """The draft revision a form page says its answers are based on."""
    return form_values(page.text)["base_revision"]


def stored(db, review):
    return dict(json.loads(store.get_draft(db, review["id"])["fields"]))


def conflict_rows(response):
    """{label: (what I typed, what the saved draft holds)} listed on a form shown back unsaved."""
    box = re.search(r'<div class="notice notice-warning" id="conflict".*?</dl>', response.text, re.S)
    return {html.unescape(label): tuple(html.unescape(v) for v in values) for label, *values in re.findall(
        r"<dt>(.*?)</dt><dd>You typed: (.*?)<br>Saved draft: (.*?)</dd>", box.group(0) if box else "")}


TIMELINE = {"times-arrived": "21:40", "times-booked_in": "22:05", "times-released": "09:30"}


def test_a_partners_autosave_from_an_older_page_is_refused_and_nothing_is_lost(pair, db):
    """Ada autosaves the timeline; Ben, on a page opened before that, autosaves a grade: he is
    told (409, and not "submitted", so his phone keeps his copy) and Ada's timeline is kept."""
    ada, ben, review = pair
    opened = {who: page_base(who.get(draft_url(review))) for who in (ada, ben)}
    assert opened == {ada: "0", ben: "0"}
    first = ada.post(draft_url(review, "/autosave"), data={
        "client_id": review["client_id"], "base_revision": opened[ada], **TIMELINE}, headers=FETCH)
    assert first.status_code == 200 and first.json["revision"] == 1
    late = ben.post(draft_url(review, "/autosave"), data={
        "client_id": review["client_id"], "base_revision": opened[ben], "overall_grade": "good"}, headers=FETCH)
    assert late.status_code == 409
    assert late.json["error"] == "conflict" and late.json["revision"] == 1
    assert late.json["message"].startswith("Not saved: Ada Reviewer saved this review at ")
    assert "What you typed is kept on this phone." in late.json["message"]
    kept = stored(db, review)
    assert kept["times-arrived"] == "21:40" and "overall_grade" not in kept
    # Ben opens the page again, now based on Ada's revision: his save goes through.
    assert page_base(ben.get(draft_url(review))) == "1"
    again = ben.post(draft_url(review, "/autosave"), data={
        "client_id": review["client_id"], "base_revision": "1", **TIMELINE, "overall_grade": "good"}, headers=FETCH)
    assert again.status_code == 200 and again.json["revision"] == 2
    assert stored(db, review)["overall_grade"] == "good"


def test_a_pages_own_saves_are_not_refused_another_pages_are(pair, db):
    """Saves from one page that overtake each other (a save still on its way when the next is
    sent) go through; a save from a page behind someone else's save, or behind the same
    person's save on another page, is refused and nothing is written over."""
    ada, ben, review = pair
    data = {"client_id": review["client_id"], **TIMELINE, "page_id": "ada-1"}
    for expected in (1, 2, 3):  # all from the page opened at revision 0
        response = ada.post(draft_url(review, "/autosave"), data={**data, "base_revision": "0"}, headers=FETCH)
        assert response.status_code == 200 and response.json["revision"] == expected
    assert ben.post(draft_url(review, "/autosave"), data={**data, "base_revision": "3", "comments": "Ben",
                                                           "page_id": "ben-1"}, headers=FETCH).json["revision"] == 4
    stale = ada.post(draft_url(review, "/autosave"), data={**data, "base_revision": "3"}, headers=FETCH)
    assert stale.status_code == 409 and stale.json["error"] == "conflict"
    # Ada's other page, opened after Ben's save, saves; the first page is now behind her own save.
    assert ada.post(draft_url(review, "/autosave"), data={**data, "base_revision": "4", "comments": "Ben",
                                                           "page_id": "ada-2"}, headers=FETCH).json["revision"] == 5
    behind = ada.post(draft_url(review, "/autosave"), data={**data, "base_revision": "3"}, headers=FETCH)
    assert behind.status_code == 409
    assert behind.json["message"].startswith("Not saved: You (on another page or phone) saved this review at ")
    assert stored(db, review)["comments"] == "Ben"


def test_a_form_posted_from_an_older_page_shows_what_was_typed_and_what_changed(pair, db):
    """Without JavaScript: Ben saves a page opened before Ada's save. Nothing is saved; his page
    comes back with everything he typed and each answer that differs from the saved draft; saved
    again from that page (now based on Ada's revision), it is his choice and it goes through."""
    ada, ben, review = pair
    ada.post(draft_url(review), data=review_fields(review, action="save:section-times", comments="Ada's note",
                                                   base_revision="0"))
    data = review_fields(review, action="save:section-grade", overall_grade="serious_concern",
                         base_revision="0", **{"times-arrived": "", "times-released": "", "gender": "female"})
    response = ben.post(draft_url(review), data=data)
    assert response.status_code == 409
    assert_kept(response, data, skip=("base_revision",))
    page = page_text(response)
    assert "Not saved: Ada Reviewer saved this review after you opened it" in page
    assert "Nothing you typed has been lost" in page
    assert conflict_rows(response) == {  # the answers the two differ in, and no other
        "Gender": ("Female", "Male"), "Arrived at the police station": ("Blank", "10:00"),
        "Released or transferred": ("Blank", "20:00"), "Overall grade": ("Serious concern", "Good"),
        "Comments (optional)": ("Blank", "Ada's note")}
    assert page_base(response) == "1" and 'data-unsaved="true"' in response.text
    kept = stored(db, review)
    assert (kept["overall_grade"], kept["times-arrived"], kept["gender"]) == ("good", "10:00", "male")
    again = ben.post(draft_url(review), data={**data, "base_revision": page_base(response)})
    assert again.status_code == 302
    assert stored(db, review)["overall_grade"] == "serious_concern"


def test_the_outbox_submit_from_an_older_page_is_not_submitted(pair, db):
    """A finished review sent later from Ben's outbox, after Ada saved: not submitted over her
    save; shown back as not saved (the phone keeps its copy)."""
    ada, ben, review = pair
    ada.post(draft_url(review, "/autosave"), data=review_fields(review, comments="Ada's note"), headers=FETCH)
    response = ben.post(draft_url(review), data=review_fields(review, action="submit", base_revision="0"))
    assert response.status_code == 409 and 'data-unsaved="true"' in response.text
    assert db["custody_record_reviews"].get(review["id"])["status"] == "draft"
    assert stored(db, review)["comments"] == "Ada's note"
    assert db["escalations"].count == 0


def test_a_checked_draft_the_partner_saved_again_is_not_submitted(pair, db):
    ada, ben, review = pair
    assert ada.post(draft_url(review), data=review_fields(review)).status_code == 302
    revision = store.get_draft(db, review["id"])["revision"]
    ben.post(draft_url(review, "/autosave"), data=review_fields(review, comments="Ben's", base_revision=str(revision)),
             headers=FETCH)
    with pytest.raises(drafts.Stale):
        store.submit(db, review["id"], ada.user.id, {"times": {}}, revision=revision,
                     **rulebook.built_in())
    assert db["custody_record_reviews"].get(review["id"])["status"] == "draft"


# Submit -----------------------------------------------------------------------------------------

def test_submit_raises_dt2_and_shows_it(reviewer, assigned, db):
    response = check_and_submit(reviewer, assigned, **{"reviews-0-done": "18:00"})
    assert response.location == f"/reviews/{assigned['id']}"
    [e] = db["escalations"].rows_where("review_id = ?", [assigned["id"]])
    assert (e["rule_id"], e["priority"], e["source"], e["suite_id"]) == ("DT2", "high", "review", assigned["suite_id"])
    assert e["raised_by"] == reviewer.user.id and "1 h 30 min late" in e["detail"]
    page = page_text(reviewer.get(response.location))
    assert "DT2: Detention review late or missed" in page and "Review submitted. Thank you." in page
    row = db["custody_record_reviews"].get(assigned["id"])
    assert row["status"] == "submitted" and row["overall_grade"] == "good"
    assert json.loads(row["derived"])["reviews"][0]["late_minutes"] == 90
    assert store.get_draft(db, assigned["id"]) is None


def test_an_icvs_review_page_shows_nothing_the_custody_team_keeps_to_itself(reviewer, assigned, db,
                                                                            make_user, app):
    """The police response, the assignee and why it was closed stay with the custody team: the
    reviewer's page is not even handed them."""
    from flask import template_rendered

    from icv.escalations import workflow
    check_and_submit(reviewer, assigned, **{"reviews-0-done": "18:00"})
    [e] = db["escalations"].rows_where("review_id = ?", [assigned["id"]])
    team = make_user("custody_team")
    workflow.record_police_response(db, e["id"], e["version"], team.id, "Inspector Hale: the sergeant was off sick")
    db["escalations"].update(e["id"], {"assigned_to": team.id, "closed_reason": "Closed after the inspector's call"})
    handed = []
    with template_rendered.connected_to(lambda sender, template, context: handed.append(context), app):
        page = reviewer.get(f"/reviews/{assigned['id']}")
    assert page.status_code == 200 and "DT2: Detention review late or missed" in page_text(page)
    assert "Inspector Hale" not in page_text(page) and "the inspector's call" not in page_text(page)
    [raised] = [c["raised"] for c in handed if "raised" in c]
    assert {"police_response", "assigned_to", "closed_reason"}.isdisjoint(raised[0].keys())
    assert "1 h 30 min late" in raised[0]["detail"]


def test_check_your_answers_shows_what_submitting_raises(reviewer, assigned):
    reviewer.post(draft_url(assigned), data=review_fields(assigned, **{"reviews-0-done": "18:00"}))
    page = page_text(reviewer.get(draft_url(assigned, "/check")))
    assert "Submitting raises these escalations" in page and "DT2:" in page
    assert "1 h 30 min late" in page


def test_submitting_twice_submits_once(reviewer, assigned, db):
    check_and_submit(reviewer, assigned, **{"reviews-0-done": "18:00"})
    again = reviewer.post(draft_url(assigned, "/submit"), data={"revision": "1"})
    assert again.location == f"/reviews/{assigned['id']}"
    assert db["escalations"].count == 1
    assert reviewer.post(draft_url(assigned, "/autosave"), data=review_fields(assigned),
                         headers=FETCH).status_code == 409


def test_a_draft_changed_after_checking_is_checked_again(reviewer, assigned, db):
    reviewer.post(draft_url(assigned), data=review_fields(assigned))
    response = reviewer.post(draft_url(assigned, "/submit"), data={"revision": "99"})
    assert response.location == draft_url(assigned, "/check")
    assert db["custody_record_reviews"].get(assigned["id"])["status"] == "draft"


def test_the_outbox_submit_of_an_invalid_review_keeps_it_as_a_draft(reviewer, assigned, db):
    data = review_fields(assigned, action="submit", overall_grade=None)
    response = reviewer.post(draft_url(assigned), data=data)
    assert response.status_code == 400
    assert db["custody_record_reviews"].get(assigned["id"])["status"] == "draft"
    assert_kept(response, data)


# The audit log ----------------------------------------------------------------------------------------

def test_every_opening_of_a_review_is_written_to_the_audit_log(reviewer, assigned, db, login_as):
    reviewer.get(draft_url(assigned))
    reviewer.post(draft_url(assigned), data=review_fields(assigned))
    reviewer.get(draft_url(assigned, "/check"))
    check_and_submit(reviewer, assigned)
    reviewer.get(f"/reviews/{assigned['id']}")
    team = login_as("custody_team")
    team.get(f"/reviews/{assigned['id']}")
    assert audit_views(db, assigned["id"]) == ["form", "check", "check", "detail", "detail"]
    last = list(db.query("SELECT user_id FROM audit_log WHERE object_type = 'custody_record_review' "
                         "ORDER BY id DESC LIMIT 1"))[0]
    assert last["user_id"] == team.user.id


def test_a_refused_opening_is_not_logged_as_a_view(login_as, assigned, db):
    other = login_as("icv")
    make_eligible(db, other.user.id)
    assert other.get(f"/reviews/{assigned['id']}").status_code == 403
    assert audit_views(db, assigned["id"]) == []


# Who may open a review --------------------------------------------------------------------------------

@pytest.mark.parametrize("role", ["custody_team", "coordinator", "admin"])
def test_staff_can_open_a_submitted_review(login_as, reviewer, assigned, role):
    check_and_submit(reviewer, assigned)
    page = login_as(role).get(f"/reviews/{assigned['id']}")
    assert page.status_code == 200 and assigned["record_ref"] in page.text


@pytest.mark.parametrize("role", ["custody_team", "coordinator", "admin"])
def test_staff_cannot_write_a_review(login_as, assigned, role):
    assert login_as(role).get(draft_url(assigned)).status_code == 403


def test_another_icv_cannot_open_or_write_a_review_not_assigned_to_them(login_as, assigned, db):
    other = login_as("icv")
    make_eligible(db, other.user.id)
    detail = other.get(f"/reviews/{assigned['id']}")
    assert detail.status_code == 403 and "Only the reviewers assigned to this record" in page_text(detail)
    form = other.get(draft_url(assigned))
    assert form.status_code == 403 and "assigned to other reviewers, not you" in page_text(form)
    assert other.post(draft_url(assigned, "/autosave"), data=review_fields(assigned),
                      headers=FETCH).status_code == 403
    assert store.get_draft(db, assigned["id"]) is None


def test_a_post_from_someone_no_longer_assigned_shows_what_they_typed_and_saves_nothing(
        login_as, assigned, db):
    other = login_as("icv")
    make_eligible(db, other.user.id)
    response = other.post(draft_url(assigned), data=review_fields(assigned, comments="My notes so far"))
    assert response.status_code == 403
    page = page_text(response)
    assert "assigned to other reviewers, not you" in page and "Nothing was saved" in page
    assert "My notes so far" in page and assigned["record_ref"] not in page
    assert store.get_draft(db, assigned["id"]) is None


def test_unknown_reviews_are_not_found(reviewer):
    assert reviewer.get("/reviews/999999").status_code == 404
    response = reviewer.get("/reviews/drafts/not-a-uuid")
    assert response.status_code == 404 and "There is no custody record review at that address." in page_text(response)


def test_an_assigned_reviewer_reads_a_draft_review_page(reviewer, assigned):
    page = page_text(reviewer.get(f"/reviews/{assigned['id']}"))
    assert "This review has not been submitted yet." in page and "Carry on with it" in page


# Sessions and demo -------------------------------------------------------------------------------------

def test_a_review_posted_after_the_idle_sign_out_is_kept_as_the_draft(reviewer, assigned, db, clock):
    assert reviewer.get("/").status_code == 302
    clock.advance(minutes=45)
    data = review_fields(assigned, comments="Typed in the basement")
    response = reviewer.post(draft_url(assigned), data=data)
    assert response.location == f"/login?next={draft_url(assigned)}"
    assert dict(json.loads(store.get_draft(db, assigned["id"])["fields"]))["comments"] == "Typed in the basement"


def test_the_demo_holds_reviewers_batches_and_reviews_with_escalations(app, db):
    import random

    from icv import demo
    demo.load(db, random.Random(1))
    alex = next(db["users"].rows_where("email = 'icv@example.org'"))
    assert store.eligibility(db, alex["id"], london_today())[0]
    tom = next(db["users"].rows_where("email = 'tom.okafor@example.org'"))
    assert "vetting expired" in store.eligibility(db, tom["id"], london_today())[1]
    assert db["review_batches"].count == 2
    assert db["custody_record_reviews"].count_where("status = 'submitted'") == 2
    rules_raised = {r["rule_id"] for r in db.query("SELECT rule_id FROM escalations WHERE source = 'review'")}
    assert {"DT2", "RT2", "CH5", "CH8"} <= rules_raised
    assert any(r["status"] == "draft" for r in store.my_reviews(db, alex["id"]))


def test_release_is_read_after_what_happened_not_after_a_deadline(reviewer, assigned):
    """A warrant allowing detention until 20:00 and a review due at 21:00 do not push a 15:00
    release to the next day."""
    data = review_fields(assigned, **{
        "times-released": "15:00", "reviews-0-due": "21:00", "reviews-0-done": "",
        "reviews-0-representations": "", "times-warrant": "12:00", "times-warrant_until": "20:00"})
    reviewer.post(draft_url(assigned), data={**data, "action": "save"})
    page = page_text(reviewer.get(draft_url(assigned)))
    assert re.search(r"Read as \w+ \d+ \w+, 20:00", page)  # the warrant's end was read
    assert re.search(r"Read as \w+ \d+ \w+, 15:00(?! \(day)", page)


def test_a_stale_page_shows_everything_typed_and_saves_nothing(app, reviewer, assigned, db):
    """With CSRF on (as in production), a review posted with an old token comes back with what
    was typed and the message; nothing is saved."""
    from icv import create_app
    from icv.accounts.testing import SignedInClient
    csrf = create_app({"TESTING": True, "SECRET_KEY": "test", "WTF_CSRF_ENABLED": True,
                       "DATABASE": app.config["DATABASE"]})
    csrf.test_client_class = SignedInClient
    client = csrf.test_client(user=reviewer.user)
    data = review_fields(assigned, comments="Typed before the page went stale", csrf_token="stale")
    response = client.post(draft_url(assigned), data=data)
    assert response.status_code == 400
    assert "This page had expired" in page_text(response)
    assert_kept(response, data, skip=("csrf_token",))
    assert store.get_draft(db, assigned["id"]) is None
