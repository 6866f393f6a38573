"""Sessions on the server: the `sessions` table. The only module that writes SQL for it.

The session cookie carries only a random token; the table keeps its SHA-256, who it belongs to,
the device (the browser's user agent) and when it was last used, started and must end. Ending a
session here (sign-out, Your sessions, an admin, deactivation, a password change) is what makes a
copied cookie useless: the per-request check (icv/accounts/session_views.py) finds it ended.
"""
import hashlib
import re
import secrets
import sqlite3
from datetime import timedelta

from .. import audit
from ..db import writing
from ..times import from_iso, to_iso, utcnow

# last_seen_at is moved on at most this often, so a page view is not a database write.
SEEN_EVERY = timedelta(minutes=1)
DEFAULT_HOURS = 12

# Why a session ended, as stored and audited.
REASONS = {
    "signed_out": "Signed out",
    "idle": "Signed out after a time without activity",
    "expired": "Reached the most time a session may last",
    "ended_by_user": "Ended from Your sessions",
    "ended_by_admin": "Ended by an administrator",
    "deactivated": "The account was deactivated",
    "password_changed": "The password was changed",
    "ended_for_everyone": "Everyone was signed out (flask end-sessions --all)",
    "two_factor_changed": "Two-factor sign-in was turned on or off, or new recovery codes made",
}


def hash_token(token):
    """The stored form of a cookie's token (SHA-256: the token is random, so no salt or stretching)."""
    return hashlib.sha256(token.encode()).hexdigest()


def start(db, user_id, device, address, hours=DEFAULT_HOURS):
    """Start a session for `user_id` and return its token (the cookie's; only its hash is kept).
    Audited as a sign-in, in the same transaction."""
    token = secrets.token_urlsafe(32)
    now = utcnow()
    with writing(db):
        session_id = db["sessions"].insert({
            "token_hash": hash_token(token), "user_id": user_id, "device": (device or "")[:400],
            "address": address, "started_at": to_iso(now), "last_seen_at": to_iso(now),
            "expires_at": to_iso(now + timedelta(hours=hours)),
        }).last_pk
        audit.log(db, user_id, "sign_in", "session", session_id, address=address)
    return token


def rotate(db, session_id):
    """Give an open session a new token after its person re-authenticated (ASVS 7.2.4): the old
    token, and any copy of the cookie that holds it, stops working. Returns the new token."""
    token = secrets.token_urlsafe(32)
    with writing(db):
        db.execute("UPDATE sessions SET token_hash = ? WHERE id = ?", [hash_token(token), session_id])
    return token


def current(db, token):
    """The session row this cookie token names (ended or not), or None."""
    if not token:
        return None
    return next(db.query("SELECT * FROM sessions WHERE token_hash = ?", [hash_token(token)]), None)


def problem(row, now, idle):
    """Why this session may not be used at `now` (an aware datetime), or None if it may:
    "ended", "expired" (past its absolute lifetime) or "idle" (unused for longer than `idle`, a
    timedelta, allowing for last_seen_at being moved on only every SEEN_EVERY)."""
    if row is None or row["ended_at"] is not None:
        return "ended"
    if now >= from_iso(row["expires_at"]):
        return "expired"
    if now - from_iso(row["last_seen_at"]) > idle + SEEN_EVERY:
        return "idle"
    return None


def seen(db, row, now):
    """Note that the session was used at `now`: a write only if last_seen_at is a minute old.
    Not inside another transaction; if the database is busy it is left for the next request."""
    if now - from_iso(row["last_seen_at"]) < SEEN_EVERY or db.conn.in_transaction:
        return
    try:
        db.execute("UPDATE sessions SET last_seen_at = ? WHERE id = ? AND ended_at IS NULL",
                   [to_iso(now), row["id"]])
    except sqlite3.OperationalError:  # busy: a page must not wait for or fail on this
        pass


