"""Sessions on the server: sign-out ends them for good (a copied cookie is useless), they last at
most SESSION_ABSOLUTE_HOURS, *Your sessions* lists and ends them, and others end them all
(deactivation, a password change, an admin) through sessions.end_all."""
import json
import re

import pytest

from conftest import PASSWORD, error_messages, notices, page_text
from icv import create_app
from icv.accounts import sessions
from icv.times import LONDON

CHROME_ANDROID = ("Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
                  "Chrome/126.0.0.0 Mobile Safari/537.36")
SAFARI_IPHONE = ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
                 "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1")


def sign_in(client, user, agent=CHROME_ANDROID):
    response = client.post("/login", data={"email": user.email, "password": PASSWORD},
                           headers={"User-Agent": agent})
    assert response.status_code == 302, response.text
    return response


def cookie(client, app):
    return client.get_cookie(app.config["SESSION_COOKIE_NAME"])


def signed_out_notices(client):
    """Open a page: it must go to sign in; the messages shown there."""
    response = client.get("/visits/", follow_redirects=True)
    assert response.request.path == "/login"
    return notices(response)


def audit(db, action):
    return [{**r, "detail": json.loads(r["detail"])}
            for r in db.query("SELECT * FROM audit_log WHERE action = ? ORDER BY id", [action])]


def test_a_cookie_copied_before_sign_out_does_not_work_after_it(app, client, make_user, db):
    """Someone copies the session cookie, the person signs out: the copy opens nothing and
    cannot post anything either."""
    user = make_user("icv")
    sign_in(client, user)
    assert client.get("/visits/").status_code == 200
    copied = cookie(client, app).value
    assert client.post("/logout").location == "/login"

    thief = app.test_client()
    thief.set_cookie(app.config["SESSION_COOKIE_NAME"], copied)
    response = thief.get("/visits/")
    assert response.status_code == 302 and response.location.startswith("/login")
    thief.set_cookie(app.config["SESSION_COOKIE_NAME"], copied)
    assert thief.post("/visits/drafts/3f2b6a4e-1c1d-4d55-9b7a-6a1f2b3c4d5e",
                      data={"action": "save"}).location == "/login"
    assert db["drafts"].count == 0
    [row] = db["sessions"].rows
    assert row["ended_reason"] == "signed_out"
    assert [e["object_id"] for e in audit(db, "sign_out")] == [row["id"]]


def test_signing_in_starts_a_new_session_and_stores_only_a_hash_of_its_token(app, client, make_user, db):
    """Each sign-in is a new server session with a new token; the table never holds the token."""
    user = make_user("icv")
    sign_in(client, user)
    first = cookie(client, app).value
    client.post("/logout")
    sign_in(client, user)
    assert cookie(client, app).value != first
    rows = list(db["sessions"].rows)
    assert len(rows) == 2 and rows[0]["token_hash"] != rows[1]["token_hash"]
    with client.session_transaction() as s:
        token = s["sid"]
    assert all(token not in json.dumps(r) for r in rows)
    assert rows[1]["token_hash"] == sessions.hash_token(token)


def test_a_session_ends_after_its_absolute_lifetime_however_busy(client, make_user, clock, db):
    """Active every 20 minutes, the person is still signed out 12 hours after signing in."""
    user = make_user("icv")
    sign_in(client, user)
    for _ in range(35):  # 11 hours 40 minutes of steady use
        clock.advance(minutes=20)
        assert client.get("/visits/").status_code == 200
    clock.advance(minutes=20)
    assert "You were signed out because you had been signed in for 12 hours." in signed_out_notices(client)
    assert next(db["sessions"].rows)["ended_reason"] == "expired"


def test_the_absolute_lifetime_is_configurable(app, client, make_user, clock):
    app.config["SESSION_ABSOLUTE_HOURS"] = 2
    sign_in(client, make_user("icv"))
    for _ in range(4):
        clock.advance(minutes=25)
        assert client.get("/visits/").status_code == 200
    clock.advance(minutes=21)
    assert client.get("/visits/").location.startswith("/login")


