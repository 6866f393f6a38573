"""The server session on every request, the idle warning's status and extend calls, *Your
sessions*, and the cookie and transport settings (Secure, __Host-, HSTS, ProxyFix).

Every request of a signed-in person checks their row in `sessions` (icv/accounts/sessions.py):
one indexed read, and a write at most once a minute. A session that was ended (sign-out, another
device, an admin), ran past SESSION_ABSOLUTE_HOURS or went SESSION_IDLE_MINUTES without a
request signs the person out; a form posted just as it ran out is kept (auth.on_expired_post).
Ending a session from *Your sessions* needs the person's password in the same form (ASVS 7.5.2).
"""
from datetime import timedelta

from flask import (Blueprint, abort, current_app, flash, g, jsonify, redirect, render_template,
                   request, session, url_for)
from flask_login import current_user, logout_user
from werkzeug.middleware.proxy_fix import ProxyFix

from ..auth import (EXPIRED_POST_KEEPERS, ROLE_NAMES, public, recheck_password, role_required,
                    this_page, wants_json)
from ..db import get_db
from ..times import from_iso, utcnow
from . import sessions
from .forms import PasswordAgainForm

bp = Blueprint("sessions", __name__)

SIGNED_OUT = {
    "ended": "You have been signed out. Sign in again to carry on.",
    "expired": "You were signed out because you had been signed in for {hours} hours.",
    "idle": "You were signed out after {minutes} minutes without activity.",
}
KEPT = " What you typed was saved as a draft: sign in to carry on."
# Requests the browser makes by itself, which say nothing of the person being there: asking how
# long is left, the service worker updating its script, static files.
NOT_ACTIVITY = {"sessions.status", "main.service_worker", "main.offline", "static"}


def idle_seconds():
    return current_app.config["SESSION_IDLE_MINUTES"] * 60


def check_session():
    """Before every request: a signed-in person's server session must be open, within its
    absolute lifetime and not idle, else they are signed out (keeping a form being posted when
    the time simply ran out)."""
    if not current_user.is_authenticated:
        return None
    db, now = get_db(), utcnow()
    row = sessions.current(db, session.get("sid"))
    problem = "ended" if row is None or row["user_id"] != current_user.id else sessions.problem(
        row, now, timedelta(seconds=idle_seconds()))
    last = session.get("seen")  # the cookie's exact time of the last request
    if problem is None and last is not None and now.timestamp() - last > idle_seconds():
        problem = "idle"
    if problem is None:
        g.session_id = row["id"]
        g.session_ends_at = from_iso(row["expires_at"]).timestamp()  # the absolute limit
        if request.endpoint not in NOT_ACTIVITY:
            session["seen"] = now.timestamp()
            sessions.seen(db, row, now)
        return None
    resume = None
    keeper = EXPIRED_POST_KEEPERS.get(request.endpoint)
    if problem != "ended" and request.method == "POST" and keeper:  # never for a copied cookie
        resume = keeper(current_user.id, request.view_args or {})
    if problem != "ended":
        sessions.end(db, row["id"], problem, address=request.remote_addr)
    logout_user()
    session.clear()
    config = current_app.config
    message = SIGNED_OUT[problem].format(minutes=config["SESSION_IDLE_MINUTES"],
                                         hours=config["SESSION_ABSOLUTE_HOURS"])
    if resume:
        message += KEPT
    if wants_json():
        return jsonify(error="signed_out", message=message), 401
    flash(message)
    return redirect(url_for("auth.login", next=resume or this_page()))


@bp.route("/session/status")
@public
def status():
    """Seconds left before the sign-out, idle or at the session's absolute limit, whichever comes
    first, and which (`reason`: "idle" or "lifetime"), without counting as activity."""
    if not current_user.is_authenticated:
        return jsonify(signed_in=False, expires_in=0), 401
    now = utcnow().timestamp()
    return time_left(idle_seconds() - (now - session.get("seen", now)), now)


def time_left(idle_left, now):
    """The status answer: the sooner of the idle sign-out and the absolute limit."""
    lifetime_left = g.get("session_ends_at", now + idle_left) - now
    reason = "lifetime" if lifetime_left < idle_left else "idle"
    return jsonify(signed_in=True, expires_in=max(0, int(min(idle_left, lifetime_left))), reason=reason,
                   hours=current_app.config["SESSION_ABSOLUTE_HOURS"])


