"""The append-only audit log: who did or saw what, and when.

The table refuses UPDATE and DELETE (triggers in migration m007). Write to it in the same
transaction as the change it records, so a change is never without its entry.
"""
import json

from .times import now_iso


def log(db, user_id, action, object_type, object_id=None, **detail):
    """Append one entry, e.g. log(db, user.id, "view", "custody_record_review", 12)."""
    db.execute(
        "INSERT INTO audit_log (at, user_id, action, object_type, object_id, detail) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        [now_iso(), user_id, action, object_type, object_id, json.dumps(detail, sort_keys=True)])


def entries_for(db, object_type, object_id, limit=200):
    """The newest entries about one record, with who made them."""
    return list(db.query("""
        SELECT a.*, u.display_name AS user_name FROM audit_log a LEFT JOIN users u ON u.id = a.user_id
        WHERE a.object_type = ? AND a.object_id = ? ORDER BY a.at DESC, a.id DESC LIMIT ?""",
        [object_type, object_id, limit]))
