"""`flask backup PATH` (icv/backup.py): a copy taken while the app writes is whole and checked,
restores as the app's database with every report readable, and a backup that cannot be made
says why, exits non-zero and leaves PATH as it was."""
import sqlite3
import threading
from contextlib import closing

import pytest

from conftest import draft_url
from icv import backup, create_app
from icv.accounts.testing import SignedInClient
from icv.db import connect


@pytest.fixture
def submitted(login_as, report_form, db):
    """(icv, visit id, their words): a report submitted through the form before the backup."""
    icv = login_as("icv")
    data = report_form(good_practice="Cells spotless; the sergeant knew every detainee's needs.")
    assert icv.post(draft_url(data), data=data).status_code == 302
    visit_id = next(db["visits"].rows)["id"]
    return icv, visit_id, data["good_practice"]


def suites(path):
    with closing(connect(path)) as db:
        return db["suites"].count


def restored_app(app, path):
    """The app run on the database at `path` (a restored backup), as in production it would be
    with DATABASE (FLASK_DATABASE) pointing at it."""
    restored = create_app({**{k: app.config[k] for k in (
        "TESTING", "SECRET_KEY", "WTF_CSRF_ENABLED", "TWO_FACTOR_REQUIRED")}, "DATABASE": str(path)})
    restored.test_client_class = SignedInClient
    return restored


def test_a_backup_taken_while_another_connection_writes_restores_and_reads(
        app, runner, submitted, tmp_path, monkeypatch):
    """A few pages a step, so the copy is still going while a second connection adds suites as
    fast as it can: the command says the copy is checked, the copy is one consistent moment
    (its suites between the counts before and after), and the app run on it shows the report."""
    icv, visit_id, words = submitted
    monkeypatch.setattr(backup, "PAGES_PER_STEP", 2)
    writes, stop = [], threading.Event()
    before = suites(app.config["DATABASE"])

    def writer():
        with closing(sqlite3.connect(app.config["DATABASE"], isolation_level=None)) as other:
            while not stop.is_set():
                other.execute("INSERT INTO suites (name, status, created_at) VALUES (?, '24_7', ?)",
                              (f"Written during the backup {len(writes)}", "2026-01-01T00:00:00Z"))
                writes.append(1)
    thread = threading.Thread(target=writer)
    thread.start()
    try:
        while not writes:  # the writer is going before the backup starts
            pass
        result = runner.invoke(args=["backup", str(tmp_path / "daily.sqlite")])
    finally:
        stop.set()
        thread.join()
    assert result.exit_code == 0, result.output
    assert "integrity check ok" in result.output and "visits 1" in result.output
    assert sorted(p.name for p in tmp_path.glob("daily.sqlite*")) == ["daily.sqlite"]

    with closing(sqlite3.connect(tmp_path / "daily.sqlite")) as copy:
        assert copy.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        copied = copy.execute("SELECT count(*) FROM suites").fetchone()[0]
    after = suites(app.config["DATABASE"])
    assert len(writes) > 1 and before <= copied <= after

    restored = restored_app(app, tmp_path / "daily.sqlite")
    page = restored.test_client(user=icv.user).get(f"/visits/{visit_id}")
    assert page.status_code == 200
    assert words.replace("'", "&#39;") in page.text


def test_the_backup_of_a_quiet_database_prints_its_size_and_counts(runner, submitted, tmp_path):
    result = runner.invoke(args=["backup", str(tmp_path / "icv-backup.sqlite")])
    assert result.exit_code == 0, result.output
    size = (tmp_path / "icv-backup.sqlite").stat().st_size
    assert f"{backup.size_in_words(size)}, integrity check ok" in result.output
    assert "users 1, suites 1, visits 1, detainee entries 1" in result.output


@pytest.fixture
def old_backup(tmp_path):
    """Yesterday's backup at PATH: a failed backup must leave it exactly as it was."""
    path = tmp_path / "icv-backup.sqlite"
    path.write_bytes(b"yesterday's backup")
    return path


def assert_untouched(path):
    assert path.read_bytes() == b"yesterday's backup"
    assert sorted(p.name for p in path.parent.iterdir() if p.name.startswith((".", path.name))) == [path.name]


def test_a_missing_folder_is_named(runner, tmp_path):
    result = runner.invoke(args=["backup", str(tmp_path / "no-such-folder" / "icv.sqlite")])
    assert result.exit_code != 0
    assert f"The folder {tmp_path / 'no-such-folder'} does not exist" in result.output


def test_a_full_disk_keeps_the_last_backup(runner, old_backup, monkeypatch):
    """The disk fills part way through the copy: "the disk is full", yesterday's file kept, no
    partial file left beside it."""
    def full(source, temporary, busy_timeout_ms):
        with open(temporary, "wb") as f:
            f.write(b"half a database")
        raise sqlite3.OperationalError("database or disk is full")
    monkeypatch.setattr(backup, "_copy", full)
    result = runner.invoke(args=["backup", str(old_backup)])
    assert result.exit_code != 0
    assert "the disk is full" in result.output and "was not changed" in result.output
    assert_untouched(old_backup)


def test_a_copy_that_fails_its_integrity_check_is_not_kept(runner, submitted, old_backup,
                                                           monkeypatch):
    """A copy damaged on its way to the disk (a page overwritten): refused, not renamed in."""
    real_copy = backup._copy

    def damaged(source, temporary, busy_timeout_ms):
        real_copy(source, temporary, busy_timeout_ms)
        with closing(sqlite3.connect(temporary)) as copy:
            page_size = copy.execute("PRAGMA page_size").fetchone()[0]
            root = copy.execute("SELECT rootpage FROM sqlite_master WHERE name = 'visits'").fetchone()[0]
        with open(temporary, "r+b") as f:
            f.seek((root - 1) * page_size)
            f.write(b"\x0d" + b"\xff" * 64)  # a leaf page whose header points nowhere
    monkeypatch.setattr(backup, "_copy", damaged)
    result = runner.invoke(args=["backup", str(old_backup)])
    assert result.exit_code != 0
    assert "failed SQLite's integrity check, so it was not kept" in result.output
    assert_untouched(old_backup)


def test_a_backup_cannot_go_over_the_live_database(app, runner):
    result = runner.invoke(args=["backup", app.config["DATABASE"]])
    assert result.exit_code != 0 and "cannot go over the live database" in result.output
    with closing(sqlite3.connect(app.config["DATABASE"])) as live:
        assert live.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
