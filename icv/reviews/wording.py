"""The flags of icv/flags.py in the words of a custody record review.

The flag schemas are written for visits ("How do you know about the search?", "Does the
detainee say ..."), but a reviewer reads a record: every question here asks what the record
shows, and "not known" reads as "Not recorded" (or "Cannot tell from the record" where "No"
already means not recorded). Only the words change: the question names, their order, which
apply (only_if) and the stored codes are the schemas' own, so the rules (icv/rules.py,
checks.py) read a review's flags exactly as a detainee entry's.

A question that makes no sense for a record is not asked: its answer is fixed (FIXED). The
source of what a review says is always the custody record.

A question the schemas gain later keeps its visit wording here until it is given one below
(tests/test_review_wording.py says which).
"""
from dataclasses import replace

from .. import flags

# The yes/no question of each flag.
FLAG_QUESTIONS = {
    "strip_search": "Does the record show the detainee was strip searched?",
    "intimate_search": "Does the record show the detainee was intimately searched (a search of body "
                       "orifices other than the mouth)?",
    "use_of_force": "Does the record show force was used on the detainee?",
    "child": "Does the record show the detainee was a child (under 18, or appeared to be)?",
}

# {(flag kind, question name): the question as a review asks it}
QUESTIONS = {
    ("strip_search", "context"): "What kind of search does the record show?",
    ("strip_search", "intimate_parts_exposed"): "Does the record show intimate parts were exposed?",
    ("strip_search", "orifice_contact"): "Does the record show any contact with a body orifice?",
    ("strip_search", "aa_present"): "Does the record show an appropriate adult was present?",
    ("strip_search", "no_aa_reason"): "What reason does the record give for no appropriate adult?",
    ("strip_search", "aa_signed_record"): "Does the record hold the child's decision, signed by the "
                                          "appropriate adult?",
    ("strip_search", "searcher_same_sex"): "Does the record show the searching officer was the same "
                                           "sex as the detainee?",
    ("strip_search", "opposite_sex_present"): "Does the record show anyone of the opposite sex was "
                                              "present?",
    ("strip_search", "reason_recorded"): "Does the record give the reason for the search?",
    ("strip_search", "parent_informed"): "For a child: does the record show a parent or guardian was "
                                         "told about the search?",
    ("strip_search", "safeguarding_referral"): "For a child: does the record show a safeguarding "
                                               "referral to children's services?",
    ("intimate_search", "grounds"): "What grounds does the record give?",
    ("intimate_search", "inspector_authorised"): "Does the record show an inspector or above "
                                                 "authorised it?",
    ("intimate_search", "conducted_by_hcp"): "Does the record show it was done by a doctor or nurse?",
    ("intimate_search", "written_consent"): "For a drugs search: does the record show written consent?",
    ("intimate_search", "aa_present"): "Does the record show an appropriate adult of the same sex was "
                                       "present?",
    ("use_of_force", "phase"): "When does the record show force was used?",
    ("use_of_force", "spit_guard"): "Does the record show a spit and bite guard was used?",
    ("use_of_force", "spit_guard_minutes"): "For how many minutes does the record show the spit and "
                                            "bite guard was on?",
    ("use_of_force", "limb_restraints"): "Does the record show leg or limb restraints were used?",
    ("use_of_force", "restraint_minutes"): "For how many minutes does the record show the leg or limb "
                                           "restraints were on?",
    ("use_of_force", "handcuffed_in_cell"): "Does the record show handcuffs were left on in the cell?",
    ("use_of_force", "taser"): "Does the record show a Taser was drawn, aimed or fired in the custody "
                               "suite?",
    ("use_of_force", "detainee_injury"): "What injury to the detainee does the record show?",
    ("use_of_force", "hcp_seen"): "Does the record show a healthcare professional saw them after the "
                                  "force?",
    ("use_of_force", "allegation"): "Does the record show the detainee said they were assaulted or "
                                    "mistreated?",
    ("use_of_force", "recorded_on_custody_record"): "Is the force itself written up on the record "
                                                    "(what was used and why)?",
    ("child", "aa_status"): "What does the record show about an appropriate adult?",
    ("child", "held_in"): "Where does the record show the child was held?",
    ("child", "cell_reason_recorded"): "Does the record give a reason for holding the child in a cell?",
    ("child", "sharing_with_adult"): "Does the record show the child shared a cell or room with an "
                                     "adult?",
    ("child", "woman_responsible"): "For a girl: does the record show a woman was responsible for her "
                                    "care?",
    ("child", "expected_overnight"): "Does the record show the child was kept overnight?",
    ("child", "charged"): "Does the record show the child was charged?",
    ("child", "mha_s136"): "Does the record show the child was held under the Mental Health Act "
                           "(section 136)?",
}

HINTS = {
    ("use_of_force", "spit_guard_minutes"): "If the record shows it. Whole minutes, like 10",
    ("use_of_force", "restraint_minutes"): "If the record shows it. Whole minutes, like 10",
}

CANNOT_TELL = "Cannot tell from the record"
# Questions whose "No" already means "not recorded": their "not known" is CANNOT_TELL.
NO_IS_NOT_RECORDED = {("strip_search", "reason_recorded"), ("strip_search", "aa_signed_record"),
                      ("use_of_force", "recorded_on_custody_record"), ("child", "cell_reason_recorded")}

# {(flag kind, question name, code): the answer's words on a review}; any question's
# "not_known" is "Not recorded" unless NO_IS_NOT_RECORDED or given here.
CHOICES = {
    ("use_of_force", "allegation", "no"): "No, or not recorded",
    ("child", "aa_status", "present"): "Called and arrived",
    ("child", "aa_status", "called_not_arrived"): "Called, not recorded as arriving",
}

# Questions a review never asks, with the answer it stores.
FIXED = {"source": "custody_record"}


def choice_words(kind, name, code, words):
    """An answer's words on a review."""
    if (kind, name, code) in CHOICES:
        return CHOICES[kind, name, code]
    if code == "not_known":
        return CANNOT_TELL if (kind, name) in NO_IS_NOT_RECORDED else "Not recorded"
    return words


def reworded(flag):
    """A flag as a review asks it: its questions in the record's words, without FIXED ones."""
    def question(q):
        key = (flag.kind, q.name)
        return replace(q, label=QUESTIONS.get(key, q.label), hint=HINTS.get(key, q.hint),
                       choices=[(code, choice_words(flag.kind, q.name, code, words)) for code, words in q.choices])
    return replace(flag, question=FLAG_QUESTIONS.get(flag.kind, flag.question),
                   questions=[question(q) for q in flag.questions if q.name not in FIXED])


FLAGS = [reworded(f) for f in flags.FLAGS]
BY_KIND = {f.kind: f for f in FLAGS}


def in_words(raised):
    """flags.in_words for a review: [label, answer] rows in the record's words (a FIXED answer,
    the same on every review, is left out)."""
    return flags.in_words(raised, FLAGS)
