"""Who may open what: one table of every route against every role, plus row-level checks on
visits and drafts."""
import random
import re
import uuid
from contextlib import closing
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest

from werkzeug.security import generate_password_hash

from icv import demo, people, rulebook
from icv.accounts import links, sessions
from icv.drafts import store as drafts
from icv.auth import ANONYMOUS, ROLE_NAMES
from icv.db import connect
from icv.times import london_today, now_iso
from icv.reviews import store as reviews_store
from icv.visits import store
from conftest import PASSWORD
from review_helpers import make_eligible, make_review, review_fields

LOGIN = "sign in"  # anonymous: 302 to /login?next=<the page asked for> (a POST: to /login)
FETCH = {"X-Requested-With": "fetch"}
HOME = {"icv": "/visits/", "custody_team": "/escalations/", "coordinator": "/summaries/",
        "admin": "/admin"}
ROLES = [ANONYMOUS, *ROLE_NAMES]

# Every route and method, and what each role gets. A new route needs a row here (see
# test_matrix_covers_every_route).
MATRIX = [
    # method  path                                  anonymous  icv  custody_team coordinator admin
    ("GET",  "/",                                   302,       302, 302,         302,        302),
    ("GET",  "/login",                              200,       302, 302,         302,        302),
    ("POST", "/login",                              400,       302, 302,         302,        302),
    ("POST", "/logout",                             302,       302, 302,         302,        302),
    ("GET",  "/visits/",                            LOGIN,     200, 403,         403,        403),
    ("GET",  "/visits/new",                         LOGIN,     200, 403,         403,        403),
    ("GET",  "/visits/drafts/{client_id}",          LOGIN,     200, 403,         403,        403),
    ("POST", "/visits/drafts/{client_id}",          LOGIN,     302, 403,         403,        403),
    ("POST", "/visits/drafts/{client_id}/autosave", LOGIN,     200, 403,         403,        403),
    ("GET",  "/visits/drafts/{client_id}/check",    LOGIN,     200, 403,         403,        403),
    ("POST", "/visits/drafts/{client_id}/submit",   LOGIN,     302, 403,         403,        403),
    ("POST", "/visits/drafts/{client_id}/rebase",   LOGIN,     302, 403,         403,        403),
    ("GET",  "/visits/drafts/{client_id}/delete",   LOGIN,     200, 403,         403,        403),
    ("POST", "/visits/drafts/{client_id}/delete",   LOGIN,     302, 403,         403,        403),
    ("GET",  "/visits/{visit_id}",                  LOGIN,     200, 200,         200,        200),
    ("POST", "/visits/{visit_id}/correct",          LOGIN,     302, 403,         403,        403),
    ("GET",  "/session/status",                     401,       200, 200,         200,        200),
    ("POST", "/session/extend",                     LOGIN,     200, 200,         200,        200),
    ("GET",  "/escalations/",                       LOGIN,     403, 200,         200,        200),
    ("GET",  "/summaries/",                         LOGIN,     403, 200,         200,        200),
    # The summary's downloads (issue 11): coordinators and admins only
    ("GET",  "/summaries/export/visits.csv?area=london&period=2026-11", LOGIN, 403, 403, 200, 200),
    ("GET",  "/summaries/export/summary.csv?area=london&period=2026&edition=published",
     LOGIN, 403, 403, 200, 200),
    ("GET",  "/summaries/export/summary.xlsx?area=london&period=2026-Q4&edition=staff",
     LOGIN, 403, 403, 200, 200),
    # Escalation queues and workflow (issue 4)
    ("POST", "/escalations/bulk",                   LOGIN,     403, 302,         302,        302),
    ("GET",  "/escalations/{escalation_id}",        LOGIN,     403, 200,         200,        200),
    ("POST", "/escalations/{escalation_id}/claim",  LOGIN,     403, 302,         302,        302),
    ("POST", "/escalations/{escalation_id}/assign", LOGIN,     403, 302,         302,        302),
    ("POST", "/escalations/{escalation_id}/status", LOGIN,     403, 302,         302,        302),
    ("POST", "/escalations/{escalation_id}/police-response", LOGIN, 403, 302,    302,        302),
    ("POST", "/escalations/{escalation_id}/outcome", LOGIN,    403, 302,         302,        302),
    ("POST", "/escalations/{escalation_id}/notes",  LOGIN,     403, 302,         302,        302),
    # Rules page (issue 4)
    ("GET",  "/rules/",                             LOGIN,     403, 200,         200,        200),
    # Custody record reviews and volunteers (issue 5)
    ("GET",  "/reviews/",                           LOGIN,     200, 403,         403,        403),
    ("GET",  "/reviews/batches/",                   LOGIN,     403, 200,         200,        200),
    ("GET",  "/reviews/batches/new",                LOGIN,     403, 403,         200,        200),
    ("POST", "/reviews/batches/new",                LOGIN,     403, 403,         302,        302),
    ("GET",  "/reviews/batches/{batch_id}",         LOGIN,     403, 200,         200,        200),
    ("POST", "/reviews/batches/{batch_id}/records", LOGIN,     403, 403,         302,        302),
    ("GET",  "/reviews/records/{record_id}/assign", LOGIN,     403, 403,         200,        200),
    ("POST", "/reviews/records/{record_id}/assign", LOGIN,     403, 403,         302,        302),
    ("GET",  "/reviews/drafts/{review_client_id}",  LOGIN,     200, 403,         403,        403),
    ("POST", "/reviews/drafts/{review_client_id}",  LOGIN,     302, 403,         403,        403),
    ("POST", "/reviews/drafts/{review_client_id}/autosave", LOGIN, 200, 403,     403,        403),
    ("GET",  "/reviews/drafts/{review_client_id}/check", LOGIN, 200, 403,        403,        403),
    ("POST", "/reviews/drafts/{review_client_id}/submit", LOGIN, 302, 403,       403,        403),
    ("GET",  "/reviews/{review_id}",                LOGIN,     200, 200,         200,        200),
    # Two-factor sign-in (issue 10). The code step and sign-in set-up need a pending sign-in
    # (a right password first): without one they go back to /login; signed in, home.
    ("GET",  "/sign-in/code",                       302,       302, 302,         302,        302),
    ("POST", "/sign-in/code",                       400,       302, 302,         302,        302),
    ("GET",  "/sign-in/set-up-two-factor",          302,       302, 302,         302,        302),
    ("POST", "/sign-in/set-up-two-factor",          302,       302, 302,         302,        302),
    ("GET",  "/two-factor/",                        LOGIN,     200, 200,         200,        200),
    ("GET",  "/two-factor/set-up",                  LOGIN,     200, 200,         200,        200),
    ("POST", "/two-factor/set-up",                  LOGIN,     400, 400,         400,        400),
    ("POST", "/two-factor/recovery-codes",          LOGIN,     302, 302,         302,        302),
    ("POST", "/two-factor/turn-off",                LOGIN,     302, 302,         302,        302),
    ("GET",  "/volunteers/",                        LOGIN,     403, 403,         301,        301),
    ("GET",  "/volunteers/{user_id}",               LOGIN,     403, 403,         301,        301),
    # Accounts (issue 10): coordinators manage ICVs' accounts (an ICV's here), admins everyone's
    ("GET",  "/accounts/",                          LOGIN,     403, 403,         200,        200),
    ("GET",  "/accounts/invite",                    LOGIN,     403, 403,         200,        200),
    ("POST", "/accounts/invite",                    LOGIN,     403, 403,         302,        302),
    ("GET",  "/accounts/{account_id}",              LOGIN,     403, 403,         200,        200),
    ("POST", "/accounts/{account_id}/role",         LOGIN,     403, 403,         403,        302),
    ("POST", "/accounts/{account_id}/panels",       LOGIN,     403, 403,         302,        302),
    ("POST", "/accounts/{account_id}/record-review", LOGIN,    403, 403,         302,        302),
    ("POST", "/accounts/{invited_id}/resend",       LOGIN,     403, 403,         302,        302),
    ("POST", "/accounts/{account_id}/reset",        LOGIN,     403, 403,         302,        302),
    ("POST", "/accounts/{account_id}/deactivate",   LOGIN,     403, 403,         302,        302),
    ("POST", "/accounts/{inactive_id}/reactivate",  LOGIN,     403, 403,         302,        302),
    # nothing to undo on a fresh account: a message and no change (tests/test_accounts.py does it)
    ("POST", "/accounts/{account_id}/unlock",       LOGIN,     403, 403,         400,        400),
    ("POST", "/accounts/{account_id}/sessions/end", LOGIN,     403, 403,         403,        400),
    ("POST", "/accounts/{account_id}/two-factor/reset", LOGIN, 403, 403,         403,        400),
    ("GET",  "/accounts/me",                        LOGIN,     200, 200,         200,        200),
    ("GET",  "/accounts/me/password",               LOGIN,     200, 200,         200,        200),
    ("POST", "/accounts/me/password",               LOGIN,     302, 302,         302,        302),
    ("GET",  "/accounts/forgot",                    200,       200, 200,         200,        200),
    ("POST", "/accounts/forgot",                    302,       302, 302,         302,        302),
    ("GET",  "/accounts/set-password/{token}",      200,       200, 200,         200,        200),
    ("POST", "/accounts/set-password/{token}",      302,       302, 302,         302,        302),
    # Running the scheme: suites, panels, the admin's home and the audit log (issue 10)
    ("GET",  "/suites/",                            LOGIN,     403, 403,         200,        200),
    ("GET",  "/suites/new",                         LOGIN,     403, 403,         200,        200),
    ("POST", "/suites/new",                         LOGIN,     403, 403,         302,        302),
    ("GET",  "/suites/{suite_id}",                  LOGIN,     403, 403,         200,        200),
    ("POST", "/suites/{suite_id}",                  LOGIN,     403, 403,         302,        302),
    ("GET",  "/panels/",                            LOGIN,     403, 403,         200,        200),
    ("GET",  "/panels/new",                         LOGIN,     403, 403,         200,        200),
    ("POST", "/panels/new",                         LOGIN,     403, 403,         302,        302),
    ("GET",  "/panels/{panel_id}",                  LOGIN,     403, 403,         200,        200),
    ("POST", "/panels/{panel_id}",                  LOGIN,     403, 403,         302,        302),
    ("GET",  "/admin",                              LOGIN,     403, 403,         403,        200),
    ("GET",  "/audit",                              LOGIN,     403, 403,         403,        200),
    ("GET",  "/audit.csv",                          LOGIN,     403, 403,         403,        200),
    ("GET",  "/sw.js",                              200,       200, 200,         200,        200),
    ("GET",  "/offline",                            200,       200, 200,         200,        200),
    # Your sessions (issue 10)
    ("GET",  "/account/sessions",                   LOGIN,     200, 200,         200,        200),
    ("POST", "/account/sessions/{session_id}/end",  LOGIN,     302, 302,         302,        302),
    ("POST", "/account/sessions/end-others",        LOGIN,     302, 302,         302,        302),
]
CASES = [(method, path, role, expected)
         for method, path, *by_role in MATRIX for role, expected in zip(ROLES, by_role)]


