"""The visit report's two grids, drawn as plain strings: a detainee's rights and welfare checks
(a row per question, a radio per answer) and the facilities table (a row per item, a radio per
status). Together they are about 130 radios per report, and drawn through Jinja loops they took
a large share of the form's server time (issue 12; icv/pieces.py draws the other questions).

templates/visits/_detainee.html and form.html call them; style.css lays them out."""
from markupsafe import Markup

from .. import pieces
from ..controls import esc
from . import questions

GRID_ANSWERS = ["yes", "no", "not_asked"]  # a check whose answers start so is a grid row
WOMEN = {"menstrual_products", "female_staff"}  # hidden for a man (style.css)


def error_span(f, id=""):
    """The field's first error, inline; `id` for aria-describedby to name it."""
    if not f.errors:
        return ""
    id = f' id="{id}"' if id else ""
    return (f'<span class="error-message"{id}><span class="visually-hidden">Error:</span> '
            f"{esc(f.errors[0])}</span>")


def radio(id, name, value, data):
    """One radio of a grid (its label is the caller's): checked when it is the field's data."""
    return (f'<input class="radio-input" type="radio" id="{id}" name="{name}" value="{esc(value)}"'
            f'{" checked" if data == value else ""}>')


def check_select(f, choices, hint=""):
    """A check with its own answers: a select labelled by the question. Its id is <field>-0,
    where the error summary links a radio field."""
    id = esc(f.id)
    described = " ".join(([f"{id}-hint"] if hint else []) + ([f"{id}-error"] if f.errors else []))
    attributes = (f' aria-describedby="{described}"' if described else "") + (
        ' aria-invalid="true"' if f.errors else "")
    options = "".join(f'<option{" selected" if f.data == value else ""} value="{esc(value)}">'
                      f"{esc(text)}</option>" for value, text in choices)
    hint = f'<span class="hint" id="{id}-hint">{esc(hint)}</span>' if hint else ""
    return Markup(
        f'<label class="check-label" for="{id}-0">{esc(f.label.text)}</label>\n'
        f'<select class="select" id="{id}-0" name="{esc(f.name)}"{attributes}>\n'
        f'<option value="">{"Select an answer" if f.errors else "Not answered"}</option>'
        f"{options}\n</select>{hint}{error_span(f, f'{id}-error')}")


def checks_grid(entry):
    """The rows of a detainee's checks, but the appropriate adult (asked on its own)."""
    rows = []
    for check in questions.CHECKS:
        if check.name == "aa":
            continue
        f = entry.checks[check.name]
        if [value for value, _ in check.choices[:3]] != GRID_ANSWERS:
            rows.append(f'<div class="check-row check-row-select">{check_select(f, check.choices)}</div>')
            continue
        id, name, data = esc(f.id), esc(f.name), f.data
        cells = "".join(
            f'<label class="check-cell">{radio(f"{id}-{i}", name, value, data)}'
            f'<span class="visually-hidden">{esc(text)}</span></label>'
            for i, (value, text) in enumerate(check.choices))
        rows.append(
            f'<div class="check-row{" check-row-women" if check.name in WOMEN else ""}" '
            f'role="group" aria-labelledby="{id}-label"><span class="check-label" '
            f'id="{id}-label">{esc(f.label.text)}</span>{cells}</div>')
    return Markup("\n".join(rows))


def any_check_answered(entry):
    """Whether the detainee's optional checks (not the appropriate adult) hold an answer, so
    their fold starts open."""
    return any(entry.checks[c.name].data for c in questions.CHECKS if c.name != "aa")


def facility_rows(form):
    """The facilities table's body: a row of status radios per item, then its note's row (shown
    for a concern, or once it holds words)."""
    rows = []
    for item, label in questions.FACILITY_ITEMS:
        f, note = form.facilities[item], form.facilities[f"{item}_note"]
        id, name, data, text = esc(f.id), esc(f.name), f.data, esc(label)
        cells = "".join(
            f'<td>{radio(f"{id}-{i}", name, code, data)}<label class="visually-hidden" '
            f'for="{id}-{i}">{text}: {esc(status)}</label></td>'
            for i, (code, status) in enumerate(questions.FACILITY_STATUSES))
        rows.append(
            f'<tr class="facility-item{" facility-error" if f.errors else ""}">'
            f'<th scope="row" id="{id}-label">{text}{error_span(f)}</th>{cells}</tr>\n'
            f'<tr class="facility-note{" facility-note-kept" if note.data or note.errors else ""}">'
            f'<td colspan="4">{pieces.field(note)}</td></tr>')
    return Markup("\n".join(rows))
