"""`flask backup PATH`: a consistent copy of the live database, checked before it is kept.

SQLite's online backup API copies the database page by page, a few hundred pages a step with a
short pause between steps, so the app goes on writing while it runs. A write by another
connection between two steps makes SQLite start the copy again; after a few restarts the rest is
copied in one step, which in WAL mode (the app's) is one read of a single snapshot and still
never holds a writer up. The copy goes into a temporary file beside PATH, is checked with
`PRAGMA integrity_check`, and only then renamed over PATH: PATH is never a half-written file.
"""
import os
import sqlite3
import tempfile
from pathlib import Path

from sqlite_utils import Database

PAGES_PER_STEP = 256  # 1 MB of 4 KB pages: a step takes a millisecond or two
PAUSE_SECONDS = 0.005  # between steps: the app's writers get the database in between
RESTARTS_BEFORE_ONE_STEP = 3
# The tables the command counts back, so a person can see the copy holds what they expect.
COUNTED = ("users", "suites", "visits", "detainee_entries", "escalations",
           "custody_record_reviews", "drafts", "audit_log")


class BackupError(Exception):
    """The backup was not made; the message says why, in words for whoever ran it."""


class _Restarted(Exception):
    """Another connection wrote between two steps and the copy began again."""


def backup(source, target, busy_timeout_ms=5000):
    """Copy the database at `source` to `target` safely; returns (bytes, {table: rows}).
    Raises BackupError (target untouched) if the folder is missing, the disk is full, the copy
    fails its integrity check, or anything else stops it."""
    source, target = Path(source), Path(target)
    if target.is_dir():
        raise BackupError(f"{target} is a folder: give the backup file's name, e.g. {target / 'icv.sqlite'}.")
    if not target.parent.is_dir():
        raise BackupError(f"The folder {target.parent} does not exist: create it first.")
    if not source.is_file():
        raise BackupError(f"There is no database at {source}.")
    if target.exists() and target.resolve() == source.resolve():
        raise BackupError("The backup cannot go over the live database: give another path.")
    try:
        fd, temporary = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".partial", dir=target.parent)
    except OSError as error:
        raise BackupError(f"Cannot write in {target.parent}: {error.strerror or error}.") from None
    os.close(fd)
    try:
        _copy(source, temporary, busy_timeout_ms)
        counts = _check(temporary)
        _sync(temporary)
        os.replace(temporary, target)
        _sync(target.parent)
    except BackupError:
        _remove(temporary)
        raise
    except (sqlite3.Error, OSError) as error:
        _remove(temporary)
        raise BackupError(f"The backup failed, and {target} was not changed: {_reason(error)}") from None
    except BaseException:
        _remove(temporary)
        raise
    return target.stat().st_size, counts


def _copy(source, temporary, busy_timeout_ms):
    """Page by page, falling back to one step after repeated restarts (see the module's note)."""
    live = sqlite3.connect(source, timeout=busy_timeout_ms / 1000)  # it only reads
    copy = sqlite3.connect(temporary)
    try:
        remaining = []

        def progress(status, left, total):
            if remaining and left > remaining[-1]:
                raise _Restarted()
            remaining.append(left)
        for _ in range(RESTARTS_BEFORE_ONE_STEP):
            remaining.clear()
            try:
                live.backup(copy, pages=PAGES_PER_STEP, progress=progress, sleep=PAUSE_SECONDS)
                return
            except _Restarted:
                continue
        live.backup(copy, pages=-1)
    finally:
        copy.close()
        live.close()


def _check(path):
    """PRAGMA integrity_check on the copy ("ok" or BackupError); the counts of COUNTED."""
    copy = Database(path)
    try:
        try:
            problems = [row[0] for row in copy.execute("PRAGMA integrity_check").fetchall()]
        except sqlite3.DatabaseError as error:  # too damaged to check at all
            problems = [str(error)]
        if problems != ["ok"]:
            raise BackupError("The copy failed SQLite's integrity check, so it was not kept "
                              "(the last backup, if any, is unchanged): " + "; ".join(problems[:5]) + ".")
        present = set(copy.table_names())
        return {name: copy[name].count for name in COUNTED if name in present}
    finally:
        copy.close()  # the last connection: any WAL of the copy's is folded in and removed


def _sync(path):
    """Flush a file (or a folder's entry for a renamed file) to the disk."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _remove(path):
    for leftover in (path, f"{path}-wal", f"{path}-shm", f"{path}-journal"):
        try:
            os.remove(leftover)
        except FileNotFoundError:
            pass


def _reason(error):
    text = str(error)
    if "full" in text or getattr(error, "errno", None) == 28:  # ENOSPC
        return "the disk is full."
    return f"{text}."


def size_in_words(size):
    """1234567 -> "1.2 MB"."""
    for unit in ("bytes", "KB", "MB", "GB"):
        if size < 1000 or unit == "GB":
            return f"{size:,} {unit}" if unit == "bytes" else f"{size:.1f} {unit}"
        size /= 1000
