"""Every form, with messages written for a person on a phone."""
import re
import uuid

from flask_wtf import FlaskForm
from wtforms import (DateField, FieldList, Form, FormField, HiddenField, IntegerField,
                     PasswordField, RadioField, SelectChoice, SelectField, StringField, TimeField)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, ValidationError

from . import codes, flags
from .times import london_today, span_to_utc, utcnow

CUSTODY_RECORD_RE = re.compile(r"^[A-Z0-9][A-Z0-9/\-]{3,19}$")
CUSTODY_RECORD_HINT = "Letters, numbers, / or -, like 01CX/12345/26. Never a name."
MAX_DETAINEES = 40
MAX_VISIT_HOURS = 8
MAX_REPORT_AGE_DAYS = 366


def options(pairs):
    """WTForms choices from (value, label) pairs."""
    return [SelectChoice(value, label) for value, label in pairs]


def optional_int(value):
    """int for a chosen option, None for the empty placeholder; ValueError if tampered."""
    return None if value is None or str(value) == "" else int(value)


class Choice(SelectField):
    """A select whose wrong or tampered value gets a plain message, not 'Not a valid choice'."""

    def __init__(self, label=None, validators=None, message="Select an option from the list",
                 choices=(), **kw):
        super().__init__(label, validators, choices=options(choices), **kw)
        self.message = message

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:  # coerce failed: a tampered value
            self.data = None

    def pre_validate(self, form):
        values = [str(c.value) for c in self.choices if c.value != ""]
        if self.data is None or str(self.data) not in values:
            raise ValidationError(self.message)


class Radios(RadioField):
    """Radios with a specific message when none (or an unknown one) is chosen."""

    def __init__(self, label=None, validators=None, message="Select an answer", choices=(), **kw):
        super().__init__(label, validators, choices=options(choices), **kw)
        self.message = message

    def pre_validate(self, form):
        if self.data not in [c.value for c in self.choices]:
            raise ValidationError(self.message)


class PlainInvalid:
    """Mixin for date and time fields: an unreadable value gets a message naming the field
    and the format, not WTForms' 'Not a valid date value'."""

    def __init__(self, label=None, validators=None, invalid="Enter a real value", **kw):
        super().__init__(label, validators, **kw)
        self.invalid = invalid

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError(self.invalid)


class Date(PlainInvalid, DateField):
    pass


class Time(PlainInvalid, TimeField):
    pass


class LoginForm(FlaskForm):
    email = StringField("Email address", validators=[
        DataRequired("Enter your email address"), Length(max=254, message="Email address is too long")],
        render_kw={"autocomplete": "username", "inputmode": "email", "spellcheck": "false"})
    password = PasswordField("Password", validators=[
        DataRequired("Enter your password"), Length(max=256, message="Password is too long")],
        render_kw={"autocomplete": "current-password"})
    next = HiddenField()


def flag_form(flag):
    """A sub-form with one set of radios per question of a flag (all optional here;
    DetaineeForm requires the relevant ones when the flag is raised)."""
    fields = {
        q.name: RadioField(q.label, choices=options(q.choices), validators=[Optional()],
                           description=q.hint, validate_choice=False)
        for q in flag.questions
    }
    return type(f"{flag.kind.title().replace('_', '')}Form", (Form,), fields)


FLAG_FORMS = {flag.kind: flag_form(flag) for flag in flags.FLAGS}
YES_NO = [("yes", "Yes"), ("no", "No")]


class DetaineeForm(Form):
    custody_record_no = StringField("Custody record number", description=CUSTODY_RECORD_HINT,
                                    filters=[lambda v: (v or "").strip().upper()],
                                    render_kw={"autocomplete": "off", "spellcheck": "false",
                                               "autocapitalize": "characters"})
    age_band = Choice("Age band", choices=[("", "Select an age band")] + codes.AGE_BANDS,
                      message="Select the age band")
    gender = Radios("Gender", choices=codes.GENDERS, message="Select the gender, or 'Not stated'")
    ethnicity = Choice("Ethnicity (as the detainee describes it)",
                       choices=[("", "Select an ethnicity")] + codes.ETHNICITY_CHOICES,
                       message="Select the ethnicity, or 'Not stated'")

    def validate_custody_record_no(self, field):
        value = field.data
        if not value:
            raise ValidationError("Enter the custody record number")
        if " " in value or not any(c.isdigit() for c in value):
            raise ValidationError("Enter the custody record number, not a name")
        if not CUSTODY_RECORD_RE.match(value) or sum(c.isdigit() for c in value) < 3:
            raise ValidationError("Custody record number must be 4 to 20 letters, numbers, / or -, "
                                  "with at least 3 numbers, like 01CX/12345/26")

    def validate(self, extra_validators=None):
        """Also require each raised flag's relevant questions, and a child flag for under-18s."""
        ok = super().validate(extra_validators)
        for flag in flags.FLAGS:
            if self[flag.kind].data != "yes":
                continue
            sub = self[f"{flag.kind}_answers"]
            given = {name: f.data for name, f in sub.form._fields.items()}
            for q in flag.relevant(given):
                field = sub.form[q.name]
                if field.data not in dict(q.choices):
                    field.errors = [f"{flag.legend}: select an answer to '{q.label}'"]
                    ok = False
        if self.age_band.data in codes.CHILD_AGE_BANDS and self.child.data == "no":
            self.child.errors = list(self.child.errors) + [
                "The age band is under 18, so answer yes: this detainee is a child"]
            ok = False
        return ok

    def flag_answers(self):
        """{kind: answers} for the raised flags, keeping only the relevant questions."""
        raised = {}
        for flag in flags.FLAGS:
            if self[flag.kind].data == "yes":
                given = self[f"{flag.kind}_answers"].data
                raised[flag.kind] = {q.name: given[q.name] for q in flag.relevant(given)}
        return raised


