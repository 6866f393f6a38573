"""Monthly summaries and CSV exports, by London calendar month."""
import csv
import io
import re
from datetime import timedelta

import pytest

from conftest import finding_entry
from icv.summaries.views import ENTRY_HEADER, VISIT_HEADER, csv_cell
from icv.times import from_iso, london_today, month_bounds, to_iso

SS2 = {"strip_search": {"context": "custody", "intimate_parts_exposed": "yes",
                        "aa_present": "not_needed", "searcher_same_sex": "no",
                        "reason_recorded": "yes", "source": "staff"}}
CHILD = {"child": {"aa_status": "present", "held_in": "juvenile_room",
                   "sharing_with_adult": "no", "expected_overnight": "no"}}


@pytest.fixture
def coordinator(login_as):
    return login_as("coordinator")


@pytest.fixture
def visit_at(make_user, make_visit):
    """visit_at(arrived_at, **columns) -> visit id of a one-hour visit arriving at that UTC time,
    reported as it ended (so never late: AC4)."""
    author = make_user("icv", display_name="Alex Morgan")

    def make(arrived_at, **overrides):
        departed_at = to_iso(from_iso(arrived_at) + timedelta(hours=1))
        return make_visit(author, arrived_at=arrived_at, departed_at=departed_at,
                          **{"submitted_at": departed_at, **overrides})
    return make


def stat(page, name):
    """The number shown against `name` in the month's totals."""
    return int(re.search(rf"<dt>{re.escape(name)}</dt><dd>(\d+)</dd>", page).group(1))


def rows_of(response):
    """A CSV download as a list of rows (the header first)."""
    return list(csv.reader(io.StringIO(response.get_data(as_text=True))))


# London months -------------------------------------------------------------------------------


@pytest.mark.parametrize("year, month, bounds", [
    (2026, 7, ("2026-06-30T23:00:00Z", "2026-07-31T23:00:00Z")),    # summer time throughout
    (2026, 12, ("2026-12-01T00:00:00Z", "2027-01-01T00:00:00Z")),   # GMT, across the new year
    (2026, 3, ("2026-03-01T00:00:00Z", "2026-03-31T23:00:00Z")),    # clocks go forward
    (2026, 10, ("2026-09-30T23:00:00Z", "2026-11-01T00:00:00Z")),   # clocks go back
])
def test_month_bounds_follow_london_midnights(year, month, bounds):
    """A month runs from London midnight to London midnight, stored as UTC."""
    assert month_bounds(year, month) == bounds


def test_late_june_utc_visit_counts_in_july(coordinator, visit_at):
    """23:30 UTC on 30 June is 00:30 on 1 July in London: a July visit."""
    visit_at("2026-06-30T23:30:00Z")
    july = coordinator.get("/summaries/?month=2026-07")
    assert stat(july.text, "Visits") == 1
    june = coordinator.get("/summaries/?month=2026-06")
    assert stat(june.text, "Visits") == 0
    assert "No visits were recorded in June 2026." in june.text
    rows = rows_of(coordinator.get("/summaries/2026-07/visits.csv"))
    assert rows[1][VISIT_HEADER.index("arrived_london")] == "2026-07-01 00:30"


def test_early_december_utc_visit_counts_in_december(coordinator, visit_at):
    """00:30 UTC on 1 December is 00:30 in London (GMT): a December visit, not November."""
    visit_at("2026-12-01T00:30:00Z")
    assert stat(coordinator.get("/summaries/?month=2026-12").text, "Visits") == 1
    assert stat(coordinator.get("/summaries/?month=2026-11").text, "Visits") == 0


# The month page ------------------------------------------------------------------------------


