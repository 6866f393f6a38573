"""`flask load-demo`: demo data for development, loaded once, never in production configuration;
its reports pass the report form's checks."""
import json
import random
import shutil
import uuid

import pytest

from werkzeug.datastructures import MultiDict

from conftest import error_messages
from icv import create_app, demo
from icv.auth import User
from icv.db import connect, get_db, migrate
from icv.demo import LOGINS
from icv.forms import error_list, options
from icv.times import now_iso
from icv.visits import store
from icv.visits.forms import VisitForm
from icv.visits.views import partner_choices, suite_choices


def load_demo(app, runner):
    with app.app_context():  # as the `flask` command pushes one
        return runner.invoke(args=["load-demo"])


def counts(db):
    return {t: db[t].count for t in ("panels", "suites", "users", "visits", "detainee_entries",
                                     "flags", "escalations")}


def test_load_demo_loads_suites_accounts_visits_and_escalations(app, runner, db):
    """The demo holds 30 suites (24 round the clock), a login per role, visits and escalations,
    and prints the four demo sign-ins."""
    result = load_demo(app, runner)
    assert result.exit_code == 0, result.output
    assert "Loaded demo data: 30 suites, 440 visits." in result.output
    assert db["suites"].count == 30
    assert db["suites"].count_where("status = '24_7'") == 24
    assert db["suites"].count_where("status = 'contingency'") == 6
    for role, email, _, password in LOGINS:
        assert next(db["users"].rows_where("email = ?", [email]))["role"] == role
        assert email in result.output and password in result.output
    assert {r["role"] for r in db["users"].rows} == {"icv", "custody_team", "coordinator", "admin"}
    assert db["visits"].count == 440
    assert db["escalations"].count > 0
    assert db["flags"].count > 0
    latest = next(db.query("SELECT max(departed_at) AS t FROM visits"))["t"]
    assert latest <= now_iso(), "no demo visit ends in the future"


def test_demo_visitor_can_sign_in_and_see_their_reports(app, runner, client):
    """The printed ICV sign-in works and lands on reports the demo made for them."""
    load_demo(app, runner)
    _, email, _, password = LOGINS[0]
    response = client.post("/login", data={"email": email, "password": password},
                           follow_redirects=True)
    assert response.request.path == "/visits/"
    assert response.text.count('class="card"') >= 10  # Brixton and Walworth every week


def test_running_load_demo_again_adds_nothing(app, runner, db):
    """A second run leaves the database as it was, says so, and still prints the sign-ins."""
    load_demo(app, runner)
    before = counts(db)
    result = load_demo(app, runner)
    assert result.exit_code == 0, result.output
    assert "The database already has accounts, so no demo data was added." in result.output
    assert LOGINS[0][1] in result.output
    assert counts(db) == before


def test_load_demo_into_a_database_with_other_accounts_adds_nothing(app, runner, db, make_user):
    """A real database (it has accounts) never gets demo data, and no demo logins are printed."""
    make_user("admin")
    result = load_demo(app, runner)
    assert result.exit_code == 0
    assert "no demo data was added" in result.output
    assert "demo-visitor-pass" not in result.output
    assert db["suites"].count == 0


def test_load_demo_without_a_schema_says_to_migrate(tmp_path):
    """Before `flask migrate` the command explains what to run first."""
    app = create_app({"TESTING": True, "SECRET_KEY": "test",
                      "DATABASE": str(tmp_path / "empty.sqlite")})
    result = load_demo(app, app.test_cli_runner())
    assert result.exit_code == 1
    assert "The database has no schema yet: run `flask migrate` first." in result.output


def test_load_demo_refuses_in_production_configuration(tmp_path, monkeypatch):
    """Outside debug and testing the command refuses, says why, and loads nothing."""
    monkeypatch.delenv("FLASK_DEBUG", raising=False)
    path = str(tmp_path / "prod.sqlite")
    app = create_app({"TESTING": False, "SECRET_KEY": "x" * 40, "DATABASE": path})
    assert not app.debug and not app.testing
    with app.app_context():
        migrate(get_db())
    result = load_demo(app, app.test_cli_runner())
    assert result.exit_code == 1
    assert "Demo data loads only in development" in result.output
    assert "never loads in production configuration" in result.output
    db = connect(path)
    try:
        assert counts(db) == dict.fromkeys(counts(db), 0)
    finally:
        db.close()


