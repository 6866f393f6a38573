"""The idle sign-out: after SESSION_IDLE_MINUTES without a request a person is signed out; a
report posted after that is kept as their draft and sign-in brings them back to it."""
import json

import pytest

from conftest import PASSWORD, draft_url, form_values, notices

FETCH = {"X-Requested-With": "fetch"}
SIGNED_OUT = "You were signed out after 30 minutes without activity."
KEPT = " What you typed was saved as a draft: sign in to carry on."


@pytest.fixture
def signed_in(login_as, clock):
    """sign_in(role="icv") -> a signed-in client that has made one request (which starts the
    idle clock, as the page after signing in does)."""
    def sign_in(role="icv"):
        client = login_as(role)
        assert client.get("/").status_code == 302
        return client
    return sign_in


def test_signing_in_starts_the_idle_clock(client, make_user, clock):
    """Signing in through the form and landing on the home page starts a full idle period."""
    user = make_user("icv")
    client.post("/login", data={"email": user.email, "password": PASSWORD}, follow_redirects=True)
    clock.advance(minutes=29)
    assert client.get("/session/status").json == {"signed_in": True, "expires_in": 60, "reason": "idle", "hours": 12}


def test_a_page_opened_after_the_idle_time_signs_out_and_asks_to_sign_in(signed_in, clock):
    """31 minutes without a request: the next page goes to sign in, back to that page after,
    with a message saying why; the session is over."""
    client = signed_in()
    clock.advance(minutes=31)
    response = client.get("/visits/?page=2")
    assert response.status_code == 302
    assert response.location == "/login?next=/visits/?page%3D2"
    login = client.get(response.location)
    assert SIGNED_OUT in notices(login)
    assert 'name="next" type="hidden" value="/visits/?page=2"' in login.text
    assert client.get("/visits/").location == "/login?next=/visits/"


def test_next_is_the_bare_path_when_there_is_no_query(signed_in, clock):
    client = signed_in()
    clock.advance(minutes=31)
    assert client.get("/visits/").location == "/login?next=/visits/"


def test_activity_within_the_idle_time_keeps_the_session(signed_in, clock):
    """Requests 29 minutes apart keep the person signed in, however long the session lasts."""
    client = signed_in()
    for _ in range(3):
        clock.advance(minutes=29)
        assert client.get("/visits/").status_code == 200


def test_the_idle_time_is_configurable(app, signed_in, clock):
    """SESSION_IDLE_MINUTES sets the limit, and the message says how long it was."""
    app.config["SESSION_IDLE_MINUTES"] = 5
    client = signed_in()
    clock.advance(minutes=4)
    assert client.get("/visits/").status_code == 200
    clock.advance(minutes=6)
    response = client.get("/visits/", follow_redirects=True)
    assert response.request.path == "/login"
    assert "You were signed out after 5 minutes without activity." in notices(response)


def test_a_report_posted_after_the_idle_time_is_kept_as_a_draft(signed_in, clock, report_form, db):
    """A report posted after the idle time is saved as typed (even unfinished) as that person's
    draft; sign-in goes back to the draft, which shows everything typed."""
    client = signed_in()
    clock.advance(minutes=45)
    data = report_form(action="check", in_custody="9", custody_officer="")
    response = client.post(draft_url(data), data=data)
    assert response.status_code == 302
    assert response.location == f"/login?next={draft_url(data)}"
    assert SIGNED_OUT + KEPT in notices(client.get(response.location))
    draft = next(db["drafts"].rows)
    assert (draft["client_id"], draft["user_id"]) == (data["client_id"], client.user.id)
    assert dict(json.loads(draft["fields"])) == {k: v for k, v in data.items() if k != "action"}
    assert db["visits"].count == 0

    back = client.post("/login", data={"email": client.user.email, "password": PASSWORD,
                                       "next": draft_url(data)})
    assert back.location == draft_url(data)
    shown = form_values(client.get(back.location).text)
    assert (shown["in_custody"], shown["custody_officer"]) == ("9", "")
    assert shown["detainees-0-entry_key"] == data["detainees-0-entry_key"]


