"""The summary picker: which area, which period, which edition (a GET form: it only reads)."""
from flask_wtf import FlaskForm
from wtforms import RadioField, SelectChoice, SelectField, ValidationError

EDITIONS = [("staff", "Staff figures: exact, not for publication"),
            ("published", "Published figures: small numbers withheld")]


def grouped(groups):
    """SelectChoices in <optgroup>s from [(group label, [(key, label)])]."""
    return [SelectChoice(key, label, optgroup=group) for group, options in groups
            for key, label in options]


class SummaryForm(FlaskForm):
    class Meta:
        csrf = False

    area = SelectField("Area", validate_choice=False)
    period = SelectField("Period", validate_choice=False,
                         description="A London calendar month, quarter or year")
    edition = RadioField("Figures", choices=[SelectChoice(k, v) for k, v in EDITIONS],
                         validate_choice=False)

    def validate_area(self, field):
        if field.data not in {c.value for c in field.choices}:
            raise ValidationError("Select London, a panel or a suite from the list")

    def validate_period(self, field):
        if field.data not in {c.value for c in field.choices}:
            raise ValidationError("Select a month, quarter or year from the list")

    def validate_edition(self, field):
        if field.data not in dict(EDITIONS):
            raise ValidationError("Select staff figures or published figures")
