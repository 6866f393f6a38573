"""My reports and My reviews page through any number of items (icv/paging.py): 20 a page,
newest first, `?page=N` with GOV.UK's Previous/Next links and page numbers. A page number that
is not a whole number from 1 is a 400 with a message; a page past the end is a 404 that says how
many pages there are. My reviews shows what became of each finding, as My reports does, and
never what the custody team keeps to itself."""
import re
from datetime import timedelta

import pytest

from conftest import page_text
from icv import paging, rulebook
from icv.escalations import workflow
from icv.reviews import store as reviews
from icv.times import london_today, to_iso, utcnow
from icv.visits import store as visits
from review_helpers import make_review

BAD_PAGES = ["abc", "0", "-1", "+2", "1.5", " 2", "2 ", "1e3", "0x2", "02x", "１", "1000000"]


def card_links(page, prefix):
    """The ids linked from the cards' titles, in page order ("/visits/7" -> 7)."""
    return [int(n) for n in re.findall(rf'<h3 class="card-title"><a href="{prefix}(\d+)"', page.text)]


def words(response):
    """The page's text without its tags, spaces collapsed."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page_text(response)))


def nav(page):
    """The pagination block's links: [(text, href)]."""
    block = re.search(r'<nav class="pagination".*?</nav>', page.text, re.S)
    return [(re.sub(r"<[^>]+>", "", text).strip(), href)
            for href, text in re.findall(r'<a[^>]*href="([^"]*)"[^>]*>(.*?)</a>', block[0], re.S)] if block else []


@pytest.fixture
def sixty(login_as, make_user, make_visit, make_suite):
    """An ICV with 60 reports an hour apart, the newest first in `ids`: every third written by
    their partner (the ICV named as partner), the rest their own; and 3 reports of a stranger
    in between."""
    me, partner, stranger = login_as("icv"), make_user("icv"), make_user("icv")
    suite = make_suite("Paging Suite")
    ids = []
    for n in range(60):
        if n % 3 == 2:
            ids.append(make_visit(partner, suite_id=suite, hours_ago=n + 1, partner_id=me.user.id))
        else:
            ids.append(make_visit(me.user, suite_id=suite, hours_ago=n + 1))
    others = [make_visit(stranger, suite_id=suite, hours_ago=n + 1.5) for n in range(3)]
    return me, ids, others


# My reports ----------------------------------------------------------------------------------

def test_sixty_reports_make_three_pages_of_twenty_newest_first(sixty, db):
    me, ids, others = sixty
    assert visits.count_visits_for(db, me.user.id) == 60
    pages = [me.get("/visits/"), me.get("/visits/?page=2"), me.get("/visits/?page=3")]
    assert [p.status_code for p in pages] == [200, 200, 200]
    assert [card_links(p, "/visits/") for p in pages] == [ids[:20], ids[20:40], ids[40:]]
    for p in pages:
        assert not set(card_links(p, "/visits/")) & set(others)
        assert "Your partner wrote this report." in page_text(p)  # the partner's are in the list
    assert "Showing 1 to 20 of 60 reports" in page_text(pages[0])
    assert "Showing 21 to 40 of 60 reports" in page_text(pages[1])
    assert "Showing 41 to 60 of 60 reports" in page_text(pages[2])
    assert "<title>My reports (page 2 of 3)" in pages[1].text


def test_the_page_links_go_back_and_on_and_mark_this_page(sixty):
    me, _, _ = sixty
    first, middle, last = (nav(me.get(path)) for path in ("/visits/", "/visits/?page=2", "/visits/?page=3"))
    assert first == [("1", "/visits/"), ("2", "/visits/?page=2"), ("3", "/visits/?page=3"),
                     ("Next page", "/visits/?page=2")]
    assert middle == [("Previous page", "/visits/"), ("1", "/visits/"), ("2", "/visits/?page=2"),
                      ("3", "/visits/?page=3"), ("Next page", "/visits/?page=3")]
    assert last == [("Previous page", "/visits/?page=2"), ("1", "/visits/"), ("2", "/visits/?page=2"),
                    ("3", "/visits/?page=3")]
    page = me.get("/visits/?page=2").text
    assert re.findall(r'<a [^>]*aria-current="page"[^>]*>(\d+)</a>', page) == ["2"]
    assert 'rel="prev"' in page and 'rel="next"' in page


