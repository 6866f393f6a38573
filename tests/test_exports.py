"""The summary's downloads (issue 11): one tidy CSV per entity, the summary as a long CSV and
the XLSX workbook, staff or published, for London, a panel or a suite over a London month,
quarter or year. Built whole before sending, audited, coordinators and admins only."""
import csv
import io
import json
from datetime import date, timedelta

import openpyxl
import pytest

from conftest import finding_entry
from icv.summaries import entity_rows, export_views, exports
from icv.summaries.model import Column, Section, Summary, Table
from icv.times import from_iso, to_iso, utcnow
from review_helpers import make_review

SS2 = {"strip_search": {"context": "custody", "intimate_parts_exposed": "yes",
                        "aa_present": "not_needed", "searcher_same_sex": "no",
                        "reason_recorded": "yes", "source": "staff"}}
CHILD = {"child": {"aa_status": "present", "held_in": "cell", "cell_reason_recorded": "no",
                   "sharing_with_adult": "no", "expected_overnight": "no"}}
OCTOBER = "area=london&period=2026-10"


@pytest.fixture
def coordinator(login_as):
    return login_as("coordinator", display_name="Casey Coordinator")


@pytest.fixture
def october(db, make_user, make_visit, make_suite):
    """Three October 2026 visits (one at 00:30 on 1 October in summer time, one at 23:30 on
    31 October after the clocks went back, one at a suite in no panel) and one visit either
    side of the month. Brixton is in the Lambeth panel; Walworth in Lambeth and Southwark."""
    alex = make_user("icv", display_name="Alex Morgan")
    priya = make_user("icv", display_name="Priya Shah")
    brixton, walworth, heathrow = make_suite("Brixton"), make_suite("Walworth"), make_suite("Heathrow")
    lambeth = db["panels"].insert({"name": "Lambeth"}).last_pk
    southwark = db["panels"].insert({"name": "Southwark"}).last_pk
    db["panel_suites"].insert_all([{"panel_id": lambeth, "suite_id": brixton},
                                   {"panel_id": lambeth, "suite_id": walworth},
                                   {"panel_id": southwark, "suite_id": walworth}])

    def visit(arrived_at, suite_id, **overrides):
        departed = to_iso(from_iso(arrived_at) + timedelta(hours=1))
        return make_visit(alex, suite_id=suite_id, arrived_at=arrived_at, departed_at=departed,
                          submitted_at=departed, partner_id=priya.id, **overrides)

    ids = {"lambeth": lambeth, "southwark": southwark, "brixton": brixton, "walworth": walworth,
           "heathrow": heathrow}
    ids["first"] = visit("2026-09-30T23:30:00Z", brixton, entries=[
        finding_entry(custody_record_no="01BX/77777/26", ethnicity="black_african", flags=SS2),
        finding_entry(age_band="16-17", gender="female", ethnicity="white_irish", flags=CHILD)],
        issues=[{"category": "health", "description": "Jane Doe needed her inhaler",
                 "raised_with": "Custody sergeant", "resolved_at_visit": "partly"}],
        general_comments="Jane Doe was upset")
    ids["last"] = visit("2026-10-31T23:30:00Z", walworth, in_custody=10, spoke_with=5, counts={
        "offered": 8, "observed_only": 2, "declined": 1, "not_seen": 2, "not_seen_asleep": 2,
        "children": 0, "women": 1})
    ids["heathrow_visit"] = visit("2026-10-15T10:00:00Z", heathrow)
    visit("2026-09-30T22:59:00Z", brixton)  # 23:59 on 30 September in London
    visit("2026-11-01T00:00:00Z", brixton)  # midnight, 1 November (GMT)
    return ids


def rows_of(response):
    """A CSV download as a list of rows (the header first)."""
    return list(csv.reader(io.StringIO(response.get_data(as_text=True))))


