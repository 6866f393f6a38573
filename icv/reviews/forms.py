"""The custody record review form, and the small forms of batches and assignments.

Times are London clock times typed on a phone. A time is read on the same day as the step it
follows, or the next day if it is earlier; a date is needed only beyond that (derive.resolve).
Cross-checks say in plain words which two times disagree, next to the field.
"""
from datetime import timedelta

from wtforms import Field, FieldList, FormField, HiddenField, RadioField, SelectMultipleField, StringField
from wtforms.validators import InputRequired, Length, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from .. import codes, flags
from ..forms import ChecksFreeText, Choice, Date, FlaskForm, Form, FreeText, Radios, Time, options
from ..times import format_london, london, to_iso, utcnow
from ..visits.fields import MAX_MINUTES, YES_NO, answers_form, minutes, text_area
from . import derive, wording
from . import questions as q

MAX_REVIEWS = 20
MAX_DAYS_IN_CUSTODY = 14  # TACT detention; anything longer is a typing slip
RECORD_AGE_DAYS = 366  # a record reviewed at a session is at most a year old: older is a typing slip
WHEN = "%a %-d %b, %H:%M"


class OptionalChoice(Choice):
    """A select that may be left on its empty first option."""

    def pre_validate(self, form):
        if self.data not in (None, ""):
            super().pre_validate(form)


class Checkboxes(SelectMultipleField):
    """Tick boxes with a plain message for a tampered value."""
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()

    def pre_validate(self, form):
        known = {c[0] for c in q.VULNERABILITY_MARKERS}
        if any(v not in known for v in self.data or ()):
            raise ValidationError("Tick only the markers listed")


MISSING = {"arrived": "Enter the time of arrival at the police station, like 14:30",
           "detention_authorised": "Enter the time detention was authorised, like 14:30",
           "released": "Enter the time of release or transfer, like 14:30"}


def _time(event):
    hint = event.hint
    if event.after and event.after != ("*",) and event.name != "arrived":
        follows = q.EVENTS[event.after[0]].label.lower() if event.after[0] in q.EVENTS else "the last review"
        hint = (hint + ". " if hint else "") + f"Earlier than '{follows}' means the next day"
    elif event.after == ("*",):
        hint = "Earlier than the latest time above means the next day"
    required = [InputRequired(MISSING[event.name])] if event.required else [Optional()]
    return Time(event.label, description=hint, validators=required,
                invalid=f"{event.label} must be a real time on the 24-hour clock, like 14:30")


def _date(event):
    if event.name == "arrived":
        return Date("Date of arrival", validators=[InputRequired("Enter the date of arrival")],
                    description="As on the record. For example, 2026-11-22",
                    invalid="Date of arrival must be a real date, like 2026-11-22")
    return Date(f"Date: {event.label.lower()}", validators=[Optional()],
                description="Only if it is not the day read above",
                invalid=f"The date for '{event.label.lower()}' must be a real date, like 2026-11-22")


TimelineForm = type("TimelineForm", (Form,), {
    **{e.name: _time(e) for e in q.TIMELINE}, **{f"{e.name}_date": _date(e) for e in q.TIMELINE},
    "legal_advice_delay_authorised": RadioField(
        "Was a delay in legal advice authorised under Annex B?", choices=options(YES_NO),
        validators=[Optional()], validate_choice=False, default="no"),
})


class DetentionReviewForm(Form):
    due = Time("Due (as the record says)", validators=[Optional()],
               invalid="The review's due time must be a real time, like 15:30")
    due_date = Date("Date due", validators=[Optional()], description="Only if not the day read",
                    invalid="The review's due date must be a real date, like 2026-11-22")
    done = Time("Done at", validators=[Optional()], description="Leave blank if it was not done",
                invalid="The time the review was done must be a real time, like 15:30")
    done_date = Date("Date done", validators=[Optional()], description="Only if not the day read",
                     invalid="The date the review was done must be a real date, like 2026-11-22")
    postponed_reason = StringField("Reason recorded for postponing it (if any)", validators=[
        Length(max=300, message="The reason for postponing must be 300 characters or fewer"), FreeText()])
    representations = RadioField("Were the detainee or their solicitor invited to make representations?",
                                 choices=options(q.REPRESENTATIONS), validators=[Optional()],
                                 validate_choice=False)


