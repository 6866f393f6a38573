"""The whole visit report in a real browser at phone size: two detainees with all four flags,
a facility concern, an issue, check your answers, submit, then a correction with its diff; the
same without JavaScript (save draft, add and remove a detainee, check, submit).

The full report also takes the docs' step-by-step screenshots (see `docs_screenshot`):
    SCREENSHOTS=docs REQUIRE_BROWSER=1 .venv/bin/python -m pytest -q tests/browser/test_report_form.py
"""
import re

import pytest

from .helpers import (CH1_ANSWERS, FLAG_QUESTIONS, SS1_ANSWERS, SS3_INTIMATE_ANSWERS, UF3_ANSWERS, open_checks,
                      add_detainee, add_issue, continue_to_check, detainee, expect, fill_detainee,
                      fill_numbers, fill_visit_section, flag_details, open_new_report, radio, section,
                      set_facility, sign_in, submit_report, visit_times)

pytestmark = pytest.mark.browser

CHILD_RECORD, ADULT_RECORD = "01CX/10001/26", "01CX/10002/26"
CONCERN = ("Toilets and privacy screening", "The privacy screen in cell 4 is broken")
ISSUE = "Detainee in cell 7 had not been offered a drink for 5 hours"
GOOD_PRACTICE = "The sergeant explained every detainee's rights again at the hatch."


def row(scope, label):
    """The answer (<dd>) next to `label` (<dt>) in a summary list."""
    page = getattr(scope, "page", scope)  # `has` is relative to each row: no outer scope in it
    term = page.locator("dt").get_by_text(label, exact=True)
    return scope.locator("dl > div").filter(has=term).locator("dd")


