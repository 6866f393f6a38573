"""Sign-in throttling: per account and per client address, in the database (so every server
process counts together), the same answer for an unknown email as a wrong password, an admin
can unlock, and every step is in the audit log."""
import json

from conftest import PASSWORD
from icv import create_app
from icv.accounts import throttle

WRONG = "The email address or password is not right"
TOO_MANY = "Too many attempts to sign in. Wait 15 minutes and try again"


def attempt(client, email, password="not the password", address="198.51.100.7"):
    return client.post("/login", data={"email": email, "password": password},
                       environ_base={"REMOTE_ADDR": address})


def actions(db):
    return [(r["action"], r["address"]) for r in
            db.query("SELECT * FROM audit_log WHERE action LIKE 'sign_in%' ORDER BY id")]


def test_38_wrong_passwords_then_the_right_one_does_not_sign_in(client, make_user, db):
    """The security test's finding: after 38 wrong passwords the right one is refused too, with
    a message saying to wait, and nothing is signed in."""
    user = make_user("icv")
    answers = [attempt(client, user.email).status_code for _ in range(38)]
    assert answers[:4] == [401] * 4 and set(answers[4:]) == {429}
    response = attempt(client, user.email, PASSWORD)
    assert response.status_code == 429
    assert TOO_MANY in response.text
    assert client.get("/visits/").status_code == 302
    assert db["sessions"].count == 0


def test_after_the_cool_down_the_right_password_works_and_clears_the_count(client, make_user,
                                                                           clock, db):
    user = make_user("icv")
    for _ in range(5):
        attempt(client, user.email)
    clock.advance(minutes=14)
    assert attempt(client, user.email, PASSWORD).status_code == 429
    clock.advance(minutes=2)
    assert attempt(client, user.email, PASSWORD).status_code == 302
    assert db.execute("SELECT count(*) FROM sign_in_throttle WHERE kind = 'account'").fetchone()[0] == 0


def test_a_wrong_password_after_the_cool_down_locks_again_at_once(client, make_user, clock):
    """Past the limit each guess costs a full cool-down: about 4 guesses an hour, not 5 a minute."""
    user = make_user("icv")
    for _ in range(5):
        attempt(client, user.email)
    clock.advance(minutes=16)
    assert attempt(client, user.email).status_code == 429  # wrong again: closed again
    assert attempt(client, user.email, PASSWORD).status_code == 429
    clock.advance(minutes=16)
    assert attempt(client, user.email, PASSWORD).status_code == 302


def test_an_unknown_email_gets_the_same_answers_as_a_real_one(client, make_user):
    """Wrong password and unknown email: the same message; both lock after the same count, so
    neither says whether an account exists."""
    user = make_user("icv")
    real = [attempt(client, user.email, address="10.1.1.1") for _ in range(6)]
    unknown = [attempt(client, "nobody@example.org", address="10.1.1.2") for _ in range(6)]
    assert [r.status_code for r in real] == [r.status_code for r in unknown] == [401] * 4 + [429] * 2
    assert all(WRONG in r.text for r in real[:4] + unknown[:4])
    assert real[-1].text.replace(user.email, "X") == unknown[-1].text.replace("nobody@example.org", "X")


def test_an_address_guessing_at_many_accounts_is_stopped(client, make_user):
    """20 failures from one address, spread over many emails, close sign-in from that address,
    even for an account with no failures of its own; another address is unaffected."""
    user = make_user("icv")
    for n in range(20):
        attempt(client, f"guess{n}@example.org")
    assert attempt(client, user.email, PASSWORD).status_code == 429
    assert attempt(client, user.email, PASSWORD, address="198.51.100.8").status_code == 302


def test_throttling_holds_across_two_server_processes(app, make_user, db):
    """Two app instances on one database (as two server processes): failures on either count
    towards the same lock, and both refuse the right password once it is locked."""
    other = create_app({"TESTING": True, "SECRET_KEY": "test", "WTF_CSRF_ENABLED": False,
                        "DATABASE": app.config["DATABASE"]})
    first, second = app.test_client(), other.test_client()
    user = make_user("icv")
    for n in range(5):
        attempt(first if n % 2 else second, user.email)
    assert attempt(first, user.email, PASSWORD).status_code == 429
    assert attempt(second, user.email, PASSWORD).status_code == 429


def test_an_admin_can_unlock_an_account(client, make_user, db):
    """throttle.locked lists the locked account for the admin page; unlock clears it, audited."""
    user, admin = make_user("icv"), make_user("admin")
    for _ in range(5):
        attempt(client, user.email)
    [locked] = throttle.locked(db)
    assert (locked["user_id"], locked["failures"]) == (user.id, 5)
    assert throttle.unlock(db, user.id, by=admin.id)
    assert throttle.locked(db) == []
    assert attempt(client, user.email, PASSWORD, address="198.51.100.9").status_code == 302
    entry = next(db.query("SELECT * FROM audit_log WHERE action = 'sign_in_unlocked'"))
    assert (entry["user_id"], entry["object_id"]) == (admin.id, user.id)


def test_unlock_by_email_and_an_unlocked_account(make_user, db):
    user = make_user("icv", email="Sam.Lee@example.org")
    assert not throttle.unlock(db, "sam.lee@example.org")
    for _ in range(5):
        throttle.failed(db, " SAM.LEE@example.org", "10.0.0.1", user.id)
    assert throttle.unlock(db, "sam.lee@example.org")


def test_failures_a_day_old_are_forgotten(client, make_user, clock):
    user = make_user("icv")
    for _ in range(4):
        attempt(client, user.email)
    clock.advance(days=1, minutes=1)
    for _ in range(4):
        assert attempt(client, user.email).status_code == 401


def test_sign_ins_failures_locks_and_sign_outs_are_audited_with_the_address(client, make_user, db):
    """Every step lands in the audit log with the client address; no password ever does."""
    user = make_user("icv")
    attempt(client, "nobody@example.org")
    for _ in range(5):
        attempt(client, user.email)
    attempt(client, user.email, PASSWORD)
    logged = actions(db)
    assert logged[0] == ("sign_in_failed", "198.51.100.7")
    assert ("sign_in_locked", "198.51.100.7") in logged
    assert logged[-1] == ("sign_in_refused", "198.51.100.7")
    failed = list(db.query("SELECT * FROM audit_log WHERE action = 'sign_in_failed' ORDER BY id"))
    assert [f["user_id"] for f in failed] == [None] + [user.id] * 5
    everything = json.dumps(list(db["audit_log"].rows))
    assert PASSWORD not in everything and "not the password" not in everything

    attempt(client, user.email, PASSWORD, address="198.51.100.20")  # a fresh address, still locked
    client2 = client.application.test_client()
    other = make_user("icv")
    attempt(client2, other.email, PASSWORD, address="198.51.100.21")
    client2.post("/logout")
    assert [a for a, _ in actions(db)][-1] == "sign_in"
    assert db.execute("SELECT count(*) FROM audit_log WHERE action = 'sign_out' AND user_id = ?",
                      [other.id]).fetchone()[0] == 1
