"""The summary in a real browser, at phone (390x844) and desktop (1280x800) size: a coordinator
picks a panel and a month by their labels, then London, reads the figures with their charts, then
the published edition; axe-core finds nothing on either; the page never scrolls sideways (wide tables scroll
inside their own box, which a keyboard can reach); printing hides the menus and pickers and makes
A4 pages. Screenshots for docs/screenshots/ (SCREENSHOTS=docs)."""
import re

import pytest

from icv.summaries.periods import Period
from icv.times import london_today

from .helpers import expect
from .test_triage import SIZES, fits, no_violations

pytestmark = pytest.mark.browser


def heading(page):
    return page.get_by_role("heading", level=1)


@pytest.mark.parametrize("size", ["phone", "desktop"])
def test_a_coordinator_reads_a_month_for_a_panel_and_london_then_the_published_edition(size, page_as, docs_screenshot):
    page = page_as("coordinator", **SIZES[size])
    page.goto("/summaries/")
    this_month = Period.month_of(london_today())
    expect(heading(page)).to_have_text(f"London: {this_month.label}")
    expect(page.get_by_text(f"{this_month.label} has not ended: these figures will change.")).to_be_visible()

    last_month = this_month.previous()
    page.get_by_label("Area", exact=True).select_option(label="Lambeth panel")
    page.get_by_label("Period", exact=True).select_option(label=last_month.label)
    page.get_by_role("button", name="Show summary").click()
    expect(heading(page)).to_have_text(f"Lambeth panel: {last_month.label}")
    expect(page.get_by_role("region", name="Visits by suite").get_by_role(
        "rowheader", name="Brixton")).to_be_visible()
    no_violations(page)

    page.get_by_label("Area", exact=True).select_option(label="London")
    page.get_by_role("button", name="Show summary").click()
    expect(heading(page)).to_have_text(f"London: {last_month.label}")
    expect(page.get_by_text("Not for publication: staff figures")).to_be_visible()
    expect(page.get_by_role("img", name=re.compile("^Visits by suite"))).to_be_visible()
    no_violations(page)
    fits(page)
    docs_screenshot(page, f"summary-{size}-1-top")
    docs_screenshot(page, f"summary-{size}-2-visits", at=page.get_by_role("heading", level=2, name="Visits and coverage"))
    docs_screenshot(page, f"summary-{size}-3-flags",
                    at=page.get_by_role("heading", level=2, name="Strip searches, use of force and children"))
    docs_screenshot(page, f"summary-{size}-4-disproportionality",
                    at=page.get_by_role("heading", level=2, name="Disproportionality"))

    wide = page.get_by_role("region", name="Strip searches by ethnic group", exact=True)
    expect(wide).to_have_attribute("tabindex", "0")
    if size == "phone":  # nine columns: on a phone the table scrolls inside its own box
        assert wide.evaluate("e => e.scrollWidth > e.clientWidth")

    page.get_by_label("Published figures: small numbers withheld").check()
    page.get_by_role("button", name="Show summary").click()
    expect(page.get_by_text("Published figures: counts from 1 to 4 are shown as <5")).to_be_visible()
    expect(page.get_by_role("cell", name="<5").first).to_be_visible()
    no_violations(page)
    fits(page)
    docs_screenshot(page, f"summary-{size}-5-published",
                    at=page.get_by_role("heading", level=2, name="Detainees"))


def test_the_summary_prints_to_a4_without_menus_or_pickers(page_as, screenshot):
    page = page_as("coordinator", **SIZES["desktop"])
    quarter = Period.month_of(london_today()).previous()
    quarter = Period("quarter", quarter.year, (quarter.first_month + 2) // 3)
    page.goto(f"/summaries/?area=london&period={quarter.key}&edition=published")
    page.emulate_media(media="print")
    expect(page.get_by_role("navigation", name="Main")).to_be_hidden()
    expect(page.get_by_role("button", name="Show summary")).to_be_hidden()
    expect(page.get_by_role("heading", level=2, name="Downloads")).to_be_hidden()
    expect(heading(page)).to_have_text(f"London: {quarter.label}")
    expect(page.get_by_text("Published figures: counts from 1 to 4")).to_be_visible()
    expect(page.get_by_text(re.compile(r"^Made \w{3} \d+ \w{3} \d{4}, \d\d:\d\d"))).to_be_visible()
    pdf = page.pdf(format="A4", print_background=False)
    assert pdf.startswith(b"%PDF")
    boxes = re.findall(rb"/MediaBox \[0 0 ([\d.]+) ([\d.]+)\]", pdf)
    assert len(boxes) >= 3, "the whole summary runs to several pages"
    assert {(round(float(w)), round(float(h))) for w, h in boxes} == {(596, 843)}  # A4 in points
    page.set_viewport_size({"width": 794, "height": 1123})  # A4 at 96 dpi
    screenshot(page, "summary-print", full_page=False)
