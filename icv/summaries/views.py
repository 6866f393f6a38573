"""The summary page and its exports: read-only reporting (every view and download is audited)."""
import csv
import io
import itertools
import json
import re

from flask import Blueprint, Response, abort, current_app, render_template, request
from flask_login import current_user

from .. import audit, codes, flags
from ..auth import COORDINATORS, STAFF, role_required
from ..db import get_db, writing
from ..times import format_london, london_today, month_bounds, now_iso
from . import charts
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


FLAG_KINDS = [f.kind for f in flags.FLAGS]


def parse_month(text):
    """(year, month) from 'YYYY-MM', or a 404 for an address that names no month."""
    match = re.fullmatch(r"(\d{4})-(\d{2})", text)
    if not match or not 1 <= int(match[2]) <= 12 or not 2000 <= int(match[1]) <= 2100:
        abort(404, "That is not a month. Use an address like /summaries/2026-11/visits.csv.")
    return int(match[1]), int(match[2])


def parse_year(text):
    """The year of 'YYYY', or a 404 for an address that names no year."""
    if not re.fullmatch(r"\d{4}", text) or not 2000 <= int(text) <= 2100:
        abort(404, "That is not a year. Use an address like /summaries/year/2026/visits.csv.")
    return int(text)


def year_bounds(year):
    """Stored-UTC text bounds [start, end) of a London calendar year."""
    return month_bounds(year, 1)[0], month_bounds(year + 1, 1)[0]


# Every query here starts from the period's visits on visits_arrived and reaches entries, flags
# and escalations by their visit or entry indexes; CROSS JOIN fixes that order, so SQLite
# never walks flags_kind (every flag ever recorded) or visits_suite (every visit) to save a sort.
# tests/test_summary_plans.py checks each plan.

def month_totals(db, start, end):
    """Visits, detainees and flags in [start, end)."""
    totals = next(db.query("""
        SELECT count(*) AS visits, coalesce(sum(in_custody), 0) AS in_custody,
          coalesce(sum(spoke_with), 0) AS spoke_with,
          coalesce(sum(partner_id IS NULL), 0) AS single_visitor
        FROM visits WHERE arrived_at >= ? AND arrived_at < ?""", [start, end]))
    flag_counts = {r["kind"]: r["n"] for r in db.query("""
        SELECT f.kind, count(*) AS n
        FROM visits v CROSS JOIN detainee_entries d ON d.visit_id = v.id
          CROSS JOIN flags f ON f.detainee_entry_id = d.id
        WHERE v.arrived_at >= ? AND v.arrived_at < ? AND d.removed_at IS NULL
        GROUP BY f.kind""", [start, end])}
    totals["flags"] = {kind: flag_counts.get(kind, 0) for kind in FLAG_KINDS}
    totals["escalations"] = {r["priority"]: r["n"] for r in db.query("""
        SELECT e.priority, count(*) AS n FROM visits v CROSS JOIN escalations e ON e.visit_id = v.id
        WHERE v.arrived_at >= ? AND v.arrived_at < ? AND e.still_raised = 1
        GROUP BY e.priority""", [start, end])}
    return totals


def flags_by_visit(db, start, end):
    """{visit id: {kind: entries flagged}} for the visits in [start, end)."""
    found = {}
    for r in db.query("""
            SELECT v.id AS visit_id, f.kind, count(*) AS n
            FROM visits v CROSS JOIN detainee_entries d ON d.visit_id = v.id
              CROSS JOIN flags f ON f.detainee_entry_id = d.id
            WHERE v.arrived_at >= ? AND v.arrived_at < ? AND d.removed_at IS NULL
            GROUP BY v.id, f.kind""", [start, end]):
        found.setdefault(r["visit_id"], {})[r["kind"]] = r["n"]
    return found


def suite_rows(db, start, end):
    """Per suite: visits, detainees in custody and spoken with, flags raised."""
    rows = list(db.query("""
        SELECT s.id, s.name, count(*) AS visits, sum(v.in_custody) AS in_custody,
          sum(v.spoke_with) AS spoke_with
        FROM visits v CROSS JOIN suites s ON s.id = v.suite_id
        WHERE v.arrived_at >= ? AND v.arrived_at < ?
        GROUP BY s.id ORDER BY s.name""", [start, end]))
    flagged = {}
    for r in db.query("""
            SELECT v.suite_id, count(*) AS n
            FROM visits v INDEXED BY visits_arrived CROSS JOIN detainee_entries d ON d.visit_id = v.id
              CROSS JOIN flags f ON f.detainee_entry_id = d.id
            WHERE v.arrived_at >= ? AND v.arrived_at < ? AND d.removed_at IS NULL
            GROUP BY v.suite_id""", [start, end]):
        flagged[r["suite_id"]] = r["n"]
    return [{**r, "flags": flagged.get(r["id"], 0)} for r in rows]


@bp.route("/")
@role_required(*STAFF)
def summary():
    """The summary of an area over a period: staff figures, or the published edition."""
    db = get_db()
    today = london_today()
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


def export(db, period, filename, header, rows):
    """The CSV download, logged once it is built (a query that fails exported nothing)."""
    response = csv_response(filename, header, rows)
    logged(db, "export", period, file=filename)
    return response