def download(client, path):
    """A download that must succeed: its rows, after checking it is a complete attachment."""
    response = client.get(path)
    assert response.status_code == 200, response.text
    assert int(response.headers["Content-Length"]) == len(response.data) > 0
    assert response.headers["Content-Disposition"].startswith('attachment; filename="icv-')
    return response


def ids_in(client, entity, query):
    """The first column (the id) of each row of an entity's CSV."""
    return [int(r[0]) for r in rows_of(download(client, f"/summaries/export/{entity}.csv?{query}"))[1:]]


# Entity CSVs: headers and rows --------------------------------------------------------------------


def test_visits_csv_has_one_row_per_visit_of_the_london_month(coordinator, october):
    """visits.csv: one row per visit arriving in the London month, in arrival order, with
    London times, the panels its suite is in, names, counts (blank when the report did not
    give one), entries, flags by kind and escalations. 23:30 UTC on 30 September (summer
    time) is 00:30 on 1 October; 23:30 UTC on 31 October (after the clocks went back) is
    still 31 October."""
    response = download(coordinator, f"/summaries/export/visits.csv?{OCTOBER}")
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"] == \
        'attachment; filename="icv-visits-london-2026-10.csv"'
    rows = rows_of(response)
    assert rows[0] == entity_rows.VISITS
    assert rows[0][:9] == ["Visit ID", "Suite", "Panel", "Arrived (London)", "Admitted (London)",
                           "Departed (London)", "Visit type", "Visitor", "Partner"]
    assert [int(r[0]) for r in rows[1:]] == [october["first"], october["heathrow_visit"],
                                             october["last"]]
    row = dict(zip(rows[0], rows[1]))
    assert (row["In custody"], row["Spoke with"], row["Offered a visit"], row["Detainee entries"],
            row["Strip search flags"], row["Child flags"], row["Use of force flags"],
            row["Escalations raised"]) == ("10", "5", "", "2", "1", "1", "0", "2")
    last = dict(zip(rows[0], rows[3]))
    assert last == {
        **{h: "" for h in rows[0]}, "Visit ID": str(october["last"]), "Suite": "Walworth",
        "Panel": "Lambeth; Southwark", "Arrived (London)": "2026-10-31 23:30",
        "Admitted (London)": "2026-10-31 23:30", "Departed (London)": "2026-11-01 00:30",
        "Visit type": "Routine unannounced visit", "Visitor": "Alex Morgan", "Partner": "Priya Shah",
        "In custody": "10", "Offered a visit": "8", "Spoke with": "5", "Observed only": "2",
        "Declined": "1", "Not seen": "2", "Not seen: Asleep, not woken on staff advice": "2",
        "Children": "0", "Women and girls": "1", "Detainee entries": "0", "Strip search flags": "0",
        "Intimate search flags": "0", "Use of force flags": "0", "Child flags": "0",
        "Escalations raised": "0", "Submitted (London)": "2026-11-01 00:30"}
    assert dict(zip(rows[0], rows[2]))["Panel"] == ""  # Heathrow is in no panel


def test_detainees_csv_has_one_row_per_entry_in_words(coordinator, october):
    """detainees.csv: each entry's age band, gender and ethnicity as the code lists' labels, the
    5 ethnic groups and the 18+1 code, consent, Yes/No per flag, the rules it raised."""
    rows = rows_of(download(coordinator, f"/summaries/export/detainees.csv?{OCTOBER}"))
    assert rows[0] == ["Entry ID", "Visit ID", "Suite", "Panel", "Visit date", "Age band", "Gender",
                       "Ethnicity (ONS 2021)", "Ethnic group", "Self-defined ethnicity code (18+1)",
                       "Consent", "Strip search", "Intimate search", "Use of force", "Child",
                       "Escalation rules raised"]
    visit = str(october["first"])
    assert [r[1:] for r in rows[1:]] == [
        [visit, "Brixton", "Lambeth", "2026-10-01", "25 to 34", "Male", "Black: African", "Black",
         "B2", "Yes, spoke with us", "Yes", "No", "No", "No", "SS2"],
        [visit, "Brixton", "Lambeth", "2026-10-01", "16 to 17", "Female", "White: Irish", "White",
         "W2", "Yes, spoke with us", "No", "No", "No", "Yes", "CH6"]]


