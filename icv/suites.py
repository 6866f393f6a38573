"""Custody suites and panels: the `suites`, `panels` and `panel_suites` tables. The only module
that writes SQL for them; others call these."""
from .lookup import by_id


def visitable(db):
    """(id, name) of suites that can be visited (not closed), by name."""
    return [(r["id"], r["name"]) for r in db.query(
        "SELECT id, name FROM suites WHERE status != 'closed' ORDER BY name")]


def all_suites(db):
    """(id, name) of every suite, by name."""
    return [(r["id"], r["name"]) for r in db.query("SELECT id, name FROM suites ORDER BY name")]


def names(db, ids):
    """{id: name} of these suites; ids may repeat."""
    return by_id(db, "SELECT id, name AS value FROM suites", ids)


def name(db, suite_id):
    """The name of one suite."""
    return names(db, [suite_id])[suite_id]


def panel_names(db, ids):
    """{id: name} of these panels; ids may repeat or be None."""
    return by_id(db, "SELECT id, name AS value FROM panels", ids)


def in_panel(db, panel_id):
    """The ids of the suites a panel visits."""
    return [r["suite_id"] for r in db.query(
        "SELECT suite_id FROM panel_suites WHERE panel_id = ? ORDER BY suite_id", [panel_id])]


def all_panels(db):
    """(id, name) of every panel, by name."""
    return [(r["id"], r["name"]) for r in db.query("SELECT id, name FROM panels ORDER BY name")]
