"""The schema, as the migrations build it, and the connection settings every request gets."""
import json
import re
import sqlite3

import pytest

from icv import create_app
from icv.db import connect, migrate
from icv.migrations import migrations
from icv.visits import store

MIGRATIONS = ["m001_wal", "m002_reference_data", "m003_users", "m004_visits", "m005_escalations",
              "m006_full_visit_report", "m007_escalation_workflow", "m008_custody_record_reviews",
              "m009_escalations_entry_index", "m010_escalations_review_foreign_key",
              "m011_one_drafts_table", "m012_sessions", "m013_sign_in_throttle", "m014_two_factor",
              "m015_accounts", "m016_audit_search", "m017_summary_indexes",
              "m018_monthly_escalations", "m019_audit_chain", "m020_retention"]

# A snapshot of the schema (simonw/llm's test_migrate idea): a change to a migration, or a new
# one, must update this on purpose.
SCHEMA = {
    "panels": {"id": int, "name": str, "bcu": str, "active": int, "created_at": str},
    "suites": {"id": int, "name": str, "agency": str, "status": str, "bcu": str,
               "cell_count": int, "created_at": str},
    "panel_suites": {"panel_id": int, "suite_id": int},
    "users": {"id": int, "email": str, "display_name": str, "password_hash": str, "role": str,
              "active": int, "created_at": str, "updated_at": str,
              "crr_trained": int, "vetting_expires_on": str, "invited_at": str, "invited_by": int,
              "password_set_at": str, "deactivated_at": str, "anonymised_at": str},
    # Accounts (issue 10)
    "user_panels": {"user_id": int, "panel_id": int},
    "account_links": {"id": int, "user_id": int, "purpose": str, "token_hash": str,
                      "created_by": int, "created_at": str, "expires_at": str, "used_at": str,
                      "revoked_at": str},
    "visits": {"id": int, "client_id": str, "suite_id": int, "created_by": int, "partner_id": int,
               "arrived_at": str, "departed_at": str, "in_custody": int, "spoke_with": int,
               "status": str, "submitted_at": str, "created_at": str, "updated_at": str,
               "visit_type": str, "admitted_at": str, "admission_delay_reason": str,
               "single_visitor_reason": str, "custody_officer": str, "counts": str,
               "good_practice": str, "general_comments": str, "version": int,
               "numbers_removed_at": str, "text_removed_at": str},
    "detainee_entries": {"id": int, "visit_id": int, "entry_key": str, "position": int,
                         "custody_record_no": str, "age_band": str, "appears_under_18": str,
                         "gender": str, "ethnicity": str, "consent": str, "checks": str,
                         "removed_at": str},
    "flags": {"id": int, "detainee_entry_id": int, "kind": str, "answers": str},
    "escalations": {"id": int, "source": str, "visit_id": int, "detainee_entry_id": int,
                    "review_id": int, "suite_id": int, "raised_by": int, "rule_id": str,
                    "title": str, "detail": str, "base_priority": str, "priority": str,
                    "priority_rank": int, "reasons": str, "status": str, "assigned_to": int,
                    "due_on": str, "police_response": str, "outcome_note": str,
                    "closed_reason": str, "still_raised": int, "version": int,
                    "created_at": str, "updated_at": str, "closed_at": str,
                    "period": str, "monthly_key": str},
    "monthly_rule_runs": {"month": str, "run_at": str, "raised": int},
    "escalation_events": {"id": int, "escalation_id": int, "user_id": int, "kind": str,
                          "from_value": str, "to_value": str, "body": str, "internal": int,
                          "created_at": str},
    "audit_log": {"id": int, "at": str, "user_id": int, "action": str, "object_type": str,
                  "object_id": int, "detail": str, "address": str, "prev_hash": str, "hash": str},
    # Tamper evidence (issue 13): where the chain goes on from after a purge
    "audit_checkpoints": {"id": int, "at": str, "cutoff": str, "last_id": int, "last_at": str,
                          "last_hash": str, "removed": int},
    "facility_checks": {"visit_id": int, "item": str, "status": str, "note": str},
    "visit_issues": {"id": int, "visit_id": int, "position": int, "category": str,
                     "description": str, "raised_with": str, "resolved_at_visit": str},
    "drafts": {"id": int, "client_id": str, "user_id": int, "visit_id": int, "fields": str,
               "revision": int, "created_at": str, "updated_at": str, "kind": str, "review_id": int,
               "updated_by": int, "saved_from": str, "expiry_warned_at": str},
    "visit_versions": {"id": int, "visit_id": int, "version": int, "fields": str, "snapshot": str,
                       "reason": str, "created_by": int, "created_at": str},
    # Custody record reviews (issue 5)
    "review_batches": {"id": int, "suite_id": int, "session_date": str, "note": str,
                       "created_by": int, "created_at": str, "refs_removed_at": str},
    "review_records": {"id": int, "batch_id": int, "record_ref": str, "sample_reason": str,
                       "created_at": str},
    "review_assignments": {"record_id": int, "user_id": int, "assigned_by": int, "assigned_at": str},
    "custody_record_reviews": {
        "id": int, "client_id": str, "record_id": int, "suite_id": int, "session_date": str,
        "status": str, "age_band": str, "gender": str, "ethnicity": str, "ic_code": str,
        "vulnerability": str, "disposal": str, "arrived_at": str, "timeline": str,
        "detention_reviews": str, "annex_b_delay": str, "derived": str, "care_checks": str,
        "flags": str, "record_quality": str, "overall_grade": str, "comments": str, "version": int,
        "created_by": int, "submitted_by": int, "created_at": str, "updated_at": str,
        "submitted_at": str, "text_removed_at": str},
    # Sessions and sign-in throttling (issue 10)
    "sessions": {"id": int, "token_hash": str, "user_id": int, "device": str, "address": str,
                 "started_at": str, "last_seen_at": str, "expires_at": str, "ended_at": str,
                 "ended_reason": str},
    "sign_in_throttle": {"kind": str, "key": str, "user_id": int, "failures": int,
                         "last_failed_at": str, "locked_until": str},
    # Two-factor sign-in (issue 10)
    "two_factor": {"user_id": int, "secret": str, "created_at": str, "enrolled_at": str,
                   "last_step": int},
    "recovery_codes": {"id": int, "user_id": int, "code_hash": str, "created_at": str,
                       "used_at": str},
}

