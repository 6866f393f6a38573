"""The loop in a real browser at phone size: an ICV reports a flagged visit through the five
sections and check your answers, the custody team finds it in the escalation queue, a
coordinator downloads it in the monthly CSV."""
import csv
import re

import pytest

from icv.times import london_today

from .helpers import (CH1_ANSWERS, SS1_ANSWERS, continue_to_check, detainee, expect, open_checks,
                      fill_visit, open_new_report, radio, section, sign_in, sign_out, submit_report,
                      visit_times)

pytestmark = pytest.mark.browser

SS1_TITLE = "Child strip searched without an appropriate adult"
CH1_TITLE = "Child sharing a cell with an adult"


def test_icv_reports_a_flagged_visit_and_it_reaches_the_queue_and_the_csv(page, page_as, screenshot):
    day, arrived, left = visit_times()
    record_no = "99ZZ/12345/26"

    # The ICV signs in on their phone and opens a new report from the menu.
    page.goto("/")
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    screenshot(page, "01-login", full_page=False)
    sign_in(page, "icv")
    open_new_report(page)
    expect(page.get_by_label("Date of visit")).to_have_value(london_today().isoformat())
    facilities = section(page, "facilities")
    expect(facilities.get_by_label("CCTV working: Not checked", exact=True)).to_be_checked()

    fill_visit(page, record_no, day=day, arrived=arrived, left=left, age_band="14 to 15",
               flags={"strip_search": SS1_ANSWERS, "child": CH1_ANSWERS})
    screenshot(page, "02-form-filled", full_page=False)

    # Check your answers: a heading per section, blanks said plainly, a way back to each.
    continue_to_check(page)
    for heading in ("The visit", "Numbers", f"Detainee 1: {record_no}", "Facilities",
                    "Issues and comments"):
        expect(page.get_by_role("heading", level=2, name=heading, exact=True)).to_be_visible()
        expect(page.get_by_role("link", name=f"Change {heading}", exact=True)).to_be_visible()
    officer = page.locator(".check-list div").filter(has=page.get_by_text("Custody officer", exact=True))
    expect(officer.locator("dd")).to_have_text("PS 1234")
    delay = page.locator(".check-list div").filter(has=page.get_by_text("Reason for delay", exact=True))
    expect(delay.locator("dd")).to_have_text("Not provided")
    screenshot(page, "03-check-answers", full_page=False)
    visit_id = submit_report(page)

    expect(page.get_by_role("status").filter(has_text="Report submitted")).to_be_visible()
    expect(page.get_by_role("heading", level=1, name="Visit to Brixton")).to_be_visible()
    entry = page.get_by_role("region", name=f"Detainee 1: {record_no}")
    expect(entry).to_contain_text("14 to 15")
    expect(entry.get_by_role("listitem").filter(has_text="SS1")).to_contain_text(SS1_TITLE)
    expect(entry.get_by_role("listitem").filter(has_text="CH1")).to_contain_text(CH1_TITLE)
    screenshot(page, "04-report", full_page=False)

    page.get_by_role("navigation", name="Main").get_by_role("link", name="My reports").click()
    mine = page.get_by_role("link", name=re.compile(r"^Brixton, ")).and_(
        page.locator(f'[href$="/visits/{visit_id}"]'))
    expect(mine).to_be_visible()
    screenshot(page, "05-my-reports", full_page=False)
    sign_out(page)

    # The custody team's queue (on their own phone) shows the finding; its link opens the
    # report at the entry.
    page = page_as("custody_team")
    page.goto("/")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Escalations").click()
    expect(page.get_by_role("heading", level=1, name="Escalations")).to_be_visible()
    item = find_in_queue(page, record_no, SS1_TITLE)
    expect(item).to_contain_text("Critical")
    expect(item).to_contain_text("Brixton")
    screenshot(page, "06-queue", full_page=False)
    item.get_by_role("link", name=SS1_TITLE).click()  # the escalation's page (issue 4)...
    expect(page.get_by_role("heading", level=1, name=f"SS1: {SS1_TITLE}")).to_be_visible()
    page.get_by_role("link", name="Open the report at this detainee").click()  # ...and the entry
    expect(page).to_have_url(re.compile(rf"/visits/{visit_id}#entry-\d+$"))
    target = page.locator("#" + page.url.rsplit("#", 1)[1])
    entry = page.get_by_role("region", name=f"Detainee 1: {record_no}")
    expect(entry).to_have_attribute("id", target.get_attribute("id"))
    expect(entry.get_by_role("heading", name=f"Detainee 1: {record_no}")).to_be_in_viewport()
    expect(entry.get_by_role("listitem").filter(has_text=f"SS1: {SS1_TITLE}")).to_be_in_viewport()
    expect(target).to_have_css("border-left-color", "rgb(255, 221, 0)")  # :target highlight
    screenshot(page, "07-queue-to-entry", full_page=False)

    # The coordinator downloads the month's visits as CSV.
    page = page_as("coordinator")
    page.goto("/")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Summaries").click()
    month = f"{day:%Y-%m}"
    page.get_by_label("Area", exact=True).select_option(label="London")
    page.get_by_label("Period", exact=True).select_option(value=month)
    page.get_by_role("button", name="Show summary").click()
    expect(page.get_by_role("heading", level=1, name=f"London: {day:%B %Y}")).to_be_visible()
    expect(page.get_by_role("region", name="Visits by suite").get_by_role(
        "rowheader", name="Brixton")).to_be_visible()
    screenshot(page, "08-summary", full_page=False)
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Visits (CSV)").click()
    download = download_info.value
    assert download.suggested_filename == f"icv-visits-london-{month}.csv"
    with open(download.path(), newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert rows, "the CSV has no visits"
    assert list(rows[0])[:3] == ["Visit ID", "Suite", "Panel"]
    ours = [r for r in rows if r["Visit ID"] == str(visit_id)]
    assert len(ours) == 1, f"visit {visit_id} is not in the CSV"
    assert ours[0]["Suite"] == "Brixton"
    assert ours[0]["Partner"] == "Priya Shah"
    assert ((ours[0]["Strip search flags"], ours[0]["Intimate search flags"], ours[0]["Child flags"],
             ours[0]["Use of force flags"]) == ("1", "0", "1", "0"))
    assert record_no not in download.path().read_text(encoding="utf-8")  # no custody record numbers


def find_in_queue(page, record_no, title):
    """The queue's row for this custody record and title, following "Next page" if needed."""
    while True:
        item = page.get_by_role("row").filter(has_text=record_no).filter(
            has=page.get_by_role("link", name=title))
        if item.count():
            return item
        next_page = page.get_by_role("link", name="Next page")
        assert next_page.count(), f"{title} for {record_no} is not in the escalation queue"
        next_page.click()


def test_errors_are_summarised_linked_and_keep_what_was_typed(page, screenshot):
    """Counts that do not add up and a name for the custody record number: the error summary
    comes first, its links move focus to the fields, and nothing typed is lost."""
    day, arrived, left = visit_times()
    sign_in(page, "icv")
    open_new_report(page)
    fill_visit(page, "John Smith", day=day, arrived=arrived, left=left, in_custody=2,
               spoke_with=5, flags={"strip_search": SS1_ANSWERS, "child": CH1_ANSWERS},
               age_band="14 to 15")
    page.get_by_role("button", name="Continue to check your answers").click()

    expect(page).to_have_title(re.compile(r"^Error: "))
    summary = page.get_by_role("alert")
    expect(summary.get_by_role("heading", name="There is a problem")).to_be_visible()
    expect(summary).to_be_focused()  # autofocus: a screen reader hears the problems first
    screenshot(page, "10-form-errors", full_page=False)

    outcomes = summary.get_by_role("link", name=re.compile(r"^spoke with 5 .* but 2 were in custody", re.I))
    record = summary.get_by_role("link", name=re.compile(r"not a name"))
    expect(outcomes).to_be_visible()
    expect(record).to_be_visible()
    outcomes.click()
    numbers = section(page, "numbers")
    spoke_box = numbers.get_by_label("Spoke with", exact=True)
    expect(spoke_box).to_be_focused()
    expect(spoke_box).to_have_attribute("aria-invalid", "true")
    expect(spoke_box).to_have_accessible_description(re.compile("must add up to the number in custody"))
    record.click()
    entry = detainee(page, 1)
    record_box = entry.get_by_label("Custody record number", exact=True)
    expect(record_box).to_be_focused()
    expect(record_box).to_have_accessible_description(re.compile("not a name"))

    # Everything typed is still there (the custody record number comes back in capitals).
    expect(record_box).to_have_value(re.compile(r"^john smith$", re.I))
    expect(page.get_by_label("Custody suite").locator("option:checked")).to_have_text("Brixton")
    expect(page.get_by_label("Who did you visit with?").locator("option:checked")).to_have_text("Priya Shah")
    expect(page.get_by_label("Time you arrived at the front counter")).to_have_value(arrived)
    expect(page.get_by_label("Time you left", exact=True)).to_have_value(left)
    expect(page.get_by_label("Custody officer on duty (rank and number)")).to_have_value("PS 1234")
    expect(numbers.get_by_label("Detainees in custody", exact=True)).to_have_value("2")
    expect(spoke_box).to_have_value("5")
    expect(entry.get_by_label("Age band").locator("option:checked")).to_have_text("14 to 15")
    strip = entry.get_by_role("group", name="Was this person strip searched?", exact=True)
    expect(strip.get_by_label("Yes", exact=True)).to_be_checked()
    expect(entry.get_by_label("Appropriate adult", exact=True).locator("option:checked")).to_have_text(
        "Needed, not called")
    expect(section(page, "facilities").get_by_label("Cells: clean, no ligature points: OK", exact=True)
           ).to_be_checked()


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_flag_questions_show_only_after_yes(new_context, javascript):
    page = new_context(java_script_enabled=javascript).new_page()
    sign_in(page, "icv")
    open_new_report(page)
    entry = detainee(page, 1)
    details = entry.get_by_role("group", name="Strip search: details", exact=True, include_hidden=True)
    question = entry.get_by_text("Were intimate parts exposed?")
    expect(details).to_be_hidden()
    expect(question).to_be_hidden()

    radio(entry, "Was this person strip searched?", "Yes")
    expect(details).to_be_visible()
    expect(question).to_be_visible()
    expect(entry.get_by_text("Was there any contact with a body orifice?")).to_be_visible()
    # Only this flag's questions opened.
    expect(entry.get_by_text("Was a spit and bite guard used?")).to_be_hidden()
    expect(entry.get_by_text("What were the grounds?")).to_be_hidden()

    radio(entry, "Was this person strip searched?", "No")
    expect(details).to_be_hidden()

    # The rights and welfare checks open only for a detainee who spoke with the visitors.
    checks = entry.get_by_role("group", name="Rights and welfare (optional)", include_hidden=True)
    expect(checks).to_be_hidden()
    radio(entry, "Did the detainee speak with you?", "Yes, spoke with us")
    expect(entry.locator("summary", has_text="Rights and welfare (optional)")).to_be_visible()  # folded
    open_checks(entry)
    expect(checks).to_be_visible()
