"""Two-factor sign-in: required for staff when TWO_FACTOR_REQUIRED is on (as in production), optional
for ICVs, and asked of anyone who set it up even when it is off (as in `make run` and the other
tests). Codes are never taken twice, recovery codes work once, and a pending sign-in ends after
5 minutes or 5 wrong codes."""
import json
import re
from datetime import timedelta

import pyotp
import pytest

from conftest import PASSWORD, error_messages, notices, page_text
from icv import create_app
from icv.accounts import twofactor
from icv.times import utcnow

STAFF = ["custody_team", "coordinator", "admin"]
HOME = {"icv": "/visits/", "custody_team": "/escalations/", "coordinator": "/summaries/",
        "admin": "/escalations/"}


@pytest.fixture
def required(app):
    """Two-factor required for staff, as in production."""
    app.config["TWO_FACTOR_REQUIRED"] = True


def code_now(secret, steps=0):
    """The app's code at the app's (pinned) clock, `steps` 30-second steps on."""
    return pyotp.TOTP(secret).at(utcnow() + timedelta(seconds=30 * steps))


def enrol(db, user):
    """Set up two-factor for `user` as the set-up page does; returns (secret, recovery codes).
    The code that confirmed it is used up, so the clock moves on a step."""
    secret = twofactor.start_enrolment(db, user.id)
    result, codes = twofactor.confirm_enrolment(db, user.id, code_now(secret))
    assert result == twofactor.ACCEPTED
    return secret, codes


def password(client, user):
    """Post the sign-in form with the right password."""
    return client.post("/login", data={"email": user.email, "password": PASSWORD})


def audit(db, action):
    return list(db.query("SELECT * FROM audit_log WHERE action = ? ORDER BY id", [action]))


def field_error(response, field="code"):
    """The message shown next to the code field (or another field)."""
    match = re.search(rf'<p class="error-message" id="[\w-]*{field}-error">.*?</span>\s*(.*?)</p>',
                      response.get_data(as_text=True), re.S)
    return match.group(1) if match else None


def signed_in(client):
    return client.get("/session/status").status_code == 200


# When it is asked for -----------------------------------------------------------------------

@pytest.mark.parametrize("role", ["icv", *STAFF])
def test_when_not_required_everyone_signs_in_with_the_password_alone(client, make_user, role):
    """TWO_FACTOR_REQUIRED off (make run, the demo): the password is enough for every role."""
    response = password(client, make_user(role))
    assert response.location == "/"
    assert signed_in(client)


def test_when_not_required_someone_who_set_it_up_is_still_asked_for_a_code(client, make_user, db,
                                                                            clock):
    """An ICV who turned two-factor on is asked for a code, and is not signed in until it is right."""
    icv = make_user("icv")
    secret, _ = enrol(db, icv)
    clock.advance(seconds=30)
    response = password(client, icv)
    assert response.location == "/sign-in/code"
    assert not signed_in(client)
    assert client.get("/visits/").location.startswith("/login")
    page = client.get("/sign-in/code")
    assert 'inputmode="numeric"' in page.text and 'autocomplete="one-time-code"' in page.text
    response = client.post("/sign-in/code", data={"code": code_now(secret)})
    assert response.location == "/"
    assert client.get("/visits/").status_code == 200


def test_the_page_asked_for_before_sign_in_is_where_the_code_step_goes(client, make_user, db, clock):
    icv = make_user("icv")
    secret, _ = enrol(db, icv)
    clock.advance(seconds=30)
    client.post("/login", data={"email": icv.email, "password": PASSWORD, "next": "/reviews/"})
    assert client.post("/sign-in/code", data={"code": code_now(secret)}).location == "/reviews/"


