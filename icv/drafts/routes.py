"""The draft -> autosave -> check -> submit routes visit reports and custody record reviews
share: `register` puts them, and the expired-session keeper, on a kind's blueprint (the kind,
icv/drafts/kinds.py, says what is particular to it). The server's answers to app.js are JSON
codes, never wording.
"""
import json

from flask import abort, flash, jsonify, redirect, request
from flask_login import current_user
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import HTTPException

from ..auth import on_expired_post, role_required, wants_json
from ..db import get_db
from ..main import keeps_input
from ..times import format_london, now_iso
from .kinds import Refused, answer
from .store import BASE, PAGE, Stale, get, too_long, typed_fields


def posted_base():
    """The draft revision the posted page was based on; None if it says none."""
    text = request.form.get(BASE)
    if text is None:
        return None
    return int(text) if text.isdigit() and len(text) < 10 else 0


def register(bp, kind):
    """Put the draft, autosave, check and submit routes of `kind` on its blueprint, with the
    keeper of a form posted after the session ran out. Endpoint names and URLs are the kind's
    blueprint's: /<prefix>/drafts/<client_id>[/autosave|/check|/submit]."""

    def keep(db, target, user_id, fields):
        """Save what was posted, based on the revision and page the post says."""
        return kind.save(db, target, user_id, fields, posted_base(), request.form.get(PAGE))

    def invalid(limits):
        """Boxes over their limits, for app.js: nothing was saved, the phone keeps its copy."""
        return answer(400, "invalid", message=next(iter(limits.values())), fields=limits, saved=False)

    def expired():
        return answer(400, "expired", message="This page had expired.")

    def resolve(client_id, user_id=None):
        """The kind's target at this address, for this person (the signed-in one unless given)."""
        user_id = current_user.id if user_id is None else user_id
        return {**kind.resolve(get_db(), client_id, user_id), "user_id": user_id}

    def refused(refusal):
        """A refusal as the asker needs it: JSON codes for fetch(), else a page or a redirect."""
        if wants_json():
            return answer(refusal.status, refusal.error, refusal.url, refusal.message)
        if refusal.error == "submitted":
            flash(f"This {kind.noun} has already been submitted: here it is. Nothing was sent twice.")
            return redirect(refusal.url)
        if refusal.error == "refused" and request.method == "POST":
            return kind.refused_page(get_db(), refusal)
        abort(refusal.status, refusal.message)

    def finish(db, form, target, fields, revision, valid, outbox):
        """Submit the draft at `revision` if valid, else show what is wrong (it stays a draft).
        If it was saved meanwhile nothing is submitted: the outbox's post is shown back with
        what changed, a checked draft is checked again."""
        if not valid:
            if wants_json():
                return answer(400, "invalid", kind.url("draft", target["client_id"]),
                              f"The {kind.noun} needs your attention. It is saved as a draft.", saved=True)
            return kind.show(form, target, get(db, target["client_id"]), 400)
        try:
            done = kind.submit(db, target, form, fields, revision)
        except Stale as late:
            if outbox:
                if wants_json():
                    return kind.stale_answer(target, late.draft)
                return kind.conflict(db, form, target, late.draft, fields)
            flash(kind.changed_since_checked)
            return redirect(kind.url("check", target["client_id"]))
        if not (isinstance(done, tuple) and isinstance(done[1], str)):
            return done  # the kind's own page (a visit correction someone else corrected first)
        url, message, record = done
        if wants_json():
            return answer(200, url=url, message=message, outcome="submitted", record=record, noun=kind.noun)
        flash(message)
        return redirect(url)

    @role_required("icv")
    @keeps_input
    def draft(client_id):
        """The form: save, add or remove entries, check, or submit (the outbox sends it in one go)."""
        db = get_db()
        try:
            target = resolve(client_id)
        except Refused as refusal:
            return refused(refusal)
        saved = target["draft"]
        if request.method == "GET":
            kind.opened(db, target, "form")
            if saved:
                return kind.show(kind.form(db, target, MultiDict(json.loads(saved["fields"]))), target, saved)
            return kind.show(kind.blank(db, target), target, None)

        form = kind.form(db, target)
        if form.client_id.data != target["client_id"]:
            if wants_json():
                return answer(400, "mismatch", message="This form does not match its draft.")
            abort(400, "This form does not match its address. Reload the page and check your answers.")
        if form.meta.csrf and not form.csrf_token.validate(form):  # a stale page: show it, save nothing
            if wants_json():
                return expired()
            return kind.show(form, target, saved, 400, base=posted_base() or 0, unsaved=True)
        fields, action = typed_fields(request.form), request.form.get("action", "save")
        limits = too_long(form, fields)
        if limits:
            if wants_json():
                return invalid(limits)
            return kind.show(form, target, saved, 400, base=posted_base() or 0, unsaved=True)
        removing = action[len("remove:"):] if action.startswith("remove:") else None
        if removing and not removing.startswith(tuple(f"{name}-" for name in kind.removable)):
            removing = None
        if removing:
            fields = [f for f in fields if not f[0].startswith(f"{removing}-")]
        try:  # every action first keeps what was typed, unless someone saved meanwhile
            revision = keep(db, target, current_user.id, fields)
        except Stale as late:
            if wants_json():
                return kind.stale_answer(target, late.draft)
            return kind.conflict(db, form, target, late.draft, typed_fields(request.form))
        if wants_json() and action != "submit":  # a late save from app.js: answer like autosave
            return jsonify(revision=revision, saved_at=format_london(now_iso(), "%H:%M"))
        saved = get(db, target["client_id"])
        if removing:
            for name in kind.removable:
                form[name].entries = [e for e in form[name] if e.name != removing]
            flash("Removed. Your draft is saved.")
            return kind.show(form, target, saved)
        if action in kind.adds:
            entries = form[kind.adds[action]]
            if len(entries) >= entries.max_entries:  # the form holds no more: say so, keep the draft
                flash(f"A {kind.noun} can hold at most {entries.max_entries} "
                      f"{entries.label.text[0].lower()}{entries.label.text[1:]}s. Your draft is saved.")
                return kind.show(form, target, saved)
            focus = kind.add(form, action)
            return kind.show(form, target, saved, focus=focus)
        if action == "submit":
            return finish(db, form, target, fields, revision, form.validate(), outbox=True)
        if action != "check":
            flash(f"Draft saved at {format_london(now_iso(), '%H:%M')}.")
            section = action.split(":", 1)[1] if ":" in action else "main-content"
            return redirect(kind.url("draft", target["client_id"], _anchor=section))
        if not form.validate():
            return kind.show(form, target, saved, 400)
        return redirect(kind.url("check", target["client_id"]))

    @role_required("icv")
    def autosave(client_id):
        """Save what has been typed so far (static/app.js calls this as the person moves on)."""
        db = get_db()
        try:
            target = resolve(client_id)
        except Refused as refusal:
            return answer(refusal.status, refusal.error, refusal.url, refusal.message)
        if request.form.get("client_id") != target["client_id"]:
            return answer(400, "mismatch", message="This form does not match its draft.")
        fields = typed_fields(request.form)
        limits = too_long(kind.form(db, target, request.form, csrf=False), fields)
        if limits:
            return invalid(limits)
        try:
            revision = keep(db, target, current_user.id, fields)
        except Stale as late:  # not "submitted": the phone keeps its copy and says why
            return kind.stale_answer(target, late.draft)
        return jsonify(revision=revision, saved_at=format_london(now_iso(), "%H:%M"))

    @role_required("icv")
    def check(client_id):
        """Check your answers before submitting."""
        db = get_db()
        try:
            target = resolve(client_id)
        except Refused as refusal:
            if refusal.error == "submitted":
                return redirect(refusal.url)
            abort(refusal.status, refusal.message)
        saved = target["draft"] or kind.missing_draft(target)
        form, valid = kind.stored_form(db, target, saved)
        if not valid:
            kind.opened(db, target, "form")
            return kind.show(form, target, saved, 400)
        kind.opened(db, target, "check")
        return kind.check_page(db, target, form)

    @role_required("icv")
    @keeps_input
    def submit(client_id):
        """Submit a checked draft: the record is saved and its escalations raised."""
        db = get_db()
        try:
            target = resolve(client_id)
        except Refused as refusal:
            if refusal.error == "submitted" and wants_json():  # a retry after the first one went through
                return answer(200, url=refusal.url, outcome="submitted", noun=kind.noun,
                              record=refusal.record,
                              message=f"This {kind.noun} had already been submitted.")
            return refused(refusal)
        csrf = kind.form(db, target)  # the token is checked by CSRFProtect; shown back, by this
        if csrf.meta.csrf and not csrf.csrf_token.validate(csrf):
            if wants_json():
                return expired()
            abort(400, "This page had expired. Nothing was changed. Go back, reload the page and try again.")
        saved = target["draft"] or kind.missing_draft(target)
        if request.form.get("revision") != str(saved["revision"]):
            flash(kind.changed_since_checked)
            return redirect(kind.url("check", target["client_id"]))
        form, valid = kind.stored_form(db, target, saved)
        return finish(db, form, target, json.loads(saved["fields"]), saved["revision"], valid, outbox=False)

    bp.add_url_rule("/drafts/<client_id>", "draft", draft, methods=["GET", "POST"])
    bp.add_url_rule("/drafts/<client_id>/autosave", "autosave", autosave, methods=["POST"])
    bp.add_url_rule("/drafts/<client_id>/check", "check", check)
    bp.add_url_rule("/drafts/<client_id>/submit", "submit", submit, methods=["POST"])

    @on_expired_post(f"{bp.name}.draft")
    def keep_expired_draft(user_id, view_args):
        """A form posted after the session ran out is kept as that person's draft, if they may
        write it; never over a save they have not seen, never beyond the limits."""
        db = get_db()
        if not kind.may_keep(db, user_id):
            return None
        try:
            target = resolve(view_args.get("client_id", ""), user_id)
        except (Refused, HTTPException):
            return None
        if request.form.get("client_id") != target["client_id"]:
            return None
        fields = typed_fields(request.form)
        if too_long(kind.form(db, target, request.form, csrf=False), fields):
            return None
        try:
            keep(db, target, user_id, fields)
        except (Stale, PermissionError):
            return None
        return kind.url("draft", target["client_id"])
