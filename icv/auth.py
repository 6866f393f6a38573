"""Accounts and roles: sign in and out, the one access decorator, `flask create-user`."""
import functools
from urllib.parse import urlsplit

import click
from flask import (Blueprint, abort, current_app, flash, jsonify, redirect, render_template, request,
                   session, url_for)
from flask_login import LoginManager, UserMixin, current_user, login_user, logout_user
from flask_wtf.csrf import CSRFProtect
from werkzeug.security import check_password_hash, generate_password_hash

from . import audit, people
from .accounts import passwords
from .codes import ROLES
from .db import get_db, writing
from .forms import LoginForm
from .times import utcnow

bp = Blueprint("auth", __name__)
login_manager = LoginManager()
csrf = CSRFProtect()

ROLE_NAMES = [code for code, _ in ROLES]
# The role sets, named once: views declare them with role_required, SQL gets them as parameters
# and templates ask can_open(endpoint).
STAFF = ("custody_team", "coordinator", "admin")  # the custody team's work, and any report
COORDINATORS = ("coordinator", "admin")  # running the scheme: summaries, reviews, volunteers
ANONYMOUS = "anonymous"
MIN_PASSWORD_LENGTH = passwords.MIN_LENGTH
# Checked when the email is unknown, so a wrong email takes as long as a wrong password.
_DUMMY_HASH = generate_password_hash("not-a-real-password")


class User(UserMixin):
    """The signed-in person, built from a `users` row."""

    def __init__(self, row):
        self.id = row["id"]
        self.email = row["email"]
        self.display_name = row["display_name"]
        self.role = row["role"]
        self.crr_trained = bool(dict(row).get("crr_trained"))  # may review custody records

    def has_role(self, *roles):
        """True if this user's role is one of `roles`."""
        return self.role in roles


def role_required(*roles):
    """Let the view run only for signed-in users whose role is one of `roles`."""
    unknown = set(roles) - set(ROLE_NAMES)
    if unknown:
        raise ValueError(f"Unknown roles: {unknown}")

    def decorator(view):
        @functools.wraps(view)
        def wrapped(**kwargs):
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if not current_user.has_role(*roles):
                abort(403)
            return view(**kwargs)

        wrapped.roles = roles
        return wrapped

    return decorator


def public(view):
    """Mark a view open to everyone, signed in or not (the permission test reads this)."""
    view.roles = (ANONYMOUS, *ROLE_NAMES)
    return view


def can_open(endpoint):
    """True if the signed-in person may open `endpoint` (a template global: the navigation asks
    each view for the roles role_required gave it rather than repeating them)."""
    view = current_app.view_functions.get(endpoint)
    roles = getattr(view, "roles", None)
    if roles is None:
        raise LookupError(f"{endpoint} is not a view with declared roles")
    return current_user.is_authenticated and current_user.has_role(*roles)


def authenticate(db, email, password):
    """The user whose email and password match, or None."""
    row = people.find_by_email(db, email)
    if row is None or row["password_hash"] is None:  # unknown, or invited and not set up yet
        check_password_hash(_DUMMY_HASH, password)
        return None
    return row if check_password_hash(row["password_hash"], password) else None


def create_user(db, email, display_name, role, password, panel_ids=()):
    """Insert a user with a hashed password (scrypt, Werkzeug's default) and return the id; the
    password must pass the rules of icv/accounts/passwords.py (ValueError says why not)."""
    if role not in ROLE_NAMES:
        raise ValueError(f"role must be one of {', '.join(ROLE_NAMES)}")
    problem = passwords.problem(password, email, display_name)
    if problem:
        raise ValueError(f"{problem}.")
    with writing(db):
        user_id = people.add(db, email, display_name, role, generate_password_hash(password), panel_ids)
        audit.log(db, None, "create_user", "user", user_id, role=role, via="flask create-user")
    return user_id


# endpoint -> function(user_id, view_args) that keeps a form posted after the session ran out
# and returns the address to resume at (or None).
EXPIRED_POST_KEEPERS = {}


def on_expired_post(endpoint):
    """Register how a form view keeps what was posted when the session had already run out."""
    def register(keeper):
        EXPIRED_POST_KEEPERS[endpoint] = keeper
        return keeper
    return register


def wants_json():
    """True for the page's own fetch() calls, which need JSON, not a sign-in page."""
    return request.headers.get("X-Requested-With") == "fetch"


def this_page():
    """The page asked for, to come back to after sign-in: a GET's path and query (full_path
    without the "?" it ends in when there is no query); None for a POST."""
    if request.method != "GET":
        return None
    return request.full_path if request.query_string else request.path


def idle_seconds():
    return current_app.config["SESSION_IDLE_MINUTES"] * 60


