"""The append-only audit log: who did or saw what, when, and from where.

The table refuses UPDATE and DELETE (triggers in migrations m007 and m019). Each entry carries
the hash of the one before it and its own (m019), so `verify` finds an entry changed, removed
or added behind the app's back; `purge_older_than` removes old entries from the start of the
log and records a checkpoint (table audit_checkpoints) the chain goes on from. Write to it in the same
transaction as the change it records, so a change is never without its entry. It is for audit
only: no feature may depend on reading it back (retention will prune it), so what a feature needs,
such as who saved a draft last, lives in that feature's own table. An admin searches it
(icv/admin.py) with `search` and exports the same search with `export`. ACTIONS and
OBJECT_TYPES are the words entries use, so a search finds every entry of a kind: add new ones
there rather than a synonym.
"""
import contextvars
import json
from dataclasses import dataclass

from . import people
from .db import writing
from .migrations import AUDIT_CHAINED, AUDIT_GENESIS, audit_entry_hash
from .times import format_london, now_iso

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
    # retention: old audit entries removed (purge_older_than)
    "purge",
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
    entry = {"at": now_iso(), "user_id": as_id(user_id), "action": action,
             "object_type": object_type, "object_id": as_id(object_id), "address": address,
             "detail": json.dumps(detail, sort_keys=True)}
    if db.conn.in_transaction:  # the caller's transaction: the entry stands or falls with it
        append(db, entry)
    else:
        with writing(db):  # the last hash is read under the write lock, so no one else's entry
            append(db, entry)  # can follow the same one (the chain never forks)


def as_id(value):
    """An id as the INTEGER column stores it, so the hash is over what is read back."""
    return None if value is None else int(value)


def append(db, entry):
    """Insert `entry` after the last one, chained to it; inside a transaction (see log)."""
    last_id, prev_hash = last_link(db)
    entry = {"id": last_id + 1, **entry, "prev_hash": prev_hash}
    entry["hash"] = audit_entry_hash(prev_hash, entry)
    columns = ", ".join(entry)
    db.execute(f"INSERT INTO audit_log ({columns}) VALUES ({', '.join('?' * len(entry))})",
               list(entry.values()))


def last_link(db):
    """(id, hash) of the newest entry: the newest row by its primary key, or after a purge that
    left none, the latest checkpoint's; (0, AUDIT_GENESIS) for a log that never had an entry.
    Ids carry on from a purged entry's, so an id is never used twice."""
    for row in db.execute("SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1"):
        return row
    checkpoint = latest_checkpoint(db)
    return (checkpoint["last_id"], checkpoint["last_hash"]) if checkpoint else (0, AUDIT_GENESIS)


def latest_checkpoint(db):
    """The newest audit_checkpoints row (a dict), or None before the first purge."""
    return next(db.query("SELECT * FROM audit_checkpoints ORDER BY id DESC LIMIT 1"), None)


# Tamper evidence --------------------------------------------------------------------------------

@dataclass
class Verdict:
    """What `verify` found: intact (count entries, first and last id, last hash and time),
    or broken at entry `broken_id` for `problem`."""
    count: int = 0
    first_id: int = None
    last_id: int = None
    last_at: str = None
    last_hash: str = None
    checkpoint: dict = None
    broken_id: int = None
    broken_at: str = None
    problem: str = None

    @property
    def intact(self):
        return self.problem is None

    def summary(self):
        """One line for the operator: 'Audit log intact: ...' or 'Broken at entry #N (...): ...'."""
        if not self.intact:
            where = f"entry #{self.broken_id}" if self.broken_id else "the checkpoint"
            when = f" ({format_london(self.broken_at, '%Y-%m-%d %H:%M')})" if self.broken_at else ""
            return f"Broken at {where}{when}: {self.problem}"
        if not self.count:
            return "Audit log intact: no entries" + (f" since entry #{self.checkpoint['last_id']}"
                                                     if self.checkpoint else "")
        return f"Audit log intact: {self.count} entries from #{self.first_id} to #{self.last_id}"