@pytest.mark.parametrize("role", STAFF)
def test_required_staff_set_it_up_after_their_password_before_anything_else(
        client, make_user, db, required, role):
    """Staff without two-factor go from their password to setting it up; no other page opens
    until a code confirms it; then the recovery codes are shown once and they are signed in."""
    user = make_user(role)
    assert password(client, user).location == "/sign-in/set-up-two-factor"
    for path in (HOME[role], "/two-factor/", "/"):
        assert client.get(path).location.startswith("/login")
    page = client.get("/sign-in/set-up-two-factor")
    assert page.status_code == 200
    assert re.search(r'<svg role="img" viewBox="[^"]+" class="qr-code"><title>QR code', page.text)
    secret = re.search(r'id="setup-key"><code>([A-Z2-7 ]+)</code>', page.text).group(1).replace(" ", "")
    assert twofactor.grouped(secret) in page.text  # groups of four for typing by hand
    assert client.get("/sign-in/set-up-two-factor").text.count(twofactor.grouped(secret)) == 1  # same key again

    wrong = client.post("/sign-in/set-up-two-factor", data={"code": "000000" if code_now(secret) != "000000" else "111111"})
    assert wrong.status_code == 400
    assert field_error(wrong) == error_messages(wrong)[0] == (
        "The code is not right. Enter the code your authenticator app shows now")
    assert not twofactor.enrolled(db, user.id)

    done = client.post("/sign-in/set-up-two-factor", data={"code": code_now(secret)})
    assert done.status_code == 200
    codes = re.findall(r"<li><code>([a-z2-9-]+)</code></li>", done.text)
    assert len(codes) == 10 and len(set(codes)) == 10
    assert "only time you will see these codes" in page_text(done)
    assert 'href="/"' in done.text
    assert client.get(HOME[role]).status_code == 200
    assert [e["user_id"] for e in audit(db, "two_factor_enrolled")] == [user.id]


def test_required_icvs_may_still_sign_in_with_the_password_alone(client, make_user, required):
    """Two-factor is optional for ICVs even when required for staff."""
    assert password(client, make_user("icv")).location == "/"
    assert signed_in(client)


def test_signed_in_staff_without_two_factor_are_kept_on_the_set_up_page(login_as, make_user, db,
                                                                         required):
    """Staff signed in when it was not set up (it was reset, or just turned on) can open only the
    set-up page (and sign out) until they set it up."""
    staff = login_as("coordinator")
    assert staff.get("/summaries/").location == "/two-factor/set-up"
    assert staff.get("/two-factor/").location == "/two-factor/set-up"
    fetch = staff.post("/session/extend")
    assert fetch.status_code == 200
    assert staff.get("/escalations/", headers={"X-Requested-With": "fetch"}).status_code == 403
    assert staff.get("/two-factor/set-up").status_code == 200
    secret = twofactor.record(db, staff.user.id)["secret"]
    done = staff.post("/two-factor/set-up", data={"password": PASSWORD, "code": code_now(secret)})
    assert done.status_code == 200 and 'href="/two-factor/"' in done.text
    assert staff.get("/summaries/").status_code == 200


# Codes: wrong, reused, too many, too late ------------------------------------------------------

@pytest.fixture
def pending(client, make_user, db, clock):
    """A client that has given the right password for an enrolled ICV: (client, user, secret, codes)."""
    icv = make_user("icv")
    secret, codes = enrol(db, icv)
    clock.advance(seconds=30)
    password(client, icv)
    return client, icv, secret, codes


def wrong_code(secret):
    return next(c for c in ("123456", "654321", "111111") if c not in
                {code_now(secret, s) for s in (-1, 0, 1)})


def test_a_wrong_code_gets_a_message_by_the_field_and_is_logged_without_the_code(pending, db):
    client, icv, secret, _ = pending
    response = client.post("/sign-in/code", data={"code": wrong_code(secret)})
    assert response.status_code == 400
    assert field_error(response).startswith("The code is not right")
    assert "Error:" in page_text(response).split("</title>")[0]
    assert not signed_in(client)
    [entry] = audit(db, "two_factor_code_failed")
    assert entry["user_id"] == icv.id
    assert wrong_code(secret) not in entry["detail"] and secret not in entry["detail"]
    assert client.post("/sign-in/code", data={"code": code_now(secret)}).location == "/"


