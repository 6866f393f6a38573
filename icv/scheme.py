"""Running the scheme: the custody suites and the panels that visit them (issue 10). Admins and
coordinators add and rename suites and panels, move a suite to another panel and open, close or
mark a suite as contingency. A closed suite leaves the visit form and keeps its reports. Every
change is written to the audit log in the same transaction; the SQL is icv/suites.py's."""
import sqlite3

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import DataRequired, Length

from . import audit, suites
from .auth import COORDINATORS, role_required
from .db import get_db, writing
from .forms import Choice, Radios, options
from .main import keeps_input

bp = Blueprint("scheme", __name__)

NO_PANEL = "none"


class SuiteForm(FlaskForm):
    name = StringField("Name of the custody suite", validators=[
        DataRequired("Enter the name of the custody suite"),
        Length(max=suites.NAME_MAX, message=f"The name must be {suites.NAME_MAX} characters or fewer")])
    status = Radios("Status", choices=suites.STATUSES, message="Select the suite's status",
                    description="A closed suite is no longer offered on the visit report form. "
                                "Its reports are kept.")
    panel = Choice("Panel that visits it", message="Select a panel, or no panel")


class PanelForm(FlaskForm):
    name = StringField("Name of the panel", validators=[
        DataRequired("Enter the name of the panel"),
        Length(max=suites.NAME_MAX, message=f"The name must be {suites.NAME_MAX} characters or fewer")])


def suite_form(db, suite=None):
    form = SuiteForm(data={"name": suite["name"], "status": suite["status"],
                           "panel": str(suite["panel_id"] or NO_PANEL)} if suite else {"status": "24_7"})
    form.panel.choices = options([(str(i), n) for i, n in suites.all_panels(db)] + [(NO_PANEL, "No panel")])
    return form


def chosen(form):
    """The suite's fields from a valid SuiteForm: name, status, panel_id."""
    panel = form.panel.data
    return {"name": form.name.data.strip(), "status": form.status.data,
            "panel_id": None if panel == NO_PANEL else int(panel)}


DUPLICATE_SUITE = "There is already a suite with that name"
DUPLICATE_PANEL = "There is already a panel with that name"


def address():
    return request.remote_addr


@bp.route("/suites/")
@role_required(*COORDINATORS)
def suite_list():
    """Every custody suite with its status and panel."""
    return render_template("scheme/suites.html", suites=suites.suite_list(get_db()),
                           statuses=dict(suites.STATUSES))


def saved(db, form, taken, write):
    """Run write() in one transaction with its audit entry, unless another suite or panel has
    the name (`taken`, or the UNIQUE constraint a moment later): then False, with the message
    next to the name field."""
    if not taken:
        try:
            with writing(db):
                write()
            return True
        except sqlite3.IntegrityError:  # the same name added a moment ago
            pass
    form.name.errors.append(DUPLICATE_SUITE if isinstance(form, SuiteForm) else DUPLICATE_PANEL)
    return False


def page(template, form, **context):
    return render_template(template, form=form, **context), 400 if form.is_submitted() else 200


@bp.route("/suites/new", methods=["GET", "POST"])
@role_required(*COORDINATORS)
@keeps_input
def new_suite():
    """Add a custody suite."""
    db = get_db()
    form = suite_form(db)
    if form.validate_on_submit():
        fields = chosen(form)

        def write():
            suite_id = suites.add_suite(db, **fields)
            audit.log(db, current_user.id, "create", "suite", suite_id, address=address(), **fields)
        if saved(db, form, suites.suite_name_taken(db, fields["name"]), write):
            flash(f"Added {fields['name']}.")
            return redirect(url_for("scheme.suite_list"))
    return page("scheme/suite.html", form, suite=None)


@bp.route("/suites/<int:suite_id>", methods=["GET", "POST"])
@role_required(*COORDINATORS)
@keeps_input
def edit_suite(suite_id):
    """Rename a suite, move it to another panel, or open, close or mark it as contingency."""
    db = get_db()
    suite = suites.get_suite(db, suite_id) or abort(404, "There is no custody suite with that number.")
    form = suite_form(db, suite)
    if form.validate_on_submit():
        fields = chosen(form)
        changed = {k: v for k, v in fields.items() if v != suite[k]}

        def write():
            suites.update_suite(db, suite_id, **fields)
            audit.log(db, current_user.id, "update", "suite", suite_id, address=address(),
                      before={k: suite[k] for k in changed}, after=changed)
        if not changed:
            flash(f"Nothing changed for {suite['name']}.")
            return redirect(url_for("scheme.suite_list"))
        if saved(db, form, suites.suite_name_taken(db, fields["name"], leaving_out=suite_id), write):
            flash(f"Saved {fields['name']}.")
            return redirect(url_for("scheme.suite_list"))
    return page("scheme/suite.html", form, suite=suite)


@bp.route("/panels/")
@role_required(*COORDINATORS)
def panel_list():
    """Every panel and the suites it visits."""
    return render_template("scheme/panels.html", panels=suites.panel_list(get_db()))


@bp.route("/panels/new", methods=["GET", "POST"])
@role_required(*COORDINATORS)
@keeps_input
def new_panel():
    """Add a panel (then give it suites from each suite's page)."""
    db = get_db()
    form = PanelForm()
    if form.validate_on_submit():
        name = form.name.data.strip()

        def write():
            panel_id = suites.add_panel(db, name)
            audit.log(db, current_user.id, "create", "panel", panel_id, address=address(), name=name)
        if saved(db, form, suites.panel_name_taken(db, name), write):
            flash(f"Added the {name} panel. Give it suites from each suite's page.")
            return redirect(url_for("scheme.panel_list"))
    return page("scheme/panel.html", form, panel=None)


@bp.route("/panels/<int:panel_id>", methods=["GET", "POST"])
@role_required(*COORDINATORS)
@keeps_input
def edit_panel(panel_id):
    """Rename a panel."""
    db = get_db()
    panel = suites.get_panel(db, panel_id) or abort(404, "There is no panel with that number.")
    form = PanelForm(data={"name": panel["name"]})
    if form.validate_on_submit():
        name = form.name.data.strip()

        def write():
            suites.rename_panel(db, panel_id, name)
            audit.log(db, current_user.id, "update", "panel", panel_id, address=address(),
                      before={"name": panel["name"]}, after={"name": name})
        if name == panel["name"]:
            flash(f"Nothing changed for the {name} panel.")
            return redirect(url_for("scheme.panel_list"))
        if saved(db, form, suites.panel_name_taken(db, name, leaving_out=panel_id), write):
            flash(f"Saved the {name} panel.")
            return redirect(url_for("scheme.panel_list"))
    return page("scheme/panel.html", form, panel=panel)
