"""One SQLite connection per request, through sqlite-utils, and the `flask migrate` and
`flask backup` commands."""
import contextlib

import click
from flask import current_app, g
from flask.cli import with_appcontext
from sqlite_utils import Database

from . import backup
from .migrations import migrations

BUSY_TIMEOUT_MS = 5000


def connect(path, busy_timeout_ms=BUSY_TIMEOUT_MS):
    """Open the database with foreign keys on and a busy timeout (how long a write waits for
    another writer before "database is locked"); WAL is set by a migration."""
    db = Database(path, execute_plugins=False)
    db.execute("PRAGMA foreign_keys = ON")  # per connection: SQLite leaves it off
    db.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
    return db


def get_db():
    """Return this request's Database, opening it on first use."""
    if "db" not in g:
        g.db = connect(current_app.config["DATABASE"], current_app.config["DATABASE_BUSY_TIMEOUT_MS"])
    return g.db


def rollback_request():
    """Roll back anything this request's connection left open (after an error mid-write)."""
    db = g.get("db")
    if db is not None and db.conn.in_transaction:
        db.conn.execute("ROLLBACK")


def close_db(exc=None):
    """If this request opened the database, close it."""
    db = g.pop("db", None)
    if db is not None:
        db.close()


@contextlib.contextmanager
def writing(db):
    """A transaction that takes the write lock at once (BEGIN IMMEDIATE).

    db.atomic() begins with a plain BEGIN, which takes the lock only at the first write; if
    another connection wrote in between, SQLite fails at once with "database is locked"
    instead of waiting busy_timeout. Nested, it is a savepoint inside the outer transaction."""
    if db.conn.in_transaction:
        with db.atomic():
            yield db
        return
    db.conn.execute("BEGIN IMMEDIATE")
    try:
        yield db
        db.conn.execute("COMMIT")  # inside: a COMMIT that fails (busy) rolls back too
    except BaseException:
        if db.conn.in_transaction:
            db.conn.execute("ROLLBACK")
        raise


def migrate(db):
    """Apply pending migrations; safe to repeat. Returns the names applied now."""
    pending = [m.name for m in migrations.pending(db)]
    migrations.apply(db)
    return pending


@click.command("migrate")
def migrate_command():
    """Create or update the database schema (safe to run again)."""
    applied = migrate(get_db())
    if applied:
        click.echo("Applied migrations: " + ", ".join(applied))
    else:
        click.echo("Database schema is up to date.")


@click.command("backup")
@click.argument("path", type=click.Path(dir_okay=False))
@with_appcontext
def backup_command(path):
    """Copy the live database to PATH safely while the app runs (README: Backups)."""
    try:
        size, counts = backup.backup(current_app.config["DATABASE"], path,
                                     current_app.config["DATABASE_BUSY_TIMEOUT_MS"])
    except backup.BackupError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"Backed up to {path}: {backup.size_in_words(size)}, integrity check ok.")
    click.echo(", ".join(f"{name.replace('_', ' ')} {rows:,}" for name, rows in counts.items()))


def init_app(app):
    """Register teardown and the CLI command with the app."""
    app.teardown_appcontext(close_db)
    app.cli.add_command(migrate_command)
    app.cli.add_command(backup_command)
