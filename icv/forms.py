"""Shared form pieces (plain-message fields, the error list) and the small forms.

The visit report's forms live with visits (icv/visits/forms.py)."""
import re

import flask_wtf
import wtforms
from wtforms import (DateField, HiddenField, PasswordField, RadioField, SelectChoice, SelectField,
                     StringField, TimeField)
from wtforms.validators import DataRequired, Length, ValidationError
from wtforms.widgets import core as widgets

from . import binding
from .controls import draw
from .privacy import DEFAULT as DEFAULT_PRIVACY, findings


class PlainDrawing:
    """Meta for the forms: fields drawn as plain strings (icv/controls.py, the same HTML as
    WTForms), and bound from a prototype (icv/binding.py)."""

    privacy = DEFAULT_PRIVACY  # the personal-details checks; views pass the app's (icv/main.py)

    def bind_field(self, form, unbound_field, options):
        return binding.bind_field(form, unbound_field, options)

    def render_field(self, field, render_kw):
        return draw(field, {widgets.clean_key(k): v for k, v in render_kw.items()})


class Form(wtforms.Form):
    class Meta(PlainDrawing):
        pass


class FlaskForm(flask_wtf.FlaskForm):
    class Meta(PlainDrawing):
        pass


# Free text checked for personal details (icv/privacy.py) ------------------------------------

CONFIRM_LABEL = "I have checked: this does not say what a detainee is accused of"


class FreeText:
    """Marks a box as free text (field.flags.free_text): a form with ChecksFreeText checks it for
    personal details when it is validated. It checks nothing itself, so a draft keeps the text."""
    field_flags = {"free_text": True}

    def __call__(self, form, field):
        pass


def leaves(form):
    """Every box of a form and its sub-forms and entries."""
    for f in form:
        if f.type == "FormField":
            yield from leaves(f.form)
        elif f.type == "FieldList":
            for entry in f.entries:
                yield from leaves(entry.form)
        elif f.type not in ("CSRFTokenField", "HiddenField", "Confirmations"):
            yield f


class Confirmations(HiddenField):
    """The names of the boxes whose warnings the person confirmed: the "I have checked" tick
    boxes drawn next to them (icv/pieces.py) all post under this field's name."""

    def process_formdata(self, valuelist):
        self.data = [v for v in valuelist if v]

    def _value(self):
        return ""


class ChecksFreeText:
    """Mixin for a form (before FlaskForm) holding FreeText boxes: on validation each box is
    checked with the rules of `meta.privacy` (icv/privacy.py). A refusal is an error next to the
    box; a warning is one until its "I have checked" box is ticked."""
    personal_details_checked = Confirmations()

    def process(self, *args, **kwargs):
        super().process(*args, **kwargs)
        confirmed, name = set(self.personal_details_checked.data or ()), self.personal_details_checked.name
        for box in self.free_text():
            box.confirm_name, box.confirmed, box.warning = name, box.name in confirmed, None

    def free_text(self):
        return [box for box in leaves(self) if getattr(box.flags, "free_text", False)]

    @property
    def privacy_settings(self):
        """meta.privacy: the app's, passed by the view (icv/main.py form_meta), else the built-in
        ones (a form on flask_wtf's FlaskForm has no default)."""
        return getattr(self.meta, "privacy", DEFAULT_PRIVACY)

    def validate(self, extra_validators=None):
        ok = super().validate(extra_validators)
        return check_free_text(self, self.privacy_settings) and ok


def check_free_text(form, settings):
    """Check each free-text box of `form` with `settings.rules`; False if any must change."""
    ok = True
    for box in form.free_text():
        if box.errors or not isinstance(box.data, str):
            continue
        found = findings(box.data, settings.rules)
        label = box.label.text.removesuffix(" (optional)")
        refused = [f.message(label) for f in found if f.refused]
        warned = [f.message(label) for f in found if not f.refused]
        box.warning = warned[0] if warned else None
        if refused or (warned and not getattr(box, "confirmed", False)):
            box.errors = list(box.errors) + (refused or warned)
            ok = False
    return ok


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


class YearForm(FlaskForm):
    class Meta:
        csrf = False  # a GET form that only reads

    year = StringField("Year", validators=[DataRequired("Enter a year, like 2026")],
                       description="For example, 2026", render_kw={"inputmode": "numeric"})

    def validate_year(self, field):
        text = (field.data or "").strip()
        if not re.fullmatch(r"\d{4}", text) or not 2000 <= int(text) <= 2100:
            raise ValidationError("Enter a real year, like 2026")
        self.year_number = int(text)


CSRF_EXPIRED = ("This page had expired, so nothing was sent. Everything you typed is still "
                "here: check it and try again.")


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
