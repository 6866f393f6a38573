"""Review batches: a coordinator sets up a session (date and suite), adds the references of
the redacted records to review with why each was sampled, and gives each record to a reviewer
or a pair of ICVs who may review (trained, vetting in date). The custody team can look.
The redacted records themselves stay outside the app: only their references are typed here.
"""
from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from wtforms import StringField
from wtforms.validators import InputRequired, Length, ValidationError

from .. import audit, suites
from ..auth import COORDINATORS, STAFF, role_required
from ..db import get_db, writing
from ..forms import ChecksFreeText, Choice, Date, FlaskForm, FreeText, options, optional_int
from ..main import form_meta
from ..privacy import looks_like_a_name
from ..times import london_today
from . import questions as q
from . import store
from .forms import OptionalChoice
from .views import bp  # the batch pages are reviews' pages too (create_app imports this module)

NO_BATCH = "There is no review batch with that number."
# A reference to the redacted record, never a name: its custody record number (redaction takes
# out names, dates of birth and addresses, not the number that identifies the record), or where
# the installation set REDACTED_REF_FORMAT, the redacted copy's own reference in that shape
# (icv/privacy.py Settings.record_ref). No free shape: "Smith1990" would pass one.
RECORD_REF_HINT = "The custody record number on the redacted copy, like {example}. Never a name."


class BatchForm(ChecksFreeText, FlaskForm):
    suite_id = Choice("Custody suite", coerce=optional_int, message="Select the custody suite")
    session_date = Date("Date of the review session", validators=[InputRequired(
        "Enter the date of the review session")], description="For example, 2026-11-22",
        invalid="The date of the review session must be a real date, like 2026-11-22")
    note = StringField("Note (optional)", description="For example, the room or the theme of the sample",
                       validators=[Length(max=200, message="The note must be 200 characters or fewer"),
                                   FreeText()])

    def validate_session_date(self, field):
        if field.data and abs((field.data - london_today()).days) > 366:
            raise ValidationError("The date of the review session must be within a year of today")


class AssignForm(FlaskForm):
    reviewer = Choice("Reviewer", coerce=optional_int, message="Select the reviewer")
    partner = OptionalChoice("Second reviewer (optional, for a pair)", coerce=optional_int,
                             message="Select the second reviewer from the list, or 'No second reviewer'")

    def __init__(self, *args, eligible=(), **kwargs):
        super().__init__(*args, **kwargs)
        people = [(str(uid), name) for uid, name in eligible]
        self.reviewer.choices = options([("", "Select a reviewer")] + people)
        self.partner.choices = options([("", "No second reviewer")] + people)

    def validate_partner(self, field):
        if field.data is not None and field.data == self.reviewer.data:
            raise ValidationError("Select two different reviewers for a pair, or 'No second reviewer'")

    def reviewers(self):
        return [r for r in (self.reviewer.data, self.partner.data) if r]


class RecordForm(AssignForm):
    record_ref = StringField("Redacted record reference", description=RECORD_REF_HINT.format(
                                 example="01CX/12345/26"), filters=[lambda v: (v or "").strip().upper()],
                             render_kw={"autocomplete": "off", "spellcheck": "false",
                                        "autocapitalize": "characters"})
    sample_reason = Choice("Why it was sampled", choices=[("", "Select a reason")] + q.SAMPLE_REASONS,
                           message="Select why the record was sampled")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.record_ref.description = RECORD_REF_HINT.format(example=self.meta.privacy.record_number.example)

    def validate_record_ref(self, field):
        """A custody record number (or a redacted copy's reference, if set), stored as its
        format writes it; anything else is refused with the shape it should have."""
        settings = self.meta.privacy
        if not field.data:
            raise ValidationError("Enter the redacted record's reference")
        found = settings.record_ref(field.data)
        if found is not None:
            field.data = found
            return
        shapes = settings.record_number.described() + (
            f", or the redacted copy's reference {settings.redacted_ref.described()}"
            if settings.redacted_ref else "")
        if looks_like_a_name(field.data):
            raise ValidationError(f"Enter the record's reference, not a name. It looks {shapes}")
        raise ValidationError(f"The reference must look {shapes}")