@bp.route("/session/extend", methods=["POST"])
@role_required(*ROLE_NAMES)
def extend():
    """Stay signed in: any request counts as activity, this one says so plainly (it cannot go
    past the session's absolute limit: the answer says when that is)."""
    return time_left(idle_seconds(), utcnow().timestamp())


@bp.route("/account/sessions")
@role_required(*ROLE_NAMES)
def mine():
    """Your sessions: where you are signed in, last seen when, and a button to end each."""
    return sessions_page()


def sessions_page(refused=None, status=200):
    """The list, each other session with its own small form (your password, then End) and one
    more to sign out everywhere else; refused: (session id or "others", the form just posted,
    with its message)."""
    rows = sessions.of_user(get_db(), current_user.id)
    this = g.get("session_id")
    forms = {}
    for key in [row["id"] for row in rows if row["id"] != this] + ["others"]:
        form = refused[1] if refused and refused[0] == key else PasswordAgainForm(formdata=None)
        form.password.id = f"password-{key}"  # one page, many forms: each field its own id
        forms[key] = form
    return render_template("sessions/mine.html", sessions=rows, this_session=this, forms=forms,
                           refused=refused and refused[1]), status


def password_refused(key):
    """None if the form has the person's password; else the page again with the message by
    that form's password field (400, or 429 while sign-in is throttled for them)."""
    form = PasswordAgainForm()
    status = recheck_password(form.password) if form.validate_on_submit() else 400
    return sessions_page((key, form), status) if status else None


@bp.route("/account/sessions/<int:session_id>/end", methods=["POST"])
@role_required(*ROLE_NAMES)
def end(session_id):
    """End one of your own sessions (another phone, a shared computer), with your password."""
    if session_id == g.get("session_id"):
        abort(400)  # this one is ended by signing out
    if session_id not in {row["id"] for row in sessions.of_user(get_db(), current_user.id)}:
        abort(404)  # not yours, or ended already
    refused = password_refused(session_id)
    if refused:
        return refused
    if not sessions.end(get_db(), session_id, "ended_by_user", owner=current_user.id,
                        address=request.remote_addr):
        abort(404)
    flash("That session has ended: it is signed out.")
    return redirect(url_for("sessions.mine"))


@bp.route("/account/sessions/end-others", methods=["POST"])
@role_required(*ROLE_NAMES)
def end_others():
    """Sign out everywhere except here, with your password."""
    refused = password_refused("others")
    if refused:
        return refused
    count = sessions.end_all(get_db(), current_user.id, "ended_by_user", keep=g.get("session_id"),
                             address=request.remote_addr)
    flash("You are signed out everywhere else." if count else "You were not signed in anywhere else.")
    return redirect(url_for("sessions.mine"))


def strict_transport(response):
    """Tell browsers to use only https here for HSTS_SECONDS (set it only behind TLS)."""
    seconds = current_app.config["HSTS_SECONDS"]
    if seconds:
        response.headers.setdefault("Strict-Transport-Security",
                                    f"max-age={int(seconds)}; includeSubDomains")
    return response


def configure(app):
    """Cookie and transport settings: outside debug mode (unless SECURE_COOKIES says otherwise)
    the session cookie is Secure and named with the __Host- prefix (https only, this host only,
    path /); the cookie lives as long as a session may; HSTS and ProxyFix when configured."""
    config = app.config
    if config["SECURE_COOKIES"] is None:
        config["SECURE_COOKIES"] = not app.debug
    if config["SECURE_COOKIES"]:
        config["SESSION_COOKIE_SECURE"] = True
        config["SESSION_COOKIE_PATH"] = "/"
        config["SESSION_COOKIE_DOMAIN"] = None
        if config["SESSION_COOKIE_NAME"] == "session":
            config["SESSION_COOKIE_NAME"] = "__Host-session"
    config["PERMANENT_SESSION_LIFETIME"] = timedelta(hours=config["SESSION_ABSOLUTE_HOURS"])
    if config["PROXY_FIX"]:
        app.wsgi_app = ProxyFix(app.wsgi_app, **config["PROXY_FIX"])


def init_app(app):
    """Check the server session on every request; set the cookie and transport settings."""
    configure(app)
    app.before_request(check_session)
    app.after_request(strict_transport)
