"""Custody suites and panels: the `suites`, `panels` and `panel_suites` tables. The only module
that writes SQL for them; others call these."""


def visitable(db):
    """(id, name) of suites that can be visited (not closed), by name."""
    return [(r["id"], r["name"]) for r in db.query(
        "SELECT id, name FROM suites WHERE status != 'closed' ORDER BY name")]


def all_suites(db):
    """(id, name) of every suite, by name."""
    return [(r["id"], r["name"]) for r in db.query("SELECT id, name FROM suites ORDER BY name")]


def all_panels(db):
    """(id, name) of every panel, by name."""
    return [(r["id"], r["name"]) for r in db.query("SELECT id, name FROM panels ORDER BY name")]
