"""The structured flags: strip search, use of force and child (domain.md 6a).

This is the one home of the flag schemas. Visit reports use them now; custody record
reviews will reuse them. Each flag is a yes/no question; when the answer is yes its
questions must be answered, and "not recorded" / "not known" are real answers, because
inspectors keep finding custody records that are silent on exactly these points.
A few questions are optional (added for the escalation rules, icv/rules.py): unanswered,
they are simply absent from the answers, and the rule that reads them stays quiet.
Answers are stored as JSON ({question name: choice code, or minutes}) on the `flags` table.
"""
from dataclasses import dataclass, field

YES_NO_NOT_RECORDED = [("yes", "Yes"), ("no", "No"), ("not_recorded", "Not recorded")]
YES_NO_NOT_KNOWN = [("yes", "Yes"), ("no", "No"), ("not_known", "Not known")]
SOURCES = [
    ("detainee_account", "The detainee told us"),
    ("custody_record", "The custody record"),
    ("staff", "Custody staff told us"),
    ("icv_observed", "We saw it"),
]


@dataclass(frozen=True)
class Question:
    name: str
    label: str
    choices: list
    hint: str = ""
    # Answer needed only when another question has one of these answers: {name: {codes}}.
    only_if: dict = field(default_factory=dict)
    optional: bool = False  # may be left unanswered (then absent from the answers)
    minutes: bool = False  # a whole number of minutes, not a choice (choices are [])


@dataclass(frozen=True)
class Flag:
    kind: str
    question: str
    legend: str
    questions: list

    def choice_label(self, name, code):
        """The words for an answer code, for pages and exports."""
        for q in self.questions:
            if q.name == name:
                return dict(q.choices).get(code, code)
        return code

    def relevant(self, answers):
        """The questions that apply given the answers so far (in order, so a question that
        depends on one that does not apply does not apply either)."""
        kept, found = {}, []
        for q in self.questions:
            if all(kept.get(n) in codes for n, codes in q.only_if.items()):
                found.append(q)
                kept[q.name] = answers.get(q.name)
        return found


STRIP_SEARCH = Flag(
    kind="strip_search",
    question="Was this person strip searched?",
    legend="Strip search",
    questions=[
        Question("context", "What kind of search was it?", [
            ("custody", "Strip search in custody (Code C Annex A)"),
            ("stop_search", "Search outside custody exposing intimate parts (Code A)"),
            ("clothing_removed", "Clothing removed for safety"),
            ("not_recorded", "Not recorded"),
        ]),
        Question("intimate_parts_exposed", "Were intimate parts exposed?", YES_NO_NOT_RECORDED),
        Question("orifice_contact", "Was there any contact with a body orifice?", YES_NO_NOT_RECORDED,
                 hint="Contact with any orifice other than the mouth makes it an intimate search"),
        Question("aa_present", "Was an appropriate adult present?", [
            ("yes", "Yes"),
            ("no", "No"),
            ("not_recorded", "Not recorded"),
            ("not_needed", "Not needed: an adult who is not vulnerable"),
        ]),
        Question("no_aa_reason", "What reason was recorded for no appropriate adult?", [
            ("urgent_risk", "Urgent risk of serious harm"),
            ("declined_aa_agreed", "Child declined in the adult's presence and the adult agreed"),
            ("none", "No reason recorded"),
        ], only_if={"aa_present": {"no", "not_recorded"}}),
        Question("aa_signed_record", "Is the child's decision recorded and signed by the "
                 "appropriate adult?", YES_NO_NOT_KNOWN, optional=True,
                 only_if={"no_aa_reason": {"declined_aa_agreed"}}),
        Question("searcher_same_sex", "Was the searching officer the same sex as the detainee?",
                 YES_NO_NOT_RECORDED),
        Question("opposite_sex_present", "Was anyone of the opposite sex present?", [
            ("no", "No"),
            ("requested_aa", "Yes: an appropriate adult the detainee asked for"),
            ("yes", "Yes, someone else"),
            ("not_recorded", "Not recorded"),
        ], optional=True),
        Question("reason_recorded", "Was the reason for the search recorded?", YES_NO_NOT_KNOWN),
        Question("parent_informed", "For a child: was a parent or guardian told about the search?",
                 YES_NO_NOT_KNOWN, optional=True),
        Question("safeguarding_referral", "For a child: was a safeguarding referral made to "
                 "children's services?", YES_NO_NOT_KNOWN, optional=True),
        Question("source", "How do you know about the search?", SOURCES),
    ],
)