def test_a_code_is_never_accepted_twice(pending, clock):
    """A code that signed in once is refused the second time, even within its 30 seconds."""
    client, icv, secret, _ = pending
    used = code_now(secret)
    assert client.post("/sign-in/code", data={"code": used}).location == "/"
    client.post("/logout")
    password(client, icv)
    again = client.post("/sign-in/code", data={"code": used})
    assert again.status_code == 400
    assert field_error(again).startswith("That code has already been used")
    assert not signed_in(client)
    assert client.post("/sign-in/code", data={"code": code_now(secret, -1)}).status_code == 400  # older
    clock.advance(seconds=30)
    assert client.post("/sign-in/code", data={"code": code_now(secret)}).location == "/"


def test_a_code_a_step_either_side_of_now_is_accepted(pending):
    """A phone's clock a little off still works: one 30-second step either way."""
    client, _, secret, _ = pending
    assert client.post("/sign-in/code", data={"code": code_now(secret, 1)}).location == "/"


def test_five_wrong_codes_end_the_pending_sign_in(pending):
    client, _, secret, _ = pending
    for _ in range(4):
        assert field_error(client.post("/sign-in/code", data={"code": wrong_code(secret)})).startswith(
            "The code is not right")
    fifth = client.post("/sign-in/code", data={"code": wrong_code(secret)})
    assert fifth.status_code == 429  # the account's sign-in throttle, which wrong codes count in
    assert field_error(fifth).startswith("Too many attempts to sign in. Wait 15 minutes")
    assert 'href="/login"' in fifth.text
    late = client.post("/sign-in/code", data={"code": code_now(secret)})
    assert late.status_code == 400 and field_error(late) == "This sign-in has ended. Sign in again"
    assert not signed_in(client)


def test_a_pending_sign_in_ends_after_five_minutes(pending, clock):
    client, _, secret, _ = pending
    clock.advance(minutes=5, seconds=1)
    response = client.post("/sign-in/code", data={"code": code_now(secret)})
    assert response.status_code == 400
    assert field_error(response) == ("This sign-in has ended because it took longer than 5 minutes. "
                                     "Sign in again")
    assert not signed_in(client)
    assert client.get("/sign-in/code").location == "/login"


def test_a_blank_code_is_asked_for(pending):
    client, *_ = pending
    response = client.post("/sign-in/code", data={"code": " "})
    assert response.status_code == 400
    assert error_messages(response) == ["Enter the 6-digit code from your authenticator app"]


# Recovery codes ----------------------------------------------------------------------------------

def test_a_recovery_code_signs_in_once(pending, db):
    client, icv, secret, codes = pending
    page = client.get("/sign-in/code?with=recovery")
    assert "Enter a recovery code" in page.text and 'inputmode="numeric"' not in page.text
    response = client.post("/sign-in/code?with=recovery", data={"code": codes[3].upper()})
    assert response.location == "/"
    assert "You signed in with a recovery code. You have 9 left" in notices(client.get("/visits/"))[0]
    [entry] = audit(db, "recovery_code_used")
    assert codes[3] not in entry["detail"]
    client.post("/logout")
    password(client, icv)
    again = client.post("/sign-in/code?with=recovery", data={"code": codes[3]})
    assert again.status_code == 400
    assert field_error(again).startswith("That recovery code has already been used")
    wrong = client.post("/sign-in/code?with=recovery", data={"code": "abcd-efgh-jkmn"})
    assert field_error(wrong) == "That recovery code is not right. Check it and try again"
    assert twofactor.recovery_codes_left(db, icv.id) == 9