# One yes/no question per flag, each followed by its sub-form of structured answers.
# (WTForms lets fields be added to a form class after it is made.)
for _flag in flags.FLAGS:
    setattr(DetaineeForm, _flag.kind, Radios(
        _flag.question, choices=YES_NO,
        message=f"Answer yes or no: {_flag.question[0].lower()}{_flag.question[1:]}"))
    setattr(DetaineeForm, f"{_flag.kind}_answers", FormField(FLAG_FORMS[_flag.kind]))


class VisitForm(FlaskForm):
    client_id = HiddenField()
    suite_id = Choice("Custody suite", coerce=optional_int, message="Select the custody suite you visited")
    partner_id = Choice("Who did you visit with?", coerce=str,
                        message="Select your visiting partner from the list, or 'I visited alone'")
    visit_date = Date("Date of visit", validators=[InputRequired("Enter the date of the visit")],
                      invalid="Date of visit must be a real date, like 2026-11-22",
                      render_kw={"autocomplete": "off"})
    arrival_time = Time("Time you arrived", validators=[
        InputRequired("Enter the time you arrived, like 14:30")], description="For example, 14:30",
        invalid="Time you arrived must be a real time on the 24-hour clock, like 14:30")
    departure_time = Time("Time you left", validators=[
        InputRequired("Enter the time you left, like 15:45")],
        invalid="Time you left must be a real time on the 24-hour clock, like 15:45",
        description="If you left after midnight, enter the time the next morning")
    in_custody = IntegerField("Detainees in custody", validators=[
        InputRequired("Enter how many detainees were in custody, or 0"),
        NumberRange(0, 300, "Detainees in custody must be between 0 and 300")],
        render_kw={"inputmode": "numeric"})
    spoke_with = IntegerField("Detainees you spoke with", validators=[
        InputRequired("Enter how many detainees you spoke with, or 0"),
        NumberRange(0, 300, "Detainees you spoke with must be between 0 and 300")],
        render_kw={"inputmode": "numeric"})
    detainees = FieldList(FormField(DetaineeForm), min_entries=0, max_entries=MAX_DETAINEES)

    def validate_client_id(self, field):
        try:
            uuid.UUID(field.data or "")
        except ValueError:
            raise ValidationError("This form is out of date. Reload the page and enter the report again.")

    def validate_visit_date(self, field):
        if field.data is None:  # not a date: the field already says so
            return
        days_ago = (london_today() - field.data).days
        if days_ago < 0:
            raise ValidationError("The date of the visit must be today or in the past")
        if days_ago > MAX_REPORT_AGE_DAYS:
            raise ValidationError("The date of the visit must be within the last year")

    def validate_departure_time(self, field):
        if self.visit_date.errors or not (self.visit_date.data and self.arrival_time.data and field.data):
            return
        if field.data == self.arrival_time.data:
            raise ValidationError("The time you left must be after the time you arrived")
        arrived, departed = span_to_utc(self.visit_date.data, self.arrival_time.data, field.data)
        hours = (departed - arrived).total_seconds() / 3600
        if hours > MAX_VISIT_HOURS:
            raise ValidationError(
                f"The time you left is {hours:.0f} hours after the time you arrived. Visits last at "
                f"most {MAX_VISIT_HOURS} hours: check both times (use 24-hour times, like 14:30)")
        if departed > utcnow():
            raise ValidationError("The time you left is in the future: check the date and times")

    def validate_spoke_with(self, field):
        if field.data is not None and self.in_custody.data is not None and field.data > self.in_custody.data:
            raise ValidationError(
                f"You spoke with {field.data} detainees but entered {self.in_custody.data} in custody: "
                "the number you spoke with cannot be more than the number in custody")

    def validate_detainees(self, field):
        records = [entry.custody_record_no.data for entry in field if entry.custody_record_no.data]
        repeated = sorted({r for r in records if records.count(r) > 1})
        if repeated:
            raise ValidationError(f"Custody record number {repeated[0]} is entered twice: "
                                  "remove one of the two detainees")
        if self.in_custody.data is not None and len(field.entries) > self.in_custody.data:
            raise ValidationError(
                f"You added {len(field.entries)} detainees but entered {self.in_custody.data} in custody: "
                "check the number in custody or remove a detainee")


class MonthForm(FlaskForm):
    class Meta:
        csrf = False  # a GET form that only reads

    month = StringField("Month", validators=[DataRequired("Enter a month, like 2026-11")],
                        description="For example, 2026-11", render_kw={"type": "month"})

    def validate_month(self, field):
        match = re.fullmatch(r"(\d{4})-(\d{2})", (field.data or "").strip())
        if not match or not 1 <= int(match[2]) <= 12 or not 2000 <= int(match[1]) <= 2100:
            raise ValidationError("Enter a real month, like 2026-11")
        self.year, self.month_number = int(match[1]), int(match[2])


CSRF_EXPIRED = ("This page had expired, so nothing was saved yet. Everything you typed is still "
                "here: check it and submit again.")


def error_list(form):
    """(element id, message) for every error in a form and its sub-forms, in page order,
    for the error summary. Radios link to their first option."""
    found = []
    for field in form:
        if field.type == "CSRFTokenField":
            if field.errors:
                found.append(("main-content", CSRF_EXPIRED))
        elif field.type == "FormField":
            found.extend(error_list(field.form))
        elif field.type == "FieldList":
            found.extend((field.id, e) for e in field.errors if isinstance(e, str))
            for entry in field.entries:
                found.extend(error_list(entry.form))
        elif field.errors:
            target = f"{field.id}-0" if field.type in ("RadioField", "Radios") else field.id
            found.append((target, field.errors[0]))
    return found
