"""Suites and panels (issue 10): coordinators and admins add, rename, move and open or close
suites, and add and rename panels; a closed suite leaves the visit form and keeps its reports;
bad names change nothing; every change is in the audit log with where it came from."""
import json

import pytest

ADDRESS = {"REMOTE_ADDR": "203.0.113.7"}


def entries(db, object_type):
    return list(db.query("SELECT * FROM audit_log WHERE object_type = ? ORDER BY id", [object_type]))


def suite_named(db, name):
    return next(db.query("SELECT * FROM suites WHERE name = ?", [name]))


def panel_of(db, suite_id):
    return [r["panel_id"] for r in db.query("SELECT panel_id FROM panel_suites WHERE suite_id = ?", [suite_id])]


@pytest.fixture
def panel(db):
    return db["panels"].insert({"name": "Lambeth"}).last_pk


@pytest.mark.parametrize("role", ["coordinator", "admin"])
def test_a_suite_is_added_with_its_panel_and_offered_on_the_visit_form(login_as, db, panel, role):
    response = login_as(role).post("/suites/new", data={"name": "  Brixton ", "status": "24_7",
                                                        "panel": str(panel)}, environ_base=ADDRESS)
    assert response.status_code == 302 and response.location == "/suites/"
    suite = suite_named(db, "Brixton")
    assert (suite["status"], panel_of(db, suite["id"])) == ("24_7", [panel])
    [entry] = entries(db, "suite")
    assert (entry["action"], entry["object_id"], entry["address"]) == ("create", suite["id"], "203.0.113.7")
    assert json.loads(entry["detail"]) == {"name": "Brixton", "status": "24_7", "panel_id": panel}
    assert ">Brixton</option>" in login_as("icv").get("/visits/new").text


@pytest.mark.parametrize("name, message", [
    ("", "Enter the name of the custody suite"),
    ("   ", "Enter the name of the custody suite"),
    ("x" * 101, "The name must be 100 characters or fewer"),
    ("brixton", "There is already a suite with that name"),
])
def test_a_suite_with_no_name_or_a_taken_one_is_refused_and_nothing_changes(login_as, db, make_suite,
                                                                             name, message):
    make_suite("Brixton")
    before = db["suites"].count
    response = login_as("coordinator").post("/suites/new", data={"name": name, "status": "24_7",
                                                                 "panel": "none"})
    assert response.status_code == 400
    assert message in response.text
    assert 'id="name-error"' in response.text and 'href="#name"' in response.text  # next to it, and summed up
    assert db["suites"].count == before
    assert entries(db, "suite") == []


def test_renaming_moving_and_closing_a_suite_is_one_change_logged_with_before_and_after(
        login_as, db, make_suite, make_user, make_visit, panel):
    suite_id = make_suite("Brixton")
    other = db["panels"].insert({"name": "Southwark"}).last_pk
    db["panel_suites"].insert({"panel_id": panel, "suite_id": suite_id})
    visit_id = make_visit(make_user("icv"), suite_id=suite_id)
    coordinator = login_as("coordinator")
    page = coordinator.get(f"/suites/{suite_id}").text
    assert 'value="Brixton"' in page and f'<option selected value="{panel}">' in page
    response = coordinator.post(f"/suites/{suite_id}", data={
        "name": "Brixton (old)", "status": "closed", "panel": str(other)})
    assert response.status_code == 302
    suite = db["suites"].get(suite_id)
    assert (suite["name"], suite["status"], panel_of(db, suite_id)) == ("Brixton (old)", "closed", [other])
    [entry] = entries(db, "suite")
    assert entry["action"] == "update"
    assert json.loads(entry["detail"]) == {
        "before": {"name": "Brixton", "status": "24_7", "panel_id": panel},
        "after": {"name": "Brixton (old)", "status": "closed", "panel_id": other}}
    # Closed: off the visit form, but its report keeps it, by its name
    assert "Brixton" not in login_as("icv").get("/visits/new").text
    assert "Brixton (old)" in coordinator.get(f"/visits/{visit_id}").text
    assert "Closed" in coordinator.get("/suites/").text