def test_a_full_report_with_every_flag_then_a_correction(page, docs_screenshot):
    day, arrived, left = visit_times()
    sign_in(page, "icv")

    # Start a report and save the visit section as a draft: My reports lists it to resume.
    open_new_report(page)
    fill_visit_section(page, day=day, arrived=arrived, left=left, officer="PS 1234")
    section(page, "visit").get_by_role("button", name="Save draft").click()
    expect(page.get_by_role("status").filter(has_text="Draft saved")).to_be_visible()
    client_id = re.search(r"/visits/drafts/([0-9a-f-]{36})", page.url)[1]
    page.get_by_role("navigation", name="Main").get_by_role("link", name="My reports").click()
    expect(page.get_by_role("heading", level=2, name="Drafts")).to_be_visible()
    resume = page.get_by_role("link", name=f"Brixton, {day.isoformat()}").and_(
        page.locator(f'[href$="/visits/drafts/{client_id}"]'))
    expect(resume).to_be_visible()
    docs_screenshot(page, "01-my-reports")
    resume.click()
    expect(page.get_by_label("Custody officer on duty (rank and number)")).to_have_value("PS 1234")
    docs_screenshot(page, "02-section-visit", at=section(page, "visit"))

    # Numbers (one detainee too few in custody at first: the error is shown before checking).
    fill_numbers(page, in_custody=5)
    docs_screenshot(page, "03-section-numbers", at=section(page, "numbers"))

    # Two detainees: a child strip searched with no appropriate adult and sharing a cell (SS1,
    # CH1), and an adult intimately searched without written consent and handcuffed in a cell (SS3, UF3).
    first = fill_detainee(page, 1, CHILD_RECORD, age_band="14 to 15", gender="Female",
                          ethnicity="White: Irish", flags={"strip_search": SS1_ANSWERS, "child": CH1_ANSWERS})
    open_checks(first)
    radio(first, "Told their rights?", "Yes")
    radio(first, "Offered food?", "No")
    docs_screenshot(page, "04-section-detainee", at=first.get_by_role(
        "group", name=FLAG_QUESTIONS["strip_search"], exact=True))
    add_detainee(page)
    fill_detainee(page, 2, ADULT_RECORD, age_band="35 to 44", gender="Male", ethnicity="Asian: Indian",
                  flags={"intimate_search": SS3_INTIMATE_ANSWERS, "use_of_force": UF3_ANSWERS})
    expect(page.get_by_role("navigation", name="Sections of the report")
           .get_by_role("link", name="Detainees (2)")).to_be_visible()

    # Facilities: one concern with its note, one OK, the rest "Not checked".
    set_facility(page, "Cells: clean, no ligature points", "OK")
    set_facility(page, "CCTV working", "OK")
    set_facility(page, CONCERN[0], "Concern", note=CONCERN[1])
    docs_screenshot(page, "05-section-facilities", at=section(page, "facilities"))

    # Issues and comments.
    add_issue(page, category="Food and drink", description=ISSUE, raised_with="Custody sergeant",
              resolved="Partly")
    section(page, "issues").get_by_text("Add good practice or other comments").click()  # folded
    section(page, "issues").get_by_label("Good practice you saw (optional)").fill(GOOD_PRACTICE)
    docs_screenshot(page, "06-section-issues", at=section(page, "issues"))

    # The numbers do not add up: the summary says which, and its link goes to the field.
    page.get_by_role("button", name="Continue to check your answers").click()
    summary = page.get_by_role("alert")
    expect(summary).to_be_focused()
    expect(page).to_have_title(re.compile(r"^Error: "))
    docs_screenshot(page, "07-errors", at=summary, blur=False)
    summary.get_by_role("link", name=re.compile(r"= 6, but 5 were in custody")).click()
    expect(section(page, "numbers").get_by_label("Spoke with", exact=True)).to_be_focused()
    section(page, "numbers").get_by_label("Detainees in custody", exact=True).fill("6")

    # Check your answers, then submit.
    continue_to_check(page)
    for heading in ("The visit", "Numbers", f"Detainee 1: {CHILD_RECORD}", f"Detainee 2: {ADULT_RECORD}",
                    "Facilities", "Issues and comments"):
        expect(page.get_by_role("heading", level=2, name=heading, exact=True)).to_be_visible()
    expect(row(page, CONCERN[0])).to_have_text(f"Concern: {CONCERN[1]}")
    expect(row(page, "Anything else")).to_have_text("Not provided")
    docs_screenshot(page, "08-check-answers",
                    at=page.get_by_role("heading", level=2, name=f"Detainee 1: {CHILD_RECORD}"))
    visit_id = submit_report(page)
    expect(page.get_by_role("status").filter(has_text="Report submitted")).to_be_visible()

    # The report: both entries with their flags' answers in words, the concern and the issue.
    child = page.get_by_role("region", name=f"Detainee 1: {CHILD_RECORD}")
    adult = page.get_by_role("region", name=f"Detainee 2: {ADULT_RECORD}")
    for entry, raised in ((child, ["SS1: Child strip searched without an appropriate adult",
                                   "CH1: Child sharing a cell with an adult",
                                   # The child's appropriate adult "Not called" (issue 9, 8a).
                                   "RT4: Appropriate adult needed but not called"]),
                          (adult, ["SS3: Intimate search without inspector authority",
                                   "UF3: Handcuffs left on in a cell"])):
        expect(entry.get_by_role("listitem")).to_have_count(len(raised))
        for text in raised:
            expect(entry.get_by_role("listitem").filter(has_text=text)).to_be_visible()
    expect(row(child, "Strip search")).to_have_text("Yes")
    expect(row(child, "Strip search: Was there any contact with a body orifice?")).to_have_text("No")
    expect(row(child, "Strip search: What reason was recorded for no appropriate adult?")).to_have_text(
        "No reason recorded")
    expect(row(child, "Child: Is the child sharing a cell or room with an adult?")).to_have_text("Yes")
    expect(row(child, "Told their rights?")).to_have_text("Yes")
    expect(row(adult, "Intimate search: What were the grounds?")).to_have_text("Class A drugs")
    expect(row(adult, "Intimate search: For a drugs search: was written consent given?")).to_have_text("No")
    expect(row(adult, "Use of force: Were handcuffs left on in the cell?")).to_have_text("Yes")
    expect(row(adult, "Strip search")).to_have_text("No")
    expect(row(page, CONCERN[0])).to_have_text(f"Concern: {CONCERN[1]}")
    expect(page.get_by_text("2 checked and OK, 1 with a concern, 12 not checked.")).to_be_visible()
    expect(page.locator(".card").filter(has_text=ISSUE)).to_contain_text("Food and drink")
    expect(page.locator(".card").filter(has_text=ISSUE)).to_contain_text("Resolved during the visit: Partly")
    expect(page.get_by_text(GOOD_PRACTICE)).to_be_visible()
    docs_screenshot(page, "09-report", at=adult)

    # A correction: change the custody officer, say why, check, save; version 2 shows the change.
    page.get_by_role("button", name="Correct this report").click()
    expect(page.get_by_role("heading", level=1, name=f"Correct visit report {visit_id}")).to_be_visible()
    expect(page.get_by_label("Custody officer on duty (rank and number)")).to_have_value("PS 1234")
    page.get_by_label("Custody officer on duty (rank and number)").fill("PS 5678")
    page.get_by_label("What are you correcting, and why?").fill("I wrote down the wrong sergeant's number.")
    continue_to_check(page)
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Check your answers before saving the correction")
    expect(row(page, "Custody officer")).to_have_text("PS 5678")
    submit_report(page, button="Save correction")
    expect(page.get_by_role("status").filter(has_text="this is version 2")).to_be_visible()
    expect(row(page, "Report number")).to_have_text(f"{visit_id} (version 2)")
    versions = page.get_by_role("list").filter(has_text="Version 2")
    expect(versions.get_by_role("listitem").first).to_contain_text("Version 2, corrected by Alex Morgan")
    expect(versions.get_by_role("listitem").first).to_contain_text("wrong sergeant's number")
    change = page.get_by_role("region", name="Changes").get_by_role("row", name=re.compile("Custody officer"))
    expect(change.get_by_role("rowheader")).to_have_text("The visit: Custody officer")
    expect(change.get_by_role("cell")).to_have_text(["PS 1234", "PS 5678"])
    expect(change.locator("del")).to_have_text("PS 1234")
    expect(change.locator("ins")).to_have_text("PS 5678")
    docs_screenshot(page, "10-correction-diff", at=page.get_by_role("heading", level=2, name="Versions"))


