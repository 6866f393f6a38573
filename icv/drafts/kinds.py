"""What the drafts core needs from each kind of draft (Kind), a refusal (Refused), and what
changed when a save is refused as stale. VisitKind is in icv/visits/views.py, ReviewKind in
icv/reviews/views.py; routes.py puts the routes on their blueprints. The server's answers to
app.js are JSON codes (`answer`), never wording.
"""
import json
import uuid

from flask import abort, jsonify, url_for
from werkzeug.datastructures import MultiDict

from .. import flags
from ..times import format_london
from .store import BASE, PAGE, save

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


def saved_by(saved, me):
    """Who saved the draft last, in words: the partner's name, or you (`me`) on another page."""
    if saved["updated_by"] == me:
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
    methods marked so; a target is a dict with at least client_id and draft (or None), and the
    routes add user_id, the person whose request it is."""
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
        found = {"by": saved_by(saved, target["user_id"]), "at": saved["updated_at"],
                 "changes": differences(labels, fields, theirs)}
        return self.show(form, target, saved, 409, conflict=found, base=saved["revision"], unsaved=True)

    def stale_answer(self, target, saved):
        """A save refused as stale, for app.js: "conflict", not "submitted": the phone keeps its copy."""
        return answer(409, "conflict", self.url("draft", target["client_id"]), self.conflict_message(saved, target["user_id"]),
                      revision=saved["revision"])

    def conflict_message(self, saved, me):
        return (f"Not saved: {saved_by(saved, me)} saved this {self.noun} at "
                f"{format_london(saved['updated_at'], '%H:%M')}, after your page was opened. "
                "What you typed is kept on this phone.")


def answer(status, error=None, url=None, message="", **extra):
    """For the page's own fetch() calls (autosave, the outbox): the answer as JSON codes."""
    body = {"error": error} if error else {}
    return jsonify(**body, url=url, message=message, **extra), status
