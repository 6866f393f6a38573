"""The append-only audit log: who did or saw what, and when.

The table refuses UPDATE and DELETE (triggers in migration m007). Write to it in the same
transaction as the change it records, so a change is never without its entry. It is for audit
only: no feature may depend on reading it back (retention will prune it), so what a feature needs,
such as who saved a draft last, lives in that feature's own table.
"""
import json

from . import people
from .times import now_iso


def log(db, user_id, action, object_type, object_id=None, **detail):
    """Append one entry, e.g. log(db, user.id, "view", "custody_record_review", 12)."""
    db.execute(
        "INSERT INTO audit_log (at, user_id, action, object_type, object_id, detail) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        [now_iso(), user_id, action, object_type, object_id, json.dumps(detail, sort_keys=True)])


def entries_for(db, object_type, object_id, limit=200):
    """The newest entries about one record, with who made them (user_name)."""
    rows = list(db.query("""
        SELECT * FROM audit_log WHERE object_type = ? AND object_id = ?
        ORDER BY at DESC, id DESC LIMIT ?""", [object_type, object_id, limit]))
    names = people.names(db, [r["user_id"] for r in rows])
    return [{**r, "user_name": names.get(r["user_id"])} for r in rows]

