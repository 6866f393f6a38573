"""The custody team's queue: views, filters in the query string, counts per view, pages, and
bulk assign and close (one escalation's page is detail.py).

Only the custody team, coordinators and admins come here; a visitor sees what happened to their
findings on their own reports (icv/visits). Opening the queue checks the last month ended with
the monthly rules (AG1, AG2) once it is due; `flask monthly-rules` checks a month on demand."""
from math import ceil

import click
from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from .. import rules, suites
from ..auth import STAFF, role_required
from ..db import get_db
from ..forms import check_free_text, error_list, options
from ..main import form_meta, keeps_input
from ..rulebook import in_force
from ..summaries import monthly as monthly_rules
from ..summaries.periods import Period
from ..times import format_london, london_today, now_iso
from . import queries, workflow
from .forms import BulkForm, FilterForm, row_number
from .queries import STATUS_LABELS, VIEWS, Filters

# The escalation pages: the queue here, one escalation's page in detail.py (create_app imports it).
# cli_group=None: its command is `flask monthly-rules`, not `flask escalations monthly-rules`.
bp = Blueprint("escalations", __name__, url_prefix="/escalations", cli_group=None)


# The queue ------------------------------------------------------------------------------------

def filter_form(db):
    form = FilterForm(request.args)
    form.set_choices(
        suites.all_suites(db),
        suites.all_panels(db),
        [(r.id, r.title) for r in sorted(rules.RULES, key=lambda r: r.id)])
    return form


def filters_from(form):
    def number(field):
        return int(field.data) if field.data else None
    return Filters(view=form.view.data, priority=form.priority.data, suite=number(form.suite),
                   panel=number(form.panel), rule=form.rule.data, status=form.status.data,
                   page=int(form.page.data or 1))


def bulk_form(db, posted=False):
    """The bulk form: as posted, or blank."""
    form = BulkForm(meta=form_meta()) if posted else BulkForm(formdata=None)
    form.assigned_to.choices = options([("", "Choose a person")] + people(db))
    return form


def people(db):
    return [(str(i), n) for i, n in queries.staff(db)]


def render_queue(db, bulk=None, errors=(), status=200):
    """The queue page for the filters in the query string; `errors` (target, message) from a
    bulk action come first in the error summary."""
    form = filter_form(db)
    bulk = bulk or bulk_form(db)
    today = london_today()
    valid = form.validate()
    context = dict(filter_form=form, bulk=bulk, views=VIEWS, today=today,
                   found=[*errors, *error_list(form), *error_list(bulk)],
                   due_state=queries.due_state, status_labels=STATUS_LABELS,
                   summary_area=queries.summary_area)
    if not valid:
        return render_template("escalations/queue.html", filters=Filters(), items=[], counts=None,
                               page=1, pages=1, active=[], **context), 400
    f = filters_from(form)
    canonical = {k: str(v) for k, v in f.args().items()}
    if request.method == "GET" and request.args.to_dict() != canonical:
        # the filter form sends every box, empty ones too: keep bookmarks short and stable
        return redirect(url_for("escalations.queue", **canonical))
    counts = queries.counts(db, f, current_user.id, today.isoformat())
    size = current_app.config["QUEUE_PAGE_SIZE"]
    items = queries.queue(db, f, current_user.id, today.isoformat(), size)
    pages = max(1, ceil(counts[f.view]["total"] / size))
    return render_template("escalations/queue.html", filters=f, items=items, counts=counts,
                           page=f.page, pages=pages, active=active_filters(form), **context), status


def active_filters(form):
    """The filters in use, in words: ["Status: New", "Custody suite: Brixton"]."""
    return [f"{field.label.text}: {next(c.label for c in field.choices if str(c.value) == field.data)}"
            for field in (form.priority, form.status, form.suite, form.panel, form.rule) if field.data]


@bp.route("/")
@role_required(*STAFF)
def queue():
    """Open escalations (or one status), most urgent then oldest, with views and filters. The
    last month ended is checked with the monthly rules first, once it is due."""
    db = get_db()
    monthly_rules.run_due(db, london_today(), now=now_iso(), **in_force())
    return render_queue(db)