def test_flags_csv_has_every_question_as_a_column_answered_in_words(coordinator, october, db):
    """flags.csv: one row per flag; a column per question of every kind, headed with the
    flag's name; answers as their labels; blank for another kind's or one that did not apply."""
    rows = rows_of(download(coordinator, f"/summaries/export/flags.csv?{OCTOBER}"))
    assert rows[0][:7] == ["Flag ID", "Entry ID", "Visit ID", "Suite", "Panel", "Visit date", "Flag"]
    assert rows[0][7] == "Strip search: What kind of search was it?"
    assert "Child: Where is the child held?" in rows[0]
    assert len(rows[0]) == 7 + sum(len(f.questions) for f in entity_rows.flags.FLAGS)
    search, child = (dict(zip(rows[0], r)) for r in rows[1:])
    answered = {k: v for k, v in search.items() if v and k not in rows[0][:7]}
    assert answered == {
        "Strip search: What kind of search was it?": "Strip search in custody (Code C Annex A)",
        "Strip search: Were intimate parts exposed?": "Yes",
        "Strip search: Was an appropriate adult present?": "Not needed: an adult who is not vulnerable",
        "Strip search: Was the searching officer the same sex as the detainee?": "No",
        "Strip search: Was the reason for the search recorded?": "Yes",
        "Strip search: How do you know about the search?": "Custody staff told us"}
    assert (search["Flag"], search["Visit date"], search["Panel"]) == ("Strip search", "2026-10-01",
                                                                       "Lambeth")
    assert {k: v for k, v in child.items() if v and k not in rows[0][:7]} == {
        "Child: Appropriate adult": "Present", "Child: Where is the child held?": "A cell",
        "Child: Is a reason recorded for holding the child in a cell?": "No",
        "Child: Is the child sharing a cell or room with an adult?": "No",
        "Child: Is the child expected to stay overnight?": "No"}


def test_issues_csv_leaves_out_what_was_typed(coordinator, october):
    """issues.csv: category and resolution as labels; the description and the report's
    comments (free text that could name someone) are in no export."""
    rows = rows_of(download(coordinator, f"/summaries/export/issues.csv?{OCTOBER}"))
    assert rows == [["Issue ID", "Visit ID", "Suite", "Panel", "Visit date", "Category",
                     "Raised with", "Resolved at the visit"],
                    [rows[1][0], str(october["first"]), "Brixton", "Lambeth", "2026-10-01",
                     "Health and medication", "Custody sergeant", "Partly"]]
    for entity in entity_rows.ENTITIES:
        body = download(coordinator, f"/summaries/export/{entity}.csv?{OCTOBER}").text
        assert "Jane Doe" not in body and "77777" not in body, entity


