"""Custody record review pages for reviewers: My reviews, the review form (a draft until
submitted, saved like a visit report), check your answers, submit, and the review's page.

Only an ICV marked trained whose vetting is in date may review, and only the records assigned
to them; coordinators, the custody team and admins read submitted reviews. Every opening of a
review is written to the audit log. Batches and assignments: batches.py.
"""
import json
import uuid
from datetime import date

from flask import (Blueprint, abort, flash, jsonify, make_response, redirect, render_template, request,
                   url_for)
from flask_login import current_user
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import NotFound

from .. import codes, rulebook
from ..escalations import queries as escalations
from ..auth import STAFF, on_expired_post, role_required
from ..db import get_db
from ..main import keeps_input
from ..times import format_london, london_today, now_iso
from ..visits.store import draft_fields
from ..visits.views import parse_client_id
from . import derive, questions, store
from .forms import ReviewForm
from .differences import BASE, differences, field_labels
from .summary import sections

bp = Blueprint("reviews", __name__, url_prefix="/reviews")

NOT_ASSIGNED = ("This review is assigned to other reviewers, not you. Ask your coordinator if it "
                "should be yours.")
NOT_FOUND = "There is no custody record review at that address."
REMOVABLE = "reviews-"
CHANGED_SINCE_CHECKED = "Your draft changed after you checked it (perhaps your partner saved it). Check it again."


@bp.app_context_processor
def review_vocabulary():
    return {"review_questions": questions}


def review_client_id(client_id):
    """The canonical text of a review's client-made id; 404 in a review's words if it is none."""
    try:
        return parse_client_id(client_id)
    except NotFound:
        abort(404, NOT_FOUND)


def typed_fields(formdata):
    """What the person typed, as the draft keeps it: without the token, button or base revision."""
    return [f for f in draft_fields(formdata) if f[0] != BASE]


def posted_base():
    """The draft revision the posted page was based on; 0 if it says none (a page from before
    pages said: only a draft nobody else has saved can take it)."""
    try:
        return max(0, int(request.form.get(BASE, "0")))
    except ValueError:
        return 0


def refuse_if_ineligible(db):
    """403 with the reason when the signed-in ICV may not review records today."""
    allowed, why = store.eligibility(db, current_user.id, london_today())
    if not allowed:
        abort(403, why)


def refusal(db, review):
    """Why the signed-in person may not write this review, or None."""
    allowed, why = store.eligibility(db, current_user.id, london_today())
    if not allowed:
        return why
    return None if current_user.id in review["reviewer_ids"] else NOT_ASSIGNED


def review_to_write(db, client_id, keep_typing=False):
    """The review at this address, for one of its reviewers while they may review. Refused,
    a posted form is shown back (403) so nothing typed is lost; nothing of the record is."""
    review = store.get_review(db, client_id=review_client_id(client_id)) or abort(404, NOT_FOUND)
    why = refusal(db, review)
    if why and keep_typing and request.method == "POST":
        abort(make_response(render_template("reviews/refused.html", why=why,
                                            typed=typed(review_form(review))), 403))
    if why:
        abort(403, why)
    return review


def typed(form):
    """(label, value) of every box the person filled in, to show back when a save is refused."""
    labels, found = {}, []

    def walk(fields):
        for f in fields:
            if f.type == "FormField":
                walk(f.form)
            elif f.type == "FieldList":
                for entry in f.entries:
                    walk(entry.form)
            labels[f.name] = f.label.text
    walk(form)
    for name, value in typed_fields(request.form):
        if value.strip() and name != "client_id":
            found.append((labels.get(name, name), value))
    return found


def review_to_read(db, review_id):
    """The review: its assigned reviewers (while they may review) and staff may read it."""
    review = store.get_review(db, review_id) or abort(404, "There is no custody record review with that number.")
    if current_user.has_role("icv"):
        if current_user.id not in review["reviewer_ids"]:
            abort(403, "Only the reviewers assigned to this record, coordinators, the custody team "
                       "and admins can open this review.")
        refuse_if_ineligible(db)
    return review


def review_form(review, formdata=None, csrf=True):
    kwargs = {} if csrf else {"meta": {"csrf": False}}
    if formdata is not None:
        kwargs["formdata"] = formdata
    return ReviewForm(session_date=date.fromisoformat(review["session_date"]), **kwargs)


def render_form(form, review, draft, status=200, focus=None, conflict=None, base=None):
    """The review form. `base` is the draft revision the page's answers are based on: the
    draft's own unless the page shows a post back that was not saved (a stale token)."""
    base = (draft["revision"] if draft else 0) if base is None else base
    return render_template("reviews/form.html", form=form, review=review, draft=draft, focus=focus,
                           conflict=conflict, base=base, read_as=form.read_as(),
                           sample=codes.label(questions.SAMPLE_REASONS, review["sample_reason"])), status


