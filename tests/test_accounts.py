"""Accounts run in the app (issue 10): invitations and reset links by email (read from a real
SMTP server on loopback), the password rules, changing your own password, deactivating and
reactivating, roles and panels, and what the audit log keeps (never a password or a token)."""
import json
import re
from datetime import timedelta

import pyotp
import pytest
from werkzeug.security import check_password_hash

from conftest import PASSWORD, error_messages, free_port, notices, page_text
from icv import mail
from icv.accounts import passwords, twofactor
from icv.times import LONDON, utcnow

GOOD = "a brand new passphrase for me"


def sign_in(client, email, password):
    return client.post("/login", data={"email": email, "password": password})


def account(db, email):
    rows = list(db["users"].rows_where("email = ?", [email]))
    return rows[0] if rows else None


def audit(db, action):
    return list(db.query("SELECT * FROM audit_log WHERE action = ? ORDER BY id", [action]))


def invite(client, email="nia.jones@example.org", role="icv", **fields):
    return client.post("/accounts/invite", data={"email": email, "display_name": "Nia Jones",
                                                 "role": role, **fields})


# Invitations --------------------------------------------------------------------------------------

def test_an_admin_invites_and_the_invitee_sets_a_password_and_signs_in(login_as, client, db, mailbox,
                                                                       make_user, clock):
    """The invitation mail carries a link; the invitee creates a password there, once, and signs in."""
    admin = login_as("admin")
    lambeth = db["panels"].insert({"name": "Lambeth"}).last_pk
    response = invite(admin, "Sam.Staff@example.org", "custody_team", panels=[str(lambeth)])
    row = account(db, "Sam.Staff@example.org")
    assert response.status_code == 302 and response.location == f"/accounts/{row['id']}"
    assert row["password_hash"] is None and row["role"] == "custody_team" and row["invited_by"] == admin.user.id
    assert [r["panel_id"] for r in db["user_panels"].rows_where("user_id = ?", [row["id"]])] == [lambeth]
    assert sign_in(client, "sam.staff@example.org", "").status_code == 400  # no password yet

    message = mailbox.last("sam.staff@example.org")
    assert message["Subject"] == "Your Independent Custody Visiting account"
    text = mailbox.text("sam.staff@example.org")
    expires = (clock.now + timedelta(days=7)).astimezone(LONDON)
    assert "Dear Nia Jones" in text and "MOPAC custody team" in text and f"expires on {expires:%-d %B %Y}" in text
    link = mailbox.link("sam.staff@example.org")
    assert link.startswith("http://localhost/accounts/set-password/")

    page = client.get(mailbox.link("sam.staff@example.org", path=True))
    assert page.status_code == 200 and "Create your password" in page.text
    assert page.headers["Referrer-Policy"] == "no-referrer"
    assert 'autocomplete="new-password"' in page.text
    response = client.post(mailbox.link("sam.staff@example.org", path=True), data={"password": GOOD})
    assert response.status_code == 302 and response.location == "/login"
    assert sign_in(client, "sam.staff@example.org", GOOD).status_code == 302

    again = client.post(mailbox.link("sam.staff@example.org", path=True), data={"password": "another good passphrase"})
    assert again.status_code == 400 and "This link has already been used" in page_text(again)
    assert check_password_hash(account(db, "Sam.Staff@example.org")["password_hash"], GOOD)
    assert [e["action"] for e in db["audit_log"].rows_where("object_id = ?", [row["id"]])] == \
        ["invite", "set_password", "sign_in"]


def test_a_coordinator_may_invite_icvs_only(login_as, db, mailbox):
    """A coordinator's form offers no role; a forged role is refused and nothing is made."""
    coordinator = login_as("coordinator")
    assert 'name="role"' in coordinator.get("/accounts/invite").text
    assert "Administrator" not in coordinator.get("/accounts/invite").text
    response = invite(coordinator, role="admin")
    assert response.status_code == 400
    assert error_messages(response) == ["Choose what the account may do"]
    assert account(db, "nia.jones@example.org") is None and mailbox.messages == []
    assert invite(coordinator).status_code == 302
    assert account(db, "nia.jones@example.org")["role"] == "icv"