def expected_location(method, path, role):
    """A pattern for where a 302 in the matrix must point."""
    if path.startswith("/sign-in/"):
        return "/login" if role == ANONYMOUS else "/"
    if path.startswith("/two-factor/"):  # not set up: back to the two-factor page
        return "/two-factor/"
    if path.startswith(("/accounts/", "/volunteers/")):
        return account_location(path)
    if role == ANONYMOUS:
        return "/login" if path in ("/", "/logout") else None
    if path == "/":
        return HOME[role]
    if path == "/logout":
        return "/login"
    if path.startswith("/visits/drafts/"):
        draft = re.match(r"/visits/drafts/[^/]+", path).group(0)
        suffix = path[len(draft):]
        return {"/submit": re.escape(draft) + "/check", "/rebase": re.escape(draft) + "/check",
                "/delete": "/visits/"}.get(suffix, re.escape(draft) + "#main-content")
    if path.endswith("/correct"):
        return r"/visits/drafts/[0-9a-f-]{36}"
    if path.startswith("/escalations/"):  # back to the queue, or to the escalation's page
        return "/escalations/" if path == "/escalations/bulk" else re.escape(path.rsplit("/", 1)[0])
    if path.startswith("/reviews/"):
        return review_location(path)
    if path.startswith(("/suites/", "/panels/")):
        return "/" + path.split("/")[1] + "/"
    if path.startswith("/account/sessions/"):
        return "/account/sessions"
    return "/"  # /login when already signed in


