"""What a person does in the browser: sign in and out, and fill a visit report by its labels."""
from datetime import time, timedelta

from icv import demo
from icv.times import LONDON, utcnow

try:
    from playwright.sync_api import expect
except ImportError:  # the `playwright_instance` fixture skips or fails before any use
    expect = None

# Demo sign-ins by role: (email, password), from icv/demo.py.
LOGINS = {role: (email, password) for role, email, _, password in demo.LOGINS}

FLAG_QUESTIONS = {
    "strip_search": "Was this person strip searched?",
    "use_of_force": "Was force used on this person?",
    "child": "Is this person a child (under 18, or appears to be)?",
}

# Answers that raise SS1, "Child strip searched without an appropriate adult".
SS1_ANSWERS = {
    "What kind of search was it?": "Strip search in custody (Code C Annex A)",
    "Were intimate parts exposed?": "Yes",
    "Was an appropriate adult present?": "No",
    "What reason was recorded for no appropriate adult?": "No reason recorded",
    "Was the searching officer the same sex as the detainee?": "Yes",
    "Was the reason for the search recorded?": "Yes",
    "How do you know about the search?": "The custody record",
}
# Answers that raise CH1, "Child sharing a cell with an adult".
CH1_ANSWERS = {
    "Appropriate adult": "Not called",
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
    """(London date, arrival "HH:MM", departure "HH:MM") of a visit that has just ended:
    earlier today, or yesterday evening in the first hour after midnight."""
    now = utcnow().astimezone(LONDON)
    if now.hour >= 1:
        arrived, left = now - timedelta(minutes=50), now - timedelta(minutes=5)
        return now.date(), f"{arrived:%H:%M}", f"{left:%H:%M}"
    return now.date() - timedelta(days=1), f"{time(22):%H:%M}", f"{time(23):%H:%M}"


def radio(scope, question, answer):
    """Tick `answer` in the radio group whose legend is `question` (many groups share Yes/No)."""
    scope.get_by_role("group", name=question, exact=True).get_by_label(answer, exact=True).check()


def fill_visit(page, record_no, *, day, arrived, left, suite="Brixton", partner="Priya Shah",
               in_custody="6", spoke_with="3", age_band="25 to 34", gender="Male",
               ethnicity="Black: Caribbean", flags=None):
    """Fill the visit and detainee 1 by labels and roles; `flags` is {kind: {question: answer}},
    and every flag not in it is answered No."""
    page.get_by_label("Custody suite").select_option(label=suite)
    page.get_by_label("Who did you visit with?").select_option(label=partner)
    date_box = page.get_by_label("Date of visit")
    if date_box.input_value() != day.isoformat():
        date_box.fill(day.isoformat())
    page.get_by_label("Time you arrived").fill(arrived)
    page.get_by_label("Time you left").fill(left)
    page.get_by_label("Detainees in custody").fill(in_custody)
    page.get_by_label("Detainees you spoke with").fill(spoke_with)

    detainee = page.get_by_role("group", name="Detainee 1", exact=True)
    detainee.get_by_label("Custody record number", exact=True).fill(record_no)
    detainee.get_by_label("Age band").select_option(label=age_band)
    radio(detainee, "Gender", gender)
    detainee.get_by_label("Ethnicity (as the detainee describes it)").select_option(label=ethnicity)
    for kind, question in FLAG_QUESTIONS.items():
        answers = (flags or {}).get(kind)
        radio(detainee, question, "Yes" if answers is not None else "No")
        for detail, answer in (answers or {}).items():
            radio(detainee, detail, answer)
