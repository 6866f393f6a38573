"""Two-factor sign-in: TOTP codes from an authenticator app (pyotp) and single-use recovery codes.
The only module that writes SQL for the `two_factor` and `recovery_codes` tables.

A code is accepted within one 30-second step either side of now (a phone's clock drifts), and
never twice: the step of the last code accepted is kept, and only a later one is taken, by one
conditional UPDATE so two requests with the same code cannot both win. Recovery codes have 59
random bits each and are stored as salted PBKDF2 hashes (ASVS 5.0 6.5.2: under 112 bits needs a
password hash); 50,000 rounds instead of Werkzeug's million keep checking a code quick, and 2^59
guesses at that cost are out of reach. Nothing here logs a code or the secret.
"""
import hmac
import secrets

import pyotp
import segno
from werkzeug.security import check_password_hash, generate_password_hash

from .. import audit
from ..db import writing
from ..times import now_iso, utcnow
from . import sessions

ISSUER = "Independent Custody Visiting"
RECOVERY_CODE_COUNT = 10
# 31 letters and digits that cannot be mistaken for one another (no 0/o, 1/l/i); 12 of them.
RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
RECOVERY_HASH = "pbkdf2:sha256:50000"
DRIFT_STEPS = 1

# What check_code and use_recovery_code answer.
ACCEPTED, WRONG, REUSED, NOT_SET_UP = "accepted", "wrong", "reused", "not_set_up"


def new_secret():
    return pyotp.random_base32()  # 160 bits, RFC 4226's recommended length


def record(db, user_id):
    """This person's two_factor row (enrolled or still being set up), or None."""
    rows = list(db.query("SELECT * FROM two_factor WHERE user_id = ?", [user_id]))
    return rows[0] if rows else None


def enrolled(db, user_id):
    """True if this person has set up two-factor sign-in (a code confirmed it)."""
    row = record(db, user_id)
    return bool(row and row["enrolled_at"])


def start_enrolment(db, user_id):
    """The secret to show while setting up: the one already being set up (so a page opened again
    shows the QR code already scanned), else a new one. None if already enrolled."""
    row = record(db, user_id)
    if row and row["enrolled_at"]:
        return None
    if row:
        return row["secret"]
    secret = new_secret()
    db.execute("INSERT INTO two_factor (user_id, secret, created_at) VALUES (?, ?, ?) "
               "ON CONFLICT (user_id) DO NOTHING", [user_id, secret, now_iso()])
    return record(db, user_id)["secret"]


def provisioning_uri(secret, email):
    """The otpauth:// address an authenticator app reads from the QR code."""
    return pyotp.TOTP(secret).provisioning_uri(name=email, issuer_name=ISSUER)


def qr_svg(uri, description):
    """The QR code of `uri` as inline SVG markup, with a title and description for screen readers
    (role="img" makes them its accessible name)."""
    svg = segno.make(uri, error="m").svg_inline(scale=1, border=4, title=description, omitsize=True,
                                                svgclass="qr-code", lineclass=None)
    return svg.replace("<svg ", '<svg role="img" ', 1)


def grouped(secret):
    """The secret in groups of four for typing into an app by hand: 'ABCD EFGH ...'."""
    return " ".join(secret[i:i + 4] for i in range(0, len(secret), 4))


def matching_step(secret, code, moment):
    """The time step whose code `code` is, within DRIFT_STEPS of `moment`, or None."""
    totp = pyotp.TOTP(secret)
    now_step = totp.timecode(moment)
    for step in range(now_step - DRIFT_STEPS, now_step + DRIFT_STEPS + 1):
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def normalise(text):
    """What was typed, without spaces or dashes, in lower case."""
    return "".join((text or "").split()).replace("-", "").lower()


def looks_like_totp(text):
    return len(normalise(text)) == 6 and normalise(text).isdigit()


def check_code(db, user_id, code, enrolling=False):
    """ACCEPTED and the code's step remembered, or WRONG, REUSED or NOT_SET_UP. With enrolling, the
    secret being set up is checked (and not yet marked enrolled: see confirm_enrolment)."""
    row = record(db, user_id)
    if row is None or bool(row["enrolled_at"]) == enrolling:
        return NOT_SET_UP
    step = matching_step(row["secret"], normalise(code), utcnow())
    if step is None:
        return WRONG
    taken = db.execute("UPDATE two_factor SET last_step = ? WHERE user_id = ? "
                       "AND (last_step IS NULL OR last_step < ?)", [step, user_id, step]).rowcount
    return ACCEPTED if taken else REUSED


def _replace_recovery_codes(db, user_id):
    codes = ["".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(12))
             for _ in range(RECOVERY_CODE_COUNT)]
    db.execute("DELETE FROM recovery_codes WHERE user_id = ?", [user_id])
    for code in codes:
        db.execute("INSERT INTO recovery_codes (user_id, code_hash, created_at) VALUES (?, ?, ?)",
                   [user_id, generate_password_hash(code, method=RECOVERY_HASH), now_iso()])
    return [shown(code) for code in codes]