def test_escalations_csv_has_the_periods_escalations_with_their_state(coordinator, october, db):
    """escalations.csv: escalations opened in the period, with labels, London times, days open
    (to now while open), the outcome as a status; never the notes typed."""
    rows = rows_of(download(coordinator, f"/summaries/export/escalations.csv?{OCTOBER}"))
    assert rows[0] == ["Escalation ID", "Rule", "Title", "Suite", "Panel", "Source", "Priority",
                       "Base priority", "Status", "Opened (London)", "Due", "Closed (London)",
                       "Days open", "Assigned to", "Outcome", "Police response recorded",
                       "Outcome written for the visitor", "Visit ID", "Entry ID", "Review ID"]
    ss2 = next(db["escalations"].rows_where("rule_id = 'SS2'"))
    db["escalations"].update(ss2["id"], {
        "status": "resolved", "closed_at": "2026-10-03T13:30:00Z", "closed_reason": "Jane Doe ok",
        "outcome_note": "Jane Doe", "assigned_to": coordinator.user.id})
    rows = rows_of(download(coordinator, f"/summaries/export/escalations.csv?{OCTOBER}"))
    days = round((utcnow() - from_iso("2026-10-01T00:30:00Z")).total_seconds() / 86400, 1)
    [entry_ss2, entry_ch6] = rows_of(download(coordinator, f"/summaries/export/detainees.csv?{OCTOBER}"))[1:]
    assert rows[1:] == [
        [str(ss2["id"]), "SS2", ss2["title"], "Brixton", "Lambeth", "Detainee entry", "Critical",
         "Critical", "Resolved", "2026-10-01 01:30", ss2["due_on"], "2026-10-03 14:30", "2.5",
         "Casey Coordinator", "Resolved", "No", "Yes", str(october["first"]), entry_ss2[0], ""],
        [rows[2][0], "CH6", "Child held in a cell with no reason recorded", "Brixton", "Lambeth",
         "Detainee entry", "Medium", "Medium", "New", "2026-10-01 01:30", rows[2][10], "",
         str(days), "", "", "No", "No", str(october["first"]), entry_ch6[0], ""]]
    assert "Jane Doe" not in "".join(map(str, rows))


def submitted_review(db, reviewer, suite_id, day, **columns):
    """A submitted custody record review of a session on `day` (its answers set directly)."""
    review = make_review(db, [reviewer.id], suite_id=suite_id, session_date=day)
    db["custody_record_reviews"].update(review["id"], {
        "status": "submitted", "submitted_at": "2026-11-02T10:00:00Z", "submitted_by": reviewer.id,
        "age_band": "16-17", "gender": "female", "ethnicity": "black_caribbean", "ic_code": "IC3",
        "disposal": "rui", "overall_grade": "requires_improvement",
        "care_checks": json.dumps({"written_notice": "compliant", "rest": "late_or_partial"}),
        "record_quality": json.dumps({"timed_signed": "yes", "rationale": "partly"}),
        "derived": json.dumps({"hours_in_custody": 15.83, "reviews": [{"late": True}, {"late": False}],
                               "limit_breaches": ["Held past 24 hours"], "child_overnight": True}),
        "flags": json.dumps({"child": {"aa_status": "present"}, "strip_search": {"context": "custody"}}),
        "comments": "Jane Doe", **columns})
    return review["id"]


def test_reviews_csv_has_the_reviews_of_sessions_in_the_period(coordinator, october, db, make_user):
    """reviews.csv: submitted reviews whose session fell in the period, graded in words, with
    what the record's times show; drafts and other months are left out."""
    reviewer = make_user("icv")
    review = submitted_review(db, reviewer, october["walworth"], date(2026, 10, 31))
    submitted_review(db, reviewer, october["walworth"], date(2026, 11, 1))
    draft = make_review(db, [reviewer.id], suite_id=october["walworth"], session_date=date(2026, 10, 5))
    assert draft["status"] == "draft"
    rows = rows_of(download(coordinator, f"/summaries/export/reviews.csv?{OCTOBER}"))
    assert len(rows) == 2
    row = dict(zip(rows[0], rows[1]))
    assert row == {
        "Review ID": str(review), "Suite": "Walworth", "Panel": "Lambeth; Southwark",
        "Session date": "2026-10-31", "Age band": "16 to 17", "Gender": "Female",
        "Ethnicity (ONS 2021)": "Black: Caribbean", "Ethnic group": "Black",
        "IC code": "IC3: Black", "Disposal": "Released under investigation",
        "Overall grade": "Requires improvement",
        "Care: Written notice of rights given": "Compliant",
        "Care: Observation level set and cell visits at the required frequency": "",
        "Care: Rousing checks done where required": "", "Care: Meals and drinks offered": "",
        "Care: Eight hours' rest in 24": "Late or partial", "Care: Medication given as directed": "",
        "Care: Pre-release risk assessment done": "",
        "Care: Safeguarding referrals made where needed": "",
        "Record: Entries timed, dated and signed": "Yes",
        "Record: Reasons recorded for key decisions": "Partly", "Record: Legible and clear": "",
        "Hours in custody": "15.83", "Detention reviews late": "1", "Time limits passed": "1",
        "Child overnight": "Yes", "Flags": "Strip search; Child"}


