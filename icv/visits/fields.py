"""Form fields shared by the visit report and custody record reviews: text boxes, counts with
plain messages, the flag and check answer sub-forms built from icv/flags.py, minutes boxes."""
import re

from wtforms import HiddenField, IntegerField, RadioField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, StopValidation

from .. import flags
from ..forms import Form, FreeText, options

MAX_COUNT = 300
MAX_MINUTES = 24 * 60  # a spit guard or restraint time in a flag's details
TEXT_LIMIT = 4000
YES_NO = [("yes", "Yes"), ("no", "No")]


def text_area(label, hint="", required=None):
    # Not Optional() when not required: it stops the chain, so a blank box would skip the form's
    # own validate_<field> (the reasons a delay, visiting alone or a correction needs).
    # FreeText: checked for personal details by the form (icv/forms.py ChecksFreeText).
    validators = [DataRequired(required)] if required else []  # DataRequired: spaces are blank
    return TextAreaField(label, description=hint, validators=validators + [
        Length(max=TEXT_LIMIT, message=f"{label} must be {TEXT_LIMIT:,} characters or fewer"), FreeText()])


class Count(IntegerField):
    """A whole number, with one plain message when it is not one (not WTForms' "Not a valid
    integer value." followed by the range message)."""

    def process_formdata(self, valuelist):
        text = valuelist[0].strip() if valuelist else ""
        self.raw_data = valuelist
        if not text:
            self.data = None
            return
        try:
            self.data = int(text)
        except ValueError:
            self.data = None
            raise ValueError(f"'{self.label.text}' must be a whole number, like 4") from None

    def pre_validate(self, form):
        if self.process_errors:
            raise StopValidation()


def count(label, required=True, hint=""):
    """A whole-number count from 0 to MAX_COUNT (blank is 0 when not required)."""
    first = InputRequired(f"Enter a number for '{label}', or 0") if required else Optional()
    return Count(label, description=hint, render_kw={"inputmode": "numeric"}, validators=[
        first, NumberRange(0, MAX_COUNT, f"'{label}' must be a number from 0 to {MAX_COUNT}")])


def answers_form(name, questions):
    """A sub-form of radios, one per question (flags and checks), or a box for minutes.

    Nothing is checked here: DetaineeForm.validate checks the questions that apply."""
    def answer_field(question):
        label = question.label + (" (optional)" if question.optional else "")
        if question.minutes:
            return StringField(label, description=question.hint, filters=[lambda v: (v or "").strip()],
                               render_kw={"inputmode": "numeric", "autocomplete": "off"})
        return RadioField(label, choices=options(question.choices), description=question.hint,
                          validators=[Optional()], validate_choice=False)
    return type(name, (Form,), {question.name: answer_field(question) for question in questions})


def minutes(text):
    """Whole minutes from a flag's box, or None when blank or not a whole number."""
    text = str(text if text is not None else "").strip()
    return int(text) if re.fullmatch(r"[0-9]{1,4}", text) and int(text) <= MAX_MINUTES else None


def counts_form(name, items, required=True):
    """A sub-form of counts, one per (name, label, ...) item."""
    return type(name, (Form,), {item[0]: count(item[1], required, *item[2:]) for item in items})


FLAG_FORMS = {flag.kind: answers_form(f"{flag.kind}_form", flag.questions) for flag in flags.FLAGS}


def visit_flag_form(flag):
    """A visit's sub-form for a flag: it does not ask what the detainee's one appropriate adult
    answer gives (flags.FROM_VISIT_AA), but carries such an answer, hidden, from a report made
    when it was asked, so a correction keeps it until that one answer is given."""
    form = answers_form(f"visit_{flag.kind}_form", [
        q for q in flag.questions if (flag.kind, q.name) not in flags.FROM_VISIT_AA])
    for kind, name in flags.FROM_VISIT_AA:
        if kind == flag.kind:
            setattr(form, name, HiddenField())
    return form


VISIT_FLAG_FORMS = {flag.kind: visit_flag_form(flag) for flag in flags.FLAGS}
