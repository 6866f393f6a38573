"""What a person does in the browser: sign in and out, and fill the visit report (five
sections: the visit, numbers, detainees, facilities, issues) by its labels and roles."""
import re
from datetime import datetime, timedelta

from conftest import recent_visit
from icv import demo, times

try:
    from playwright.sync_api import expect
except ImportError:  # the `playwright_instance` fixture skips or fails before any use
    expect = None

# Demo sign-ins by role: (email, password), from icv/demo.py.
LOGINS = {role: (email, password) for role, email, _, password in demo.LOGINS}

# The report's sections, as their headings (and so their regions) read.
SECTIONS = {
    "visit": "1. The visit",
    "numbers": "2. Numbers",
    "detainees": "3. Detainees",
    "facilities": "4. Facilities",
    "issues": "5. Issues and comments",
}

# Each flag's yes/no question on a detainee entry, in page order.
FLAG_QUESTIONS = {
    "strip_search": "Was this person strip searched?",
    "intimate_search": ("Was this person intimately searched "
                        "(a search of body orifices other than the mouth)?"),
    "use_of_force": "Was force used on this person?",
    "child": None,  # not asked: an under-18 age band (or appearing under 18) raises it
}
# The one appropriate adult question of a detainee entry (a child, a strip search, or anyone who
# spoke with the visitors); a flag's answers may give it under this key.
AA = "Appropriate adult"
AA_WORDS = {"Present": "Needed and present", "Not called": "Needed, not called",
            "Called, not arrived yet": "Needed, called, not arrived yet", "No": "Needed, not called"}
# The legend of the group of questions that opens when a flag is answered yes is "<legend>: details".
FLAG_LEGENDS = {
    "strip_search": "Strip search",
    "intimate_search": "Intimate search",
    "use_of_force": "Use of force",
    "child": "Child",
}

# Answers that raise SS1, "Child strip searched without an appropriate adult" (and nothing else).
SS1_ANSWERS = {
    "What kind of search was it?": "Strip search in custody (Code C Annex A)",
    "Were intimate parts exposed?": "Yes",
    "Was there any contact with a body orifice?": "No",
    AA: "Needed, not called",
    "What reason was recorded for no appropriate adult?": "No reason recorded",
    "Was the searching officer the same sex as the detainee?": "Yes",
    "Was the reason for the search recorded?": "Yes",
    "How do you know about the search?": "The custody record",
}
# Answers that raise CH1, "Child sharing a cell with an adult".
CH1_ANSWERS = {
    AA: "Needed, not called",
    "Where is the child held?": "A cell",
    "Is the child sharing a cell or room with an adult?": "Yes",
    "Is the child expected to stay overnight?": "Not known",
}
# Answers that raise only UF3, "Handcuffs left on in a cell".
UF3_ANSWERS = {
    "When was force used?": "In the cell",
    "Was a spit and bite guard used?": "No",
    "Were leg or limb restraints used?": "No",
    "Were handcuffs left on in the cell?": "Yes",
    "Was the detainee injured?": "No injury",
    "Has a healthcare professional seen them since?": "Yes",
    "Does the detainee say they were assaulted or mistreated?": "No",
    "Is the force on the custody record?": "Yes",
    "How do you know about the force?": "We saw it",
}
# Answers that raise SS3: a drugs search with no written consent.
SS3_INTIMATE_ANSWERS = {
    "What were the grounds?": "Class A drugs",
    "Did an inspector or above authorise it?": "Yes",
    "Was it done by a doctor or nurse?": "Yes",
    "For a drugs search: was written consent given?": "No",
    "Was an appropriate adult of the same sex present?": "Not needed: an adult who is not vulnerable",
    "How do you know about the search?": "Custody staff told us",
}

# Numbers that add up: the four outcomes make the number in custody, one reason per detainee
# not seen, and at least the ones spoken with or declining were offered a visit.
NUMBERS = {
    "in_custody": 6,
    "groups": {"Children (under 18)": 1, "Women and girls": 2, "Needing an appropriate adult": 1,
               "Vulnerable adults": 1, "Needing an interpreter": 0, "At hospital": 0},
    "outcomes": {"Spoke with": 3, "Observed only (not spoken with)": 1, "Declined to speak with you": 1,
                 "Not seen": 1},
    "not_seen": {"Asleep, not woken on staff advice": 1},
    "offered": 5,
}
CONSENT_YES = "Yes, spoke with us"


def sign_in(page, role):
    """Sign in through the login page as a person would, as the demo user of `role`."""
    email, password = LOGINS[role]
    page.goto("/login")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_text("Signed in as")).to_be_visible()