# Areas and periods ------------------------------------------------------------------------------


def test_a_panel_or_suite_has_only_its_suites_rows(coordinator, october):
    """A panel's files hold its suites' rows (a suite in no panel is in none); a suite's, its own."""
    lambeth, southwark = f"panel-{october['lambeth']}", f"panel-{october['southwark']}"
    assert ids_in(coordinator, "visits", f"area={lambeth}&period=2026-10") == [
        october["first"], october["last"]]
    assert ids_in(coordinator, "visits", f"area={southwark}&period=2026-10") == [october["last"]]
    assert ids_in(coordinator, "visits", f"area=suite-{october['heathrow']}&period=2026-10") == [
        october["heathrow_visit"]]
    assert ids_in(coordinator, "escalations", f"area={southwark}&period=2026-10") == []
    assert len(ids_in(coordinator, "escalations", f"area={lambeth}&period=2026-10")) == 2
    assert ids_in(coordinator, "detainees", f"area={southwark}&period=2026-Q4") == []


def test_quarters_and_years_run_between_london_midnights(coordinator, october):
    """2026-Q4 and 2026 hold the October visits and the one at midnight on 1 November; the
    one at 23:59 on 30 September (London) is in Q3."""
    everything = [october["first"], october["heathrow_visit"], october["last"]]
    november = ids_in(coordinator, "visits", "area=london&period=2026-11")
    assert len(november) == 1
    assert ids_in(coordinator, "visits", "area=london&period=2026-Q4") == everything + november
    assert len(ids_in(coordinator, "visits", "area=london&period=2026-Q3")) == 1
    assert len(ids_in(coordinator, "visits", "area=london&period=2026")) == 5
    response = download(coordinator, "/summaries/export/visits.csv?area=london&period=2026-Q4")
    assert response.headers["Content-Disposition"] == \
        'attachment; filename="icv-visits-london-2026-Q4.csv"'


# The summary as a long CSV and the workbook ----------------------------------------------------------


def hand_made(db, area, period, settings, today, made_at):
    """A summary with one table: three rows and a total, every kind of cell."""
    columns = [Column("group", "Ethnic group", "label"), Column("seen", "Seen"),
               Column("share", "Share of those seen (%)", "percent", of="seen"),
               Column("ratio", "Ratio", "ratio", needs=("seen",)),
               Column("wait", "Median wait", "number", unit="minutes")]
    rows = [{"group": "Black", "seen": 12, "share": 100 * 12 / 31, "ratio": 2.456, "wait": 12.25},
            {"group": "White", "seen": 17, "share": 100 * 17 / 31, "ratio": 1.0, "wait": None},
            {"group": "=Other", "seen": 2, "share": 100 * 2 / 31, "ratio": None, "wait": 5.0}]
    table = Table("seen_by_group", "Detainees seen by ethnic group", columns, rows,
                  description="People seen at visits.",
                  total={"group": "All", "seen": 31, "share": 100.0, "ratio": None, "wait": 10.0},
                  notes=["No ratio for a group of fewer than 10."])
    return Summary(area, period, made_at, [Section("detainees", "Detainees", [table]),
                                           Section("issues", "Issues raised at visits", [])],
                   settings=dict(settings), complete=period.has_ended(today))