def test_recovery_codes_are_stored_hashed(db, make_user):
    user = make_user("custody_team")
    _, codes = enrol(db, user)
    stored = [r["code_hash"] for r in db["recovery_codes"].rows]
    assert len(stored) == 10
    assert not any(code.replace("-", "") in h or code in h for code in codes for h in stored)
    assert all(h.startswith("pbkdf2:sha256:") for h in stored)


def test_new_recovery_codes_replace_the_old_ones(login_as, db, clock):
    icv = login_as("icv")
    secret, old = enrol(db, icv.user)
    clock.advance(seconds=30)
    wrong = icv.post("/two-factor/recovery-codes",
                     data={"renew-password": PASSWORD, "renew-code": wrong_code(secret)})
    assert wrong.status_code == 400 and field_error(wrong).startswith("The code is not right")
    response = icv.post("/two-factor/recovery-codes",
                        data={"renew-password": PASSWORD, "renew-code": code_now(secret)})
    assert response.status_code == 200
    new = re.findall(r"<li><code>([a-z2-9-]+)</code></li>", response.text)
    assert len(new) == 10 and not set(new) & set(old)
    assert twofactor.use_recovery_code(db, icv.user.id, old[0]) == twofactor.WRONG
    assert twofactor.use_recovery_code(db, icv.user.id, new[0]) == twofactor.ACCEPTED
    assert len(audit(db, "recovery_codes_renewed")) == 1


# Turning off, and the admin's reset ---------------------------------------------------------------

def test_an_icv_can_turn_two_factor_off_with_a_code(login_as, db, clock, client):
    icv = login_as("icv")
    secret, _ = enrol(db, icv.user)
    clock.advance(seconds=30)
    assert "Turn off two-factor sign-in" in icv.get("/two-factor/").text
    wrong = icv.post("/two-factor/turn-off", data={"off-password": PASSWORD, "off-code": wrong_code(secret)})
    assert wrong.status_code == 400 and twofactor.enrolled(db, icv.user.id)
    response = icv.post("/two-factor/turn-off", data={"off-password": PASSWORD, "off-code": code_now(secret)})
    assert response.location == "/two-factor/"
    assert not twofactor.enrolled(db, icv.user.id) and db["recovery_codes"].count == 0
    assert len(audit(db, "two_factor_turned_off")) == 1
    assert password(client, icv.user).location == "/"


def test_staff_cannot_turn_it_off_when_it_is_required(login_as, db, clock, required):
    staff = login_as("custody_team")
    secret, _ = enrol(db, staff.user)
    clock.advance(seconds=30)
    assert "Turn off two-factor sign-in" not in staff.get("/two-factor/").text
    assert staff.post("/two-factor/turn-off",
                      data={"off-password": PASSWORD, "off-code": code_now(secret)}).status_code == 403
    assert twofactor.enrolled(db, staff.user.id)


def test_an_admins_reset_sends_staff_to_set_it_up_again(client, make_user, db, required):
    staff, admin = make_user("coordinator"), make_user("admin")
    enrol(db, staff)
    assert twofactor.reset(db, staff.id, by=admin.id, address="192.0.2.1") is True
    assert not twofactor.enrolled(db, staff.id) and db["recovery_codes"].count == 0
    [entry] = audit(db, "two_factor_reset")
    assert (entry["user_id"], entry["object_id"]) == (admin.id, staff.id)
    assert password(client, staff).location == "/sign-in/set-up-two-factor"
    assert twofactor.reset(db, staff.id) is False  # nothing left to reset; still logged


def test_nothing_logged_holds_a_secret_or_code(pending, db):
    client, icv, secret, codes = pending
    client.post("/sign-in/code", data={"code": wrong_code(secret)})
    client.post("/sign-in/code?with=recovery", data={"code": codes[0]})
    details = " ".join(r["detail"] for r in db["audit_log"].rows)
    assert secret not in details and not any(c in details or c.replace("-", "") in details for c in codes)


