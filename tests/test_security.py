"""ASVS items that docs/security.md maps here, each as an attacker or a user would notice it: a
reset link does not get round two-factor; a password is checked exactly as typed and typed into a
masked box; every signed-in page offers Sign out; an unexpected error is logged, and the person
sees a plain page without the details."""
import logging
import re

import pytest

from conftest import PASSWORD
from icv import create_app
from icv.accounts import links
from icv.auth import ROLE_NAMES
from test_twofactor import code_now, enrol


def sign_in(client, email, password):
    return client.post("/login", data={"email": email, "password": password})


def test_a_password_reset_does_not_get_round_two_factor(client, make_user, db, mailbox, clock):
    """ASVS 6.4.3: after choosing a new password by a reset link, sign-in still asks for the code."""
    user = make_user("icv")
    secret, _ = enrol(db, user)
    client.post("/accounts/forgot", data={"email": user.email})
    response = client.post(mailbox.link(user.email, path=True),
                           data={"password": "a fresh passphrase after the reset"})
    assert response.status_code == 302 and response.location == "/login"
    after = sign_in(client, user.email, "a fresh passphrase after the reset")
    assert after.location == "/sign-in/code"
    assert client.get("/visits/").status_code == 302  # not signed in yet
    clock.advance(seconds=30)
    assert client.post("/sign-in/code", data={"code": code_now(secret)}).location == "/"
    assert client.get("/visits/").status_code == 200


@pytest.mark.parametrize("typed", [PASSWORD.upper(), PASSWORD + " ", " " + PASSWORD, PASSWORD[:-1],
                                   PASSWORD.replace(" ", "")])
def test_a_password_is_checked_exactly_as_typed(client, make_user, typed):
    """ASVS 6.2.8: no case folding, trimming or truncation."""
    user = make_user("icv")
    assert sign_in(client, user.email, typed).status_code == 401
    assert sign_in(client, user.email, PASSWORD).status_code == 302


def test_a_password_of_256_characters_works(client, make_user, db):
    """ASVS 6.2.9: long passphrases (64 and more) are welcome, up to 256 characters."""
    user = make_user("icv")
    token = links.issue(db, user.id, "reset")
    long_one = ("correct horse battery staple on a long walk " * 6)[:256]
    assert client.post(f"/accounts/set-password/{token}", data={"password": long_one}).status_code == 302
    assert sign_in(client, user.email, long_one).status_code == 302


@pytest.mark.parametrize("path", ["/login", "/accounts/me/password", "/accounts/set-password/{token}"])
def test_password_boxes_are_masked_and_let_password_managers_in(client, login_as, make_user, db, path):
    """ASVS 6.2.6 and 6.2.7: type=password, with the autocomplete a password manager needs, and
    nothing that blocks paste."""
    if "{token}" in path:
        path = path.format(token=links.issue(db, make_user("icv").id, "invitation"))
    page = (login_as("icv") if path.startswith("/accounts/me") else client).get(path).text
    boxes = re.findall(r"<input[^>]*type=\"password\"[^>]*>", page)
    assert boxes
    for box in boxes:
        assert re.search(r'autocomplete="(current|new)-password"', box)
        assert "onpaste" not in box


@pytest.mark.parametrize("role", ROLE_NAMES)
def test_every_page_in_the_menu_offers_sign_out(login_as, role):
    """ASVS 7.4.4: Sign out is on every page a signed-in person can open from the menu."""
    client = login_as(role)
    home = client.get("/", follow_redirects=True).text
    nav = re.search(r'<nav class="wrap nav" aria-label="Main">(.*?)</nav>', home, re.S).group(1)
    for href in re.findall(r'<a href="([^"]+)"', nav):
        page = client.get(href).text
        assert '<button type="submit" class="link-button">Sign out</button>' in page, href


def test_an_unexpected_error_is_logged_and_shown_plainly(tmp_path, migrated_database, caplog):
    """ASVS 16.3.4 and 16.5.1: the server log gets the traceback; the person gets a plain page."""
    import shutil
    path = tmp_path / "icv.sqlite"
    shutil.copy(migrated_database, path)
    app = create_app({"SECRET_KEY": "x" * 40, "DATABASE": str(path), "TWO_FACTOR_REQUIRED": False})

    @app.route("/boom")
    def boom():
        raise RuntimeError("secret internals: SELECT * FROM users")
    boom.roles = ("anonymous",)

    with caplog.at_level(logging.ERROR):
        response = app.test_client().get("/boom")
    assert response.status_code == 500
    assert "secret internals" not in response.text and "Traceback" not in response.text
    assert any("secret internals" in (r.exc_text or str(r.exc_info)) for r in caplog.records)
