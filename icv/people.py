"""People: the `users` table and `user_panels` (which panels each person sits on). The only
module that writes SQL for them; others call these and fetch names here after their own query
rather than joining `users`.

An account is invited (active, no password yet), in use (active, a password), or deactivated
(active = 0): only an active account with a password can sign in."""
import json

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


def any_by_email(db, email):
    """The user with this email (any case), active or not, or None: an email is never reused."""
    rows = list(db.query("SELECT * FROM users WHERE email = ?", [email.strip()]))
    return rows[0] if rows else None


def account(db, user_id):
    """The user with this id, active, invited or deactivated, or None."""
    rows = list(db.query("SELECT * FROM users WHERE id = ?", [user_id]))
    return rows[0] if rows else None


def add(db, email, display_name, role, password_hash, panel_ids=(), invited_by=None):
    """Insert a user and their panels and return the id. password_hash None: invited, with no
    password until they set one (invited_by, when given, is who invited them)."""
    now = now_iso()  # the app's clock, not SQLite's
    user_id = db["users"].insert({
        "email": email.strip(), "display_name": display_name.strip(), "role": role,
        "password_hash": password_hash, "created_at": now, "updated_at": now,
        "password_set_at": now if password_hash else None,
        "invited_at": now if password_hash is None else None, "invited_by": invited_by,
    }).last_pk
    set_panels(db, user_id, panel_ids)
    return user_id


def update(db, user_id, changes):
    """Change some columns of one user (updated_at too)."""
    db["users"].update(user_id, {**changes, "updated_at": now_iso()})


def set_password(db, user_id, password_hash):
    """Store a new password hash for an active account."""
    update(db, user_id, {"password_hash": password_hash, "password_set_at": now_iso()})


def set_active(db, user_id, active):
    """Deactivate (False) or reactivate (True) an account; True if it changed."""
    now = now_iso()
    return db.execute(
        "UPDATE users SET active = ?, deactivated_at = coalesce(?, deactivated_at), updated_at = ? "
        "WHERE id = ? AND active = ?", [int(active), None if active else now, now, user_id,
                                        int(not active)]).rowcount == 1


def active_admins(db):
    """How many active admin accounts there are (the last one cannot be deactivated)."""
    return db.execute("SELECT count(*) FROM users WHERE role = 'admin' AND active = 1").fetchone()[0]


def accounts(db, roles):
    """Every account whose role is one of `roles`: active ones first, by name."""
    return list(db.query(
        f"SELECT * FROM users WHERE role IN ({','.join('?' * len(roles))}) "
        "ORDER BY active DESC, display_name", list(roles)))


def set_panels(db, user_id, panel_ids):
    """Make `panel_ids` the panels this person sits on."""
    db.execute("DELETE FROM user_panels WHERE user_id = ?", [user_id])
    for panel_id in sorted(set(panel_ids)):
        db.execute("INSERT INTO user_panels (user_id, panel_id) VALUES (?, ?)", [user_id, panel_id])


def panels_of(db, user_ids):
    """{user id: [panel ids]} for these people (each list sorted; nobody's panels missing)."""
    found = {user_id: [] for user_id in user_ids}
    ids = list(found)
    for row in db.query(f"SELECT user_id, panel_id FROM user_panels WHERE user_id IN "
                        f"({','.join('?' * len(ids))}) ORDER BY user_id, panel_id", ids):
        found[row["user_id"]].append(row["panel_id"])
    return found


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


def not_joined(db):
    """Active accounts invited but with no password set yet (the invitation not taken up), oldest
    invitation first."""
    return list(db.query("SELECT id, display_name, email, role, invited_at FROM users WHERE active = 1 "
                         "AND password_hash IS NULL ORDER BY invited_at, id"))


FORMER = {"icv": "A former volunteer"}  # what an anonymised account is called; staff otherwise:
FORMER_STAFF = "A former member of staff"


def anonymise_deactivated(db, cutoff, dry_run=False):
    """Accounts deactivated before `cutoff` (UTC text) and not yet anonymised lose their name,
    email, password and vetting: the id stays, so reports, reviews and the audit log still read
    "A former volunteer". Returns the ids anonymised (or, with dry_run, that would be)."""
    ids = [r["id"] for r in db.query(
        "SELECT id FROM users WHERE active = 0 AND deactivated_at < ? AND anonymised_at IS NULL "
        "ORDER BY id", [cutoff])]
    if dry_run or not ids:
        return ids
    now, marks = now_iso(), json.dumps(ids)
    db.execute("UPDATE users SET display_name = CASE role WHEN 'icv' THEN ? ELSE ? END, "
               "email = 'former-' || id || '@invalid', password_hash = NULL, crr_trained = 0, "
               "vetting_expires_on = NULL, anonymised_at = ?, updated_at = ? "
               "WHERE id IN (SELECT value FROM json_each(?))", [FORMER["icv"], FORMER_STAFF, now, now, marks])
    db.execute("DELETE FROM user_panels WHERE user_id IN (SELECT value FROM json_each(?))", [marks])
    return ids
