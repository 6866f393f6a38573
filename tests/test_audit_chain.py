"""Tamper evidence for the audit log (issue 13): each entry is chained to the one before by a
SHA-256 hash (m019), `flask audit verify` finds the first broken link in a database someone has
changed behind the app's back, and a purge of old entries leaves a checkpoint the chain is
verifiable from."""
import json
import sqlite3
from datetime import timedelta

import pytest

from icv import audit
from icv.db import connect, migrate, writing
from icv.migrations import AUDIT_GENESIS, audit_entry_hash, migrations
from icv.times import format_london, now_iso, to_iso, utcnow


def log_some(db, n, clock=None, **detail):
    """n entries, a minute apart if clock is given; returns their ids."""
    for i in range(n):
        if clock:
            clock.advance(minutes=1)
        audit.log(db, None, "view", "visit", i + 1, address="192.0.2.7", n=i, **detail)
    return [r[0] for r in db.execute("SELECT id FROM audit_log ORDER BY id DESC LIMIT ?", [n])][::-1]


def verify(runner, *args):
    result = runner.invoke(args=["audit", "verify", *args])
    return result.exit_code, result.output


def when(db, entry_id):
    """An entry's time as verify shows it: London, to the minute."""
    at = db.execute("SELECT at FROM audit_log WHERE id = ?", [entry_id]).fetchone()[0]
    return format_london(at, "%Y-%m-%d %H:%M")


@pytest.fixture
def attacker(app):
    """A connection to the database file of someone who has the file, not the app: the triggers
    that refuse UPDATE and DELETE dropped first, as they would."""
    conn = connect(app.config["DATABASE"])
    conn.execute("PRAGMA foreign_keys = OFF")
    conn.executescript("DROP TRIGGER audit_log_no_update; DROP TRIGGER audit_log_no_delete;")
    yield conn
    conn.close()


def rehash_from(conn, entry_id):
    """What a careful attacker does after an edit: recompute every hash from `entry_id` on."""
    prev = conn.execute("SELECT hash FROM audit_log WHERE id < ? ORDER BY id DESC LIMIT 1",
                        [entry_id]).fetchone()
    prev = prev[0] if prev else AUDIT_GENESIS
    for row in list(conn.query("SELECT * FROM audit_log WHERE id >= ? ORDER BY id", [entry_id])):
        new = audit_entry_hash(prev, row)
        conn.execute("UPDATE audit_log SET prev_hash = NULL, hash = NULL WHERE id = ?", [row["id"]])
        conn.execute("UPDATE audit_log SET prev_hash = ?, hash = ? WHERE id = ?", [prev, new, row["id"]])
        prev = new


# The chain ------------------------------------------------------------------------------------

def test_each_entry_carries_the_hash_of_the_one_before(db):
    ids = log_some(db, 3)
    rows = list(db.query("SELECT * FROM audit_log ORDER BY id"))
    assert [r["id"] for r in rows] == ids == [1, 2, 3]
    assert rows[0]["prev_hash"] == AUDIT_GENESIS
    for before, entry in zip(rows, rows[1:]):
        assert entry["prev_hash"] == before["hash"]
    for entry in rows:
        assert entry["hash"] == audit_entry_hash(entry["prev_hash"], entry)
        assert len(entry["hash"]) == 64


def test_an_intact_log_is_reported_with_its_latest_hash_to_keep_elsewhere(runner, db, clock):
    ids = log_some(db, 5, clock)
    code, output = verify(runner)
    assert code == 0
    assert "Audit log intact: 5 entries from #1 to #5" in output
    latest = db.execute("SELECT hash FROM audit_log WHERE id = 5").fetchone()[0]
    assert f"Latest entry: #5 ({when(db, ids[-1])}), hash {latest}" in output
    assert f"flask audit verify --expect 5:{latest}" in output


def test_an_empty_log_is_intact(runner):
    assert verify(runner) == (0, "Audit log intact: no entries\n")


def test_the_hash_covers_every_field_of_the_entry(db, make_user):
    """Whatever one field says, another value gives another hash."""
    audit.log(db, make_user("admin").id, "update", "suite", 4, address="192.0.2.1", name="Brixton")
    entry = dict(next(db.query("SELECT * FROM audit_log")))
    for field, other in [("id", 2), ("at", now_iso().replace("Z", "1Z")), ("user_id", None),
                         ("action", "view"), ("object_type", "panel"), ("object_id", 5),
                         ("address", "192.0.2.2"), ("detail", '{"name": "Brixtom"}')]:
        assert audit_entry_hash(entry["prev_hash"], {**entry, field: other}) != entry["hash"], field
    assert audit_entry_hash(entry["prev_hash"], entry) == entry["hash"]