def published_by_hand(summary, settings):
    """Stands in for publish.published: withholds the small count as the real one would."""
    import copy
    found = copy.deepcopy(summary)
    found.edition = "published"
    found.sections[0].tables[0].rows[2].update(seen="<5", share="[c]")
    return found


@pytest.fixture
def hand_made_summary(monkeypatch):
    monkeypatch.setattr(export_views, "build_summary", hand_made)
    monkeypatch.setattr(export_views, "published", published_by_hand)


def test_summary_csv_is_every_figure_as_one_row(coordinator, october, hand_made_summary):
    """summary.csv: Section, Table, Row, Column, Value; counts whole, shares to 0.1, ratios to
    0.01, measures to 0.1 with the unit in the column; blank for no figure; total row last."""
    response = download(coordinator, f"/summaries/export/summary.csv?{OCTOBER}&edition=staff")
    assert response.headers["Content-Disposition"] == \
        'attachment; filename="icv-summary-london-2026-10.csv"'
    rows = rows_of(response)
    assert rows[0] == ["Section", "Table", "Row", "Column", "Value"]
    t = ["Detainees", "Detainees seen by ethnic group"]
    assert rows[1:6] == [t + ["Black", "Seen", "12"], t + ["Black", "Share of those seen (%)", "38.7"],
                         t + ["Black", "Ratio", "2.46"], t + ["Black", "Median wait (minutes)", "12.2"],
                         t + ["White", "Seen", "17"]]
    assert rows[7:9] == [t + ["White", "Ratio", "1.0"], t + ["White", "Median wait (minutes)", ""]]
    assert rows[9:11] == [t + ["'=Other", "Seen", "2"], t + ["'=Other", "Share of those seen (%)", "6.5"]]
    assert rows[13:] == [t + ["All", "Seen", "31"], t + ["All", "Share of those seen (%)", "100.0"],
                         t + ["All", "Ratio", ""], t + ["All", "Median wait (minutes)", "10.0"]]


def test_published_summary_csv_carries_the_withheld_cells(coordinator, october, hand_made_summary):
    response = download(coordinator, f"/summaries/export/summary.csv?{OCTOBER}&edition=published")
    assert response.headers["Content-Disposition"] == \
        'attachment; filename="icv-summary-published-london-2026-10.csv"'
    rows = rows_of(response)
    assert rows[9:11] == [["Detainees", "Detainees seen by ethnic group", "'=Other", "Seen", "<5"],
                          ["Detainees", "Detainees seen by ethnic group", "'=Other",
                           "Share of those seen (%)", "[c]"]]


def open_workbook(response):
    return openpyxl.load_workbook(io.BytesIO(response.data), read_only=False)


def test_staff_workbook_has_the_summary_then_a_sheet_per_entity(coordinator, october,
                                                              hand_made_summary):
    """The staff workbook: the summary sheet (heading, then each table with its title, column
    labels, rows as numbers, total and notes), then one sheet per entity with its CSV's rows."""
    response = download(coordinator, f"/summaries/export/summary.xlsx?{OCTOBER}&edition=staff")
    assert response.mimetype == exports_xlsx()
    assert response.headers["Content-Disposition"] == \
        'attachment; filename="icv-summary-london-2026-10.xlsx"'
    book = open_workbook(response)
    assert book.sheetnames == ["Summary", "Visits", "Detainees", "Flags", "Issues", "Escalations",
                               "Reviews"]
    cells = [[c for c in row] for row in book["Summary"].iter_rows(values_only=True)]
    text = [[c for c in row if c is not None] for row in cells]
    assert text[0] == ["ICV summary: London, October 2026"]
    # (after a line saying the month is still running, on a clock pinned inside October)
    assert ["NOT FOR PUBLICATION: staff figures, exact, including small numbers."] in text[1:4]
    start = text.index(["Detainees"])
    assert text[start + 1:start + 10] == [
        ["Detainees seen by ethnic group"], ["People seen at visits."],
        ["Ethnic group", "Seen", "Share of those seen (%)", "Ratio", "Median wait (minutes)"],
        ["Black", 12, pytest.approx(100 * 12 / 31), 2.456, 12.25],
        ["White", 17, pytest.approx(100 * 17 / 31), 1],
        ["'=Other", 2, pytest.approx(100 * 2 / 31), 5],
        ["All", 31, 100, 10],
        ["No ratio for a group of fewer than 10."], []]
    assert text[start + 10:] == [[], ["Issues raised at visits"], ["No figures for this yet."]]
    visits = list(book["Visits"].iter_rows(values_only=True))
    assert list(visits[0]) == entity_rows.VISITS
    assert [v[0] for v in visits[1:]] == [october["first"], october["heathrow_visit"], october["last"]]
    assert visits[1][:4] == (october["first"], "Brixton", "Lambeth", "2026-10-01 00:30")
    entries = list(book["Detainees"].iter_rows(values_only=True))
    csv_rows = rows_of(download(coordinator, f"/summaries/export/detainees.csv?{OCTOBER}"))
    assert [[("" if c is None else str(c)) for c in row] for row in entries] == csv_rows


