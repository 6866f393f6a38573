"""Visit report pages: My reports, the report form (a draft until submitted), check your
answers, submit, correct, and the read-only report with its versions. The draft routes are the
drafts core's (icv/drafts/); VisitKind says what is particular to a visit report."""
import json
import uuid

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.datastructures import MultiDict

from .. import audit, paging, people, rulebook, suites
from ..drafts import store as drafts
from ..auth import STAFF, role_required
from ..escalations import queries as escalations
from ..drafts.kinds import Kind, Refused
from ..drafts.routes import register
from ..db import get_db, writing
from ..forms import options
from ..main import form_meta
from ..times import london_today, utcnow
from . import drawing, questions, store
from .forms import VisitForm
from .snapshot import diff, entry_rows, snapshot

bp = Blueprint("visits", __name__, url_prefix="/visits")

NOT_FOUND = "There is no report draft at that address."


@bp.app_context_processor
def report_vocabulary():
    """The report's questions, for the visit templates."""
    return {"questions": questions, "entry_rows": entry_rows, "drawing": drawing}


def suite_choices(db):
    """(id, name) of suites that can be visited, by name."""
    return suites.visitable(db)


def partner_choices(db, user_id):
    """Active ICVs who could have been the visiting partner, after 'I visited alone'."""
    return [("alone", "I visited alone")] + [(str(i), name) for i, name in people.active_visitors(db, user_id)]


def visit_form(db, formdata=None, correcting=False, csrf=True, visit=None):
    """The report form with this person's suites and partners; formdata None means the request.
    Correcting `visit`, the partners are its author's (the partner may be the one correcting)."""
    kwargs = {"meta": form_meta(csrf)}
    if formdata is not None:
        kwargs["formdata"] = formdata
    form = VisitForm(correcting=correcting, **kwargs)
    form.suite_id.choices = options([("", "Select a custody suite")] + suite_choices(db))
    author = visit["created_by"] if visit else current_user.id
    form.partner_id.choices = options([("", "Select your partner")] + partner_choices(db, author))
    return form


def corrected(db, saved):
    """The submitted report a correction draft corrects, else None."""
    return store.get_visit(db, saved["visit_id"]) if saved and saved["visit_id"] else None


def saved_correction(db, client_id):
    """The report a correction with this id was saved to (its draft is gone by then), or None.
    Only for the rare late post."""
    return store.corrected_by(db, client_id)


def late_correction(saved):
    """A correction form posted with no draft left (sent again after it was saved, or its draft
    deleted): it carries its base version, and must never become a new report."""
    return saved is None and bool(request.form.get("base_version"))


def new_entry(form):
    form.detainees.append_entry({"entry_key": uuid.uuid4().hex})
    form.hint_record_numbers()


def parse_client_id(client_id):
    """The canonical text of a client-made id; 404 for an address that holds none."""
    try:
        return str(uuid.UUID(client_id))
    except ValueError:
        raise Refused("not_found", NOT_FOUND, 404) from None


def blank_form(db, client_id):
    form = visit_form(db, formdata=MultiDict())
    form.client_id.data, form.visit_date.data = client_id, london_today()
    new_entry(form)
    return form