def test_a_report_posted_after_the_absolute_lifetime_is_kept_as_a_draft(app, login_as, clock,
                                                                        report_form, db):
    """Typing that reaches the server just after the lifetime ran out is not lost."""
    app.config["SESSION_ABSOLUTE_HOURS"] = 1
    client = login_as("icv")
    clock.advance(minutes=25)
    client.get("/visits/")
    clock.advance(minutes=40)
    data = report_form(action="save")
    response = client.post(f"/visits/drafts/{data['client_id']}", data=data)
    assert response.location == f"/login?next=/visits/drafts/{data['client_id']}"
    assert db["drafts"].count == 1


def test_idle_is_checked_on_the_server_too(login_as, clock, app, db):
    """A cookie whose own clock says it is fresh still ends when the server last saw the session
    over the idle time ago (a copy kept alive elsewhere cannot outlive the real one's use)."""
    client = login_as("icv")
    assert client.get("/visits/").status_code == 200
    clock.advance(minutes=45)
    with client.session_transaction() as s:
        s["seen"] = clock.now.timestamp()  # as if the cookie had been used a moment ago
    assert client.get("/visits/").location.startswith("/login")
    assert next(db["sessions"].rows)["ended_reason"] == "idle"


def test_last_seen_is_written_at_most_once_a_minute(login_as, clock, db):
    """Page views within a minute do not write to the database; the next one after does."""
    client = login_as("icv")
    client.get("/visits/")
    first = next(db["sessions"].rows)["last_seen_at"]
    clock.advance(seconds=30)
    client.get("/visits/")
    assert next(db["sessions"].rows)["last_seen_at"] == first
    clock.advance(seconds=31)
    client.get("/visits/")
    assert next(db["sessions"].rows)["last_seen_at"] > first


def test_your_sessions_lists_each_device_in_plain_words_in_london_time(app, make_user, clock):
    """Signed in on an Android phone and an iPhone: each page lists both, says which is this
    one, and gives last seen in London time."""
    user = make_user("icv")
    phone, iphone = app.test_client(), app.test_client()
    sign_in(phone, user, CHROME_ANDROID)
    clock.advance(minutes=5)
    sign_in(iphone, user, SAFARI_IPHONE)
    page = page_text(phone.get("/account/sessions"))
    assert "Chrome on an Android phone (this device)" in page
    assert "Safari on an iPhone" in page and "Safari on an iPhone (this device)" not in page
    assert f"{clock.now.astimezone(LONDON):%a %-d %b %Y, %H:%M}" in page  # the iPhone's sign-in, London
    assert page.count("End this session") == 1  # this device's is Sign out


def test_ending_another_session_from_your_sessions_signs_that_device_out(app, make_user, db):
    user = make_user("icv")
    phone, laptop = app.test_client(), app.test_client()
    sign_in(phone, user)
    sign_in(laptop, user, "Mozilla/5.0 (Windows NT 10.0; Win64; x64) Firefox/128.0")
    laptop_session = max(r["id"] for r in db["sessions"].rows)
    response = phone.post(f"/account/sessions/{laptop_session}/end", data={"password": PASSWORD},
                          follow_redirects=True)
    assert "That session has ended: it is signed out." in notices(response)
    assert "Firefox on Windows" not in page_text(response)
    assert laptop.get("/visits/").location.startswith("/login")
    assert phone.get("/visits/").status_code == 200
    assert audit(db, "session_ended")[-1]["detail"]["reason"] == "ended_by_user"


def test_no_one_can_end_another_persons_session(app, make_user, db):
    """Ending a session id that is someone else's is not found, and changes nothing."""
    mine, theirs = app.test_client(), app.test_client()
    sign_in(mine, make_user("icv"))
    sign_in(theirs, make_user("icv"))
    other = max(r["id"] for r in db["sessions"].rows)
    assert mine.post(f"/account/sessions/{other}/end", data={"password": PASSWORD}).status_code == 404
    assert theirs.get("/visits/").status_code == 200