def test_a_report_posted_after_the_idle_time_does_not_touch_another_persons_draft(
        signed_in, clock, login_as, report_form, db):
    """A post to someone else's draft address after the idle time saves nothing."""
    owner = login_as("icv")
    data = report_form(action="save")
    owner.post(draft_url(data), data=data)
    before = next(db["drafts"].rows)
    client = signed_in()
    clock.advance(minutes=31)
    response = client.post(draft_url(data), data={**data, "in_custody": "1"})
    assert response.location == "/login"
    assert next(db["drafts"].rows) == before


@pytest.mark.parametrize("role", ["custody_team", "coordinator", "admin"])
def test_a_report_posted_by_staff_after_the_idle_time_is_not_kept(signed_in, clock, report_form,
                                                                  db, role):
    """Staff cannot write reports: after the idle time their post saves nothing either."""
    client = signed_in(role)
    clock.advance(minutes=31)
    data = report_form(action="save")
    response = client.post(draft_url(data), data=data)
    assert response.location == "/login"
    assert db["drafts"].count == 0


def test_other_forms_posted_after_the_idle_time_save_nothing(signed_in, clock, make_visit, db):
    """A form with no keeper (starting a correction) just goes to sign in."""
    client = signed_in()
    visit_id = make_visit(client.user)
    clock.advance(minutes=31)
    response = client.post(f"/visits/{visit_id}/correct")
    assert response.location == "/login"
    assert db["drafts"].count == 0


def test_session_status_does_not_count_as_activity(signed_in, clock):
    """Asking how long is left answers without resetting the clock."""
    client = signed_in()
    clock.advance(minutes=20)
    status = client.get("/session/status")
    assert status.status_code == 200
    assert status.json == {"signed_in": True, "expires_in": 600, "reason": "idle", "hours": 12}
    clock.advance(minutes=11)
    assert client.get("/visits/").location == "/login?next=/visits/"


def test_session_extend_counts_as_activity(signed_in, clock):
    """'Stay signed in' resets the clock: 25 minutes later the person is still signed in."""
    client = signed_in()
    clock.advance(minutes=20)
    response = client.post("/session/extend")
    assert response.status_code == 200
    assert response.json == {"signed_in": True, "expires_in": 1800, "reason": "idle", "hours": 12}
    clock.advance(minutes=25)
    assert client.get("/session/status").json["expires_in"] == 300
    assert client.get("/visits/").status_code == 200


def test_session_status_when_signed_out_is_401(client):
    response = client.get("/session/status")
    assert response.status_code == 401
    assert response.json == {"signed_in": False, "expires_in": 0}


@pytest.mark.parametrize("method, path", [("GET", "/session/status"), ("POST", "/session/extend"),
                                          ("GET", "/visits/")])
def test_json_clients_get_401_json_after_the_idle_time(signed_in, clock, method, path):
    """The page's own fetch() calls get 401 JSON saying the session ended, not a redirect."""
    client = signed_in()
    clock.advance(minutes=31)
    response = client.open(path, method=method, headers=FETCH)
    assert response.status_code == 401
    assert response.json == {"error": "signed_out", "message": SIGNED_OUT}
    assert client.get("/visits/").status_code == 302


def test_autosave_after_the_idle_time_is_401_json(signed_in, clock, report_form, db):
    client = signed_in()
    data = report_form()
    clock.advance(minutes=31)
    response = client.post(draft_url(data, "/autosave"), data=data, headers=FETCH)
    assert response.status_code == 401
    assert response.json["error"] == "signed_out"


def test_a_correction_posted_after_the_idle_time_stays_a_correction(signed_in, clock, report_form,
                                                                     db):
    """A correction posted after the idle time is kept as that correction's draft (still tied to
    its report), with what was typed."""
    client = signed_in()
    data = report_form()
    visit_id = int(client.post(draft_url(data), data=data).location.rsplit("/", 1)[1])
    client_id = client.post(f"/visits/{visit_id}/correct").location.rsplit("/", 1)[1]
    fields = dict(json.loads(next(db["drafts"].rows)["fields"]))
    clock.advance(minutes=31)
    response = client.post(f"/visits/drafts/{client_id}",
                           data={**fields, "custody_officer": "PS 77", "action": "check"})
    assert response.location == f"/login?next=/visits/drafts/{client_id}"
    draft = next(db["drafts"].rows)
    assert (draft["client_id"], draft["visit_id"]) == (client_id, visit_id)
    assert dict(json.loads(draft["fields"]))["custody_officer"] == "PS 77"
    assert next(db["visits"].rows)["version"] == 1
