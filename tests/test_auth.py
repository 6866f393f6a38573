"""Signing in and out, CSRF protection, `flask create-user`, and the conventions that keep
access explicit."""
import re
from urllib.parse import urlsplit

import pytest
from icv.accounts.testing import SignedInClient
from werkzeug.security import check_password_hash

from conftest import PASSWORD, assert_kept, draft_url, error_messages
from icv import create_app
from icv.auth import ANONYMOUS, ROLE_NAMES
from icv.forms import CSRF_EXPIRED

HOMES = {"icv": "/visits/", "custody_team": "/escalations/", "coordinator": "/summaries/",
         "admin": "/admin"}
WRONG = "The email address or password is not right"


def sign_in(client, email, password=PASSWORD, follow_redirects=False, **fields):
    """POST the sign-in form; `fields` adds form fields such as next or csrf_token."""
    return client.post("/login", data={"email": email, "password": password, **fields},
                       follow_redirects=follow_redirects)


@pytest.mark.parametrize("role", ROLE_NAMES)
def test_signing_in_through_the_form_lands_on_the_roles_home(client, make_user, role):
    """Each role signs in with the real form and lands on the page it uses most."""
    user = make_user(role)
    page = client.get("/login")
    assert page.status_code == 200
    response = sign_in(client, user.email, follow_redirects=True)
    assert response.status_code == 200
    assert response.request.path == HOMES[role]
    assert f"Signed in as {user.display_name}" in response.text


def test_wrong_password_is_refused_and_keeps_the_typed_email(client, make_user):
    """A wrong password: 401, one plain message, the email still typed, the password not echoed."""
    user = make_user("icv")
    response = sign_in(client, user.email, "not the password at all")
    assert response.status_code == 401
    assert WRONG in response.text
    assert f'value="{user.email}"' in response.text
    assert "not the password at all" not in response.text
    assert client.get("/visits/").status_code == 302  # still signed out


def test_unknown_email_gets_the_same_message_as_a_wrong_password(client):
    """An email with no account gives the same answer, so accounts cannot be discovered."""
    response = sign_in(client, "nobody@example.org")
    assert response.status_code == 401
    assert WRONG in response.text


def test_missing_email_and_password_give_specific_messages(client):
    """An empty form gives 400 and says what to enter."""
    response = client.post("/login", data={"email": "", "password": ""})
    assert response.status_code == 400
    assert "Enter your email address" in response.text
    assert "Enter your password" in response.text


def test_missing_password_keeps_the_email(client):
    """Only the password missing: 400, its message, and the email kept."""
    response = client.post("/login", data={"email": "someone@example.org"})
    assert response.status_code == 400
    assert "Enter your password" in response.text
    assert "Enter your email address" not in response.text
    assert 'value="someone@example.org"' in response.text


def test_email_is_not_case_sensitive(client, make_user):
    """Signing in with the email in another case (and stray spaces) works."""
    make_user("coordinator", email="Morgan.Reid@example.org")
    response = sign_in(client, "  MORGAN.REID@EXAMPLE.ORG ")
    assert response.status_code == 302
    assert client.get("/summaries/").status_code == 200


def test_inactive_user_cannot_sign_in(client, make_user):
    """A deactivated account gets the wrong-password answer."""
    user = make_user("icv", active=0)
    response = sign_in(client, user.email)
    assert response.status_code == 401
    assert WRONG in response.text


def test_deactivated_user_is_signed_out_on_next_request(login_as, db):
    """Deactivating an account ends a session that is already open."""
    client = login_as("icv")
    assert client.get("/visits/").status_code == 200
    db["users"].update(client.user.id, {"active": 0})
    response = client.get("/visits/")
    assert response.status_code == 302
    assert response.location.startswith("/login")


