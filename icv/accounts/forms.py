"""The account forms: invite, role, panels, record review training, and the password forms."""
import re
from datetime import date

from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField, SelectMultipleField, StringField
from wtforms.validators import DataRequired, Length, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from ..codes import ROLES
from ..forms import Date, Radios
from . import passwords

# Something@something.something, no spaces: enough to catch a slip; the invitation proves the rest.
EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s.]+")
ROLE_HINTS = {"icv": "Writes visit reports", "custody_team": "Works the escalation queue",
              "coordinator": "Runs the scheme: summaries, record reviews and ICV accounts",
              "admin": "Everything, including every account"}


def email_field(label="Email address"):
    return StringField(label, validators=[
        DataRequired("Enter an email address"), Length(max=254, message="The email address is too long")],
        filters=[lambda s: s.strip() if s else s],
        render_kw={"autocomplete": "email", "inputmode": "email", "spellcheck": "false"})


def check_email(form, field):
    if field.data and not EMAIL.fullmatch(field.data):
        raise ValidationError("Enter an email address in the correct format, like name@example.org")


class Checkboxes(SelectMultipleField):
    """Panels as checkboxes: ids as numbers, a tampered value refused in words."""
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()

    def __init__(self, label=None, validators=None, **kw):
        super().__init__(label, validators, coerce=int, **kw)

    def pre_validate(self, form):
        if set(self.data or ()) - {value for value, _ in self.choices}:
            raise ValidationError("Choose panels from the list")


class PanelsForm(FlaskForm):
    panels = Checkboxes("Panels", description="The panels this person visits for. Choose any that apply.")

    def set_choices(self, panels):
        self.panels.choices = list(panels)
        return self


class InviteForm(PanelsForm):
    email = email_field()
    display_name = StringField("Full name", validators=[
        DataRequired("Enter their full name"), Length(max=100, message="The name must be 100 characters or fewer")],
        filters=[lambda s: s.strip() if s else s], render_kw={"autocomplete": "off", "spellcheck": "false"})
    role = Radios("Role", message="Choose what the account may do",
                  choices=[(code, f"{name}: {ROLE_HINTS[code]}") for code, name in ROLES])

    validate_email = check_email

    def set_roles(self, codes):
        """Offer only these roles (a coordinator invites ICVs only)."""
        self.role.choices = [c for c in self.role.choices if c.value in codes]
        if len(codes) == 1 and not self.role.data:
            self.role.data = codes[0]
        return self


class RoleForm(FlaskForm):
    role = Radios("Role", message="Choose what the account may do",
                  choices=[(code, f"{name}: {ROLE_HINTS[code]}") for code, name in ROLES])


class RecordReviewForm(FlaskForm):
    crr_trained = BooleanField("Trained in custody record review")
    vetting_expires_on = Date("Vetting expires on", validators=[Optional()],
                              description="As on the vetting record, for example 2027-03-31. "
                                          "Leave blank if not known: they cannot review until it is set.",
                              invalid="The vetting expiry date must be a real date, like 2027-03-31")

    def validate_vetting_expires_on(self, field):
        if field.data and not date(2000, 1, 1) <= field.data <= date(2100, 12, 31):
            raise ValidationError("The vetting expiry date must be a real date, like 2027-03-31")


class ForgotForm(FlaskForm):
    email = email_field("Your email address")
    validate_email = check_email


def new_password_field(label="Create a password"):
    return PasswordField(label, validators=[DataRequired("Enter a password")], description=passwords.HINT,
                         render_kw={"autocomplete": "new-password", "spellcheck": "false"})


class SetPasswordForm(FlaskForm):
    password = new_password_field()


def current_password_field(label="Your password", what="your password", description=None):
    """The person's own password, asked for again before a change to how they sign in."""
    return PasswordField(label, validators=[
        DataRequired(f"Enter {what}"), Length(max=256, message=f"That is not {what}")],
        description=description, render_kw={"autocomplete": "current-password", "spellcheck": "false"})


class ChangePasswordForm(FlaskForm):
    current_password = current_password_field("Your current password", "your current password")
    new_password = new_password_field("Your new password")


class PasswordAgainForm(FlaskForm):
    """Your sessions: the password again before signing a device out (ASVS 7.5.2)."""
    password = current_password_field()
