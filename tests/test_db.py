"""The schema, as the migrations build it, and the connection settings every request gets."""
import sqlite3

import pytest

from icv import create_app
from icv.db import connect, migrate

MIGRATIONS = ["m001_wal", "m002_reference_data", "m003_users", "m004_visits", "m005_escalations"]

# A snapshot of the schema (simonw/llm's test_migrate idea): a change to a migration, or a new
# one, must update this on purpose.
SCHEMA = {
    "panels": {"id": int, "name": str, "bcu": str, "active": int, "created_at": str},
    "suites": {"id": int, "name": str, "agency": str, "status": str, "bcu": str,
               "cell_count": int, "created_at": str},
    "panel_suites": {"panel_id": int, "suite_id": int},
    "users": {"id": int, "email": str, "display_name": str, "password_hash": str, "role": str,
              "panel_id": int, "active": int, "created_at": str, "updated_at": str},
    "visits": {"id": int, "client_id": str, "suite_id": int, "created_by": int, "partner_id": int,
               "arrived_at": str, "departed_at": str, "in_custody": int, "spoke_with": int,
               "status": str, "submitted_at": str, "created_at": str, "updated_at": str},
    "detainee_entries": {"id": int, "visit_id": int, "position": int, "custody_record_no": str,
                         "age_band": str, "gender": str, "ethnicity": str},
    "flags": {"id": int, "detainee_entry_id": int, "kind": str, "answers": str},
    "escalations": {"id": int, "visit_id": int, "detainee_entry_id": int, "rule_id": str,
                    "title": str, "priority": str, "priority_rank": int, "status": str,
                    "assigned_to": int, "version": int, "created_at": str, "updated_at": str,
                    "closed_at": str},
}

NAMED_INDEXES = {
    "panel_suites": {"panel_suites_suite"},
    "users": {"users_role"},
    "visits": {"visits_arrived", "visits_created_by", "visits_partner", "visits_suite"},
    "flags": {"flags_kind"},
    "escalations": {"escalations_finding_rule", "escalations_queue", "escalations_status",
                    "escalations_assigned"},
}


@pytest.fixture
def blank(tmp_path):
    """A connection to a database file with no schema yet."""
    db = connect(str(tmp_path / "blank.sqlite"))
    yield db
    db.close()


def test_migrations_on_a_blank_database_build_the_expected_schema(blank):
    """Every migration applies, in order, and the tables and columns are exactly the snapshot."""
    assert migrate(blank) == MIGRATIONS
    tables = {t.name: t.columns_dict for t in blank.tables if t.name != "_sqlite_migrations"}
    assert tables == SCHEMA


def test_migrations_create_the_named_indexes(blank):
    """The indexes the queue, reports and summaries rely on exist, with these names."""
    migrate(blank)
    for table, names in NAMED_INDEXES.items():
        found = {i.name for i in blank[table].indexes if not i.name.startswith("sqlite_autoindex")}
        assert found == names, table
    for table in SCHEMA.keys() - NAMED_INDEXES.keys():
        assert not [i.name for i in blank[table].indexes
                    if not i.name.startswith("sqlite_autoindex")], table


def test_migrating_again_changes_nothing(blank):
    """A second migrate() applies nothing and leaves the schema as it was."""
    migrate(blank)
    before = blank.execute("SELECT type, name, sql FROM sqlite_master ORDER BY name").fetchall()
    assert migrate(blank) == []
    after = blank.execute("SELECT type, name, sql FROM sqlite_master ORDER BY name").fetchall()
    assert after == before


def test_file_database_uses_wal_journal_mode(blank, tmp_path):
    """The WAL migration sticks: a new connection to the file is in WAL mode."""
    migrate(blank)
    other = connect(str(tmp_path / "blank.sqlite"))
    try:
        assert other.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    finally:
        other.close()


def test_connections_have_foreign_keys_on_and_a_busy_timeout(db):
    """Every connection turns foreign keys on and waits 5 s for a lock."""
    assert db.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert db.execute("PRAGMA busy_timeout").fetchone()[0] == 5000


def test_a_dangling_foreign_key_is_refused(db, make_suite):
    """A visit by a user who does not exist cannot be saved."""
    with pytest.raises(sqlite3.IntegrityError):
        db["visits"].insert({"client_id": "c1", "suite_id": make_suite(), "created_by": 9999,
                             "arrived_at": "2026-11-20T10:00:00Z",
                             "departed_at": "2026-11-20T11:00:00Z",
                             "in_custody": 1, "spoke_with": 0})
    assert db["visits"].count == 0


def test_schema_refuses_spoke_with_more_than_in_custody(db, make_suite, make_user):
    """The database itself refuses a visit that spoke with more detainees than were in custody."""
    user = make_user()
    with pytest.raises(sqlite3.IntegrityError):
        db["visits"].insert({"client_id": "c2", "suite_id": make_suite(), "created_by": user.id,
                             "arrived_at": "2026-11-20T10:00:00Z",
                             "departed_at": "2026-11-20T11:00:00Z",
                             "in_custody": 1, "spoke_with": 2})


def test_flask_migrate_applies_pending_migrations_then_says_up_to_date(tmp_path):
    """`flask migrate` lists what it applied; run again it says the schema is up to date."""
    app = create_app({"TESTING": True, "SECRET_KEY": "test",
                      "DATABASE": str(tmp_path / "cli.sqlite")})
    runner = app.test_cli_runner()
    with app.app_context():  # as the `flask` command pushes one
        first = runner.invoke(args=["migrate"])
    assert first.exit_code == 0, first.output
    assert first.output == "Applied migrations: " + ", ".join(MIGRATIONS) + "\n"
    with app.app_context():
        second = runner.invoke(args=["migrate"])
    assert second.exit_code == 0, second.output
    assert second.output == "Database schema is up to date.\n"