@pytest.mark.parametrize("email, message", [
    ("TAKEN@example.org", "There is already an account for this email address"),
    ("not-an-email", "Enter an email address in the correct format, like name@example.org"),
    ("", "Enter an email address"),
])
def test_a_duplicate_or_malformed_email_is_refused(login_as, make_user, db, mailbox, email, message):
    make_user("icv", email="taken@example.org", active=0, deactivated_at="2026-01-01T00:00:00Z")
    response = invite(login_as("admin"), email)
    assert response.status_code == 400
    assert error_messages(response) == [message]
    assert 'id="email-error"' in response.text
    assert db["users"].count == 2 and db["account_links"].count == 0 and mailbox.messages == []


def test_an_expired_invitation_is_refused_and_a_resent_one_works(login_as, client, db, mailbox, clock):
    """After 7 days the link says it has expired; resending makes a new link and the old one stops."""
    admin = login_as("admin")
    invite(admin)
    first = mailbox.link("nia.jones@example.org", path=True)
    clock.advance(days=7, minutes=1)
    response = client.get(first)
    assert response.status_code == 400 and "This link has expired" in page_text(response)
    assert client.post(first, data={"password": GOOD}).status_code == 400
    user_id = account(db, "nia.jones@example.org")["id"]
    admin = login_as(admin.user)  # a week later: signed in afresh
    assert "Link expired or used up" in admin.get(f"/accounts/{user_id}").text
    assert admin.post(f"/accounts/{user_id}/resend").status_code == 302
    second = mailbox.link("nia.jones@example.org", path=True)
    assert second != first and len(mailbox.to("nia.jones@example.org")) == 2
    assert client.post(second, data={"password": GOOD}).status_code == 302
    assert audit(db, "resend_invitation")[0]["object_id"] == user_id


def test_a_replaced_link_no_longer_works(login_as, client, db, mailbox):
    admin = login_as("admin")
    invite(admin)
    first = mailbox.link("nia.jones@example.org", path=True)
    admin.post(f"/accounts/{account(db, 'nia.jones@example.org')['id']}/resend")
    response = client.post(first, data={"password": GOOD})
    assert response.status_code == 400 and "a newer one has been sent" in page_text(response)
    assert account(db, "nia.jones@example.org")["password_hash"] is None


def test_an_unknown_link_is_refused(client):
    response = client.get("/accounts/set-password/not-a-real-token")
    assert response.status_code == 400 and "This link does not work" in page_text(response)


@pytest.mark.parametrize("password, message", [
    ("short one", "Your password must be at least 12 characters"),
    ("password1234", "That password is too common: it is on a list of passwords attackers try first. Choose another"),
    ("Nia Jones custody 2026", "Your password is too easy to guess: it is mostly your name, your email "
                               "address or words about custody visiting. Choose another"),
])
def test_a_weak_password_is_refused_and_the_link_still_works(login_as, client, db, mailbox, password, message):
    invite(login_as("admin"))
    link = mailbox.link("nia.jones@example.org", path=True)
    response = client.post(link, data={"password": password})
    assert response.status_code == 400
    assert error_messages(response) == [message]
    assert 'id="password-error"' in response.text
    assert account(db, "nia.jones@example.org")["password_hash"] is None
    assert client.post(link, data={"password": GOOD}).status_code == 302


def test_a_failed_email_keeps_the_invitation_to_send_again(app, login_as, db, mailbox):
    """With the mail server unreachable the account is kept and the admin is told what to do."""
    app.config["MAIL_PORT"] = free_port()  # nothing listens there
    admin = login_as("admin")
    response = invite(admin)
    assert response.status_code == 302
    page = admin.get(response.location)
    assert any(n.startswith("The email could not be sent: The mail server 127.0.0.1:") and
               "send it again from this page" in n for n in notices(page))
    assert "Send the invitation again" in page.text
    app.config["MAIL_PORT"] = mailbox.port
    assert admin.post(f"{response.location}/resend").status_code == 302
    assert mailbox.link("nia.jones@example.org")