def test_this_devices_session_is_ended_by_signing_out_not_from_the_list(login_as):
    client = login_as("icv")
    client.get("/visits/")
    assert client.post(f"/account/sessions/{client.session_id}/end",
                       data={"password": PASSWORD}).status_code == 400
    assert client.get("/visits/").status_code == 200


def test_sign_out_everywhere_else_keeps_this_device(app, make_user, db):
    user = make_user("coordinator")
    here, *others = [app.test_client() for _ in range(3)]
    for c in (here, *others):
        sign_in(c, user)
    response = here.post("/account/sessions/end-others", data={"password": PASSWORD}, follow_redirects=True)
    assert "You are signed out everywhere else." in notices(response)
    assert here.get("/summaries/").status_code == 200
    assert all(c.get("/summaries/").location.startswith("/login") for c in others)


ENDINGS = ["one", "every other"]


def two_devices(app, make_user):
    """A person signed in on a phone and a laptop: (phone, laptop, the path that ends the
    laptop's session from the phone, by one or by all the others)."""
    user = make_user("icv")
    phone, laptop = app.test_client(), app.test_client()
    sign_in(phone, user)
    sign_in(laptop, user, "Mozilla/5.0 (Windows NT 10.0; Win64; x64) Firefox/128.0")
    return phone, laptop, user


def ending_path(db, which):
    return ("/account/sessions/end-others" if which == "every other"
            else f"/account/sessions/{max(r['id'] for r in db['sessions'].rows)}/end")


def test_each_ending_form_asks_for_the_password_in_the_form(app, make_user, db):
    """Without JavaScript: every End button is in its own form, with its own password field."""
    phone, _, _ = two_devices(app, make_user)
    page = phone.get("/account/sessions").text
    forms = re.findall(r'<form method="post" action="/account/sessions/[^"]+".*?</form>', page, re.S)
    assert len(forms) == 2
    assert all('type="password"' in f and 'autocomplete="current-password"' in f
               and 'name="password"' in f for f in forms)
    assert len(set(re.findall(r'id="(password-[^"]+)"', page))) == 2  # no id twice


@pytest.mark.parametrize("which", ENDINGS)
def test_ending_sessions_with_a_wrong_password_changes_nothing(app, make_user, db, which):
    phone, laptop, user = two_devices(app, make_user)
    path = ending_path(db, which)
    wrong = phone.post(path, data={"password": "not the password at all"})
    assert wrong.status_code == 400
    assert error_messages(wrong) == ["That is not your password"]
    assert 'class="error-message"' in wrong.text and 'aria-invalid="true"' in wrong.text
    assert laptop.get("/visits/").status_code == 200
    [failed] = audit(db, "sign_in_failed")
    assert (failed["user_id"], failed["detail"]["reason"]) == (user.id, "wrong_password_reauth")
    assert not audit(db, "session_ended") and not audit(db, "sessions_ended")
    blank = phone.post(path, data={"password": ""})
    assert blank.status_code == 400 and error_messages(blank) == ["Enter your password"]
    assert len(audit(db, "sign_in_failed")) == 1  # a blank one is not a guess
    details = " ".join(r["detail"] for r in db["audit_log"].rows)
    assert "not the password at all" not in details and PASSWORD not in details


@pytest.mark.parametrize("which", ENDINGS)
def test_ending_sessions_is_refused_while_sign_in_is_locked(app, make_user, db, which):
    phone, laptop, _ = two_devices(app, make_user)
    path = ending_path(db, which)
    answers = [phone.post(path, data={"password": "not it"}).status_code
               for _ in range(app.config["SIGN_IN_MAX_FAILURES"])]
    assert answers[-1] == 429
    locked = phone.post(path, data={"password": PASSWORD})
    assert locked.status_code == 429 and "Too many attempts to sign in" in page_text(locked)
    assert laptop.get("/visits/").status_code == 200