def test_month_page_shows_the_months_totals_and_suites(coordinator, visit_at, make_suite,
                                                       make_user):
    """Totals count only the month's visits: visits, detainees, single visitors, flags,
    escalations, and a row per suite."""
    brixton, walworth = make_suite("Brixton"), make_suite("Walworth")
    partner = make_user("icv")
    visit_at("2026-10-05T09:00:00Z", suite_id=brixton, in_custody=10, spoke_with=4,
             entries=[finding_entry(flags=SS2), finding_entry(age_band="16-17", flags=CHILD)])
    visit_at("2026-10-20T14:00:00Z", suite_id=walworth, in_custody=3, spoke_with=1,
             partner_id=partner.id)
    visit_at("2026-11-02T10:00:00Z", suite_id=brixton, in_custody=50, spoke_with=50)
    response = coordinator.get("/summaries/?month=2026-10")
    assert response.status_code == 200
    page = response.text
    assert "<h2>October 2026</h2>" in page
    assert stat(page, "Visits") == 2
    assert stat(page, "Detainees in custody") == 13
    assert stat(page, "Detainees spoken with") == 5
    assert stat(page, "Single-visitor visits") == 1
    assert stat(page, "Strip search flags") == 1
    assert stat(page, "Child flags") == 1
    assert stat(page, "Use of force flags") == 0
    assert stat(page, "Intimate search flags") == 0
    assert stat(page, "Critical escalations") == 1  # SS2
    assert stat(page, "Low escalations") == 1  # AC4: the visit made alone
    assert ('<tr><th scope="row">Brixton</th><td>1</td><td>10</td><td>4</td><td>2</td></tr>'
            in page)
    assert ('<tr><th scope="row">Walworth</th><td>1</td><td>3</td><td>1</td><td>0</td></tr>'
            in page)
    assert 'href="/summaries/2026-10/visits.csv"' in page
    assert 'href="/summaries/2026-10/detainees.csv"' in page


def test_month_page_opens_on_the_current_london_month(coordinator):
    """Without a month chosen, the page shows this London month."""
    response = coordinator.get("/summaries/")
    assert response.status_code == 200
    assert f"<h2>{london_today():%B %Y}</h2>" in response.text


@pytest.mark.parametrize("month", ["2026-13", "foo", "2026-00", "26-11", "1999-12"])
def test_invalid_month_is_a_400_with_a_message(coordinator, month):
    """A month that does not exist gets 400, the message and the typed value back."""
    response = coordinator.get(f"/summaries/?month={month}")
    assert response.status_code == 400
    assert "Enter a real month, like 2026-11" in response.text
    assert f'value="{month}"' in response.text
    assert "Download" not in response.text


def test_empty_month_asks_for_one(coordinator):
    """An empty month box asks for a month."""
    response = coordinator.get("/summaries/?month=")
    assert response.status_code == 400
    assert "Enter a month, like 2026-11" in response.text


# CSV downloads -------------------------------------------------------------------------------


def test_visits_csv_has_a_header_and_one_row_per_visit(coordinator, visit_at, make_suite,
                                                       make_user):
    """visits.csv: a CSV attachment with the header and one row per visit in the month."""
    partner = make_user("icv", display_name="Priya Shah")
    suite = make_suite("Brixton")
    first = visit_at("2026-10-05T09:00:00Z", suite_id=suite, partner_id=partner.id,
                     entries=[finding_entry(flags=SS2)])
    second = visit_at("2026-10-20T14:00:00Z", suite_id=suite)
    visit_at("2026-09-30T22:59:00Z")  # 23:59 on 30 September in London
    response = coordinator.get("/summaries/2026-10/visits.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"] == \
        'attachment; filename="icv-visits-2026-10.csv"'
    rows = rows_of(response)
    assert rows[0] == VISIT_HEADER
    assert [int(r[0]) for r in rows[1:]] == [first, second]
    row = dict(zip(VISIT_HEADER, rows[1]))
    assert row == {"visit_id": str(first), "suite": "Brixton", "arrived_london": "2026-10-05 10:00",
                   "departed_london": "2026-10-05 11:00", "visitor": "Alex Morgan",
                   "partner": "Priya Shah", "in_custody": "10", "spoke_with": "5",
                   "detainee_entries": "1", "strip_search": "1", "intimate_search": "0",
                   "use_of_force": "0", "child": "0", "escalations": "1"}
    assert dict(zip(VISIT_HEADER, rows[2]))["partner"] == ""