def sign_out(page):
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_text("You have signed out.")).to_be_visible()


def visit_times():
    """(London date, arrival "HH:MM", departure "HH:MM") of an hour-long visit that ended one
    to two hours before the app's pinned clock (conftest.recent_visit)."""
    day, arrived, _, left = recent_visit()
    return day, arrived, left


def let_time_pass(page, seconds):
    """Time passing for the server and the phone alike, without waiting for it: the app's
    pinned clock and the page's clock both move on `seconds`."""
    times.advance(seconds=seconds)
    page.clock.fast_forward(seconds * 1000)


def minutes_after(hhmm, minutes):
    """"HH:MM" plus some minutes (the let-in time a few minutes after arriving)."""
    return f"{datetime.strptime(hhmm, '%H:%M') + timedelta(minutes=minutes):%H:%M}"


def radio(scope, question, answer):
    """Tick `answer` in the radio group whose legend is `question` (many groups share Yes/No)."""
    scope.get_by_role("group", name=question, exact=True).get_by_label(answer, exact=True).check()


def section(page, name):
    """The region of one section of the report: name is a SECTIONS key or its heading."""
    return page.get_by_role("region", name=SECTIONS.get(name, name), exact=True)


def detainee(page, number):
    """The group of questions about detainee `number` (1, 2, ...)."""
    return page.get_by_role("group", name=f"Detainee {number}", exact=True)


def open_checks(entry):
    """Unfold a detainee's rights and welfare checks (optional, folded until answered)."""
    folded = entry.locator("details.more").filter(has_text="Rights and welfare (optional)")
    if folded.get_attribute("open") is None:
        folded.locator("summary").click()
    return entry.get_by_role("group", name="Rights and welfare (optional)", exact=True)


def flag_details(scope, kind):
    """The group of questions that opens when flag `kind` is answered yes."""
    return scope.get_by_role("group", name=f"{FLAG_LEGENDS[kind]}: details", exact=True)


def open_new_report(page):
    """Open a blank report from the menu, as a person would."""
    page.get_by_role("navigation", name="Main").get_by_role("link", name="New visit report").click()
    expect(page.get_by_role("heading", level=1, name="Visit report")).to_be_visible()


def fill_visit_section(page, *, day, arrived, left, admitted=None, suite="Brixton",
                       visit_type="Routine unannounced visit", partner="Priya Shah", officer="PS 1234"):
    """Section 1: suite, type, date, arrival / let-in / departure times, partner, custody officer."""
    s = section(page, "visit")
    s.get_by_label("Custody suite").select_option(label=suite)
    s.get_by_label("Type of visit").select_option(label=visit_type)
    date_box = s.get_by_label("Date of visit")
    if date_box.input_value() != day.isoformat():
        date_box.fill(day.isoformat())
    s.get_by_label("Time you arrived at the front counter").fill(arrived)
    s.get_by_label("Time you were let into the custody area").fill(admitted or minutes_after(arrived, 5))
    s.get_by_label("Time you left", exact=True).fill(left)
    s.get_by_label("Who did you visit with?").select_option(label=partner)
    s.get_by_label("Custody officer on duty (rank and number)").fill(officer)


def fill_numbers(page, in_custody=None, groups=None, outcomes=None, not_seen=None, offered=None):
    """Section 2: every count by its label; anything not given comes from NUMBERS."""
    s = section(page, "numbers")
    s.get_by_label("Detainees in custody", exact=True).fill(str(
        NUMBERS["in_custody"] if in_custody is None else in_custody))
    group_counts = {**NUMBERS["groups"], **(groups or {})}
    if any(str(n) for n in group_counts.values()):
        open_more_counts(s)
    for label, n in group_counts.items():
        if str(n) or s.get_by_label(label, exact=True).is_visible():  # a folded blank stays blank
            s.get_by_label(label, exact=True).fill(str(n))
    for label, n in {**NUMBERS["outcomes"], **(outcomes or {})}.items():
        s.get_by_label(label, exact=True).fill(str(n))
    for label, n in (NUMBERS["not_seen"] if not_seen is None else not_seen).items():
        s.get_by_label(label, exact=True).fill(str(n))
    offered = NUMBERS["offered"] if offered is None else offered
    s.get_by_label("Offered a visit", exact=True).fill(str(offered))


def open_more_counts(numbers):
    """Section 2's optional group and cell counts are folded until one holds a number."""
    summary = numbers.get_by_text("Add more counts (optional)", exact=True)
    if not summary.evaluate("(s) => s.parentElement.open"):
        summary.click()


