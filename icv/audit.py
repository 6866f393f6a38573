"""The append-only audit log: who did or saw what, when, and from where.

The table refuses UPDATE and DELETE (triggers in migration m007). Write to it in the same
transaction as the change it records, so a change is never without its entry. It is for audit
only: no feature may depend on reading it back (retention will prune it), so what a feature needs,
such as who saved a draft last, lives in that feature's own table. An admin searches it
(icv/admin.py) with `search` and exports the same search with `export`. ACTIONS and
OBJECT_TYPES are the words entries use, so a search finds every entry of a kind: add new ones
there rather than a synonym.
"""
import contextvars
import json

from . import people
from .times import now_iso

# action: what was done. Views of case data are "view", downloads "export", a 403 "refused".
# log() refuses any other word, so the search's list is always complete.
ACTIONS = (
    # case data and running the scheme
    "view", "export", "refused", "create", "update", "assign", "submit", "correct", "raise",
    # accounts
    "create_user", "invite", "resend_invitation", "send_reset_link", "request_reset", "set_password",
    "change_password", "change_role", "change_panels", "deactivate", "reactivate",
    # signing in and sessions
    "sign_in", "sign_in_failed", "sign_in_locked", "sign_in_refused", "sign_in_unlocked", "sign_out",
    "session_ended", "sessions_ended",
    # two-factor sign-in
    "two_factor_enrolled", "two_factor_code_failed", "two_factor_turned_off", "two_factor_reset",
    "recovery_code_used", "recovery_codes_renewed",
)
# object_type: what it was done to ("request" for a refusal: its path and method are in detail;
# "account" and "address" for a sign-in lock, on an email or on a client address).
OBJECT_TYPES = ("visit", "custody_record_review", "review_batch", "escalation", "summary", "user",
                "suite", "panel", "request", "audit_log", "session", "account", "address")
# Where the request being served came from: icv/main.py sets it as each request starts, so an
# entry written deep in a store (an escalation's workflow, a review's submission) carries it too.
# None outside a request, e.g. in a `flask` command.
request_address = contextvars.ContextVar("request_address", default=None)
# A CSV export holds every entry its search finds or none: past this many, narrow the search.
EXPORT_LIMIT = 100_000


def log(db, user_id, action, object_type, object_id=None, *, address=None, **detail):
    """Append one entry, e.g. log(db, user.id, "view", "visit", 12, address=request.remote_addr).

    `address` is where the request came from (by default the request being served); `detail`
    is any other fact worth keeping (never a password, token or code)."""
    if action not in ACTIONS or object_type not in OBJECT_TYPES:
        raise ValueError(f"audit.log: add {action!r} / {object_type!r} to ACTIONS / OBJECT_TYPES")
    if address is None:
        address = request_address.get()
    db.execute(
        "INSERT INTO audit_log (at, user_id, action, object_type, object_id, address, detail) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)",
        [now_iso(), user_id, action, object_type, object_id, address,
         json.dumps(detail, sort_keys=True)])


def entries_for(db, object_type, object_id, limit=200):
    """The newest entries about one record, with who made them (user_name)."""
    rows = list(db.query("""
        SELECT * FROM audit_log WHERE object_type = ? AND object_id = ?
        ORDER BY at DESC, id DESC LIMIT ?""", [object_type, object_id, limit]))
    return with_names(db, rows)


def with_names(db, rows):
    names = people.names(db, [r["user_id"] for r in rows])
    return [{**r, "user_name": names.get(r["user_id"])} for r in rows]


def where(user_id=None, action=None, object_type=None, object_id=None, start=None, end=None):
    """(SQL condition, parameters) for a search; start and end are stored-UTC bounds [start, end)."""
    terms = [("user_id = ?", user_id), ("action = ?", action), ("object_type = ?", object_type),
             ("object_id = ?", object_id), ("at >= ?", start), ("at < ?", end)]
    used = [(sql, value) for sql, value in terms if value not in (None, "")]
    return " AND ".join(sql for sql, _ in used) or "1", [value for _, value in used]


def search(db, page=1, per_page=50, **filters):
    """One page of the entries matching `filters` (see `where`), newest first, with who made
    each (user_name), and whether an older page follows: (rows, more)."""
    condition, params = where(**filters)
    rows = list(db.query(
        f"SELECT * FROM audit_log WHERE {condition} ORDER BY at DESC, id DESC LIMIT ? OFFSET ?",
        [*params, per_page + 1, (page - 1) * per_page]))
    return with_names(db, rows[:per_page]), len(rows) > per_page


def count(db, **filters):
    """How many entries match `filters`."""
    condition, params = where(**filters)
    return db.execute(f"SELECT count(*) FROM audit_log WHERE {condition}", params).fetchone()[0]


def export(db, **filters):
    """Every entry matching `filters`, newest first, with user_name (check `count` first)."""
    condition, params = where(**filters)
    return with_names(db, list(db.query(
        f"SELECT * FROM audit_log WHERE {condition} ORDER BY at DESC, id DESC", params)))