def test_detainees_csv_has_one_row_per_entry_with_every_flag_answer(coordinator, visit_at, db):
    """detainees.csv: one row per entry, flags as yes/no and each answer in its own column."""
    visit_id = visit_at("2026-10-05T09:00:00Z", entries=[
        finding_entry(custody_record_no="01BX/77777/26", ethnicity="black_african", flags=SS2),
        finding_entry(custody_record_no="01BX/88888/26", age_band="16-17", flags=CHILD)])
    visit_at("2026-10-06T09:00:00Z")  # no entries: no rows
    response = coordinator.get("/summaries/2026-10/detainees.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"] == \
        'attachment; filename="icv-detainees-flags-2026-10.csv"'
    rows = rows_of(response)
    assert rows[0] == ENTRY_HEADER
    assert len(rows) == 3
    first, second = (dict(zip(ENTRY_HEADER, r)) for r in rows[1:])
    assert first["visit_id"] == str(visit_id) and first["visit_date_london"] == "2026-10-05"
    assert (first["ethnicity_ons_2021"], first["ethnicity_sde_18p1"]) == ("black_african", "B2")
    assert (first["strip_search"], first["use_of_force"], first["child"]) == ("yes", "no", "no")
    assert first["strip_search_searcher_same_sex"] == "no"
    assert first["strip_search_no_aa_reason"] == ""
    assert first["escalation_rules"] == "SS2"
    assert (second["age_band"], second["child"], second["child_held_in"]) == (
        "16-17", "yes", "juvenile_room")


def test_intimate_search_is_counted_and_exported_with_its_answers(coordinator, visit_at):
    """The intimate search flag has its own total, visit column and answer columns."""
    search = {"grounds": "class_a_drugs", "inspector_authorised": "yes", "conducted_by_hcp": "no",
              "written_consent": "yes", "aa_present": "not_needed", "source": "staff"}
    visit_at("2026-10-05T09:00:00Z", entries=[finding_entry(flags={"intimate_search": search})])
    assert stat(coordinator.get("/summaries/?month=2026-10").text, "Intimate search flags") == 1
    visits = rows_of(coordinator.get("/summaries/2026-10/visits.csv"))
    assert visits[1][VISIT_HEADER.index("intimate_search")] == "1"
    entry = dict(zip(ENTRY_HEADER, rows_of(coordinator.get("/summaries/2026-10/detainees.csv"))[1]))
    assert (entry["intimate_search"], entry["intimate_search_conducted_by_hcp"],
            entry["intimate_search_written_consent"]) == ("yes", "no", "yes")
    assert entry["escalation_rules"] == "SS3"


def test_custody_record_numbers_are_not_exported(coordinator, visit_at):
    """No export carries a custody record number, in any column."""
    visit_at("2026-10-05T09:00:00Z", entries=[
        finding_entry(custody_record_no="01BX/77777/26", flags=SS2)])
    for name in ("visits", "detainees"):
        body = coordinator.get(f"/summaries/2026-10/{name}.csv").get_data(as_text=True)
        assert "77777" not in body
        assert "custody_record_no" not in body.splitlines()[0]


def test_text_that_a_spreadsheet_would_run_is_made_inert(coordinator, visit_at, make_suite):
    """A suite or name starting with = is exported with a leading ' so it is not a formula."""
    suite = make_suite('=HYPERLINK("http://evil.example","Click")')
    visit_at("2026-10-05T09:00:00Z", suite_id=suite)
    rows = rows_of(coordinator.get("/summaries/2026-10/visits.csv"))
    assert rows[1][VISIT_HEADER.index("suite")] == '\'=HYPERLINK("http://evil.example","Click")'


@pytest.mark.parametrize("value, expected", [
    ("=SUM(A1:A9)", "'=SUM(A1:A9)"), ("+44 20", "'+44 20"), ("-1+1", "'-1+1"),
    ("@cmd", "'@cmd"), ("\tx", "'\tx"), ("\rx", "'\rx"),
    ("Brixton", "Brixton"), ("", ""), (None, ""), (-3, -3), (0, 0),
])
def test_csv_cell_prefixes_formula_characters_only(value, expected):
    """csv_cell quotes text starting with = + - @ tab or CR; numbers and other text pass through."""
    assert csv_cell(value) == expected


@pytest.mark.parametrize("path", [
    "/summaries/2026-13/visits.csv", "/summaries/foo/detainees.csv", "/summaries/2026-1/visits.csv",
    "/summaries/2026-00/detainees.csv", "/summaries/0000-05/visits.csv",
    "/summaries/9999-12/detainees.csv",
])
def test_csv_for_a_month_that_does_not_exist_is_not_found(coordinator, path):
    """An address that names no month is a 404 that explains the address shape."""
    response = coordinator.get(path)
    assert response.status_code == 404
    assert ("That is not a month. Use an address like /summaries/2026-11/visits.csv."
            in response.text)


# Whole years ----------------------------------------------------------------------------------