def exports_xlsx():
    return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def test_published_workbook_is_the_summary_only(coordinator, october, hand_made_summary):
    """The published workbook has no sheet of rows about people or visits, and carries the
    withheld cells as text."""
    response = download(coordinator, f"/summaries/export/summary.xlsx?{OCTOBER}&edition=published")
    assert response.headers["Content-Disposition"] == \
        'attachment; filename="icv-summary-published-london-2026-10.xlsx"'
    book = open_workbook(response)
    assert book.sheetnames == ["Summary"]
    text = [[c for c in row if c is not None] for row in book["Summary"].iter_rows(values_only=True)]
    assert any(row and row[0].startswith("Published figures: counts from 1 to 4 are shown as <5")
               for row in text[1:4])  # after "had not ended" on a clock pinned inside October
    assert ["'=Other", "<5", "[c]", 5] in text
    assert "Brixton" not in str(text)


def test_the_real_summary_exports_whatever_tables_it_has(coordinator, october):
    """Without a stand-in, every edition of both summary files is built from build_summary."""
    for kind in ("csv", "xlsx"):
        for edition in ("staff", "published"):
            download(coordinator, f"/summaries/export/summary.{kind}?{OCTOBER}&edition={edition}")


# Text a spreadsheet would run --------------------------------------------------------------------


def test_text_a_spreadsheet_would_run_is_made_inert(coordinator, make_user, make_visit, make_suite):
    """A suite named like a formula is exported with a leading ' in the CSV and as a text cell
    (never a formula) in the workbook."""
    evil = '=HYPERLINK("http://evil.example","Click")'
    make_visit(make_user("icv"), suite_id=make_suite(evil), arrived_at="2026-10-05T09:00:00Z",
               departed_at="2026-10-05T10:00:00Z", submitted_at="2026-10-05T10:00:00Z")
    rows = rows_of(download(coordinator, f"/summaries/export/visits.csv?{OCTOBER}"))
    assert rows[1][1] == "'" + evil
    book = open_workbook(download(coordinator, f"/summaries/export/summary.xlsx?{OCTOBER}"))
    cell = book["Visits"]["B2"]
    assert (cell.value, cell.data_type) == ("'" + evil, "s")


@pytest.mark.parametrize("value, expected", [
    ("=SUM(A1:A9)", "'=SUM(A1:A9)"), ("+44 20", "'+44 20"), ("-1+1", "'-1+1"),
    ("@cmd", "'@cmd"), ("\tx", "'\tx"), ("\rx", "'\rx"),
    ("Brixton", "Brixton"), ("", ""), (None, ""), (-3, -3), (0, 0),
])
def test_csv_cell_prefixes_formula_characters_only(value, expected):
    """Text starting with = + - @ tab or CR is quoted; numbers and other text pass through."""
    assert exports.csv_cell(value) == expected


