"""The visit report form: header, counts, detainee entries with flags, facilities, issues.

Every message names the field and says what to do; cross-checks say which numbers disagree.
"""
import re
import uuid

from wtforms import FieldList, FormField, HiddenField, RadioField, StringField
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError

from .. import codes, flags
from ..forms import ChecksFreeText, Choice, Date, FlaskForm, Form, FreeText, Radios, Time, options, optional_int
from ..privacy import looks_like_a_name
from ..times import london_today, span_to_utc, utcnow
from . import questions as q
from .fields import (FLAG_FORMS, VISIT_FLAG_FORMS, MAX_COUNT, MAX_MINUTES, TEXT_LIMIT, YES_NO,  # noqa: F401
                     answers_form, count, counts_form, minutes, text_area)

CUSTODY_RECORD_HINT = "Like {example}. Never a name."  # the app's format (icv/privacy.py)
MAX_DETAINEES = 40
MAX_ISSUES = 30
MAX_VISIT_HOURS = 8
MAX_REPORT_AGE_DAYS = 366
ADMISSION_DELAY_LIMIT = 10  # minutes; longer needs a reason (domain.md 6a)


# Blank is 0 where "none" is the natural reading (how ICVs count); the number in custody and
# the number offered a visit must be typed.
GroupsForm = counts_form("GroupsForm", q.GROUP_COUNTS, required=False)
OutcomesForm = counts_form("OutcomesForm", q.OUTCOME_COUNTS, required=False)
NotSeenForm = counts_form("NotSeenForm", q.NOT_SEEN_REASONS, required=False)
ChecksForm = answers_form("ChecksForm", q.CHECKS)


def legacy_fields(formdata, prefix):
    """A detainee entry's fields as this form asks them, from a draft or correction made when
    the form asked the appropriate adult in the child flag and the strip search too, and asked
    'Is this person a child?'. The child flag's answer is the one answer (as it was); a child
    flag raised for an adult age band becomes 'appears under 18' (which raises it now); a strip
    search's own answer is kept (carried, hidden) only where the one answer would say otherwise."""
    child, status = f"{prefix}child", f"{prefix}child_answers-aa_status"
    present, aa = f"{prefix}strip_search_answers-aa_present", f"{prefix}checks-aa"
    if not any(n in formdata for n in (child, status, present)):
        return formdata
    formdata = formdata.copy()
    if formdata.get(child) == "yes":
        if formdata.get(f"{prefix}age_band") not in codes.CHILD_AGE_BANDS:
            formdata[f"{prefix}appears_under_18"] = "yes"
        given = formdata.get(status) or ""
        from_flag = flags.AA_STATUS_AS_CHECK.get(given, "not_asked" if given else "")
        if from_flag and (given != "not_recorded" or not formdata.get(aa)):
            formdata[aa] = from_flag
    by_aa = flags.FROM_VISIT_AA[("strip_search", "aa_present")]
    if formdata.get(present) and by_aa.get(formdata.get(aa)) == formdata.get(present):
        formdata.pop(present)  # what the one answer says: it decides from now on
    for name in (child, status):
        formdata.pop(name, None)
    return formdata


