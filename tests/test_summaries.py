"""The summary page's periods and its downloads section (issue 11). The figures are tested
section by section; the files themselves in tests/test_exports.py."""
import re

import pytest

from icv.summaries.periods import Period


@pytest.mark.parametrize("key, bounds", [
    ("2026-07", ("2026-06-30T23:00:00Z", "2026-07-31T23:00:00Z")),    # summer time throughout
    ("2026-12", ("2026-12-01T00:00:00Z", "2027-01-01T00:00:00Z")),   # GMT, across the new year
    ("2026-03", ("2026-03-01T00:00:00Z", "2026-03-31T23:00:00Z")),   # clocks go forward
    ("2026-10", ("2026-09-30T23:00:00Z", "2026-11-01T00:00:00Z")),   # clocks go back
    ("2026-Q4", ("2026-09-30T23:00:00Z", "2027-01-01T00:00:00Z")),
    ("2026", ("2026-01-01T00:00:00Z", "2027-01-01T00:00:00Z")),
])
def test_periods_run_from_london_midnight_to_london_midnight(key, bounds):
    """A month, quarter or year runs from London midnight to London midnight, stored as UTC."""
    assert Period.parse(key).bounds() == bounds


def links(page):
    """The download addresses in the page's Downloads section."""
    section = re.search(r'<section id="downloads".*?</section>', page, re.S)
    return section and re.findall(r'href="(/summaries/export/[^"]+)"', section.group(0))


def test_coordinators_get_every_download_for_the_area_and_period_shown(login_as, make_suite):
    """The Downloads section links each file for the area and period on the page, the
    published ones first, and says the staff files are not for publication."""
    suite = make_suite("Brixton")
    response = login_as("coordinator").get(f"/summaries/?area=suite-{suite}&period=2026-Q3")
    assert response.status_code == 200
    where = f"area=suite-{suite}&amp;period=2026-Q3"
    assert links(response.text) == [
        f"/summaries/export/summary.xlsx?edition=published&amp;{where}",
        f"/summaries/export/summary.csv?edition=published&amp;{where}",
        f"/summaries/export/summary.xlsx?edition=staff&amp;{where}",
        f"/summaries/export/summary.csv?edition=staff&amp;{where}",
        *[f"/summaries/export/{name}.csv?{where}"
          for name in ("visits", "detainees", "flags", "issues", "escalations", "reviews")]]
    assert "Staff files: not for publication" in response.text
    assert '<a href="#downloads">Downloads</a>' in response.text


def test_the_custody_team_sees_the_summary_without_downloads(login_as):
    response = login_as("custody_team").get("/summaries/?area=london&period=2026-10")
    assert response.status_code == 200
    assert links(response.text) is None
    assert "/summaries/export/" not in response.text


def test_every_download_link_works(login_as):
    """Each link on the page is a complete file (an empty period still has its headers)."""
    client = login_as("admin")
    page = client.get("/summaries/?area=london&period=2026-10").text
    for link in links(page):
        response = client.get(link.replace("&amp;", "&"))
        assert response.status_code == 200, link
        assert int(response.headers["Content-Length"]) == len(response.data) > 0, link