class VisitKind(Kind):
    """A visit report's draft: one ICV's, or a correction of a submitted report."""
    name, endpoint, noun = "visit", "visits", "report"
    form_template, check_template = "visits/form.html", "visits/check.html"
    removable = ("detainees", "issues")
    adds = {"add_detainee": "detainees", "add_issue": "issues"}

    def resolve(self, db, client_id, user_id):
        client_id = parse_client_id(client_id)
        saved = drafts.get(db, client_id)
        if saved and (saved["kind"] != "visit" or saved["user_id"] != user_id):
            raise Refused("not_found", NOT_FOUND, 404)
        submitted = store.find_by_client_id(db, client_id)
        if late_correction(saved):
            submitted = saved_correction(db, client_id) or None
            if not submitted:
                raise Refused("not_found", NOT_FOUND, 404)
        if submitted and not (saved and saved["visit_id"]):
            raise Refused("submitted", "This report has already been submitted.", 409,
                          url_for("visits.detail", visit_id=submitted), record=submitted)
        return {"client_id": client_id, "draft": saved, "visit": corrected(db, saved)}

    def form(self, db, target, formdata=None, csrf=True):
        saved = target["draft"]
        return visit_form(db, formdata, bool(saved and saved["visit_id"]), csrf, target["visit"])

    def blank(self, db, target):
        return blank_form(db, target["client_id"])

    def render(self, form, target, draft, status=200, **extra):
        base_version = dict(json.loads(draft["fields"])).get("base_version", "") if draft else ""
        return render_template(self.form_template, form=form, draft=draft, base_version=base_version,
                               correcting=bool(draft and draft["visit_id"]), fresh=not draft, **extra), status

    def add(self, form, action):
        if action == "add_detainee":
            new_entry(form)
            return form.detainees[-1].id
        form.issues.append_entry()
        return form.issues[-1].id

    def check_page(self, db, target, form):
        saved = target["draft"]
        report = store.report_from_form(form)
        label = ", ".join(filter(None, [dict(suite_choices(db)).get(report["suite_id"]),
                                        form.visit_date.data.isoformat() if form.visit_date.data else ""]))
        already = store.near_duplicates(db, current_user.id, report["suite_id"], report["arrived_at"],
                                        leaving_out=saved["visit_id"])  # a warning: nothing blocks
        return render_template(self.check_template, kind=self, draft=saved, record_label=label or "Visit report",
                               sections=snapshot(db, store.normalise(report)), already=already,
                               correcting=bool(saved["visit_id"]), reason=form.correction_reason.data)

    def submit(self, db, target, form, fields, revision):
        saved, report = target["draft"], store.report_from_form(form)
        if saved and saved["visit_id"]:
            text = str(dict(fields).get("base_version", ""))
            base = int(text) if text.isdigit() and len(text) < 10 else 0  # changed by hand: stale
            try:
                with writing(db):  # the version and the end of its draft, together or neither
                    version = store.correct_visit(db, saved["visit_id"], current_user.id, report, fields,
                                                  form.correction_reason.data, base,
                                                  **rulebook.in_force())
                    drafts.delete(db, target["client_id"])
            except store.StaleVersion:
                return conflict(db, drafts.get(db, target["client_id"]), base)
            return (url_for("visits.detail", visit_id=saved["visit_id"], _anchor="versions"),
                    f"Report corrected: this is version {version}. Earlier versions are kept below.",
                    saved["visit_id"])
        with writing(db):  # a busy database after the report is saved must not leave its draft
            visit_id, created = store.record_visit(db, current_user.id, report, fields,
                                                    **rulebook.in_force())
            drafts.delete(db, target["client_id"])
        return (url_for("visits.detail", visit_id=visit_id),
                "Report submitted. Thank you." if created else
                "This report had already been submitted: here it is. Nothing was sent twice.", visit_id)

    def missing_draft(self, target):
        """A second tap on 'Save correction' (its draft already gone) leads to the report."""
        corrected_id = saved_correction(get_db(), target["client_id"])
        if corrected_id:
            flash("This report has already been submitted: here it is. Nothing was sent twice.")
            abort(redirect(url_for("visits.detail", visit_id=corrected_id)))
        return super().missing_draft(target)

    def saved_extra(self, target):
        return {"visit_id": target["draft"]["visit_id"] if target["draft"] else None}

    def may_keep(self, db, user_id):
        """Only an ICV's: staff cannot write reports, so a post from them would have been refused."""
        return current_user.role == "icv"


KIND = VisitKind()
register(bp, KIND)


def own_draft(db, client_id):
    """The signed-in ICV's draft with this id (404 if none, or someone else's)."""
    try:
        target = KIND.resolve(db, client_id, current_user.id)
    except Refused as refusal:
        abort(404, refusal.message if refusal.error == "not_found" else NOT_FOUND)
    return target["draft"] or abort(404, NOT_FOUND)


@bp.route("/")
@role_required("icv")
def index():
    """My reports: drafts to resume (every one, on every page), then a page of the visits this
    ICV made or joined, newest first (`?page=N`: icv/paging.py says what a bad number gets)."""
    db = get_db()
    page = paging.choose(request.args.get("page"), store.count_visits_for(db, current_user.id), "reports")
    visits = store.visits_for(db, current_user.id, page.size, page.offset)
    outcomes = escalations.outcomes_by_visit(db, [v["id"] for v in visits])  # status, outcome only
    mine, keep, now = drafts.visit_drafts(db, current_user.id), current_app.config["RETENTION"], utcnow()
    expiring = {d["client_id"]: drafts.expiry_notice(d, keep["drafts"], keep["draft_warning"], now) for d in mine}
    return render_template("visits/index.html", visits=visits, drafts=mine, expiring=expiring,
                           counts={visit_id: len(found) for visit_id, found in outcomes.items()},
                           outcomes=outcomes, suites=dict(suite_choices(db)), page=page)