@pytest.fixture
def correction_draft(db, make_user, make_suite):
    """correction_draft(user) -> client id of `user`'s draft correcting a report they wrote (a
    demo-style report; its answers pass every check, and a reason is given)."""
    def make(user):
        day = london_today() - timedelta(days=2)
        _, report, submitted = demo.visit_report(random.Random(1), make_suite(),
                                                 [user.id, make_user("icv").id], False, day)
        visit_id, _ = store.record_visit(db, user.id, report, submitted_at=submitted,
                                         **rulebook.built_in())
        client_id = str(uuid.uuid4())
        fields = ([["client_id", client_id], ["base_version", "1"],
                   ["correction_reason", "A typing slip."]] + store.fields_for_visit(db, visit_id))
        drafts.save(db, "visit", client_id, user.id, fields, visit_id=visit_id)
        return client_id
    return make


def fill(path, browser, role, make_user, make_visit, correction_draft):
    """The path with a real visit or draft id: an ICV's own; staff and anonymous get another's
    (or any id: they are turned away before it is looked up)."""
    if path.startswith(("/accounts/", "/volunteers/")):
        return fill_account_path(path, browser.application)
    if path.startswith("/reviews/"):
        return fill_review_path(path, browser, role, make_user)
    if "{suite_id}" in path or "{panel_id}" in path:
        return fill_scheme_path(path, browser)
    if "{session_id}" in path:  # another session of this person's (a second phone)
        if role == ANONYMOUS:
            return path.format(session_id=1)
        with closing(connect(browser.application.config["DATABASE"])) as db:
            token = sessions.start(db, browser.user.id, "Other phone", "10.0.0.2")
            return path.format(session_id=sessions.current(db, token)["id"])
    if "{visit_id}" in path:
        author = browser.user if role == "icv" else make_user("icv")
        return path.format(visit_id=make_visit(author))
    if "{client_id}" in path:
        owner = browser.user if role == "icv" else make_user("icv")
        return path.format(client_id=correction_draft(owner))
    if "{escalation_id}" in path or path == "/escalations/bulk":  # one a visit made alone raised
        visit_id = make_visit(make_user("icv"))
        with closing(connect(browser.application.config["DATABASE"])) as db:
            escalation_id = next(db["escalations"].rows_where("visit_id = ?", [visit_id]))["id"]
        return path.format(escalation_id=escalation_id)
    return path


