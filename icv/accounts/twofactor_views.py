"""Two-factor sign-in pages: the code step after the password, setting it up (QR code and the
secret as text, then recovery codes shown once), new recovery codes, and turning it off where it
is optional.

Signed in, each of those changes asks for the person's password again in the same form (ASVS 7.5.1,
auth.recheck_password: a wrong one counts in the sign-in throttle) and then ends every other
session of theirs, as a password change does (ASVS 7.4.3); the page says so.

Between the password and the code nobody is signed in: the session holds only a pending sign-in
(who, where to go next, since when, wrong codes so far) that ends after PENDING_MINUTES or
MAX_WRONG_CODES wrong codes. Staff whose role needs two-factor (TWO_FACTOR_REQUIRED) and have not
set it up are sent to set it up there and then, and cannot open any other page until they have.
"""
from flask import (Blueprint, abort, current_app, flash, g, jsonify, make_response, redirect,
                   render_template, request, session, url_for)
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import DataRequired, Length

from .. import auth, people
from ..auth import ROLE_NAMES, STAFF, public, recheck_password, role_required
from ..db import get_db
from ..times import utcnow
from . import throttle, twofactor
from .forms import current_password_field
from .twofactor import ACCEPTED, NOT_SET_UP, REUSED

bp = Blueprint("twofactor", __name__)

PENDING = "two_factor_pending"
PENDING_MINUTES = {"code": 5, "set_up": 15}  # setting up may mean installing an app first
MAX_WRONG_CODES = 5
# Pages a signed-in person who must set up two-factor can still reach.
OPEN_BEFORE_SET_UP = {"twofactor.set_up", "auth.logout", "sessions.status",
                      "sessions.extend", "static", "main.service_worker", "main.offline"}

WRONG_CODE = "The code is not right. Enter the code your authenticator app shows now"
MESSAGES = {  # by the page a wrong code was typed on, or by (result, what it looked like)
    "code": WRONG_CODE,
    "recovery": "That recovery code is not right. Check it and try again",
    (REUSED, "code"): "That code has already been used. Wait for your app to show a new code and enter that",
    (REUSED, "recovery"): ("That recovery code has already been used. Each one works once: "
                           "enter a different one"),
}
ENDED = {
    "expired": "This sign-in has ended because it took longer than {minutes} minutes. Sign in again",
    "too_many": f"That was {MAX_WRONG_CODES} wrong codes, so this sign-in has ended. Sign in again",
    "none": "This sign-in has ended. Sign in again",
}


def code_field():
    return StringField("Code from your authenticator app", validators=[
        DataRequired("Enter the 6-digit code from your authenticator app"),
        Length(max=40, message="Enter the 6-digit code from your authenticator app")],
        description="For example, 123456",
        render_kw={"inputmode": "numeric", "autocomplete": "one-time-code", "spellcheck": "false",
                   "autocapitalize": "off"})


class CodeForm(FlaskForm):
    code = code_field()


class SignedInCodeForm(FlaskForm):
    """A change to two-factor sign-in while signed in: the password first (a code from the app
    lasts only 30 seconds), then the code."""
    password = current_password_field(description="We ask for it before any change to how you sign in")
    code = code_field()


class RecoveryForm(CodeForm):
    code = StringField("Recovery code", validators=[
        DataRequired("Enter one of your recovery codes"),
        Length(max=40, message="Enter one of your recovery codes")],
        description="For example, abcd-efgh-jkmn",
        render_kw={"autocomplete": "off", "spellcheck": "false", "autocapitalize": "off"})


def required_for(role):
    """True if people with this role must use two-factor sign-in here."""
    return bool(current_app.config["TWO_FACTOR_REQUIRED"]) and role in STAFF


# The pending sign-in ----------------------------------------------------------------------------

@auth.second_factor
def after_password(row, next_url):
    """The password was right: ask for a code, or send staff to set it up; None: no second factor."""
    if twofactor.enrolled(get_db(), row["id"]):
        step = "code"
    elif required_for(row["role"]):
        step = "set_up"
    else:
        return None
    session.clear()  # nothing from before the password goes on into the pending sign-in
    session[PENDING] = {"user": row["id"], "next": next_url, "step": step, "wrong": 0,
                        "since": utcnow().timestamp()}
    return redirect(url_for("twofactor.code" if step == "code" else "twofactor.sign_in_set_up"))


def pending(step):
    """(state, None) for a pending sign-in at this step, else (None, why it ended)."""
    state = session.get(PENDING)
    if not state or state["step"] != step:
        return None, ENDED["none"]
    if utcnow().timestamp() - state["since"] > PENDING_MINUTES[step] * 60:
        session.pop(PENDING, None)
        return None, ENDED["expired"].format(minutes=PENDING_MINUTES[step])
    return state, None