def conflict(form, review, saved, fields):
    """The form as posted, not saved, because the other reviewer saved the draft after this page
    was opened: what was typed stays in the boxes, and a list shows each answer that differs
    from the saved draft. The page is based on their revision now, so saving it is a choice
    made having seen theirs."""
    theirs = json.loads(saved["fields"])
    labels = field_labels(form, review_form(review, MultiDict(theirs), csrf=False))
    found = {"by": saved_by(saved), "at": saved["updated_at"], "changes": differences(labels, fields, theirs)}
    return render_form(form, review, saved, 409, conflict=found)


def saved_by(saved):
    """Who saved the draft last, in words: the partner's name, or you on another page (your
    saves after the partner's, elsewhere, include theirs; this page's do not)."""
    if saved["updated_by"] == current_user.id:
        return "You (on another page or phone)"
    return saved["updated_by_name"] or "Your partner"


def conflict_message(saved):
    return (f"Not saved: {saved_by(saved)} saved this review at {format_london(saved['updated_at'], '%H:%M')}, "
            "after your page was opened. What you typed is kept on this phone.")


@bp.route("/")
@role_required("icv")
def mine():
    """My reviews: the records assigned to me, drafts first."""
    db = get_db()
    refuse_if_ineligible(db)
    return render_template("reviews/mine.html", reviews=store.my_reviews(db, current_user.id),
                           reasons=dict(questions.SAMPLE_REASONS))


@bp.route("/drafts/<client_id>", methods=["GET", "POST"])
@role_required("icv")
@keeps_input
def draft(client_id):
    """The review form: save, add or remove a detention review, check, or submit."""
    db = get_db()
    review = review_to_write(db, client_id, keep_typing=True)
    if review["status"] == "submitted":
        flash("This review has already been submitted: here it is. Nothing was sent twice.")
        return redirect(url_for("reviews.detail", review_id=review["id"]))
    saved = store.get_draft(db, review["id"])
    if request.method == "GET":
        store.opened(db, current_user.id, review["id"], "form")
        fields = json.loads(saved["fields"]) if saved else store.initial_fields(review)
        return render_form(review_form(review, MultiDict(fields)), review, saved)

    form = review_form(review)
    if form.client_id.data != review["client_id"]:
        abort(400, "This form does not match its address. Reload the page and check your answers.")
    if form.meta.csrf and not form.csrf_token.validate(form):  # a stale page: show it, save nothing
        return render_form(form, review, saved, 400, base=posted_base())
    typed, action = typed_fields(request.form), request.form.get("action", "save")
    removing = action[len("remove:"):] if action.startswith("remove:" + REMOVABLE) else None
    fields = [f for f in typed if not f[0].startswith(f"{removing}-")] if removing else typed
    try:  # every action first keeps what was typed, unless the other reviewer saved meanwhile
        revision = store.save_draft(db, review["id"], current_user.id, fields, posted_base())
    except store.StaleDraft as stale:
        return conflict(form, review, stale.draft, typed)
    if removing:
        form.reviews.entries = [e for e in form.reviews if e.name != removing]
        flash("Removed. Your draft is saved.")
        return render_form(form, review, store.get_draft(db, review["id"]))
    if action == "add_review":
        if len(form.reviews) >= form.reviews.max_entries:
            flash(f"A review can hold at most {form.reviews.max_entries} detention reviews. Your draft is saved.")
            return render_form(form, review, store.get_draft(db, review["id"]))
        form.reviews.append_entry()
        return render_form(form, review, store.get_draft(db, review["id"]), focus=form.reviews[-1].due.id)
    if action == "submit":  # the outbox sends a finished review in one go
        return submit_form(db, form, review, fields, revision, outbox=True)
    if action != "check":
        flash(f"Draft saved at {format_london(now_iso(), '%H:%M')}.")
        section = action.split(":", 1)[1] if ":" in action else "main-content"
        return redirect(url_for("reviews.draft", client_id=review["client_id"], _anchor=section))
    if not form.validate():
        return render_form(form, review, store.get_draft(db, review["id"]), 400)
    return redirect(url_for("reviews.check", client_id=review["client_id"]))


@bp.route("/drafts/<client_id>/autosave", methods=["POST"])
@role_required("icv")
def autosave(client_id):
    """Save what has been typed so far (static/app.js calls this as the reviewer moves on)."""
    db = get_db()
    review = store.get_review(db, client_id=review_client_id(client_id))
    if review is None:
        return jsonify(error="not_found", message=NOT_FOUND), 404
    allowed, why = store.eligibility(db, current_user.id, london_today())
    if not allowed or current_user.id not in review["reviewer_ids"]:
        return jsonify(error="refused", message=why or NOT_ASSIGNED), 403
    if review["status"] == "submitted":
        return jsonify(error="submitted", message="This review has already been submitted."), 409
    if request.form.get("client_id") != review["client_id"]:
        return jsonify(error="mismatch", message="This form does not match its draft."), 400
    try:
        revision = store.save_draft(db, review["id"], current_user.id, typed_fields(request.form), posted_base())
    except store.StaleDraft as stale:  # not "submitted": the phone keeps its copy and says why
        return jsonify(error="conflict", message=conflict_message(stale.draft),
                       revision=stale.draft["revision"]), 409
    return jsonify(revision=revision, saved_at=format_london(now_iso(), "%H:%M"))


