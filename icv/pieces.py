"""The form pieces of the GOV.UK pattern (label, hint, error message, then the control), drawn as
plain strings.

templates/_macros.html exports these under the same names (`{% from "_macros.html" import field,
radios %}`), so templates call them as they called the macros. They are Python because a visit
report draws about 300 inputs: a Jinja macro call costs far more than the few lines of HTML it
writes, and drawing the form through macros took most of its server time (issue 12). Each
function writes what its macro wrote: the same elements, classes, ids and ARIA attributes.

The controls themselves (input, select, textarea) are drawn by the field, through icv/controls.py's
draw(); radios are drawn here from the field's choices, one string per option.
"""
from markupsafe import Markup

from .controls import draw, esc
from .forms import CONFIRM_LABEL


def described(f):
    """The ids for aria-describedby: the hint's and the error's, those the field has."""
    if f.errors:
        return f"{f.id}-hint {f.id}-error" if f.description else f"{f.id}-error"
    return f"{f.id}-hint" if f.description else ""


def _hint_and_error(f):
    html = ""
    if f.description:
        html += f'<div class="hint" id="{esc(f.id)}-hint">{esc(f.description)}</div>\n'
    if f.errors:
        html += (f'<p class="error-message" id="{esc(f.id)}-error"><span class="visually-hidden">'
                 f'Error:</span> {esc(f.errors[0])}</p>\n')
    return html


def hint_and_error(f):
    return Markup(_hint_and_error(f))


def _group(f, extra=""):
    return f'<div class="form-group{extra}{" form-group-error" if f.errors else ""}">'


def _label(f):
    return f'<label class="label" for="{esc(f.id)}">{esc(f.label.text)}</label>'


def _control(f, css, invalid=True, autofocus=False, **attributes):
    """The field's own control, with its class and the ARIA attributes of its hint and error."""
    ids = described(f)
    if ids:
        attributes["aria-describedby"] = ids
    if invalid and f.errors:
        attributes["aria-invalid"] = "true"
    if autofocus:
        attributes["autofocus"] = True
    attributes["class"] = css
    return draw(f, attributes)


def _confirm(f):
    """The "I have checked" tick box of a free-text box with a warning (icv/forms.py
    check_free_text), ticked if it was; nothing for any other box."""
    warned, confirmed = getattr(f, "warning", None), getattr(f, "confirmed", False)
    if not (warned or confirmed):
        return ""
    id = esc(f.id)
    return (f'<div class="confirm-check"><input class="checkbox-input" id="{id}-checked" '
            f'name="{esc(f.confirm_name)}" type="checkbox" value="{esc(f.name)}"'
            f'{" checked" if confirmed else ""}><label class="checkbox-label" for="{id}-checked">'
            f'{esc(CONFIRM_LABEL)}</label></div>\n')


def field(f, autofocus=False, **options):
    """A text, date, time or number input. `class`: more classes for the input."""
    css = f"input {options.get('class', '')}".rstrip()
    return Markup(f"{_group(f)}\n{_label(f)}\n{_hint_and_error(f)}"
                  f"{_control(f, css, autofocus=autofocus)}\n{_confirm(f)}</div>")


def count(f):
    """A count: its label and a small box on one line, the hint and error after."""
    return Markup(f"{_group(f, ' form-group-count')}\n{_label(f)}\n"
                  f"{_control(f, 'input input-number')}\n{_hint_and_error(f)}</div>")


def select(f):
    return Markup(f"{_group(f)}\n{_label(f)}\n{_hint_and_error(f)}"
                  f"{_control(f, 'select', invalid=False)}\n</div>")


def textarea(f):
    return Markup(f"{_group(f)}\n{_label(f)}\n{_hint_and_error(f)}"
                  f"{_control(f, 'textarea', rows=3)}\n{_confirm(f)}</div>")


def radio_options(f, autofocus=False):
    """The radios of a field's choices (value and label each), one string per option."""
    id, name, data = esc(f.id), esc(f.name), f.data
    return "".join(
        f'\n<div class="radio"><input class="radio-input" id="{id}-{i}" name="{name}" '
        f'type="radio" value="{esc(c.value)}"{" checked" if c.value == data else ""}'
        f'{" autofocus" if autofocus and not i else ""}><label class="radio-label" '
        f'for="{id}-{i}">{esc(c.label)}</label></div>' for i, c in enumerate(f.choices))


def radios(f, inline=False, legend_class="", autofocus=False, compact=False, group_class=""):
    """A question answered by one of its choices: a fieldset whose legend is the question.
    `compact`: tighter, with 24px targets; `inline`: the options side by side."""
    ids = described(f)
    css = (f"form-group{' form-group-compact' if compact else ''}"
           f"{' form-group-error' if f.errors else ''}{' ' + group_class if group_class else ''}")
    return Markup(
        f'<div class="{css}">\n<fieldset class="fieldset"'
        f'{f" aria-describedby={chr(34)}{ids}{chr(34)}" if ids else ""}>\n'
        f'<legend class="legend {legend_class}">{esc(f.label.text)}</legend>\n'
        f'{_hint_and_error(f)}<div class="radios{" radios-inline" if inline else ""}">'
        f'{radio_options(f, autofocus)}\n</div>\n</fieldset>\n</div>')


def flag_questions(on, flag, question=True):
    """A flag of icv/flags.py: its yes/no question, then its details, revealed on yes. `on` is
    the form or entry holding the flag's fields (visit detainee entries and reviews alike); a
    question not on its sub-form is asked elsewhere on the form. `question=False`: the flag is
    not asked (a visit's child flag, raised by the age), its details shown by the caller's
    reveal."""
    sub = on[f"{flag.kind}_answers"]
    asked = sub.form._fields
    details = []
    for q in flag.questions:
        if q.name not in asked:
            continue
        f = asked[q.name]
        if f.type == "HiddenField":
            if f.data:
                details.append(f())
        elif q.minutes:
            details.append(field(f, **{"class": "input-number"}))
        else:
            details.append(radios(f, compact=True, inline=len(q.choices) <= 3))
    head = radios(on[flag.kind], inline=True, legend_class="legend-flag") if question else ""
    return Markup(
        f'<div class="flag{" reveal" if question else ""}">\n{head}\n'
        f'<div class="flag-questions{" reveal-when-yes" if question else ""}">\n'
        f'<fieldset class="fieldset">\n<legend class="legend">{esc(flag.legend)}: details</legend>\n'
        f'<p class="hint">"Not recorded" is a real answer. Questions marked optional may be left '
        f'blank.</p>\n{"".join(details)}\n</fieldset>\n</div>\n</div>')
