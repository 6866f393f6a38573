"""Volunteers: the ICVs, and the two facts custody record review needs about each (issue 5):
trained in custody record review, and the date their vetting expires. Coordinators and admins
keep them up to date; every change is written to the audit log."""
from datetime import date

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import BooleanField
from wtforms.validators import Optional, ValidationError

from . import audit, people, suites
from .auth import COORDINATORS, role_required
from .db import get_db, writing
from .forms import Date
from .times import london_today, now_iso

bp = Blueprint("volunteers", __name__, url_prefix="/volunteers")


class VolunteerForm(FlaskForm):
    crr_trained = BooleanField("Trained in custody record review")
    vetting_expires_on = Date("Vetting expires on", validators=[Optional()],
                              description="As on the vetting record, for example 2027-03-31. "
                                          "Leave blank if not known: they cannot review until it is set.",
                              invalid="The vetting expiry date must be a real date, like 2027-03-31")

    def validate_vetting_expires_on(self, field):
        if field.data and not date(2000, 1, 1) <= field.data <= date(2100, 12, 31):
            raise ValidationError("The vetting expiry date must be a real date, like 2027-03-31")


def status(row, today):
    """The volunteer's custody record review status, in words."""
    expires = row["vetting_expires_on"]
    if not row["crr_trained"]:
        return "Not trained"
    if not expires:
        return "Trained; vetting date not recorded"
    if expires < today.isoformat():
        return f"Trained; vetting expired {date.fromisoformat(expires):%-d %b %Y}"
    return f"Can review; vetting until {date.fromisoformat(expires):%-d %b %Y}"


def with_panel_names(db, rows):
    panels = suites.panel_names(db, [r["panel_id"] for r in rows])
    return [{**r, "panel_name": panels.get(r["panel_id"])} for r in rows]


def get_volunteer(db, user_id):
    row = people.volunteer(db, user_id)
    return with_panel_names(db, [row])[0] if row else abort(404, "There is no visitor with that number.")


@bp.route("/")
@role_required(*COORDINATORS)
def index():
    """Every ICV, with whether they may review custody records."""
    db, today = get_db(), london_today()
    rows = with_panel_names(db, people.volunteers(db))
    return render_template("volunteers/index.html", volunteers=[{**r, "status": status(r, today)}
                                                                for r in rows])


@bp.route("/<int:user_id>", methods=["GET", "POST"])
@role_required(*COORDINATORS)
def edit(user_id):
    """Mark a volunteer trained in custody record review and set their vetting expiry date."""
    db = get_db()
    volunteer = get_volunteer(db, user_id)
    form = VolunteerForm(data={"crr_trained": bool(volunteer["crr_trained"]), "vetting_expires_on":
                               date.fromisoformat(volunteer["vetting_expires_on"])
                               if volunteer["vetting_expires_on"] else None})
    if form.validate_on_submit():
        changes = {"crr_trained": int(form.crr_trained.data),
                   "vetting_expires_on": form.vetting_expires_on.data.isoformat()
                   if form.vetting_expires_on.data else None}
        with writing(db):
            people.update(db, user_id, {**changes, "updated_at": now_iso()})
            audit.log(db, current_user.id, "update", "user", user_id,
                      before={k: volunteer[k] for k in changes}, after=changes)
        flash(f"Saved {volunteer['display_name']}. {status(changes, london_today())}.")
        return redirect(url_for("volunteers.index"))
    return render_template("volunteers/edit.html", form=form, volunteer=volunteer), \
        400 if form.is_submitted() else 200