def shown(code):
    """A recovery code as shown: 'abcd-efgh-jkmn'."""
    return "-".join(code[i:i + 4] for i in range(0, len(code), 4))


def _end_other_sessions(db, user_id, signed_in_on, address):
    """A factor changed while signed in (ASVS 7.4.3): every other session of the person ends,
    in the caller's transaction, as a password change does. signed_in_on None: nothing to end."""
    if signed_in_on is not None:
        sessions.end_all(db, user_id, "two_factor_changed", keep=signed_in_on, by=user_id,
                         address=address)


def confirm_enrolment(db, user_id, code, address=None, signed_in_on=None):
    """Check the first code from the app; if right, two-factor is on and, if set up while signed
    in (`signed_in_on`: that session's id), every other session ends. Returns (result, recovery
    codes to show once, or None)."""
    with writing(db):
        result = check_code(db, user_id, code, enrolling=True)
        if result != ACCEPTED:
            return result, None
        db.execute("UPDATE two_factor SET enrolled_at = ? WHERE user_id = ?", [now_iso(), user_id])
        codes = _replace_recovery_codes(db, user_id)
        audit.log(db, user_id, "two_factor_enrolled", "user", user_id, address=address)
        _end_other_sessions(db, user_id, signed_in_on, address)
    return ACCEPTED, codes


def new_recovery_codes(db, user_id, address=None, signed_in_on=None):
    """Replace this person's recovery codes with new ones (the old stop working); returns them.
    Every session but `signed_in_on` ends (if given)."""
    with writing(db):
        codes = _replace_recovery_codes(db, user_id)
        audit.log(db, user_id, "recovery_codes_renewed", "user", user_id, address=address)
        _end_other_sessions(db, user_id, signed_in_on, address)
    return codes


def recovery_codes_left(db, user_id):
    return db.execute("SELECT count(*) FROM recovery_codes WHERE user_id = ? AND used_at IS NULL",
                      [user_id]).fetchone()[0]


def use_recovery_code(db, user_id, text):
    """ACCEPTED (the code is used up now), REUSED (it was used before) or WRONG."""
    code = normalise(text)
    for row in db.query("SELECT id, code_hash, used_at FROM recovery_codes WHERE user_id = ? "
                        "ORDER BY used_at IS NOT NULL, id", [user_id]):
        if check_password_hash(row["code_hash"], code):
            if row["used_at"]:
                return REUSED
            taken = db.execute("UPDATE recovery_codes SET used_at = ? WHERE id = ? AND used_at IS NULL",
                               [now_iso(), row["id"]]).rowcount
            return ACCEPTED if taken else REUSED
    return WRONG


def verify(db, user_id, text, address=None):
    """The sign-in step: a 6-digit code from the app or a recovery code. Returns (result, kind)
    with kind "code" or "recovery"; a failure and a recovery code used are in the audit log."""
    kind = "code" if looks_like_totp(text) else "recovery"
    with writing(db):
        if not enrolled(db, user_id):
            return NOT_SET_UP, kind
        result = check_code(db, user_id, text) if kind == "code" else use_recovery_code(db, user_id, text)
        if result == ACCEPTED and kind == "recovery":
            audit.log(db, user_id, "recovery_code_used", "user", user_id, address=address,
                      left=recovery_codes_left(db, user_id))
        elif result != ACCEPTED:
            audit.log(db, user_id, "two_factor_code_failed", "user", user_id, address=address,
                      kind=kind, reason=result)
    return result, kind


def forget(db, user_id):
    """Remove someone's secret and recovery codes with no audit entry of its own (retention
    anonymising a long-deactivated account logs the whole purge)."""
    return _remove(db, user_id)


def _remove(db, user_id):
    db.execute("DELETE FROM recovery_codes WHERE user_id = ?", [user_id])
    return db.execute("DELETE FROM two_factor WHERE user_id = ?", [user_id]).rowcount


def turn_off(db, user_id, address=None, signed_in_on=None):
    """The person turns two-factor sign-in off (where it is optional for them); every session
    but `signed_in_on` ends (if given)."""
    with writing(db):
        if _remove(db, user_id):
            audit.log(db, user_id, "two_factor_turned_off", "user", user_id, address=address)
            _end_other_sessions(db, user_id, signed_in_on, address)


def reset(db, user_id, by=None, address=None):
    """An admin resets someone's two-factor sign-in (a lost phone): the secret and recovery codes
    go, and they set it up again at their next sign-in if their role needs it. `by` is the admin's
    id, for the audit log. True if there was anything to reset."""
    with writing(db):
        removed = bool(_remove(db, user_id))
        audit.log(db, by, "two_factor_reset", "user", user_id, address=address, had_two_factor=removed)
    return removed