ESCALATION_FORMS = {"claim": ("claim", {}), "assign": ("assign", {"assigned_to": "{me}"}),
                    "status": ("status", {"status": "triaged"}),
                    "police-response": ("police_response", {"police_response": "Noted."}),
                    "outcome": ("outcome", {"outcome_note": "Done."}), "notes": ("note", {"body": "Hm."})}


def escalation_post(app, path, user):
    """The fields an escalation form sends, at the escalation's current version."""
    with closing(connect(app.config["DATABASE"])) as db:
        return escalation_fields(db, path, getattr(user, "id", 0))


def escalation_fields(db, path, user_id):
    if path == "/escalations/bulk":
        e = next(db["escalations"].rows_where(order_by="id desc"))
        return {"selected": f"{e['id']}:{e['version']}", "action": "assign", "assigned_to": str(user_id)}
    escalation_id, action = re.fullmatch(r"/escalations/(\d+)/([\w-]+)", path).groups()
    prefix, fields = ESCALATION_FORMS[action]
    data = {f"{prefix}-{k}": v.format(me=user_id) for k, v in fields.items()}
    return {**data, f"{prefix}-version": str(db["escalations"].get(int(escalation_id))["version"])}


# Custody record reviews and volunteers (issue 5) ----------------------------------------------

REVIEW_IDS = {"review_client_id": uuid.uuid4(), "review_id": 1, "batch_id": 1, "record_id": 1, "user_id": 1,
              "account_id": 1, "invited_id": 1, "inactive_id": 1, "token": "t",
              "session_id": 1}


def fill_review_path(path, browser, role, make_user):
    """A review assigned to the ICV (made eligible) or to another eligible ICV, with a complete
    draft saved, so its form, check page and detail open; its batch, record and reviewer."""
    with closing(connect(browser.application.config["DATABASE"])) as db:
        reviewer = browser.user if role == "icv" else make_user("icv")
        make_eligible(db, reviewer.id)
        review = make_review(db, [reviewer.id])
        fields = review_fields(review)
        reviews_store.save_draft(db, review["id"], reviewer.id,
                                 [[k, v] for k, v in fields.items() if k != "action"])
    return path.format(review_client_id=review["client_id"], review_id=review["id"],
                       batch_id=review["batch_id"], record_id=review["record_id"], user_id=reviewer.id)


