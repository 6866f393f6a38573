"""One escalation's page: the finding in context (the visit, the detainee entry with its flags
in words, or the custody record review), the rule's rationale and why its priority, the full
history, and the forms that work it (claim, status, police response, outcome, assign, note).

Every form carries the version it was drawn at: a stale one is refused (409) with the other
person's change shown and what was typed kept; a refused change is a 4xx with its message."""
from datetime import date

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from .. import audit, rules
from ..auth import STAFF, role_required
from ..codes import ESCALATION_STATUSES
from ..db import get_db, writing
from ..flags import FLAGS
from ..forms import error_list, options
from ..main import form_meta, keeps_input
from ..times import format_london, london_today
from ..visits import store
from ..visits.snapshot import entry_rows
from . import queries, workflow
from .forms import (AssignForm, ClaimForm, NoteForm, OutcomeForm, PoliceResponseForm,
                    StatusForm)
from .queries import STATUS_LABELS
from .views import bp, people, who

FLAG_LEGENDS = {f.legend for f in FLAGS}
FORMS = {"claim": ClaimForm, "status": StatusForm, "assign": AssignForm,
         "police_response": PoliceResponseForm, "outcome": OutcomeForm, "note": NoteForm}


def get_or_404(db, escalation_id):
    return queries.get(db, escalation_id) or abort(
        404, f"There is no escalation number {escalation_id}.")


def fresh_forms(db, e, seen):
    forms = {name: cls(formdata=None, prefix=name) for name, cls in FORMS.items()}
    for form in forms.values():
        form.stamp(e["version"], seen)
    forms["police_response"].police_response.data = e["police_response"]
    forms["outcome"].outcome_note.data = e["outcome_note"]
    return forms


def set_choices(db, forms, e):
    """What each form offers now: only the statuses the current one may move to, and staff."""
    allowed = workflow.TRANSITIONS[e["status"]]
    forms["status"].status.choices = options([
        (s, "Reopen (back to triaged)" if e["closed_at"] else label)
        for s, label in ESCALATION_STATUSES if s in allowed])
    forms["assign"].assigned_to.choices = assign_choices(db, e)


def assign_choices(db, e):
    unassign = [("none", "Nobody (unassign)")] if e["assigned_to"] else []
    return options([("", "Choose a person")] + people(db) + unassign)


def render_detail(db, escalation_id, posted=None, errors=(), status=200, since=None):
    """The escalation page. `posted` (name, form) is re-shown with what was typed and the
    current version; `since` an event id: the changes after it are shown as someone else's."""
    e = get_or_404(db, escalation_id)
    events = queries.history(db, escalation_id)
    seen = events[-1]["id"] if events else 0
    forms = fresh_forms(db, e, seen)
    if posted:
        name, form = posted
        form.stamp(e["version"], seen)
        forms[name] = form
    set_choices(db, forms, e)
    visit = entry = None
    if e["visit_id"]:
        visit = store.get_visit(db, e["visit_id"])
        entry = store.get_entry(db, e["detainee_entry_id"])
    changed = [ev for ev in events if ev["id"] > since] if since is not None else []
    return render_template(
        "escalations/detail.html", e=e, visit=visit, entry=entry,
        rows=entry_rows(entry) if entry else [], rule=rules.BY_ID.get(e["rule_id"]),
        events=events, changed=changed, forms=forms, who=who, flag_legends=FLAG_LEGENDS,
        found=[*errors, *(error_list(posted[1]) if posted else [])],
        describe=queries.describe, status_labels=STATUS_LABELS, summary_area=queries.summary_area,
        due=queries.due_state(e["due_on"], e["closed_at"], london_today()),
        due_date=date.fromisoformat(e["due_on"]).strftime("%a %-d %b %Y") if e["due_on"] else ""), status


@bp.route("/<int:escalation_id>")
@role_required(*STAFF)
def detail(escalation_id):
    """One escalation: the finding in context, the rule and its rationale, the history, and
    the forms to work it. Each view is logged."""
    db = get_db()
    get_or_404(db, escalation_id)
    with writing(db):
        audit.log(db, current_user.id, "view", "escalation", escalation_id, address=request.remote_addr)
    return render_detail(db, escalation_id)


