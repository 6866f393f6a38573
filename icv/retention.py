"""Retention (issue 13): how long each kind of data is kept, and `flask purge`, which anonymises
or deletes what is past its period.

Anonymise, don't just delete: a report or review past its period loses custody record numbers,
record references and free text, but keeps every coded answer the summaries count (age band,
gender, ethnicity, flags, checks, counts, suite, times), so a past summary gives the same figures
after a purge. Drafts are deleted, but only after their owner has been told (by email, and on My
reports or My reviews). A report or review with an escalation still open keeps everything until
it closes. Each kind is done in one transaction with its audit entry; the SQL is each table's
owner's (visits.retention, reviews.retention, drafts.store, people, sessions, throttle, audit).

The periods are RETENTION_DAYS (see DEFAULTS; README "Retention" and docs/security.md V14 say why).
"""
import json
from dataclasses import dataclass, field
from datetime import timedelta

import click
from flask import url_for

from . import audit, mail, people, suites
from .accounts import sessions, throttle, twofactor
from .db import get_db, writing
from .drafts import store as drafts
from .escalations import queries as escalations, workflow as escalation_work
from .reviews import retention as reviews, store as review_store
from .times import format_london, london, to_iso, utcnow
from .visits import retention as visits

# Days each kind of data is kept (instance config RETENTION_DAYS changes them by name).
DEFAULTS = {
    # Custody record numbers on visit reports' detainee entries, counted from the visit. Two
    # years: a complaint, IOPC referral or civil claim about a detention usually surfaces within
    # it, and the summaries compare a period with the same one a year earlier.
    "detainee_details": 730,
    # Free text in reports and reviews (comments, reasons, issues' descriptions), and in closed
    # escalations (police response, outcome, notes, reasons; counted from the closing): where
    # personal details slip in. A year covers the annual report and every panel's follow-up.
    "free_text": 365,
    # Custody record review references (review_records.record_ref), from the session date: as
    # detainee details.
    "record_references": 730,
    # Drafts not saved for this long are deleted; their owners are told draft_warning days first.
    "drafts": 30,
    "draft_warning": 7,
    # The audit log: six years, the limitation period for a civil claim (Limitation Act 1980).
    "audit_log": 2190,
    # Accounts deactivated this long ago lose their name and email (the id stays).
    "deactivated_accounts": 730,
    # Sessions last used, and failed sign-in counts last added to, this long ago.
    "sessions": 90,
}
def settings_from(overrides=None):
    """DEFAULTS with an installation's RETENTION_DAYS; an unknown name, or a period that is not a
    whole number of days of 1 or more, stops the app at start."""
    overrides = dict(overrides or {})
    unknown = overrides.keys() - DEFAULTS.keys()
    if unknown:
        raise ValueError(f"RETENTION_DAYS has unknown names: {', '.join(sorted(unknown))}")
    for name, value in overrides.items():
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValueError(f"RETENTION_DAYS {name} must be a whole number of days of 1 or more, "
                             f"not {value!r}")
    settings = {**DEFAULTS, **overrides}
    if settings["draft_warning"] >= settings["drafts"]:
        raise ValueError("RETENTION_DAYS draft_warning must be fewer days than drafts")
    return settings


@dataclass
class Done:
    """What one kind's purge did (or, in a dry run, would do): {(noun, what was done): count}."""
    kind: str
    counts: dict = field(default_factory=dict)

    def line(self, dry_run):
        """One line for `flask purge`, e.g. "Drafts: 2 owners would be told; 1 draft would be deleted"."""
        parts = []
        for (noun, what), n in self.counts.items():
            verb = "would be" if dry_run else "was" if n == 1 else "were"
            parts.append(f"{n} {SINGULAR.get(noun, noun) if n == 1 else noun} {verb} {what}")
        return f"{self.kind}: {'; '.join(parts)}"


SINGULAR = {"reports": "report", "reviews": "review", "escalations": "escalation", "records": "record",
            "owners": "owner", "drafts": "draft", "emails": "email", "accounts": "account", "sessions": "session",
            "sign-in counts": "sign-in count", "entries": "entry"}


def before(now, days):
    return to_iso(now - timedelta(days=days))


