"""The accounts blueprint: the list of accounts, inviting, and one account's page with what can
be done to it (role, panels, record review training, resend invitation, reset link, deactivate,
reactivate). Admins manage every account; coordinators manage ICVs' accounts only. The pages
everyone has (your account, your password, forgot, the link from an email) are in
self_service.py, on this blueprint."""
from datetime import date

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from .. import codes, people, suites
from ..auth import COORDINATORS, role_required
from ..db import get_db
from ..mail import MailError, send
from ..main import keeps_input
from ..times import format_london, london_today, to_iso, utcnow
from . import links, manage, sessions, throttle, twofactor
from .forms import InviteForm, PanelsForm, RecordReviewForm, RoleForm

bp = Blueprint("accounts", __name__, url_prefix="/accounts")

SUBJECTS = {"invitation": "Your Independent Custody Visiting account",
            "reset": "Reset your Independent Custody Visiting password"}


def managed_roles():
    """The roles of the accounts the signed-in person manages."""
    return [code for code, _ in codes.ROLES] if current_user.has_role("admin") else ["icv"]


def get_account(db, user_id):
    """The account, if the signed-in person manages it: 404 if none, 403 if not theirs."""
    user = people.account(db, user_id)
    if user is None:
        abort(404, "There is no account with that number.")
    if user["role"] not in managed_roles():
        abort(403)
    return user


def link_url(token):
    """The address of a set-password link. BASE_URL, when set, is used rather than the Host the
    request came with, so a forged Host header can never put another site in a reset email."""
    base = current_app.config.get("BASE_URL")
    if base:
        return base.rstrip("/") + url_for("accounts.set_password", token=token)
    return url_for("accounts.set_password", token=token, _external=True)


def send_link(user, purpose, token, by_name=None):
    """Email the account its link; the reason it failed, or None once it is sent."""
    expires = links.LIFETIMES[purpose]
    body = render_template(f"accounts/mail/{purpose}.txt", name=user["display_name"],
                           email=user["email"], role=codes.label(codes.ROLES, user["role"]),
                           link=link_url(token), inviter=by_name or "Your coordinator",
                           asked_by=by_name,
                           expires=format_london(to_iso(utcnow() + expires), "%-d %B %Y at %H:%M"
                                                 if purpose == "invitation" else "%H:%M on %-d %B %Y"))
    try:
        send(current_app.config, user["email"], SUBJECTS[purpose], body, debug=current_app.debug)
    except MailError as error:
        current_app.logger.warning("Mail to user %s not sent: %s", user["id"], error)
        return str(error)
    return None


def record_review_status(row, today):
    """An ICV's custody record review status, in words."""
    expires = row["vetting_expires_on"]
    if not row["crr_trained"]:
        return "Not trained"
    if not expires:
        return "Trained; vetting date not recorded"
    if expires < today.isoformat():
        return f"Trained; vetting expired {date.fromisoformat(expires):%-d %b %Y}"
    return f"Can review; vetting until {date.fromisoformat(expires):%-d %b %Y}"


def state(user):
    """Invited, active or deactivated, in words."""
    if not user["active"]:
        return "Deactivated"
    return "Invited: no password set yet" if user["password_hash"] is None else "Active"


@bp.route("/")
@role_required(*COORDINATORS)
def index():
    """Every account the signed-in person manages, with its state and panels."""
    db, today = get_db(), london_today()
    rows = people.accounts(db, managed_roles())
    panels = people.panels_of(db, [r["id"] for r in rows])
    names = suites.panel_names(db, [p for ids in panels.values() for p in ids])
    accounts = [{**r, "state": state(r), "panels": [names[p] for p in panels[r["id"]]],
                 "review": record_review_status(r, today) if r["role"] == "icv" else None}
                for r in rows]
    return render_template("accounts/index.html", accounts=accounts)