def test_year_csvs_hold_the_london_years_visits_and_entries_with_the_month_columns(
        coordinator, visit_at):
    """The year exports run London midnight 1 January to midnight 1 January, with the same
    columns as the month ones."""
    visit_at("2025-12-31T23:59:00Z")  # 31 December 2025, 23:59 in London (GMT)
    first = visit_at("2026-01-01T00:00:00Z", entries=[finding_entry(flags=SS2)])
    last = visit_at("2026-12-31T23:00:00Z", entries=[finding_entry(flags=CHILD)])
    visit_at("2027-01-01T00:00:00Z")
    visits = coordinator.get("/summaries/year/2026/visits.csv")
    assert visits.headers["Content-Disposition"] == 'attachment; filename="icv-visits-2026.csv"'
    rows = rows_of(visits)
    assert rows[0] == VISIT_HEADER
    assert [int(r[0]) for r in rows[1:]] == [first, last]
    entries = coordinator.get("/summaries/year/2026/detainees.csv")
    assert entries.headers["Content-Disposition"] == \
        'attachment; filename="icv-detainees-flags-2026.csv"'
    rows = rows_of(entries)
    assert rows[0] == ENTRY_HEADER
    assert [int(r[0]) for r in rows[1:]] == [first, last]
    assert dict(zip(ENTRY_HEADER, rows[1]))["escalation_rules"] == "SS2"
    assert dict(zip(ENTRY_HEADER, rows[2]))["child"] == "yes"


def test_the_month_page_offers_the_years_downloads(coordinator, visit_at):
    visit_at("2026-03-05T10:00:00Z")
    page = coordinator.get("/summaries/?month=2026-10")
    assert 'action="/summaries/year/"' in page.text and 'value="2026"' in page.text
    year = coordinator.get("/summaries/year/?year=2026")
    assert year.status_code == 200
    assert "1 visit in 2026" in year.text
    assert 'href="/summaries/year/2026/visits.csv"' in year.text
    assert 'href="/summaries/year/2026/detainees.csv"' in year.text


@pytest.mark.parametrize("year", ["26", "abcd", "1999", "2101", ""])
def test_a_year_that_is_not_one_is_a_400_with_a_message(coordinator, year):
    response = coordinator.get(f"/summaries/year/?year={year}")
    assert response.status_code == 400
    assert ("Enter a real year, like 2026" if year else "Enter a year, like 2026") in response.text


@pytest.mark.parametrize("path", [
    "/summaries/year/26/visits.csv", "/summaries/year/abcd/detainees.csv",
    "/summaries/year/1999/visits.csv", "/summaries/year/2101/detainees.csv",
])
def test_csv_for_a_year_that_does_not_exist_is_not_found(coordinator, path):
    response = coordinator.get(path)
    assert response.status_code == 404
    assert ("That is not a year. Use an address like /summaries/year/2026/visits.csv."
            in response.text)


# An export that fails never looks complete ------------------------------------------------------


def test_a_download_says_how_long_the_whole_file_is(coordinator, visit_at):
    """The file is written before it is sent, with its length, so a connection cut part-way is
    a failed download in the browser, not a short file that looks complete."""
    visit_at("2026-10-05T09:00:00Z", entries=[finding_entry(flags=SS2)])
    for path in ("/summaries/2026-10/visits.csv", "/summaries/2026-10/detainees.csv",
                 "/summaries/year/2026/visits.csv", "/summaries/year/2026/detainees.csv"):
        response = coordinator.get(path)
        assert int(response.headers["Content-Length"]) == len(response.data) > 0, path


@pytest.mark.parametrize("path, rows", [("/summaries/2026-10/detainees.csv", "entry_rows"),
                                        ("/summaries/year/2026/visits.csv", "visit_rows")])
def test_an_export_that_fails_part_way_is_an_error_page_not_half_a_file(
        app, coordinator, visit_at, monkeypatch, path, rows):
    from icv.summaries import views as summaries

    visit_at("2026-10-05T09:00:00Z", entries=[finding_entry(flags=SS2)])
    real = getattr(summaries, rows)

    def fails_after_one_row(*args):
        yield next(real(*args))
        raise RuntimeError("the database went away")

    monkeypatch.setattr(summaries, rows, fails_after_one_row)
    app.config["PROPAGATE_EXCEPTIONS"] = False  # as in production: the error page, not a raise
    response = coordinator.get(path)
    assert response.status_code == 500
    assert response.mimetype == "text/html"
    assert "Content-Disposition" not in response.headers