USE_OF_FORCE = Flag(
    kind="use_of_force",
    question="Was force used on this person?",
    legend="Use of force",
    questions=[
        Question("phase", "When was force used?", [
            ("arrest_or_transport", "At arrest or in transport"),
            ("booking_in", "At booking in"),
            ("in_cell", "In the cell"),
            ("during_search", "During a search"),
            ("release", "At release"),
            ("not_known", "Not known"),
        ]),
        Question("spit_guard", "Was a spit and bite guard used?", YES_NO_NOT_RECORDED),
        Question("spit_guard_minutes", "For how many minutes was the spit and bite guard on?", [],
                 hint="If you know. Whole minutes, like 10", optional=True, minutes=True,
                 only_if={"spit_guard": {"yes"}}),
        Question("limb_restraints", "Were leg or limb restraints used?", YES_NO_NOT_RECORDED),
        Question("restraint_minutes", "For how many minutes were the leg or limb restraints on?", [],
                 hint="If you know. Whole minutes, like 10", optional=True, minutes=True,
                 only_if={"limb_restraints": {"yes"}}),
        Question("handcuffed_in_cell", "Were handcuffs left on in the cell?", YES_NO_NOT_RECORDED),
        Question("taser", "Was a Taser drawn, aimed or fired in the custody suite?", [
            ("no", "No"),
            ("drawn", "Drawn or aimed, not fired"),
            ("fired", "Fired or used to drive-stun"),
            ("not_known", "Not known"),
        ], optional=True),
        Question("detainee_injury", "Was the detainee injured?", [
            ("none", "No injury"),
            ("minor", "Minor injury"),
            ("severe", "Severe injury"),
            ("not_known", "Not known"),
        ]),
        Question("hcp_seen", "Has a healthcare professional seen them since?", YES_NO_NOT_RECORDED),
        Question("allegation", "Does the detainee say they were assaulted or mistreated?",
                 [("yes", "Yes"), ("no", "No")]),
        Question("recorded_on_custody_record", "Is the force on the custody record?",
                 YES_NO_NOT_KNOWN),
        Question("source", "How do you know about the force?", SOURCES),
    ],
)

CHILD = Flag(
    kind="child",
    question="Is this person a child (under 18, or appears to be)?",
    legend="Child",
    questions=[
        Question("aa_status", "Appropriate adult", [
            ("present", "Present"),
            ("called_not_arrived", "Called, not arrived yet"),
            ("not_called", "Not called"),
            ("not_recorded", "Not recorded"),
        ]),
        Question("held_in", "Where is the child held?", [
            ("juvenile_room", "Juvenile detention room"),
            ("cell", "A cell"),
            ("other", "Somewhere else"),
            ("not_recorded", "Not recorded"),
        ]),
        Question("cell_reason_recorded", "Is a reason recorded for holding the child in a cell?",
                 YES_NO_NOT_KNOWN, optional=True, only_if={"held_in": {"cell"}}),
        Question("sharing_with_adult", "Is the child sharing a cell or room with an adult?",
                 YES_NO_NOT_RECORDED),
        Question("woman_responsible", "For a girl: is a woman responsible for her care?",
                 YES_NO_NOT_KNOWN, optional=True),
        Question("expected_overnight", "Is the child expected to stay overnight?", YES_NO_NOT_KNOWN),
        Question("charged", "Has the child been charged?", YES_NO_NOT_KNOWN, optional=True,
                 only_if={"expected_overnight": {"yes"}}),
        Question("mha_s136", "Is the child held here under the Mental Health Act (section 136)?",
                 YES_NO_NOT_KNOWN, optional=True,
                 hint="A police station can never be a place of safety for a child"),
    ],
)

INTIMATE_SEARCH = Flag(
    kind="intimate_search",
    question="Was this person intimately searched (a search of body orifices other than the mouth)?",
    legend="Intimate search",
    questions=[
        Question("grounds", "What were the grounds?", [
            ("harm_item", "An item that could cause injury"),
            ("class_a_drugs", "Class A drugs"),
            ("not_recorded", "Not recorded"),
        ]),
        Question("inspector_authorised", "Did an inspector or above authorise it?", YES_NO_NOT_RECORDED),
        Question("conducted_by_hcp", "Was it done by a doctor or nurse?", YES_NO_NOT_RECORDED),
        Question("written_consent", "For a drugs search: was written consent given?",
                 YES_NO_NOT_RECORDED, only_if={"grounds": {"class_a_drugs"}}),
        Question("aa_present", "Was an appropriate adult of the same sex present?", [
            ("yes", "Yes"),
            ("no", "No"),
            ("not_recorded", "Not recorded"),
            ("not_needed", "Not needed: an adult who is not vulnerable"),
        ]),
        Question("source", "How do you know about the search?", SOURCES),
    ],
)