@bp.route("/new")
@role_required("icv")
def new():
    """A blank report. Nothing is stored until the first save (the phone may make its own id)."""
    form = blank_form(get_db(), str(uuid.uuid4()))
    return KIND.show(form, {"client_id": form.client_id.data, "draft": None, "visit": None}, None)


def conflict(db, saved, base):
    """Someone corrected the report first: show their change; the draft is kept."""
    versions = store.versions_for(db, saved["visit_id"])
    theirs = [v for v in versions if v["version"] > base]
    changes = diff(versions[base - 1]["snapshot"], versions[-1]["snapshot"]) if 0 < base <= len(versions) else []
    return render_template("visits/conflict.html", draft=saved, theirs=theirs, changes=changes), 409


@bp.route("/drafts/<client_id>/rebase", methods=["POST"])
@role_required("icv")
def rebase(client_id):
    """After a conflict: keep my answers and check them again as the next version."""
    db = get_db()
    saved = own_draft(db, client_id)
    visit = store.get_visit(db, saved["visit_id"]) if saved["visit_id"] else abort(400)
    fields = [f for f in json.loads(saved["fields"]) if f[0] != "base_version"]
    drafts.save(db, "visit", saved["client_id"], current_user.id,
                fields + [["base_version", str(visit["version"])]])
    return redirect(url_for("visits.check", client_id=saved["client_id"]))


@bp.route("/drafts/<client_id>/delete", methods=["GET", "POST"])
@role_required("icv")
def delete(client_id):
    """Delete a draft, after asking."""
    db = get_db()
    saved = own_draft(db, client_id)
    if request.method == "POST":
        drafts.delete(db, saved["client_id"])
        flash("Draft deleted.")
        return redirect(url_for("visits.index"))
    return render_template("visits/delete.html", draft=saved)


def get_visit_or_404(db, visit_id, user):
    """The visit; an ICV may open only their own or their partner's."""
    visit = store.get_visit(db, visit_id) or abort(404, "There is no visit report with that number.")
    if user.has_role("icv") and user.id not in (visit["created_by"], visit["partner_id"]):
        abort(403)
    return visit


@bp.route("/<int:visit_id>")
@role_required("icv", *STAFF)
def detail(visit_id):
    """One report, read-only, with its flags, escalations and every version."""
    db = get_db()
    visit = get_visit_or_404(db, visit_id, current_user)
    if current_user.has_role(*STAFF):  # staff reading a report is audited; its ICVs are not
        with writing(db):
            audit.log(db, current_user.id, "view", "visit", visit_id, address=request.remote_addr)
    versions = store.versions_for(db, visit_id)
    changes = {v["version"]: diff(versions[i - 1]["snapshot"], v["snapshot"])
               for i, v in enumerate(versions) if i}
    return render_template("visits/detail.html", visit=visit, entries=store.entries_for(db, visit_id),
                           facilities=store.facilities_for(db, visit_id),
                           issues=store.issues_for(db, visit_id), versions=versions, changes=changes,
                           raised=escalations.for_visit(db, visit_id))


@bp.route("/<int:visit_id>/correct", methods=["POST"])
@role_required("icv")
def correct(visit_id):
    """Start (or carry on with) a correction: a draft made from the report as it stands."""
    db = get_db()
    visit = get_visit_or_404(db, visit_id, current_user)
    mine = drafts.correction_draft(db, visit_id, current_user.id)
    if mine:
        return redirect(url_for("visits.draft", client_id=mine))
    client_id = str(uuid.uuid4())
    fields = ([["client_id", client_id], ["base_version", str(visit["version"])]]
              + store.fields_for_visit(db, visit_id))
    drafts.save(db, "visit", client_id, current_user.id, fields, visit_id=visit_id)
    return redirect(url_for("visits.draft", client_id=client_id))