def test_an_admin_ending_a_users_sessions_signs_them_out_everywhere(app, make_user, login_as, db):
    """sessions.end_all, as the admin's account page calls it: every device of that person is
    signed out at its next request, with one audit entry naming the admin and the reason."""
    user, admin = make_user("icv"), make_user("admin")
    devices = [app.test_client() for _ in range(2)]
    for c in devices:
        sign_in(c, user)
    bystander = login_as("icv")
    assert sessions.end_all(db, user.id, "ended_by_admin", by=admin.id) == 2
    for c in devices:
        assert "You have been signed out. Sign in again to carry on." in signed_out_notices(c)
    assert bystander.get("/visits/").status_code == 200
    [entry] = audit(db, "sessions_ended")
    assert (entry["user_id"], entry["object_id"], entry["detail"]["reason"],
            entry["detail"]["count"]) == (admin.id, user.id, "ended_by_admin", 2)
    assert sessions.of_user(db, user.id) == []


@pytest.mark.parametrize("reason", ["deactivated", "password_changed"])
def test_end_all_can_keep_one_session(make_user, db, reason):
    user = make_user("icv")
    tokens = [sessions.start(db, user.id, CHROME_ANDROID, "10.0.0.1") for _ in range(3)]
    keep = sessions.current(db, tokens[0])["id"]
    assert sessions.end_all(db, user.id, reason, keep=keep) == 2
    assert [s["id"] for s in sessions.of_user(db, user.id)] == [keep]


def test_end_all_refuses_an_unknown_reason(make_user, db):
    with pytest.raises(ValueError):
        sessions.end_all(db, make_user("icv").id, "because")


@pytest.mark.parametrize("agent, words", [
    (CHROME_ANDROID, "Chrome on an Android phone"),
    (SAFARI_IPHONE, "Safari on an iPhone"),
    ("Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) "
     "Version/17.4 Safari/605.1.15", "Safari on a Mac"),
    ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
     "Chrome/126.0.0.0 Safari/537.36 Edg/126.0.0.0", "Edge on Windows"),
    ("Mozilla/5.0 (Linux; Android 14; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) "
     "SamsungBrowser/25.0 Chrome/121.0.0.0 Mobile Safari/537.36", "Samsung Internet on an Android phone"),
    ("curl/8.5.0", "An unknown device"),
    ("", "An unknown device"),
])
def test_devices_are_named_in_plain_words(agent, words):
    assert sessions.device_name(agent) == words


# Cookies and transport ---------------------------------------------------------------------

def production_app(app, **config):
    """The app as deployed: not testing, not debug, a real secret key."""
    return create_app({"SECRET_KEY": "x" * 40, "DATABASE": app.config["DATABASE"], **config})


def test_outside_debug_mode_the_cookie_is_secure_with_the_host_prefix(app, make_user):
    prod = production_app(app, WTF_CSRF_ENABLED=False)
    client = prod.test_client()
    user = make_user("icv")
    response = client.post("/login", data={"email": user.email, "password": PASSWORD},
                           base_url="https://icv.example")
    header = response.headers.get("Set-Cookie", "")
    assert header.startswith("__Host-session="), header
    assert "Secure" in header and "HttpOnly" in header and "Path=/" in header
    assert "Domain" not in header and "SameSite=Lax" in header


def test_in_debug_mode_the_cookie_works_over_plain_http(app):
    debug = create_app({"DEBUG": True, "SECRET_KEY": "dev", "DATABASE": app.config["DATABASE"]})
    assert debug.config["SESSION_COOKIE_NAME"] == "session"
    assert not debug.config["SESSION_COOKIE_SECURE"]


def test_secure_cookies_can_be_turned_off_for_a_plain_http_trial(app):
    plain = production_app(app, SECURE_COOKIES=False)
    assert plain.config["SESSION_COOKIE_NAME"] == "session"
    assert not plain.config["SESSION_COOKIE_SECURE"]


def test_hsts_header_only_when_configured(app, client):
    assert "Strict-Transport-Security" not in client.get("/login").headers
    app.config["HSTS_SECONDS"] = 31536000
    assert client.get("/login").headers["Strict-Transport-Security"] == \
        "max-age=31536000; includeSubDomains"