NAMED_INDEXES = {
    "panel_suites": {"panel_suites_suite"},
    "users": {"users_role"},
    "user_panels": {"user_panels_panel"},
    "account_links": {"account_links_user"},
    "visits": {"visits_arrived", "visits_created_by", "visits_partner", "visits_suite"},
    "detainee_entries": {"detainee_entries_visit"},
    "flags": {"flags_kind"},
    "escalations": {"escalations_finding_rule", "escalations_visit", "escalations_review",
                    "escalations_queue", "escalations_unassigned", "escalations_due",
                    "escalations_assigned", "escalations_status", "escalations_suite",
                    "escalations_rule", "escalations_created", "escalations_raised_by",
                    "escalations_entry", "escalations_closed", "escalations_period"},
    "escalation_events": {"escalation_events_escalation"},
    "audit_log": {"audit_log_object", "audit_log_user", "audit_log_at", "audit_log_action",
                  "audit_log_type", "audit_log_chain"},
    "visit_issues": {"visit_issues_visit"},
    "drafts": {"drafts_user", "drafts_review"},
    "review_batches": {"review_batches_suite", "review_batches_date"},
    "review_assignments": {"review_assignments_user"},
    "custody_record_reviews": {"custody_record_reviews_suite", "custody_record_reviews_status",
                               "custody_record_reviews_arrived", "custody_record_reviews_session"},
    "sessions": {"sessions_user"},
    "sign_in_throttle": {"sign_in_throttle_locked"},
    "recovery_codes": {"recovery_codes_user"},
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


# m006: the full visit report, on a database that already holds reports --------------------


def m005_database(db):
    """A database at m005 holding a report: two entries (ids 7 and 9, say), a strip search flag
    on the second with its escalation, and a visit-level escalation."""
    migrations.apply(db, stop_before="m006_full_visit_report")
    assert "entry_key" not in db["detainee_entries"].columns_dict
    db.executescript("""
    INSERT INTO suites (id, name) VALUES (3, 'Brixton');
    INSERT INTO users (id, email, display_name, password_hash, role)
      VALUES (5, 'a@example.org', 'Alex Morgan', 'x', 'icv');
    INSERT INTO visits (id, client_id, suite_id, created_by, arrived_at, departed_at, in_custody,
      spoke_with, submitted_at)
      VALUES (4, 'c-4', 3, 5, '2026-11-20T10:00:00Z', '2026-11-20T11:00:00Z', 8, 3,
              '2026-11-20T11:05:00Z');
    INSERT INTO detainee_entries (id, visit_id, position, custody_record_no, age_band, gender,
      ethnicity) VALUES (7, 4, 0, '01BX/11111/26', '25-34', 'male', 'not_stated'),
                        (9, 4, 1, '01BX/22222/26', '16-17', 'female', 'black_african');
    INSERT INTO flags (id, detainee_entry_id, kind, answers)
      VALUES (12, 9, 'strip_search', '{"searcher_same_sex": "no"}');
    INSERT INTO escalations (id, visit_id, detainee_entry_id, rule_id, title, priority,
      priority_rank) VALUES (20, 4, 9, 'SS2', 'Strip search by an officer not of the same sex',
                             'critical', 0),
                            (21, 4, NULL, 'AC4', 'Visit made by a single visitor', 'low', 3);
    """)


def test_m006_keeps_reports_ids_and_links_and_gives_entries_keys(blank):
    """Migrating a database with reports to m006 keeps every row and id, keeps flags and
    escalations pointing at the same entries, gives each entry its own 32-hex key, fills the new
    columns with their defaults and leaves foreign keys on and intact."""
    m005_database(blank)
    before = {t: list(blank[t].rows) for t in ("visits", "detainee_entries", "flags",
                                               "escalations")}
    assert migrations.apply(blank, stop_before="m007_escalation_workflow") is None

    visit = next(blank["visits"].rows)
    assert {k: visit[k] for k in before["visits"][0]} == before["visits"][0]
    assert (visit["visit_type"], visit["version"], visit["counts"], visit["admitted_at"],
            visit["custody_officer"]) == ("routine", 1, "{}", None, "")
    entries = list(blank.query("SELECT * FROM detainee_entries ORDER BY id"))
    assert [{k: e[k] for k in before["detainee_entries"][0]} for e in entries] == \
        before["detainee_entries"]
    keys = [e["entry_key"] for e in entries]
    assert all(re.fullmatch(r"[0-9a-f]{32}", k) for k in keys) and len(set(keys)) == 2
    assert [(e["checks"], e["consent"], e["removed_at"]) for e in entries] == [("{}", None, None)] * 2
    assert list(blank["flags"].rows) == before["flags"]
    assert list(blank["escalations"].rows) == before["escalations"]

    assert blank.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert blank.execute("PRAGMA foreign_key_check").fetchall() == []
    assert {fk.other_table for fk in blank["flags"].foreign_keys} == {"detainee_entries"}
    with pytest.raises(sqlite3.IntegrityError):  # flags still point at real entries
        blank["flags"].insert({"detainee_entry_id": 999, "kind": "child"})


def test_m006_lets_a_correction_reorder_and_reuse_custody_record_numbers(blank):
    """The rebuilt detainee_entries allows two entries at one position or with one custody record
    number in a visit (a corrected report reorders, or removes and re-enters), but not two entries
    with the same key."""
    m005_database(blank)
    migrate(blank)
    blank["detainee_entries"].insert({"visit_id": 4, "entry_key": "a" * 32, "position": 0,
                                      "custody_record_no": "01BX/11111/26", "age_band": "25-34",
                                      "gender": "male", "ethnicity": "not_stated"})
    with pytest.raises(sqlite3.IntegrityError):
        blank["detainee_entries"].insert({"visit_id": 4, "entry_key": "a" * 32, "position": 5,
                                          "custody_record_no": "01BX/33333/26",
                                          "age_band": "25-34", "gender": "male",
                                          "ethnicity": "not_stated"})


def test_a_migrated_report_reads_back_and_can_be_corrected(blank):
    """A report made before m006 reads back with its entries and flags, and gives the fields a
    correction starts from (no fields were kept for it)."""
    m005_database(blank)
    migrate(blank)
    visit = store.get_visit(blank, 4)
    assert (visit["suite_name"], visit["created_by_name"], visit["counts"]) == (
        "Brixton", "Alex Morgan", {})
    entries = store.entries_for(blank, 4)
    assert [(e["id"], e["flags"]) for e in entries] == [
        (7, {}), (9, {"strip_search": {"searcher_same_sex": "no"}})]
    fields = dict(store.fields_for_visit(blank, 4))
    assert (fields["in_custody"], fields["outcomes-spoke_with"], fields["admitted_time"]) == (
        "8", "3", "10:00")
    assert fields["detainees-1-entry_key"] == entries[1]["entry_key"]
    assert fields["detainees-1-strip_search"] == "yes"


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


def test_a_write_waits_for_another_writer_instead_of_failing(tmp_path):
    """Two people submitting at once: the second waits for the first, never "database is locked"."""
    import threading
    import time

    from icv.db import writing

    path = tmp_path / "two.sqlite"
    first = connect(path)
    migrate(first)
    first.execute("CREATE TABLE t (n INTEGER)")
    done = []

    def later():
        second = connect(path)  # a connection belongs to its thread
        with writing(second):
            second.execute("INSERT INTO t VALUES (2)")
        done.append(True)

    with writing(first):
        first.execute("INSERT INTO t VALUES (1)")
        thread = threading.Thread(target=later)
        thread.start()
        # time.sleep, not join(0.3): a timed wait on a condition misbehaves under libfaketime,
        # which the suite must survive (it is run under faked clocks).
        time.sleep(0.3)
        assert not done  # waiting on the lock, not failed
    thread.join()
    assert done
    assert [r["n"] for r in first.query("SELECT n FROM t ORDER BY n")] == [1, 2]


def test_a_failed_write_leaves_nothing_behind(db):
    from icv.db import writing

    db.execute("CREATE TABLE t (n INTEGER)")
    with pytest.raises(ZeroDivisionError):
        with writing(db):
            db.execute("INSERT INTO t VALUES (1)")
            1 / 0
    assert db.execute("SELECT count(*) FROM t").fetchone()[0] == 0
    assert not db.conn.in_transaction


# m007: the escalation workflow and the audit log -------------------------------------------


def test_m007_keeps_every_escalation_and_fills_source_suite_and_raiser(blank):
    m005_database(blank)
    migrate(blank)
    rows = {r["id"]: r for r in blank.query("SELECT * FROM escalations")}
    assert set(rows) == {20, 21}
    assert (rows[20]["source"], rows[20]["detainee_entry_id"], rows[20]["suite_id"],
            rows[20]["raised_by"], rows[20]["base_priority"], rows[20]["priority"],
            rows[20]["status"], rows[20]["still_raised"]) == \
        ("detainee", 9, 3, 5, "critical", "critical", "new", 1)
    assert (rows[21]["source"], rows[21]["detainee_entry_id"], rows[21]["priority_rank"]) == \
        ("visit", None, 3)
    assert blank.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert blank.execute("PRAGMA foreign_key_check").fetchall() == []


def m009_database(db):
    """A database as it stood before m010, with an escalation of each source (a visit, a
    detainee entry and a custody record review), an event, and a trigger on escalations."""
    migrations.apply(db, stop_before="m010_escalations_review_foreign_key")
    db.executescript("""
    INSERT INTO suites (id, name) VALUES (3, 'Brixton');
    INSERT INTO users (id, email, display_name, password_hash, role)
      VALUES (5, 'v@example.org', 'V', 'x', 'icv');
    INSERT INTO visits (id, client_id, suite_id, created_by, arrived_at, departed_at, in_custody,
      spoke_with) VALUES (7, 'c7', 3, 5, '2026-11-01T10:00:00Z', '2026-11-01T11:00:00Z', 2, 1);
    INSERT INTO detainee_entries (id, visit_id, entry_key, position, custody_record_no, age_band,
      gender, ethnicity) VALUES (9, 7, 'k9', 0, '01BX/00009/26', '16-17', 'male', 'not_stated');
    INSERT INTO review_batches (id, suite_id, session_date, created_by) VALUES (1, 3, '2026-11-02', 5);
    INSERT INTO review_records (id, batch_id, record_ref, sample_reason) VALUES (1, 1, 'R1', 'child');
    INSERT INTO custody_record_reviews (id, client_id, record_id, suite_id, session_date)
      VALUES (4, 'r4', 1, 3, '2026-11-02');
    INSERT INTO escalations (id, source, visit_id, detainee_entry_id, review_id, suite_id, rule_id,
      title, base_priority, priority, priority_rank, due_on) VALUES
      (20, 'detainee', 7, 9, NULL, 3, 'SS1', 'A', 'critical', 'critical', 0, '2026-11-01'),
      (21, 'visit', 7, NULL, NULL, 3, 'AC1', 'B', 'low', 'low', 3, NULL),
      (22, 'review', NULL, NULL, 4, 3, 'DT2', 'C', 'high', 'high', 1, '2026-11-09');
    INSERT INTO escalation_events (escalation_id, kind, to_value) VALUES (22, 'raised', 'high');
    CREATE TRIGGER escalations_keep_rule BEFORE UPDATE OF rule_id ON escalations
      BEGIN SELECT RAISE(ABORT, 'a finding keeps its rule'); END;
    """)


def test_m010_keeps_every_escalation_index_and_trigger(blank):
    m009_database(blank)
    before = [tuple(r) for r in blank.execute("SELECT * FROM escalations ORDER BY id").fetchall()]
    indexes = {i.name for i in blank["escalations"].indexes}
    assert migrate(blank) == MIGRATIONS[MIGRATIONS.index("m010_escalations_review_foreign_key"):]
    # m018 adds two columns (NULL for these) at the end
    assert [tuple(r)[:-2] for r in blank.execute("SELECT * FROM escalations ORDER BY id").fetchall()] == before
    # m017 and m018 add the summaries' and the monthly rules' indexes
    assert {i.name for i in blank["escalations"].indexes} == indexes | {"escalations_closed",
                                                                       "escalations_period"}
    assert blank["escalation_events"].count == 1
    with pytest.raises(sqlite3.IntegrityError, match="keeps its rule"):
        blank.execute("UPDATE escalations SET rule_id = 'SS2' WHERE id = 20")
    assert blank.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert blank.execute("PRAGMA foreign_key_check").fetchall() == []


def test_an_escalation_cannot_name_a_review_that_does_not_exist(db, make_suite):
    """escalations.review_id refers to custody_record_reviews (m010)."""
    with pytest.raises(sqlite3.IntegrityError, match="FOREIGN KEY"):
        db["escalations"].insert({
            "source": "review", "review_id": 999, "suite_id": make_suite(), "rule_id": "DT2",
            "title": "Detention review late", "base_priority": "high", "priority": "high",
            "priority_rank": 1})
    assert db["escalations"].count == 0


def test_m018_keeps_every_escalation_event_index_and_trigger(blank):
    """Rebuilding escalations for the monthly rules copies every row and event exactly, makes
    every index and trigger again (the finding's unique index with the month), and leaves
    foreign keys on and whole."""
    m009_database(blank)
    migrations.apply(blank, stop_before="m018_monthly_escalations")
    before = [tuple(r) for r in blank.execute("SELECT * FROM escalations ORDER BY id").fetchall()]
    events = [tuple(r) for r in blank.execute("SELECT * FROM escalation_events").fetchall()]
    indexes = {i.name for i in blank["escalations"].indexes}
    assert migrate(blank)[0] == "m018_monthly_escalations"  # and any after it
    after = [tuple(r) for r in blank.execute("SELECT * FROM escalations ORDER BY id").fetchall()]
    assert [r[:-2] for r in after] == before and {r[-2:] for r in after} == {(None, None)}
    assert [tuple(r) for r in blank.execute("SELECT * FROM escalation_events").fetchall()] == events
    assert {i.name for i in blank["escalations"].indexes} == indexes | {"escalations_period"}
    with pytest.raises(sqlite3.IntegrityError, match="keeps its rule"):
        blank.execute("UPDATE escalations SET rule_id = 'SS2' WHERE id = 20")
    assert blank.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert blank.execute("PRAGMA foreign_key_check").fetchall() == []


MONTHLY = {"source": "monthly", "rule_id": "AG1", "title": "T", "base_priority": "high",
           "priority": "high", "priority_rank": 1, "period": "2026-10", "monthly_key": "strip_search"}


def test_a_monthly_escalation_has_a_month_and_no_report_and_is_raised_once(db, make_suite):
    """A monthly escalation names its month and key, may have no suite (London), never a visit;
    the same rule, month and key cannot be raised twice; only monthly ones may lack a suite."""
    db["escalations"].insert(MONTHLY)
    with pytest.raises(sqlite3.IntegrityError, match="UNIQUE"):
        db["escalations"].insert(MONTHLY)
    db["escalations"].insert({**MONTHLY, "period": "2026-11"})
    db["escalations"].insert({**MONTHLY, "monthly_key": "use_of_force"})
    for wrong in ({"period": None}, {"monthly_key": None}, {"period": "October"},
                  {"source": "visit", "visit_id": None}):
        with pytest.raises(sqlite3.IntegrityError, match="CHECK"):
            db["escalations"].insert({**MONTHLY, **wrong})
    assert db["escalations"].count == 3


def test_the_audit_log_refuses_changes_and_deletions(db):
    from icv import audit

    audit.log(db, None, "view", "visit", 1, reason="test")
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        db.execute("UPDATE audit_log SET action = 'edit'")
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        db.execute("DELETE FROM audit_log")
    [entry] = audit.entries_for(db, "visit", 1)
    assert (entry["action"], entry["detail"]) == ("view", '{"reason": "test"}')


def test_m011_moves_review_drafts_into_the_one_drafts_table(blank):
    """A reviewer's half-typed review survives the upgrade: its draft moves to `drafts` as a
    review draft, under its review's client id, with its revision and who saved it last; a
    visit draft stays a visit draft of its owner."""
    migrations.apply(blank, stop_before="m011_one_drafts_table")
    blank.executescript("""
    INSERT INTO suites (id, name) VALUES (3, 'Brixton');
    INSERT INTO users (id, email, display_name, password_hash, role) VALUES
      (5, 'v@example.org', 'V', 'x', 'icv'), (6, 'w@example.org', 'W', 'x', 'icv');
    INSERT INTO review_batches (id, suite_id, session_date, created_by) VALUES (1, 3, '2026-11-02', 5);
    INSERT INTO review_records (id, batch_id, record_ref, sample_reason) VALUES (1, 1, 'R1', 'child');
    INSERT INTO custody_record_reviews (id, client_id, record_id, suite_id, session_date)
      VALUES (4, 'r4', 1, 3, '2026-11-02');
    INSERT INTO review_drafts (review_id, fields, revision, updated_by, created_at, updated_at)
      VALUES (4, '[["comments", "Half typed"]]', 3, 6, '2026-11-02T10:00:00Z', '2026-11-02T10:20:00Z');
    INSERT INTO drafts (client_id, user_id, fields, created_at, updated_at)
      VALUES ('v1', 5, '[["suite_id", "3"]]', '2026-11-02T09:00:00Z', '2026-11-02T09:00:00Z');
    """)
    assert migrate(blank) == MIGRATIONS[MIGRATIONS.index("m011_one_drafts_table"):]
    rows = {r["client_id"]: r for r in blank.query("SELECT * FROM drafts")}
    review = rows["r4"]
    assert (review["kind"], review["review_id"], review["revision"], review["updated_by"]) == ("review", 4, 3, 6)
    assert json.loads(review["fields"]) == [["comments", "Half typed"]]
    assert (rows["v1"]["kind"], rows["v1"]["user_id"], rows["v1"]["updated_by"]) == ("visit", 5, 5)
    assert "review_drafts" not in blank.table_names()
    assert blank.execute("PRAGMA foreign_key_check").fetchall() == []