def test_a_page_past_the_end_is_not_found_and_says_how_many_pages(sixty, login_as):
    me, _, _ = sixty
    response = me.get("/visits/?page=4")
    assert response.status_code == 404
    assert "There is no page 4 of your reports: there are 3 pages." in page_text(response)
    newcomer = login_as("icv")
    assert newcomer.get("/visits/?page=2").status_code == 404
    assert "there is 1 page" in page_text(newcomer.get("/visits/?page=2"))
    empty = newcomer.get("/visits/")
    assert empty.status_code == 200 and "You have not submitted any reports yet." in page_text(empty)
    assert '<nav class="pagination"' not in empty.text


def test_one_page_of_reports_has_no_page_links(login_as, make_visit):
    me = login_as("icv")
    make_visit(me.user)
    page = me.get("/visits/")
    assert '<nav class="pagination"' not in page.text and "1 report" in page_text(page)
    assert "<title>My reports – " in page.text


@pytest.mark.parametrize("bad", BAD_PAGES)
def test_a_page_number_that_is_not_one_is_refused_with_a_message(login_as, bad):
    """A bad ?page= is a 400 that says what a page number looks like, never a quiet page 1."""
    me = login_as("icv")
    response = me.get("/visits/", query_string={"page": bad})
    assert response.status_code == 400
    assert paging.NOT_A_PAGE in page_text(response)


def test_an_empty_page_number_is_page_one(login_as, make_visit):
    me = login_as("icv")
    visit = make_visit(me.user)
    assert card_links(me.get("/visits/?page="), "/visits/") == [visit]


def test_drafts_and_the_outbox_stay_on_every_page(sixty, report_form):
    """app.js puts the outbox and the drafts kept on the phone in #outbox[data-local-drafts]."""
    me, _, _ = sixty
    data = report_form()
    assert me.post(f"/visits/drafts/{data['client_id']}", data={**data, "action": "save"}).status_code in (200, 302)
    for path in ("/visits/", "/visits/?page=3"):
        page = me.get(path).text
        assert '<div id="outbox" class="outbox" data-local-drafts hidden></div>' in page
        assert "Drafts" in page and "Not submitted yet." in page


def test_a_page_of_reports_is_read_from_the_two_indexes_without_sorting(db):
    """The page merges visits_created_by and visits_partner in arrival order and stops at its
    rows: no temporary sort of all an ICV's reports."""
    plan = " ".join(r[3] for r in db.execute(
        f"EXPLAIN QUERY PLAN {visits.MINE} ORDER BY arrived_at DESC, id DESC LIMIT 20 OFFSET 40", {"me": 1}))
    assert "visits_created_by" in plan and "visits_partner" in plan
    assert "TEMP B-TREE" not in plan and "SCAN visits" not in plan


@pytest.mark.parametrize("number, pages, links", [
    (1, 1, [1]), (1, 3, [1, 2, 3]), (5, 10, [1, None, 4, 5, 6, None, 10]),
    (1, 10, [1, 2, None, 10]), (10, 10, [1, None, 9, 10]), (3, 10, [1, 2, 3, 4, None, 10]),
    (4, 7, [1, 2, 3, 4, 5, 6, 7])])
def test_page_links_show_the_ends_and_the_neighbours(number, pages, links):
    assert paging.Page(number, pages * paging.PAGE_SIZE).links() == links


def test_page_counts():
    page = paging.Page(3, 41)
    assert (page.pages, page.offset, page.first, page.last, page.previous, page.next) == (3, 40, 41, 41, 2, None)
    assert paging.Page(1, 0).pages == 1 and paging.Page(1, 0).first == 0
    assert [paging.number(t) for t in (None, "", "1", "25", "999999")] == [1, 1, 1, 25, 999999]


# My reviews ----------------------------------------------------------------------------------