def finish(state):
    """Sign the pending person in (auth.complete_sign_in), or None if the account has gone."""
    session.pop(PENDING, None)
    row = people.get(get_db(), state["user"])
    return auth.complete_sign_in(row, state["next"]) if row else None


def code_refused(form, recovery):
    """Too many wrong passwords and codes for this account: the pending sign-in ends (429)."""
    session.pop(PENDING, None)
    form.code.errors = [auth.TOO_MANY.format(minutes=current_app.config["SIGN_IN_COOLDOWN_MINUTES"])]
    return render_template("twofactor/code.html", form=form, recovery=recovery, ended=True), 429


@bp.route("/sign-in/code", methods=["GET", "POST"])
@public
def code():
    """The second step of signing in: a code from the app, or a recovery code."""
    if current_user.is_authenticated:
        return redirect(url_for("main.index"))
    recovery = request.values.get("with") == "recovery"
    form = RecoveryForm() if recovery else CodeForm()
    state, ended = pending("code")
    if state is None:
        if request.method == "GET":
            flash(ended + ".")
            return redirect(url_for("auth.login"))
        form.code.errors = [ended]
        return render_template("twofactor/code.html", form=form, recovery=recovery, ended=True), 400
    if form.validate_on_submit():
        db, address = get_db(), request.remote_addr
        person = people.get(db, state["user"])
        # Wrong codes count with wrong passwords (icv/accounts/throttle.py): a password alone
        # never buys more than the account's few tries at a code.
        if person and throttle.refused_until(db, person["email"], address):
            return code_refused(form, recovery)
        result, kind = twofactor.verify(db, state["user"], form.code.data, address)
        response = finish(state) if result == ACCEPTED else None
        if response is not None:
            if kind == "recovery":
                left = twofactor.recovery_codes_left(get_db(), state["user"])
                flash(f"You signed in with a recovery code. You have {left} left: "
                      "make new ones under Two-factor sign-in if you are running low.")
            return response
        if person and throttle.failed(db, person["email"], address, person["id"],
                                      throttle.limits_from(current_app.config), reason="wrong_code"):
            return code_refused(form, recovery)
        state["wrong"] += 1
        session[PENDING] = state
        if state["wrong"] >= MAX_WRONG_CODES or result in (ACCEPTED, NOT_SET_UP):
            session.pop(PENDING, None)  # too many tries, or the account or its two-factor went
            form.code.errors = [ENDED["none"] if result in (ACCEPTED, NOT_SET_UP) else ENDED["too_many"]]
            return render_template("twofactor/code.html", form=form, recovery=recovery, ended=True), 400
        form.code.errors.append(MESSAGES.get((result, kind), MESSAGES["recovery" if recovery else "code"]))
    status = 400 if form.is_submitted() else 200
    return render_template("twofactor/code.html", form=form, recovery=recovery, ended=False), status


@bp.route("/sign-in/set-up-two-factor", methods=["GET", "POST"])
@public
def sign_in_set_up():
    """Staff who must use two-factor set it up straight after their password."""
    if current_user.is_authenticated:
        return redirect(url_for("main.index"))
    state, ended = pending("set_up")
    if state is None:
        flash(ended + ".")
        return redirect(url_for("auth.login"))
    row = people.get(get_db(), state["user"])
    if row is None:
        session.pop(PENDING, None)
        return redirect(url_for("auth.login"))
    return set_up_page(row, lambda: finish(state))


@bp.route("/two-factor/set-up", methods=["GET", "POST"])
@role_required(*ROLE_NAMES)
def set_up():
    """Set up two-factor sign-in while signed in (ICVs choosing to; staff sent here)."""
    db = get_db()
    if twofactor.enrolled(db, current_user.id):
        return redirect(url_for("twofactor.index"))
    return set_up_page(people.get(db, current_user.id),
                       lambda: redirect(url_for("twofactor.index")), signed_in=True)