# Complete or visibly failed, audited, refused ----------------------------------------------------------


@pytest.mark.parametrize("path, entity", [
    ("/summaries/export/detainees.csv?" + OCTOBER, "detainees"),
    ("/summaries/export/summary.xlsx?" + OCTOBER, "flags"),
])
def test_an_export_that_fails_part_way_is_an_error_page_not_half_a_file(
        app, coordinator, october, db, monkeypatch, path, entity):
    """A query that fails after some rows were written gives the error page: no attachment,
    no partial body, nothing in the audit log."""
    sheet, header, real = entity_rows.ENTITIES[entity]

    def fails_after_one_row(*args):
        yield next(real(*args))
        raise RuntimeError("the database went away")

    monkeypatch.setitem(entity_rows.ENTITIES, entity, (sheet, header, fails_after_one_row))
    app.config["PROPAGATE_EXCEPTIONS"] = False  # as in production: the error page, not a raise
    before = db["audit_log"].count
    response = coordinator.get(path)
    assert response.status_code == 500
    assert response.mimetype == "text/html"
    assert "Content-Disposition" not in response.headers
    assert b"Entry ID" not in response.data and b"PK" not in response.data[:2]
    assert db["audit_log"].count == before


EVERY_EXPORT = [f"/summaries/export/{e}.csv?{OCTOBER}" for e in entity_rows.ENTITIES] + [
    f"/summaries/export/summary.{k}?{OCTOBER}&edition={e}"
    for k in ("csv", "xlsx") for e in ("staff", "published")]


def test_every_export_is_audited_once_complete(coordinator, october, db):
    """Each download is one audit entry: export of a summary, with period, area, file, edition."""
    for path in EVERY_EXPORT:
        response = download(coordinator, path)
        [entry] = db.query("SELECT * FROM audit_log ORDER BY id DESC LIMIT 1")
        name = response.headers["Content-Disposition"].split('"')[1]
        assert (entry["user_id"], entry["action"], entry["object_type"]) == (
            coordinator.user.id, "export", "summary"), path
        assert json.loads(entry["detail"]) == {
            "period": "2026-10", "area": "london", "file": name,
            "edition": "published" if "published" in path else "staff"}, path


@pytest.mark.parametrize("role", ["icv", "custody_team"])
def test_only_coordinators_and_admins_export(login_as, role):
    client = login_as(role)
    for path in EVERY_EXPORT:
        assert client.get(path).status_code == 403, path


def test_admins_export(login_as, october):
    download(login_as("admin"), f"/summaries/export/visits.csv?{OCTOBER}")


@pytest.mark.parametrize("query, message", [
    ("area=london&period=2026-13", "Choose a period"),
    ("area=london&period=", "Choose a period"),
    ("area=london", "Choose a period"),
    ("area=london&period=1999", "Choose a period"),
    ("period=2026-10", "Choose an area"),
    ("area=panel-999&period=2026-10", "Choose an area"),
    ("area=nowhere&period=2026-10", "Choose an area"),
    ("area=london&period=2026-10&edition=published", "Choose an edition: edition=staff."),
])
def test_a_bad_address_is_a_400_saying_what_is_wrong(coordinator, query, message):
    response = coordinator.get(f"/summaries/export/visits.csv?{query}")
    assert response.status_code == 400
    assert response.mimetype == "text/plain"
    assert message in response.text


def test_a_bad_edition_of_the_summary_is_a_400(coordinator):
    response = coordinator.get(f"/summaries/export/summary.xlsx?{OCTOBER}&edition=draft")
    assert response.status_code == 400
    assert "Choose an edition: edition=staff or edition=published." in response.text


def test_an_unknown_file_is_not_found(coordinator):
    assert coordinator.get(f"/summaries/export/people.csv?{OCTOBER}").status_code == 404
