"""The summary page: read-only reporting, every view audited (its downloads are export_views.py)."""
from flask import Blueprint, current_app, render_template, request
from flask_login import current_user

from .. import audit
from ..auth import COORDINATORS, STAFF, role_required
from ..db import get_db, writing
from ..times import london_today, now_iso
from ..rulebook import in_force
from . import charts, monthly
from .figures import build_summary
from .formatting import cell_text
from .forms import SummaryForm, grouped
from .periods import Period, area_choices, area_from_key, period_choices
from .publish import published

bp = Blueprint("summaries", __name__, url_prefix="/summaries")


@bp.app_context_processor
def summary_helpers():
    """cell() and chart() for the summary templates."""
    return {"cell": cell_text, "chart": charts.render}


@bp.route("/")
@role_required(*STAFF)
def summary():
    """The summary of an area over a period: staff figures, or the published edition."""
    db = get_db()
    today = london_today()
    # The monthly rules (AG1, AG2) check last month once it is due, so its escalations are
    # raised even if nobody opens the queue first.
    monthly.run_due(db, today, now=now_iso(), **in_force())
    form = SummaryForm(request.args, meta={"csrf": False})
    form.area.choices = grouped(area_choices(db))
    form.period.choices = grouped(period_choices(today))
    if "period" not in request.args:
        form.period.data = Period.month_of(today).key
    if "area" not in request.args:
        form.area.data = "london"
    if "edition" not in request.args:
        form.edition.data = "staff"
    if not form.validate():
        return render_template("summaries/summary.html", form=form, summary=None), 400
    area, period = area_from_key(db, form.area.data), Period.parse(form.period.data)
    settings = summary_settings()
    found = build_summary(db, area, period, settings, today, now_iso())
    if form.edition.data == "published":
        found = published(found, settings)
    logged(db, "view", period.key, area=area.key, edition=found.edition)
    return render_template("summaries/summary.html", form=form, summary=found,
                           can_export=current_user.has_role(*COORDINATORS))


def summary_settings():
    """The thresholds a summary uses: the rules' (AG1, AG2) and the summary's own."""
    return {**current_app.config["RULES"], **current_app.config["SUMMARY"]}


def logged(db, action, period, **detail):
    """Write a summary's view or export to the audit log (a summary is not one record: its
    period and file go in the detail)."""
    with writing(db):
        audit.log(db, current_user.id, action, "summary", address=request.remote_addr, period=period,
                  **detail)