def submitted_review(db, reviewer_id, **kwargs):
    """A review assigned to the reviewer and submitted straight through the store (a good
    record, nothing raised); returns its id."""
    review = make_review(db, [reviewer_id], **kwargs)
    assert reviews.submit(db, review["id"], reviewer_id, {"times": {}, "overall_grade": "good"},
                          **rulebook.built_in())
    return review["id"]


def test_my_reviews_pages_the_submitted_and_keeps_every_one_to_do(reviewer, db, make_user):
    done = [submitted_review(db, reviewer.user.id, session_date=london_today() - timedelta(days=n + 1))
            for n in range(25)]  # done[0] is the newest session
    to_do = [make_review(db, [reviewer.user.id])["id"] for _ in range(2)]
    make_review(db, [make_user("icv").id])  # someone else's
    assert reviews.count_my_reviews(db, reviewer.user.id) == {"draft": 2, "submitted": 25}
    first, second = reviewer.get("/reviews/"), reviewer.get("/reviews/?page=2")
    assert card_links(first, "/reviews/") == done[:20] and card_links(second, "/reviews/") == done[20:]
    for page in (first, second):  # the work to do is on every page, whatever the page
        assert page.text.count("card card-draft") == len(to_do)
    assert "Showing 1 to 20 of 25 reviews" in page_text(first)
    assert "Showing 21 to 25 of 25 reviews" in page_text(second)
    assert nav(first)[-1] == ("Next page", "/reviews/?page=2")
    assert nav(second)[0] == ("Previous page", "/reviews/")
    missing = reviewer.get("/reviews/?page=3")
    assert missing.status_code == 404
    assert "There is no page 3 of your submitted reviews: there are 2 pages." in page_text(missing)


@pytest.mark.parametrize("bad", ["abc", "0", "-1"])
def test_my_reviews_refuses_a_page_number_that_is_not_one(reviewer, bad):
    response = reviewer.get("/reviews/", query_string={"page": bad})
    assert response.status_code == 400 and paging.NOT_A_PAGE in page_text(response)


def test_my_reviews_shows_a_findings_status_and_outcome_never_internal_notes(reviewer, db, make_user):
    """The reviewer sees the status and the outcome note written for them; the police response,
    internal notes and why it was closed stay with the custody team."""
    review = make_review(db, [reviewer.user.id])
    arrived = utcnow() - timedelta(days=5)
    at = {name: to_iso(arrived + timedelta(minutes=m)) for name, m in
          (("arrived", 0), ("detention_authorised", 30), ("due", 390), ("done", 480))}
    assert reviews.submit(db, review["id"], reviewer.user.id, {  # the first review 1 h 30 min late
        "times": {"arrived": at["arrived"], "detention_authorised": at["detention_authorised"]},
        "reviews": [{"due": at["due"], "done": at["done"]}], "overall_grade": "good"},
        **rulebook.built_in())
    raised = list(db["escalations"].rows_where("review_id = ?", [review["id"]], order_by="id"))
    [e] = [r for r in raised if r["rule_id"] == "DT2"]
    team = make_user("custody_team").id
    version = workflow.claim(db, e["id"], e["version"], team)
    version = workflow.record_police_response(db, e["id"], version, team, "Inspector Hale: words of advice")
    version = workflow.add_note(db, e["id"], version, team, "INTERNAL: the borough commander is aware")
    version = workflow.write_outcome(db, e["id"], version, team, "The suite has retrained its sergeants.")
    workflow.set_status(db, e["id"], version, team, "resolved", "Closed after the inspector's call")
    page = words(reviewer.get("/reviews/"))
    assert "What happened to the findings" in page
    assert f"{e['rule_id']}: {e['title'].rstrip('.')}. Resolved" in page
    assert "The suite has retrained its sergeants." in page
    for other in raised:
        if other["id"] != e["id"]:
            assert f"{other['rule_id']}: {other['title'].rstrip('.')}. New" in page
    assert f"Escalations {len(raised)}" in page
    html = page_text(reviewer.get("/reviews/"))
    for secret in ("Inspector Hale", "INTERNAL", "borough commander", "the inspector's call",
                   f"/escalations/{e['id']}"):
        assert secret not in html, secret