class DetaineeForm(Form):
    entry_key = HiddenField()
    custody_record_no = StringField("Custody record number", description=CUSTODY_RECORD_HINT.format(
                                        example="01CX/12345/26"),
                                    filters=[lambda v: (v or "").strip().upper()],
                                    render_kw={"autocomplete": "off", "spellcheck": "false",
                                               "autocapitalize": "characters"})
    age_band = Choice("Age band", choices=[("", "Select an age band")] + codes.AGE_BANDS,
                      message="Select the age band")
    appears_under_18 = RadioField("Does the detainee appear to be under 18?",
                                  choices=options(q.APPEARS_UNDER_18), validators=[Optional()],
                                  validate_choice=False)
    gender = Radios("Gender", choices=codes.GENDERS, message="Select the gender, or 'Not stated'")
    ethnicity = Choice("Ethnicity (as the detainee describes it)",
                       choices=[("", "Select an ethnicity")] + codes.ETHNICITY_CHOICES,
                       message="Select the ethnicity, or 'Not stated'")
    consent = Radios("Did the detainee speak with you?", choices=q.CONSENT,
                     message="Select whether the detainee spoke with you")
    checks = FormField(ChecksForm)

    def process(self, formdata=None, obj=None, data=None, extra_filters=None, **kwargs):
        if formdata is not None and hasattr(formdata, "copy"):
            formdata = legacy_fields(formdata, self._prefix)
        super().process(formdata, obj, data, extra_filters, **kwargs)

    def validate_entry_key(self, field):
        if not re.fullmatch(r"[0-9a-f]{32}", field.data or ""):
            raise ValidationError("This detainee entry is out of date. Reload the page and check it.")

    def validate_custody_record_no(self, field):
        if not field.data:
            raise ValidationError("Enter the custody record number")
        # Its shape is the app's setting: VisitForm.check_record_numbers checks it.

    def validate(self, extra_validators=None):
        """Also require each raised flag's relevant questions, and the appropriate adult answer
        for a child or anyone strip searched."""
        ok = super().validate(extra_validators)
        ok = flags.check_form(self, minutes, MAX_MINUTES) and ok
        aa, child = self.checks.aa, self.is_child()
        carried = self.strip_search_answers.form.aa_present.data  # asked on the search, once
        if (child or self.strip_search.data == "yes" and not carried) and not aa.data:
            aa.errors = list(aa.errors) + [
                "Appropriate adult: select an answer (asked for a child and for anyone strip searched)"]
            ok = False
        elif child and aa.data == "not_needed":
            aa.errors = list(aa.errors) + [
                "Appropriate adult: a child always needs one. Say whether one was present, called "
                "or not called"]
            ok = False
        return ok

    def is_child(self):
        return self.age_band.data in codes.CHILD_AGE_BANDS or self.appears_under_18.data == "yes"

    def flag_raised(self, kind):
        """The child flag is not asked: a child by age band or appearance raises it."""
        return self.is_child() if kind == "child" else self[kind].data == "yes"

    def flag_implied(self, kind):
        """The answers a flag takes from the one appropriate adult answer (not over a strip
        search's own answer carried from a report made when it was asked)."""
        aa = self.checks.aa.data
        if kind == "strip_search" and self.strip_search_answers.form.aa_present.data:
            return {}
        return {name: by_aa[aa] for (k, name), by_aa in flags.FROM_VISIT_AA.items()
                if k == kind and aa in by_aa}

    def flag_answers(self):
        """{kind: answers} for the raised flags, keeping only the relevant questions."""
        return flags.raised_answers(self, minutes)

    def check_answers(self):
        """{question: answer} for the rights and welfare checks that were answered (with the
        appropriate adult, asked once)."""
        return {name: value for name, value in self.checks.data.items() if value}


# One yes/no question per flag, each followed by its sub-form of structured answers; the child
# flag has no question (an under-18 age band or appearance raises it).
# (WTForms lets fields be added to a form class after it is made.)
for _flag in flags.FLAGS:
    if _flag.kind != "child":
        setattr(DetaineeForm, _flag.kind, Radios(
            _flag.question, choices=YES_NO,
            message=f"Answer yes or no: {_flag.question[0].lower()}{_flag.question[1:]}"))
    setattr(DetaineeForm, f"{_flag.kind}_answers", FormField(VISIT_FLAG_FORMS[_flag.kind]))


class FacilitiesForm(Form):
    """One status (and a note for a concern) per facility item."""

    def validate(self, extra_validators=None):
        ok = super().validate(extra_validators)
        for item, label in q.FACILITY_ITEMS:
            if self[item].data == "concern" and not (self[f"{item}_note"].data or "").strip():
                self[f"{item}_note"].errors = [f"Say what the concern is: {label}"]
                ok = False
        return ok