def test_load_demo_runs_in_debug_mode(tmp_path, monkeypatch):
    """`flask --debug load-demo` (debug on, testing off) loads the demo."""
    monkeypatch.setenv("FLASK_DEBUG", "1")
    path = str(tmp_path / "dev.sqlite")
    app = create_app({"SECRET_KEY": "dev", "DATABASE": path})
    assert app.debug and not app.testing
    with app.app_context():
        migrate(get_db())
    result = load_demo(app, app.test_cli_runner())
    assert result.exit_code == 0, result.output
    assert "Loaded demo data" in result.output


# Demo reports are reports the form would accept ----------------------------------------------


def demo_form(db, visit_id):
    """The form's view of a stored demo report (as a correction would start), validated."""
    visit = store.get_visit(db, visit_id)
    fields = MultiDict(store.fields_for_visit(db, visit_id) + [
        ["client_id", str(uuid.uuid4())], ["correction_reason", "Checking the demo."]])
    form = VisitForm(formdata=fields, correcting=True, meta={"csrf": False})
    form.suite_id.choices = options([("", "")] + suite_choices(db))
    form.partner_id.choices = options([("", "")] + partner_choices(db, visit["created_by"]))
    return form, form.validate()


@pytest.fixture(scope="module")
def demo_database(migrated_database, tmp_path_factory):
    """A migrated database with the demo loaded (seed 2026, as `flask load-demo`), made once."""
    path = tmp_path_factory.mktemp("demo") / "icv.sqlite"
    shutil.copyfile(migrated_database, path)
    conn = connect(str(path))
    demo.load(conn, random.Random(2026))
    conn.close()
    return path


@pytest.fixture
def demo_db(app, demo_database):
    """The test's app on a copy of the demo database, and a connection to it. (List it before
    fixtures that open the database, such as login_as.)"""
    shutil.copyfile(demo_database, app.config["DATABASE"])
    conn = connect(app.config["DATABASE"])
    yield conn
    conn.close()


def test_every_demo_report_passes_the_forms_checks(app, demo_db):
    """Each of the 440 demo reports, read back as the form's fields, passes every field check
    and cross-check: demo data never shows a report the form would refuse."""
    db = demo_db
    assert db["visits"].count == 440
    refused = {}
    with app.test_request_context():
        for row in db.query("SELECT id FROM visits ORDER BY id"):
            form, valid = demo_form(db, row["id"])
            if not valid:
                refused[row["id"]] = error_list(form)
    assert refused == {}


def test_demo_reports_can_be_corrected_through_the_form(demo_db, login_as):
    """For demo reports with flags, a child, a lone visitor, a long wait, an issue or a facility
    concern, the author's 'Correct this report' then 'Continue to check your answers' reaches
    the check page."""
    db = demo_db
    picks = {
        "flags": "SELECT d.visit_id FROM flags f "
                 "JOIN detainee_entries d ON d.id = f.detainee_entry_id",
        "child": "SELECT visit_id FROM detainee_entries WHERE age_band IN ('14-15', '16-17')",
        "alone": "SELECT id FROM visits WHERE partner_id IS NULL",
        "delayed": "SELECT id FROM visits WHERE admission_delay_reason != ''",
        "issue": "SELECT visit_id FROM visit_issues",
        "concern": "SELECT visit_id FROM facility_checks WHERE status = 'concern'",
    }
    chosen = {name: db.execute(sql + " LIMIT 1").fetchone()[0] for name, sql in picks.items()}
    for name, visit_id in chosen.items():
        author = User(db["users"].get(db["visits"].get(visit_id)["created_by"]))
        client = login_as(author)
        start = client.post(f"/visits/{visit_id}/correct")
        assert start.status_code == 302, name
        client_id = start.location.rsplit("/", 1)[1]
        draft = next(db["drafts"].rows_where("client_id = ?", [client_id]))
        fields = dict(json.loads(draft["fields"]))
        response = client.post(start.location, data={**fields, "correction_reason": "Checking.",
                                                     "action": "check"})
        assert response.status_code == 302, (name, error_messages(response))
        assert response.location == f"/visits/drafts/{client_id}/check"
        assert client.get(response.location).status_code == 200