def review_post(app, path, make_user):
    """What each review form sends when filled in."""
    with closing(connect(app.config["DATABASE"])) as db:
        if path == "/reviews/batches/new":
            suite_id = db["suites"].insert({"name": f"Suite {uuid.uuid4()}",
                                            "created_at": now_iso()}).last_pk
            return {"suite_id": str(suite_id), "session_date": london_today().isoformat()}
        if "/drafts/" in path:
            client_id = path.split("/")[3]
            return {"revision": "0"} if path.endswith("/submit") else {"client_id": client_id, "action": "save"}
        icv = make_user("icv")
        make_eligible(db, icv.id)
        return {"record_ref": f"02PM/{random.randint(10000, 99999)}/26", "sample_reason": "random",
                "reviewer": str(icv.id)}


def review_location(path):
    """Where the review forms send you next."""
    if path == "/reviews/batches/new":
        return r"/reviews/batches/\d+"
    if path.endswith("/records"):
        return re.escape(path[:-len("/records")]) + "#records"
    if path.endswith("/assign"):
        return r"/reviews/batches/\d+#records"
    draft = re.match(r"/reviews/drafts/[^/]+", path).group(0)
    return re.escape(draft) + ("/check" if path.endswith("/submit") else "#main-content")


# Accounts (issue 10) ----------------------------------------------------------------------------

def fill_account_path(path, app):
    """An ICV's account (in use, invited, or deactivated as the route needs) and a fresh
    invitation link's token."""
    with closing(connect(app.config["DATABASE"])) as db:
        n = uuid.uuid4().hex[:8]
        account = people.add(db, f"in-use-{n}@example.org", "Ada Bloggs", "icv", generate_password_hash(PASSWORD))
        invited = people.add(db, f"invited-{n}@example.org", "Ida Newman", "icv", None)
        inactive = people.add(db, f"gone-{n}@example.org", "Ian Left", "icv", generate_password_hash(PASSWORD))
        people.set_active(db, inactive, False)
        token = links.issue(db, invited, "invitation")
    return path.format(account_id=account, invited_id=invited, inactive_id=inactive, user_id=account,
                       token=token)


def account_post(path, user):
    """What each account form sends when filled in."""
    if path == "/accounts/invite":
        return {"email": f"new-{uuid.uuid4().hex[:8]}@example.org", "display_name": "Nia Person", "role": "icv"}
    if path.endswith("/role"):
        return {"role": "custody_team"}
    if path.endswith("/record-review"):
        return {"crr_trained": "y", "vetting_expires_on": (london_today() + timedelta(days=90)).isoformat()}
    if path == "/accounts/me/password":
        return {"current_password": PASSWORD, "new_password": "a brand new passphrase for me"}
    if path == "/accounts/forgot":
        return {"email": getattr(user, "email", "nobody@example.org")}
    if "/set-password/" in path:
        return {"password": "a brand new passphrase for me"}
    return {}


def account_location(path):
    """Where the account pages send you next."""
    if path == "/volunteers/":
        return "/accounts/"
    if path.startswith("/volunteers/"):
        return "/accounts/" + path.split("/")[2]
    if path == "/accounts/invite":
        return r"/accounts/\d+"
    if path == "/accounts/me/password":
        return "/accounts/me"
    if path == "/accounts/forgot" or "/set-password/" in path:
        return "/login"
    return re.escape(path.rsplit("/", 1)[0])
# Suites and panels (issue 10) ------------------------------------------------------------------

SCHEME_IDS = {"suite_id": 1, "panel_id": 1}


def fill_scheme_path(path, browser):
    """A real suite (in a panel) and panel to open or change."""
    with closing(connect(browser.application.config["DATABASE"])) as db:
        panel_id = db["panels"].insert({"name": f"Panel {uuid.uuid4()}"}).last_pk
        suite_id = db["suites"].insert({"name": f"Suite {uuid.uuid4()}",
                                        "created_at": now_iso()}).last_pk
        db["panel_suites"].insert({"panel_id": panel_id, "suite_id": suite_id})
    return path.format(suite_id=suite_id, panel_id=panel_id)