# The password again before any change, and the other sessions after it (ASVS 7.5.1, 7.4.3) ------

# what: (address, field prefix, the status of a change made)
CHANGES = {"set up": ("/two-factor/set-up", "", 200),
           "new recovery codes": ("/two-factor/recovery-codes", "renew-", 200),
           "turn off": ("/two-factor/turn-off", "off-", 302)}
NOT_MY_PASSWORD = "not the password at all"


def ready_to(what, client, db, clock):
    """An ICV's client ready for the change: (path, prefix, status of success, secret)."""
    path, prefix, done = CHANGES[what]
    if what == "set up":
        client.get(path)
        secret = twofactor.record(db, client.user.id)["secret"]
    else:
        secret, _ = enrol(db, client.user)
        clock.advance(seconds=30)
    return path, prefix, done, secret


def two_factor_state(db, user_id):
    return (twofactor.enrolled(db, user_id),
            sorted(r["code_hash"] for r in db["recovery_codes"].rows_where("user_id = ?", [user_id])))


@pytest.mark.parametrize("what", CHANGES)
def test_a_change_while_signed_in_needs_the_password_again(login_as, db, clock, what):
    """A wrong password: the message by the field, 400, nothing changed (the code is not even
    tried, so it still works), and a failed sign-in in the audit log without the password."""
    icv = login_as("icv")
    path, prefix, done, secret = ready_to(what, icv, db, clock)
    before = two_factor_state(db, icv.user.id)
    if what != "set up":
        assert 'autocomplete="current-password"' in icv.get("/two-factor/").text
    wrong = icv.post(path, data={f"{prefix}password": NOT_MY_PASSWORD, f"{prefix}code": code_now(secret)})
    assert wrong.status_code == 400
    assert field_error(wrong, "password") == "That is not your password"
    assert error_messages(wrong) == ["That is not your password"]
    assert two_factor_state(db, icv.user.id) == before
    [failed] = audit(db, "sign_in_failed")
    assert failed["user_id"] == icv.user.id
    assert json.loads(failed["detail"])["reason"] == "wrong_password_reauth"
    assert not audit(db, "two_factor_code_failed")
    right = icv.post(path, data={f"{prefix}password": PASSWORD, f"{prefix}code": code_now(secret)})
    assert right.status_code == done
    assert two_factor_state(db, icv.user.id) != before
    details = " ".join(r["detail"] for r in db["audit_log"].rows)
    assert NOT_MY_PASSWORD not in details and PASSWORD not in details


@pytest.mark.parametrize("what", CHANGES)
def test_a_blank_password_is_asked_for_and_not_counted(login_as, db, clock, what):
    icv = login_as("icv")
    path, prefix, _, secret = ready_to(what, icv, db, clock)
    before = two_factor_state(db, icv.user.id)
    response = icv.post(path, data={f"{prefix}code": code_now(secret)})
    assert response.status_code == 400 and field_error(response, "password") == "Enter your password"
    assert two_factor_state(db, icv.user.id) == before and not audit(db, "sign_in_failed")


@pytest.mark.parametrize("what", CHANGES)
def test_wrong_passwords_here_lock_sign_in_like_wrong_ones_at_sign_in(app, login_as, db, clock, client,
                                                                      what):
    icv = login_as("icv")
    path, prefix, _, secret = ready_to(what, icv, db, clock)
    before = two_factor_state(db, icv.user.id)
    data = {f"{prefix}password": NOT_MY_PASSWORD, f"{prefix}code": code_now(secret)}
    answers = [icv.post(path, data=data) for _ in range(app.config["SIGN_IN_MAX_FAILURES"])]
    assert [a.status_code for a in answers] == [400] * (len(answers) - 1) + [429]
    assert field_error(answers[-1], "password").startswith("Too many attempts to sign in")
    right = icv.post(path, data={**data, f"{prefix}password": PASSWORD})
    assert right.status_code == 429 and two_factor_state(db, icv.user.id) == before
    assert password(client, icv.user).status_code == 429  # sign-in itself is closed too
    [locked] = audit(db, "sign_in_locked")
    assert (locked["object_type"], locked["object_id"]) == ("account", icv.user.id)


