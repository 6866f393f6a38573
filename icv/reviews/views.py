"""Custody record review pages for reviewers: My reviews, the review form (a draft until
submitted, saved like a visit report by the drafts core, icv/drafts/routes.py), check your
answers, submit, and the review's page.

Only an ICV marked trained whose vetting is in date may review, and only the records assigned
to them; coordinators, the custody team and admins read submitted reviews. Every opening of a
review is written to the audit log. Batches and assignments: batches.py.
"""
import uuid
from datetime import date

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.datastructures import MultiDict

from .. import codes, paging, rulebook
from ..drafts import store as drafts
from ..auth import STAFF, role_required
from ..db import get_db
from ..main import form_meta
from ..drafts.kinds import Kind, Refused, field_labels
from ..drafts.routes import register
from ..escalations import queries as escalations
from ..times import london_today, utcnow
from . import derive, questions, store, wording
from .forms import ReviewForm
from .summary import sections

bp = Blueprint("reviews", __name__, url_prefix="/reviews")

NOT_ASSIGNED = ("This review is assigned to other reviewers, not you. Ask your coordinator if it "
                "should be yours.")
NOT_FOUND = "There is no custody record review at that address."


@bp.app_context_processor
def review_vocabulary():
    return {"review_questions": questions, "review_flags": wording.FLAGS}


def refuse_if_ineligible(db):
    """403 with the reason when the signed-in ICV may not review records today."""
    allowed, why = store.eligibility(db, current_user.id, london_today())
    if not allowed:
        abort(403, why)


def refusal(db, review, user_id):
    """Why this person may not write this review, or None."""
    allowed, why = store.eligibility(db, user_id, london_today())
    if not allowed:
        return why
    return None if user_id in review["reviewer_ids"] else NOT_ASSIGNED


def typed(form):
    """(label, value) of every box the person filled in, to show back when a save is refused."""
    labels = {name: label for name, (label, _) in field_labels(form).items()}
    return [(labels.get(name, name), value) for name, value in drafts.typed_fields(request.form)
            if value.strip() and name != "client_id"]


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
    kwargs = {"meta": form_meta(csrf)}
    if formdata is not None:
        kwargs["formdata"] = formdata
    return ReviewForm(session_date=date.fromisoformat(review["session_date"]), **kwargs)


@bp.route("/")
@role_required("icv")
def mine():
    """My reviews: the records assigned to me still to do (every one, on every page), then a
    page of those submitted, newest session first, with what became of each finding
    (`?page=N`: icv/paging.py says what a bad number gets)."""
    db = get_db()
    refuse_if_ineligible(db)
    counts = store.count_my_reviews(db, current_user.id)
    page = paging.choose(request.args.get("page"), counts["submitted"], "submitted reviews")
    done = store.my_reviews(db, current_user.id, submitted=True, size=page.size, offset=page.offset)
    to_do, keep = store.my_reviews(db, current_user.id), current_app.config["RETENTION"]
    expiring = drafts.expiry_by_review(db, [r["id"] for r in to_do], keep["drafts"], keep["draft_warning"],
                                       utcnow())
    return render_template("reviews/mine.html", to_do=to_do, done=done, expiring=expiring,
                           outcomes=escalations.outcomes_by_review(db, [r["id"] for r in done]),
                           counts=counts, page=page, reasons=dict(questions.SAMPLE_REASONS))


class ReviewKind(Kind):
    """A custody record review's draft: one per review, shared by its reviewer or pair."""
    name, endpoint, noun = "review", "reviews", "review"
    form_template, check_template = "reviews/form.html", "reviews/check.html"
    removable = ("reviews",)
    adds = {"add_review": "reviews"}
    changed_since_checked = ("Your draft changed after you checked it (perhaps your partner saved it). "
                             "Check it again.")

    def resolve(self, db, client_id, user_id):
        try:
            client_id = str(uuid.UUID(client_id))
        except ValueError:
            raise Refused("not_found", NOT_FOUND, 404) from None
        review = store.get_review(db, client_id=client_id)
        if review is None:
            raise Refused("not_found", NOT_FOUND, 404)
        why = refusal(db, review, user_id)
        if why:
            raise Refused("refused", why, 403, review=review)
        if review["status"] == "submitted":
            raise Refused("submitted", "This review has already been submitted.", 409,
                          url_for("reviews.detail", review_id=review["id"]), record=review["id"])
        return {"client_id": client_id, "review": review, "draft": drafts.get(db, client_id)}

    def form(self, db, target, formdata=None, csrf=True):
        return review_form(target["review"], formdata, csrf)

    def blank(self, db, target):
        return self.form(db, target, MultiDict(store.initial_fields(target["review"])))

    def render(self, form, target, draft, status=200, **extra):
        review = target["review"]
        return render_template(self.form_template, form=form, review=review, draft=draft,
                               read_as=form.read_as(), **extra,
                               sample=codes.label(questions.SAMPLE_REASONS, review["sample_reason"])), status

    def add(self, form, action):
        form.reviews.append_entry()
        return form.reviews[-1].due.id

    def opened(self, db, target, page):
        store.opened(db, current_user.id, target["review"]["id"], page, request.remote_addr)

    def refused_page(self, db, refused):
        """Refused, a posted form is shown back (403) so nothing typed is lost."""
        form = self.form(db, {"review": refused.review}, csrf=False)
        return render_template("reviews/refused.html", why=refused.message, typed=typed(form)), 403

    def missing_draft(self, target):
        flash("Nothing has been saved for this review yet: fill it in, then check your answers.")
        abort(redirect(url_for("reviews.draft", client_id=target["client_id"])))

    def check_page(self, db, target, form):
        review, data = target["review"], form.review()
        settings = rulebook.in_force()["settings"]
        facts = derive.stored(derive.facts(store.finding(data), settings))
        return render_template(self.check_template, kind=self, review=review, draft=target["draft"],
                               record_label=f"Record review {review['record_ref']}", sections=sections(data, facts),
                               preview=store.preview(db, review, data, settings),
                               contradictions=questions.contradictions(review["sample_reason"], data))

    def submit(self, db, target, form, fields, revision):
        review = target["review"]
        submitted = store.submit(db, review["id"], current_user.id, form.review(), fields, revision=revision,
                              **rulebook.in_force())
        return (url_for("reviews.detail", review_id=review["id"]),
                "Review submitted. Thank you." if submitted else
                "This review had already been submitted: here it is. Nothing was sent twice.", review["id"])

    def saved_extra(self, target):
        return {"review_id": target["review"]["id"]}


register(bp, ReviewKind())


@bp.route("/<int:review_id>")
@role_required("icv", *STAFF)
def detail(review_id):
    """One review, read-only: the record, the times and what they imply, grades, flags and the
    escalations it raised."""
    db = get_db()
    review = review_to_read(db, review_id)
    store.opened(db, current_user.id, review_id, "detail", request.remote_addr)
    submitted = review["status"] == "submitted"
    return render_template("reviews/detail.html", review=review, submitted=submitted,
                           sections=sections(review, review["derived"]) if submitted else [],
                           raised=escalations.for_review(db, review_id))

