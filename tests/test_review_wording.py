"""A custody record review asks about the record, not the detainee: its flag questions read
"Does the record show ...?" with "Not recorded", the source is always the record (never asked),
and the stored codes are the visit's, so the rules fire on a review's flags as before. On check
your answers, a sample reason the answers contradict (Child with an adult age band) gets a
warning that links to the answer and does not stop the review being submitted."""
import html
import json
import re

import pytest

from conftest import error_messages, page_text
from icv import flags
from icv.reviews import wording
from review_helpers import draft_url, make_review, review_fields

VISIT_WORDS = ["How do you know", "The detainee told us", "We saw it", "Custody staff told us",
               "Does the detainee say", "Is the force on the custody record?"]


@pytest.fixture
def sampled(reviewer, db, make_user):
    """make(reason): a review assigned to `reviewer`, sampled for that reason."""
    def make(reason="random"):
        return make_review(db, [reviewer.user.id], make_user("coordinator").id, sample_reason=reason)
    return make


def flag_fields(kind, **answers):
    return {f"flags-{kind}": "yes", **{f"flags-{kind}_answers-{n}": v for n, v in answers.items()}}


STRIP_SEARCH = dict(context="custody", intimate_parts_exposed="yes", orifice_contact="no", aa_present="not_needed",
                    searcher_same_sex="no", reason_recorded="yes")
FORCE = dict(phase="in_cell", spit_guard="no", limb_restraints="no", handcuffed_in_cell="no", detainee_injury="none",
             hcp_seen="not_recorded", allegation="yes", recorded_on_custody_record="no")
CHILD = dict(aa_status="present", held_in="juvenile_room", sharing_with_adult="no", expected_overnight="no")


def flags_section(page):
    return re.search(r'<section id="section-flags".*?</section>', page, re.S)[0]


def questions_asked(section):
    """The legends of its radios and the labels of its boxes (the minutes)."""
    return [html.unescape(m) for m in re.findall(r'<legend class="legend[^"]*">(.*?)</legend>'
                                                 r'|<label class="label" for="[^"]*">(.*?)</label>', section)
            for m in m if m]


def check_page(client, review, **fields):
    response = client.post(draft_url(review), data=review_fields(review, **fields))
    assert response.status_code == 302, error_messages(response)
    page = client.get(draft_url(review, "/check"))
    assert page.status_code == 200
    return page


def warning(page):
    """[(words, link target, link text)] of the sample warning on check your answers."""
    found = re.search(r'<div class="notice notice-warning" id="sample-warning".*?</div>', page.text, re.S)
    if not found:
        return []
    return [(html.unescape(w).strip(), href, html.unescape(text)) for w, href, text in re.findall(
        r'<li>(.*?)<a href="[^"#]*#([^"]+)">(.*?)</a></li>', found[0], re.S)]


# The words -----------------------------------------------------------------------------------------

def test_every_flag_question_on_the_review_form_asks_about_the_record(reviewer, sampled):
    page = reviewer.get(draft_url(sampled())).text
    section = flags_section(page)
    asked = [x for x in questions_asked(section) if not x.endswith(": details")]
    assert asked, "the flags section shows its questions"
    assert all("record" in x for x in asked), [x for x in asked if "record" not in x]
    assert asked[0] == "Does the record show the detainee was strip searched?"
    assert "For how many minutes does the record show the spit and bite guard was on? (optional)" in asked
    text = html.unescape(section)
    assert not [w for w in VISIT_WORDS if w in text]
    assert "Not recorded" in text and 'name="flags-strip_search_answers-source"' not in section


def test_every_question_of_the_flags_has_record_words():
    """A question added to icv/flags.py needs its words for reviews in wording.py."""
    missing = [(f.kind, q.name) for f in flags.FLAGS for q in f.questions
               if q.name not in wording.FIXED and (f.kind, q.name) not in wording.QUESTIONS]
    assert missing == []
    assert set(wording.FLAG_QUESTIONS) == {f.kind for f in flags.FLAGS}


def test_the_words_change_but_the_questions_and_codes_do_not():
    for visit, review in zip(flags.FLAGS, wording.FLAGS):
        asked = [q for q in visit.questions if q.name not in wording.FIXED]
        assert [(q.name, q.only_if, q.optional, q.minutes) for q in asked] == \
               [(q.name, q.only_if, q.optional, q.minutes) for q in review.questions]
        assert [[c for c, _ in q.choices] for q in asked] == [[c for c, _ in q.choices] for q in review.questions]


def test_the_visit_form_keeps_its_own_words(login_as):
    page = page_text(login_as("icv").get("/visits/new"))
    assert "Does the record show" not in page
    # the child flag is not asked on the visit form: an under-18 age band raises it (issue 12)
    assert [f.question for f in flags.FLAGS if f.question not in page] == [flags.CHILD.question]
    force = flags.BY_KIND["use_of_force"]
    assert [q.label for q in force.questions if q.label not in page] == []
    assert "The detainee told us" in page


