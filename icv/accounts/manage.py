"""What can be done to an account, each in one transaction with its audit entry: invite, change
role or panels or record review training, deactivate, reactivate, issue a reset link, set or
change a password. Views decide who may; these decide what is allowed and do it. Audit entries
never hold a password or a token."""
from werkzeug.security import check_password_hash, generate_password_hash

from .. import audit, people
from ..db import writing
from . import links, passwords, sessions


class Refused(Exception):
    """The change cannot be made; str() says why, for the person who asked."""


def invite(db, by, email, display_name, role, panel_ids, address=None):
    """Make an invited account and its invitation link: (user id, token). Refused if the email
    already has an account (active, invited or deactivated: an address is never reused)."""
    with writing(db):
        if people.any_by_email(db, email):
            raise Refused("There is already an account for this email address")
        user_id = people.add(db, email, display_name, role, None, panel_ids, invited_by=by)
        token = links.issue(db, user_id, "invitation", created_by=by)
        audit.log(db, by, "invite", "user", user_id, role=role, panels=sorted(panel_ids),
                  address=address)
    return user_id, token


def resend_invitation(db, by, user, address=None):
    """A new invitation link (the old one stops working), for an account not yet set up."""
    if user["password_hash"] is not None or not user["active"]:
        raise Refused("This account is already set up: send a password reset link instead")
    with writing(db):
        token = links.issue(db, user["id"], "invitation", created_by=by)
        audit.log(db, by, "resend_invitation", "user", user["id"], address=address)
    return token


def reset_link(db, by, user, address=None):
    """A password reset link for an active account (None for `by`: asked for by "Forgot your
    password?"); a newer one makes the older stop working."""
    if not user["active"]:
        raise Refused("This account is deactivated: reactivate it first")
    with writing(db):
        token = links.issue(db, user["id"], "reset", created_by=by)
        audit.log(db, by, "send_reset_link" if by else "request_reset", "user", user["id"],
                  address=address)
    return token


def change(db, by, user, changes, action, address=None):
    """Change some columns of an account (role, or record review training), with before/after."""
    changes = {k: v for k, v in changes.items() if user[k] != v}
    if not changes:
        return False
    with writing(db):
        if changes.get("role", "admin") != "admin" and user["role"] == "admin" and user["active"] \
                and people.active_admins(db) <= 1:
            raise Refused("This is the only active admin account. Make someone else an admin first")
        people.update(db, user["id"], changes)
        audit.log(db, by, action, "user", user["id"], before={k: user[k] for k in changes},
                  after=changes, address=address)
    return True


def set_panels(db, by, user_id, panel_ids, address=None):
    """Make these the panels the person sits on; False if nothing changed."""
    before = people.panels_of(db, [user_id])[user_id]
    if sorted(set(panel_ids)) == before:
        return False
    with writing(db):
        people.set_panels(db, user_id, panel_ids)
        audit.log(db, by, "change_panels", "user", user_id, before=before,
                  after=sorted(set(panel_ids)), address=address)
    return True


def deactivate(db, by, user, address=None):
    """Switch an account off: it cannot sign in, its links stop working, its sessions end.
    Refused for the last active admin."""
    with writing(db):
        if user["role"] == "admin" and user["active"] and people.active_admins(db) <= 1:
            raise Refused("This is the only active admin account, so it cannot be deactivated. "
                          "Make someone else an admin first")
        if not people.set_active(db, user["id"], False):
            raise Refused("This account is already deactivated")
        links.revoke(db, user["id"])
        sessions.end_all(db, user["id"], "deactivated", by=by, address=address)
        audit.log(db, by, "deactivate", "user", user["id"], address=address)


def reactivate(db, by, user, address=None):
    """Switch a deactivated account back on (its old password works again, if it had one)."""
    with writing(db):
        if not people.set_active(db, user["id"], True):
            raise Refused("This account is already active")
        audit.log(db, by, "reactivate", "user", user["id"], address=address)


def problem_with_link(link):
    """Why a link from an email cannot be used, in words, or None if it can."""
    if link is None:
        return "This link does not work. Check you copied the whole address from the email"
    return {"used": "This link has already been used. Each link works once",
            "replaced": "This link no longer works: a newer one has been sent, or the account has "
                        "changed. Use the link in the latest email, or ask your coordinator",
            "expired": "This link has expired"}.get(link["problem"])


def set_password_from_link(db, link, password, address=None):
    """Spend the link and give its account this password. Raises Refused (nothing changed)
    for a bad link, an inactive account or a password the rules refuse."""
    user = people.account(db, link["user_id"])
    message = problem_with_link(link) or (None if user and user["active"] else
                                          "This account has been deactivated. Ask your coordinator")
    if message:
        raise Refused(message)
    problem = passwords.problem(password, user["email"], user["display_name"])
    if problem:
        raise Refused(problem)
    with writing(db):
        if not links.spend(db, link["id"]):  # used in another tab just now
            raise Refused("This link has already been used. Each link works once")
        people.set_password(db, user["id"], generate_password_hash(password))
        sessions.end_all(db, user["id"], "password_changed", by=user["id"], address=address)
        audit.log(db, user["id"], "set_password", "user", user["id"], link=link["purpose"],
                  address=address)
    return user


def password_is_right(db, user_id, password):
    """True if `password` is this account's password: the one check of a password typed by
    someone already signed in (changing it, or before changing how they sign in)."""
    user = people.account(db, user_id)
    return bool(user and user["password_hash"]) and check_password_hash(user["password_hash"], password)


def change_password(db, user_id, new, address=None, keep_session=None):
    """Change one's own password, once they have given the current one (auth.recheck_password):
    (field, message) if the new one is refused, else None. Other sessions end."""
    user = people.account(db, user_id)
    problem = passwords.problem(new, user["email"], user["display_name"])
    if problem:
        return "new_password", problem
    if check_password_hash(user["password_hash"], new):
        return "new_password", "Your new password must be different from your current one"
    with writing(db):
        people.set_password(db, user_id, generate_password_hash(new))
        sessions.end_all(db, user_id, "password_changed", keep=keep_session, by=user_id,
                         address=address)
        audit.log(db, user_id, "change_password", "user", user_id, address=address)
    return None
