"""Visit reports: ICVs record a visit on a phone and see their own (and their partner's)."""
import json
import sqlite3
import uuid

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from . import escalations, rules
from .auth import role_required
from .db import get_db
from .forms import VisitForm, options
from .main import keeps_input
from .times import london_today, now_iso, span_to_utc, to_iso

bp = Blueprint("visits", __name__, url_prefix="/visits")

STAFF = ("custody_team", "coordinator", "admin")
ALONE = "alone"


def suite_choices(db):
    """(id, name) of suites that can be visited, by name."""
    return [(r["id"], r["name"]) for r in db.query(
        "SELECT id, name FROM suites WHERE status != 'closed' ORDER BY name")]


def partner_choices(db, user_id):
    """Active ICVs who could have been the visiting partner, after 'I visited alone'."""
    rows = db.query("SELECT id, display_name FROM users WHERE role = 'icv' AND active = 1 "
                    "AND id != ? ORDER BY display_name", [user_id])
    return [(ALONE, "I visited alone")] + [(str(r["id"]), r["display_name"]) for r in rows]


def visit_form(db, user_id):
    """The visit form with this person's choices of suite and partner."""
    form = VisitForm()
    form.suite_id.choices = options([("", "Select a custody suite")] + suite_choices(db))
    form.partner_id.choices = options([("", "Select your partner")] + partner_choices(db, user_id))
    return form


def form_data(form):
    """The plain report a valid VisitForm describes, as record_visit takes it."""
    arrived, departed = span_to_utc(form.visit_date.data, form.arrival_time.data,
                                    form.departure_time.data)
    return {
        "client_id": form.client_id.data, "suite_id": form.suite_id.data,
        "partner_id": None if form.partner_id.data == ALONE else int(form.partner_id.data),
        "arrived_at": to_iso(arrived), "departed_at": to_iso(departed),
        "in_custody": form.in_custody.data, "spoke_with": form.spoke_with.data,
        "entries": [{
            "custody_record_no": e.custody_record_no.data, "age_band": e.age_band.data,
            "gender": e.gender.data, "ethnicity": e.ethnicity.data, "flags": e.form.flag_answers(),
        } for e in form.detainees],
    }


def record_visit(db, user_id, report, submitted_at=None):
    """Save a checked report with its entries and flags, and raise its escalations.

    Returns (visit_id, created). A client_id already saved (a double tap, a retry)
    returns the existing report instead of making a second one.
    """
    existing = find_by_client_id(db, report["client_id"])
    if existing:
        return existing, False
    submitted_at = submitted_at or now_iso()
    visit = {k: report[k] for k in ("client_id", "suite_id", "partner_id", "arrived_at",
                                    "departed_at", "in_custody", "spoke_with")}
    try:
        with db.atomic():
            visit_id = db["visits"].insert({
                **visit, "created_by": user_id, "status": "submitted",
                "submitted_at": submitted_at, "created_at": submitted_at,
                "updated_at": submitted_at}).last_pk
            for position, entry in enumerate(report["entries"]):
                save_entry(db, visit_id, position, entry, submitted_at)
            escalations.record(db, visit_id, None, rules.evaluate(visit, scope="visit"),
                               submitted_at)
    except sqlite3.IntegrityError:
        existing = find_by_client_id(db, report["client_id"])
        if existing:  # the other tap won the race
            return existing, False
        raise
    return visit_id, True


def save_entry(db, visit_id, position, entry, submitted_at):
    """Insert one detainee entry and its flags, then raise what the rules find."""
    entry_id = db["detainee_entries"].insert({
        "visit_id": visit_id, "position": position,
        **{k: entry[k] for k in ("custody_record_no", "age_band", "gender", "ethnicity")},
    }).last_pk
    for kind, answers in entry["flags"].items():
        db["flags"].insert({"detainee_entry_id": entry_id, "kind": kind,
                            "answers": json.dumps(answers)})
    escalations.record(db, visit_id, entry_id, rules.evaluate(entry), submitted_at)


def find_by_client_id(db, client_id):
    """The id of the visit saved with this client-made id, or None."""
    rows = list(db.query("SELECT id FROM visits WHERE client_id = ?", [client_id]))
    return rows[0]["id"] if rows else None