def csv_cell(value):
    """A cell that a spreadsheet will not run as a formula."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return "" if value is None else value


def csv_response(filename, header, rows):
    """The whole CSV as one download with its Content-Length.

    It is written out before anything is sent: a query that fails is an error page, not a
    200 with half a file, and a connection cut part-way is a failed download in the browser
    (the length says what a complete file holds), never a short file that looks complete."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for row in itertools.chain([header], rows):
        writer.writerow([csv_cell(v) for v in row])
    body = buffer.getvalue().encode()
    return Response(body, mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="{filename}"',
        "Content-Length": str(len(body))})


VISIT_HEADER = ["visit_id", "suite", "arrived_london", "departed_london", "visitor", "partner",
                "in_custody", "spoke_with", "detainee_entries", *FLAG_KINDS, "escalations"]


def visit_rows(db, start, end):
    """One CSV row per visit in [start, end)."""
    flagged = flags_by_visit(db, start, end)
    for r in db.query("""
        SELECT v.*, s.name AS suite, c.display_name AS visitor, p.display_name AS partner,
          (SELECT count(*) FROM detainee_entries d WHERE d.visit_id = v.id AND d.removed_at IS NULL)
            AS entries,
          (SELECT count(*) FROM escalations e WHERE e.visit_id = v.id AND e.still_raised = 1)
            AS escalation_count
        FROM visits v CROSS JOIN suites s ON s.id = v.suite_id CROSS JOIN users c ON c.id = v.created_by
        LEFT JOIN users p ON p.id = v.partner_id
        WHERE v.arrived_at >= ? AND v.arrived_at < ? ORDER BY v.arrived_at, v.id""", [start, end]):
        kinds = flagged.get(r["id"], {})
        yield [r["id"], r["suite"], format_london(r["arrived_at"], "%Y-%m-%d %H:%M"),
               format_london(r["departed_at"], "%Y-%m-%d %H:%M"), r["visitor"], r["partner"] or "",
               r["in_custody"], r["spoke_with"], r["entries"], *[kinds.get(k, 0) for k in FLAG_KINDS],
               r["escalation_count"]]


FLAG_COLUMNS = [(f.kind, q.name) for f in flags.FLAGS for q in f.questions]
ENTRY_HEADER = ["visit_id", "entry_id", "suite", "visit_date_london", "age_band", "gender",
                "ethnicity_ons_2021", "ethnicity_sde_18p1", *FLAG_KINDS,
                *[f"{kind}_{name}" for kind, name in FLAG_COLUMNS], "escalation_rules"]


def entry_rows(db, start, end):
    """One CSV row per detainee entry in [start, end), with every flag answer as a column.

    Custody record numbers stay out of exports: the summary does not need them."""
    for r in db.query("""
        SELECT d.*, v.arrived_at, s.name AS suite,
          (SELECT json_group_object(f.kind, json(f.answers)) FROM flags f
            WHERE f.detainee_entry_id = d.id) AS flag_json,
          (SELECT group_concat(e.rule_id, ' ') FROM escalations e
            WHERE e.detainee_entry_id = d.id AND e.still_raised = 1) AS rules
        FROM visits v CROSS JOIN detainee_entries d ON d.visit_id = v.id
          CROSS JOIN suites s ON s.id = v.suite_id
        WHERE v.arrived_at >= ? AND v.arrived_at < ? AND d.removed_at IS NULL
        ORDER BY v.arrived_at, v.id, d.position""",
                          [start, end]):
        raised = json.loads(r["flag_json"] or "{}")
        yield [r["visit_id"], r["id"], r["suite"], format_london(r["arrived_at"], "%Y-%m-%d"),
               r["age_band"], r["gender"], r["ethnicity"], codes.SDE_18P1.get(r["ethnicity"], ""),
               *["yes" if kind in raised else "no" for kind in FLAG_KINDS],
               *[raised.get(kind, {}).get(name, "") for kind, name in FLAG_COLUMNS],
               r["rules"] or ""]


@bp.route("/<month>/visits.csv")
@role_required(*COORDINATORS)
def export_visits(month):
    """CSV of the month's visits, one row per visit."""
    start, end = month_bounds(*parse_month(month))
    db = get_db()
    return export(db, month, f"icv-visits-{month}.csv", VISIT_HEADER, visit_rows(db, start, end))


@bp.route("/<month>/detainees.csv")
@role_required(*COORDINATORS)
def export_entries(month):
    """CSV of the month's detainee entries and their flags, one row per entry."""
    start, end = month_bounds(*parse_month(month))
    db = get_db()
    return export(db, month, f"icv-detainees-flags-{month}.csv", ENTRY_HEADER, entry_rows(db, start, end))


@bp.route("/year/<year>/visits.csv")
@role_required(*COORDINATORS)
def export_year_visits(year):
    """CSV of the year's visits, one row per visit (the month export's columns)."""
    start, end = year_bounds(parse_year(year))
    db = get_db()
    return export(db, year, f"icv-visits-{year}.csv", VISIT_HEADER, visit_rows(db, start, end))


@bp.route("/year/<year>/detainees.csv")
@role_required(*COORDINATORS)
def export_year_entries(year):
    """CSV of the year's detainee entries and their flags, one row per entry."""
    start, end = year_bounds(parse_year(year))
    db = get_db()
    return export(db, year, f"icv-detainees-flags-{year}.csv", ENTRY_HEADER, entry_rows(db, start, end))
