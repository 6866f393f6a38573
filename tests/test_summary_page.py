"""The summary page: pick an area, a period and an edition; see the figures, marked for what
they may be used for; every view audited."""
import json

import pytest

from conftest import error_messages, page_text
from icv.summaries.periods import Period
from icv.times import london_today


@pytest.fixture
def coordinator(login_as):
    return login_as("coordinator")


def last_audit(db):
    row = next(db.query("SELECT * FROM audit_log ORDER BY id DESC LIMIT 1"))
    return {**row, "detail": json.loads(row["detail"])}


def test_the_summary_opens_on_london_this_month_marked_not_for_publication(coordinator):
    """With nothing picked: London, the current London month, staff figures, and a warning
    that the month is still running."""
    this_month = Period.month_of(london_today())
    page = page_text(coordinator.get("/summaries/"))
    assert f"London: {this_month.label}" in page
    assert "Not for publication" in page
    assert f"{this_month.label} has not ended: these figures will change." in page


def test_an_ended_period_says_nothing_about_changing(coordinator):
    ended = Period.month_of(london_today()).previous().previous()
    page = page_text(coordinator.get(f"/summaries/?area=london&period={ended.key}&edition=staff"))
    assert f"London: {ended.label}" in page
    assert "has not ended" not in page


def test_the_published_edition_says_small_numbers_are_withheld(coordinator):
    year = str(london_today().year - 1)
    page = page_text(coordinator.get(f"/summaries/?area=london&period={year}&edition=published"))
    assert f"London: {year}" in page
    assert "Published figures: counts from 1 to 4 are shown as <5" in page
    assert "Not for publication" not in page


def test_a_panel_and_a_suite_can_be_picked(coordinator, db):
    from icv import suites
    panel_id = db["panels"].insert({"name": "Lambeth"}).last_pk
    suite_id = suites.add_suite(db, "Brixton", "24_7", panel_id)
    quarter = Period.month_of(london_today()).previous().previous().previous()
    quarter = Period("quarter", quarter.year, (quarter.first_month + 2) // 3)
    page = page_text(coordinator.get(f"/summaries/?area=panel-{panel_id}&period={quarter.key}"
                                     "&edition=staff"))
    assert f"Lambeth panel: {quarter.label}" in page
    page = page_text(coordinator.get(f"/summaries/?area=suite-{suite_id}&period={quarter.key}"
                                     "&edition=staff"))
    assert f"Brixton: {quarter.label}" in page


@pytest.mark.parametrize("query, message", [
    ("area=panel-999999&period=2026-01&edition=staff", "Select London, a panel or a suite from the list"),
    ("area=nowhere&period=2026-01&edition=staff", "Select London, a panel or a suite from the list"),
    ("area=london&period=2026-13&edition=staff", "Select a month, quarter or year from the list"),
    ("area=london&period=1999&edition=staff", "Select a month, quarter or year from the list"),
    ("area=london&period=2026-01&edition=leaked", "Select staff figures or published figures"),
])
def test_a_choice_that_is_not_on_the_list_is_a_400_with_the_message_by_the_field(coordinator, query, message):
    response = coordinator.get(f"/summaries/?{query}")
    assert response.status_code == 400
    assert error_messages(response) == [message]
    assert f"Error:</span> {message}" in response.get_data(as_text=True)


def test_the_period_picker_offers_months_quarters_and_years(coordinator):
    page = coordinator.get("/summaries/").get_data(as_text=True)
    for group in ("Months", "Quarters", "Years"):
        assert f'<optgroup label="{group}">' in page
    today = london_today()
    assert f'value="{today.year}-Q{(today.month + 2) // 3}"' in page
    assert f'value="{today.year - 1}"' in page


def test_every_view_is_audited_with_its_area_period_and_edition(coordinator, db):
    year = str(london_today().year - 1)
    coordinator.get(f"/summaries/?area=london&period={year}&edition=published")
    entry = last_audit(db)
    assert (entry["user_id"], entry["action"], entry["object_type"]) == (coordinator.user.id, "view", "summary")
    assert entry["detail"] == {"period": year, "area": "london", "edition": "published"}


def test_the_custody_team_sees_the_summary_but_not_the_downloads(login_as):
    team = login_as("custody_team")
    response = team.get("/summaries/")
    assert response.status_code == 200
    assert 'id="downloads"' not in response.get_data(as_text=True)
