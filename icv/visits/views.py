"""Visit report pages: My reports, the report form (a draft until submitted), check your
answers, submit, correct, and the read-only report with its versions."""
import json
import uuid

from flask import abort, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.datastructures import MultiDict

from .. import people, rulebook, suites
from ..escalations import queries as escalations
from ..auth import STAFF, on_expired_post, role_required
from ..db import get_db
from ..forms import options
from ..main import keeps_input
from ..times import format_london, london_today, now_iso
from . import bp, store
from .forms import VisitForm
from .snapshot import diff, snapshot



def suite_choices(db):
    """(id, name) of suites that can be visited, by name."""
    return suites.visitable(db)


def partner_choices(db, user_id):
    """Active ICVs who could have been the visiting partner, after 'I visited alone'."""
    return [("alone", "I visited alone")] + [(str(i), name) for i, name in people.active_visitors(db, user_id)]


def visit_form(db, formdata=None, correcting=False, csrf=True, visit=None):
    """The report form with this person's suites and partners; formdata None means the request.
    Correcting `visit`, the partners are its author's (the partner may be the one correcting)."""
    kwargs = {"meta": {"csrf": False}} if not csrf else {}
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
    Only for the rare late post: it reads the saved versions' fields."""
    return store.corrected_by(db, client_id)


def late_correction(saved):
    """A correction form posted with no draft left (sent again after it was saved, or its draft
    deleted): it carries its base version, and must never become a new report."""
    return saved is None and bool(request.form.get("base_version"))


def new_entry(form):
    form.detainees.append_entry({"entry_key": uuid.uuid4().hex})


def parse_client_id(client_id):
    """The canonical text of a client-made id; 404 for an address that holds none."""
    try:
        return str(uuid.UUID(client_id))
    except ValueError:
        abort(404, "There is no report draft at that address.")


def own_draft(db, client_id):
    """The signed-in ICV's draft with this id, None if there is none yet; 404 if someone else's."""
    draft = store.get_draft(db, client_id)
    if draft and draft["user_id"] != current_user.id:
        abort(404, "There is no report draft at that address.")
    return draft


def render_form(form, draft, status=200, focus=None):
    base = dict(json.loads(draft["fields"])).get("base_version", "") if draft else ""
    return render_template("visits/form.html", form=form, draft=draft, focus=focus, base_version=base,
                           correcting=bool(draft and draft["visit_id"])), status


@bp.route("/")
@role_required("icv")
def index():
    """My reports: drafts to resume, then the visits this ICV made or joined."""
    db = get_db()
    visits = store.visits_for(db, current_user.id)
    outcomes = escalations.outcomes_by_visit(db, [v["id"] for v in visits])  # status, outcome only
    return render_template("visits/index.html", visits=visits, drafts=store.drafts_for(db, current_user.id),
                           counts={visit_id: len(found) for visit_id, found in outcomes.items()},
                           outcomes=outcomes, suites=dict(suite_choices(db)))


@bp.route("/new")
@role_required("icv")
def new():
    """A blank report. Nothing is stored until the first save (the phone may make its own id)."""
    form = visit_form(get_db(), formdata=MultiDict())
    form.client_id.data = str(uuid.uuid4())
    form.visit_date.data = london_today()
    new_entry(form)
    return render_form(form, None)