def test_an_id_given_as_text_is_hashed_as_the_number_stored(runner, db, make_user):
    audit.log(db, str(make_user("admin").id), "update", "suite", "4")
    assert verify(runner)[0] == 0


# Someone with the file -------------------------------------------------------------------------

def test_an_edited_entry_no_longer_matches_its_hash(runner, db, attacker, clock):
    log_some(db, 6, clock)
    attacker.execute("UPDATE audit_log SET detail = '{\"n\": 99}' WHERE id = 4")
    code, output = verify(runner)
    assert code == 1
    assert output == f"Broken at entry #4 ({when(db, 4)}): its hash does not match its contents\n"


@pytest.mark.parametrize("field, value", [("user_id", 1), ("action", "export"), ("address", "203.0.113.9"),
                                          ("at", "2020-01-01T00:00:00Z"), ("object_id", 77)])
def test_any_field_edited_is_found(runner, db, attacker, field, value):
    log_some(db, 3)
    attacker.execute(f"UPDATE audit_log SET {field} = ? WHERE id = 2", [value])
    code, output = verify(runner)
    assert code == 1 and output.startswith("Broken at entry #2 (") and "does not match its contents" in output


def test_an_edit_with_its_hash_recomputed_breaks_the_next_link(runner, db, attacker, clock):
    log_some(db, 6, clock)
    attacker.execute("UPDATE audit_log SET detail = '{\"n\": 99}' WHERE id = 4")
    row = next(attacker.query("SELECT * FROM audit_log WHERE id = 4"))
    attacker.execute("UPDATE audit_log SET hash = ? WHERE id = 4", [audit_entry_hash(row["prev_hash"], row)])
    code, output = verify(runner)
    assert (code, output) == (1, f"Broken at entry #5 ({when(db, 5)}): entry #5 does not follow #4\n")


def test_a_deleted_entry_breaks_the_link_of_the_next(runner, db, attacker, clock):
    log_some(db, 6, clock)
    attacker.execute("DELETE FROM audit_log WHERE id = 3")
    code, output = verify(runner)
    assert (code, output) == (1, f"Broken at entry #4 ({when(db, 4)}): entry #4 does not follow #2\n")


def test_deleting_the_first_entries_is_found(runner, db, attacker):
    log_some(db, 4)
    attacker.execute("DELETE FROM audit_log WHERE id <= 2")
    code, output = verify(runner)
    assert code == 1 and "entry #3 does not follow the start of the log" in output


def test_an_entry_forged_in_place_of_another_breaks_the_next_link(runner, db, attacker):
    """Entry #3 removed and a forged #3, hashed correctly onto #2, put in its place."""
    log_some(db, 5)
    attacker.execute("DELETE FROM audit_log WHERE id = 3")
    prev = attacker.execute("SELECT hash FROM audit_log WHERE id = 2").fetchone()[0]
    forged = {"id": 3, "at": now_iso(), "user_id": None, "action": "view", "object_type": "visit",
              "object_id": 1, "address": "192.0.2.7", "detail": "{}", "prev_hash": prev}
    forged["hash"] = audit_entry_hash(prev, forged)
    attacker["audit_log"].insert(forged)
    code, output = verify(runner)
    assert code == 1 and "Broken at entry #4" in output and "entry #4 does not follow #3" in output


@pytest.mark.parametrize("hashed", [False, True])
def test_an_entry_inserted_at_the_end_without_the_right_hash_is_found(runner, db, attacker, hashed):
    log_some(db, 3)
    row = {"id": 4, "at": now_iso(), "action": "view", "object_type": "visit", "object_id": 9,
           "detail": "{}", "user_id": None, "address": None}
    if hashed:  # follows #3 but hashed with a made-up hash
        row.update(prev_hash=db.execute("SELECT hash FROM audit_log WHERE id = 3").fetchone()[0], hash="0" * 64)
    attacker["audit_log"].insert(row)
    code, output = verify(runner)
    assert code == 1 and "Broken at entry #4" in output
    assert ("does not match its contents" if hashed else "entry #4 does not follow #3") in output