# The child flag's appropriate adult answer in the words of the welfare check "aa" (icv/visits/
# questions.py CHECKS). For a child it is the one answer about their appropriate adult: the
# check takes it, and every rule reads it through icv.rule_checks.appropriate_adult.
# "not_recorded" says nothing either way, like the check's "not_asked".
AA_STATUS_AS_CHECK = {"present": "present", "called_not_arrived": "waiting", "not_called": "not_called"}

# A visit report asks about a detainee's appropriate adult once (the check "aa", in its codes),
# so its flags leave out the questions that asked it again and take their answers from that one:
# {(flag kind, question): {check code: the question's answer}}. A custody record review asks
# them (the record answers each). Stored answers keep their old shape, for the rules, pages,
# summaries and exports that read them.
FROM_VISIT_AA = {
    ("strip_search", "aa_present"): {"present": "yes", "waiting": "no", "not_called": "no",
                                     "not_needed": "not_needed", "not_asked": "not_recorded"},
    ("child", "aa_status"): {"present": "present", "waiting": "called_not_arrived",
                             "not_called": "not_called", "not_asked": "not_recorded"},
}

FLAGS = [STRIP_SEARCH, INTIMATE_SEARCH, USE_OF_FORCE, CHILD]
BY_KIND = {f.kind: f for f in FLAGS}


# Checking and keeping a form's flag answers: one home for visit detainee entries and reviews. ---

def in_words(raised, schemas=None):
    """The flags as a page shows them: [label, answer] rows, for each flag whether it was raised,
    then each question answered, in the flag's order, in words. `raised` is {kind: answers} of
    the flags raised (a kind mapped to None was not). `schemas`: the flags in other words (a
    review's, icv/reviews/wording.py); an answer to a question they leave out is not shown."""
    rows = []
    for flag in schemas or FLAGS:
        answers = raised.get(flag.kind)
        rows.append([flag.legend, "Yes" if answers is not None else "No"])
        rows += [[f"{flag.legend}: {q.label}", flag.choice_label(q.name, answers[q.name])]
                 for q in flag.questions if answers and q.name in answers]
    return rows


def answer_errors(flag, answers, to_minutes, max_minutes):
    """{question name: message} of the questions of a raised flag left unanswered (unless
    optional) or answered with something that is not one of its answers."""
    found = {}
    for q in flag.relevant(answers):
        answer = answers.get(q.name)
        if q.minutes:
            if answer and to_minutes(answer) is None:
                found[q.name] = (f"{flag.legend}: '{q.label}' must be a whole number of minutes "
                                 f"from 0 to {max_minutes:,}, like 10")
        elif answer not in dict(q.choices) and (answer or not q.optional):
            found[q.name] = f"{flag.legend}: select an answer to '{q.label}'"
    return found


def is_raised(form, flag):
    """Whether the form raises the flag: its yes/no answer, or (a visit's child flag, which is
    not asked) what the form works out itself (form.flag_raised)."""
    if hasattr(form, "flag_raised"):
        return form.flag_raised(flag.kind)
    return form[flag.kind].data == "yes"


def given(form, flag):
    """A raised flag's answers on the form, with those the form gives from elsewhere
    (form.flag_implied: a visit's appropriate adult, asked once)."""
    found = dict(form[f"{flag.kind}_answers"].data)
    if hasattr(form, "flag_implied"):
        found.update(form.flag_implied(flag.kind))
    return found


def check_form(form, to_minutes, max_minutes):
    """Put the errors of each raised flag on the form's (a detainee entry's or a review's) flag
    sub-forms; True if there are none. A question not on the sub-form (answered elsewhere on
    the form, or carried hidden from an earlier version) is the form's own to check."""
    ok = True
    for flag in FLAGS:
        if not is_raised(form, flag):
            continue
        sub = form[f"{flag.kind}_answers"].form
        for name, message in answer_errors(flag, given(form, flag), to_minutes, max_minutes).items():
            if name in sub._fields and sub[name].type != "HiddenField":
                sub[name].errors = [message]
                ok = False
    return ok


def raised_answers(form, to_minutes):
    """{kind: answers} of the form's raised flags, keeping only the questions that apply; an
    optional question left unanswered is simply absent."""
    raised = {}
    for flag in FLAGS:
        if is_raised(form, flag):
            answers = given(form, flag)
            found = {x.name: to_minutes(answers.get(x.name)) if x.minutes else answers.get(x.name)
                     for x in flag.relevant(answers)}
            raised[flag.kind] = {name: v for name, v in found.items() if v not in (None, "")}
    return raised