@bp.route("/drafts/<client_id>", methods=["GET", "POST"])
@role_required("icv")
@keeps_input
def draft(client_id):
    """The report form for a draft: save, add or remove entries, check, or submit."""
    db, client_id = get_db(), parse_client_id(client_id)
    saved = own_draft(db, client_id)
    submitted = store.find_by_client_id(db, client_id)
    if late_correction(saved):
        submitted = (saved_correction(db, client_id)
                     or abort(404, "There is no report draft at that address."))
    if submitted and not (saved and saved["visit_id"]):
        flash("This report has already been submitted: here it is. Nothing was sent twice.")
        return redirect(url_for("visits.detail", visit_id=submitted))
    correcting = bool(saved and saved["visit_id"])
    if request.method == "GET":
        if saved:
            return render_form(visit_form(db, MultiDict(json.loads(saved["fields"])), correcting,
                                          visit=corrected(db, saved)), saved)
        form = visit_form(db, formdata=MultiDict())
        form.client_id.data, form.visit_date.data = client_id, london_today()
        new_entry(form)
        return render_form(form, None)

    form = visit_form(db, correcting=correcting, visit=corrected(db, saved))
    if form.client_id.data != client_id:
        abort(400, "This form does not match its address. Reload the page and check your answers.")
    if form.meta.csrf and not form.csrf_token.validate(form):  # a stale page: show it, save nothing
        return render_form(form, saved, 400)
    fields = store.draft_fields(request.form)
    action = request.form.get("action", "save")
    if action.startswith("remove:"):
        prefix = action[len("remove:"):]
        form.detainees.entries = [e for e in form.detainees if e.name != prefix]
        form.issues.entries = [i for i in form.issues if i.name != prefix]
        fields = [f for f in fields if not f[0].startswith(prefix + "-")]
        store.save_draft(db, client_id, current_user.id, fields)
        flash("Removed. Your draft is saved.")
        return render_form(form, store.get_draft(db, client_id))
    if action in ("add_detainee", "add_issue"):
        entries = form.detainees if action == "add_detainee" else form.issues
        if len(entries) >= entries.max_entries:  # the form holds no more: say so, keep the draft
            store.save_draft(db, client_id, current_user.id, fields)
            flash(f"A report can hold at most {entries.max_entries} {action[4:]}s. Your draft is saved.")
            return render_form(form, store.get_draft(db, client_id))
        if action == "add_detainee":
            new_entry(form)
        else:
            form.issues.append_entry()
        store.save_draft(db, client_id, current_user.id, fields)
        added = form.detainees[-1] if action == "add_detainee" else form.issues[-1]
        return render_form(form, store.get_draft(db, client_id), focus=added.id)
    if action == "submit":  # the outbox sends a finished report in one go
        return submit_form(db, form, saved, fields)
    store.save_draft(db, client_id, current_user.id, fields)
    if action != "check":
        flash(f"Draft saved at {format_london(now_iso(), '%H:%M')}.")
        section = action.split(":", 1)[1] if ":" in action else "main-content"
        return redirect(url_for("visits.draft", client_id=client_id, _anchor=section))
    if not form.validate():
        return render_form(form, store.get_draft(db, client_id), 400)
    return redirect(url_for("visits.check", client_id=client_id))


@bp.route("/drafts/<client_id>/autosave", methods=["POST"])
@role_required("icv")
def autosave(client_id):
    """Save what has been typed so far (JavaScript calls this as the ICV moves on)."""
    db, client_id = get_db(), parse_client_id(client_id)
    saved = own_draft(db, client_id)
    if ((store.find_by_client_id(db, client_id) or late_correction(saved))
            and not (saved and saved["visit_id"])):
        return jsonify(error="submitted", message="This report has already been submitted."), 409
    if request.form.get("client_id") != client_id:
        return jsonify(error="mismatch", message="This form does not match its draft."), 400
    revision = store.save_draft(db, client_id, current_user.id, store.draft_fields(request.form))
    return jsonify(revision=revision, saved_at=format_london(now_iso(), "%H:%M"))


def stored_form(db, saved):
    """The draft's saved fields as a form, validated (no CSRF: they were checked when posted)."""
    form = visit_form(db, MultiDict(json.loads(saved["fields"])), bool(saved["visit_id"]), csrf=False,
                      visit=corrected(db, saved))
    return form, form.validate()


@bp.route("/drafts/<client_id>/check")
@role_required("icv")
def check(client_id):
    """Check your answers before submitting."""
    db, client_id = get_db(), parse_client_id(client_id)
    saved = own_draft(db, client_id) or abort(404, "There is no report draft at that address.")
    form, valid = stored_form(db, saved)
    if not valid:
        return render_form(form, saved, 400)
    report = store.report_from_form(form)
    return render_template("visits/check.html", draft=saved, sections=snapshot(db, store.normalise(report)),
                           correcting=bool(saved["visit_id"]),
                           reason=form.correction_reason.data)


