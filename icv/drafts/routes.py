"""The draft -> autosave -> check -> submit routes visit reports and custody record reviews
share, and what changed when a save is refused as stale.

A kind (VisitKind in icv/visits/views.py, ReviewKind in icv/reviews/views.py) says what its
drafts belong to, who may write them, its form and its templates; `register` puts the draft,
autosave, check and submit routes, and the expired-session keeper, on its blueprint. The
server's answers to app.js are JSON codes (`answer`), never wording.
"""
import json
import uuid

from flask import abort, flash, jsonify, redirect, request, url_for
from flask_login import current_user
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import HTTPException

from .. import flags
from ..auth import on_expired_post, role_required, wants_json
from ..db import get_db
from ..main import keeps_input
from ..times import format_london, now_iso
from .store import BASE, PAGE, Stale, get, save, too_long, typed_fields

# What changed, for a save refused as stale -------------------------------------------------------

def field_labels(*forms):
    """{field name: (label, {value: option label})} of every box on the forms, the label saying
    which entry (detainee, issue, detention review) or flag it belongs to."""
    legends, found = {f"{f.kind}_answers": f.legend for f in flags.FLAGS}, {}

    def walk(fields, prefix=""):
        for f in fields:
            if f.type == "FormField":
                walk(f.form, prefix + (f"{legends[f.short_name]}: " if f.short_name in legends else ""))
            elif f.type == "FieldList":
                for i, entry in enumerate(f.entries):
                    walk(entry.form, f"{f.label.text} {i + 1}: ")
            elif f.name not in found:
                choices = {str(c[0]): c[1] for c in f.iter_choices()} if hasattr(f, "iter_choices") else {}
                found[f.name] = (prefix + f.label.text, choices)
    for form in forms:
        walk(form)
    return found


def differences(labels, mine, theirs):
    """(label, what I typed, what the saved draft holds) of each answer that differs."""
    mine, theirs, rows = MultiDict(mine), MultiDict(theirs), []
    for name in dict.fromkeys([*mine.keys(), *theirs.keys()]):
        if name in ("client_id", BASE, PAGE):
            continue
        a, b = ([v for v in d.getlist(name) if v.strip()] for d in (mine, theirs))
        if sorted(a) != sorted(b):
            label, choices = labels.get(name, (name, {}))
            rows.append((label, *(", ".join(choices.get(v, v) for v in x) or "Blank" for x in (a, b))))
    return rows


def saved_by(saved):
    """Who saved the draft last, in words: the partner's name, or you on another page."""
    if saved["updated_by"] == current_user.id:
        return "You (on another page or phone)"
    return saved["updated_by_name"] or "Your partner"


# A kind of draft ---------------------------------------------------------------------------------

class Refused(Exception):
    """This draft may not be opened or written: `error` is the JSON code, `status` the HTTP
    status, `url` where the record is when it has been submitted."""

    def __init__(self, error, message, status, url=None, review=None, record=None):
        super().__init__(message)
        self.error, self.message, self.status, self.url = error, message, status, url
        self.review, self.record = review, record  # the review refused; the record submitted


