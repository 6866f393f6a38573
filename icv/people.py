"""People: the `users` table. The only module that writes SQL for it; others call these and
fetch names here after their own query rather than joining `users`."""
from .lookup import by_id
from .times import now_iso


def active_visitors(db, excluding=None):
    """(id, display name) of active ICVs, by name, leaving out `excluding` (a user id)."""
    return [(r["id"], r["display_name"]) for r in db.query(
        "SELECT id, display_name FROM users WHERE role = 'icv' AND active = 1 AND id != ? "
        "ORDER BY display_name", [excluding or 0])]


def get(db, user_id):
    """The active user with this id, or None."""
    rows = list(db.query("SELECT * FROM users WHERE id = ? AND active = 1", [user_id]))
    return rows[0] if rows else None


def find_by_email(db, email):
    """The active user with this email (any case), or None."""
    rows = list(db.query("SELECT * FROM users WHERE email = ? AND active = 1", [email.strip()]))
    return rows[0] if rows else None


def add(db, email, display_name, role, password_hash, panel_id=None):
    """Insert a user (the password already hashed) and return the id."""
    return db["users"].insert({
        "email": email.strip(), "display_name": display_name.strip(), "role": role,
        "password_hash": password_hash, "panel_id": panel_id,
        "created_at": now_iso(), "updated_at": now_iso(),  # the app's clock, not SQLite's
    }).last_pk


def update(db, user_id, changes):
    db["users"].update(user_id, changes)


def names(db, ids):
    """{id: display name} of these people (active or not); ids may repeat or be None."""
    return by_id(db, "SELECT id, display_name AS value FROM users", ids)


def name(db, user_id):
    """The display name of one person, or None (no one, or no such id)."""
    return names(db, [user_id]).get(user_id)


def with_roles(db, roles):
    """(id, display name) of active people whose role is one of `roles`, by name."""
    return [(r["id"], r["display_name"]) for r in db.query(
        f"SELECT id, display_name FROM users WHERE active = 1 AND role IN "
        f"({','.join('?' * len(roles))}) ORDER BY display_name", list(roles))]


def active_name(db, user_id, roles):
    """The display name of this active person if their role is one of `roles`, else None."""
    row = db.execute(f"SELECT display_name FROM users WHERE id = ? AND active = 1 AND role IN "
                     f"({','.join('?' * len(roles))})", [user_id, *roles]).fetchone()
    return row[0] if row else None


def reviewers(db, today):
    """(id, name) of every active ICV trained in custody record review whose vetting is in date
    on `today` (a London date), by name."""
    return [(r["id"], r["display_name"]) for r in db.query(
        "SELECT id, display_name FROM users WHERE role = 'icv' AND active = 1 AND crr_trained = 1 "
        "AND vetting_expires_on >= ? ORDER BY display_name", [today.isoformat()])]


def volunteers(db):
    """Every ICV, active ones first, by name."""
    return list(db.query("SELECT * FROM users WHERE role = 'icv' ORDER BY active DESC, display_name"))


def volunteer(db, user_id):
    """The ICV with this id (active or not), or None."""
    rows = list(db.query("SELECT * FROM users WHERE id = ? AND role = 'icv'", [user_id]))
    return rows[0] if rows else None


def everyone(db):
    """(id, display name) of every account, active or not, by name (the audit search's list)."""
    return [(r["id"], r["display_name"]) for r in db.query(
        "SELECT id, display_name FROM users ORDER BY display_name, id")]


def vetting_due(db, until):
    """Active ICVs whose vetting has expired or expires on or before `until` (a London date),
    soonest first."""
    return list(db.query(
        "SELECT id, display_name, crr_trained, vetting_expires_on FROM users WHERE role = 'icv' "
        "AND active = 1 AND vetting_expires_on <= ? ORDER BY vetting_expires_on, display_name",
        [until.isoformat()]))