@bp.route("/invite", methods=["GET", "POST"])
@role_required(*COORDINATORS)
@keeps_input
def invite():
    """Invite someone by email, with a role and panels: they get a link to set a password."""
    db = get_db()
    form = InviteForm().set_choices(suites.all_panels(db)).set_roles(managed_roles())
    if form.validate_on_submit():
        try:
            user_id, token = manage.invite(db, current_user.id, form.email.data, form.display_name.data,
                                           form.role.data, form.panels.data or [], request.remote_addr)
        except manage.Refused as refused:
            form.email.errors.append(str(refused))
        else:
            failed = send_link(people.account(db, user_id), "invitation", token, current_user.display_name)
            sent_or_not(failed, f"Invitation sent to {form.email.data}.")
            return redirect(url_for("accounts.detail", user_id=user_id))
    return render_template("accounts/invite.html", form=form, invitation_days=links.INVITATION_DAYS), 400 if form.is_submitted() else 200


def sent_or_not(failed, done):
    """Flash that the mail went, or why it did not and how to send it again."""
    if failed:
        flash(f"The email could not be sent: {failed} Nothing else was lost: fix the mail "
              "settings or the address, then send it again from this page.")
    else:
        flash(done)


def account_page(db, user, status=200, **forms):
    """One account's page, with its forms (those given keep what was posted and its errors)."""
    panel_ids = people.panels_of(db, [user["id"]])[user["id"]]
    all_panels = suites.all_panels(db)
    forms.setdefault("role_form", RoleForm(data={"role": user["role"]}))
    forms.setdefault("panels_form", PanelsForm(data={"panels": panel_ids}, formdata=None)
                     .set_choices(all_panels))
    if user["role"] == "icv":
        expires = user["vetting_expires_on"]
        forms.setdefault("review_form", RecordReviewForm(formdata=None, data={
            "crr_trained": bool(user["crr_trained"]),
            "vetting_expires_on": date.fromisoformat(expires) if expires else None}))
    names = dict(all_panels)
    return render_template(
        "accounts/detail.html", account=user, state=state(user),
        panels=[names[p] for p in panel_ids], invitation_expires=links.pending_invitation(db, user["id"]),
        review_status=record_review_status(user, london_today()) if user["role"] == "icv" else None,
        inviter=people.name(db, user["invited_by"]), locked_until=throttle.locked_until(db, user["id"]),
        two_factor=twofactor.enrolled(db, user["id"]), signed_in=len(sessions.of_user(db, user["id"])),
        **forms), status


@bp.route("/<int:user_id>")
@role_required(*COORDINATORS)
def detail(user_id):
    """One account: who, role, panels, state, and what can be done."""
    db = get_db()
    return account_page(db, get_account(db, user_id))


@bp.route("/<int:user_id>/role", methods=["POST"])
@role_required("admin")
@keeps_input
def change_role(user_id):
    """Change an account's role (admins only)."""
    db = get_db()
    user = get_account(db, user_id)
    form = RoleForm()
    if form.validate_on_submit():
        try:
            changed = manage.change(db, current_user.id, user, {"role": form.role.data}, "change_role",
                                    request.remote_addr)
        except manage.Refused as refused:
            form.role.errors.append(str(refused))
        else:
            flash(f"{user['display_name']} is now: {codes.label(codes.ROLES, form.role.data)}."
                  if changed else "The role was not changed.")
            return redirect(url_for("accounts.detail", user_id=user_id))
    return account_page(db, user, 400, role_form=form)


@bp.route("/<int:user_id>/panels", methods=["POST"])
@role_required(*COORDINATORS)
@keeps_input
def change_panels(user_id):
    """Change the panels a person sits on."""
    db = get_db()
    user = get_account(db, user_id)
    form = PanelsForm().set_choices(suites.all_panels(db))
    if form.validate_on_submit():
        changed = manage.set_panels(db, current_user.id, user_id, form.panels.data or [], request.remote_addr)
        flash("Panels saved." if changed else "The panels were not changed.")
        return redirect(url_for("accounts.detail", user_id=user_id))
    return account_page(db, user, 400, panels_form=form)