@pytest.mark.parametrize("status", ["contingency", "24_7"])
def test_a_closed_suite_opened_again_is_back_on_the_form(login_as, db, make_suite, status):
    suite_id = make_suite("Belgravia", status="closed")
    response = login_as("admin").post(f"/suites/{suite_id}", data={"name": "Belgravia", "status": status,
                                                                   "panel": "none"})
    assert response.status_code == 302
    assert db["suites"].get(suite_id)["status"] == status
    assert ">Belgravia</option>" in login_as("icv").get("/visits/new").text


def test_renaming_a_suite_to_anothers_name_is_refused(login_as, db, make_suite):
    make_suite("Brixton")
    suite_id = make_suite("Walworth")
    response = login_as("coordinator").post(f"/suites/{suite_id}", data={
        "name": "BRIXTON", "status": "24_7", "panel": "none"})
    assert response.status_code == 400
    assert "There is already a suite with that name" in response.text
    assert 'value="BRIXTON"' in response.text  # what was typed comes back
    assert db["suites"].get(suite_id)["name"] == "Walworth"
    assert entries(db, "suite") == []


def test_saving_a_suite_unchanged_writes_nothing(login_as, db, make_suite):
    suite_id = make_suite("Brixton")
    response = login_as("coordinator").post(f"/suites/{suite_id}", data={
        "name": "Brixton", "status": "24_7", "panel": "none"}, follow_redirects=True)
    assert "Nothing changed for Brixton." in response.text
    assert entries(db, "suite") == []


def test_a_tampered_status_or_panel_is_refused(login_as, db, make_suite):
    suite_id = make_suite("Brixton")
    coordinator = login_as("coordinator")
    response = coordinator.post(f"/suites/{suite_id}", data={"name": "Brixton", "status": "open",
                                                             "panel": "999"})
    assert response.status_code == 400
    assert "Select the suite&#39;s status" in response.text
    assert "Select a panel, or no panel" in response.text
    assert db["suites"].get(suite_id)["status"] == "24_7"


def test_a_suite_form_with_an_expired_token_keeps_what_was_typed(app, login_as, db):
    app.config["WTF_CSRF_ENABLED"] = True
    response = login_as("coordinator").post("/suites/new", data={"name": "Heathrow", "status": "24_7",
                                                                 "panel": "none"})
    assert response.status_code == 400
    assert 'value="Heathrow"' in response.text and "This page had expired" in response.text
    assert db["suites"].count == 0


def test_panels_are_added_and_renamed_and_list_their_suites(login_as, db, make_suite):
    admin = login_as("admin")
    response = admin.post("/panels/new", data={"name": "Hackney"}, environ_base=ADDRESS)
    assert response.status_code == 302 and response.location == "/panels/"
    panel_id = next(db.query("SELECT id FROM panels WHERE name = 'Hackney'"))["id"]
    suite_id = make_suite("Stoke Newington")
    admin.post(f"/suites/{suite_id}", data={"name": "Stoke Newington", "status": "24_7",
                                            "panel": str(panel_id)})
    assert admin.post(f"/panels/{panel_id}", data={"name": "Hackney and City"}).status_code == 302
    assert db["panels"].get(panel_id)["name"] == "Hackney and City"
    listing = admin.get("/panels/").text
    assert "Hackney and City" in listing and "Stoke Newington" in listing
    created, renamed = entries(db, "panel")
    assert (created["action"], created["address"], json.loads(created["detail"])) == (
        "create", "203.0.113.7", {"name": "Hackney"})
    assert (renamed["action"], json.loads(renamed["detail"])) == (
        "update", {"before": {"name": "Hackney"}, "after": {"name": "Hackney and City"}})


@pytest.mark.parametrize("name, message", [("", "Enter the name of the panel"),
                                           ("lambeth", "There is already a panel with that name")])
def test_a_panel_with_no_name_or_a_taken_one_is_refused(login_as, db, panel, name, message):
    coordinator = login_as("coordinator")
    other = db["panels"].insert({"name": "Southwark"}).last_pk
    for path in ("/panels/new", f"/panels/{other}"):
        response = coordinator.post(path, data={"name": name})
        assert response.status_code == 400
        assert message in response.text
    assert [r["name"] for r in db.query("SELECT name FROM panels ORDER BY id")] == ["Lambeth", "Southwark"]
    assert entries(db, "panel") == []


@pytest.mark.parametrize("path", ["/suites/999", "/panels/999"])
def test_an_unknown_suite_or_panel_is_not_found(login_as, path):
    response = login_as("coordinator").get(path)
    assert response.status_code == 404
    assert "There is no" in response.text