def verify(db, through=None):
    """Walk the chain from the latest checkpoint (or the start) to the newest entry, or to
    entry `through`: the checkpoint must be recorded by a purge entry after it, and every entry
    must follow the one before it and hash to its stored hash. Stops at the first broken link.
    Returns a Verdict."""
    checkpoint = latest_checkpoint(db)
    before_id, expected = (checkpoint["last_id"], checkpoint["last_hash"]) if checkpoint else (0, AUDIT_GENESIS)
    if checkpoint and not any(records(row, checkpoint) for row in db.query(
            "SELECT detail FROM audit_log WHERE action = 'purge' AND object_type = 'audit_log' "
            "AND id > ?", [before_id])):
        return Verdict(checkpoint=checkpoint, broken_at=checkpoint["at"],
                       problem=f"no purge entry in the log records its checkpoint after entry #{before_id}")
    verdict = Verdict(checkpoint=checkpoint)
    before = f"the checkpoint after entry #{before_id}" if checkpoint else "the start of the log"
    rows = db.query(f"SELECT {', '.join(AUDIT_CHAINED)}, prev_hash, hash FROM audit_log "
                    "WHERE id > ? AND id <= ? ORDER BY id", [before_id, through or 2 ** 62])
    for row in rows:
        if row["prev_hash"] != expected:
            problem = f"entry #{row['id']} does not follow {before}"
        elif audit_entry_hash(row["prev_hash"], row) != row["hash"]:
            problem = "its hash does not match its contents"
        else:
            verdict.count += 1
            verdict.first_id = verdict.first_id or row["id"]
            verdict.last_id, verdict.last_at, verdict.last_hash = row["id"], row["at"], row["hash"]
            expected, before = row["hash"], f"#{row['id']}"
            continue
        return Verdict(checkpoint=checkpoint, broken_id=row["id"], broken_at=row["at"], problem=problem)
    return verdict


def compare_kept(db, verdict, entry_id, kept_hash):
    """Check an intact chain against a hash kept elsewhere (an earlier `verify`'s latest entry):
    (True, message) if entry #entry_id still has it, or it was purged since (so cannot be told),
    else (False, why). Catches what the chain alone cannot: entries removed from the end, or the
    whole log rewritten with every hash recomputed."""
    if verdict.last_id is None or entry_id > verdict.last_id:
        ends = f"the log ends at #{verdict.last_id}" if verdict.last_id else "the log has no entries"
        return False, f"Entry #{entry_id} is missing: {ends}, so entries were removed from its end"
    if entry_id < verdict.first_id:
        kept = db.execute("SELECT last_hash FROM audit_checkpoints WHERE last_id = ?", [entry_id]).fetchone()
        if kept is None:
            return True, f"Entry #{entry_id} has been purged, so it cannot be checked against the copy"
        stored = kept[0]
    else:
        stored = db.execute("SELECT hash FROM audit_log WHERE id = ?", [entry_id]).fetchone()[0]
    if stored != kept_hash:
        return False, (f"Entry #{entry_id} does not have the hash kept elsewhere: the log has been "
                       "rewritten up to there")
    return True, f"Entry #{entry_id} still has the hash kept elsewhere"


def records(entry, checkpoint):
    """Whether purge entry `entry` is the one that recorded `checkpoint`."""
    detail = json.loads(entry["detail"])
    return (detail.get("checkpoint"), detail.get("through"), detail.get("through_hash")) == (
        checkpoint["id"], checkpoint["last_id"], checkpoint["last_hash"])


class ChainBroken(RuntimeError):
    """The part of the log a purge would remove is broken: removing it would destroy the evidence."""


def purge_older_than(db, cutoff_iso, dry_run=False):
    """Remove the entries older than `cutoff_iso` (stored-UTC text) from the start of the log, up
    to the first entry at or after it, so the chain stays whole from the entry after them.
    Records a checkpoint (the last removed entry's id, time and hash, and how many) and logs the
    purge itself. Refuses (ChainBroken) if the part to remove is already broken. With dry_run,
    changes nothing. Returns how many entries are removed (or would be)."""
    with writing(db):
        first_kept = db.execute("SELECT min(id) FROM audit_log WHERE at >= ?", [cutoff_iso]).fetchone()[0]
        last_id = (first_kept - 1 if first_kept is not None
                   else db.execute("SELECT max(id) FROM audit_log").fetchone()[0])
        removed = db.execute("SELECT count(*) FROM audit_log WHERE id <= ?", [last_id or 0]).fetchone()[0]
        if dry_run or not removed:
            return removed
        checked = verify(db, through=last_id)
        if not checked.intact:
            raise ChainBroken(f"Audit log not purged: {checked.summary()}. Run `flask audit verify`.")
        last = db.execute("SELECT at, hash FROM audit_log WHERE id = ?", [last_id]).fetchone()
        checkpoint_id = db.execute(
            "INSERT INTO audit_checkpoints (at, cutoff, last_id, last_at, last_hash, removed) "
            "VALUES (?, ?, ?, ?, ?, ?)", [now_iso(), cutoff_iso, last_id, *last, removed]).lastrowid
        db.execute("DELETE FROM audit_log WHERE id <= ?", [last_id])
        log(db, None, "purge", "audit_log", None, checkpoint=checkpoint_id, removed=removed,
            through=last_id, through_hash=last[1], cutoff=cutoff_iso)
    return removed


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