def fill_detainee(page, number, record_no, *, age_band="25 to 34", gender="Male",
                  ethnicity="Black: Caribbean", consent=CONSENT_YES, flags=None):
    """Section 3, one entry: `flags` is {kind: {question: answer}}; a flag not in it is answered No."""
    entry = detainee(page, number)
    entry.get_by_label("Custody record number", exact=True).fill(record_no)
    entry.get_by_label("Age band").select_option(label=age_band)
    radio(entry, "Gender", gender)
    entry.get_by_label("Ethnicity (as the detainee describes it)").select_option(label=ethnicity)
    radio(entry, "Did the detainee speak with you?", consent)
    for kind, question in FLAG_QUESTIONS.items():
        answers = dict((flags or {}).get(kind) or {})
        if question:
            radio(entry, question, "Yes" if kind in (flags or {}) else "No")
        if AA in answers:  # a select: one answer, asked once
            entry.get_by_label(AA, exact=True).select_option(label=AA_WORDS.get(answers[AA], answers[AA]))
            answers.pop(AA)
        if answers:
            details = flag_details(entry, kind)
            expect(details).to_be_visible()
            for detail, answer in answers.items():
                radio(details, detail, answer)
    return entry


def set_facility(page, item, status, note=None):
    """Section 4: mark a facility item OK, Concern or Not checked, with a note."""
    s = section(page, "facilities")
    s.get_by_label(f"{item}: {status}", exact=True).check()
    if note is not None:
        lowered = item if item[:2].isupper() else item[0].lower() + item[1:]  # "CCTV working" stays
        s.get_by_label(f"Note about {lowered}", exact=True).fill(note)


def add_detainee(page):
    """Press "Add another detainee"; returns the new entry (its record number box has focus)."""
    count = page.get_by_role("group", name=re.compile(r"^Detainee \d+$")).count()
    page.get_by_role("button", name="Add another detainee").click()
    entry = detainee(page, count + 1)
    expect(entry.get_by_label("Custody record number", exact=True)).to_be_focused()
    return entry


def add_issue(page, *, category, description, raised_with="", resolved="No"):
    """Section 5: press "Add an issue" (or "Add another issue") and fill it in."""
    s = section(page, "issues")
    count = s.get_by_role("group", name=re.compile(r"^Issue \d+$")).count()
    s.get_by_role("button", name=re.compile(r"^Add (an|another) issue$")).click()
    issue = section(page, "issues").get_by_role("group", name=f"Issue {count + 1}", exact=True)
    expect(issue).to_be_visible()
    issue.get_by_label("Category").select_option(label=category)
    issue.get_by_label("What was the issue?").fill(description)
    if raised_with:
        issue.get_by_label("Raised with (rank, not name)").fill(raised_with)
    radio(issue, "Was it resolved during the visit?", resolved)
    return issue


def fill_visit(page, record_no, *, day, arrived, left, admitted=None, suite="Brixton",
               partner="Priya Shah", officer="PS 1234", in_custody=None, spoke_with=None,
               age_band="25 to 34", gender="Male", ethnicity="Black: Caribbean", flags=None,
               facilities=None):
    """Fill every required answer of a one-detainee report: the visit, numbers that add up
    (NUMBERS; in_custody / spoke_with override two of them), detainee 1 with `flags`, and
    facilities left "Not checked" except `facilities` ({item: status}; Cells OK by default)."""
    fill_visit_section(page, day=day, arrived=arrived, left=left, admitted=admitted, suite=suite,
                       partner=partner, officer=officer)
    fill_numbers(page, in_custody=in_custody,
                 outcomes=None if spoke_with is None else {"Spoke with": spoke_with})
    fill_detainee(page, 1, record_no, age_band=age_band, gender=gender, ethnicity=ethnicity, flags=flags)
    for item, status in (facilities or {"Cells: clean, no ligature points": "OK"}).items():
        set_facility(page, item, status)


def continue_to_check(page):
    """Press "Continue to check your answers" and land on the check page."""
    page.get_by_role("button", name="Continue to check your answers").click()
    expect(page.get_by_role("heading", level=1, name=re.compile(r"^Check your answers"))).to_be_visible()


def submit_report(page, button="Submit report"):
    """On the check page, press Submit report (or Save correction); returns the report number."""
    page.get_by_role("button", name=button).click()
    expect(page).to_have_url(re.compile(r"/visits/\d+(#versions)?$"))
    return int(re.search(r"/visits/(\d+)", page.url)[1])