def day_before(now, days):
    """The London date `days` before now, as session dates are stored."""
    return (london(now) - timedelta(days=days)).date().isoformat()


def logged(db, object_type, done, dry_run, **detail):
    """The purge's audit entry for one kind (nothing in a dry run, or when nothing changed)."""
    if not dry_run and any(done.counts.values()):
        audit.log(db, None, "purge", object_type, None, purge=done.kind,
                  **{noun.replace(" ", "_").replace("-", "_"): n for (noun, _), n in done.counts.items()}, **detail)
    return done


def detainee_details(db, settings, now, dry_run):
    cutoff = before(now, settings["detainee_details"])
    with writing(db):
        n = visits.remove_numbers_before(db, cutoff, escalations.still_open(db, "visit_id"), dry_run)
        done = Done("Custody record numbers", {("reports", "anonymised"): n})
        return logged(db, "visit", done, dry_run, before=cutoff)


def free_text(db, settings, now, dry_run):
    cutoff = before(now, settings["free_text"])
    with writing(db):
        done = Done("Free text", {
            ("reports", "emptied"): visits.remove_text_before(
                db, cutoff, escalations.still_open(db, "visit_id"), dry_run),
            ("reviews", "emptied"): reviews.remove_text_before(
                db, day_before(now, settings["free_text"]), escalations.still_open(db, "review_id"), dry_run),
            # The custody team's own words (police response, outcome, notes), once closed so long.
            ("escalations", "emptied"): escalation_work.remove_text_closed_before(db, cutoff, dry_run)})
        # One entry for both: "visit" is the kind of record most of it is about.
        return logged(db, "visit", done, dry_run, before=cutoff)


def record_references(db, settings, now, dry_run):
    cutoff = day_before(now, settings["record_references"])
    with writing(db):
        done = Done("Record review references", {
            ("records", "anonymised"): reviews.remove_refs_before(db, cutoff, dry_run)})
        return logged(db, "review_batch", done, dry_run, sessions_before=cutoff)


def old_drafts(db, settings, now, dry_run, tell=None):
    """Tell the owners of drafts nearing their end (each draft once, `tell(draft, deletes_on)`
    sending the email: True if it went), then delete the drafts whose owners were told long
    enough ago. The emails go before the transaction, so no write waits on the mail server; a
    draft whose email failed is not marked, so it is tried again next time and not deleted."""
    days, warning = settings["drafts"], settings["draft_warning"]
    due = drafts.to_warn(db, days, warning, now)
    told = [] if dry_run else [d for d in due if tell(d, drafts.deletes_on(d, days, warning, now))]
    with writing(db):
        for d in told:
            drafts.mark_warned(db, d["id"], d["updated_at"], to_iso(now))
        done = Done("Drafts", {("owners", "told"): len(due) if dry_run else len(told),
                               ("drafts", "deleted"): drafts.delete_expired(db, days, warning, now, dry_run)})
        if len(told) < len(due):
            done.counts[("emails", "not sent (tried again next time)")] = len(due) - len(told)
        return logged(db, "visit", done, dry_run, not_saved_for_days=days)


def deactivated_accounts(db, settings, now, dry_run):
    cutoff = before(now, settings["deactivated_accounts"])
    with writing(db):
        ids = people.anonymise_deactivated(db, cutoff, dry_run)
        if not dry_run:
            for user_id in ids:
                twofactor.forget(db, user_id)
        done = Done("Deactivated accounts", {("accounts", "anonymised"): len(ids)})
        return logged(db, "user", done, dry_run, deactivated_before=cutoff)


def old_sessions(db, settings, now, dry_run):
    cutoff = before(now, settings["sessions"])
    with writing(db):
        done = Done("Sessions and failed sign-ins", {
            ("sessions", "deleted"): sessions.delete_before(db, cutoff, dry_run),
            ("sign-in counts", "deleted"): throttle.delete_before(db, cutoff, to_iso(now), dry_run)})
        return logged(db, "session", done, dry_run, before=cutoff)


def audit_log(db, settings, now, dry_run):
    """The audit log's own purge keeps its hash chain verifiable from a checkpoint: audit.py's,
    which writes its own transaction, checkpoint and entry."""
    n = audit.purge_older_than(db, before(now, settings["audit_log"]), dry_run=dry_run)
    return Done("Audit log", {("entries", "removed"): n})


