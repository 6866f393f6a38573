"""People: the `users` table. The only module that writes SQL for it; others call these."""


def active_visitors(db, excluding=None):
    """(id, display name) of active ICVs, by name, leaving out `excluding` (a user id)."""
    return [(r["id"], r["display_name"]) for r in db.query(
        "SELECT id, display_name FROM users WHERE role = 'icv' AND active = 1 AND id != ? "
        "ORDER BY display_name", [excluding or 0])]