def visits_for(db, user_id, limit=200):
    """Reports this ICV made or was the partner on, newest first."""
    return list(db.query("""
        SELECT v.*, s.name AS suite_name,
          (SELECT count(*) FROM detainee_entries d WHERE d.visit_id = v.id) AS entry_count,
          (SELECT count(*) FROM flags f JOIN detainee_entries d ON d.id = f.detainee_entry_id
            WHERE d.visit_id = v.id) AS flag_count
        FROM visits v JOIN suites s ON s.id = v.suite_id
        WHERE v.created_by = :me OR v.partner_id = :me
        ORDER BY v.arrived_at DESC LIMIT :limit""", {"me": user_id, "limit": limit}))


def get_visit_or_404(db, visit_id, user):
    """The visit with names joined; an ICV may open only their own or their partner's."""
    rows = list(db.query("""
        SELECT v.*, s.name AS suite_name, c.display_name AS created_by_name,
          p.display_name AS partner_name
        FROM visits v JOIN suites s ON s.id = v.suite_id JOIN users c ON c.id = v.created_by
        LEFT JOIN users p ON p.id = v.partner_id WHERE v.id = ?""", [visit_id]))
    if not rows:
        abort(404, "There is no visit report with that number.")
    visit = rows[0]
    if user.has_role("icv") and user.id not in (visit["created_by"], visit["partner_id"]):
        abort(403)
    return visit


def entries_for(db, visit_id):
    """The visit's detainee entries, each with {kind: answers} of its flags."""
    entries = list(db.query(
        "SELECT * FROM detainee_entries WHERE visit_id = ? ORDER BY position", [visit_id]))
    by_id = {e["id"]: {**e, "flags": {}} for e in entries}
    for f in db.query("""SELECT f.* FROM flags f JOIN detainee_entries d ON d.id = f.detainee_entry_id
                         WHERE d.visit_id = ?""", [visit_id]):
        by_id[f["detainee_entry_id"]]["flags"][f["kind"]] = json.loads(f["answers"])
    return list(by_id.values())


@bp.route("/")
@role_required("icv")
def index():
    """My reports: the ICV's own visits and those they made as a partner."""
    db = get_db()
    visits = visits_for(db, current_user.id)
    counts = escalations.counts_by_visit(db, [v["id"] for v in visits])
    return render_template("visits/index.html", visits=visits, counts=counts)


@bp.route("/new", methods=["GET", "POST"])
@role_required("icv")
@keeps_input
def new():
    """Record a visit: header, counts and detainee entries with their flags."""
    db = get_db()
    form = visit_form(db, current_user.id)
    if request.method == "GET":
        form.client_id.data = str(uuid.uuid4())
        form.visit_date.data = london_today()
        form.detainees.append_entry()
        return render_template("visits/form.html", form=form)
    action = request.form.get("action", "submit")
    if action == "add_detainee":
        form.detainees.append_entry()
        return render_template("visits/form.html", form=form, focus=form.detainees[-1].id)
    if action.startswith("remove:"):
        form.detainees.entries = [e for e in form.detainees if e.name != action[len("remove:"):]]
        flash("Detainee removed. Submit the report to save the change.")
        return render_template("visits/form.html", form=form)
    if not form.validate_on_submit():
        return render_template("visits/form.html", form=form), 400
    if action == "check":
        flash("Everything you entered is complete. Submit the report when you are ready.")
        return render_template("visits/form.html", form=form)
    visit_id, created = record_visit(db, current_user.id, form_data(form))
    flash("Report submitted. Thank you." if created else "This report had already been submitted: "
          "here it is. Nothing was sent twice.")
    return redirect(url_for("visits.detail", visit_id=visit_id))


@bp.route("/<int:visit_id>")
@role_required("icv", *STAFF)
def detail(visit_id):
    """One report, read-only, with its flags and the escalations it raised."""
    db = get_db()
    visit = get_visit_or_404(db, visit_id, current_user)
    return render_template("visits/detail.html", visit=visit, entries=entries_for(db, visit_id),
                           raised=escalations.for_visit(db, visit_id))