def grades_form(name, items, choices, message):
    return type(name, (Form,), {n: Radios(label, choices=choices, message=message.format(label=label))
                                for n, label in items})


CareChecksForm = grades_form("CareChecksForm", q.CARE_CHECKS, q.GRADES,
                             "Grade '{label}', or choose 'Not applicable'")
QualityForm = grades_form("QualityForm", q.RECORD_QUALITY, q.QUALITY, "Answer '{label}'")


class Fixed(Field):
    """An answer a review never asks (wording.FIXED): whatever is posted, it holds its value."""

    def __init__(self, label=None, validators=None, value="", **kwargs):
        super().__init__(label, validators, **kwargs)
        self.value = value

    def process(self, formdata, data=None, extra_filters=None):
        self.data = self.object_data = self.value
        self.raw_data, self.process_errors = [], []


def review_answers_form(flag):
    """A flag's answers sub-form in the record's words, its FIXED answers held but not asked."""
    asked = answers_form(f"review_{flag.kind}_form", flag.questions)
    fixed = {n: Fixed(value=v) for n, v in wording.FIXED.items()
             if any(x.name == n for x in flags.BY_KIND[flag.kind].questions)}
    return type(f"review_{flag.kind}_answers", (asked,), fixed)


class FlagsForm(Form):
    """The flags of icv/flags.py, as on a visit's detainee entry, asked in the record's words
    (wording.py): the same names and codes, so the rules read them alike."""

    under_18 = False  # set by ReviewForm from the age band

    def validate(self, extra_validators=None):
        ok = super().validate(extra_validators)
        for flag in wording.FLAGS:  # flags.check_form, with the messages in the record's words
            if self[flag.kind].data != "yes":
                continue
            sub = self[f"{flag.kind}_answers"].form
            given = {n: f.data for n, f in sub._fields.items()}
            for name, message in flags.answer_errors(flag, given, minutes, MAX_MINUTES).items():
                sub[name].errors = [message]
                ok = False
        if self.under_18 and self.child.data == "no":
            self.child.errors = list(self.child.errors) + [
                "The age band is under 18, so answer yes: the detainee is a child"]
            ok = False
        return ok

    def answers(self):
        """{kind: answers} of the raised flags, keeping only the questions that apply."""
        return flags.raised_answers(self, minutes)


for _flag in wording.FLAGS:
    question = _flag.question
    setattr(FlagsForm, _flag.kind, Radios(question, choices=YES_NO,
                                          message=f"Answer yes or no: {question[0].lower()}{question[1:]}"))
    setattr(FlagsForm, f"{_flag.kind}_answers", FormField(review_answers_form(_flag)))