for _item, _label in q.FACILITY_ITEMS:
    setattr(FacilitiesForm, _item, Radios(_label, choices=q.FACILITY_STATUSES, default="not_checked",
                                          message=f"Select OK, concern or not checked: {_label}"))
    setattr(FacilitiesForm, f"{_item}_note", StringField(
        # "Note about CCTV working", not "cCTV": lower-case the first letter only of a word
        f"Note about {_label if _label[:2].isupper() else _label[0].lower() + _label[1:]}", validators=[
            Length(max=500, message="A facility note must be 500 characters or fewer"), FreeText()]))


class IssueForm(Form):
    category = Choice("Category", choices=[("", "Select a category")] + q.ISSUE_CATEGORIES,
                      message="Select the category of the issue")
    description = text_area("What was the issue?", required="Describe the issue you raised")
    raised_with = StringField("Raised with (rank, not name)", description="For example, custody sergeant",
                              validators=[Length(max=100, message="Raised with must be 100 characters or fewer"),
                                          FreeText()])
    resolved_at_visit = Radios("Was it resolved during the visit?", choices=q.RESOLVED,
                               message="Select whether the issue was resolved during the visit")


class VisitForm(ChecksFreeText, FlaskForm):
    delay_limit = ADMISSION_DELAY_LIMIT  # for the page: app.js shows the delay's reason past it
    client_id = HiddenField()
    # The visit
    suite_id = Choice("Custody suite", coerce=optional_int, message="Select the custody suite you visited")
    visit_type = Radios("Type of visit", choices=q.VISIT_TYPES, default="routine",
                        message="Select the type of visit")
    visit_date = Date("Date of visit", validators=[InputRequired("Enter the date of the visit")],
                      invalid="Date of visit must be a real date, like 2026-11-22")
    arrival_time = Time("Time you arrived at the front counter",
                        validators=[InputRequired("Enter the time you arrived, like 14:30")],
                        invalid="Time you arrived must be a real time on the 24-hour clock, like 14:30")
    admitted_time = Time("Time you were let into the custody area", validators=[
        InputRequired("Enter the time you were let into the custody area, like 14:35")],
        invalid="Time you were let in must be a real time on the 24-hour clock, like 14:35")
    admission_delay_reason = text_area(
        "Reason for any delay in letting you in",
        hint=f"Needed if you waited more than {ADMISSION_DELAY_LIMIT} minutes")
    departure_time = Time("Time you left", validators=[
        InputRequired("Enter the time you left, like 15:45")],
        description="After midnight: the next morning's time",
        invalid="Time you left must be a real time on the 24-hour clock, like 15:45")
    partner_id = Choice("Who did you visit with?", coerce=str,
                        message="Select your visiting partner from the list, or 'I visited alone'")
    single_visitor_reason = text_area("Why did you visit alone?", hint="Needed if you visited alone")
    custody_officer = StringField("Custody officer on duty (rank and number)",
                                  description="For example, PS 1234", validators=[
                                      DataRequired("Enter the custody officer's rank and number, like PS 1234"),
                                      Length(max=40, message="Custody officer must be 40 characters or fewer"),
                                      FreeText()])
    # Counts
    in_custody = count("Detainees in custody")
    groups = FormField(GroupsForm)
    outcomes = FormField(OutcomesForm)
    not_seen_reasons = FormField(NotSeenForm)
    offered = count("Offered a visit")
    cells_in_use = count("Cells in use", required=False)
    cells_out_of_order = count("Cells out of order", required=False)
    # Detainees, facilities, issues
    detainees = FieldList(FormField(DetaineeForm), "Detainee", min_entries=0, max_entries=MAX_DETAINEES)
    facilities = FormField(FacilitiesForm)
    issues = FieldList(FormField(IssueForm), "Issue", min_entries=0, max_entries=MAX_ISSUES)
    good_practice = text_area("Good practice you saw (optional)")
    general_comments = text_area("Anything else (optional)")
    correction_reason = text_area("What are you correcting, and why?")

    def __init__(self, *args, correcting=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.correcting = correcting
        self.hint_record_numbers()

    def hint_record_numbers(self):
        """Each entry's custody record number hint gives the app's format's example."""
        hint = CUSTODY_RECORD_HINT.format(example=self.meta.privacy.record_number.example)
        for entry in self.detainees:
            entry.custody_record_no.description = hint

    def validate_client_id(self, field):
        try:
            uuid.UUID(field.data or "")
        except ValueError:
            raise ValidationError("This form is out of date. Reload the page and enter the report again.")

    def validate_visit_date(self, field):
        if field.data is None:
            return
        days_ago = (london_today() - field.data).days
        if days_ago < 0:
            raise ValidationError("The date of the visit must be today or in the past")
        if days_ago > MAX_REPORT_AGE_DAYS:
            raise ValidationError("The date of the visit must be within the last year")

    def span(self, end):
        """UTC (arrival, end) if the date and arrival are usable, else None."""
        if self.visit_date.errors or not (self.visit_date.data and self.arrival_time.data and end):
            return None
        return span_to_utc(self.visit_date.data, self.arrival_time.data, end)

    def delay_minutes(self):
        """Minutes from arriving to being let in, or None if the times are not usable."""
        span = self.span(self.admitted_time.data)
        return None if span is None else round((span[1] - span[0]).total_seconds() / 60)

    def validate_admitted_time(self, field):
        span, left = self.span(field.data), self.span(self.departure_time.data)
        if span and left and span[1] > left[1]:
            raise ValidationError("The time you were let in must be before the time you left")

    def validate_admission_delay_reason(self, field):
        delay = self.delay_minutes()
        if delay is not None and delay > ADMISSION_DELAY_LIMIT and not (field.data or "").strip():
            raise ValidationError(f"You waited {delay} minutes to be let in: say why (a wait of more "
                                  f"than {ADMISSION_DELAY_LIMIT} minutes needs a reason)")

    def validate_departure_time(self, field):
        span = self.span(field.data)
        if span is None:
            return
        if field.data == self.arrival_time.data:
            raise ValidationError("The time you left must be after the time you arrived")
        hours = (span[1] - span[0]).total_seconds() / 3600
        if hours > MAX_VISIT_HOURS:
            raise ValidationError(
                f"The time you left is {hours:.0f} hours after the time you arrived. Visits last at "
                f"most {MAX_VISIT_HOURS} hours: check both times (use 24-hour times, like 14:30)")
        if span[1] > utcnow():
            raise ValidationError("The time you left is in the future: check the date and times")

    def validate_single_visitor_reason(self, field):
        if self.partner_id.data == "alone" and not (field.data or "").strip():
            raise ValidationError("Say why you visited alone (visits are normally made in pairs)")

    def validate_correction_reason(self, field):
        if self.correcting and not (field.data or "").strip():
            raise ValidationError("Say what you are correcting and why")

    def counts(self):
        """{name: number} of every count on the form (blank optional counts are 0)."""
        found = {name: self[name].data or 0
                 for name in ("in_custody", "offered", "cells_in_use", "cells_out_of_order")}
        for sub, prefix in ((self.groups, ""), (self.outcomes, ""), (self.not_seen_reasons, "not_seen_")):
            found.update({prefix + name: f.data or 0 for name, f in sub.form._fields.items()})
        return found

    def count_field(self, name):
        """The field behind a name from counts()."""
        if name.startswith("not_seen_"):
            return self.not_seen_reasons[name[len("not_seen_"):]]
        for sub in (self.groups, self.outcomes):
            if name in sub.form._fields:
                return sub[name]
        return self[name]

    def validate(self, extra_validators=None):
        """Field checks, then the cross-checks between counts and detainee entries."""
        ok = super().validate(extra_validators)
        ok = self.check_record_numbers() and ok
        if any(self.count_field(name).errors for name in self.counts()):
            return False  # cross-checks need every number
        return self.cross_check() and ok

    def check_record_numbers(self):
        """Each custody record number in the app's format (icv/privacy.py RecordFormat), stored
        as the format writes it; anything else is refused with the shape it should have."""
        ok, shape = True, self.meta.privacy.record_number
        for entry in self.detainees:
            field = entry.custody_record_no
            if field.errors or not field.data:
                continue
            found = shape.normalise(field.data)
            if found is not None:
                field.data = found
                continue
            field.errors = list(field.errors) + [
                f"Enter the custody record number, not a name. It looks {shape.described()}"
                if looks_like_a_name(field.data) else
                f"The custody record number must look {shape.described()}"]
            ok = False
        return ok

    def cross_check(self):
        c, ok = self.counts(), True
        total = c["in_custody"]

        def fail(name, message):
            nonlocal ok
            field = self.count_field(name) if name != "detainees" else self.detainees
            field.errors = list(field.errors) + [message]
            ok = False

        for name, label, _ in q.GROUP_COUNTS:
            if c[name] > total:
                fail(name, f"{label} ({c[name]}) cannot be more than the number in custody ({total})")
        outcome = sum(c[n] for n, _ in q.OUTCOME_COUNTS)
        if outcome != total:
            parts = " + ".join(f"{label.split(' (')[0].lower()} {c[n]}" for n, label in q.OUTCOME_COUNTS)
            fail("spoke_with", f"{parts} = {outcome}, but {total} were in custody: these four numbers "
                               "must add up to the number in custody")
        if c["offered"] > total:
            fail("offered", f"Offered a visit ({c['offered']}) cannot be more than the number in custody ({total})")
        elif c["spoke_with"] + c["declined"] > c["offered"]:
            fail("offered", f"You spoke with {c['spoke_with']} and {c['declined']} declined, so at least "
                            f"{c['spoke_with'] + c['declined']} were offered a visit, not {c['offered']}")
        reasons = sum(c[f"not_seen_{n}"] for n, _ in q.NOT_SEEN_REASONS)
        if reasons != c["not_seen"]:
            fail("not_seen", f"The reasons for not seeing detainees add up to {reasons}, but you entered "
                             f"{c['not_seen']} not seen: give a reason for each one")
        entries = self.detainees.entries
        if len(entries) > total:
            fail("detainees", f"You added {len(entries)} detainees but entered {total} in custody: "
                              "check the number in custody or remove a detainee")
        for consent, name in (("yes", "spoke_with"), ("declined", "declined"),
                              ("observed_only", "observed_only")):
            n = sum(1 for e in entries if e.consent.data == consent)
            if n > c[name]:
                label = dict(q.OUTCOME_COUNTS)[name].split(" (")[0].lower()
                fail(name, f"{n} detainee entries say '{dict(q.CONSENT)[consent]}', but you entered "
                           f"{c[name]} for '{label}'")
        children = sum(1 for e in entries if e.form.is_child())
        if children > c["children"]:
            fail("children", f"{children} detainee entries are children, but you entered "
                             f"{c['children']} children in custody")
        records = [e.custody_record_no.data for e in entries
                   if e.custody_record_no.data and not e.custody_record_no.errors]
        repeated = sorted({r for r in records if records.count(r) > 1})
        if repeated:
            fail("detainees", f"Custody record number {repeated[0]} is entered twice: "
                              "remove one of the two detainees")
        keys = [e.entry_key.data for e in entries]
        if len(set(keys)) != len(keys):  # only a changed page sends this; saving would merge two
            fail("detainees", "Two detainee entries arrived as the same entry, so the page was "
                              "changed: open the report again from My reports and check them")
        return ok