def test_the_whole_report_works_without_javascript(new_context, screenshot):
    """No JavaScript at all: each Save draft keeps what was typed and returns to its section,
    detainees are added and removed by the server, then check your answers and submit."""
    page = new_context(java_script_enabled=False).new_page()
    day, arrived, left = visit_times()
    sign_in(page, "icv")
    open_new_report(page)

    fill_visit_section(page, day=day, arrived=arrived, left=left, suite="Walworth", officer="PS 42")
    section(page, "visit").get_by_role("button", name="Save draft").click()
    expect(page).to_have_url(re.compile(r"/visits/drafts/[0-9a-f-]{36}#section-visit$"))
    expect(page.get_by_role("status").filter(has_text="Draft saved at")).to_be_visible()
    expect(page.get_by_label("Custody officer on duty (rank and number)")).to_have_value("PS 42")
    expect(page.get_by_label("Custody suite").locator("option:checked")).to_have_text("Walworth")
    client_id = re.search(r"/visits/drafts/([0-9a-f-]{36})", page.url)[1]
    expect(page.get_by_text(re.compile(r"^Draft last saved "))).to_be_visible()

    fill_numbers(page)
    section(page, "numbers").get_by_role("button", name="Save draft").click()
    expect(page).to_have_url(re.compile(r"#section-counts$"))
    expect(section(page, "numbers").get_by_label("Declined to speak with you", exact=True)).to_have_value("1")
    expect(section(page, "numbers").get_by_label("Asleep, not woken on staff advice", exact=True)
           ).to_have_value("1")

    fill_detainee(page, 1, "02AB/20001/26", flags={"use_of_force": UF3_ANSWERS})
    second = add_detainee(page)
    second.get_by_label("Custody record number", exact=True).fill("02AB/20002/26")
    expect(detainee(page, 1).get_by_label("Custody record number", exact=True)).to_have_value("02AB/20001/26")
    expect(flag_details(detainee(page, 1), "use_of_force")).to_be_visible()  # CSS-only reveal
    second.get_by_role("button", name="Remove detainee 2").click()
    expect(page.get_by_role("status").filter(has_text="Removed. Your draft is saved.")).to_be_visible()
    expect(detainee(page, 2)).to_have_count(0)
    expect(detainee(page, 1).get_by_role("group", name="Were handcuffs left on in the cell?", exact=True)
           .get_by_label("Yes", exact=True)).to_be_checked()

    set_facility(page, "CCTV working", "OK")
    section(page, "facilities").get_by_role("button", name="Save draft").click()
    expect(page).to_have_url(re.compile(r"#section-facilities$"))
    expect(section(page, "facilities").get_by_label("CCTV working: OK", exact=True)).to_be_checked()

    continue_to_check(page)
    expect(page.get_by_role("heading", level=2, name="Detainee 1: 02AB/20001/26")).to_be_visible()
    expect(page.get_by_role("heading", level=2, name=re.compile("Detainee 2"))).to_have_count(0)
    # "Change" goes back to the saved draft at that section.
    page.get_by_role("link", name="Change Numbers", exact=True).click()
    expect(page).to_have_url(re.compile(r"/visits/drafts/[0-9a-f-]{36}#section-counts$"))
    expect(section(page, "numbers").get_by_label("Offered a visit", exact=True)).to_have_value("5")
    continue_to_check(page)
    visit_id = submit_report(page)
    expect(page.get_by_role("status").filter(has_text="Report submitted")).to_be_visible()
    expect(page.get_by_role("heading", level=1, name="Visit to Walworth")).to_be_visible()
    expect(page.get_by_role("region", name="Detainee 1: 02AB/20001/26").get_by_role("listitem")).to_have_text(
        re.compile(r"UF3: Handcuffs left on in a cell"))
    screenshot(page, "report-form-no-js-submitted", full_page=False)

    # The draft is gone from My reports; the report is listed.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="My reports").click()
    expect(page.locator(f'a[href$="/visits/drafts/{client_id}"]')).to_have_count(0)
    expect(page.locator(f'a[href$="/visits/{visit_id}"]')).to_be_visible()
