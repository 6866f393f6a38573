"""Sign-in throttling: the `sign_in_throttle` table. The only module that writes SQL for it.

Failed sign-ins are counted per account and per client address, in the database so every server
process sees the same counts. An account is keyed by the email typed, whether or not an account
has it, so a lock tells nobody whether an account exists. Once a count reaches its limit, sign-in
for that account (or from that address) is refused, even with the right password, until the
cool-down has passed; each further failure after that starts the cool-down again. A day without
failures, a successful sign-in (for the account) or an admin's unlock clears the count.
"""
from dataclasses import dataclass
from datetime import timedelta

from .. import audit
from ..db import writing
from ..times import from_iso, to_iso, utcnow

FORGET_AFTER = timedelta(days=1)


@dataclass(frozen=True)
class Limits:
    """Failures allowed before a cool-down, per account and per address, and its length."""
    account: int = 5
    address: int = 20
    cooldown: timedelta = timedelta(minutes=15)


def limits_from(config):
    """Limits from SIGN_IN_MAX_FAILURES, SIGN_IN_MAX_FAILURES_PER_ADDRESS and
    SIGN_IN_COOLDOWN_MINUTES."""
    return Limits(config["SIGN_IN_MAX_FAILURES"], config["SIGN_IN_MAX_FAILURES_PER_ADDRESS"],
                  timedelta(minutes=config["SIGN_IN_COOLDOWN_MINUTES"]))


def account_key(email):
    return (email or "").strip().lower()


def _keys(email, address):
    return [("account", account_key(email)), ("address", address or "unknown")]


def refused_until(db, email, address):
    """When sign-in opens again for this email typed from this address (an aware datetime), or
    None if it is open now."""
    now = to_iso(utcnow())
    ends = [row[0] for kind, key in _keys(email, address) for row in db.execute(
        "SELECT locked_until FROM sign_in_throttle WHERE kind = ? AND key = ? AND locked_until > ?",
        [kind, key, now])]
    return from_iso(max(ends)) if ends else None


def failed(db, email, address, user_id=None, limits=Limits(), reason=None):
    """Count a failed sign-in for the email and the address, audited with the account it names
    (`user_id`, None for an unknown email); a count at its limit starts the cool-down, audited too.
    Returns when sign-in opens again if this failure closed it, else None."""
    now = utcnow()
    locked = None
    with writing(db):
        for (kind, key), limit in zip(_keys(email, address), (limits.account, limits.address)):
            row = db.execute("SELECT failures, last_failed_at FROM sign_in_throttle "
                             "WHERE kind = ? AND key = ?", [kind, key]).fetchone()
            failures = 1 if row is None or now - from_iso(row[1]) > FORGET_AFTER else row[0] + 1
            until = to_iso(now + limits.cooldown) if failures >= limit else None
            db.execute("""
                INSERT INTO sign_in_throttle (kind, key, user_id, failures, last_failed_at, locked_until)
                VALUES (?, ?, ?, ?, ?, ?)
                ON CONFLICT (kind, key) DO UPDATE SET user_id = excluded.user_id,
                  failures = excluded.failures, last_failed_at = excluded.last_failed_at,
                  locked_until = excluded.locked_until""",
                [kind, key, user_id if kind == "account" else None, failures, to_iso(now), until])
            if until:
                locked = from_iso(until)
                audit.log(db, user_id, "sign_in_locked", kind, user_id if kind == "account" else None,
                          address=address, failures=failures, until=until)
        audit.log(db, user_id, "sign_in_failed", "user", user_id, address=address,
                  reason=reason or ("wrong_password" if user_id else "unknown_account"))
    return locked


def succeeded(db, email):
    """A right password: the account's count starts again (the address's does not, or one good
    account would let an address guess at every other)."""
    db.execute("DELETE FROM sign_in_throttle WHERE kind = 'account' AND key = ?", [account_key(email)])


def locked(db):
    """Accounts that exist and are locked now: [{user_id, failures, locked_until}], for the admin
    home page (names from icv/people.py)."""
    return list(db.query(
        "SELECT user_id, failures, locked_until FROM sign_in_throttle WHERE kind = 'account' "
        "AND user_id IS NOT NULL AND locked_until > ? ORDER BY locked_until", [to_iso(utcnow())]))


def unlock(db, email_or_user_id, by=None, address=None):
    """An admin unlocks an account (by email, or by user id): its count is cleared, audited.
    True if it had a count to clear."""
    column = "user_id" if isinstance(email_or_user_id, int) else "key"
    value = email_or_user_id if column == "user_id" else account_key(email_or_user_id)
    with writing(db):
        rows = db.execute(f"SELECT key, user_id FROM sign_in_throttle WHERE kind = 'account' "
                          f"AND {column} = ?", [value]).fetchall()
        db.execute(f"DELETE FROM sign_in_throttle WHERE kind = 'account' AND {column} = ?", [value])
        for _, user_id in rows:
            audit.log(db, by, "sign_in_unlocked", "user", user_id, address=address)
    return bool(rows)


def locked_until(db, user_id):
    """When this account's cool-down ends (an aware datetime), or None if it is not locked."""
    row = db.execute("SELECT max(locked_until) FROM sign_in_throttle WHERE kind = 'account' AND "
                     "user_id = ? AND locked_until > ?", [user_id, to_iso(utcnow())]).fetchone()
    return from_iso(row[0]) if row and row[0] else None


def delete_before(db, cutoff, now, dry_run=False):
    """Delete failed sign-in counts whose last failure was before `cutoff` and that lock nothing
    at `now` (UTC texts): they hold an email typed or an address. Returns how many."""
    where = "FROM sign_in_throttle WHERE last_failed_at < ? AND (locked_until IS NULL OR locked_until <= ?)"
    if dry_run:
        return db.execute(f"SELECT count(*) {where}", [cutoff, now]).fetchone()[0]
    return db.execute(f"DELETE {where}", [cutoff, now]).rowcount
