"""Paging My reports and My reviews in a real browser, at phone and desktop size: the GOV.UK
pagination links are found by their names, move between pages, fit the screen, and pass axe.
Served on an app of its own (the demo ICV has one page of reports)."""
from datetime import timedelta

import pytest

from icv import create_app, rulebook
from icv.auth import create_user
from icv.db import connect, migrate
from icv.reviews import store as reviews
from icv.times import london_today, now_iso, to_iso, utcnow
from icv.visits.store import record_visit
from review_helpers import make_eligible, make_review

from .conftest import serve, signed_in_state
from .helpers import expect
from .test_accessibility import WCAG

try:
    from axe_playwright_python.sync_playwright import Axe
except ImportError:  # the `playwright_instance` fixture skips or fails before any use
    Axe = None

pytestmark = pytest.mark.browser

EMAIL = "paging.icv@example.org"
DESKTOP = {"viewport": {"width": 1280, "height": 900}, "device_scale_factor": 1}


@pytest.fixture(scope="module")
def paged_server(tmp_path_factory):
    """An ICV trained in review with 45 reports (3 pages) and 23 submitted reviews (2 pages), the
    newest of which raised findings."""
    path = str(tmp_path_factory.mktemp("paging") / "icv.sqlite")
    db = connect(path)
    migrate(db)
    user_id = create_user(db, EMAIL, "Pat Paging", "icv", "a long passphrase for paging")
    suite = db["suites"].insert({"name": "Paging Suite", "status": "24_7", "created_at": now_iso()}).last_pk
    for n in range(45):
        arrived = utcnow() - timedelta(hours=n + 2)
        record_visit(db, user_id, {"client_id": f"00000000-0000-4000-8000-{n:012d}", "suite_id": suite,
                                   "partner_id": None, "arrived_at": to_iso(arrived),
                                   "departed_at": to_iso(arrived + timedelta(hours=1)),
                                   "in_custody": 4, "spoke_with": 2, "entries": []},
                     submitted_at=now_iso(), **rulebook.built_in())
    make_eligible(db, user_id)
    for n in range(23):
        review = make_review(db, [user_id], session_date=london_today() - timedelta(days=n + 1))
        late = utcnow() - timedelta(days=n + 5)
        reviews.submit(db, review["id"], user_id, {
            "times": {"arrived": to_iso(late), "detention_authorised": to_iso(late + timedelta(minutes=30))},
            "reviews": [{"due": to_iso(late + timedelta(hours=6, minutes=30)),
                         "done": to_iso(late + timedelta(hours=8))}],
            "overall_grade": "good"}, **rulebook.built_in())
    db.close()
    app = create_app({"TESTING": True, "SECRET_KEY": "browser-paging", "DATABASE": path,
                      "TWO_FACTOR_REQUIRED": False})
    with serve(app) as server:
        yield server


def no_wcag_violations(page):
    results = Axe().run(page, options=WCAG)
    assert results.violations_count == 0, results.generate_report()


def fits_the_screen(page):
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


@pytest.mark.parametrize("size", ["phone", "desktop"])
def test_my_reports_pages_by_its_links(new_context, paged_server, size, screenshot):
    page = new_context(base_url=paged_server.url, storage_state=signed_in_state(paged_server, EMAIL),
                       **(DESKTOP if size == "desktop" else {})).new_page()
    page.goto("/visits/")
    pages = page.get_by_role("navigation", name="Pages of your reports")
    expect(page.get_by_text("Showing 1 to 20 of 45 reports")).to_be_visible()
    expect(pages.get_by_role("link", name="Previous page")).to_have_count(0)
    pages.get_by_role("link", name="Next page").click()
    expect(page).to_have_url(f"{paged_server.url}/visits/?page=2")
    expect(page.get_by_text("Showing 21 to 40 of 45 reports")).to_be_visible()
    expect(pages.get_by_role("link", name="Page 2")).to_have_attribute("aria-current", "page")
    expect(page).to_have_title("My reports (page 2 of 3) – Independent Custody Visiting")
    expect(page.locator("#outbox")).to_be_attached()  # app.js's outbox is on every page
    fits_the_screen(page)
    no_wcag_violations(page)
    pages.scroll_into_view_if_needed()
    screenshot(page, f"paging-my-reports-{size}", full_page=False)
    pages.get_by_role("link", name="Page 3").click()
    expect(page.get_by_text("Showing 41 to 45 of 45 reports")).to_be_visible()
    expect(pages.get_by_role("link", name="Next page")).to_have_count(0)
    pages.get_by_role("link", name="Previous page").click()
    expect(page).to_have_url(f"{paged_server.url}/visits/?page=2")


@pytest.mark.parametrize("size", ["phone", "desktop"])
def test_my_reviews_pages_and_shows_what_became_of_the_findings(new_context, paged_server, size):
    page = new_context(base_url=paged_server.url, storage_state=signed_in_state(paged_server, EMAIL),
                       **(DESKTOP if size == "desktop" else {})).new_page()
    page.goto("/reviews/")
    expect(page.get_by_role("heading", level=4, name="What happened to the findings").first).to_be_visible()
    expect(page.get_by_text("Showing 1 to 20 of 23 reviews")).to_be_visible()
    fits_the_screen(page)
    no_wcag_violations(page)
    page.get_by_role("navigation", name="Pages of your submitted reviews").get_by_role(
        "link", name="Next page").click()
    expect(page.get_by_text("Showing 21 to 23 of 23 reviews")).to_be_visible()
    no_wcag_violations(page)