def selected(values):
    """[(id, version)] of the ticked escalations; None if a value is not "<id>:<version>"."""
    found = []
    for value in values:
        escalation_id, _, version = value.partition(":")
        if not (row_number(escalation_id) and row_number(version)):
            return None
        found.append((int(escalation_id), int(version)))
    return found


@bp.route("/bulk", methods=["POST"])
@role_required(*STAFF)
@keeps_input
def bulk():
    """Assign or close the ticked escalations; any changed since the page was loaded (or not
    allowed now) are left as they are and listed; the rest are done."""
    db = get_db()
    form = bulk_form(db, posted=True)
    action = request.form.get("action")
    items = selected(request.form.getlist("selected"))
    needed = {"assign": ["assigned_to"], "close": ["close_as", "reason"]}.get(action)
    if needed is None or items is None:
        return render_queue(db, form, [("main-content", "Choose an action for the selected "
                                         "escalations, then try again.")], 400)
    valid = [f.validate(form) for f in form if f.name in needed or f.type == "CSRFTokenField"]
    if action == "close" and not (form.reason.data or "").strip():
        form.reason.errors = [*form.reason.errors, "Enter the reason for closing them"]
    elif action == "close":  # the reason goes in each one's history: no personal details
        check_free_text(form, form.privacy_settings)
    errors = [] if items else [("select-first", "Select at least one escalation")]
    if errors or not all(valid) or form.reason.errors:
        return render_queue(db, form, errors, 400)
    user_id = current_user.id
    if action == "assign":
        assignee = int(form.assigned_to.data)
        done, refused = workflow.bulk(db, items, lambda i, v: workflow.assign(db, i, v, user_id, assignee))
        what = f"Assigned {plural(len(done))} to {dict(queries.staff(db)).get(assignee)}."
    else:
        status, reason = form.close_as.data, form.reason.data
        done, refused = workflow.bulk(
            db, items, lambda i, v: workflow.set_status(db, i, v, user_id, status, reason))
        what = f"Closed {plural(len(done))} as {STATUS_LABELS[status].lower()}."
    if not refused:
        flash(what)
        return redirect(url_for("escalations.queue", **request.args))
    problems = [(f"item-{i}", refusal_line(db, i, why)) for i, why in refused]
    if done:
        flash(what)
    return render_queue(db, bulk_form(db), problems, max(why.status for _, why in refused))


def plural(n):
    return f"{n} escalation{'s' if n != 1 else ''}"


def refusal_line(db, escalation_id, why):
    """Why one escalation of a bulk action was left alone, naming the other person's change."""
    if isinstance(why, workflow.Stale):
        latest = queries.history(db, escalation_id)[-1:]
        change = f" {who(latest[0])} at {format_london(latest[0]['created_at'], '%H:%M')}: " \
                 f"{queries.describe(latest[0])}" if latest else ""
        return (f"Escalation {escalation_id} was changed after you loaded the page, so it was "
                f"left as it is.{change}")
    return f"Escalation {escalation_id}: {why.message}"


def who(ev):
    if ev["user_id"] is None:
        return "The rules"
    return f"{ev['user_name']} (you)" if ev["user_id"] == current_user.id else ev["user_name"]


# The monthly rules on demand (for cron, or after late corrections) -----------------------------

@bp.cli.command("monthly-rules")
@click.option("--month", metavar="YYYY-MM", help="The London month to check (default: the last "
              "month ended). Run again, it withdraws what corrected reports no longer show.")
def monthly_rules_command(month):
    """Check a month's visit reports with the monthly rules (AG1, AG2) and say what changed."""
    today = london_today()
    period = Period.parse(month) if month else Period.month_of(today).previous()
    if period is None or period.kind != "month":
        raise click.BadParameter("give a month as YYYY-MM, such as 2026-10", param_hint="--month")
    if not period.has_ended(today):
        raise click.BadParameter(f"{period.label} has not ended yet", param_hint="--month")
    db = get_db()
    done = monthly_rules.run(db, period, now=now_iso(), **in_force())
    click.echo(f"Checked {period.label} with the monthly rules.")
    for what, ids in done.items():
        for escalation_id in ids:
            e = queries.get(db, escalation_id)
            click.echo(f"{what.capitalize()}: escalation {escalation_id}, {e['rule_id']}: {e['title']}")
    if not any(done.values()):
        click.echo("Nothing changed.")