@pytest.mark.parametrize("what", CHANGES)
def test_a_change_signs_out_every_other_device_and_says_so(login_as, db, clock, what):
    icv = login_as("icv")
    path, prefix, _, secret = ready_to(what, icv, db, clock)
    phone = login_as(icv.user)  # after the clock moved on (a client made before signs in again)
    response = icv.post(path, data={f"{prefix}password": PASSWORD, f"{prefix}code": code_now(secret)},
                        follow_redirects=True)
    assert any(n.endswith("You are signed out everywhere else.") for n in notices(response))
    assert phone.get("/visits/").location.startswith("/login")
    assert icv.get("/visits/").status_code == 200
    [ended] = audit(db, "sessions_ended")
    assert ended["object_id"] == icv.user.id
    assert json.loads(ended["detail"])["reason"] == "two_factor_changed"


def test_the_sign_in_set_up_step_needs_no_second_password(client, make_user, db, required):
    """Straight after the password, setting up asks only for the code."""
    staff = make_user("coordinator")
    password(client, staff)
    page = client.get("/sign-in/set-up-two-factor")
    assert "Your password" not in page.text
    secret = twofactor.record(db, staff.id)["secret"]
    assert client.post("/sign-in/set-up-two-factor", data={"code": code_now(secret)}).status_code == 200
    assert twofactor.enrolled(db, staff.id)


# The setting ------------------------------------------------------------------------------------------

def test_two_factor_is_required_by_default_outside_debug_mode(tmp_path, monkeypatch):
    monkeypatch.delenv("FLASK_DEBUG", raising=False)
    config = {"TESTING": True, "SECRET_KEY": "test", "DATABASE": str(tmp_path / "x.sqlite")}
    assert create_app(dict(config)).config["TWO_FACTOR_REQUIRED"] is True
    monkeypatch.setenv("FLASK_DEBUG", "1")  # flask --debug, as make run does
    assert create_app(dict(config)).config["TWO_FACTOR_REQUIRED"] is False
    monkeypatch.delenv("FLASK_DEBUG")
    assert create_app({**config, "TWO_FACTOR_REQUIRED": False}).config["TWO_FACTOR_REQUIRED"] is False
    with pytest.raises(RuntimeError, match="TWO_FACTOR_REQUIRED"):
        create_app({**config, "TWO_FACTOR_REQUIRED": "no"})


def test_the_audit_entries_say_where_from(pending, db):
    client, *_ = pending
    client.post("/sign-in/code", data={"code": "000000x"})
    [entry] = audit(db, "two_factor_code_failed")
    assert entry["address"] == "127.0.0.1"


def test_a_known_password_buys_no_more_than_a_few_codes(pending, db):
    """Signing in again and again with a stolen password does not give fresh tries at the code:
    wrong codes count with wrong passwords, and the account locks (icv/accounts/throttle.py)."""
    client, icv, secret, _ = pending
    for _ in range(3):
        client.post("/sign-in/code", data={"code": wrong_code(secret)})
    password(client, icv)  # a fresh pending sign-in
    client.post("/sign-in/code", data={"code": wrong_code(secret)})
    locked = client.post("/sign-in/code", data={"code": wrong_code(secret)})
    assert locked.status_code == 429
    again = password(client, icv)
    assert again.status_code == 429 and "Too many attempts" in page_text(again)
    assert client.post("/sign-in/code", data={"code": code_now(secret)}).status_code == 400
    assert not signed_in(client)
    assert [e["action"] for e in audit(db, "sign_in_locked")] == ["sign_in_locked"]
