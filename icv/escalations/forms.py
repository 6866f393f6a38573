"""The queue's filters (a GET form: everything lives in the query string) and the forms that
work an escalation. Every edit form carries the version it was drawn at and the last history
line seen, so a stale edit is refused and the changes since are shown."""
from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField, TextAreaField
from wtforms.validators import DataRequired, Length, ValidationError

from ..codes import ESCALATION_STATUSES, PRIORITIES
from ..forms import ChecksFreeText, Choice, FreeText, Radios, options
from .queries import VIEWS
from .workflow import TRANSITIONS, needs_reason, reason_message

MAX_TEXT = 4000
MAX_PAGE = 100_000
TOO_LONG = f"must be {MAX_TEXT:,} characters or fewer"


class Filter(SelectField):
    """An optional select of the filter form: "" is "any"; anything not offered gets a plain
    message (a tampered or out-of-date bookmark)."""

    def __init__(self, label, message, **kw):
        super().__init__(label, **kw)
        self.message = message

    def pre_validate(self, form):
        if self.data not in [str(c.value) for c in self.choices]:
            raise ValidationError(self.message)


class FilterForm(FlaskForm):
    class Meta:
        csrf = False  # a GET form that only reads

    view = Filter("View", "Choose a view: all, assigned to me, unassigned or overdue",
                  choices=options(VIEWS), default="all")
    priority = Filter("Priority", "Choose a priority from the list",
                      choices=options([("", "Any priority")] + [(p, p.capitalize()) for p in PRIORITIES]))
    status = Filter("Status", "Choose a status from the list",
                    choices=options([("", "Open (any open status)")] + ESCALATION_STATUSES))
    suite = Filter("Custody suite", "Choose a custody suite from the list")
    panel = Filter("Panel", "Choose a panel from the list")
    rule = Filter("Rule", "Choose a rule from the list")
    page = HiddenField()

    def set_choices(self, suites, panels, rules):
        self.suite.choices = options([("", "Any suite")] + [(str(i), n) for i, n in suites])
        self.panel.choices = options([("", "Any panel")] + [(str(i), n) for i, n in panels])
        self.rule.choices = options([("", "Any rule")] + [(r, f"{r}: {t}") for r, t in rules])
        for f in (self.view, self.priority, self.status, self.suite, self.panel, self.rule):
            if f.data is None:
                f.data = f.default or ""

    def validate_page(self, field):
        try:
            page = int(field.data or 1)
        except ValueError:
            raise ValidationError("The page number must be a whole number, like 2.")
        if not 1 <= page <= MAX_PAGE:
            raise ValidationError(f"The page number must be between 1 and {MAX_PAGE:,}.")


def row_number(text):
    """True for a whole number SQLite can hold (a version, an id): digits, at most 18 of them."""
    return bool(text) and text.isdigit() and len(text) <= 18


class Versioned(FlaskForm):
    """The version the page showed and the newest history line on it."""
    version = HiddenField()
    seen = HiddenField()

    def validate_version(self, field):
        if not row_number(field.data):
            raise ValidationError("This form is missing its version. Reload the page and try again.")

    def validate_seen(self, field):
        if field.data and not row_number(field.data):
            raise ValidationError("This form is not right. Reload the page and try again.")

    @property
    def base(self):
        return int(self.version.data)

    @property
    def seen_id(self):
        return int(self.seen.data or 0)

    def stamp(self, version, seen):
        """Carry the current version, so that after a refusal the person can send again."""
        self.version.data, self.seen.data = str(version), str(seen)


class ClaimForm(Versioned):
    pass


class AssignForm(Versioned):
    assigned_to = Choice("Assign to someone", message="Choose who to assign it to")


class StatusForm(ChecksFreeText, Versioned):
    status = Radios("Move to", message="Choose the new status")
    reason = TextAreaField(
        "Reason", validators=[Length(max=MAX_TEXT, message="The reason " + TOO_LONG), FreeText()],
        description="Needed to resolve, close as no further action or reopen. Kept in the history.")
    current = None  # the escalation's status now, set by the view before validating

    def validate_reason(self, field):
        new = self.status.data
        if (self.current and new in TRANSITIONS[self.current] and needs_reason(self.current, new)
                and not (field.data or "").strip()):
            raise ValidationError(reason_message(self.current, new))


class PoliceResponseForm(ChecksFreeText, Versioned):
    police_response = TextAreaField("Police response", validators=[
        DataRequired("Enter the police response"),
        Length(max=MAX_TEXT, message="The police response " + TOO_LONG), FreeText()],
        description="What the police said or did. Staff only: the visitor does not see it.")


class OutcomeForm(ChecksFreeText, Versioned):
    outcome_note = TextAreaField("Outcome for the visitor", validators=[
        DataRequired("Enter the outcome for the visitor"),
        Length(max=MAX_TEXT, message="The outcome " + TOO_LONG), FreeText()],
        description="The visitor who raised this sees it in My reports. No names of detainees "
                    "or officers.")


class NoteForm(ChecksFreeText, Versioned):
    body = TextAreaField("Add an internal note", validators=[
        DataRequired("Enter the note"), Length(max=MAX_TEXT, message="The note " + TOO_LONG), FreeText()],
        description="Only the custody team, coordinators and admins see notes.")


class BulkForm(ChecksFreeText, FlaskForm):
    """Bulk assign or close the ticked escalations of a queue page; the ticks are
    `selected` = "<id>:<version>" and are read by the view."""
    assigned_to = Choice("Assign the selected escalations to",
                         message="Choose who to assign the selected escalations to")
    close_as = Radios("Close the selected escalations as", message="Choose how to close them",
                      choices=[("resolved", "Resolved"), ("no_further_action", "No further action")])
    reason = TextAreaField("Reason for closing", validators=[
        Length(max=MAX_TEXT, message="The reason " + TOO_LONG), FreeText()],
        description="Kept in each escalation's history.")
