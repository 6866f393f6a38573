"""The account pages everyone has (routes on the accounts blueprint): your account, change your
password, "Forgot your password?" and the page a link from an email opens, where an invitee or
someone resetting sets their password."""
from flask import abort, current_app, flash, g, redirect, render_template, request, url_for
from flask_login import current_user

from .. import codes, people, suites
from ..auth import ROLE_NAMES, public, recheck_password, role_required
from ..db import get_db
from ..main import keeps_input
from . import links, manage
from .forms import ChangePasswordForm, ForgotForm, SetPasswordForm
from .views import bp, send_link

FORGOT_ANSWER = ("If there is an account for {email}, we have sent it an email with a link to "
                 f"reset the password. The link works for {links.RESET_HOURS} hour. "
                 "If nothing arrives in a few minutes, check your spam folder or ask your coordinator.")
# A person asking again within this many minutes gets the same answer but no second email.
FORGOT_QUIET_MINUTES = 2


@bp.route("/me")
@role_required(*ROLE_NAMES)
def me():
    """Your account: who you are here, and links to change your password."""
    db = get_db()
    user = people.account(db, current_user.id)
    panel_ids = people.panels_of(db, [user["id"]])[user["id"]]
    names = suites.panel_names(db, panel_ids)
    return render_template("accounts/me.html", account=user, role=codes.label(codes.ROLES, user["role"]),
                           panels=[names[p] for p in panel_ids])


@bp.route("/me/password", methods=["GET", "POST"])
@role_required(*ROLE_NAMES)
@keeps_input
def change_password():
    """Change your own password: the current one first, then a new one the rules accept."""
    form = ChangePasswordForm()
    if form.validate_on_submit():
        # Guessing the current password here is throttled like guessing it at sign-in.
        status = recheck_password(form.current_password, reason="wrong_current_password",
                                  wrong="That is not your current password")
        if status:
            return render_template("accounts/change_password.html", form=form), status
        refused = manage.change_password(get_db(), current_user.id, form.new_password.data,
                                         request.remote_addr,
                                         keep_session=g.get("session_id"))
        if refused is None:
            flash("Your password has been changed. You are signed out everywhere else.")
            return redirect(url_for("accounts.me"))
        field, message = refused
        form[field].errors.append(message)
    return render_template("accounts/change_password.html", form=form), 400 if form.is_submitted() else 200


@bp.route("/forgot", methods=["GET", "POST"])
@public
@keeps_input
def forgot():
    """Ask for a reset link. The answer is the same whether or not the address has an account."""
    form = ForgotForm()
    if form.validate_on_submit():
        db = get_db()
        user = people.find_by_email(db, form.email.data)
        if user and not links.asked_recently(db, user["id"], "reset", FORGOT_QUIET_MINUTES):
            token = manage.reset_link(db, None, user, request.remote_addr)
            send_link(user, "reset", token)  # a failure is logged; the answer stays the same
        flash(FORGOT_ANSWER.format(email=form.email.data))
        return redirect(url_for("auth.login"))
    return render_template("accounts/forgot.html", form=form), 400 if form.is_submitted() else 200


@bp.route("/set-password/<token>", methods=["GET", "POST"])
@public
@keeps_input
def set_password(token):
    """The page an invitation or reset email links to: choose a password, once."""
    if current_user.is_authenticated and request.method == "GET":
        flash("You are signed in: this link is for setting a password before signing in. "
              "Sign out first to use it.")
    db = get_db()
    link = links.find(db, token)
    problem = manage.problem_with_link(link)
    if problem:
        return render_template("accounts/link_problem.html", problem=problem,
                               purpose=link and link["purpose"]), 400
    user = people.account(db, link["user_id"])
    if user is None:
        abort(404)
    form = SetPasswordForm()
    if form.validate_on_submit():
        try:
            manage.set_password_from_link(db, link, form.password.data, request.remote_addr)
        except manage.Refused as refused:
            form.password.errors.append(str(refused))
        else:
            flash("Your password is set. Sign in with your email address and your new password.")
            return redirect(url_for("auth.login"))
    response = current_app.make_response((render_template(
        "accounts/set_password.html", form=form, account=user, purpose=link["purpose"]),
        400 if form.is_submitted() else 200))
    response.headers["Referrer-Policy"] = "no-referrer"  # the token is in this page's address
    return response