class ReviewForm(ChecksFreeText, FlaskForm):
    client_id = HiddenField()
    # The record
    age_band = Choice("Age band", choices=[("", "Select an age band")] + codes.AGE_BANDS,
                      message="Select the age band on the record")
    gender = Radios("Gender", choices=codes.GENDERS, message="Select the gender, or 'Not stated'")
    ethnicity = Choice("Self-defined ethnicity (as on the record)",
                       choices=[("", "Select an ethnicity")] + codes.ETHNICITY_CHOICES,
                       message="Select the self-defined ethnicity, or 'Not stated'")
    ic_code = OptionalChoice("Officer-observed ethnicity code (optional)",
                     choices=[("", "Not on the record")] + q.IC_CODES, message="Select an IC code")
    markers = Checkboxes("Vulnerability markers on the record", choices=options(q.VULNERABILITY_MARKERS),
                         description="Tick all that apply", validate_choice=False)
    disposal = Radios("Disposal", choices=q.DISPOSALS, message="Select the disposal category",
                      description="The category only: never the offence")
    # Times and reviews
    times = FormField(TimelineForm)
    reviews = FieldList(FormField(DetentionReviewForm), "Detention review", min_entries=0, max_entries=MAX_REVIEWS)
    # Care, flags, quality and grade
    care = FormField(CareChecksForm)
    flags = FormField(FlagsForm)
    quality = FormField(QualityForm)
    overall_grade = Radios("Overall grade", choices=q.OVERALL_GRADES,
                           message="Select the overall grade of the record")
    comments = text_area("Comments (optional)", hint="What the record shows that the answers above do not. "
                         "No names, dates of birth or offences.")

    def __init__(self, *args, session_date=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.session_date = session_date
        for field, _, arrival in self.date_fields():  # a phone's date picker opens in the window
            first, last = self.date_window(arrival)
            if first is not None:
                field.render_kw = {**(field.render_kw or {}), "min": first.isoformat(), "max": last.isoformat()}

    def validate(self, extra_validators=None):
        self.flags.form.under_18 = self.age_band.data in codes.CHILD_AGE_BANDS
        ok = super().validate(extra_validators)
        ok = self.check_dates() and ok
        return self.check_times() and ok

    # Dates -------------------------------------------------------------------------------

    def date_fields(self):
        """(field, what it is the date of, is it the arrival date) of every date box."""
        t = self.times.form
        found = [(t[f"{e.name}_date"], e.label.lower(), e.name == "arrived") for e in q.TIMELINE]
        for i, r in enumerate(self.reviews):
            found += [(r.due_date, f"review {i + 1} due", False), (r.done_date, f"review {i + 1} done", False)]
        return found

    def date_window(self, arrival):
        """(first, last) date a date box may hold: from a year before the review session to the
        session (arrival) or a detention's length after it (anything else). None without a session."""
        if self.session_date is None:
            return None, None
        first = self.session_date - timedelta(days=RECORD_AGE_DAYS)
        return first, self.session_date + timedelta(days=0 if arrival else MAX_DAYS_IN_CUSTODY)

    def check_dates(self):
        """Every date typed is in its window around the session: a year like 0001 or 9999 is a
        slip, said in plain words next to the box."""
        ok = True
        for field, what, arrival in self.date_fields():
            first, last = self.date_window(arrival)
            day = field.data
            if field.errors or day is None or first is None or first <= day <= last:
                continue
            session = f"{self.session_date:%-d %b %Y}"
            if arrival and day > last:
                field.errors = [f"The date of arrival is after the review session ({session}): check it"]
            elif arrival:
                field.errors = [f"The date of arrival is more than a year before the review session "
                                f"({session}): check the year"]
            else:
                field.errors = [f"The date for '{what}' must be between {first:%-d %b %Y} and {last:%-d %b %Y}, "
                                f"around the review session ({session}): check the year"]
            ok = False
        return ok

    # Times -------------------------------------------------------------------------------

    def steps(self):
        """(key, clock, date, after, field) of every typed time, in the order they are read."""
        t = self.times.form
        found = [(e.name, t[e.name].data, t[f"{e.name}_date"].data, e.after, t[e.name])
                 for e in q.TIMELINE if e.name not in AFTER_REVIEWS]
        before = "detention_authorised"
        for i, r in enumerate(self.reviews):
            found.append((f"review-{i}-due", r.due.data, r.due_date.data, (before,), r.due))
            found.append((f"review-{i}-done", r.done.data, r.done_date.data, (before,), r.done))
            if r.done.data:
                before = f"review-{i}-done"
        for e in q.TIMELINE:
            if e.name in AFTER_REVIEWS:
                after = tuple(before if a == "reviews" else a for a in e.after)
                if after == ("*",):  # the latest time that happened: not a deadline, due or not
                    after = tuple(k for k, *_ in found if k != "warrant_until" and not k.endswith("-due"))
                found.append((e.name, t[e.name].data, t[f"{e.name}_date"].data, after, t[e.name]))
        return found

    def resolved(self):
        """{key: UTC instant} of the times, read as derive.resolve reads them."""
        return derive.resolve([(k, clock, day, after) for k, clock, day, after, _ in self.steps()])

    def read_as(self):
        """{field id: 'Tue 12 Nov, 02:10 (day 2)'}: how each time was read, shown under it."""
        found, shown = self.resolved(), {}
        if "arrived" not in found:
            return shown
        first = london(found["arrived"]).date()
        for key, _, _, _, field in self.steps():
            if key in found and key != "arrived":
                day = (london(found[key]).date() - first).days + 1
                shown[field.id] = format_london(found[key], WHEN) + (f" (day {day})" if day > 1 else "")
        return shown

    def check_times(self):
        """Times in order: nothing before arrival or after release, each pair the right way
        round, reviews after detention was authorised, nothing in the future."""
        if any(f.errors for *_, f in self.steps()) or any(f.errors for f, *_ in self.date_fields()):
            return False
        found, fields, ok = self.resolved(), {k: f for k, *_, f in self.steps()}, True
        labels = {k: q.EVENTS[k].label if k in q.EVENTS else review_label(k) for k in fields}

        def fail(key, message):
            nonlocal ok
            if not fields[key].errors:
                fields[key].errors = [message]
            ok = False

        def when(key):
            return format_london(found[key], WHEN)

        arrived, released, authorised = found.get("arrived"), found.get("released"), found.get("detention_authorised")
        for key in found:
            if key.startswith("review-") and authorised and found[key] < authorised:
                fail(key, f"{labels[key]} ({when(key)}) is before detention was authorised "
                          f"({when('detention_authorised')}): a review cannot be due or done before it")
        for key in found:
            if key != "arrived" and arrived and found[key] < arrived:
                fail(key, f"{labels[key]} ({when(key)}) is before arrival at the station ({when('arrived')}): "
                          "check the time and its date")
        if released and not (arrived and released < arrived):  # else that is the one thing to fix
            for key in found:
                if key not in ("released", "warrant_until") and found[key] > released:
                    fail(key, f"{labels[key]} ({when(key)}) is after release ({when('released')}): "
                              "check the time and its date")
        for later, earlier in ORDER:
            if later in found and earlier in found and found[later] < found[earlier]:
                fail(later, f"{labels[later]} ({when(later)}) is before {labels[earlier].lower()} "
                            f"({when(earlier)}): check both times")
        if arrived and released and (released - arrived).days >= MAX_DAYS_IN_CUSTODY:
            fail("released", f"Release is {(released - arrived).days} days after arrival: check the dates "
                             f"(police detention is at most {MAX_DAYS_IN_CUSTODY} days)")
        future = [k for k in found if found[k] > utcnow()]
        for key in future:
            fail(key, f"{labels[key]} ({when(key)}) is in the future: check the time and its date")
        return ok

    # The review as data ---------------------------------------------------------------------

    def review(self):
        """The plain review a valid form describes (times as stored UTC text). A detention
        review left wholly blank is left out."""
        found = self.resolved()
        reviews = [{"due": found.get(f"review-{i}-due"), "done": found.get(f"review-{i}-done"),
                    "postponed_reason": (r.postponed_reason.data or "").strip(),
                    "representations": r.representations.data or ""} for i, r in enumerate(self.reviews)]
        reviews = [r for r in reviews if any(r.values())]
        return {
            "age_band": self.age_band.data, "gender": self.gender.data, "ethnicity": self.ethnicity.data,
            "ic_code": self.ic_code.data or None, "markers": list(self.markers.data or []),
            "disposal": self.disposal.data,
            "times": {e.name: to_iso(found[e.name]) for e in q.TIMELINE if e.name in found},
            "legal_advice_delay_authorised": self.times.form.legal_advice_delay_authorised.data or "no",
            "reviews": [{**r, "due": r["due"] and to_iso(r["due"]), "done": r["done"] and to_iso(r["done"])}
                        for r in reviews],
            "care_checks": dict(self.care.data), "flags": self.flags.form.answers(),
            "record_quality": dict(self.quality.data), "overall_grade": self.overall_grade.data,
            "comments": (self.comments.data or "").strip(),
        }


AFTER_REVIEWS = {"superintendent_extension", "warrant", "warrant_until", "charge_or_disposal", "released"}
# (later, earlier): pairs that must be the right way round whatever dates were typed.
ORDER = [("booked_in", "arrived"), ("detention_authorised", "booked_in"),
         ("legal_advice_consulted", "legal_advice_requested"), ("aa_arrived", "aa_called"),
         ("hcp_seen", "hcp_referred"), ("warrant", "superintendent_extension"),
         ("warrant_until", "warrant")]


def review_label(key):
    _, n, part = key.split("-")
    return f"Review {int(n) + 1} {'due' if part == 'due' else 'done'}"
