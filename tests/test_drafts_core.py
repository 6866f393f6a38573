"""The drafts core (icv/drafts), tested once for both kinds of draft: visit reports and custody
record reviews. Save, autosave, a stale save from another page or the partner, check, submit,
double submit, the expired session, the expired page, someone else's draft, the limits.
Kind-specific behaviour (corrections of visits, partner reviewers) is in test_drafts.py,
test_corrections.py and test_reviews.py."""
import json
from dataclasses import dataclass
from typing import Callable

import pytest

import conftest
import review_helpers
from icv.drafts import store as drafts

FETCH = {"X-Requested-With": "fetch"}


@dataclass
class Case:
    """One kind of draft, as a test sees it."""
    kind: str
    client: object  # the signed-in author
    second: object  # who else may save the same draft: the partner, or the author in another tab
    data: Callable  # data(**overrides) -> a complete valid form as posted
    url: Callable  # url(suffix="") -> the draft's address
    records: Callable  # records() -> how many were submitted
    long_box: tuple  # (name, limit, message) of a text box with a Length limit
    stranger_status: int  # someone who may not write it: 404 (a visit) or 403 (a review)


@pytest.fixture(params=["visit", "review"])
def case(request, db, login_as, report_form, make_user):
    if request.param == "visit":
        author = login_as("icv")
        data = report_form()
        return Case("visit", author, author, lambda **o: {**data, **o}, lambda s="": conftest.draft_url(data, s),
                    lambda: db["visits"].count,
                    ("general_comments", 4000, "Anything else (optional) must be 4,000 characters or fewer"), 404)
    author, partner = login_as("icv", display_name="Ada Reviewer"), login_as("icv", display_name="Ben Reviewer")
    for person in (author, partner):
        review_helpers.make_eligible(db, person.user.id)
    review = review_helpers.make_review(db, [author.user.id, partner.user.id], make_user("coordinator").id)
    return Case("review", author, partner, lambda **o: review_helpers.review_fields(review, **o),
                lambda s="": review_helpers.draft_url(review, s),
                lambda: db.execute("SELECT count(*) FROM custody_record_reviews WHERE status = 'submitted'")
                .fetchone()[0],
                ("comments", 4000, "Comments (optional) must be 4,000 characters or fewer"), 403)


def stored(db, case):
    """The draft's fields as {name: value}, or None."""
    rows = list(db["drafts"].rows_where("client_id = ?", [case.data()["client_id"]]))
    return dict(json.loads(rows[0]["fields"])) if rows else None


def test_save_keeps_what_was_typed_and_returns_to_the_section(case, db):
    response = case.client.post(case.url(), data=case.data(action="save:section-x", base_revision="0"))
    assert response.status_code == 302 and response.location == case.url() + "#section-x"
    assert stored(db, case) == {k: v for k, v in case.data().items() if k != "action"}


def test_autosave_answers_json_with_the_revision(case, db):
    first = case.client.post(case.url("/autosave"), data=case.data(base_revision="0", page_id="a"), headers=FETCH)
    again = case.client.post(case.url("/autosave"), data=case.data(base_revision="1", page_id="a"), headers=FETCH)
    assert (first.json["revision"], again.json["revision"]) == (1, 2)
    assert stored(db, case)["client_id"] == case.data()["client_id"]


def test_a_save_from_a_page_behind_another_pages_save_is_refused_and_overwrites_nothing(case, db):
    """Two tabs of one person, or a pair: the page opened before the other's save is told (409,
    "conflict", so the phone keeps its copy) and the other's answers stay."""
    other = case.data(**{case.long_box[0]: "Saved first"}, base_revision="0", page_id="first")
    assert case.second.post(case.url("/autosave"), data=other, headers=FETCH).status_code == 200
    mine = case.data(**{case.long_box[0]: "Typed later"}, base_revision="0", page_id="second")
    late = case.client.post(case.url("/autosave"), data=mine, headers=FETCH)
    assert late.status_code == 409 and late.json["error"] == "conflict" and late.json["revision"] == 1
    shown = case.client.post(case.url(), data={**mine, "action": "save"})
    assert shown.status_code == 409 and 'data-unsaved="true"' in shown.text
    assert "Typed later" in shown.text and "Saved first" in shown.text  # mine in the box, theirs listed
    assert stored(db, case)[case.long_box[0]] == "Saved first"


def test_a_pages_own_saves_never_refuse_each_other(case, db):
    """A save still on its way when the next is sent: both from one page, both kept."""
    for expected in (1, 2, 3):
        response = case.client.post(case.url("/autosave"), data=case.data(base_revision="0", page_id="p"),
                                    headers=FETCH)
        assert response.json["revision"] == expected