def batch_or_404(db, batch_id):
    return store.get_batch(db, batch_id) or abort(404, NO_BATCH)


def eligible(db):
    return store.eligible_reviewers(db, london_today())


def render_batch(db, batch, form=None, status=200):
    manager = current_user.has_role(*COORDINATORS)
    if manager and form is None:
        form = RecordForm(eligible=eligible(db), meta=form_meta())
    return render_template("reviews/batch.html", batch=batch, form=form if manager else None,
                           records=store.records_for_batch(db, batch["id"]),
                           reasons=dict(q.SAMPLE_REASONS)), status


@bp.route("/batches/")
@role_required(*STAFF)
def batches():
    """Review batches, newest session first."""
    return render_template("reviews/batches.html", batches=store.batches(get_db()))


@bp.route("/batches/new", methods=["GET", "POST"])
@role_required(*COORDINATORS)
def new_batch():
    """Set up a review session: its date and suite."""
    db = get_db()
    form = BatchForm(meta=form_meta())
    form.suite_id.choices = options([("", "Select a custody suite")] + suites.visitable(db))
    if form.validate_on_submit():
        batch_id = store.create_batch(db, form.suite_id.data, form.session_date.data, current_user.id,
                                      form.note.data)
        flash("Batch created. Now add the records to review.")
        return redirect(url_for("reviews.batch", batch_id=batch_id))
    return render_template("reviews/new_batch.html", form=form), 400 if form.is_submitted() else 200


@bp.route("/batches/<int:batch_id>")
@role_required(*STAFF)
def batch(batch_id):
    """A batch: its records, who reviews each, and (for coordinators) a form to add one."""
    db = get_db()
    found = batch_or_404(db, batch_id)
    with writing(db):
        audit.log(db, current_user.id, "view", "review_batch", batch_id, address=request.remote_addr)
    return render_batch(db, found)


@bp.route("/batches/<int:batch_id>/records", methods=["POST"])
@role_required(*COORDINATORS)
def add_record(batch_id):
    """Add a record's reference, why it was sampled and its reviewer or pair."""
    db = get_db()
    found = batch_or_404(db, batch_id)
    form = RecordForm(eligible=eligible(db), meta=form_meta())
    if not form.validate_on_submit():
        return render_batch(db, found, form, 400)
    try:
        store.add_record(db, batch_id, form.record_ref.data, form.sample_reason.data, form.reviewers(),
                         current_user.id)
    except store.DuplicateRecord:
        form.record_ref.errors = [f"{form.record_ref.data} is already in this batch"]
        return render_batch(db, found, form, 400)
    flash(f"Added {form.record_ref.data}.")
    return redirect(url_for("reviews.batch", batch_id=batch_id, _anchor="records"))


@bp.route("/records/<int:record_id>/assign", methods=["GET", "POST"])
@role_required(*COORDINATORS)
def assign(record_id):
    """Give a record to another reviewer or pair (while it is not submitted)."""
    db = get_db()
    record = store.get_record(db, record_id) or abort(404, "There is no record with that number.")
    if record["status"] == "submitted":
        abort(409, "This record's review has been submitted, so its reviewers cannot change.")
    current = store.reviewers_of(db, record_id)
    people = eligible(db)
    form = AssignForm(eligible=people, data={"reviewer": current[0][0] if current else None,
                                             "partner": current[1][0] if len(current) > 1 else None})
    if form.validate_on_submit():
        store.assign(db, record_id, form.reviewers(), current_user.id)
        flash(f"Reviewers of {record['record_ref']} changed.")
        return redirect(url_for("reviews.batch", batch_id=record["batch_id"], _anchor="records"))
    return render_template("reviews/assign.html", form=form, record=record, current=current,
                           batch=store.get_batch(db, record["batch_id"])), 400 if form.is_submitted() else 200