def enforce_idle_timeout():
    """Sign out after SESSION_IDLE_MINUTES without a request; keep any form being posted."""
    if not current_user.is_authenticated:
        return None
    now, last = utcnow().timestamp(), session.get("seen")
    if last is None or now - last <= idle_seconds():
        if request.endpoint != "auth.session_status":  # asking does not count as activity
            session["seen"] = now
        return None
    resume = None
    keeper = EXPIRED_POST_KEEPERS.get(request.endpoint)
    if request.method == "POST" and keeper:
        resume = keeper(current_user.id, request.view_args or {})
    logout_user()
    session.clear()
    minutes = current_app.config["SESSION_IDLE_MINUTES"]
    message = f"You were signed out after {minutes} minutes without activity."
    if resume:
        message += " What you typed was saved as a draft: sign in to carry on."
    if wants_json():
        return jsonify(error="signed_out", message=message), 401
    flash(message)
    return redirect(url_for("auth.login", next=resume or this_page()))


@login_manager.unauthorized_handler
def unauthorized():
    """Send people to sign in (back here afterwards); fetch() calls get a 401 they can act on."""
    if wants_json():
        return jsonify(error="signed_out", message="You are signed out. Sign in again to save."), 401
    flash(login_manager.login_message)
    return redirect(url_for("auth.login", next=this_page()))


@bp.route("/session/status")
@public
def session_status():
    """Seconds left before the idle sign-out (without counting as activity)."""
    if not current_user.is_authenticated:
        return jsonify(signed_in=False, expires_in=0), 401
    now = utcnow().timestamp()
    left = idle_seconds() - (now - session.get("seen", now))
    return jsonify(signed_in=True, expires_in=max(0, int(left)))


@bp.route("/session/extend", methods=["POST"])
@role_required(*ROLE_NAMES)
def session_extend():
    """Stay signed in: any request counts as activity, this one says so plainly."""
    return jsonify(signed_in=True, expires_in=idle_seconds())


@login_manager.user_loader
def load_user(user_id):
    row = people.get(get_db(), user_id)
    return User(row) if row else None


def safe_next(target):
    """`target` if it is a path on this site, else None (no open redirects)."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


# The step after a right password (icv/accounts/twofactor_views.py registers it): step(row,
# next_url) returns the response that asks for a second factor, or None to sign straight in.
_second_factor = []


def second_factor(step):
    """Register the second-factor step password_checked hands over to."""
    _second_factor[:] = [step]
    return step


def password_checked(row, next_url):
    """Where sign-in goes once the password is right: the second factor if the account needs
    one, else straight in."""
    for step in _second_factor:
        response = step(row, next_url)
        if response is not None:
            return response
    return complete_sign_in(row, next_url)


def complete_sign_in(row, next_url):
    """Every factor is checked: start a fresh session and go to `next_url` (a safe path or None)."""
    session.clear()  # a fresh session at sign-in
    session.permanent = True
    login_user(User(row))
    return redirect(next_url or url_for("main.index"))


@bp.route("/login", methods=["GET", "POST"])
@public
def login():
    """Sign in with email and password."""
    if current_user.is_authenticated:
        return redirect(url_for("main.index"))
    form = LoginForm(next=request.args.get("next", ""))
    status = 200
    if form.validate_on_submit():
        row = authenticate(get_db(), form.email.data, form.password.data)
        if row:
            return password_checked(row, safe_next(form.next.data))
        form.password.errors.append("The email address or password is not right")
        status = 401
    elif form.is_submitted():
        status = 400
    return render_template("auth/login.html", form=form), status


@bp.route("/logout", methods=["POST"])
@public  # a Sign out tapped after the session expired must not bounce through sign-in
def logout():
    """Sign out and forget the session."""
    was_signed_in = current_user.is_authenticated
    logout_user()
    session.clear()
    flash("You have signed out." if was_signed_in else "You were already signed out.")
    return redirect(url_for("auth.login"))


@click.command("create-user")
@click.option("--email", prompt=True, help="Sign-in email address.")
@click.option("--name", "display_name", prompt="Name", help="Name shown in the app.")
@click.option("--role", type=click.Choice(ROLE_NAMES), default="admin", show_default=True,
              help="What the account may do.")
@click.password_option(help=f"At least {MIN_PASSWORD_LENGTH} characters, not a common password "
                        "(prompted if left out).")
def create_user_command(email, display_name, role, password):
    """Create an account, e.g. the first admin."""
    db = get_db()
    if people.any_by_email(db, email):
        raise click.ClickException(f"An account for {email} already exists.")
    try:
        create_user(db, email, display_name, role, password)
    except ValueError as error:
        raise click.ClickException(str(error))
    click.echo(f"Created {role} account for {email}.")


def init_app(app):
    """Wire Flask-Login and CSRF protection for every POST."""
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Sign in to continue."
    login_manager.session_protection = "basic"
    csrf.init_app(app)
    app.add_template_global(can_open)
    app.before_request(enforce_idle_timeout)
    app.cli.add_command(create_user_command)