def set_up_page(row, on_success, signed_in=False):
    """The QR code and the secret, and the first code that confirms them (signed in: with the
    password, and then other sessions end); once confirmed, the recovery codes (shown this once)
    with a link on to where on_success() goes."""
    db = get_db()
    form = SignedInCodeForm() if signed_in else CodeForm()
    status = 400
    if form.validate_on_submit():
        status = recheck_password(form.password) if signed_in else None
        if status is None:
            result, codes = twofactor.confirm_enrolment(
                db, row["id"], form.code.data, request.remote_addr,
                signed_in_on=g.get("session_id") if signed_in else None)
            if result == ACCEPTED:
                onward = on_success()
                if onward is None:  # the account went while this page was open
                    return redirect(url_for("auth.login"))
                page = make_response(render_template("twofactor/recovery_codes.html", codes=codes,
                                                     onward=onward.location, first=True,
                                                     others_ended=signed_in))
                for cookie in onward.headers.getlist("Set-Cookie"):  # a new session, if sign-in set one
                    page.headers.add("Set-Cookie", cookie)
                return page
            form.code.errors.append(MESSAGES[(REUSED, "code")] if result == REUSED else WRONG_CODE)
            status = 400
    secret = twofactor.start_enrolment(db, row["id"])
    if secret is None:  # set up meanwhile, in another tab
        return redirect(url_for("twofactor.index"))
    uri = twofactor.provisioning_uri(secret, row["email"])
    qr = twofactor.qr_svg(uri, "QR code to scan with your authenticator app. If you cannot scan "
                               "it, type in the setup key shown below it.")
    return render_template("twofactor/set_up.html", form=form, qr=qr,
                           secret=twofactor.grouped(secret)), status if form.is_submitted() else 200


# Signed in: the person's own two-factor page -------------------------------------------------

@bp.route("/two-factor/")
@role_required(*ROLE_NAMES)
def index():
    """Whether two-factor sign-in is on, recovery codes left, and what can be done."""
    return account_page(SignedInCodeForm(prefix="renew"), SignedInCodeForm(prefix="off"))


def account_page(renew, off, status=200):
    db = get_db()
    row = twofactor.record(db, current_user.id)
    return render_template(
        "twofactor/index.html", form=off if off.errors else renew, row=row if row and row["enrolled_at"] else None, renew=renew, off=off,
        left=twofactor.recovery_codes_left(db, current_user.id),
        required=required_for(current_user.role)), status


def refused(form):
    """None if the form has the signed-in person's password and a right code (or recovery code);
    else the status to answer with (400, or 429 while sign-in is throttled for them), the message
    by its field. The code is not tried, nor used up, after a wrong password."""
    if not form.validate_on_submit():
        return 400
    status = recheck_password(form.password)
    if status:
        return status
    result, kind = twofactor.verify(get_db(), current_user.id, form.code.data, request.remote_addr)
    if result != ACCEPTED:
        form.code.errors.append(MESSAGES.get((result, kind), WRONG_CODE))
        return 400
    return None


@bp.route("/two-factor/recovery-codes", methods=["POST"])
@role_required(*ROLE_NAMES)
def new_recovery_codes():
    """Replace the recovery codes (the old ones stop working) after the password and a code
    from the app; every other session ends."""
    if not twofactor.enrolled(get_db(), current_user.id):
        return redirect(url_for("twofactor.index"))
    form = SignedInCodeForm(prefix="renew")
    status = refused(form)
    if status:
        return account_page(form, SignedInCodeForm(prefix="off", formdata=None), status)
    codes = twofactor.new_recovery_codes(get_db(), current_user.id, request.remote_addr,
                                         signed_in_on=g.get("session_id"))
    return render_template("twofactor/recovery_codes.html", codes=codes,
                           onward=url_for("twofactor.index"), first=False, others_ended=True)


@bp.route("/two-factor/turn-off", methods=["POST"])
@role_required(*ROLE_NAMES)
def turn_off():
    """Turn two-factor sign-in off, where the person's role does not need it, after the password
    and a code; every other session ends."""
    if required_for(current_user.role):
        abort(403)
    if not twofactor.enrolled(get_db(), current_user.id):
        return redirect(url_for("twofactor.index"))
    form = SignedInCodeForm(prefix="off")
    status = refused(form)
    if status:
        return account_page(SignedInCodeForm(prefix="renew", formdata=None), form, status)
    twofactor.turn_off(get_db(), current_user.id, request.remote_addr, signed_in_on=g.get("session_id"))
    flash("Two-factor sign-in is off. You now sign in with your password alone. "
          "You are signed out everywhere else.")
    return redirect(url_for("twofactor.index"))


@bp.before_app_request
def set_up_first():
    """Signed-in staff who must use two-factor and have not set it up (it was reset, or just
    turned on) go to set it up before anything else."""
    if (not current_user.is_authenticated or request.endpoint in OPEN_BEFORE_SET_UP
            or not required_for(current_user.role)
            or twofactor.enrolled(get_db(), current_user.id)):
        return None
    if auth.wants_json():
        return jsonify(error="two_factor_required", message="Set up two-factor sign-in first."), 403
    return redirect(url_for("twofactor.set_up"))