def test_only_the_first_break_is_reported(runner, db, attacker):
    log_some(db, 8)
    attacker.execute("DELETE FROM audit_log WHERE id = 6")
    attacker.execute("UPDATE audit_log SET address = '203.0.113.1' WHERE id = 3")
    code, output = verify(runner)
    assert code == 1 and output.count("Broken") == 1 and "entry #3" in output


def test_entries_removed_from_the_end_show_only_against_a_hash_kept_elsewhere(runner, db, attacker):
    """The chain of what is left is whole; the latest hash an earlier run printed is not in it."""
    log_some(db, 5)
    kept = db.execute("SELECT hash FROM audit_log WHERE id = 5").fetchone()[0]
    assert verify(runner, "--expect", f"5:{kept}")[0] == 0
    attacker.execute("DELETE FROM audit_log WHERE id >= 4")
    code, output = verify(runner)
    assert code == 0 and "intact: 3 entries" in output
    code, output = verify(runner, "--expect", f"5:{kept}")
    assert code == 1
    assert "Entry #5 is missing: the log ends at #3, so entries were removed from its end" in output


def test_a_whole_rewrite_with_every_hash_recomputed_shows_only_against_a_hash_kept_elsewhere(
        runner, db, attacker):
    """What the chain does not stop: someone who rewrites the file and recomputes every hash."""
    log_some(db, 5)
    kept = db.execute("SELECT hash FROM audit_log WHERE id = 5").fetchone()[0]
    attacker.execute("UPDATE audit_log SET address = '203.0.113.66' WHERE id = 2")
    rehash_from(attacker, 2)
    assert verify(runner)[0] == 0  # the chain alone cannot tell
    code, output = verify(runner, "--expect", f"5:{kept}")
    assert code == 1 and "Entry #5 does not have the hash kept elsewhere" in output


def test_a_hash_kept_elsewhere_must_look_like_one(runner, db):
    log_some(db, 1)
    code, output = verify(runner, "--expect", "five")
    assert code == 2 and "give the entry and hash as ID:HASH" in output


# Writers at the same time ------------------------------------------------------------------------

@pytest.fixture
def second(app):
    conn = connect(app.config["DATABASE"])
    yield conn
    conn.close()


def test_two_connections_logging_alternately_make_one_chain(runner, db, second):
    for n in range(20):
        audit.log(db if n % 2 else second, None, "view", "visit", n)
    with writing(db):
        audit.log(db, None, "view", "visit", 100)
        audit.log(db, None, "view", "visit", 101)
    audit.log(second, None, "view", "visit", 102)
    assert verify(runner)[1].startswith("Audit log intact: 23 entries from #1 to #23")


def test_no_one_else_can_log_between_reading_the_last_hash_and_writing_after_it(
        runner, app, db, monkeypatch):
    """log() reads the last hash under the write lock: another writer (here one that will not
    wait) is refused until the entry is in, then follows it."""
    impatient = connect(app.config["DATABASE"], busy_timeout_ms=0)
    read = audit.last_link
    refused = []

    def between(conn):
        found = read(conn)
        if conn is db:
            try:
                audit.log(impatient, None, "view", "visit", 2)
            except sqlite3.OperationalError as error:
                refused.append(str(error))
        return found
    monkeypatch.setattr(audit, "last_link", between)
    audit.log(db, None, "view", "visit", 1)
    monkeypatch.setattr(audit, "last_link", read)
    audit.log(impatient, None, "view", "visit", 2)
    impatient.close()
    assert refused == ["database is locked"]
    assert [r["object_id"] for r in db.query("SELECT object_id FROM audit_log ORDER BY id")] == [1, 2]
    assert verify(runner)[0] == 0


def test_a_transaction_that_read_before_another_logged_cannot_fork_the_chain(runner, app, db, second):
    """A caller's plain (deferred) transaction reads the last hash, someone else logs, then the
    caller writes: SQLite refuses the stale write, so its entry never follows the same one."""
    audit.log(db, None, "view", "visit", 1)
    with pytest.raises(sqlite3.OperationalError, match="locked"):
        with db.atomic():
            db.execute("SELECT count(*) FROM audit_log").fetchone()  # the transaction's snapshot
            audit.log(second, None, "view", "visit", 2)
            audit.log(db, None, "view", "visit", 3)
    assert [r["object_id"] for r in db.query("SELECT object_id FROM audit_log ORDER BY id")] == [1, 2]
    assert verify(runner)[0] == 0