def test_a_missing_answer_is_named_in_the_records_words(reviewer, sampled):
    review = sampled()
    data = review_fields(review, **flag_fields("use_of_force", **{**FORCE, "allegation": None}))
    response = reviewer.post(draft_url(review), data={k: v for k, v in data.items() if v is not None})
    assert error_messages(response) == [
        "Use of force: select an answer to 'Does the record show the detainee said they were assaulted or mistreated?'"]


# Answers in words, stored codes, and the rules ----------------------------------------------------------

def submit(client, review, **fields):
    page = check_page(client, review, **fields)
    revision = re.search(r'name="revision" value="(\d+)"', page.text)[1]
    return page, client.post(draft_url(review, "/submit"), data={"revision": revision})


def test_a_reviews_flags_are_stored_as_codes_and_raise_the_rules(reviewer, sampled, db):
    """The source is the record, whatever is posted; the rules on flags fire as on a visit."""
    review = sampled()
    fields = {**flag_fields("strip_search", **STRIP_SEARCH, source="detainee_account"),
              **flag_fields("use_of_force", **FORCE)}
    check, response = submit(reviewer, review, **fields)
    assert response.location == f"/reviews/{review['id']}"
    stored = json.loads(db["custody_record_reviews"].get(review["id"])["flags"])
    assert stored["strip_search"] == {**STRIP_SEARCH, "source": "custody_record"}
    assert stored["use_of_force"] == {**FORCE, "source": "custody_record"}
    raised = {e["rule_id"] for e in db["escalations"].rows_where("review_id = ?", [review["id"]])}
    assert {"SS2", "UF1", "UF4"} <= raised
    for page in (page_text(check), page_text(reviewer.get(response.location))):
        assert "Strip search: Does the record show the searching officer was the same sex as the detainee?" in page
        assert "Use of force: Does the record show a healthcare professional saw them after the force?" in page
        assert "Use of force: Is the force itself written up on the record (what was used and why)?" in page
        assert not [w for w in VISIT_WORDS if w in page]


def test_not_known_reads_as_not_recorded_on_the_review(reviewer, sampled):
    review = sampled("child")
    page = page_text(check_page(reviewer, review, age_band="16-17",
                                **flag_fields("child", **{**CHILD, "expected_overnight": "not_known"})))
    assert re.search(r"Child: Does the record show the child was kept overnight\?\s*</dt>\s*<dd>Not recorded</dd>", page)


# The sample warning ----------------------------------------------------------------------------------

@pytest.mark.parametrize("reason, fields, words, target", [
    ("child", {}, "Sampled because 'Child', but the age band is 25 to 34 and you answered that the record "
                  "does not show a child.", "age_band"),
    ("woman", {}, "Sampled because 'Woman', but the gender is Male.", "gender-0"),
    ("strip_search", {}, "Sampled because 'Strip search', but you answered that the record does not show "
                         "a strip search.", "flags-strip_search-0"),
    ("use_of_force", {}, "Sampled because 'Use of force', but you answered that the record does not show "
                         "force used.", "flags-use_of_force-0"),
    ("mental_health", {}, "Sampled because 'Mental health', but the marker 'Mental health concern' is not "
                          "ticked.", "markers"),
    ("vulnerable_adult", {"markers": "mental_health"}, "Sampled because 'Vulnerable adult', but the marker "
     "'Vulnerable adult who needs an appropriate adult (Code C 1.13(d))' is not ticked.", "markers"),
])
def test_answers_that_contradict_the_sample_get_a_warning(reviewer, sampled, reason, fields, words, target):
    review = sampled(reason)
    [(said, href, link)] = warning(check_page(reviewer, review, **fields))
    assert (said, href) == (words, target)
    assert link.startswith("Change the ")
    form = reviewer.get(draft_url(review)).text
    assert f'id="{target}"' in form  # the link lands on the answer


@pytest.mark.parametrize("reason, fields", [
    ("child", {"age_band": "16-17", **flag_fields("child", **CHILD)}),
    ("child", flag_fields("child", **CHILD)),  # an adult age band, but appeared under 18
    ("child", {"age_band": "unknown"}),
    ("woman", {"gender": "female"}),
    ("strip_search", flag_fields("strip_search", **STRIP_SEARCH)),
    ("use_of_force", flag_fields("use_of_force", **FORCE)),
    ("mental_health", {"markers": "mental_health"}),
    ("random", {}),
])
def test_answers_that_fit_the_sample_get_no_warning(reviewer, sampled, reason, fields):
    page = check_page(reviewer, sampled(reason), **fields)
    assert warning(page) == [] and "do not match why this record was sampled" not in page.text


def test_a_review_with_a_warning_can_still_be_submitted(reviewer, sampled, db):
    review = sampled("child")
    check, response = submit(reviewer, review)
    assert "Your answers do not match why this record was sampled" in page_text(check)
    assert response.location == f"/reviews/{review['id']}"
    assert db["custody_record_reviews"].get(review["id"])["status"] == "submitted"