class Kind:
    """What a kind of draft needs from the core. Subclasses set the names and implement the
    methods marked so; a target is a dict with at least client_id and draft (or None)."""
    name = endpoint = noun = ""  # "visit", "visits", "report"
    form_template = check_template = ""
    removable = ()  # the FieldLists whose entries "remove:<entry>" may remove
    adds = {}  # action -> FieldList name
    changed_since_checked = "Your draft changed after you checked it (perhaps in another window). Check it again."

    def resolve(self, db, client_id, user_id):
        """The target at this address for this person, or Refused."""
        raise NotImplementedError

    def form(self, db, target, formdata=None, csrf=True):
        raise NotImplementedError

    def blank(self, db, target):
        """The form of a draft nothing has been saved for."""
        raise NotImplementedError

    def render(self, form, target, draft, status=200, **extra):
        """The kind's form page with its own context (extra: focus, conflict, base, unsaved...)."""
        raise NotImplementedError

    def check_page(self, db, target, form):
        raise NotImplementedError

    def submit(self, db, target, form, fields, revision):
        """Save a valid draft as the record: (its url, a message, its id), or a response of its own."""
        raise NotImplementedError

    def opened(self, db, target, page):
        """Called when the form or check page is shown (reviews write it to the audit log)."""

    def refused_page(self, db, refusal):
        """A posted form this person may not save: by default the refusal's error page."""
        abort(refusal.status, refusal.message)

    def add(self, form, action):
        """Add the entry `action` asks for (one of `adds`); returns the id to focus."""
        raise NotImplementedError

    def missing_draft(self, target):
        """Check or submit with nothing saved."""
        abort(404, f"There is no {self.noun} draft at that address.")

    def saved_extra(self, target):
        """Columns a new draft of this kind is saved with (visit_id, review_id)."""
        return {}

    def may_keep(self, db, user_id):
        """May this person's post, made after their session ran out, be kept as a draft."""
        return True

    # Shared pieces --------------------------------------------------------------------------

    def url(self, view, client_id, **kwargs):
        return url_for(f"{self.endpoint}.{view}", client_id=client_id, **kwargs)

    def urls(self):
        """The draft addresses app.js builds for an id made on the phone (data-* attributes)."""
        return {view: url_for(f"{self.endpoint}.{view}", client_id="__id__")
                for view in ("draft", "autosave", "check")}

    def save(self, db, target, user_id, fields, base=None, page=None):
        return save(db, self.name, target["client_id"], user_id, fields, base, page,
                    **self.saved_extra(target))

    def stored_form(self, db, target, saved):
        """The draft's saved fields as a form, validated (no CSRF: checked when posted)."""
        form = self.form(db, target, MultiDict(json.loads(saved["fields"])), csrf=False)
        return form, form.validate()

    def show(self, form, target, draft, status=200, **extra):
        """The form page; `base` is what the page's answers are based on (the draft's revision
        unless the page shows a post back that was not saved), with a new page id."""
        extra.setdefault("base", draft["revision"] if draft else 0)
        return self.render(form, target, draft, status, page_id=uuid.uuid4().hex, kind=self, **extra)

    def conflict(self, db, form, target, saved, fields):
        """The form as posted, not saved: someone saved the draft after this page was opened.
        What was typed stays in the boxes and a list shows each answer that differs from the
        saved draft; the page is now based on their revision, so saving it is a choice."""
        theirs = json.loads(saved["fields"])
        labels = field_labels(form, self.form(db, target, MultiDict(theirs), csrf=False))
        found = {"by": saved_by(saved), "at": saved["updated_at"],
                 "changes": differences(labels, fields, theirs)}
        return self.show(form, target, saved, 409, conflict=found, base=saved["revision"], unsaved=True)

    def stale_answer(self, target, saved):
        """A save refused as stale, for app.js: "conflict", not "submitted": the phone keeps its copy."""
        return answer(409, "conflict", self.url("draft", target["client_id"]), self.conflict_message(saved),
                      revision=saved["revision"])

    def conflict_message(self, saved):
        return (f"Not saved: {saved_by(saved)} saved this {self.noun} at "
                f"{format_london(saved['updated_at'], '%H:%M')}, after your page was opened. "
                "What you typed is kept on this phone.")


def posted_base():
    """The draft revision the posted page was based on; None if it says none."""
    text = request.form.get(BASE)
    if text is None:
        return None
    return int(text) if text.isdigit() and len(text) < 10 else 0


def answer(status, error=None, url=None, message="", **extra):
    """For the page's own fetch() calls (autosave, the outbox): the answer as JSON codes."""
    body = {"error": error} if error else {}
    return jsonify(**body, url=url, message=message, **extra), status


def register(bp, kind):
    """Put the draft, autosave, check and submit routes of `kind` on its blueprint, with the
    keeper of a form posted after the session ran out. Endpoint names and URLs are the kind's
    blueprint's: /<prefix>/drafts/<client_id>[/autosave|/check|/submit]."""

    def resolve(client_id, user_id=None):
        return kind.resolve(get_db(), client_id, current_user.id if user_id is None else user_id)

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
                return answer(400, "expired", message="This page had expired.")
            return kind.show(form, target, saved, 400, base=posted_base() or 0, unsaved=True)
        fields, action = typed_fields(request.form), request.form.get("action", "save")
        limits = too_long(form, fields)
        if limits:
            if wants_json():
                return answer(400, "invalid", message=next(iter(limits.values())),
                              fields=limits, saved=False)
            return kind.show(form, target, saved, 400, base=posted_base() or 0, unsaved=True)
        removing = action[len("remove:"):] if action.startswith("remove:") else None
        if removing and not removing.startswith(tuple(f"{name}-" for name in kind.removable)):
            removing = None
        if removing:
            fields = [f for f in fields if not f[0].startswith(f"{removing}-")]
        try:  # every action first keeps what was typed, unless someone saved meanwhile
            revision = kind.save(db, target, current_user.id, fields, posted_base(), request.form.get(PAGE))
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
            return answer(400, "invalid", message=next(iter(limits.values())), fields=limits,
                          saved=False)
        try:
            revision = kind.save(db, target, current_user.id, fields, posted_base(), request.form.get(PAGE))
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
                return answer(400, "expired", message="This page had expired.")
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
            kind.save(db, target, user_id, fields, posted_base(), request.form.get(PAGE))
        except (Stale, PermissionError):
            return None
        return kind.url("draft", target["client_id"])
