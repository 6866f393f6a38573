"""The admin's pages (issue 10): the home page of what needs attention, and the audit log,
searched by person, action, object and London dates, a page at a time, newest first, and
exported as CSV (the same search, built whole). Admins only."""
import json
import re
from datetime import time, timedelta

import click
from flask import Blueprint, render_template, request
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import Optional, Regexp, ValidationError

from . import audit, people, suites
from .accounts import links, throttle
from .auth import role_required
from .db import get_db, writing
from .forms import Choice, Date, optional_int, options
from .summaries.exports import csv_response
from .times import format_london, london_to_utc, london_today, to_iso, utcnow
from .visits import store as visits

# Its commands are `flask audit ...` (verify).
bp = Blueprint("admin", __name__, cli_group="audit")
bp.cli.help = "The audit log: check its hash chain (`flask audit verify`)."

VETTING_DAYS = 60  # vetting that expires this soon needs renewing now
UNVISITED_DAYS = 7  # an open suite with no report for this long needs a visit
PER_PAGE = 50


@bp.route("/admin")
@role_required("admin")
def home():
    """What needs the admin's attention: vetting running out, suites nobody has visited lately,
    invitations not taken up and accounts locked by throttling."""
    db, today = get_db(), london_today()
    cutoff = to_iso(utcnow() - timedelta(days=UNVISITED_DAYS))
    open_suites = suites.visitable(db)
    last = visits.last_visited(db, [i for i, _ in open_suites])
    unvisited = [{"id": i, "name": n, "last": last.get(i)} for i, n in open_suites
                 if not last.get(i) or last[i] < cutoff]
    invitations = [{**row, "link_expires": links.pending_invitation(db, row["id"])}
                   for row in people.not_joined(db)]
    locked = [{**row, "display_name": account["display_name"], "email": account["email"]}
              for row in throttle.locked(db) for account in [people.account(db, row["user_id"])]
              if account]  # a handful at most: one lookup each
    return render_template("admin/home.html", today=today.isoformat(),
                           vetting=people.vetting_due(db, today + timedelta(days=VETTING_DAYS)),
                           unvisited=unvisited, any_open_suite=bool(open_suites),
                           invitations=invitations, locked=locked,
                           vetting_days=VETTING_DAYS, unvisited_days=UNVISITED_DAYS)


class AnyPerson(Choice):
    """The list of people, where choosing none means anyone."""

    def pre_validate(self, form):
        if self.data is not None:
            super().pre_validate(form)


class AuditSearchForm(FlaskForm):
    class Meta:
        csrf = False  # a GET form that only reads

    person = AnyPerson("Person", coerce=optional_int, message="Select a person from the list")
    action = StringField("Action", validators=[Optional()], description="For example, view or update")
    object_type = StringField("Object", validators=[Optional()],
                              description="What it was done to, for example visit or suite")
    object_id = StringField("Object number", validators=[
        Optional(), Regexp(r"^\s*\d{1,18}\s*$", message="The object number must be a whole number, like 12")],
        render_kw={"inputmode": "numeric"})
    start = Date("From", validators=[Optional()], description="A London date, for example 2026-11-01",
                 invalid="The from date must be a real date, like 2026-11-01")
    end = Date("To", validators=[Optional()], description="A London date, for example 2026-11-30",
               invalid="The to date must be a real date, like 2026-11-30")

    def validate_end(self, field):
        if field.data and self.start.data and field.data < self.start.data:
            raise ValidationError("The to date must be the same as or after the from date")

    def filters(self):
        """The search as audit.search takes it: stored-UTC bounds of the London dates."""
        start, end = self.start.data, self.end.data
        return {"user_id": self.person.data, "action": (self.action.data or "").strip(),
                "object_type": (self.object_type.data or "").strip(),
                "object_id": int(self.object_id.data) if (self.object_id.data or "").strip() else None,
                "start": to_iso(london_to_utc(start, time(0))) if start else None,
                "end": to_iso(london_to_utc(end + timedelta(days=1), time(0))) if end else None}

    def args(self, **extra):
        """The search as query arguments (for page links and the CSV link)."""
        found = {f.name: request.args.get(f.name) for f in self if request.args.get(f.name)}
        return {**found, **extra}