def test_the_database_refuses_two_entries_after_the_same_one(db):
    log_some(db, 2)
    first = next(db.query("SELECT * FROM audit_log WHERE id = 1"))
    fork = {**first, "id": 3, "prev_hash": first["prev_hash"]}
    with pytest.raises(sqlite3.IntegrityError, match="prev_hash"):
        db["audit_log"].insert(fork)


# m019 on a log that already has entries -------------------------------------------------------

def test_m019_chains_the_entries_already_there_in_id_order(tmp_path, app):
    blank = connect(str(tmp_path / "old.sqlite"))
    migrations.apply(blank, stop_before="m019_audit_chain")
    for n in range(5):
        blank.execute("INSERT INTO audit_log (at, action, object_type, object_id, detail, address) "
                      "VALUES (?, 'view', 'visit', ?, ?, ?)",
                      [now_iso(), n, json.dumps({"n": n}), None if n % 2 else "192.0.2.1"])
    before = [tuple(r) for r in blank.execute("SELECT * FROM audit_log ORDER BY id")]
    assert migrate(blank)[0] == "m019_audit_chain"
    after = [tuple(r) for r in blank.execute("SELECT * FROM audit_log ORDER BY id")]
    assert [r[:-2] for r in after] == before
    audit.log(blank, None, "view", "visit", 9)
    verdict = audit.verify(blank)
    assert verdict.intact and (verdict.count, verdict.first_id, verdict.last_id) == (6, 1, 6)
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        blank.execute("UPDATE audit_log SET hash = NULL")
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        blank.execute("DELETE FROM audit_log")
    blank.close()


# Purging old entries -----------------------------------------------------------------------------

@pytest.fixture
def aged(db, clock):
    """Ten entries a day apart, 10 days ago to yesterday, then back to now: (ids, now)."""
    start = utcnow()
    clock.set(start - timedelta(days=11))
    ids = []
    for n in range(10):
        clock.advance(days=1)
        audit.log(db, None, "view", "visit", n)
        ids.append(n + 1)
    clock.set(start)
    return ids, start


def days_ago(start, n):
    return to_iso(start - timedelta(days=n))


def test_a_dry_run_counts_and_changes_nothing(db, aged):
    ids, start = aged
    before = [tuple(r) for r in db.execute("SELECT * FROM audit_log")]
    assert audit.purge_older_than(db, days_ago(start, 3), dry_run=True) == 7
    assert [tuple(r) for r in db.execute("SELECT * FROM audit_log")] == before
    assert db["audit_checkpoints"].count == 0


def test_a_purge_removes_the_old_entries_and_the_rest_verify_from_its_checkpoint(runner, db, aged):
    ids, start = aged
    assert audit.purge_older_than(db, days_ago(start, 3)) == 7  # 10, 9 ... 4 days ago
    left = [r["id"] for r in db.query("SELECT id FROM audit_log ORDER BY id")]
    assert left == [8, 9, 10, 11]
    [checkpoint] = db.query("SELECT * FROM audit_checkpoints")
    assert (checkpoint["last_id"], checkpoint["removed"], checkpoint["cutoff"], checkpoint["at"]) == (
        7, 7, days_ago(start, 3), now_iso())
    assert checkpoint["last_at"] == days_ago(start, 4)
    purge = next(db.query("SELECT * FROM audit_log WHERE id = 11"))
    assert (purge["action"], purge["object_type"], purge["user_id"]) == ("purge", "audit_log", None)
    assert json.loads(purge["detail"]) == {"checkpoint": checkpoint["id"], "removed": 7, "through": 7,
                                           "through_hash": checkpoint["last_hash"],
                                           "cutoff": days_ago(start, 3)}
    assert db.execute("SELECT prev_hash FROM audit_log WHERE id = 8").fetchone()[0] == checkpoint["last_hash"]
    code, output = verify(runner)
    assert code == 0 and "Audit log intact: 4 entries from #8 to #11" in output
    assert "Checked from the checkpoint after entry #7" in output and "removed 7 older entries" in output


def test_a_purge_of_nothing_old_changes_nothing(db, aged):
    ids, start = aged
    assert audit.purge_older_than(db, days_ago(start, 30)) == 0
    assert db["audit_checkpoints"].count == 0 and db["audit_log"].count == 10


