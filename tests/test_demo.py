"""`flask load-demo`: demo data for development, loaded once, never in production configuration."""
from icv import create_app
from icv.db import connect, get_db, migrate
from icv.demo import LOGINS
from icv.times import now_iso


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
    assert "Loaded demo data: 30 suites, 120 visits." in result.output
    assert db["suites"].count == 30
    assert db["suites"].count_where("status = '24_7'") == 24
    assert db["suites"].count_where("status = 'contingency'") == 6
    for role, email, _, password in LOGINS:
        assert next(db["users"].rows_where("email = ?", [email]))["role"] == role
        assert email in result.output and password in result.output
    assert {r["role"] for r in db["users"].rows} == {"icv", "custody_team", "coordinator", "admin"}
    assert db["visits"].count == 120
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