def test_without_a_mail_server_debug_prints_the_mail_and_production_refuses(capsys):
    config = {"MAIL_FROM": "ICV <no-reply@example.org>"}
    link = "https://icv.example.org/accounts/set-password/" + "x" * 43  # longer than a mail line
    mail.send(config, "a@example.org", "Hello", f"The link:\n{link}\n", debug=True)
    printed = capsys.readouterr().err
    assert link in printed.splitlines()  # whole, on its own line: copy it from the console
    assert "To: a@example.org" in printed and "Subject: Hello" in printed
    with pytest.raises(mail.MailError, match="No mail server is set up"):
        mail.send(config, "a@example.org", "Hello", "Body")


def test_base_url_sets_the_links_address(app, login_as, mailbox):
    """With BASE_URL set, links start with it, not with the Host the request came with (so a
    forged Host header cannot put another site in the email)."""
    app.config["BASE_URL"] = "https://icv.example.org/"
    assert invite(login_as("admin")).status_code == 302
    assert mailbox.link("nia.jones@example.org").startswith("https://icv.example.org/accounts/set-password/")


# Reset links and forgotten passwords ---------------------------------------------------------------

def test_forgot_gives_the_same_answer_whether_or_not_the_account_exists(client, make_user, mailbox):
    user = make_user("icv")
    answers = []
    for email in (user.email, "nobody@example.org"):
        response = client.post("/accounts/forgot", data={"email": email}, follow_redirects=True)
        answers.append(notices(response)[0].replace(email, "EMAIL"))
    assert answers[0] == answers[1]
    assert [m["To"] for m in mailbox.messages] == [user.email]


def test_a_reset_link_works_for_an_hour_once(client, make_user, db, mailbox, clock):
    user = make_user("icv")
    client.post("/accounts/forgot", data={"email": user.email})
    link = mailbox.link(user.email, path=True)
    assert "Someone, probably you, asked" in mailbox.text(user.email)
    assert client.get(link).status_code == 200 and "Choose a new password" in client.get(link).text
    clock.advance(minutes=61)
    assert client.post(link, data={"password": GOOD}).status_code == 400
    clock.advance(minutes=5)
    client.post("/accounts/forgot", data={"email": user.email})
    fresh = mailbox.link(user.email, path=True)
    assert client.post(fresh, data={"password": GOOD}).status_code == 302
    assert sign_in(client, user.email, GOOD).status_code == 302
    assert [e["action"] for e in audit(db, "request_reset")] == ["request_reset"] * 2


def test_forgot_asked_twice_at_once_sends_one_email(client, make_user, mailbox):
    user = make_user("icv")
    client.post("/accounts/forgot", data={"email": user.email})
    client.post("/accounts/forgot", data={"email": user.email})
    assert len(mailbox.to(user.email)) == 1


def test_an_admin_sends_a_reset_link(login_as, make_user, db, mailbox):
    user = make_user("custody_team")
    admin = login_as("admin")
    response = admin.post(f"/accounts/{user.id}/reset")
    assert response.status_code == 302
    assert f"{admin.user.display_name} has sent you this link" in mailbox.text(user.email)
    assert audit(db, "send_reset_link")[0]["user_id"] == admin.user.id


def test_the_sign_in_page_offers_forgot_your_password(client):
    assert 'href="/accounts/forgot">Forgot your password?' in client.get("/login").text


# Your account and your password ---------------------------------------------------------------------

def test_everyone_has_an_account_page(login_as):
    page = login_as("icv").get("/accounts/me")
    assert page.status_code == 200 and "Change your password" in page.text


def test_changing_your_password_needs_the_current_one(login_as, client, db):
    me = login_as("icv")
    response = me.post("/accounts/me/password", data={"current_password": "wrong one", "new_password": GOOD})
    assert response.status_code == 400
    assert error_messages(response) == ["That is not your current password"]
    response = me.post("/accounts/me/password", data={"current_password": PASSWORD, "new_password": "password1234"})
    assert response.status_code == 400 and 'id="new_password-error"' in response.text
    assert check_password_hash(account(db, me.user.email)["password_hash"], PASSWORD)
    response = me.post("/accounts/me/password", data={"current_password": PASSWORD, "new_password": GOOD})
    assert response.status_code == 302 and response.location == "/accounts/me"
    assert sign_in(client, me.user.email, GOOD).status_code == 302
    assert audit(db, "change_password")[0]["user_id"] == me.user.id