def scheme_post(path):
    """What the suite and panel forms send: a new name each time."""
    if path.startswith("/suites/"):
        return {"name": f"Suite {uuid.uuid4()}", "status": "contingency", "panel": "none"}
    return {"name": f"Panel {uuid.uuid4()}"}


@pytest.mark.parametrize("method, path, role, expected", CASES,
                         ids=[f"{m} {p} as {r}" for m, p, r, _ in CASES])
def test_route_permissions(app, client, login_as, make_user, make_visit, correction_draft, method,
                           path, role, expected):
    """Anonymous users are sent to sign in, wrong roles get 403, right roles get the page."""
    browser = client if role == ANONYMOUS else login_as(role)
    path = fill(path, browser, role, make_user, make_visit, correction_draft)
    data = None
    if path.startswith("/visits/drafts/") and method == "POST":  # the form's own id (and button)
        data = {"client_id": path.split("/")[3], "action": "save"}
    if path.startswith("/escalations/") and method == "POST":  # the form's fields and version
        data = escalation_post(app, path, getattr(browser, "user", None))
    if path.startswith("/reviews/") and method == "POST":
        data = review_post(app, path, make_user)
    if path.startswith("/accounts/") and method == "POST":
        data = account_post(path, getattr(browser, "user", None))
    elif path.startswith(("/suites/", "/panels/")) and method == "POST":
        data = scheme_post(path)
    if path.startswith(("/account/sessions/", "/two-factor/")) and method == "POST":
        data = {"password": PASSWORD, "renew-password": PASSWORD, "off-password": PASSWORD}
    response = browser.open(path, method=method, data=data)
    response.get_data()  # read the whole body (CSV downloads stream)
    if expected == LOGIN:
        assert response.status_code == 302
        if method == "GET":
            assert urlsplit(response.location).path == "/login"
            assert parse_qs(urlsplit(response.location).query) == {"next": [path]}
        else:  # a POST cannot be repeated by a redirect: sign in, then start again
            assert response.location == "/login"
        return
    assert response.status_code == expected
    if expected in (301, 302):
        assert re.fullmatch(expected_location(method, path, role), response.location), \
            response.location
    if expected == 403:
        assert "You cannot see this page" in response.text


NOT_PUBLIC = [(method, path) for method, path, anonymous, *_ in MATRIX if anonymous == LOGIN]


@pytest.mark.parametrize("method, path", NOT_PUBLIC, ids=[f"{m} {p}" for m, p in NOT_PUBLIC])
def test_signed_out_fetch_gets_401_json(client, method, path):
    """The page's own fetch() calls (X-Requested-With: fetch) to any page needing sign-in get
    401 JSON they can act on, not a redirect to the sign-in page."""
    path = path.format(visit_id=1, client_id=uuid.uuid4(), escalation_id=1, **REVIEW_IDS, **SCHEME_IDS)
    response = client.open(path, method=method, headers=FETCH)
    assert response.status_code == 401
    assert response.json["error"] == "signed_out"


def test_matrix_covers_every_route(app):
    """Every route and method the app serves (but static files) has a row in the matrix."""
    adapter = app.url_map.bind("localhost")
    ids = {"visit_id": 1, "client_id": uuid.uuid4(), "escalation_id": 1, **REVIEW_IDS, **SCHEME_IDS}
    covered = {(adapter.match(path.format(**ids).split("?")[0], method=method)[0], method)
               for method, path, *_ in MATRIX}
    served = {(rule.endpoint, method) for rule in app.url_map.iter_rules()
              if rule.endpoint != "static" for method in rule.methods - {"HEAD", "OPTIONS"}}
    assert served - covered == set()
    assert len(MATRIX) == len(served), "one row per route and method"


def test_icv_can_open_their_own_visit(login_as, make_visit):
    """The author of a report can open it."""
    icv = login_as("icv")
    assert icv.get(f"/visits/{make_visit(icv.user)}").status_code == 200


def test_icv_can_open_a_visit_where_they_were_the_partner(login_as, make_user, make_visit):
    """The visiting partner can open the report their partner wrote."""
    icv = login_as("icv")
    visit_id = make_visit(make_user("icv"), partner_id=icv.user.id)
    response = icv.get(f"/visits/{visit_id}")
    assert response.status_code == 200
    assert icv.user.display_name in response.text


