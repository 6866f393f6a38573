"""Single-use, expiring links that let someone set a password: the invitation to a new account
(valid INVITATION_DAYS) and the password reset (valid RESET_HOURS). The `account_links` table.

The token exists only in the email: the table keeps its SHA-256 (the token is 256 random bits,
so a plain hash is enough; no slow hash is needed against guessing). A newer link of the same
kind replaces the older ones, and a link is spent by a conditional UPDATE, so it works once even
when two taps race."""
import hashlib
import secrets
from datetime import timedelta

from ..times import from_iso, now_iso, to_iso, utcnow

INVITATION_DAYS = 7
RESET_HOURS = 1
LIFETIMES = {"invitation": timedelta(days=INVITATION_DAYS), "reset": timedelta(hours=RESET_HOURS)}


def digest(token):
    return hashlib.sha256(token.encode()).hexdigest()


def issue(db, user_id, purpose, created_by=None):
    """A new link's token for this account; the account's earlier unused links of this kind stop
    working. Call inside the transaction that records why (the audit entry)."""
    token = secrets.token_urlsafe(32)
    revoke(db, user_id, purpose)
    db.execute("INSERT INTO account_links (user_id, purpose, token_hash, created_by, created_at, "
               "expires_at) VALUES (?, ?, ?, ?, ?, ?)",
               [user_id, purpose, digest(token), created_by, now_iso(),
                to_iso(utcnow() + LIFETIMES[purpose])])
    return token


def revoke(db, user_id, purpose=None):
    """Stop this account's unused links (of one kind, or all) from working."""
    db.execute("UPDATE account_links SET revoked_at = ? WHERE user_id = ? AND used_at IS NULL "
               "AND revoked_at IS NULL AND (? IS NULL OR purpose = ?)",
               [now_iso(), user_id, purpose, purpose])


def find(db, token):
    """The link row for this token, with `problem` set: None when it can be used, else
    "used", "replaced" or "expired"; None for an unknown token."""
    rows = list(db.query("SELECT * FROM account_links WHERE token_hash = ?", [digest(token or "")]))
    if not rows:
        return None
    link = rows[0]
    if link["used_at"]:
        link["problem"] = "used"
    elif link["revoked_at"]:
        link["problem"] = "replaced"
    elif from_iso(link["expires_at"]) <= utcnow():
        link["problem"] = "expired"
    else:
        link["problem"] = None
    return link


def spend(db, link_id):
    """Use the link up; False if it was already used, replaced or expired meanwhile."""
    return db.execute("UPDATE account_links SET used_at = ? WHERE id = ? AND used_at IS NULL AND "
                      "revoked_at IS NULL AND expires_at > ?",
                      [now_iso(), link_id, now_iso()]).rowcount == 1


def pending_invitation(db, user_id):
    """The unused, unexpired invitation of this account (its expiry), or None."""
    rows = list(db.query("SELECT expires_at FROM account_links WHERE user_id = ? AND "
                         "purpose = 'invitation' AND used_at IS NULL AND revoked_at IS NULL AND "
                         "expires_at > ? ORDER BY id DESC LIMIT 1", [user_id, now_iso()]))
    return rows[0]["expires_at"] if rows else None


def asked_recently(db, user_id, purpose, minutes):
    """True if a link of this kind was made for the account in the last `minutes`."""
    since = to_iso(utcnow() - timedelta(minutes=minutes))
    return db.execute("SELECT 1 FROM account_links WHERE user_id = ? AND purpose = ? AND created_at > ?",
                      [user_id, purpose, since]).fetchone() is not None