def stored_form(review, saved):
    form = review_form(review, MultiDict(json.loads(saved["fields"])), csrf=False)
    return form, form.validate()


@bp.route("/drafts/<client_id>/check")
@role_required("icv")
def check(client_id):
    """Check your answers: what was typed, what the times imply and what submitting raises."""
    db = get_db()
    review = review_to_write(db, client_id)
    if review["status"] == "submitted":
        return redirect(url_for("reviews.detail", review_id=review["id"]))
    saved = store.get_draft(db, review["id"])
    if saved is None:
        flash("Nothing has been saved for this review yet: fill it in, then check your answers.")
        return redirect(url_for("reviews.draft", client_id=review["client_id"]))
    form, valid = stored_form(review, saved)
    if not valid:
        store.opened(db, current_user.id, review["id"], "form")
        return render_form(form, review, saved, 400)
    store.opened(db, current_user.id, review["id"], "check")
    data = form.review()
    settings = rulebook.in_force()["settings"]
    facts = derive.stored(derive.facts(store.finding(data), settings))
    return render_template("reviews/check.html", review=review, draft=saved, sections=sections(data, facts),
                           preview=store.preview(db, review, data, settings))


@bp.route("/drafts/<client_id>/submit", methods=["POST"])
@role_required("icv")
def submit(client_id):
    """Submit a checked draft: the review is saved and its escalations raised."""
    db = get_db()
    review = review_to_write(db, client_id)
    if review["status"] == "submitted":  # a second tap after the first one went through
        flash("This review has already been submitted: here it is. Nothing was sent twice.")
        return redirect(url_for("reviews.detail", review_id=review["id"]))
    saved = store.get_draft(db, review["id"])
    if saved is None or request.form.get("revision") != str(saved["revision"]):
        flash(CHANGED_SINCE_CHECKED)
        return redirect(url_for("reviews.check", client_id=review["client_id"]))
    form, valid = stored_form(review, saved)
    return submit_form(db, form, review, json.loads(saved["fields"]), saved["revision"], valid)


def submit_form(db, form, review, fields, revision, valid=None, outbox=False):
    """Submit the draft at `revision` if it is valid, or show what is wrong (it stays a draft).
    If the other reviewer saved the draft in the meantime nothing is submitted: the outbox's
    post is shown back with what changed, a checked draft is checked again."""
    if not (form.validate() if valid is None else valid):
        return render_form(form, review, store.get_draft(db, review["id"]), 400)
    try:
        submitted = store.submit(db, review["id"], current_user.id, form.review(), fields, revision=revision,
                                 **rulebook.in_force())
    except store.StaleDraft as stale:
        if outbox:
            return conflict(form, review, stale.draft, fields)
        flash(CHANGED_SINCE_CHECKED)
        return redirect(url_for("reviews.check", client_id=review["client_id"]))
    if submitted:
        flash("Review submitted. Thank you.")
    else:
        flash("This review had already been submitted: here it is. Nothing was sent twice.")
    return redirect(url_for("reviews.detail", review_id=review["id"]))


@bp.route("/<int:review_id>")
@role_required("icv", *STAFF)
def detail(review_id):
    """One review, read-only: the record, the times and what they imply, grades, flags and the
    escalations it raised."""
    db = get_db()
    review = review_to_read(db, review_id)
    store.opened(db, current_user.id, review_id, "detail")
    submitted = review["status"] == "submitted"
    return render_template("reviews/detail.html", review=review, submitted=submitted,
                           sections=sections(review, review["derived"]) if submitted else [],
                           raised=escalations.for_review(db, review_id))


@on_expired_post("reviews.draft")
def keep_expired_draft(user_id, view_args):
    """A review posted after the session ran out is kept as the draft, if the person may write it."""
    db = get_db()
    try:
        client_id = str(uuid.UUID(view_args["client_id"]))
    except ValueError:
        return None
    review = store.get_review(db, client_id=client_id)
    if (review is None or review["status"] != "draft" or user_id not in review["reviewer_ids"]
            or not store.eligibility(db, user_id, london_today())[0]
            or request.form.get("client_id") != client_id):
        return None
    try:
        store.save_draft(db, review["id"], user_id, typed_fields(request.form), posted_base())
    except store.StaleDraft:  # never written over the partner's later save unseen
        return None
    return url_for("reviews.draft", client_id=client_id)