def test_check_then_submit_saves_one_record_and_a_second_tap_finds_it(case, db):
    checked = case.client.post(case.url(), data=case.data(action="check"))
    assert checked.location == case.url("/check")
    page = case.client.get(checked.location)
    assert page.status_code == 200 and 'class="submit-form"' in page.text
    revision = conftest.form_values(page.text)["revision"]
    first = case.client.post(case.url("/submit"), data={"revision": revision})
    second = case.client.post(case.url("/submit"), data={"revision": revision})
    assert first.status_code == second.status_code == 302 and first.location == second.location
    assert case.records() == 1 and stored(db, case) is None
    assert "Nothing was sent twice" in " ".join(conftest.notices(case.client.get(second.location)))


def test_the_outbox_gets_json_codes(case, db):
    """The outbox posts the finished form in one go: JSON says where the record is; sent again,
    the same record; an invalid one is kept as a draft ("invalid", saved)."""
    sent = case.client.post(case.url(), data=case.data(action="submit"), headers=FETCH)
    assert sent.status_code == 200 and sent.json["outcome"] == "submitted" and sent.json["record"]
    again = case.client.post(case.url(), data=case.data(action="submit"), headers=FETCH)
    assert again.json["url"] == sent.json["url"] and case.records() == 1
    assert case.client.post(case.url("/autosave"), data=case.data(), headers=FETCH).json["error"] == "submitted"


def test_an_invalid_outbox_post_is_kept_as_a_draft(case, db):
    broken = case.data(action="submit", client_id=case.data()["client_id"], **{
        ("suite_id" if case.kind == "visit" else "overall_grade"): ""})
    response = case.client.post(case.url(), data=broken, headers=FETCH)
    assert response.status_code == 400 and response.json["error"] == "invalid" and response.json["saved"]
    assert case.records() == 0 and stored(db, case) is not None


def test_a_checked_draft_changed_since_is_checked_again(case, db):
    case.client.post(case.url(), data=case.data(action="check"))
    response = case.client.post(case.url("/submit"), data={"revision": "99"})
    assert response.location == case.url("/check") and case.records() == 0


def test_someone_elses_draft_is_refused(case, login_as, db):
    case.client.post(case.url(), data=case.data(action="save"))
    stranger = login_as("icv")
    review_helpers.make_eligible(db, stranger.user.id)
    assert stranger.get(case.url()).status_code == case.stranger_status
    response = stranger.post(case.url("/autosave"), data=case.data(comments="x"), headers=FETCH)
    assert response.status_code == case.stranger_status
    assert response.json["error"] == ("not_found" if case.stranger_status == 404 else "refused")


def test_a_form_posted_after_the_session_ran_out_is_kept_as_the_draft(case, db, app, clock):
    assert case.client.get("/").status_code == 302  # starts the idle clock
    clock.advance(minutes=app.config["SESSION_IDLE_MINUTES"] + 1)
    response = case.client.post(case.url(), data=case.data(action="check"))
    assert response.location == f"/login?next={case.url()}"
    assert stored(db, case) == {k: v for k, v in case.data().items() if k != "action"}


def test_a_form_posted_from_an_expired_page_is_shown_back_with_the_typing(case, db, app):
    app.config["WTF_CSRF_ENABLED"] = True
    response = case.client.post(case.url(), data=case.data(action="save", csrf_token="stale"))
    assert response.status_code == 400 and 'data-unsaved="true"' in response.text
    assert stored(db, case) is None


def test_a_box_over_its_limit_is_not_saved_and_says_which(case, db):
    """The submit's limits hold for drafts too: the message sits by the box, nothing is stored,
    autosave answers "invalid" naming the box (the phone keeps its copy)."""
    name, limit, message = case.long_box
    data = case.data(action="save", **{name: "x" * (limit + 1)})
    page = case.client.post(case.url(), data=data)
    assert page.status_code == 400 and "There is a problem" in page.text
    if message:
        assert message in page.text
    auto = case.client.post(case.url("/autosave"), data=data, headers=FETCH)
    assert auto.status_code == 400 and auto.json["error"] == "invalid" and name in auto.json["fields"]
    assert auto.json["saved"] is False and stored(db, case) is None


def test_a_value_in_a_box_without_a_limit_is_held_to_the_default(case, db):
    data = case.data(action="save", client_id=case.data()["client_id"], unknown_box="y" * 100_000)
    assert case.client.post(case.url(), data=data).status_code == 400
    assert stored(db, case) is None and drafts.UNLIMITED_MAX < 100_000