def test_sign_in_returns_to_the_page_asked_for(client, make_user):
    """An anonymous visit to a page goes to sign in and then back to that page."""
    user = make_user("coordinator")
    response = client.get("/summaries/?month=2026-11")
    assert response.status_code == 302
    login_url = response.location
    assert login_url.startswith("/login?next=")
    form = client.get(login_url)
    assert 'name="next" type="hidden" value="/summaries/?month=2026-11"' in form.text
    response = sign_in(client, user.email, next="/summaries/?month=2026-11")
    assert response.status_code == 302
    assert response.location == "/summaries/?month=2026-11"


@pytest.mark.parametrize("target", ["//evil.example", "https://evil.example/",
                                    "http://evil.example/visits/", "evil.example",
                                    "javascript:alert(1)"])
def test_next_to_another_site_is_ignored(client, make_user, target):
    """`next` is followed only for paths on this site: anything else goes to the home page."""
    user = make_user("icv")
    response = sign_in(client, user.email, next=target)
    assert response.status_code == 302
    assert response.location == "/"


def test_next_with_a_backslash_stays_on_this_site(client, make_user):
    """Browsers read /\\host as //host: the redirect must not leave the site."""
    user = make_user("icv")
    response = sign_in(client, user.email, next="/\\evil.example")
    assert response.status_code == 302
    location = response.location
    assert urlsplit(location).netloc == ""
    assert not location.startswith(("//", "/\\"))


def test_signed_in_user_visiting_sign_in_goes_home(login_as):
    """The sign-in page sends someone already signed in to their home page."""
    client = login_as("custody_team")
    response = client.get("/login")
    assert response.status_code == 302
    assert response.location == "/"


def test_logout_is_post_only(login_as):
    """GET /logout does not sign anyone out (a link or image cannot end a session)."""
    client = login_as("icv")
    assert client.get("/logout").status_code == 405
    assert client.get("/visits/").status_code == 200


def test_logout_signs_out(client, make_user):
    """POST /logout ends the session and says so."""
    user = make_user("icv")
    sign_in(client, user.email)
    assert client.get("/visits/").status_code == 200
    response = client.post("/logout", follow_redirects=True)
    assert response.request.path == "/login"
    assert "You have signed out." in response.text
    after = client.get("/visits/")
    assert after.status_code == 302
    assert after.location.startswith("/login")


def test_sign_out_after_the_session_expired_lands_on_sign_in(client):
    """Sign out tapped on a page left open past the session: no bounce, no error, a plain note."""
    response = client.post("/logout", follow_redirects=True)
    assert response.status_code == 200
    assert response.request.path == "/login"
    assert "You were already signed out." in response.text


# CSRF -------------------------------------------------------------------------------------


@pytest.fixture
def csrf_app(app):
    """The same database as `app`, with CSRF protection on as in production."""
    csrf = create_app({"TESTING": True, "SECRET_KEY": "test", "WTF_CSRF_ENABLED": True,
                       "DATABASE": app.config["DATABASE"]})
    csrf.test_client_class = SignedInClient
    return csrf


def token_in(page):
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)


def test_post_without_csrf_token_is_rejected(csrf_app, make_user):
    """With CSRF on, a sign-in POST without a token is refused with 400 and signs nobody in."""
    user = make_user("icv")
    client = csrf_app.test_client()
    response = sign_in(client, user.email)
    assert response.status_code == 400
    assert "This page had expired" in response.text
    assert client.get("/visits/").status_code == 302


def test_post_with_the_pages_csrf_token_is_accepted(csrf_app, make_user):
    """The token in the sign-in page lets the form through."""
    user = make_user("icv")
    client = csrf_app.test_client()
    token = token_in(client.get("/login").text)
    assert sign_in(client, user.email, csrf_token=token).status_code == 302
    assert client.get("/visits/").status_code == 200


@pytest.mark.parametrize("action", ["submit", "save", "save:section-counts", "check",
                                    "add_detainee", "add_issue", "remove:detainees-0"])