def test_behind_a_proxy_the_client_address_comes_from_x_forwarded_for(app, make_user, db):
    """With PROXY_FIX set, throttling and the audit log see the phone's address, not the proxy's."""
    proxied = production_app(app, PROXY_FIX={"x_for": 1, "x_proto": 1}, WTF_CSRF_ENABLED=False)
    client = proxied.test_client()
    user = make_user("icv")
    response = client.post("/login", data={"email": user.email, "password": PASSWORD},
                           headers={"X-Forwarded-For": "203.0.113.9", "X-Forwarded-Proto": "https"})
    assert response.status_code == 302
    assert next(db["sessions"].rows)["address"] == "203.0.113.9"
    assert "Secure" in response.headers["Set-Cookie"]


def test_flask_end_sessions_signs_one_person_or_everyone_out(app, login_as, db):
    icv, staff = login_as("icv"), login_as("custody_team")
    assert icv.get("/visits/").status_code == 200 and staff.get("/escalations/").status_code == 200
    runner = app.test_cli_runner()
    with app.app_context():
        result = runner.invoke(args=["end-sessions", "--email", icv.user.email])
    assert result.exit_code == 0 and "Ended 1 sessions" in result.output
    assert icv.get("/visits/").status_code == 302
    assert staff.get("/escalations/").status_code == 200
    with app.app_context():
        result = runner.invoke(args=["end-sessions", "--all"])
        assert runner.invoke(args=["end-sessions"]).exit_code == 2
    assert result.exit_code == 0 and "Everyone signs in again" in result.output
    assert staff.get("/escalations/").status_code == 302
    entry = list(db.query("SELECT * FROM audit_log WHERE action = 'sessions_ended' ORDER BY id"))[-1]
    assert (entry["user_id"], entry["object_type"]) == (None, "session")


def test_the_browsers_own_requests_do_not_keep_a_session_alive(login_as, clock):
    """The service worker updating itself, static files and the idle status are not the person
    doing anything: they must not put off the idle sign-out (or the warning before it)."""
    icv = login_as("icv")
    assert icv.get("/visits/").status_code == 200
    clock.advance(minutes=29)
    for path in ("/sw.js", "/static/app.js", "/offline"):
        assert icv.get(path).status_code == 200
    assert icv.get("/session/status", headers={"X-Requested-With": "fetch"}).json["expires_in"] == 60
    clock.advance(minutes=2)
    assert icv.get("/visits/").status_code == 302


def test_re_authenticating_gives_the_session_a_new_token(app, client, make_user, db):
    """ASVS 7.2.4: after the password is asked for again (here, changing it), the cookie copied
    before no longer works; this device carries on with its new one."""
    user = make_user("icv")
    sign_in(client, user)
    copied = cookie(client, app).value
    response = client.post("/accounts/me/password", data={"current_password": PASSWORD,
                                                          "new_password": "a brand new passphrase for me"})
    assert response.status_code == 302
    assert client.get("/visits/").status_code == 200
    thief = app.test_client()
    thief.set_cookie(app.config["SESSION_COOKIE_NAME"], copied)
    assert thief.get("/visits/").status_code == 302
    assert db["sessions"].count == 1  # the same session, a new token


def test_the_status_says_when_the_absolute_limit_comes_first(login_as, clock):
    """The warning before a sign-out must give the right reason: near the end of the 12 hours,
    the limit is the session's lifetime, and staying signed in cannot move it."""
    icv = login_as("icv")
    fetch = {"X-Requested-With": "fetch"}
    assert icv.get("/session/status", headers=fetch).json == {
        "signed_in": True, "expires_in": 30 * 60, "reason": "idle", "hours": 12}
    for _ in range(23):  # busy all day: a request every half hour, less a minute
        clock.advance(minutes=29)
        assert icv.get("/visits/").status_code == 200
    # 11 h 7 min in: 53 minutes of the 12 hours left, more than the 30 idle ones
    assert icv.get("/session/status", headers=fetch).json["reason"] == "idle"
    clock.advance(minutes=29)
    icv.get("/visits/")
    left = icv.get("/session/status", headers=fetch).json
    assert left == {"signed_in": True, "expires_in": 24 * 60, "reason": "lifetime", "hours": 12}
    assert icv.post("/session/extend", headers=fetch).json["expires_in"] == 24 * 60