def end(db, session_id, reason, by=None, owner=None, address=None):
    """End one session (if still open, and if `owner` is given only one of theirs); audited as
    `by` (default: the session's own user). True if it was open and is now ended."""
    if reason not in REASONS:
        raise ValueError(f"unknown reason {reason!r}")
    with writing(db):
        row = db.execute("SELECT user_id FROM sessions WHERE id = ? AND ended_at IS NULL "
                         "AND (? IS NULL OR user_id = ?)", [session_id, owner, owner]).fetchone()
        if row is None:
            return False
        db.execute("UPDATE sessions SET ended_at = ?, ended_reason = ? WHERE id = ?",
                   [to_iso(utcnow()), reason, session_id])
        action = "sign_out" if reason == "signed_out" else "session_ended"
        audit.log(db, by or row[0], action, "session", session_id, address=address, reason=reason)
    return True


def end_all(db, user_id, reason, keep=None, by=None, address=None):
    """End every open session of `user_id` except `keep` (a session id): deactivation, a password
    change, "sign out everywhere else", an admin ending someone's sessions. One audit entry, about
    the user, says how many ended and why (none when none did). Returns that number. Call it inside the caller's
    transaction (it nests) so the change and the ending go together."""
    if reason not in REASONS:
        raise ValueError(f"unknown reason {reason!r}")
    with writing(db):
        ended = db.execute(
            "UPDATE sessions SET ended_at = ?, ended_reason = ? WHERE user_id = ? AND ended_at IS NULL "
            "AND id != ?", [to_iso(utcnow()), reason, user_id, keep or 0]).rowcount
        if ended:  # nothing ended, nothing to record
            audit.log(db, by or user_id, "sessions_ended", "user", user_id, address=address,
                      reason=reason, count=ended)
    return ended


def end_everyone(db, reason="ended_for_everyone"):
    """End every open session of every account (a suspected breach, a SECRET_KEY rotated): each
    person signs in again. One audit entry says how many. Returns that number."""
    with writing(db):
        ended = db.execute("UPDATE sessions SET ended_at = ?, ended_reason = ? WHERE ended_at IS NULL",
                           [to_iso(utcnow()), reason]).rowcount
        audit.log(db, None, "sessions_ended", "session", None, reason=reason, count=ended)
    return ended


def of_user(db, user_id):
    """The open sessions of `user_id`, most recently used first, each with `device_name`."""
    rows = db.query(
        "SELECT id, device, address, started_at, last_seen_at, expires_at FROM sessions "
        "WHERE user_id = ? AND ended_at IS NULL AND expires_at > ? ORDER BY last_seen_at DESC, id DESC",
        [user_id, to_iso(utcnow())])
    return [{**r, "device_name": device_name(r["device"])} for r in rows]


# (pattern in the user agent, plain name), first match wins: order matters (Edge and Samsung
# Internet also say "Chrome"; Chrome also says "Safari").
BROWSERS = [(r"Edg(e|A|iOS)?/", "Edge"), (r"SamsungBrowser/", "Samsung Internet"),
            (r"OPR/|Opera", "Opera"), (r"Firefox/|FxiOS/", "Firefox"), (r"CriOS/|Chrome/", "Chrome"),
            (r"Safari/", "Safari")]
SYSTEMS = [(r"iPhone", "an iPhone"), (r"iPad", "an iPad"), (r"Android", "an Android phone"),
           (r"CrOS", "a Chromebook"), (r"Windows", "Windows"), (r"Macintosh|Mac OS X", "a Mac"),
           (r"Linux", "Linux")]


def device_name(user_agent):
    """A user agent in plain words: "Chrome on an Android phone", "Safari on an iPhone"."""
    ua = user_agent or ""
    browser = next((name for pattern, name in BROWSERS if re.search(pattern, ua)), None)
    system = next((name for pattern, name in SYSTEMS if re.search(pattern, ua)), None)
    if browser and system:
        return f"{browser} on {system}"
    return browser or (f"A browser on {system}" if system else "An unknown device")


def delete_before(db, cutoff, dry_run=False):
    """Delete sessions last used before `cutoff` (UTC text): long over, they hold only a device,
    an address and times. Returns how many were (or would be) deleted."""
    if dry_run:
        return db.execute("SELECT count(*) FROM sessions WHERE last_seen_at < ?", [cutoff]).fetchone()[0]
    return db.execute("DELETE FROM sessions WHERE last_seen_at < ?", [cutoff]).rowcount
