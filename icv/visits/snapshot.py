"""A report in words: labelled sections for the check-your-answers page, the stored versions
and the visible diff between two versions."""
import re

from .. import codes, flags
from ..times import format_london
from . import questions as q


def _name(db, table, column, row_id):
    rows = list(db.query(f"SELECT {column} AS v FROM {table} WHERE id = ?", [row_id])) if row_id else []
    return rows[0]["v"] if rows else ""


def snapshot(db, report):
    """[{"title", "anchor", "rows": [[label, value], ...]}, ...] for a plain report dict."""
    c = report["counts"]
    visit = [
        ["Custody suite", _name(db, "suites", "name", report["suite_id"])],
        ["Type of visit", codes.label(q.VISIT_TYPES, report["visit_type"])],
        ["Arrived", format_london(report["arrived_at"])],
        ["Let into the custody area", format_london(report["admitted_at"])],
        ["Reason for delay", report["admission_delay_reason"]],
        ["Left", format_london(report["departed_at"])],
        ["Visited with", _name(db, "users", "display_name", report["partner_id"]) or "Visited alone"],
        ["Why alone", report["single_visitor_reason"]],
        ["Custody officer", report["custody_officer"]],
    ]
    numbers = [["Detainees in custody", c.get("in_custody", 0)]]
    numbers += [[label, c.get(name, 0)] for name, label, _ in q.GROUP_COUNTS]
    numbers += [[label, c.get(name, 0)] for name, label in q.OUTCOME_COUNTS]
    numbers += [[f"Not seen: {label}", c.get(f"not_seen_{name}", 0)] for name, label in q.NOT_SEEN_REASONS
                if c.get(f"not_seen_{name}")]
    numbers += [["Offered a visit", c.get("offered", 0)], ["Cells in use", c.get("cells_in_use", 0)],
                ["Cells out of order", c.get("cells_out_of_order", 0)]]
    sections = [{"title": "The visit", "anchor": "section-visit", "rows": visit},
                {"title": "Numbers", "anchor": "section-counts", "rows": numbers}]
    for i, entry in enumerate(report["entries"], 1):
        sections.append({"title": f"Detainee {i}: {entry['custody_record_no']}",
                         "anchor": "section-detainees", "rows": entry_rows(entry)})
    facilities = report["facilities"]
    sections.append({"title": "Facilities", "anchor": "section-facilities", "rows": [
        [label, codes.label(q.FACILITY_STATUSES, facilities[item]["status"])
         + (f": {facilities[item]['note']}" if facilities[item].get("note") else "")]
        for item, label in q.FACILITY_ITEMS if item in facilities]})
    issues = []
    for i, issue in enumerate(report["issues"], 1):
        issues += [[f"Issue {i}", f"{codes.label(q.ISSUE_CATEGORIES, issue['category'])}: {issue['description']}"],
                   [f"Issue {i} raised with", issue["raised_with"]],
                   [f"Issue {i} resolved at the visit", codes.label(q.RESOLVED, issue["resolved_at_visit"])]]
    issues += [["Good practice", report["good_practice"]], ["Anything else", report["general_comments"]]]
    sections.append({"title": "Issues and comments", "anchor": "section-issues", "rows": issues})
    return sections


def entry_rows(entry):
    """The labelled answers of one detainee entry."""
    rows = [["Age band", codes.label(codes.AGE_BANDS, entry["age_band"])],
            ["Appears under 18", codes.label(q.APPEARS_UNDER_18, entry.get("appears_under_18") or "")],
            ["Gender", codes.label(codes.GENDERS, entry["gender"])],
            ["Ethnicity", codes.label(codes.ETHNICITY_CHOICES, entry["ethnicity"])],
            ["Spoke with you", codes.label(q.CONSENT, entry.get("consent") or "")]]
    rows += [[check.label, dict(check.choices).get(entry["checks"][check.name], "")]
             for check in q.CHECKS if entry["checks"].get(check.name)]
    return rows + flags.in_words(entry["flags"])


def diff(old, new):
    """[(section, label, before, after)] for every answer that differs between two snapshots."""
    def flat(snap):
        return {(s["title"], label): value for s in snap for label, value in s["rows"]}
    before, after = flat(old), flat(new)
    order = list(after) + [k for k in before if k not in after]
    return [(section, label, before.get((section, label), ""), after.get((section, label), ""))
            for section, label in order
            if str(before.get((section, label), "")) != str(after.get((section, label), ""))]


# Retention (icv/retention.py): what a saved version keeps once its period is over -------------

REMOVED = "(removed)"  # what a custody record number reads as once removed
TEXT_LABELS = {"Reason for delay", "Why alone", "Custody officer", "Good practice", "Anything else"}
TEXT_FIELDS = re.compile(r"^(admission_delay_reason|single_visitor_reason|custody_officer|good_practice|"
                         r"general_comments|facilities-\w+_note|issues-\d+-(description|raised_with))$")
NUMBER_FIELD = re.compile(r"^detainees-\d+-custody_record_no$")
DETAINEE_TITLE = re.compile(r"^(Detainee \d+): .*$", re.S)


def without_numbers(sections):
    """A snapshot with each detainee's custody record number removed from its title."""
    return [{**s, "title": DETAINEE_TITLE.sub(rf"\1: {REMOVED}", s["title"]) if DETAINEE_TITLE.match(s["title"])
             else s["title"]} for s in sections]


def without_text(sections):
    """A snapshot with the free text gone: comments, reasons, the custody officer, facilities'
    notes, issues' descriptions and whom they were raised with; statuses and categories stay."""
    def row(label, value):
        if label in TEXT_LABELS or (label.startswith("Issue ") and label.endswith(" raised with")):
            return [label, ""]
        if label.startswith("Issue ") and label[6:].isdigit() or label in FACILITY_LABELS:
            return [label, str(value).split(": ", 1)[0]]  # "Category: description" -> "Category"
        return [label, value]
    return [{**s, "rows": [row(label, value) for label, value in s["rows"]]} for s in sections]


FACILITY_LABELS = {label for _, label in q.FACILITY_ITEMS}


def fields_without(fields, numbers=False, text=False):
    """A version's typed [name, value] pairs with custody record numbers (REMOVED) and/or free
    text ("") removed."""
    def value(name, typed):
        if numbers and NUMBER_FIELD.match(name):
            return REMOVED
        if text and TEXT_FIELDS.match(name):
            return ""
        return typed
    return [[name, value(name, typed)] for name, typed in fields]