@bp.route("/<int:user_id>/record-review", methods=["POST"])
@role_required(*COORDINATORS)
@keeps_input
def record_review(user_id):
    """Mark an ICV trained in custody record review and set their vetting expiry date."""
    db = get_db()
    user = get_account(db, user_id)
    if user["role"] != "icv":
        abort(404, "Only ICVs review custody records.")
    form = RecordReviewForm()
    if form.validate_on_submit():
        changes = {"crr_trained": int(form.crr_trained.data),
                   "vetting_expires_on": form.vetting_expires_on.data.isoformat()
                   if form.vetting_expires_on.data else None}
        manage.change(db, current_user.id, user, changes, "update", request.remote_addr)
        flash(f"Saved {user['display_name']}. {record_review_status(changes, london_today())}.")
        return redirect(url_for("accounts.detail", user_id=user_id))
    return account_page(db, user, 400, review_form=form)


def act(user_id, action, done):
    """Run one of the account's buttons: `action(db, user)` -> None or a mail failure message."""
    db = get_db()
    user = get_account(db, user_id)
    try:
        failed = action(db, user)
    except manage.Refused as refused:
        flash(f"{refused}.")
        return account_page(db, people.account(db, user_id), 400)
    sent_or_not(failed, done.format(**user))
    return redirect(url_for("accounts.detail", user_id=user_id))


def mail_link(purpose, issue):
    """An action for `act`: issue a link with `issue` (a manage function) and email it."""
    def action(db, user):
        token = issue(db, current_user.id, user, request.remote_addr)
        return send_link(user, purpose, token, current_user.display_name)
    return action


@bp.route("/<int:user_id>/resend", methods=["POST"])
@role_required(*COORDINATORS)
def resend(user_id):
    """Send the invitation again, with a new link (the old one stops working)."""
    return act(user_id, mail_link("invitation", manage.resend_invitation),
               "Invitation sent again to {email}. The earlier link no longer works.")


@bp.route("/<int:user_id>/reset", methods=["POST"])
@role_required(*COORDINATORS)
def send_reset(user_id):
    """Email the account a link to choose a new password (the current one works until then)."""
    return act(user_id, mail_link("reset", manage.reset_link),
               f"Password reset link sent to {{email}}. It works for {links.RESET_HOURS} hour.")


@bp.route("/<int:user_id>/deactivate", methods=["POST"])
@role_required(*COORDINATORS)
def deactivate(user_id):
    """Switch an account off at once: no sign-in, no links, every session ended."""
    return act(user_id, lambda db, user: manage.deactivate(db, current_user.id, user, request.remote_addr),
               "{display_name}'s account is deactivated. They can no longer sign in.")


@bp.route("/<int:user_id>/reactivate", methods=["POST"])
@role_required(*COORDINATORS)
def reactivate(user_id):
    """Switch a deactivated account back on."""
    return act(user_id, lambda db, user: manage.reactivate(db, current_user.id, user, request.remote_addr),
               "{display_name}'s account is active again.")


@bp.route("/<int:user_id>/unlock", methods=["POST"])
@role_required(*COORDINATORS)
def unlock(user_id):
    """Let someone locked out by failed sign-ins try again now, rather than after the cool-down."""
    def action(db, user):
        if not throttle.unlock(db, user["id"], by=current_user.id, address=request.remote_addr):
            raise manage.Refused("This account is not locked")
    return act(user_id, action, "{display_name} can sign in again now.")


@bp.route("/<int:user_id>/sessions/end", methods=["POST"])
@role_required("admin")
def end_sessions(user_id):
    """Sign someone out on every device at once (a lost phone, a worry about their account)."""
    def action(db, user):
        if not sessions.end_all(db, user["id"], "ended_by_admin", by=current_user.id,
                                address=request.remote_addr):
            raise manage.Refused("They are not signed in anywhere")
    return act(user_id, action, "{display_name} is signed out on every device.")


@bp.route("/<int:user_id>/two-factor/reset", methods=["POST"])
@role_required("admin")
def reset_two_factor(user_id):
    """Remove someone's two-factor sign-in (a lost phone and no recovery codes, once the admin
    is sure who is asking): they set it up again at their next sign-in, and are signed out now."""
    def action(db, user):
        if not twofactor.reset(db, user["id"], by=current_user.id, address=request.remote_addr):
            raise manage.Refused("They do not have two-factor sign-in set up")
        sessions.end_all(db, user["id"], "ended_by_admin", by=current_user.id, address=request.remote_addr)
    return act(user_id, action, "{display_name}'s two-factor sign-in is removed: they will set it "
                                "up again when they next sign in.")
