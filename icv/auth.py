"""Accounts and roles: sign in and out, the one access decorator, `flask create-user`."""
import functools
from urllib.parse import urlsplit

import click
from flask import (Blueprint, abort, current_app, flash, g, jsonify, redirect, render_template,
                   request, session, url_for)
from flask_login import LoginManager, UserMixin, current_user, login_user, logout_user
from flask_wtf.csrf import CSRFProtect
from werkzeug.security import check_password_hash, generate_password_hash

from . import audit, people
from .accounts import manage, passwords, sessions, throttle
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
# The same answer for an unknown email and a wrong password, so accounts cannot be discovered.
WRONG = "The email address or password is not right"
TOO_MANY = ("Too many attempts to sign in. Wait {minutes} minutes and try again, or ask an "
            "administrator to unlock your account.")
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


WRONG_OWN_PASSWORD = "That is not your password"


def recheck_password(field, reason="wrong_password_reauth", wrong=WRONG_OWN_PASSWORD):
    """Full re-authentication of the signed-in person before a change to how they sign in or to
    where they are signed in (ASVS 7.5): None if `field` holds their password; else the status to
    answer with, the message on the field. A wrong password counts in the sign-in throttle as one
    typed at sign-in does (`reason` says where, in the audit log), and while the throttle is
    closed for them even the right one is refused (429)."""
    db, address = get_db(), request.remote_addr
    too_many = TOO_MANY.format(minutes=current_app.config["SIGN_IN_COOLDOWN_MINUTES"])
    if throttle.refused_until(db, current_user.email, address):
        field.errors.append(too_many)
        return 429
    if manage.password_is_right(db, current_user.id, field.data):
        if g.get("session_id"):  # a new token for the re-authenticated session (ASVS 7.2.4)
            session["sid"] = sessions.rotate(db, g.session_id)
        return None
    if throttle.failed(db, current_user.email, address, current_user.id,
                       throttle.limits_from(current_app.config), reason=reason):
        field.errors.append(too_many)
        return 429
    field.errors.append(wrong)
    return 400


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


@login_manager.unauthorized_handler
def unauthorized():
    """Send people to sign in (back here afterwards); fetch() calls get a 401 they can act on."""
    if wants_json():
        return jsonify(error="signed_out", message="You are signed out. Sign in again to save."), 401
    flash(login_manager.login_message)
    return redirect(url_for("auth.login", next=this_page()))


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
    """Every factor is checked: start a fresh session, on the server (a new token, so nothing
    from before sign-in carries over) and in the cookie, and go to `next_url` (a safe path or None)."""
    db = get_db()
    throttle.succeeded(db, row["email"])
    token = sessions.start(db, row["id"], request.user_agent.string, request.remote_addr,
                           hours=current_app.config["SESSION_ABSOLUTE_HOURS"])
    session.clear()
    session.permanent = True
    login_user(User(row))
    session["sid"] = token
    session["seen"] = utcnow().timestamp()
    return redirect(next_url or url_for("main.index"))


def too_many(form):
    """The answer while sign-in is closed for this email or address (429): wait, or ask."""
    form.password.errors.append(TOO_MANY.format(minutes=current_app.config["SIGN_IN_COOLDOWN_MINUTES"]))
    return render_template("auth/login.html", form=form), 429


@bp.route("/login", methods=["GET", "POST"])
@public
def login():
    """Sign in with email and password."""
    if current_user.is_authenticated:
        return redirect(url_for("main.index"))
    form = LoginForm(next=request.args.get("next", ""))
    status = 200
    if form.validate_on_submit():
        db, email, address = get_db(), form.email.data, request.remote_addr
        if throttle.refused_until(db, email, address):
            audit.log(db, None, "sign_in_refused", "user", address=address, reason="throttled")
            return too_many(form)
        row = authenticate(db, email, form.password.data)
        if row:  # the count is cleared only when every factor is right (complete_sign_in)
            return password_checked(row, safe_next(form.next.data))
        known = people.find_by_email(db, email)
        if throttle.failed(db, email, address, known["id"] if known else None,
                           throttle.limits_from(current_app.config)):
            return too_many(form)
        form.password.errors.append(WRONG)
        status = 401
    elif form.is_submitted():
        status = 400
    return render_template("auth/login.html", form=form), status


@bp.route("/logout", methods=["POST"])
@public  # a Sign out tapped after the session expired must not bounce through sign-in
def logout():
    """Sign out: end the session on the server (so a copy of the cookie is useless) and forget it."""
    was_signed_in = current_user.is_authenticated
    if was_signed_in and g.get("session_id"):
        sessions.end(get_db(), g.session_id, "signed_out", address=request.remote_addr)
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


@click.command("end-sessions")
@click.option("--email", help="Sign this person out on every device.")
@click.option("--all", "everyone", is_flag=True, help="Sign everyone out on every device.")
def end_sessions_command(email, everyone):
    """Sign one person, or everyone, out at once (ASVS 7.4.5; the accounts page does one person)."""
    db = get_db()
    if everyone == bool(email):
        raise click.UsageError("Give either --email or --all.")
    if everyone:
        click.echo(f"Ended {sessions.end_everyone(db)} sessions. Everyone signs in again.")
        return
    row = people.any_by_email(db, email)
    if row is None:
        raise click.ClickException(f"There is no account for {email}.")
    ended = sessions.end_all(db, row["id"], "ended_by_admin")
    click.echo(f"Ended {ended} sessions of {email}.")


def init_app(app):
    """Wire Flask-Login and CSRF protection for every POST."""
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Sign in to continue."
    login_manager.session_protection = "basic"
    csrf.init_app(app)
    app.add_template_global(can_open)
    app.cli.add_command(create_user_command)
    app.cli.add_command(end_sessions_command)