def act(escalation_id, name, do, done):
    """Validate the posted form `name`, run do(db, form) -> new version, and go back to the
    page; a stale version, a refused edit or a bad form re-shows the page with a 4xx."""
    db = get_db()
    e = get_or_404(db, escalation_id)
    form = FORMS[name](prefix=name, meta=form_meta())
    if name == "status":  # any status code passes here: the workflow says what is allowed
        form.status.choices = options(ESCALATION_STATUSES)
        form.current = e["status"]
    if name == "assign":
        form.assigned_to.choices = assign_choices(db, e)
    if not form.validate():
        return render_detail(db, escalation_id, (name, form), status=400)
    try:
        do(db, form)
    except workflow.NotFound as why:
        abort(404, why.message)
    except workflow.Stale:
        message = stale_message(db, escalation_id, form.seen_id, name)
        return render_detail(db, escalation_id, (name, form), [("changes", message)], 409,
                             since=form.seen_id)
    except workflow.Refused as why:
        return render_detail(db, escalation_id, (name, form), [(f"{name}-form", why.message)],
                             why.status)
    flash(done(form) if callable(done) else done)
    return redirect(url_for("escalations.detail", escalation_id=escalation_id))


def stale_message(db, escalation_id, seen, name):
    """Say who changed the escalation since the page was drawn, and what they did."""
    newer = queries.history(db, escalation_id, after=seen) or queries.history(db, escalation_id)[-1:]
    people = []
    for ev in newer:
        if who(ev) not in people:
            people.append(who(ev))
    current = queries.get(db, escalation_id)
    if name == "claim" and current["assigned_to"] not in (None, current_user.id):
        return (f"{current['assigned_name']} claimed this escalation first. It was not assigned "
                "to you.")
    names = " and ".join(people) or "Someone"
    last = newer[-1] if newer else None
    when = f" at {format_london(last['created_at'], '%H:%M')}" if last else ""
    return (f"{names} changed this escalation{when}, after you opened it. Nothing you sent was "
            "saved. Check the changes and the current values below, then send again.")


@bp.route("/<int:escalation_id>/claim", methods=["POST"])
@role_required(*STAFF)
@keeps_input
def claim(escalation_id):
    """Assign an unassigned escalation to yourself."""
    return act(escalation_id, "claim",
               lambda db, f: workflow.claim(db, escalation_id, f.base, current_user.id),
               "You have claimed this escalation.")


@bp.route("/<int:escalation_id>/assign", methods=["POST"])
@role_required(*STAFF)
@keeps_input
def assign(escalation_id):
    """Assign to a member of staff, or to nobody."""
    def do(db, f):
        value = f.assigned_to.data
        return workflow.assign(db, escalation_id, f.base, current_user.id,
                               None if value == "none" else int(value))
    return act(escalation_id, "assign", do, "Assignment saved.")


@bp.route("/<int:escalation_id>/status", methods=["POST"])
@role_required(*STAFF)
@keeps_input
def status(escalation_id):
    """Move to a status the current one allows; closing and reopening need a reason."""
    def do(db, f):
        return workflow.set_status(db, escalation_id, f.base, current_user.id, f.status.data,
                                   f.reason.data)
    return act(escalation_id, "status", do,
               lambda f: f"Status changed to {STATUS_LABELS[f.status.data].lower()}.")


@bp.route("/<int:escalation_id>/police-response", methods=["POST"])
@role_required(*STAFF)
@keeps_input
def police_response(escalation_id):
    """Record what the police said (staff only)."""
    return act(escalation_id, "police_response",
               lambda db, f: workflow.record_police_response(
                   db, escalation_id, f.base, current_user.id, f.police_response.data),
               "Police response saved.")


@bp.route("/<int:escalation_id>/outcome", methods=["POST"])
@role_required(*STAFF)
@keeps_input
def outcome(escalation_id):
    """Write the outcome the visitor who raised it will see."""
    return act(escalation_id, "outcome",
               lambda db, f: workflow.write_outcome(db, escalation_id, f.base, current_user.id,
                                                    f.outcome_note.data),
               "Outcome for the visitor saved. They see it in My reports.")


@bp.route("/<int:escalation_id>/notes", methods=["POST"])
@role_required(*STAFF)
@keeps_input
def note(escalation_id):
    """Add an internal note (never shown to the visitor)."""
    return act(escalation_id, "note",
               lambda db, f: workflow.add_note(db, escalation_id, f.base, current_user.id,
                                               f.body.data),
               "Note added.")
