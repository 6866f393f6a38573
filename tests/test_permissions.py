"""Who may open what: one table of every route against every role, plus row-level checks on
visits."""
from urllib.parse import quote

import pytest

from icv.auth import ANONYMOUS, ROLE_NAMES

LOGIN = "sign in"  # anonymous: 302 to /login?next=<the page asked for>
HOME = {"icv": "/visits/", "custody_team": "/escalations/", "coordinator": "/summaries/",
        "admin": "/escalations/"}
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
    ("POST", "/visits/new",                         LOGIN,     400, 403,         403,        403),
    ("GET",  "/visits/{visit_id}",                  LOGIN,     200, 200,         200,        200),
    ("GET",  "/escalations/",                       LOGIN,     403, 200,         200,        200),
    ("GET",  "/summaries/",                         LOGIN,     403, 403,         200,        200),
    ("GET",  "/summaries/2026-11/visits.csv",       LOGIN,     403, 403,         200,        200),
    ("GET",  "/summaries/2026-11/detainees.csv",    LOGIN,     403, 403,         200,        200),
]
CASES = [(method, path, role, expected)
         for method, path, *by_role in MATRIX for role, expected in zip(ROLES, by_role)]


def expected_location(method, path, role):
    """Where a 302 in the matrix must point."""
    if role == ANONYMOUS:
        return "/login" if path in ("/", "/logout") else None
    if path == "/":
        return HOME[role]
    if path == "/logout":
        return "/login"
    return "/"  # /login when already signed in


@pytest.mark.parametrize("method, path, role, expected", CASES,
                         ids=[f"{m} {p} as {r}" for m, p, r, _ in CASES])
def test_route_permissions(app, client, login_as, make_user, make_visit, method, path, role,
                           expected):
    """Anonymous users are sent to sign in, wrong roles get 403, right roles get the page."""
    browser = client if role == ANONYMOUS else login_as(role)
    if "{visit_id}" in path:  # an ICV's own report; staff open anyone's
        author = browser.user if role == "icv" else make_user("icv")
        path = path.format(visit_id=make_visit(author))
    response = browser.open(path, method=method)
    response.get_data()  # read the whole body (CSV downloads stream)
    if expected == LOGIN:
        assert response.status_code == 302
        assert response.location == "/login?next=" + quote(path, safe="")
        return
    assert response.status_code == expected
    if expected == 302:
        want = expected_location(method, path, role)
        assert response.location == want
    if expected == 403:
        assert "You cannot see this page" in response.text


def test_matrix_covers_every_route(app):
    """Every route and method the app serves (but static files) has a row in the matrix."""
    adapter = app.url_map.bind("localhost")
    covered = {(adapter.match(path.format(visit_id=1), method=method)[0], method)
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