def test_the_audit_log_never_holds_a_password_or_a_token(login_as, client, db, mailbox):
    admin = login_as("admin")
    invite(admin)
    token = mailbox.link("nia.jones@example.org").rsplit("/", 1)[1]
    client.post(f"/accounts/set-password/{token}", data={"password": GOOD})
    admin.post("/accounts/me/password", data={"current_password": PASSWORD, "new_password": GOOD})
    logged = json.dumps([dict(r) for r in db["audit_log"].rows])
    assert token not in logged and GOOD not in logged and PASSWORD not in logged
    assert "token_hash" not in logged
    assert token not in json.dumps([dict(r) for r in db["account_links"].rows])


# Deactivate, reactivate, role, panels ----------------------------------------------------------------

def test_deactivating_stops_sign_in_and_reactivating_restores_it(login_as, client, make_user, db):
    user = make_user("icv")
    coordinator = login_as("coordinator")
    response = coordinator.post(f"/accounts/{user.id}/deactivate")
    assert response.status_code == 302
    assert "can no longer sign in" in notices(coordinator.get(response.location))[0]
    assert sign_in(client, user.email, PASSWORD).status_code == 401
    assert coordinator.post(f"/accounts/{user.id}/reactivate").status_code == 302
    assert sign_in(client, user.email, PASSWORD).status_code == 302
    assert [e["action"] for e in db["audit_log"].rows_where(
        "object_id = ? AND action LIKE '%activate'", [user.id])] == ["deactivate", "reactivate"]


def test_the_last_active_admin_cannot_be_deactivated_or_demoted(login_as, db, make_user):
    admin = login_as("admin")
    response = admin.post(f"/accounts/{admin.user.id}/deactivate")
    assert response.status_code == 400
    assert "This is the only active admin account" in page_text(response)
    response = admin.post(f"/accounts/{admin.user.id}/role", data={"role": "coordinator"})
    assert response.status_code == 400 and "the only active admin" in error_messages(response)[0]
    row = account(db, admin.user.email)
    assert (row["active"], row["role"]) == (1, "admin") and audit(db, "deactivate") == []
    other = make_user("admin")
    assert admin.post(f"/accounts/{other.id}/deactivate").status_code == 302


def test_a_coordinator_cannot_manage_staff_accounts(login_as, make_user):
    coordinator, admin = login_as("coordinator"), make_user("admin")
    assert coordinator.get(f"/accounts/{admin.id}").status_code == 403
    assert coordinator.post(f"/accounts/{admin.id}/deactivate").status_code == 403
    assert admin.email not in coordinator.get("/accounts/").text


def test_changing_role_and_panels_is_audited(login_as, make_user, db):
    user = make_user("icv")
    admin = login_as("admin")
    panels = [db["panels"].insert({"name": n}).last_pk for n in ("Lambeth", "Southwark")]
    assert admin.post(f"/accounts/{user.id}/panels", data={"panels": [str(p) for p in panels]}).status_code == 302
    assert admin.post(f"/accounts/{user.id}/role", data={"role": "coordinator"}).status_code == 302
    assert account(db, user.email)["role"] == "coordinator"
    entries = {e["action"]: json.loads(e["detail"]) for e in db["audit_log"].rows}
    assert entries["change_panels"]["after"] == sorted(panels)
    assert entries["change_role"]["before"] == {"role": "icv"} and entries["change_role"]["after"] == {"role": "coordinator"}
    page = admin.get(f"/accounts/{user.id}").text
    assert "Lambeth, Southwark" in page


def test_a_tampered_panel_is_refused(login_as, make_user, db):
    user = make_user("icv")
    response = login_as("admin").post(f"/accounts/{user.id}/panels", data={"panels": ["999"]})
    assert response.status_code == 400 and error_messages(response) == ["Choose panels from the list"]
    assert db["user_panels"].count == 0