def test_icv_cannot_open_another_icvs_visit(login_as, make_user, make_visit):
    """An ICV gets 403 on a report they neither wrote nor were partner on; it is not listed."""
    icv = login_as("icv")
    visit_id = make_visit(make_user("icv"), partner_id=make_user("icv").id)
    response = icv.get(f"/visits/{visit_id}")
    assert response.status_code == 403
    assert "You cannot see this page" in response.text
    assert f"/visits/{visit_id}" not in icv.get("/visits/").text


@pytest.mark.parametrize("role", ["custody_team", "coordinator", "admin"])
def test_staff_can_open_any_visit(login_as, make_user, make_visit, role):
    """Staff roles open any report, whoever wrote it."""
    visit_id = make_visit(make_user("icv"))
    assert login_as(role).get(f"/visits/{visit_id}").status_code == 200


@pytest.mark.parametrize("role", ["icv", "coordinator"])
def test_unknown_visit_is_not_found(login_as, role):
    """A report number that does not exist is a 404 with a plain message."""
    response = login_as(role).get("/visits/999999")
    assert response.status_code == 404
    assert "There is no visit report with that number." in response.text


def test_staff_see_no_correct_button(login_as, make_user, make_visit):
    """Only ICVs are offered 'Correct this report'."""
    visit_id = make_visit(make_user("icv"))
    assert "Correct this report" not in login_as("coordinator").get(f"/visits/{visit_id}").text


# Drafts and corrections belong to people ----------------------------------------------------

OTHERS_DRAFT = [("GET", ""), ("POST", ""), ("POST", "/autosave"), ("GET", "/check"),
                ("POST", "/submit"), ("POST", "/rebase"), ("GET", "/delete"), ("POST", "/delete")]


@pytest.mark.parametrize("method, suffix", OTHERS_DRAFT,
                         ids=[f"{m} {s or '/'}" for m, s in OTHERS_DRAFT])
def test_icv_cannot_use_another_icvs_draft(login_as, make_user, correction_draft, db, method,
                                           suffix):
    """Another ICV's draft is not found (404) to open, save, autosave, check, submit, rebase or
    delete, and stays as it was."""
    owner = make_user("icv")
    client_id = correction_draft(owner)
    before = next(db["drafts"].rows)
    data = {"client_id": client_id, "revision": "1"} if method == "POST" else None
    response = login_as("icv").open(f"/visits/drafts/{client_id}{suffix}", method=method, data=data)
    assert response.status_code == 404
    assert next(db["drafts"].rows) == before
    assert db["visits"].count == 1


def test_icv_cannot_correct_another_icvs_report(login_as, make_user, make_visit, db):
    """Correcting a report one neither wrote nor was partner on is refused; no draft is made."""
    visit_id = make_visit(make_user("icv"), partner_id=make_user("icv").id)
    response = login_as("icv").post(f"/visits/{visit_id}/correct")
    assert response.status_code == 403
    assert db["drafts"].count == 0


def test_icv_can_correct_a_report_where_they_were_the_partner(login_as, make_user, make_visit, db):
    """The partner may correct the report: a correction draft is made for them."""
    icv = login_as("icv")
    visit_id = make_visit(make_user("icv"), partner_id=icv.user.id)
    response = icv.post(f"/visits/{visit_id}/correct")
    assert response.status_code == 302
    draft = next(db["drafts"].rows)
    assert (draft["user_id"], draft["visit_id"]) == (icv.user.id, visit_id)
    assert response.location == f"/visits/drafts/{draft['client_id']}"
    assert icv.get(response.location).status_code == 200


def test_correcting_an_unknown_report_is_not_found(login_as):
    assert login_as("icv").post("/visits/999999/correct").status_code == 404


@pytest.mark.parametrize("path", ["/visits/{n}", "/escalations/{n}", "/reviews/{n}",
                                  "/reviews/batches/{n}", "/volunteers/{n}",
                                  "/accounts/{n}", "/suites/{n}", "/panels/{n}"])
def test_an_id_too_big_for_the_database_is_not_found(login_as, path):
    """A number past SQLite's 64-bit integers is a 404, not a crash in the query."""
    response = login_as("admin").get(path.format(n=2**63))
    assert response.status_code == 404