def test_after_purging_everything_ids_carry_on_and_the_chain_follows_the_checkpoint(runner, db, aged):
    ids, start = aged
    assert audit.purge_older_than(db, to_iso(start + timedelta(days=1))) == 10
    audit.log(db, None, "view", "visit", 50)
    assert [r["id"] for r in db.query("SELECT id FROM audit_log ORDER BY id")] == [11, 12]
    assert audit.purge_older_than(db, to_iso(start + timedelta(days=1))) == 2
    assert [r["id"] for r in db.query("SELECT id FROM audit_log ORDER BY id")] == [13]
    code, output = verify(runner)
    assert code == 0 and "Audit log intact: 1 entries from #13 to #13" in output
    assert "checkpoint after entry #12" in output


def test_a_purge_keeps_an_old_entry_that_follows_a_newer_one(db, aged, clock):
    """A purge removes from the start of the log up to the first entry not yet old: an entry
    stamped earlier after it (the clock set back) waits for the next purge."""
    ids, start = aged
    clock.set(start - timedelta(days=20))
    audit.log(db, None, "view", "visit", 99)
    clock.set(start)
    assert audit.purge_older_than(db, days_ago(start, 3)) == 7
    assert db["audit_log"].count == 5


def test_a_purged_entry_kept_elsewhere_is_checked_against_its_checkpoint(runner, db, aged):
    ids, start = aged
    hashes = {r["id"]: r["hash"] for r in db.query("SELECT id, hash FROM audit_log")}
    audit.purge_older_than(db, days_ago(start, 3))
    assert "Entry #7 still has the hash kept elsewhere" in verify(runner, "--expect", f"7:{hashes[7]}")[1]
    code, output = verify(runner, "--expect", f"7:{hashes[6]}")
    assert code == 1 and "Entry #7 does not have the hash kept elsewhere" in output
    code, output = verify(runner, "--expect", f"3:{hashes[3]}")
    assert code == 0 and "Entry #3 has been purged, so it cannot be checked" in output


def test_a_purge_refuses_to_remove_a_broken_part_of_the_log(db, aged, attacker):
    ids, start = aged
    attacker.execute("UPDATE audit_log SET address = '203.0.113.5' WHERE id = 2")
    with pytest.raises(audit.ChainBroken, match="Broken at entry #2"):
        audit.purge_older_than(db, days_ago(start, 3))
    assert db["audit_log"].count == 10 and db["audit_checkpoints"].count == 0


def test_entries_are_deleted_only_up_to_a_recorded_checkpoint(db, aged):
    ids, start = aged
    audit.purge_older_than(db, days_ago(start, 3))
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        db.execute("DELETE FROM audit_log WHERE id = 8")
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        db.execute("UPDATE audit_checkpoints SET last_id = 9")
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        db.execute("DELETE FROM audit_checkpoints")
    last_hash = db.execute("SELECT hash FROM audit_log WHERE id = 9").fetchone()[0]
    for last_id, hash_ in [(9, "0" * 64), (5, last_hash), (99, last_hash)]:
        with pytest.raises(sqlite3.IntegrityError, match="a checkpoint names the last entry"):
            db.execute("INSERT INTO audit_checkpoints (at, cutoff, last_id, last_at, last_hash, removed) "
                       "VALUES (?, ?, ?, ?, ?, 1)", [now_iso(), now_iso(), last_id, now_iso(), hash_])


def test_a_checkpoint_no_purge_recorded_is_found(runner, db, aged, clock):
    """Someone inserts a checkpoint naming a real entry, so as to delete what comes before it:
    no purge entry in the chain records it."""
    ids, start = aged
    last = next(db.query("SELECT * FROM audit_log WHERE id = 5"))
    db.execute("INSERT INTO audit_checkpoints (at, cutoff, last_id, last_at, last_hash, removed) "
               "VALUES (?, ?, 5, ?, ?, 5)", [now_iso(), now_iso(), last["at"], last["hash"]])
    db.execute("DELETE FROM audit_log WHERE id <= 5")
    code, output = verify(runner)
    assert code == 1
    assert output == (f"Broken at the checkpoint ({format_london(now_iso(), '%Y-%m-%d %H:%M')}): "
                      "no purge entry in the log records its checkpoint after entry #5\n")