# The password rules and flask create-user --------------------------------------------------------------

@pytest.mark.parametrize("password, ok", [
    ("correct horse battery staple", True), ("x" * 256, True), ("Tr0ub4dor&3xyz", True),
    ("elevenchars", False), ("x" * 257, False), ("qwertyuiop123", False), ("Password1234!", False),
    ("custodyvisit2024!", False), ("icv london mopac", False),
])
def test_the_password_rules(password, ok):
    assert (passwords.problem(password) is None) == ok


def test_a_password_made_of_your_own_email_is_refused():
    assert passwords.problem("priya.shah.2026!", "priya.shah@example.org", "Priya Shah")
    assert passwords.problem("priya.shah.2026!") is None


def test_create_user_uses_the_password_rules(app, runner, db):
    with app.app_context():
        result = runner.invoke(args=["create-user", "--email", "a@example.org", "--name", "A B",
                                     "--role", "admin"], input="password1234\npassword1234\n")
    assert result.exit_code == 1 and "too common" in result.output
    assert db["users"].count == 0


def test_the_accounts_list_shows_state_and_record_review(login_as, make_user, db, mailbox):
    coordinator = login_as("coordinator")
    make_user("icv", display_name="Tia Trained", crr_trained=1, vetting_expires_on="2027-06-30")
    invite(coordinator)
    page = page_text(coordinator.get("/accounts/"))
    assert "Can review; vetting until 30 Jun 2027" in page
    assert re.search(r"Nia Jones.*?Invited: no password set yet", page, re.S)


def test_an_admin_unlocks_signs_out_and_removes_two_factor(login_as, make_user, client, db, clock):
    """The account page's three buttons for someone in trouble, each audited, each ending what it says."""
    user = make_user("custody_team")
    for _ in range(5):
        sign_in(client, user.email, "not the password at all")
    assert sign_in(client, user.email, PASSWORD).status_code == 429  # locked
    admin = login_as("admin")
    page = admin.get(f"/accounts/{user.id}").text
    assert "Sign-in is locked" in page
    assert admin.post(f"/accounts/{user.id}/unlock").status_code == 302
    assert "can sign in again now" in notices(admin.get(f"/accounts/{user.id}"))[0]
    assert sign_in(client, user.email, PASSWORD).status_code == 302
    assert client.get("/escalations/").status_code == 200

    secret = twofactor.start_enrolment(db, user.id)
    twofactor.confirm_enrolment(db, user.id, pyotp.TOTP(secret).at(utcnow()))
    assert admin.post(f"/accounts/{user.id}/two-factor/reset").status_code == 302
    assert not twofactor.enrolled(db, user.id)
    assert client.get("/escalations/").status_code == 302  # signed out with it

    assert sign_in(client, user.email, PASSWORD).status_code == 302
    assert admin.post(f"/accounts/{user.id}/sessions/end").status_code == 302
    assert client.get("/escalations/").status_code == 302
    response = admin.post(f"/accounts/{user.id}/sessions/end")
    assert response.status_code == 400 and "not signed in anywhere" in page_text(response)
    logged = [e["action"] for e in db["audit_log"].rows_where("object_id = ? AND user_id = ?",
                                                              [user.id, admin.user.id])]
    assert {"sign_in_unlocked", "two_factor_reset", "sessions_ended"} <= set(logged)


def test_changing_your_password_signs_you_out_elsewhere_and_guessing_is_throttled(
        login_as, app, db):
    phone = login_as("icv")
    laptop = app.test_client(user=phone.user)
    assert laptop.get("/visits/").status_code == 200
    response = phone.post("/accounts/me/password", data={"current_password": PASSWORD,
                                                         "new_password": "a brand new passphrase for me"})
    assert response.status_code == 302
    assert phone.get("/visits/").status_code == 200   # this device stays signed in
    assert laptop.get("/visits/").status_code == 302  # the other is signed out
    for _ in range(5):
        wrong = phone.post("/accounts/me/password", data={"current_password": "a guess at it",
                                                          "new_password": "another new passphrase here"})
    assert wrong.status_code == 429 and "Too many attempts" in page_text(wrong)