def purge(db, settings, now=None, dry_run=False, tell=lambda draft, when: False):
    """Every kind in turn, each in its own transaction: [Done]."""
    now = now or utcnow()
    return [detainee_details(db, settings, now, dry_run), free_text(db, settings, now, dry_run),
            record_references(db, settings, now, dry_run), old_drafts(db, settings, now, dry_run, tell),
            deactivated_accounts(db, settings, now, dry_run), old_sessions(db, settings, now, dry_run),
            audit_log(db, settings, now, dry_run)]


# Telling a draft's owners --------------------------------------------------------------------

def owners(db, draft):
    """The active accounts a draft's warning goes to: a visit draft's writer, or every reviewer
    of a review's record (a pair share its draft)."""
    if draft["kind"] == "review":
        review = review_store.get_review(db, draft["review_id"])
        ids = [user_id for user_id, _ in review_store.reviewers_of(db, review["record_id"])] if review else []
    else:
        ids = [draft["user_id"]]
    return [a for a in (people.get(db, user_id) for user_id in ids) if a]


def warning_text(db, draft, when, link):
    """(subject, body) of the email telling an owner their draft will be deleted on `when`.
    It names the suite and date only: never a custody record number or reference."""
    if draft["kind"] == "review":
        review = review_store.get_review(db, draft["review_id"]) or {}
        what = (f"custody record review for the session at {review.get('suite_name', 'a suite')} on "
                f"{review.get('session_date', '')}")
        where = "My reviews"
    else:
        typed = dict(draft_fields(draft))
        suite = suites.name(db, int(typed["suite_id"])) if str(typed.get("suite_id", "")).isdigit() else None
        what = "visit report" + "".join(f", {x}" for x in (suite, typed.get("visit_date")) if x)
        where = "My reports"
    day = format_london(when, "%-d %B %Y")
    body = (f"Your draft {what} was last saved on {format_london(draft['updated_at'], '%-d %B %Y')}.\n\n"
            f"Drafts are deleted when they have not been saved for a while, so this one will be "
            f"deleted on {day} unless you open it and save it again.\n\n"
            + (f"Open it: {link}\n\n" if link else f"Open it from {where}.\n\n")
            + "If you no longer need it, you need do nothing.\n")
    return f"Your draft will be deleted on {day}", body


def draft_fields(draft):
    return [tuple(pair) for pair in json.loads(draft["fields"])]


def init_app(app):
    """Register `flask purge` (the settings are checked in create_app)."""

    @app.cli.command("purge")
    @click.option("--dry-run", is_flag=True, help="Say what would be anonymised, deleted or emailed, "
                  "with counts, and change nothing.")
    def purge_command(dry_run):
        """Anonymise or delete what is past its retention period (RETENTION_DAYS); email the
        owners of drafts about to be deleted. Run it daily."""
        db, config = get_db(), app.config
        base = (config.get("BASE_URL") or "").rstrip("/")

        def tell(draft, when):
            with app.test_request_context():
                path = drafts_path(draft)
            sent = True
            for owner in owners(db, draft):
                subject, body = warning_text(db, draft, when, base + path if base else "")
                try:
                    mail.send(config, owner["email"], subject, body, debug=app.debug)
                except mail.MailError as error:
                    click.echo(f"Email to account {owner['id']} not sent: {error}", err=True)
                    sent = False
            return sent

        if dry_run:
            click.echo("Dry run: nothing is changed.")
        # What this connection deletes or overwrites is zeroed in the file, not left in free space.
        db.execute("PRAGMA secure_delete = ON")
        for done in purge(db, config["RETENTION"], dry_run=dry_run, tell=tell):
            click.echo(done.line(dry_run))
        if not dry_run:  # old page images leave the write-ahead log (a no-op while others read)
            db.execute("PRAGMA wal_checkpoint(TRUNCATE)")


def drafts_path(draft):
    """The draft's page (in a request context)."""
    endpoint = "reviews.draft" if draft["kind"] == "review" else "visits.draft"
    return url_for(endpoint, client_id=draft["client_id"])