@bp.route("/drafts/<client_id>/submit", methods=["POST"])
@role_required("icv")
def submit(client_id):
    """Submit a checked draft: the report is saved and its escalations raised."""
    db, client_id = get_db(), parse_client_id(client_id)
    saved = own_draft(db, client_id)
    if saved is None:
        submitted = store.find_by_client_id(db, client_id) or saved_correction(db, client_id)
        if submitted:  # a second tap after the first one went through
            flash("This report has already been submitted: here it is. Nothing was sent twice.")
            return redirect(url_for("visits.detail", visit_id=submitted))
        abort(404, "There is no report draft at that address.")
    if request.form.get("revision") != str(saved["revision"]):
        flash("Your draft changed after you checked it (perhaps in another window). Check it again.")
        return redirect(url_for("visits.check", client_id=client_id))
    form, valid = stored_form(db, saved)
    return submit_form(db, form, saved, json.loads(saved["fields"]), valid)


def submit_form(db, form, saved, fields, valid=None):
    """Save a valid report (new or a correction), or keep it as a draft and show what is wrong."""
    if not (form.validate() if valid is None else valid):
        store.save_draft(db, form.client_id.data, current_user.id, fields)
        return render_form(form, store.get_draft(db, form.client_id.data), 400)
    report = store.report_from_form(form)
    if saved and saved["visit_id"]:
        text = str(dict(fields).get("base_version", ""))
        base = int(text) if text.isdigit() and len(text) < 10 else 0  # changed by hand: stale
        try:
            version = store.correct_visit(db, saved["visit_id"], current_user.id, report, fields,
                                          form.correction_reason.data, base, **rulebook.in_force())
        except store.StaleVersion:
            return conflict(db, saved, base)
        store.delete_draft(db, saved["client_id"])
        flash(f"Report corrected: this is version {version}. Earlier versions are kept below.")
        return redirect(url_for("visits.detail", visit_id=saved["visit_id"], _anchor="versions"))
    visit_id, created = store.record_visit(db, current_user.id, report, fields, **rulebook.in_force())
    store.delete_draft(db, form.client_id.data)
    flash("Report submitted. Thank you." if created else
          "This report had already been submitted: here it is. Nothing was sent twice.")
    return redirect(url_for("visits.detail", visit_id=visit_id))


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
    db, client_id = get_db(), parse_client_id(client_id)
    saved = own_draft(db, client_id) or abort(404, "There is no report draft at that address.")
    visit = store.get_visit(db, saved["visit_id"]) if saved["visit_id"] else abort(400)
    fields = [f for f in json.loads(saved["fields"]) if f[0] != "base_version"]
    store.save_draft(db, client_id, current_user.id, fields + [["base_version", str(visit["version"])]])
    return redirect(url_for("visits.check", client_id=client_id))


@bp.route("/drafts/<client_id>/delete", methods=["GET", "POST"])
@role_required("icv")
def delete(client_id):
    """Delete a draft, after asking."""
    db, client_id = get_db(), parse_client_id(client_id)
    saved = own_draft(db, client_id) or abort(404, "There is no report draft at that address.")
    if request.method == "POST":
        store.delete_draft(db, client_id)
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
    rows = store.correction_drafts(db, visit_id, current_user.id)
    if rows:
        return redirect(url_for("visits.draft", client_id=rows[0]["client_id"]))
    client_id = str(uuid.uuid4())
    fields = ([["client_id", client_id], ["base_version", str(visit["version"])]]
              + store.fields_for_visit(db, visit_id))
    store.save_draft(db, client_id, current_user.id, fields, visit_id=visit_id)
    return redirect(url_for("visits.draft", client_id=client_id))


@on_expired_post("visits.draft")
def keep_expired_draft(user_id, view_args):
    """A report posted after the session ran out is kept as that person's draft; only an
    ICV's (staff cannot write reports, so a post from them would have been refused)."""
    if current_user.role != "icv":
        return None
    client_id = parse_client_id(view_args["client_id"])
    draft = store.get_draft(get_db(), client_id)
    if (draft and draft["user_id"] != user_id) or late_correction(draft):
        return None
    store.save_draft(get_db(), client_id, user_id, store.draft_fields(request.form))
    return url_for("visits.draft", client_id=client_id)