def test_visit_form_with_a_bad_token_keeps_everything_typed(csrf_app, make_user, report_form, db,
                                                            action):
    """An expired token on the visit form, whichever button was pressed, re-shows the form with
    the typed values and a message, saves nothing (no draft, no report), and the fresh token in
    that page then goes through."""
    client = csrf_app.test_client(user=make_user("icv"))
    data = report_form(csrf_token="expired-token", action=action, in_custody="7",
                       **{"detainees-0-custody_record_no": "01KT/55555/26",
                          "outcomes-not_seen": "3", "not_seen_reasons-asleep": "3"})
    response = client.post(draft_url(data), data=data)
    assert response.status_code == 400
    assert error_messages(response) == [CSRF_EXPIRED]
    assert_kept(response, data)
    assert db["drafts"].count == 0 and db["visits"].count == 0

    data["csrf_token"] = token_in(response.text)
    again = client.post(draft_url(data), data=data)
    assert again.status_code in (200, 302)
    assert db["drafts"].count + db["visits"].count == 1


# flask create-user ------------------------------------------------------------------------

NEW_PASSWORD = "a long enough passphrase"


def create_user(app, runner, *args, password=NEW_PASSWORD):
    with app.app_context():  # as the `flask` command pushes one
        return runner.invoke(args=["create-user", *args], input=f"{password}\n{password}\n")


def test_create_user_command_creates_an_account_that_can_sign_in(app, runner, db, client):
    """`flask create-user` asks for the password twice, stores only its hash; the account works."""
    result = create_user(app, runner, "--email", "new.admin@example.org", "--name", "New Admin",
                         "--role", "coordinator")
    assert result.exit_code == 0, result.output
    assert "Created coordinator account for new.admin@example.org." in result.output
    row = next(db["users"].rows_where("email = ?", ["new.admin@example.org"]))
    assert row["role"] == "coordinator" and row["display_name"] == "New Admin"
    assert row["password_hash"] != NEW_PASSWORD
    assert check_password_hash(row["password_hash"], NEW_PASSWORD)
    response = sign_in(client, "new.admin@example.org", NEW_PASSWORD)
    assert response.status_code == 302


def test_create_user_refuses_a_duplicate_email(app, runner, db, make_user):
    """An email that already has an account (in any case) is refused and nothing is added."""
    make_user("icv", email="taken@example.org")
    result = create_user(app, runner, "--email", "TAKEN@example.org", "--name", "Someone",
                         "--role", "icv")
    assert result.exit_code == 1
    assert "An account for TAKEN@example.org already exists." in result.output
    assert db["users"].count == 1


def test_create_user_refuses_a_short_password(app, runner, db):
    """A password under 12 characters is refused and no account is made."""
    result = create_user(app, runner, "--email", "short@example.org", "--name", "Short",
                         "--role", "admin", password="elevenchars")
    assert result.exit_code == 1
    assert "password must be at least 12 characters" in result.output
    assert db["users"].count == 0


def test_create_user_refuses_an_unknown_role(app, runner, db):
    """Only the four roles exist."""
    result = create_user(app, runner, "--email", "x@example.org", "--name", "X", "--role", "chief")
    assert result.exit_code == 2
    assert db["users"].count == 0


# Conventions ------------------------------------------------------------------------------


def test_every_endpoint_declares_who_may_use_it(app):
    """Every view is wrapped in role_required or marked public, so none is open by accident."""
    undeclared = [endpoint for endpoint, view in app.view_functions.items()
                  if endpoint != "static" and not getattr(view, "roles", None)]
    assert undeclared == []
    known = {ANONYMOUS, *ROLE_NAMES}
    for endpoint, view in app.view_functions.items():
        if endpoint != "static":
            assert set(view.roles) <= known, endpoint


def test_every_cli_command_has_help_text(app):
    """Each command the app adds, and each of its options, explains itself in --help."""
    commands = app.cli.commands
    assert {"migrate", "create-user", "load-demo"} <= set(commands)
    for name, command in commands.items():
        assert (command.help or "").strip(), name
        for param in command.params:
            if param.param_type_name == "option":
                assert (param.help or "").strip(), f"{name} {param.name}"