def search_form(db):
    form = AuditSearchForm(request.args)
    form.person.choices = options([("", "Anyone")] + [(str(i), n) for i, n in people.everyone(db)])
    return form


@bp.route("/audit")
@role_required("admin")
def audit_log():
    """Search the audit log: newest first, PER_PAGE entries a page."""
    db = get_db()
    form = search_form(db)
    page = max(1, request.args.get("page", 1, type=int))
    if not form.validate():
        return render_template("admin/audit.html", form=form, entries=None, page=page), 400
    entries, more = audit.search(db, page=page, per_page=PER_PAGE, **form.filters())
    return render_template("admin/audit.html", form=form, entries=entries, more=more, page=page,
                           actions=audit.ACTIONS, object_types=audit.OBJECT_TYPES, detail=detail_text)


def detail_text(entry):
    """An entry's detail as 'key: value' pairs, for the page and the CSV."""
    found = json.loads(entry["detail"] or "{}")
    return "; ".join(f"{k}: {json.dumps(v) if isinstance(v, (dict, list)) else v}"
                     for k, v in found.items())


CSV_HEADER = ["id", "at_utc", "at_london", "user_id", "person", "action", "object_type",
              "object_id", "address", "detail_json"]


@bp.route("/audit.csv")
@role_required("admin")
def audit_export():
    """The same search as a CSV file, every entry it finds, built whole before it is sent."""
    db = get_db()
    form = search_form(db)
    if not form.validate():
        return render_template("admin/audit.html", form=form, entries=None, page=1), 400
    filters = form.filters()
    found = audit.count(db, **filters)
    if found > audit.EXPORT_LIMIT:
        form.start.errors.append(f"That search finds {found:,} entries, more than one file can hold "
                                 f"({audit.EXPORT_LIMIT:,}). Narrow it, for example by dates.")
        return render_template("admin/audit.html", form=form, entries=None, page=1), 400
    rows = [[e["id"], e["at"], format_london(e["at"], "%Y-%m-%d %H:%M:%S"), e["user_id"],
             e["user_name"] or "", e["action"], e["object_type"], e["object_id"], e["address"] or "",
             e["detail"]] for e in audit.export(db, **filters)]
    with writing(db):
        audit.log(db, current_user.id, "export", "audit_log", address=request.remote_addr,
                  entries=len(rows), search={k: v for k, v in filters.items() if v not in (None, "")})
    return csv_response(f"icv-audit-{london_today().isoformat()}.csv", CSV_HEADER, rows)


@bp.cli.command("verify")
@click.option("--expect", metavar="ID:HASH", help="Also check that entry ID still has HASH, as an "
              "earlier run printed it and you kept it elsewhere.")
def verify_command(expect):
    """Check the audit log's hash chain; print the first broken link, or the latest entry's hash
    to keep elsewhere. Exit status 1 if broken."""
    kept = re.fullmatch(r"#?(\d+):([0-9a-f]{64})", expect.strip().lower()) if expect else None
    if expect and not kept:
        raise click.BadParameter("give the entry and hash as ID:HASH, as `flask audit verify` printed "
                                 "them, such as 124:9f86d08...", param_hint="--expect")
    db = get_db()
    verdict = audit.verify(db)
    click.echo(verdict.summary())
    if not verdict.intact:
        raise SystemExit(1)
    checkpoint = verdict.checkpoint
    if checkpoint:
        click.echo(f"Checked from the checkpoint after entry #{checkpoint['last_id']} (a purge on "
                   f"{format_london(checkpoint['at'], '%Y-%m-%d %H:%M')} removed "
                   f"{checkpoint['removed']} older entries).")
    if kept:
        ok, message = audit.compare_kept(db, verdict, int(kept[1]), kept[2])
        click.echo(message)
        if not ok:
            raise SystemExit(1)
    if verdict.last_id:
        click.echo(f"Latest entry: #{verdict.last_id} "
                   f"({format_london(verdict.last_at, '%Y-%m-%d %H:%M')}), hash {verdict.last_hash}")
        click.echo(f"Keep it elsewhere; later, check with: flask audit verify "
                   f"--expect {verdict.last_id}:{verdict.last_hash}")
