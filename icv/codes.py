"""Code lists shared by forms, rules and exports (domain.md 5.6 and 6a)."""

AGE_BANDS = [
    ("10-13", "10 to 13"),
    ("14-15", "14 to 15"),
    ("16-17", "16 to 17"),
    ("18-20", "18 to 20"),
    ("21-24", "21 to 24"),
    ("25-34", "25 to 34"),
    ("35-44", "35 to 44"),
    ("45-54", "45 to 54"),
    ("55-64", "55 to 64"),
    ("65+", "65 or over"),
    ("unknown", "Not known"),
]
CHILD_AGE_BANDS = {"10-13", "14-15", "16-17"}

GENDERS = [
    ("male", "Male"),
    ("female", "Female"),
    ("non_binary", "Non-binary or another gender"),
    ("not_stated", "Not stated"),
]

# ONS Census 2021: 19 categories plus "not stated", each with its police self-defined
# ethnicity (18+1) code. Roma is new in 2021 and maps to W9 (any other White).
ETHNICITIES = [
    ("asian_bangladeshi", "Asian: Bangladeshi", "A3", "Asian"),
    ("asian_chinese", "Asian: Chinese", "A4", "Asian"),
    ("asian_indian", "Asian: Indian", "A1", "Asian"),
    ("asian_pakistani", "Asian: Pakistani", "A2", "Asian"),
    ("asian_other", "Asian: any other Asian background", "A9", "Asian"),
    ("black_african", "Black: African", "B2", "Black"),
    ("black_caribbean", "Black: Caribbean", "B1", "Black"),
    ("black_other", "Black: any other Black, Black British or Caribbean background", "B9", "Black"),
    ("mixed_white_asian", "Mixed: White and Asian", "M3", "Mixed"),
    ("mixed_white_black_african", "Mixed: White and Black African", "M2", "Mixed"),
    ("mixed_white_black_caribbean", "Mixed: White and Black Caribbean", "M1", "Mixed"),
    ("mixed_other", "Mixed: any other Mixed or multiple ethnic background", "M9", "Mixed"),
    ("white_british", "White: English, Welsh, Scottish, Northern Irish or British", "W1", "White"),
    ("white_irish", "White: Irish", "W2", "White"),
    ("white_gypsy_traveller", "White: Gypsy or Irish Traveller", "W3", "White"),
    ("white_roma", "White: Roma", "W9", "White"),
    ("white_other", "White: any other White background", "W9", "White"),
    ("other_arab", "Other: Arab", "O2", "Other"),
    ("other_any", "Other: any other ethnic group", "O9", "Other"),
    ("not_stated", "Not stated", "NS", "Not stated"),
]
ETHNICITY_CHOICES = [(code, label) for code, label, _, _ in ETHNICITIES]
SDE_18P1 = {code: sde for code, _, sde, _ in ETHNICITIES}
ETHNIC_GROUP = {code: group for code, _, _, group in ETHNICITIES}

ROLES = [
    ("icv", "Independent custody visitor"),
    ("custody_team", "MOPAC custody team"),
    ("coordinator", "Coordinator"),
    ("admin", "Administrator"),
]

PRIORITIES = ["critical", "high", "medium", "low"]

ESCALATION_STATUSES = [
    ("new", "New"),
    ("triaged", "Triaged"),
    ("raised_with_police", "Raised with police"),
    ("awaiting_response", "Awaiting response"),
    ("resolved", "Resolved"),
    ("no_further_action", "No further action"),
]


def label(choices, code):
    """The label of a code in a (code, label) list; the code itself if unknown."""
    return dict((c[0], c[1]) for c in choices).get(code, code)
